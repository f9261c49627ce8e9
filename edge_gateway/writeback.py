"""Setpoints: a change of a writable signal's target element on the server is written to the PLC.

The server has no change events yet (a later issue adds them), so the gateway polls the ``$value`` of each
submodel that holds setpoints (one request per submodel per poll, like the sink). A changed value is
written to the source once. Values the gateway itself sent up (the PLC's own setpoint flowing to the
server) are recognised and not written back. At start the server's values are only learned: a gateway
restart must not push old setpoints to a running machine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from .api import encode_id
from .config import GatewayConfig, Signal

__all__ = ["SetpointWatcher"]

log = logging.getLogger(__name__)

Writer = Callable[[Signal, Any], Awaitable[None]]
_MISSING = object()


def _get_path(value: Any, path: str) -> Any:
    for name in path.split("."):
        if not isinstance(value, dict) or name not in value:
            return _MISSING
        value = value[name]
    return value


class SetpointWatcher:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: GatewayConfig,
        writers: Mapping[str, Writer],
        sent_up: Callable[[str], Any],
        poll_s: float = 0.5,
    ) -> None:
        self._session = session
        self._base = config.server.url.rstrip("/")
        self._writers = writers  # source name -> how to write to it
        self._sent_up = sent_up  # signal id -> the value the gateway last sent for it (or _MISSING)
        self._poll_s = poll_s
        self._known: dict[str, Any] = {}
        self._by_submodel: dict[str, list[Signal]] = {}
        for signal in config.signals:
            if signal.writable and signal.target is not None:
                self._by_submodel.setdefault(signal.target.submodel, []).append(signal)
        self.writes = 0
        self.failures = 0

    async def run(self) -> None:
        while True:
            for submodel, signals in self._by_submodel.items():
                try:
                    async with self._session.get(f"{self._base}/submodels/{encode_id(submodel)}/$value") as response:
                        if response.status != 200:
                            continue
                        values = await response.json()
                except (aiohttp.ClientError, TimeoutError):
                    continue  # the sink reports the server's state; setpoints wait for it
                for signal in signals:
                    await self._check(signal, _get_path(values, signal.target.path if signal.target else ""))
            await asyncio.sleep(self._poll_s)

    async def _check(self, signal: Signal, value: Any) -> None:
        if value is _MISSING or value is None:
            return
        first = signal.id not in self._known
        changed = self._known.get(signal.id, _MISSING) != value
        self._known[signal.id] = value
        if first or not changed or value == self._sent_up(signal.id):
            return
        writer = self._writers.get(signal.source)
        if writer is None:
            return
        try:
            await writer(signal, value)
            self.writes += 1
            log.info("setpoint %s = %r written to %s", signal.id, value, signal.source)
        except Exception as exc:  # a PLC refusing a write must not stop the gateway
            self.failures += 1
            log.error("setpoint %s = %r could not be written to %s: %s", signal.id, value, signal.source, exc)
