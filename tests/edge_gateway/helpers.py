"""Shared parts of the gateway's end-to-end tests: a real aas_server that can be stopped and restarted."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from aas_server.app import create_app
from tests.conftest import API, make_config


def b64(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """A real aas_server on a fixed loopback port that a test can stop and start again (same data)."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self._server: TestServer | None = None

    async def start(self) -> None:
        self._server = TestServer(create_app(make_config(self.data)), host="127.0.0.1", port=self.port)
        await self._server.start_server()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def get(self, path: str) -> Any:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{self.port}{API}{path}") as r:
            assert r.status == 200, await r.text()
            return await r.json()

    async def patch(self, path: str, body: Any) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.patch(f"http://127.0.0.1:{self.port}{API}{path}", json=body) as r,
        ):
            assert r.status == 204, await r.text()

    async def post(self, path: str, body: Any) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{self.port}{API}{path}", json=body) as r,
        ):
            assert r.status == 201, await r.text()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def holds(value: bool) -> bool:
    return value


async def equals(read: Callable[[], Awaitable[str | None]], expected: str) -> bool:
    return await read() == expected
