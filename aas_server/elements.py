"""Submodel element operations (IDTA-01002-3-0 §11, "Submodel Service" interface).

Two kinds of write, with different costs on purpose:

* *Value writes* (PATCH of an element, its ``$value`` or ``$metadata``) keep the structure of the submodel.
  They are validated against the element alone and stored as one element record: a small durable write,
  whatever the size of the submodel.
* *Structural writes* (POST, PUT, DELETE of elements; anything on the whole submodel) change the element
  tree. The new submodel is validated as a whole by basyx (so constraints that span elements, such as
  unique idShorts and SubmodelElementList rules, hold) and stored as a new document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson
from basyx.aas import model

from . import codec
from .changes import Action, Change
from .documents import CachedDocument
from .model import time_series, value_only
from .model.documents import Location, locate, locate_parent_container
from .model.errors import BadRequest, Conflict, NotFound
from .model.id_short_path import format_path, parse_path
from .repository import Repository
from .storage import AppendRecords, DeleteAttachment, Kind, Operation, PutElement, RecordQuery, RecordRow

__all__ = ["SubmodelElements"]

Json = dict[str, Any]


class SubmodelElements:
    def __init__(self, repository: Repository) -> None:
        self._repo = repository
        self._record_shapes: set[tuple[Any, ...]] = set()  # record shapes basyx has accepted

    async def submodel(self, submodel_id: str) -> CachedDocument:
        return await self._repo.entry(Kind.SUBMODEL, submodel_id)

    async def locate(self, submodel_id: str, path: str) -> Location:
        entry = await self.submodel(submodel_id)
        return locate(entry.doc, parse_path(path))

    # -- value writes ----------------------------------------------------------------------------

    async def _write_element(self, entry: CachedDocument, path: str, location: Location, element: Json) -> None:
        location.container[location.index] = element
        entry.changed()
        canonical_path = format_path(parse_path(path))
        await self._repo.commit(
            entry,
            [PutElement(entry.id, canonical_path, orjson.dumps(element))],
            Change(Kind.SUBMODEL, entry.id, Action.VALUE, entry.version, canonical_path),
        )

    async def patch_value(self, submodel_id: str, path: str, value: Any) -> None:
        entry = await self.submodel(submodel_id)
        location = locate(entry.doc, parse_path(path))
        value = value_only.unwrap_element_value(location.element, value)
        try:
            element = value_only.apply_element_value(location.element, value, path=path)
        except value_only.ValueOnlyError as exc:
            raise BadRequest(str(exc)) from exc
        await self._write_element(entry, path, location, element)

    async def patch(self, submodel_id: str, path: str, body: Any) -> None:
        """PATCH with a whole element: same idShort and modelType, new attributes and value."""
        entry = await self.submodel(submodel_id)
        location = locate(entry.doc, parse_path(path))
        element = codec.encode(codec.decode(body, model.SubmodelElement))
        self._check_same_identity(location, element, path)
        await self._write_element(entry, path, location, element)

    async def patch_metadata(self, submodel_id: str, path: str, body: Any) -> None:
        entry = await self.submodel(submodel_id)
        location = locate(entry.doc, parse_path(path))
        if not isinstance(body, dict):
            raise BadRequest("Expected a JSON object with the element's metadata")
        merged = _merge_metadata(location.element, value_only.element_metadata(location.element), body)
        element = codec.encode(codec.decode(merged, model.SubmodelElement))
        self._check_same_identity(location, element, path)
        await self._write_element(entry, path, location, element)

    @staticmethod
    def _check_same_identity(location: Location, element: Json, path: str) -> None:
        old = location.element
        if element.get("modelType") != old.get("modelType"):
            raise BadRequest(f"'{path}' is a {old.get('modelType')}; it cannot become a {element.get('modelType')}")
        if element.get("idShort") != old.get("idShort"):
            raise BadRequest(f"The idShort of '{path}' cannot change to '{element.get('idShort')}'")
        if location.in_list and element.get("valueType") != old.get("valueType"):
            raise BadRequest(f"'{path}' is in a SubmodelElementList: its valueType cannot change")

    # -- structural writes -----------------------------------------------------------------------

    async def _restructure(self, entry: CachedDocument, doc: Json, extra: list[Operation] | None = None) -> None:
        await self._repo.store(entry, self._repo.validate(Kind.SUBMODEL, doc), extra=extra or ())

    async def append_records(self, submodel_id: str, path: str, records: Sequence[Any]) -> list[Json]:
        """Append records (Record collections) to the record store at ``path`` of a time series submodel.

        Each record is validated alone (as strictly as basyx, see :meth:`_valid_record`) and needs a time
        variable; the unit is one small durable write whatever the size of the store
        (:mod:`aas_server.model.time_series`). Returns the records as stored.
        """
        entry = await self.submodel(submodel_id)
        store = self.record_store(entry, path)
        if store is None:
            raise NotFound(f"'{path}' is no time series record store (a Records collection of a TimeSeries submodel)")
        valid = [self._valid_record(body) for body in records]
        items = [(time_series.time_key(r, path=f"{store}[{i}]"), orjson.dumps(r)) for i, r in enumerate(valid)]
        if not items:
            return valid
        entry.changed()
        await self._repo.commit(
            entry,
            [AppendRecords(entry.id, store, tuple(items))],
            Change(Kind.SUBMODEL, entry.id, Action.RECORDS, entry.version, store),
        )
        entry.view = None  # a read during the commit may have rendered the store without these records
        entry.rendered.clear()
        return valid

    def _valid_record(self, body: Any) -> Json:
        """A record validated as strictly as basyx would, at a fraction of the cost for the common case.

        Records of one store repeat one shape (Properties with the same valueTypes, global semanticIds).
        The first record of a shape goes through basyx; later ones only have their idShorts and values
        checked against the shape basyx accepted. Anything else takes the basyx path.
        """
        shape = time_series.plain_shape(body)
        if shape is not None and shape in self._record_shapes and _plain_values_valid(body):
            return dict(body)
        record = codec.encode(codec.decode(body, model.SubmodelElementCollection))
        if shape is not None and time_series.plain_shape(record) == shape:
            if len(self._record_shapes) >= 1000:
                self._record_shapes.clear()
            self._record_shapes.add(shape)
            # Stored as sent, as on the fast path: the same record must be the same bytes whichever path
            # checked it, or a replayed record would not be recognised as stored already.
            return dict(body)
        return record

    async def records(self, query: RecordQuery) -> list[RecordRow]:
        return await self._repo.storage.records(query)

    @staticmethod
    def record_store(entry: CachedDocument, path: str) -> str | None:
        """The canonical path of the record store ``path`` names, or None if it names none."""
        canonical = format_path(parse_path(path))
        return canonical if any(p == canonical for p, _ in time_series.record_stores(entry.doc)) else None

    async def add(self, submodel_id: str, parent_path: str | None, body: Any) -> tuple[Json, str]:
        """POST an element below the submodel or below the element at ``parent_path``; returns it and its path.

        Below a time series record store the element is a record: it is appended to the store.
        """
        entry = await self.submodel(submodel_id)
        if parent_path and self.record_store(entry, parent_path):
            (record,) = await self.append_records(submodel_id, parent_path, [body])
            return record, f"{format_path(parse_path(parent_path))}.{record.get('idShort')}"
        element = codec.encode(codec.decode(body, model.SubmodelElement))
        doc = codec.copy(entry.doc)
        segments = parse_path(parent_path) if parent_path else ()
        container, parent = locate_parent_container(doc, segments)
        id_short = element.get("idShort")
        if parent is not None and parent.get("modelType") == "SubmodelElementList":
            new_path = f"{parent_path}[{len(container)}]"
        else:
            if not id_short:
                raise BadRequest("A submodel element outside a SubmodelElementList needs an idShort")
            if any(child.get("idShort") == id_short for child in container):
                where = f"'{parent_path}'" if parent_path else "the submodel"
                raise Conflict(f"An element with idShort '{id_short}' exists already in {where}")
            new_path = f"{parent_path}.{id_short}" if parent_path else str(id_short)
        container.append(element)
        await self._restructure(entry, doc)
        return element, new_path

    async def replace(self, submodel_id: str, path: str, body: Any) -> None:
        entry = await self.submodel(submodel_id)
        element = codec.encode(codec.decode(body, model.SubmodelElement))
        doc = codec.copy(entry.doc)
        location = locate(doc, parse_path(path))
        if not location.in_list and element.get("idShort") != location.element.get("idShort"):
            raise BadRequest(f"The idShort in the body ('{element.get('idShort')}') differs from the path '{path}'")
        location.container[location.index] = element
        await self._restructure(entry, doc)

    async def delete(self, submodel_id: str, path: str) -> None:
        entry = await self.submodel(submodel_id)
        doc = codec.copy(entry.doc)
        canonical = format_path(parse_path(path))
        location = locate(doc, parse_path(path))
        del location.container[location.index]
        files = await self._repo.storage.attachments_of(Kind.SUBMODEL, submodel_id)
        doomed: list[Operation] = [
            DeleteAttachment(Kind.SUBMODEL, submodel_id, f.path)
            for f in files
            if f.path == canonical or f.path.startswith((canonical + ".", canonical + "["))
        ]
        await self._restructure(entry, doc, doomed)

    # -- whole submodel --------------------------------------------------------------------------

    async def patch_submodel(self, submodel_id: str, body: Any) -> None:
        entry = await self.submodel(submodel_id)
        if not isinstance(body, dict):
            raise BadRequest("Expected a Submodel JSON object")
        if body.get("id", submodel_id) != submodel_id:
            raise BadRequest(f"The id in the body ('{body.get('id')}') differs from the id in the path")
        await self._restructure(entry, {**entry.doc, **body, "id": submodel_id})

    async def patch_submodel_value(self, submodel_id: str, value: Any) -> None:
        entry = await self.submodel(submodel_id)
        if not isinstance(value, dict):
            raise BadRequest("Expected the ValueOnly serialization of the submodel (a JSON object)")
        try:
            doc = value_only.apply_submodel_value(entry.doc, value)
        except value_only.ValueOnlyError as exc:
            raise BadRequest(str(exc)) from exc
        entry.doc = doc
        entry.changed()
        await self._repo.commit(
            entry,
            [self._repo.put_operation(Kind.SUBMODEL, doc)],
            Change(Kind.SUBMODEL, entry.id, Action.VALUE, entry.version),
        )

    async def patch_submodel_metadata(self, submodel_id: str, body: Any) -> None:
        entry = await self.submodel(submodel_id)
        if not isinstance(body, dict):
            raise BadRequest("Expected the metadata of the submodel (a JSON object)")
        if body.get("id", submodel_id) != submodel_id:
            raise BadRequest(f"The id in the body ('{body.get('id')}') differs from the id in the path")
        merged = _merge_metadata(entry.doc, value_only.submodel_metadata(entry.doc), {**body, "id": submodel_id})
        await self._restructure(entry, merged)


def _merge_metadata(current: Json, metadata: Json, body: Json) -> Json:
    """The element with its metadata taken from ``body`` and its value attributes kept."""
    value_keys = [key for key in current if key not in metadata]
    merged = {key: val for key, val in body.items() if key not in value_keys}
    for key in value_keys:
        merged[key] = current[key]
    return merged


_ID_SHORT = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]*[a-zA-Z0-9_]$|^[a-zA-Z]$")


def _plain_values_valid(record: Json) -> bool:
    """idShorts (AASd-002 pattern, unique among the children) and every value a literal of its valueType."""
    id_short = record.get("idShort")
    if id_short is not None and (not isinstance(id_short, str) or len(id_short) > 128 or not _ID_SHORT.match(id_short)):
        return False
    seen: set[str] = set()
    for child in record.get("value") or ():
        name = child["idShort"]
        if name in seen or len(name) > 128 or not _ID_SHORT.match(name):
            return False
        seen.add(name)
        value = child.get("value")
        if value is None:
            continue
        try:
            model.datatypes.from_xsd(value, model.datatypes.XSD_TYPE_CLASSES[child["valueType"]])
        except (ValueError, KeyError, TypeError):
            return False
    return True
