"""Time series records kept outside the submodel document (IDTA 02008 Time Series Data).

Why: operational data arrives many times a second and forever. Stored inline, every record would rewrite
and grow the submodel document. Instead, the ``Records`` collections of a Time Series submodel are *record
stores*: their children live in the storage's record table (:class:`aas_server.storage.AppendRecords`),
keyed by the record's time. What clients read keeps the template's structure: the document is rendered with
the latest records of each store inline, and the segment's ``RecordCount``/``StartTime``/``EndTime``/
``LastUpdate`` describe the whole store. The full history is read by time range from the records route.

Plain functions on the Part 1 JSON form; no I/O.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .documents import children, iter_elements
from .errors import BadRequest

__all__ = [
    "RECORDS",
    "TIME_SERIES",
    "StoreView",
    "instant_key",
    "is_time_series",
    "plain_shape",
    "record_stores",
    "render",
    "split_records",
    "time_key",
    "time_text",
]

Json = dict[str, Any]

TIME_SERIES = "https://admin-shell.io/idta/TimeSeries/1/1"
RECORDS = "https://admin-shell.io/idta/TimeSeries/Records/1/1"
_SEGMENT_META = "https://admin-shell.io/idta/TimeSeries/Segment/"
#: time variables of a record (IDTA 02008 §"Time"): absolute ones as xs:dateTime, relative ones as numbers
_ABSOLUTE = {"https://admin-shell.io/idta/TimeSeries/UtcTime/1/1", "https://admin-shell.io/idta/TimeSeries/TaiTime/1/1"}
_RELATIVE = {
    "https://admin-shell.io/idta/TimeSeries/RelativePointInTime/1/1",
    "https://admin-shell.io/idta/TimeSeries/RelativeTimeDuration/1/1",
}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _semantic_id(element: Json) -> str | None:
    keys = (element.get("semanticId") or {}).get("keys") or []
    return str(keys[0].get("value")) if keys else None


@dataclass(frozen=True)
class StoreView:
    """What a record store shows: its latest records (time order) and a summary of all of them."""

    records: Sequence[Json]
    count: int
    first: int | None
    last: int | None

    @property
    def absolute(self) -> bool:
        """Whether the keys are µs since the epoch (UtcTime/TaiTime) rather than relative times."""
        return bool(self.records) and any(_semantic_id(e) in _ABSOLUTE for e in children(self.records[-1]) or ())


_RECORD_KEYS = frozenset({"idShort", "modelType", "semanticId", "value"})
_PROPERTY_KEYS = frozenset({"idShort", "modelType", "semanticId", "valueType", "value"})


def _global_reference(reference: Any) -> bool:
    """Absent, or the plain form of a global semanticId (one GlobalReference key with a short value)."""
    if reference is None:
        return True
    if (
        not isinstance(reference, dict)
        or reference.keys() != {"type", "keys"}
        or reference["type"] != "ExternalReference"
    ):
        return False
    keys = reference["keys"]
    if not isinstance(keys, list) or len(keys) != 1 or not isinstance(keys[0], dict):
        return False
    key = keys[0]
    value = key.get("value")
    return (
        key.keys() == {"type", "value"}
        and key["type"] == "GlobalReference"
        and isinstance(value, str)
        and 0 < len(value) <= 2000
    )


def plain_shape(record: Any) -> tuple[Any, ...] | None:
    """The structure of a record in its plain form (a collection of Properties with string values, global
    semanticIds and nothing else): its valueTypes in order. None for any other form. idShorts, semanticIds
    and values vary between records of one shape and are checked per record by the caller."""
    if not isinstance(record, dict) or record.get("modelType") != "SubmodelElementCollection":
        return None
    children = record.get("value")
    if not record.keys() <= _RECORD_KEYS or not isinstance(children, list) or not children:
        return None
    if not _global_reference(record.get("semanticId")):
        return None
    shape: list[Any] = []
    for child in children:
        if not isinstance(child, dict) or child.get("modelType") != "Property" or not child.keys() <= _PROPERTY_KEYS:
            return None
        if not isinstance(child.get("value", ""), str) or not isinstance(child.get("idShort"), str):
            return None
        if not _global_reference(child.get("semanticId")):
            return None
        shape.append(child.get("valueType"))
    return tuple(shape)


def is_time_series(doc: Json) -> bool:
    return _semantic_id(doc) == TIME_SERIES


def record_stores(doc: Json) -> Iterator[tuple[str, Json]]:
    """(idShortPath, collection) of every ``Records`` collection of a Time Series submodel."""
    if not is_time_series(doc):
        return
    for path, element in iter_elements(doc.get("submodelElements") or []):
        if element.get("modelType") == "SubmodelElementCollection" and _semantic_id(element) == RECORDS:
            yield path, element


def time_key(record: Json, *, path: str = "") -> int:
    """The order key of a record: µs since the epoch of its UtcTime/TaiTime, or its relative time value.

    A record without a time variable, or with one that does not parse, is a 400: stores are ordered by time.
    """
    for element in children(record) or ():
        semantic_id = _semantic_id(element)
        value = element.get("value")
        if semantic_id in _ABSOLUTE and isinstance(value, str):
            try:
                return instant_key(value)
            except ValueError as exc:
                raise BadRequest(f"{path}: time {value!r} is no xs:dateTime") from exc
        if semantic_id in _RELATIVE and value is not None:
            try:
                return int(float(value))
            except ValueError as exc:
                raise BadRequest(f"{path}: time {value!r} is not a number") from exc
    raise BadRequest(f"{path}: a time series record needs a time variable (UtcTime, TaiTime or a relative time)")


def instant_key(text: str) -> int:
    """The time key (µs since the epoch) of an ISO 8601 date-time; UTC when it names no zone. ValueError."""
    instant = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.UTC)
    return (instant - _EPOCH) // datetime.timedelta(microseconds=1)


def time_text(key: int) -> str:
    """A time key as the ISO 8601 text the segment properties (xs:string) carry."""
    instant = _EPOCH + datetime.timedelta(microseconds=key)
    return instant.isoformat().replace("+00:00", "Z")


def split_records(doc: Json) -> tuple[Json, dict[str, list[Json]]]:
    """The document with every record store emptied, and the records that were inline, per store path."""
    stores = dict(record_stores(doc))
    if not stores:
        return doc, {}
    stripped = copy.deepcopy(doc)
    taken: dict[str, list[Json]] = {}
    for path, store in record_stores(stripped):
        records = store.pop("value", None) or []
        taken[path] = [r for r in records if isinstance(r, dict)]
    return stripped, taken


def render(doc: Json, stores: Mapping[str, StoreView]) -> Json:
    """The document clients read: each store with its ``records`` (latest, in time order) inline and its
    segment's RecordCount/StartTime/EndTime/LastUpdate from (count, first, last) of the whole store."""
    if not stores:
        return doc
    view = copy.deepcopy(doc)
    segments = {path.rsplit(".", 1)[0]: path for path in stores}
    for path, element in iter_elements(view.get("submodelElements") or []):
        if path in stores:
            element["value"] = _unique_id_shorts(stores[path].records)
        elif path in segments:
            _describe(element, stores[segments[path]])
    return view


def _unique_id_shorts(records: Sequence[Json]) -> list[Json]:
    """Records keep the idShort they were sent with; a repeat within the window gets a suffix."""
    seen: set[str] = set()
    out: list[Json] = []
    for record in records:
        id_short = str(record.get("idShort") or "Record")
        if id_short in seen:
            n = 2
            while f"{id_short}_{n}" in seen:
                n += 1
            record = {**record, "idShort": f"{id_short}_{n}"}
            id_short = record["idShort"]
        seen.add(id_short)
        out.append(record)
    return out


def _describe(segment: Json, store: StoreView) -> None:
    values = {"RecordCount": str(store.count)}
    if store.first is not None and store.last is not None:
        text = time_text if store.absolute else str
        values |= {"StartTime": text(store.first), "EndTime": text(store.last)}
        if store.absolute:
            values["LastUpdate"] = time_text(store.last)
    for element in segment.get("value") or []:
        name = (_semantic_id(element) or "").removeprefix(_SEGMENT_META).split("/", 1)[0]
        if element.get("modelType") == "Property" and name in values:
            element["value"] = values[name]
