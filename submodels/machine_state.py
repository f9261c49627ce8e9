"""The live state of a machine, as the edge gateway keeps it current: one Property per signal.

No IDTA template covers a machine's current values (Time Series holds their history), so this submodel
lives in the project namespace (:data:`SEMANTIC_ID`); its elements are plain Properties that generic
clients read with ``$value`` and that setpoints are written to. The gateway marks each value's quality and
source time in its qualifiers (see ``edge_gateway.sink``).
"""

from __future__ import annotations

from basyx.aas import model

from .elements import external_reference, instance_submodel
from .validation import EXTENSION_NAMESPACE

__all__ = ["SEMANTIC_ID", "SIGNALS", "build_machine_state"]

SEMANTIC_ID = f"{EXTENSION_NAMESPACE}machine-state:1:0:Submodel"
#: idShort -> valueType of the packaging machine's live values (setpoints end in "Setpoint")
SIGNALS = {
    "Speed": model.datatypes.Double,
    "SpeedSetpoint": model.datatypes.Double,
    "GoodCount": model.datatypes.Long,
    "RejectCount": model.datatypes.Long,
    "State": model.datatypes.Int,
    "MotorTemperature": model.datatypes.Double,
    "VibrationRms": model.datatypes.Double,
    "BatchId": model.datatypes.String,
}


def build_machine_state(submodel_id: str) -> model.Submodel:
    """The state submodel with every value unset (the gateway fills them)."""
    elements = [
        model.Property(
            name, value_type, None, semantic_id=external_reference(f"{EXTENSION_NAMESPACE}machine-state:1:0:{name}")
        )
        for name, value_type in SIGNALS.items()
    ]
    return instance_submodel(submodel_id, "MachineState", SEMANTIC_ID, elements)
