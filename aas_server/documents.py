"""The in-memory cache of parsed documents.

Hot documents stay parsed as Part 1 JSON dicts, so a value read touches only the element it names and a
value write costs one small element record in storage (see :mod:`aas_server.storage.base`).

Consistency rule: every write changes the cached document *first*, then enqueues its storage operations in
the same event-loop step. Storage applies units in queue order, so memory and storage see writes in the
same order; a failed commit evicts the entry, and the next read reloads what storage has. An entry with a
commit in flight is never evicted, and loads are single-flight, so a slow load can never overwrite newer
data.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import orjson

from .model.documents import locate
from .model.id_short_path import parse_path
from .storage import Kind, Storage, StoredDocument

__all__ = ["CachedDocument", "DocumentCache"]

log = logging.getLogger(__name__)
Json = dict[str, Any]


@dataclass(slots=True)
class CachedDocument:
    kind: Kind
    id: str
    doc: Json
    version: int
    pending: int = 0
    #: Serialized variants of the whole document (key: variant name), dropped on every change.
    rendered: dict[str, bytes] = field(default_factory=dict)
    #: What readers see when it differs from ``doc`` (time series records rendered in), dropped on change.
    view: Json | None = None

    def changed(self) -> None:
        self.version += 1
        self.rendered.clear()
        self.view = None


def materialize(stored: StoredDocument) -> Json:
    """The current document: the stored document with its element records applied in write order."""
    doc: Json = orjson.loads(stored.document)
    for path, element in stored.elements:
        try:
            location = locate(doc, parse_path(path))
        except Exception:  # a record whose element a later structural write removed
            log.warning("dropping stale element record %s of %s", path, stored.id)
            continue
        location.container[location.index] = orjson.loads(element)
    return doc


class DocumentCache:
    def __init__(self, storage: Storage, capacity: int) -> None:
        self._storage = storage
        self._capacity = capacity
        self._entries: OrderedDict[tuple[Kind, str], CachedDocument] = OrderedDict()
        self._loading: dict[tuple[Kind, str], asyncio.Future[CachedDocument | None]] = {}

    def peek(self, kind: Kind, id: str) -> CachedDocument | None:
        entry = self._entries.get((kind, id))
        if entry is not None:
            self._entries.move_to_end((kind, id))
        return entry

    async def get(self, kind: Kind, id: str) -> CachedDocument | None:
        key = (kind, id)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry
        loading = self._loading.get(key)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[CachedDocument | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            stored = await self._storage.get(kind, id)
            entry = None
            if stored is not None:
                entry = self._entries.get(key) or CachedDocument(kind, id, materialize(stored), stored.version)
                self.put(entry)
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            del self._loading[key]

    def put(self, entry: CachedDocument) -> None:
        self._entries[(entry.kind, entry.id)] = entry
        self._entries.move_to_end((entry.kind, entry.id))
        self._shrink()

    def evict(self, kind: Kind, id: str) -> None:
        self._entries.pop((kind, id), None)

    def _shrink(self) -> None:
        if len(self._entries) <= self._capacity:
            return
        for key in list(self._entries):
            if len(self._entries) <= self._capacity:
                break
            if self._entries[key].pending == 0:
                del self._entries[key]
