"""Predictive Maintenance (IDTA 02048 1.0): where twin computations write their results back into the thread.

The template holds the remaining-useful-life prediction: the RUL itself, its confidence interval, the
boundary conditions the model was valid for, the model, pre-alerts and the alert. The thread also needs the
health index, an anomaly score, the recommended action and *which data* the result was computed from; the
template has no place for them, so they live in one extension collection ``HealthAssessment``
(semanticId in :data:`submodels.validation.EXTENSION_NAMESPACE`) next to the template's collection.
"""

from __future__ import annotations

import datetime
from typing import Any

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import ElementFactory, ElementReader, element_semantic_id, external_reference, instance_submodel
from .template_model import load_template
from .validation import EXTENSION_NAMESPACE

__all__ = [
    "HEALTH_ASSESSMENT",
    "SEMANTIC_ID",
    "BoundaryCondition",
    "HealthAssessment",
    "PreAlert",
    "PredictiveMaintenance",
    "RulPrediction",
    "build_predictive_maintenance",
    "read_predictive_maintenance",
]

SEMANTIC_ID = "https://admin-shell.io/idta/SubmodelTemplate/PredictiveMaintenance/1/0"
HEALTH_ASSESSMENT = f"{EXTENSION_NAMESPACE}predictive-maintenance:1:0:HealthAssessment"
_EXT = f"{EXTENSION_NAMESPACE}predictive-maintenance:1:0:HealthAssessment/"
RUL = "RemainingUsefulLifePrediction"
LIFETIME = f"{RUL}.RemainingUsefulLifetime"
BOUNDARY = f"{RUL}.ListRULBoundaryConditions[]"
PRE_ALERT = f"{RUL}.ListPreAlerts[]"
ALERT = f"{RUL}.AlertAfterExceedingRemainingUsableLife"


class BoundaryCondition(Frozen):
    """A condition (e.g. load, temperature) within which the prediction model holds."""

    name: str
    used_in_model: bool
    boundary_value: float
    unit: str
    mean: float | None = None
    standard_deviation: float | None = None
    skewness: float | None = None
    description: str | None = None
    drift_range: tuple[float, float] | None = None


class PreAlert(Frozen):
    value: float
    message: str | None = None


class RulPrediction(Frozen):
    indication_type: str  # e.g. "OperatingHours", "Cycles"
    duration: float
    unit: str
    start_value: float
    confidence: tuple[float, float]
    boundary_conditions: list[BoundaryCondition] = Field(min_length=1)
    model_type: str
    model_description: str | None = None
    start_time: datetime.datetime | None = None
    description: str | None = None
    end_of_life: datetime.datetime | None = None
    pre_alerts: list[PreAlert] = Field(default_factory=list)
    maintenance_required: bool | None = None
    alert_message: str | None = None


class HealthAssessment(Frozen):
    """Extension: the health index and what the result is based on (for traceability of the loop)."""

    computed_at: datetime.datetime
    computation: str  # the Operation (or model) that produced it
    health_index: float | None = Field(default=None, ge=0.0, le=1.0)
    anomaly_score: float | None = None
    recommended_action: str | None = None
    inputs: list[str] = Field(default_factory=list)  # ids of the submodels (time series, ...) it read


class PredictiveMaintenance(Frozen):
    rul: RulPrediction
    assessment: HealthAssessment | None = None


def _ext_property(name: str, value_type: Any, value: Any) -> model.Property:
    return model.Property(name, value_type, value, semantic_id=external_reference(_EXT + name))


