"""Shared fixtures: a real aas_server on a loopback port, backed by a real SQLite file in tmp_path."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from aas_server.app import create_app
from aas_server.config import ServerConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "examples"
FULL_EXAMPLE = EXAMPLES / "basyx-python-sdk"
API = "/api/v3.0"


def b64(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")


def make_config(data_dir: Path, **overrides: object) -> ServerConfig:
    return ServerConfig(data_dir=data_dir, access_log=False, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(make_config(tmp_path / "data"))
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


@pytest.fixture
async def example_client(tmp_path: Path) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """A server loaded with the basyx full example (every element type, a File with content)."""
    config = make_config(tmp_path / "data", load=[FULL_EXAMPLE / "test_demo_full_example_json.aasx"])
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as test_client:
        yield test_client
