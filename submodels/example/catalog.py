"""What the example packaging line is made of: machine models, their design revisions and supplier parts.

Plain data, so that the generator (:mod:`submodels.example.plant`) stays about *how* twins are built and a
reader sees the plant at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MODELS", "NS", "SUPPLIERS", "Component", "MachineModel", "Revision", "Supplier"]

NS = "https://example.com/ids"


@dataclass(frozen=True)
class Supplier:
    key: str
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Component:
    """One BOM position: a supplier part, tracked by serial number (own shell) or by lot."""

    position: str  # idShort of the node in the BOM
    name: str
    supplier: str  # Supplier.key
    part_number: str
    tracking: Literal["serial", "lot"]
    quantity: int = 1


@dataclass(frozen=True)
class Revision:
    """A design revision of a machine model: administration version/revision of its as-designed BOM."""

    version: str
    revision: str
    components: tuple[Component, ...]

    @property
    def label(self) -> str:
        return f"{self.version}.{self.revision}"


@dataclass(frozen=True)
class MachineModel:
    code: str
    name: str
    interval_hours: int  # preventive maintenance interval
    revisions: tuple[Revision, Revision]  # (initial, engineering change)


SUPPLIERS = {
    s.key: s
    for s in (
        Supplier("drives", "Example Drives AG", "Erlangen", "DE"),
        Supplier("controls", "Example Controls GmbH", "Karlsruhe", "DE"),
        Supplier("sensors", "Example Sensorik SARL", "Lyon", "FR"),
        Supplier("belts", "Example Belting Co.", "Ningbo", "CN"),
        Supplier("fasteners", "Example Fasteners Ltd", "Birmingham", "GB"),
    )
}

_PLC = Component("Controller", "PLC CPU 1500", "controls", "CPU-1515", "serial")
_SCREWS = Component("FrameScrews", "Screw M8x30 A2", "fasteners", "DIN912-M8x30", "lot", 48)


def _rev(version: str, revision: str, *components: Component) -> Revision:
    return Revision(version, revision, components)


MODELS = (
    MachineModel(
        "FFS200",
        "Form-fill-seal machine FFS 200",
        2000,
        (
            _rev(
                "1",
                "0",
                Component("MainDrive", "Servo motor 1FK7 3 kW", "drives", "1FK7063", "serial"),
                _PLC,
                Component("SealingSensor", "Temperature sensor PT100", "sensors", "PT100-S3", "serial"),
                Component("FilmBelt", "Film transport belt 40 mm", "belts", "FB-40", "lot", 2),
                _SCREWS,
            ),
            # Engineering change: a stronger main drive and a second sealing sensor
            _rev(
                "1",
                "1",
                Component("MainDrive", "Servo motor 1FK7 4 kW", "drives", "1FK7083", "serial"),
                _PLC,
                Component("SealingSensor", "Temperature sensor PT100", "sensors", "PT100-S3", "serial"),
                Component("SealingSensor2", "Temperature sensor PT100", "sensors", "PT100-S3", "serial"),
                Component("FilmBelt", "Film transport belt 40 mm", "belts", "FB-40", "lot", 2),
                _SCREWS,
            ),
        ),
    ),
    MachineModel(
        "CT50",
        "Cartoner CT 50",
        3000,
        (
            _rev(
                "1",
                "0",
                Component("MainDrive", "Servo motor 1FK7 2 kW", "drives", "1FK7042", "serial"),
                _PLC,
                Component("FoldingBelt", "Folding belt 25 mm", "belts", "FB-25", "lot", 4),
                _SCREWS,
            ),
            _rev(
                "1",
                "1",
                Component("MainDrive", "Servo motor 1FK7 2 kW", "drives", "1FK7042", "serial"),
                _PLC,
                Component("CartonSensor", "Photoelectric sensor", "sensors", "OPT-11", "serial"),
                Component("FoldingBelt", "Folding belt 25 mm", "belts", "FB-25", "lot", 4),
                _SCREWS,
            ),
        ),
    ),
    MachineModel(
        "PL10",
        "Palletizer PL 10",
        4000,
        (
            _rev(
                "1",
                "0",
                Component("LiftDrive", "Geared motor 5.5 kW", "drives", "GM-55", "serial"),
                _PLC,
                Component("ConveyorBelt", "Conveyor belt 600 mm", "belts", "CB-600", "lot", 1),
                _SCREWS,
            ),
            _rev(
                "2",
                "0",
                Component("LiftDrive", "Geared motor 7.5 kW", "drives", "GM-75", "serial"),
                _PLC,
                Component("ConveyorBelt", "Conveyor belt 600 mm", "belts", "CB-600", "lot", 1),
                _SCREWS,
            ),
        ),
    ),
)
