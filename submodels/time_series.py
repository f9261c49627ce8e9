"""Time Series Data (IDTA 02008-1-1-1): operational data of a unit as the template structures it.

``Metadata.Record`` declares the variables (one Property each: idShort, semanticId, valueType; the first
is the time, e.g. ``UtcTime``), ``Segments`` hold the data: an *internal* segment carries its records in
the submodel, a *linked* segment names an endpoint and a query that return them. The server keeps records
outside the submodel document (see the README, "Time series"); this module only builds and reads the
structure clients see.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import (
    ElementFactory,
    ElementReader,
    element_semantic_id,
    external_reference,
    instance_submodel,
    numbered,
)
from .template_model import load_template

__all__ = [
    "SEMANTIC_ID",
    "UTC_TIME",
    "Segment",
    "TimeSeries",
    "TimeSeriesVariable",
    "build_time_series",
    "read_time_series",
    "record_element",
]

SEMANTIC_ID = "https://admin-shell.io/idta/TimeSeries/1/1"
UTC_TIME = "https://admin-shell.io/idta/TimeSeries/UtcTime/1/1"
RECORD = "https://admin-shell.io/idta/TimeSeries/Record/1/1"
_SEGMENT_RULES = {"internal": "Segments.InternalSegment", "linked": "Segments.LinkedSegment"}

Value = datetime.datetime | float | int | bool | str


class TimeSeriesVariable(Frozen):
    """One column: ``UtcTime`` (xs:dateTime) first, then measured values (e.g. xs:double)."""

    id_short: str
    semantic_id: str
    value_type: str = "xs:double"


class Segment(Frozen):
    kind: Literal["internal", "linked"]
    id_short: str
    name: dict[str, str] | None = None
    state: Literal["in progress", "completed"] | None = None
    record_count: int | None = None
    start_time: str | None = None  # xs:string in the template (ISO 8601 timestamps)
    end_time: str | None = None
    last_update: str | None = None
    records: list[dict[str, Value]] = Field(default_factory=list)  # internal segments: idShort -> value
    endpoint: str | None = None  # linked segments
    query: str | None = None


class TimeSeries(Frozen):
    name: dict[str, str]
    variables: list[TimeSeriesVariable] = Field(min_length=1)
    description: dict[str, str] | None = None
    segments: list[Segment] = Field(default_factory=list)


def _property(variable: TimeSeriesVariable, value: Value | None) -> model.Property:
    data_type: Any = model.datatypes.XSD_TYPE_CLASSES[variable.value_type]
    return model.Property(
        variable.id_short,
        data_type,
        None if value is None else model.datatypes.trivial_cast(value, data_type),
        semantic_id=external_reference(variable.semantic_id),
    )


def record_element(
    variables: list[TimeSeriesVariable], record: dict[str, Value], id_short: str | None
) -> model.SubmodelElementCollection:
    """One ``Record`` collection: a Property per variable present in ``record``."""
    return model.SubmodelElementCollection(
        id_short,
        [_property(v, record[v.id_short]) for v in variables if v.id_short in record],
        semantic_id=external_reference(RECORD),
    )


def build_time_series(series: TimeSeries, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(SEMANTIC_ID))
    metadata = f.collection(
        "Metadata",
        [
            f.mlp("Metadata.Name", series.name),
            f.maybe_mlp("Metadata.Description", series.description),
            model.SubmodelElementCollection(
                "Record", [_property(v, None) for v in series.variables], semantic_id=f.semantic_id("Metadata.Record")
            ),
        ],
    )
    segments = f.collection("Segments", [_segment(f, series.variables, s) for s in series.segments])
    return instance_submodel(submodel_id, "TimeSeries", SEMANTIC_ID, [metadata, segments])


def _segment(f: ElementFactory, variables: list[TimeSeriesVariable], s: Segment) -> model.SubmodelElementCollection:
    rule = _SEGMENT_RULES[s.kind]
    optional: list[model.SubmodelElement | None] = [
        f.maybe_mlp(f"{rule}.Name", s.name),
        f.maybe_property(f"{rule}.RecordCount", s.record_count),
        f.maybe_property(f"{rule}.StartTime", s.start_time),
        f.maybe_property(f"{rule}.EndTime", s.end_time),
        f.maybe_property(f"{rule}.State", s.state),
        f.maybe_property(f"{rule}.LastUpdate", s.last_update),
    ]
    if s.kind == "linked":
        optional += [f.property(f"{rule}.Endpoint", s.endpoint or ""), f.property(f"{rule}.Query", s.query or "")]
    else:
        records = [record_element(variables, r, numbered("Record", i)) for i, r in enumerate(s.records)]
        optional.append(f.collection(f"{rule}.Records", records))
    return f.collection(rule, optional, id_short=s.id_short)


def read_time_series(submodel: model.Submodel) -> TimeSeries:
    r = ElementReader(load_template(SEMANTIC_ID))
    top = list(submodel.submodel_element)
    metadata = r.children(top, "Metadata")
    declared = r.children(metadata, "Metadata.Record")
    variables = [
        TimeSeriesVariable(
            id_short=str(p.id_short),
            semantic_id=element_semantic_id(p) or "",
            value_type=model.datatypes.XSD_TYPE_NAMES[p.value_type],
        )
        for p in declared
        if isinstance(p, model.Property)
    ]
    segments: list[Segment] = []
    for element in r.children(top, "Segments"):
        kind = next(
            (
                k
                for k, rule in _SEGMENT_RULES.items()
                if element_semantic_id(element) == r.factory.rule(rule).semantic_id
            ),
            None,
        )
        if kind is None or not isinstance(element, model.SubmodelElementCollection):
            continue
        segments.append(_read_segment(r, kind, element))  # type: ignore[arg-type]
    return TimeSeries(
        name=r.texts(metadata, "Metadata.Name") or {},
        description=r.texts(metadata, "Metadata.Description"),
        variables=variables,
        segments=segments,
    )


def _read_segment(
    r: ElementReader, kind: Literal["internal", "linked"], element: model.SubmodelElementCollection
) -> Segment:
    rule = _SEGMENT_RULES[kind]
    c = list(element.value)
    records = (
        [
            {str(p.id_short): p.value for p in record.value if isinstance(p, model.Property) and p.value is not None}
            for record in r.children(c, f"{rule}.Records")
            if isinstance(record, model.SubmodelElementCollection)
        ]
        if kind == "internal"
        else []
    )
    count = r.value(c, f"{rule}.RecordCount")
    return Segment(
        kind=kind,
        id_short=str(element.id_short),
        name=r.texts(c, f"{rule}.Name"),
        state=r.text(c, f"{rule}.State"),  # pydantic checks the literal
        record_count=None if count is None else int(count),
        start_time=r.text(c, f"{rule}.StartTime"),
        end_time=r.text(c, f"{rule}.EndTime"),
        last_update=r.text(c, f"{rule}.LastUpdate"),
        records=records,
        endpoint=r.text(c, f"{rule}.Endpoint") if kind == "linked" else None,
        query=r.text(c, f"{rule}.Query") if kind == "linked" else None,
    )