def build_predictive_maintenance(pm: PredictiveMaintenance, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(SEMANTIC_ID))
    rul = pm.rul
    lifetime_statements: list[model.SubmodelElement | None] = [
        f.property(f"{LIFETIME}.IndicationType", rul.indication_type),
        f.property(f"{LIFETIME}.DurationValue", rul.duration),
        f.property(f"{LIFETIME}.EngineeringUnit", rul.unit),
        f.property(f"{LIFETIME}.StartValue", rul.start_value),
        f.maybe_property(f"{LIFETIME}.StartDateTime", rul.start_time),
        f.maybe_property(f"{LIFETIME}.Description", rul.description),
    ]
    entity = model.Entity(
        "RemainingUsefulLifetime",
        model.EntityType.CO_MANAGED_ENTITY,
        [e for e in lifetime_statements if e is not None],
        semantic_id=f.semantic_id(LIFETIME),
    )
    confidence = model.Range(
        "ConfidenceInterval",
        model.datatypes.Double,
        rul.confidence[0],
        rul.confidence[1],
        semantic_id=f.semantic_id(f"{RUL}.ConfidenceInterval"),
    )
    model_info = f.collection(
        f"{RUL}.PredictionModelInformation",
        [
            f.property(f"{RUL}.PredictionModelInformation.ModelType", rul.model_type),
            f.maybe_property(f"{RUL}.PredictionModelInformation.ModelDescription", rul.model_description),
        ],
    )
    children: list[model.SubmodelElement | None] = [
        entity,
        f.maybe_property(f"{RUL}.RemainingUsfulLifeDateTime", rul.end_of_life),
        confidence,
        f.list(f"{RUL}.ListRULBoundaryConditions", [_boundary(f, b) for b in rul.boundary_conditions]),
        model_info,
    ]
    if rul.pre_alerts:
        children.append(f.list(f"{RUL}.ListPreAlerts", [_pre_alert(f, a) for a in rul.pre_alerts]))
    if rul.maintenance_required is not None:
        children.append(
            f.collection(
                ALERT,
                [
                    f.maybe_property(f"{ALERT}.AlertMessage", rul.alert_message),
                    f.property(f"{ALERT}.MaintenanceRequired", rul.maintenance_required),
                ],
            )
        )
    elements: list[model.SubmodelElement] = [f.collection(RUL, children)]
    if pm.assessment is not None:
        elements.append(_assessment(pm.assessment))
    return instance_submodel(submodel_id, "PredictiveMaintenance", SEMANTIC_ID, elements)


def _boundary(f: ElementFactory, b: BoundaryCondition) -> model.SubmodelElementCollection:
    optional: list[model.SubmodelElement | None] = [
        model.Range(
            "DriftInfoAIModel",
            model.datatypes.Double,
            b.drift_range[0],
            b.drift_range[1],
            semantic_id=f.semantic_id(f"{BOUNDARY}.DriftInfoAIModel"),
        )
        if b.drift_range is not None
        else None,
        f.maybe_property(f"{BOUNDARY}.MeanValue", b.mean),
        f.maybe_property(f"{BOUNDARY}.Standarddeviation", b.standard_deviation),
        f.maybe_property(f"{BOUNDARY}.Skewness", b.skewness),
        f.maybe_property(f"{BOUNDARY}.BoundaryDescription", b.description),
    ]
    return f.collection(
        BOUNDARY,
        [
            f.property(f"{BOUNDARY}.ConditionName", b.name),
            f.property(f"{BOUNDARY}.IsBoundaryConditionUsedInModel", b.used_in_model),
            f.property(f"{BOUNDARY}.BoundaryValueRange", b.boundary_value),
            f.property(f"{BOUNDARY}.BoundaryEngineeringUnit", b.unit),
            *optional,
        ],
        in_list=True,
    )


def _pre_alert(f: ElementFactory, alert: PreAlert) -> model.SubmodelElementCollection:
    return f.collection(
        PRE_ALERT,
        [
            f.maybe_property(f"{PRE_ALERT}.PreAlertMessage", alert.message),
            f.property(f"{PRE_ALERT}.PreAlertValue", alert.value),
        ],
        in_list=True,
    )


def _assessment(a: HealthAssessment) -> model.SubmodelElementCollection:
    d = model.datatypes
    elements: list[model.SubmodelElement] = [
        _ext_property("ComputedAt", d.DateTime, a.computed_at),
        _ext_property("Computation", d.String, a.computation),
    ]
    if a.health_index is not None:
        elements.append(_ext_property("HealthIndex", d.Double, a.health_index))
    if a.anomaly_score is not None:
        elements.append(_ext_property("AnomalyScore", d.Double, a.anomaly_score))
    if a.recommended_action is not None:
        elements.append(_ext_property("RecommendedAction", d.String, a.recommended_action))
    if a.inputs:
        elements.append(
            model.SubmodelElementList(
                "Inputs",
                model.ReferenceElement,
                [
                    model.ReferenceElement(
                        None, model.ModelReference((model.Key(model.KeyTypes.SUBMODEL, i),), model.Submodel)
                    )
                    for i in a.inputs
                ],
                semantic_id=external_reference(_EXT + "Inputs"),
            )
        )
    return model.SubmodelElementCollection(
        "HealthAssessment", elements, semantic_id=external_reference(HEALTH_ASSESSMENT)
    )


