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
from .model.documents import cd_terms, shell_terms, submodel_terms
from .model.errors import BadRequest, Conflict, NotFound
from .storage import DeleteDocument, DocumentExists, Kind, ListQuery, Operation, PutDocument, Storage, StoredDocument

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
        self, storage: Storage, *, cache_capacity: int = 10_000, check_submodel: SubmodelCheck | None = None
    ) -> None:
        self.storage = storage
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

    async def create(self, kind: Kind, body: Any) -> Json:
        doc = self.validate(kind, body)
        if await self.cache.get(kind, doc["id"]) is not None:
            raise Conflict(f"{_NAMES[kind]} with id '{doc['id']}' exists already")
        await self.commit(
            None, [self.put_operation(kind, doc, create_only=True)], Change(kind, doc["id"], Action.CREATED, 1)
        )
        self.cache.put(CachedDocument(kind, doc["id"], doc, 1))
        return doc

    async def replace(self, kind: Kind, id: str, body: Any) -> Json:
        doc = self.validate(kind, body)
        if doc["id"] != id:
            raise BadRequest(f"The id in the body ('{doc['id']}') differs from the id in the path ('{id}')")
        entry = await self.entry(kind, id)
        return await self.store(entry, doc)

    async def store(self, entry: CachedDocument, doc: Json, action: Action = Action.UPDATED) -> Json:
        """Replace the document of a cached entry (already validated) and commit it."""
        entry.doc = doc
        entry.changed()
        await self.commit(
            entry, [self.put_operation(entry.kind, doc)], Change(entry.kind, entry.id, action, entry.version)
        )
        return doc

    async def delete(self, kind: Kind, id: str, extra: Sequence[Operation] = ()) -> None:
        entry = await self.entry(kind, id)
        self.cache.evict(kind, id)
        await self.commit(None, [DeleteDocument(kind, id), *extra], Change(kind, id, Action.DELETED, entry.version + 1))

    async def documents(self, kind: Kind, ids: Sequence[str]) -> list[Json]:
        """Current documents for many ids (missing ids are skipped), cached ones from memory."""
        found: dict[str, Json] = {}
        missing = []
        for id in ids:
            entry = self.cache.peek(kind, id)
            if entry is not None:
                found[id] = entry.doc
            else:
                missing.append(id)
        if missing:
            for stored in await self.storage.get_many(kind, missing):
                found[stored.id] = materialize(stored)
        return [found[id] for id in ids if id in found]

    def current(self, stored: StoredDocument) -> Json:
        """The freshest document for a listed row: the cached one if any, else the stored one."""
        entry = self.cache.peek(stored.kind, stored.id)
        if entry is not None:
            return entry.doc
        return materialize(stored)
