"""Production process data of a unit: Process Variables for Manufacturing KPI calculation (IDTA 02066, the
ISO 22400 times and quantities) plus the batch and process parameters recorded when the unit was built.

IDTA 02066 carries the KPI inputs (production, busy, down times; good, scrap, rework quantities), each as a
collection of ``key`` (the production order or batch it belongs to), ``currentValue`` and ``comment``. The
parameters a quality engineer looks up later (sealing temperature, bolt torque, test results) have no
template; they go into one extension collection ``ProcessParameters`` (:data:`PROCESS_PARAMETERS`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import (
    ElementFactory,
    ElementReader,
    as_timedelta,
    element_semantic_id,
    external_reference,
    instance_submodel,
)
from .template_model import load_template
from .validation import EXTENSION_NAMESPACE

__all__ = [
    "PROCESS_PARAMETERS",
    "QUANTITIES",
    "SEMANTIC_ID",
    "TIMES",
    "ProcessData",
    "ProcessParameter",
    "Variable",
    "build_process_data",
    "read_process_data",
]

SEMANTIC_ID = "https://admin-shell.io/idta/SubmodelTemplate/ProcessVariablesForManufacturingKPICalculation/1/0"
PROCESS_PARAMETERS = f"{EXTENSION_NAMESPACE}process-variables:1:0:ProcessParameters"
_PARAMETER = f"{EXTENSION_NAMESPACE}process-variables:1:0:ProcessParameter"
#: ISO 22400 time variables (xs:duration) and quantities (xs:decimal) of the template
TIMES = (
    "ActualPersonnelWorkTime",
    "ActualUnitProcessingTime",
    "ActualUnitBusyTime",
    "ActualOrderExecutionTime",
    "ActualPersonnelAttendanceTime",
    "ActualProductionTime",
    "ActualQueuingTime",
    "ActualUnitDownTime",
    "ActualUnitDelayTime",
    "ActualUnitSetupTime",
    "ActualTransportTime",
    "PlannedBusyTime",
    "PlannedRuntimePerItem",
)
QUANTITIES = ("GoodPart", "InspectedPart", "ScrapQuantity", "GoodQuantity", "ReworkQuantity", "ProducedQuantity")


class Variable(Frozen):
    value: datetime.timedelta | Decimal
    comment: dict[str, str] = Field(min_length=1)


class ProcessParameter(Frozen):
    name: str
    value: float
    unit: str


class ProcessData(Frozen):
    key: str  # the production order (or batch) the values belong to
    variables: dict[str, Variable] = Field(default_factory=dict)  # names from TIMES and QUANTITIES
    batch_id: str | None = None
    parameters: list[ProcessParameter] = Field(default_factory=list)


def build_process_data(data: ProcessData, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(SEMANTIC_ID))
    elements: list[model.SubmodelElement] = []
    for name in (*TIMES, *QUANTITIES):
        variable = data.variables.get(name)
        if variable is None:
            continue
        elements.append(
            f.collection(
                name,
                [
                    f.property(f"{name}.key", data.key),
                    f.property(f"{name}.currentValue", variable.value),
                    f.mlp(f"{name}.comment", variable.comment),
                ],
            )
        )
    unknown = set(data.variables) - {*TIMES, *QUANTITIES}
    if unknown:
        raise ValueError(f"not ISO 22400 variables of IDTA 02066: {sorted(unknown)}")
    if data.batch_id is not None or data.parameters:
        elements.append(_parameters(data))
    return instance_submodel(submodel_id, "ProcessVariables", SEMANTIC_ID, elements)


def _ext(name: str, value_type: Any, value: Any, semantic_id: str) -> model.Property:
    return model.Property(name, value_type, value, semantic_id=external_reference(semantic_id))


def _parameters(data: ProcessData) -> model.SubmodelElementCollection:
    d = model.datatypes
    elements: list[model.SubmodelElement] = []
    if data.batch_id is not None:
        elements.append(_ext("BatchId", d.String, data.batch_id, f"{PROCESS_PARAMETERS}/BatchId"))
    for i, parameter in enumerate(data.parameters):
        elements.append(
            model.SubmodelElementCollection(
                f"Parameter{i + 1:02d}",
                [
                    _ext("Name", d.String, parameter.name, f"{_PARAMETER}/Name"),
                    _ext("Value", d.Double, parameter.value, f"{_PARAMETER}/Value"),
                    _ext("Unit", d.String, parameter.unit, f"{_PARAMETER}/Unit"),
                ],
                semantic_id=external_reference(_PARAMETER),
            )
        )
    return model.SubmodelElementCollection(
        "ProcessParameters", elements, semantic_id=external_reference(PROCESS_PARAMETERS)
    )


def read_process_data(submodel: model.Submodel) -> ProcessData:
    r = ElementReader(load_template(SEMANTIC_ID))
    top = list(submodel.submodel_element)
    key = ""
    variables: dict[str, Variable] = {}
    for name in (*TIMES, *QUANTITIES):
        children = r.children(top, name)
        if not children:
            continue
        key = r.text(children, f"{name}.key") or key
        value = r.value(children, f"{name}.currentValue")
        variables[name] = Variable(
            value=Decimal(value) if name in QUANTITIES else as_timedelta(value),
            comment=r.texts(children, f"{name}.comment") or {},
        )
    extension = next(
        (
            e
            for e in top
            if isinstance(e, model.SubmodelElementCollection) and element_semantic_id(e) == PROCESS_PARAMETERS
        ),
        None,
    )
    batch_id: str | None = None
    parameters: list[ProcessParameter] = []
    for element in extension.value if extension is not None else []:
        if isinstance(element, model.Property) and element.id_short == "BatchId":
            batch_id = str(element.value)
        elif isinstance(element, model.SubmodelElementCollection):
            values = {p.id_short: p.value for p in element.value if isinstance(p, model.Property)}
            parameters.append(
                ProcessParameter(name=str(values["Name"]), value=float(values["Value"]), unit=str(values["Unit"]))
            )
    return ProcessData(key=key, variables=variables, batch_id=batch_id, parameters=parameters)