def read_predictive_maintenance(submodel: model.Submodel) -> PredictiveMaintenance:
    r = ElementReader(load_template(SEMANTIC_ID))
    top = list(submodel.submodel_element)
    rul = r.children(top, RUL)
    entity = r.one(rul, LIFETIME)
    life = list(entity.statement) if isinstance(entity, model.Entity) else []
    confidence = r.one(rul, f"{RUL}.ConfidenceInterval")
    if not isinstance(confidence, model.Range) or confidence.min is None or confidence.max is None:
        raise KeyError(f"PredictiveMaintenance {submodel.id}: ConfidenceInterval is missing")
    info = r.children(rul, f"{RUL}.PredictionModelInformation")
    alert = r.children(rul, ALERT)
    maintenance = r.value(alert, f"{ALERT}.MaintenanceRequired")
    prediction = RulPrediction(
        indication_type=r.text(life, f"{LIFETIME}.IndicationType") or "",
        duration=float(r.value(life, f"{LIFETIME}.DurationValue")),
        unit=r.text(life, f"{LIFETIME}.EngineeringUnit") or "",
        start_value=float(r.value(life, f"{LIFETIME}.StartValue")),
        start_time=r.value(life, f"{LIFETIME}.StartDateTime"),
        description=r.text(life, f"{LIFETIME}.Description"),
        end_of_life=r.value(rul, f"{RUL}.RemainingUsfulLifeDateTime"),
        confidence=(float(confidence.min), float(confidence.max)),
        boundary_conditions=[_read_boundary(r, item) for item in r.children(rul, f"{RUL}.ListRULBoundaryConditions")],
        model_type=r.text(info, f"{RUL}.PredictionModelInformation.ModelType") or "",
        model_description=r.text(info, f"{RUL}.PredictionModelInformation.ModelDescription"),
        pre_alerts=[_read_pre_alert(r, item) for item in r.children(rul, f"{RUL}.ListPreAlerts")],
        maintenance_required=None if maintenance is None else bool(maintenance),
        alert_message=r.text(alert, f"{ALERT}.AlertMessage"),
    )
    extension = next(
        (
            e
            for e in top
            if isinstance(e, model.SubmodelElementCollection) and element_semantic_id(e) == HEALTH_ASSESSMENT
        ),
        None,
    )
    return PredictiveMaintenance(rul=prediction, assessment=_read_assessment(extension) if extension else None)


def _read_boundary(r: ElementReader, item: model.SubmodelElement) -> BoundaryCondition:
    c = list(item.value) if isinstance(item, model.SubmodelElementCollection) else []
    drift = r.one(c, f"{BOUNDARY}.DriftInfoAIModel")
    return BoundaryCondition(
        name=r.text(c, f"{BOUNDARY}.ConditionName") or "",
        used_in_model=bool(r.value(c, f"{BOUNDARY}.IsBoundaryConditionUsedInModel")),
        boundary_value=float(r.value(c, f"{BOUNDARY}.BoundaryValueRange")),
        unit=r.text(c, f"{BOUNDARY}.BoundaryEngineeringUnit") or "",
        mean=r.value(c, f"{BOUNDARY}.MeanValue"),
        standard_deviation=r.value(c, f"{BOUNDARY}.Standarddeviation"),
        skewness=r.value(c, f"{BOUNDARY}.Skewness"),
        description=r.text(c, f"{BOUNDARY}.BoundaryDescription"),
        drift_range=(float(drift.min), float(drift.max))
        if isinstance(drift, model.Range) and drift.min is not None and drift.max is not None
        else None,
    )


def _read_pre_alert(r: ElementReader, item: model.SubmodelElement) -> PreAlert:
    c = list(item.value) if isinstance(item, model.SubmodelElementCollection) else []
    return PreAlert(
        value=float(r.value(c, f"{PRE_ALERT}.PreAlertValue")), message=r.text(c, f"{PRE_ALERT}.PreAlertMessage")
    )


def _read_assessment(collection: model.SubmodelElementCollection) -> HealthAssessment:
    values = {e.id_short: e for e in collection.value}

    def value(name: str) -> object:
        element = values.get(name)
        return element.value if isinstance(element, model.Property) else None

    inputs = values.get("Inputs")
    return HealthAssessment(
        computed_at=value("ComputedAt"),  # pydantic validates
        computation=str(value("Computation") or ""),
        health_index=value("HealthIndex"),
        anomaly_score=value("AnomalyScore"),
        recommended_action=value("RecommendedAction"),
        inputs=[
            str(item.value.key[0].value)
            for item in (inputs.value if isinstance(inputs, model.SubmodelElementList) else [])
            if isinstance(item, model.ReferenceElement) and item.value is not None
        ],
    )
