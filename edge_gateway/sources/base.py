"""What the gateway needs from a source, whatever its protocol."""

from __future__ import annotations

from typing import Any, Protocol

from ..config import Signal

__all__ = ["Source"]


class Source(Protocol):
    connected: bool
    reconnects: int

    @property
    def name(self) -> str: ...

    async def run(self) -> None:
        """Deliver samples until cancelled; reconnect by itself."""

    async def write(self, signal: Signal, value: Any) -> None:
        """Write a setpoint; raise when the source cannot take it."""
