"""Change notifications: the one place every acknowledged write is announced.

The repository calls every registered :class:`ChangeListener` after a unit of work is durable. Events
(MQTT), ETags and history, registry synchronization and the audit log are all listeners, so adding one
never touches the write paths.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Protocol

from .storage import Kind

__all__ = ["Action", "Change", "ChangeListener", "ChangeNotifier"]

log = logging.getLogger(__name__)


class Action(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    #: only the value of one element changed (``path`` names it)
    VALUE = "value"
    #: time series records were appended to the record store ``path``
    RECORDS = "records"


@dataclass(frozen=True, slots=True)
class Change:
    kind: Kind
    id: str
    action: Action
    version: int
    #: idShortPath of the element the change is about, None for the whole identifiable
    path: str | None = None


class ChangeListener(Protocol):
    async def __call__(self, change: Change) -> None: ...


class ChangeNotifier:
    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    async def publish(self, change: Change) -> None:
        # A failing listener must not turn an acknowledged, durable write into an error for the client.
        for listener in self._listeners:
            try:
                await listener(change)
            except Exception:
                log.exception("change listener %r failed for %s", listener, change)
