"""The repository service: the one path every read and write of identifiables takes.

Routes call this, never storage. It validates bodies through basyx (:mod:`aas_server.codec`), keeps hot
documents parsed (:mod:`aas_server.documents`), commits units of work to storage, and announces every
durable change (:mod:`aas_server.changes`). Element-level operations live in :mod:`aas_server.elements`,
files in :mod:`aas_server.attachments`; both build on the primitives here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from basyx.aas import model

from . import codec
from .changes import Action, Change, ChangeNotifier
from .documents import CachedDocument, DocumentCache, materialize
from .model import time_series
from .model.documents import cd_terms, shell_terms, submodel_terms
from .model.errors import BadRequest, Conflict, NotFound
from .storage import (
    AppendRecords,
    DeleteDocument,
    DocumentExists,
    Kind,
    ListQuery,
    Operation,
    PutDocument,
    RecordQuery,
    Storage,
    StoredDocument,
)

__all__ = ["Page", "Repository"]

log = logging.getLogger(__name__)
Json = dict[str, Any]

_TYPES: dict[Kind, type[Any]] = {
    Kind.SHELL: model.AssetAdministrationShell,
    Kind.SUBMODEL: model.Submodel,
    Kind.CONCEPT_DESCRIPTION: model.ConceptDescription,
}
_TERMS: dict[Kind, Callable[[Json], list[tuple[str, str]]]] = {
    Kind.SHELL: shell_terms,
    Kind.SUBMODEL: submodel_terms,
    Kind.CONCEPT_DESCRIPTION: cd_terms,
}
_NAMES = {
    Kind.SHELL: "Asset Administration Shell",
    Kind.SUBMODEL: "Submodel",
    Kind.CONCEPT_DESCRIPTION: "Concept Description",
}


@dataclass(slots=True)
class Page:
    """One page of a listing; ``cursor_position`` is None on the last page."""

    items: list[StoredDocument]
    cursor_position: int | None


#: Checks a valid submodel against more than the metamodel (its IDTA template); returns the problems.
SubmodelCheck = Callable[[Json], Sequence[str]]


_MAX_PROBLEMS = 20


class Repository:
    def __init__(
        self,
        storage: Storage,
        *,
        cache_capacity: int = 10_000,
        check_submodel: SubmodelCheck | None = None,
        inline_records: int = 100,
    ) -> None:
        self.storage = storage
        self._inline_records = inline_records
        self._check_submodel = check_submodel
        self.cache = DocumentCache(storage, cache_capacity)
        self.changes = ChangeNotifier()

    # -- primitives ------------------------------------------------------------------------------

    async def entry(self, kind: Kind, id: str) -> CachedDocument:
        entry = await self.cache.get(kind, id)
        if entry is None:
            raise NotFound(f"{_NAMES[kind]} with id '{id}' not found")
        return entry

    async def commit(self, entry: CachedDocument | None, unit: Sequence[Operation], change: Change) -> None:
        """Make a unit durable and announce it; on failure, forget the (already changed) cached entry."""
        if entry is not None:
            entry.pending += 1
        try:
            await self.storage.commit(unit)
        except DocumentExists as exc:
            raise Conflict(f"{_NAMES[exc.kind]} with id '{exc.id}' exists already") from exc
        except KeyError as exc:
            if entry is not None:
                self.cache.evict(entry.kind, entry.id)
            raise NotFound(f"{_NAMES[change.kind]} with id '{change.id}' not found") from exc
        except BaseException:
            if entry is not None:
                self.cache.evict(entry.kind, entry.id)
            raise
        finally:
            if entry is not None:
                entry.pending -= 1
        await self.changes.publish(change)

    def validate(self, kind: Kind, body: Any) -> Json:
        """Validate a whole identifiable with basyx and return its canonical JSON.

        basyx keeps a shell's submodel references in a set; the client's order is restored so that a
        client reads back what it wrote. Every structural write of a submodel passes here, so this is where
        the opt-in template check (``validation.templates``) runs.
        """
        doc = codec.canonical(body, _TYPES[kind])
        if kind is Kind.SUBMODEL and self._check_submodel is not None:
            problems = self._check_submodel(doc)
            if problems:
                raise BadRequest(*(f"Violates its submodel template: {p}" for p in problems[:_MAX_PROBLEMS]))
        if kind is Kind.SHELL and isinstance(body.get("submodels"), list) and doc.get("submodels"):
            order = {orjson.dumps(ref, option=orjson.OPT_SORT_KEYS): i for i, ref in enumerate(body["submodels"])}
            doc["submodels"].sort(key=lambda ref: order.get(orjson.dumps(ref, option=orjson.OPT_SORT_KEYS), len(order)))
        return doc

    def put_operation(self, kind: Kind, doc: Json, *, create_only: bool = False) -> PutDocument:
        return PutDocument(kind, doc["id"], orjson.dumps(doc), _TERMS[kind](doc), create_only)

    # -- identifiables ---------------------------------------------------------------------------

    async def list_page(self, kind: Kind, after: int, limit: int, terms: Sequence[tuple[str, str]] = ()) -> Page:
        rows = await self.storage.list_page(ListQuery(kind, after, limit + 1, tuple(terms)))
        if len(rows) > limit:
            return Page(rows[:limit], rows[limit - 1].seq)
        return Page(rows, None)

    async def get(self, kind: Kind, id: str) -> Json:
        return (await self.entry(kind, id)).doc

    async def create(self, kind: Kind, body: Any, *, canonical: bool = False) -> Json:
        """Store a new identifiable. ``canonical``: ``body`` is already the encoding of a validated basyx
        object (the loader's case), so the second basyx round trip of :meth:`validate` is skipped."""
        doc = body if canonical else self.validate(kind, body)
        if await self.cache.get(kind, doc["id"]) is not None:
            raise Conflict(f"{_NAMES[kind]} with id '{doc['id']}' exists already")
        stored, unit = await self.store_operations(kind, doc, create_only=True)
        await self.commit(None, unit, Change(kind, doc["id"], Action.CREATED, 1))
        self.cache.put(CachedDocument(kind, doc["id"], stored, 1))
        return doc

    async def store_operations(
        self, kind: Kind, doc: Json, *, create_only: bool = False
    ) -> tuple[Json, list[Operation]]:
        """The document as stored and the unit that stores it: a time series submodel's inline records go
        to its record stores (only those newer than a store's last record: a client that PUTs back what it
        read must not duplicate the window it was shown)."""
        stripped, taken = time_series.split_records(doc) if kind is Kind.SUBMODEL else (doc, {})
        unit: list[Operation] = [self.put_operation(kind, stripped, create_only=create_only)]
        for path, records in taken.items():
            last = None if create_only else (await self.storage.record_summary(doc["id"], path)).last
            keyed = [(time_series.time_key(r, path=path), r) for r in records]
            fresh = tuple((key, orjson.dumps(r)) for key, r in keyed if last is None or key > last)
            if fresh:
                unit.append(AppendRecords(doc["id"], path, fresh))
        return stripped, unit

    async def view(self, entry: CachedDocument) -> Json:
        """The document as readers see it: for a time series submodel, the latest records of each record
        store inline (``time_series.inline_records``) and the segments' counts and times."""
        if entry.view is not None:
            return entry.view
        version = entry.version
        view = await self.render_records(entry.id, entry.doc) if entry.kind is Kind.SUBMODEL else entry.doc
        if entry.version == version and entry.pending == 0:  # nothing changed while reading: keep it
            entry.view = view
        return view

    async def render_records(self, submodel_id: str, doc: Json) -> Json:
        stores = dict(time_series.record_stores(doc))
        if not stores:
            return doc
        views: dict[str, time_series.StoreView] = {}
        for path in stores:
            latest = await self.storage.records(
                RecordQuery(submodel_id, path, limit=self._inline_records, newest_first=True)
            )
            summary = await self.storage.record_summary(submodel_id, path)
            records = [orjson.loads(row.record) for row in reversed(latest)]
            views[path] = time_series.StoreView(records, summary.count, summary.first, summary.last)
        return time_series.render(doc, views)

    async def replace(self, kind: Kind, id: str, body: Any) -> Json:
        doc = self.validate(kind, body)
        if doc["id"] != id:
            raise BadRequest(f"The id in the body ('{doc['id']}') differs from the id in the path ('{id}')")
        entry = await self.entry(kind, id)
        return await self.store(entry, doc)

    async def store(
        self, entry: CachedDocument, doc: Json, action: Action = Action.UPDATED, extra: Sequence[Operation] = ()
    ) -> Json:
        """Replace the document of a cached entry (already validated) and commit it."""
        stored, unit = await self.store_operations(entry.kind, doc)
        entry.doc = stored
        entry.changed()
        await self.commit(entry, [*unit, *extra], Change(entry.kind, entry.id, action, entry.version))
        return doc

    async def delete(self, kind: Kind, id: str, extra: Sequence[Operation] = ()) -> None:
        entry = await self.entry(kind, id)
        self.cache.evict(kind, id)
        await self.commit(None, [DeleteDocument(kind, id), *extra], Change(kind, id, Action.DELETED, entry.version + 1))

    async def documents(self, kind: Kind, ids: Sequence[str]) -> list[Json]:
        """Current documents for many ids as readers see them (missing ids are skipped), cached ones from memory."""
        found: dict[str, Json] = {}
        missing = []
        for id in ids:
            entry = self.cache.peek(kind, id)
            if entry is not None:
                found[id] = await self.view(entry)
            else:
                missing.append(id)
        if missing:
            for stored in await self.storage.get_many(kind, missing):
                found[stored.id] = await self.current_view(stored)
        return [found[id] for id in ids if id in found]

    async def current_view(self, stored: StoredDocument) -> Json:
        """:meth:`current` as readers see it (see :meth:`view`)."""
        entry = self.cache.peek(stored.kind, stored.id)
        if entry is not None:
            return await self.view(entry)
        doc = materialize(stored)
        return await self.render_records(stored.id, doc) if stored.kind is Kind.SUBMODEL else doc

    def current(self, stored: StoredDocument) -> Json:
        """The freshest document for a listed row: the cached one if any, else the stored one."""
        entry = self.cache.peek(stored.kind, stored.id)
        if entry is not None:
            return entry.doc
        return materialize(stored)
