"""Maintenance: the plan (IDTA 02018 Maintenance Instructions), the history of a unit, the type's failure data
(IDTA 02013 Reliability).

* The *plan* lives on the type asset (and is copied to units): intervals with their steps and the spare
  parts they need.
* The *history* of a unit has no IDTA template. It extends the unit's Maintenance Instructions submodel with
  one list ``MaintenanceHistory`` in the project namespace (:data:`HISTORY`): each event has its time,
  kind, the plan interval it fulfils, the parts replaced (old and new asset ids: the as-built BOM follows),
  findings and who did it. A parallel "history submodel" would split one record in two.
* *Reliability* lives on the type asset: MTTF/MTBF/B10 per set of operating conditions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
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
from .validation import EXTENSION_NAMESPACE

__all__ = [
    "HISTORY",
    "MAINTENANCE_SEMANTIC_ID",
    "RELIABILITY_SEMANTIC_ID",
    "MaintenanceEvent",
    "MaintenanceInterval",
    "MaintenancePlan",
    "MaintenanceStep",
    "PartReplacement",
    "Reliability",
    "ReliabilitySet",
    "SparePart",
    "build_maintenance",
    "build_reliability",
    "read_maintenance",
    "read_reliability",
]

MAINTENANCE_SEMANTIC_ID = "https://admin-shell.io/idta/SubmodelTemplate/MaintenanceInstructions/1/0"
RELIABILITY_SEMANTIC_ID = "https://admin-shell.io/idta/iec62683/1/0/Reliability"
HISTORY = f"{EXTENSION_NAMESPACE}maintenance-instructions:1:0:MaintenanceHistory"
_EVENT = f"{EXTENSION_NAMESPACE}maintenance-instructions:1:0:MaintenanceEvent/"
LangText = dict[str, str]

MI = "MaintenanceInstructionsForSpecificInterval__00__"
BASIC = f"{MI}.BasicMaintenanceInformation"
STEP = f"{MI}.ListMaintenanceSteps.MaintenanceStep__00__"
SPARE = "MaintenanceSparePartList[]"


class MaintenanceStep(Frozen):
    step_id: str
    name: LangText
    instruction: LangText | None = None
    duration: Decimal | None = None
    duration_unit: str | None = None
    signature_required: bool | None = None


class MaintenanceInterval(Frozen):
    maintenance_id: str
    name: LangText
    interval: Decimal
    interval_unit: str  # e.g. "h" (operating hours), "cycles", "months"
    technicians: Decimal | None = None
    steps: list[MaintenanceStep] = Field(default_factory=list)


class SparePart(Frozen):
    spare_part_id: str
    name: LangText
    supplier: LangText | None = None
    order_code: str | None = None


class PartReplacement(Frozen):
    """The asset ids of the part taken out and the one built in (their own shells)."""

    removed: str
    installed: str


class MaintenanceEvent(Frozen):
    time: datetime.datetime
    kind: Literal["preventive", "corrective", "inspection"]
    maintenance_id: str | None = None  # the plan interval this fulfils
    findings: str | None = None
    technician: str | None = None
    replaced: list[PartReplacement] = Field(default_factory=list)


class MaintenancePlan(Frozen):
    maintenance_free: bool = False
    intervals: list[MaintenanceInterval] = Field(default_factory=list)
    spare_parts: list[SparePart] = Field(default_factory=list)
    history: list[MaintenanceEvent] = Field(default_factory=list)


def build_maintenance(plan: MaintenancePlan, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(MAINTENANCE_SEMANTIC_ID))
    elements: list[model.SubmodelElement] = [f.property("MaintenanceFreeAsset", plan.maintenance_free)]
    elements += [_interval(f, interval, numbered(MI, i)) for i, interval in enumerate(plan.intervals)]
    if plan.spare_parts:
        elements.append(f.list("MaintenanceSparePartList", [_spare_part(f, p) for p in plan.spare_parts]))
    if plan.history:
        elements.append(
            model.SubmodelElementList(
                "MaintenanceHistory",
                model.SubmodelElementCollection,
                [_event(e) for e in plan.history],
                semantic_id=external_reference(HISTORY),
                semantic_id_list_element=external_reference(_EVENT.rstrip("/")),
            )
        )
    return instance_submodel(submodel_id, "MaintenanceInstructions", MAINTENANCE_SEMANTIC_ID, elements)


def _interval(f: ElementFactory, interval: MaintenanceInterval, id_short: str) -> model.SubmodelElementCollection:
    basic = f.collection(
        BASIC,
        [
            f.property(f"{BASIC}.MaintenanceID", interval.maintenance_id),
            f.mlp(f"{BASIC}.NameOfMaintenance", interval.name),
            f.collection(
                f"{BASIC}.IntervalSpecification",
                [
                    f.property(f"{BASIC}.IntervalSpecification.MaintenanceIntervalValue", interval.interval),
                    f.property(f"{BASIC}.IntervalSpecification.MaintenanceIntervalUnit", interval.interval_unit),
                ],
            ),
        ],
    )
    parts: list[model.SubmodelElement | None] = [basic]
    if interval.technicians is not None:
        parts.append(
            f.collection(
                f"{MI}.MaintenanceTechnicians",
                [f.property(f"{MI}.MaintenanceTechnicians.NumberOfRequiredTechnicians", interval.technicians)],
            )
        )
    if interval.steps:
        parts.append(
            f.collection(
                f"{MI}.ListMaintenanceSteps",
                [_step(f, step, numbered("MaintenanceStep__00__", i)) for i, step in enumerate(interval.steps)],
            )
        )
    return f.collection(MI, parts, id_short=id_short)


def _step(f: ElementFactory, step: MaintenanceStep, id_short: str) -> model.SubmodelElementCollection:
    duration = f"{STEP}.EstimatedDurationTimeMaintenanceStep"
    elements: list[model.SubmodelElement | None] = [
        f.property(f"{STEP}.MaintenanceStepID", step.step_id),
        f.mlp(f"{STEP}.MaintenanceStepName", step.name),
        f.maybe_mlp(f"{STEP}.InstructionMaintenanceStep", step.instruction),
        f.maybe_property(f"{STEP}.DocumentationSignatureMandatory", step.signature_required),
    ]
    if step.duration is not None or step.duration_unit is not None:
        elements.append(
            f.collection(
                duration,
                [
                    f.maybe_property(f"{duration}.ValueEstimatedDurationTimeMaintenanceStep", step.duration),
                    f.maybe_property(f"{duration}.UnitEstimatedDurationTimeMaintenanceStep", step.duration_unit),
                ],
            )
        )
    return f.collection(STEP, elements, id_short=id_short)


def _spare_part(f: ElementFactory, part: SparePart) -> model.SubmodelElementCollection:
    return f.collection(
        SPARE,
        [
            f.property(f"{SPARE}.SparePartID", part.spare_part_id),
            f.mlp(f"{SPARE}.SparePartName", part.name),
            f.maybe_mlp(f"{SPARE}.CompanyNameSupplierSparePart", part.supplier),
            f.maybe_property(f"{SPARE}.OrderCodeSparePartOfManufacturer", part.order_code),
        ],
        in_list=True,
    )


def _ext(name: str, value_type: Any, value: Any) -> model.Property:
    return model.Property(name, value_type, value, semantic_id=external_reference(_EVENT + name))


def _event(event: MaintenanceEvent) -> model.SubmodelElementCollection:
    d = model.datatypes
    elements: list[model.SubmodelElement] = [_ext("Time", d.DateTime, event.time), _ext("Kind", d.String, event.kind)]
    for name, value in (
        ("MaintenanceID", event.maintenance_id),
        ("Findings", event.findings),
        ("Technician", event.technician),
    ):
        if value is not None:
            elements.append(_ext(name, d.String, value))
    for i, replacement in enumerate(event.replaced):
        elements.append(
            model.SubmodelElementCollection(
                f"Replaced{i + 1:02d}",
                [_ext("Removed", d.String, replacement.removed), _ext("Installed", d.String, replacement.installed)],
                semantic_id=external_reference(_EVENT + "Replaced"),
            )
        )
    return model.SubmodelElementCollection(None, elements, semantic_id=external_reference(_EVENT.rstrip("/")))


def read_maintenance(submodel: model.Submodel) -> MaintenancePlan:
    r = ElementReader(load_template(MAINTENANCE_SEMANTIC_ID))
    top = list(submodel.submodel_element)
    history = next(
        (e for e in top if isinstance(e, model.SubmodelElementList) and element_semantic_id(e) == HISTORY), None
    )
    return MaintenancePlan(
        maintenance_free=bool(r.value(top, "MaintenanceFreeAsset")),
        intervals=[_read_interval(r, _children(e)) for e in r.all(top, MI)],
        spare_parts=[_read_spare_part(r, _children(e)) for e in r.children(top, "MaintenanceSparePartList")],
        history=[_read_event(_children(e)) for e in (history.value if history is not None else [])],
    )


def _children(element: model.SubmodelElement) -> list[model.SubmodelElement]:
    return list(element.value) if isinstance(element, model.SubmodelElementCollection) else []


def _read_interval(r: ElementReader, c: list[model.SubmodelElement]) -> MaintenanceInterval:
    basic = r.children(c, BASIC)
    spec = r.children(basic, f"{BASIC}.IntervalSpecification")
    technicians = r.children(c, f"{MI}.MaintenanceTechnicians")
    return MaintenanceInterval(
        maintenance_id=r.text(basic, f"{BASIC}.MaintenanceID") or "",
        name=r.texts(basic, f"{BASIC}.NameOfMaintenance") or {},
        interval=r.value(spec, f"{BASIC}.IntervalSpecification.MaintenanceIntervalValue"),
        interval_unit=r.text(spec, f"{BASIC}.IntervalSpecification.MaintenanceIntervalUnit") or "",
        technicians=r.value(technicians, f"{MI}.MaintenanceTechnicians.NumberOfRequiredTechnicians"),
        steps=[_read_step(r, _children(s)) for s in r.all(r.children(c, f"{MI}.ListMaintenanceSteps"), STEP)],
    )


def _read_step(r: ElementReader, c: list[model.SubmodelElement]) -> MaintenanceStep:
    duration = r.children(c, f"{STEP}.EstimatedDurationTimeMaintenanceStep")
    prefix = f"{STEP}.EstimatedDurationTimeMaintenanceStep"
    return MaintenanceStep(
        step_id=r.text(c, f"{STEP}.MaintenanceStepID") or "",
        name=r.texts(c, f"{STEP}.MaintenanceStepName") or {},
        instruction=r.texts(c, f"{STEP}.InstructionMaintenanceStep"),
        duration=r.value(duration, f"{prefix}.ValueEstimatedDurationTimeMaintenanceStep"),
        duration_unit=r.text(duration, f"{prefix}.UnitEstimatedDurationTimeMaintenanceStep"),
        signature_required=r.value(c, f"{STEP}.DocumentationSignatureMandatory"),
    )


def _read_spare_part(r: ElementReader, c: list[model.SubmodelElement]) -> SparePart:
    return SparePart(
        spare_part_id=r.text(c, f"{SPARE}.SparePartID") or "",
        name=r.texts(c, f"{SPARE}.SparePartName") or {},
        supplier=r.texts(c, f"{SPARE}.CompanyNameSupplierSparePart"),
        order_code=r.text(c, f"{SPARE}.OrderCodeSparePartOfManufacturer"),
    )


def _read_event(c: list[model.SubmodelElement]) -> MaintenanceEvent:
    values = {e.id_short: e.value for e in c if isinstance(e, model.Property)}
    replaced = [
        PartReplacement(
            **{str(p.id_short).lower(): str(p.value) for p in _children(e) if isinstance(p, model.Property)}
        )
        for e in c
        if isinstance(e, model.SubmodelElementCollection)
    ]
    return MaintenanceEvent(
        time=values["Time"],  # pydantic validates
        kind=str(values["Kind"]),
        maintenance_id=values.get("MaintenanceID"),
        findings=values.get("Findings"),
        technician=values.get("Technician"),
        replaced=replaced,
    )


# --- Reliability (IDTA 02013) -------------------------------------------------------------------------------

CONDITIONS = "OperatingConditionsOfReliabilityCharacteristics"
CHARACTERISTICS = "ReliabilityCharacteristics"


class ReliabilitySet(Frozen):
    """Failure data under one set of operating conditions (IEC 62683)."""

    mttf: int | None = None
    mtbf: int | None = None
    b10: int | None = None
    useful_life_operations: float | None = None
    useful_life_hours: float | None = None
    other_conditions: str | None = None


class Reliability(Frozen):
    sets: list[ReliabilitySet] = Field(default_factory=list)


def build_reliability(reliability: Reliability, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(RELIABILITY_SEMANTIC_ID))
    elements: list[model.SubmodelElement] = [f.property("NumberOfReliabilitySets", len(reliability.sets))]
    for i, s in enumerate(reliability.sets):
        elements.append(
            f.collection(
                CONDITIONS,
                [
                    f.maybe_property(f"{CONDITIONS}.OtherOperatingConditions", s.other_conditions),
                    f.maybe_property(f"{CONDITIONS}.UsefulLifeInNumberOfOperations", s.useful_life_operations),
                    f.maybe_property(f"{CONDITIONS}.UsefulLifeInTimeInterval", s.useful_life_hours),
                ],
                id_short=f"{CONDITIONS}{i + 1:02d}",
            )
        )
        elements.append(
            f.collection(
                CHARACTERISTICS,
                [
                    f.maybe_property(f"{CHARACTERISTICS}.{name}", value)
                    for name, value in (("MTTF", s.mttf), ("MTBF", s.mtbf), ("B10", s.b10))
                ],
                id_short=f"{CHARACTERISTICS}{i + 1:02d}",
            )
        )
    return instance_submodel(submodel_id, "Reliability", RELIABILITY_SEMANTIC_ID, elements)


def read_reliability(submodel: model.Submodel) -> Reliability:
    """Sets pair the i-th operating conditions with the i-th characteristics, as written."""
    r = ElementReader(load_template(RELIABILITY_SEMANTIC_ID))
    top = list(submodel.submodel_element)
    conditions = [_children(e) for e in r.all(top, CONDITIONS)]
    characteristics = [_children(e) for e in r.all(top, CHARACTERISTICS)]
    return Reliability(
        sets=[
            ReliabilitySet(
                mttf=r.value(ch, f"{CHARACTERISTICS}.MTTF"),
                mtbf=r.value(ch, f"{CHARACTERISTICS}.MTBF"),
                b10=r.value(ch, f"{CHARACTERISTICS}.B10"),
                useful_life_operations=r.value(co, f"{CONDITIONS}.UsefulLifeInNumberOfOperations"),
                useful_life_hours=r.value(co, f"{CONDITIONS}.UsefulLifeInTimeInterval"),
                other_conditions=r.text(co, f"{CONDITIONS}.OtherOperatingConditions"),
            )
            for co, ch in zip(conditions, characteristics, strict=False)
        ]
    )
