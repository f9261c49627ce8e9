"""Generate the example packaging plant: type twins per machine model and design revision, produced units with
their as-built parts, supplier part twins, batches and maintenance history. Deterministic from a seed.

The thread it lays out, for one unit serial number:

    unit shell --derivedFrom--> type shell (all design revisions' BOMs)
      Nameplate (serial number, date), specificAssetIds serialNumber + batchId
      HierarchicalStructures (as built) --DesignRevision--> the type's BOM of the revision it was built to
        part Nodes: globalAssetId -> part shell (supplier Nameplate: the supplier), serial or batchId,
                    DesignPosition -> the as-designed Node
      MaintenanceInstructions: the model's plan + MaintenanceHistory (replacements show in the as-built BOM)
      ProcessVariables: production order, batch, ISO 22400 times/quantities, recorded process parameters
      TimeSeries: operational data (speed, motor temperature), Live records inline + History at the server
      MachineState: live values and setpoints, kept current by the edge gateway
"""

from __future__ import annotations

import base64
import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from basyx.aas import model

from ..bom import EntityRef, HierarchicalStructure, Node, build_bom
from ..handover import (
    Document,
    DocumentClass,
    DocumentFile,
    DocumentId,
    DocumentVersion,
    HandoverDocumentation,
    build_handover,
)
from ..machine_state import build_machine_state
from ..maintenance import (
    MaintenanceEvent,
    MaintenanceInterval,
    MaintenancePlan,
    MaintenanceStep,
    PartReplacement,
    Reliability,
    ReliabilitySet,
    SparePart,
    build_maintenance,
    build_reliability,
)
from ..nameplate import Address, Marking, Nameplate, build_nameplate
from ..process_data import ProcessData, ProcessParameter, Variable, build_process_data
from ..technical_data import Classification, TechnicalData, TechnicalProperty, build_technical_data
from ..time_series import UTC_TIME, Segment, TimeSeries, TimeSeriesVariable, build_time_series
from .catalog import MODELS, NS, SUPPLIERS, Component, MachineModel, Revision
from .files import small_pdf, small_png

__all__ = ["CE_MARK", "DEFAULT_SERVER_URL", "Plant", "generate"]

CE_MARK = "/aasx/files/ce-marking.png"
DEFAULT_SERVER_URL = "http://127.0.0.1:8080/api/v3.0"
TIME_SERIES_VARIABLES = [
    TimeSeriesVariable(id_short="UtcTime", semantic_id=UTC_TIME, value_type="xs:dateTime"),
    TimeSeriesVariable(id_short="Speed", semantic_id=f"{NS}/cd/MachineSpeed", value_type="xs:double"),
    TimeSeriesVariable(id_short="MotorTemperature", semantic_id=f"{NS}/cd/MotorTemperature", value_type="xs:double"),
]
MANUFACTURER = {"en": "Example Packaging Machines GmbH", "de": "Beispiel Verpackungsmaschinen GmbH"}
ADDRESS = Address(street={"de": "Industriestraße 7"}, zipcode={"de": "70565"}, city_town={"de": "Stuttgart"})
START = datetime.date(2024, 1, 8)  # first production week
CHANGEOVER_DAYS = 365  # units built later use the model's second design revision
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)  # "today" of the generated history


@dataclass
class Plant:
    """Everything generated: identifiables plus the files the package must carry."""

    objects: list[model.Identifiable] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    unit_serials: list[str] = field(default_factory=list)

    def add(self, *objects: model.Identifiable) -> None:
        self.objects.extend(objects)


def _ref(submodel: model.Submodel) -> model.ModelReference[model.Submodel]:
    return model.ModelReference.from_referable(submodel)


def _shell(
    id_short: str,
    aas_id: str,
    asset_id: str,
    kind: model.AssetKind,
    submodels: list[model.Submodel],
    asset_ids: dict[str, str] | None = None,
    derived_from: str | None = None,
) -> model.AssetAdministrationShell:
    return model.AssetAdministrationShell(
        model.AssetInformation(
            kind,
            global_asset_id=asset_id,
            specific_asset_id=[model.SpecificAssetId(k, v) for k, v in (asset_ids or {}).items()],
        ),
        aas_id,
        id_short=id_short,
        submodel={_ref(s) for s in submodels},
        derived_from=model.ModelReference(
            (model.Key(model.KeyTypes.ASSET_ADMINISTRATION_SHELL, derived_from),), model.AssetAdministrationShell
        )
        if derived_from
        else None,
    )


def _type_bom_id(m: MachineModel, rev: Revision) -> str:
    return f"{NS}/sm/type/{m.code}/bom/{rev.version}-{rev.revision}"


def _maintenance_plan(m: MachineModel, rev: Revision) -> MaintenancePlan:
    drive = next(c for c in rev.components if c.supplier == "drives")
    return MaintenancePlan(
        intervals=[
            MaintenanceInterval(
                maintenance_id=f"{m.code}-PM",
                name={"en": "Preventive maintenance", "de": "Vorbeugende Wartung"},
                interval=m.interval_hours,
                interval_unit="h",
                technicians=1,
                steps=[
                    MaintenanceStep(step_id="1", name={"en": "Check belt tension"}, duration=15, duration_unit="min"),
                    MaintenanceStep(
                        step_id="2", name={"en": "Inspect main drive bearings"}, duration=30, duration_unit="min"
                    ),
                ],
            )
        ],
        spare_parts=[
            SparePart(
                spare_part_id=drive.part_number,
                name={"en": drive.name},
                supplier={"en": SUPPLIERS[drive.supplier].name},
                order_code=drive.part_number,
            )
        ],
    )


def _machine_nameplate(m: MachineModel) -> Nameplate:
    """The nameplate of the machine type; a unit's adds serial number, dates and hardware version."""
    return Nameplate(
        uri_of_the_product=f"{NS}/product/{m.code}",
        manufacturer_name=MANUFACTURER,
        manufacturer_product_designation={"en": m.name},
        address=ADDRESS,
        order_code_of_manufacturer=m.code,
        manufacturer_product_type=m.code,
        markings=[Marking(name="CE", file=CE_MARK)],
    )


def _type_twin(plant: Plant, m: MachineModel) -> None:
    boms = []
    for rev in m.revisions:
        design = HierarchicalStructure(
            entry_node=Node(
                id_short=m.code,
                global_asset_id=f"{NS}/asset/type/{m.code}",
                parts=[
                    Node(
                        id_short=c.position,
                        specific_asset_ids={"manufacturerPartId": c.part_number},
                        bulk_count=c.quantity,
                    )
                    for c in rev.components
                ],
            ),
            revision=(rev.version, rev.revision),
        )
        boms.append(build_bom(design, _type_bom_id(m, rev)))
    nameplate = build_nameplate(_machine_nameplate(m), f"{NS}/sm/type/{m.code}/nameplate")
    plan = build_maintenance(_maintenance_plan(m, m.revisions[-1]), f"{NS}/sm/type/{m.code}/maintenance")
    reliability = build_reliability(
        Reliability(sets=[ReliabilitySet(mttf=40_000, mtbf=12_000, b10=25_000, useful_life_hours=60_000)]),
        f"{NS}/sm/type/{m.code}/reliability",
    )
    technical = build_technical_data(_technical_data(m), f"{NS}/sm/type/{m.code}/technical-data")
    handover = build_handover(_handover(m), f"{NS}/sm/type/{m.code}/handover")
    submodels = [nameplate, *boms, plan, reliability, technical, handover]
    shell = _shell(m.code, f"{NS}/aas/type/{m.code}", f"{NS}/asset/type/{m.code}", model.AssetKind.TYPE, submodels)
    plant.add(shell, *submodels)


def _manual_path(m: MachineModel) -> str:
    return f"/aasx/files/{m.code.lower()}-operating-manual.pdf"


def _technical_data(m: MachineModel) -> TechnicalData:
    drive = next(c for c in m.revisions[-1].components if c.supplier == "drives")
    power = Decimal(drive.name.split()[-2].replace(",", "."))  # "... 4 kW" -> 4
    return TechnicalData(
        manufacturer_name=MANUFACTURER["en"],
        product_designation={"en": m.name},
        article_number=m.code,
        order_code=m.code,
        classifications=[
            Classification(
                system="ECLASS", version="13.0", class_id="44-10-20-90", class_name="Packaging machine (unspecified)"
            )
        ],
        properties=[
            TechnicalProperty(
                id_short="RatedPower", semantic_id="0173-1#02-AAL472#005", value=power, value_type="xs:decimal"
            ),
            TechnicalProperty(
                id_short="MaintenanceInterval",
                semantic_id=f"{NS}/cd/MaintenanceIntervalHours",
                value=m.interval_hours,
                value_type="xs:int",
            ),
        ],
    )


def _handover(m: MachineModel) -> HandoverDocumentation:
    return HandoverDocumentation(
        documents=[
            Document(
                ids=[DocumentId(domain="EPM", identifier=f"{m.code}-OM", primary=True)],
                classes=[DocumentClass(class_id="03-02", class_name={"en": "Operation", "de": "Bedienung"})],
                versions=[
                    DocumentVersion(
                        languages=["en"],
                        version="1.1",
                        title={"en": f"{m.name} operating manual"},
                        description={"en": "Operation, cleaning and maintenance"},
                        status_date=datetime.date(2025, 1, 15),
                        status="Released",
                        organization_short_name="EPM",
                        organization_name=MANUFACTURER["en"],
                        files=[DocumentFile(path=_manual_path(m))],
                    )
                ],
            )
        ]
    )


class _Serials:
    """Serial numbers per supplier part number, in order."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        n = self._next.get(prefix, 0) + 1
        self._next[prefix] = n
        return f"{prefix}-{n:06d}"


def _part_twin(plant: Plant, c: Component, serial: str, built: datetime.date) -> str:
    """Shell + supplier Nameplate of one serial-numbered part; returns its asset id."""
    supplier = SUPPLIERS[c.supplier]
    asset_id = f"{NS}/asset/part/{c.supplier}/{c.part_number}/{serial}"
    nameplate = build_nameplate(
        Nameplate(
            uri_of_the_product=f"{NS}/product/{c.supplier}/{c.part_number}",
            manufacturer_name={"en": supplier.name},
            manufacturer_product_designation={"en": c.name},
            address=Address(city_town={"en": supplier.city}, national_code={"en": supplier.country}),
            order_code_of_manufacturer=c.part_number,
            serial_number=serial,
            date_of_manufacture=built,
            country_of_origin=supplier.country,
        ),
        f"{NS}/sm/part/{c.supplier}/{serial}/nameplate",
    )
    shell = _shell(
        f"Part_{serial}".replace("-", "_"),
        f"{NS}/aas/part/{c.supplier}/{serial}",
        asset_id,
        model.AssetKind.INSTANCE,
        [nameplate],
        {"serialNumber": serial, "manufacturerPartId": c.part_number, "supplierId": f"{NS}/org/{c.supplier}"},
    )
    plant.add(shell, nameplate)
    return asset_id


def _history(
    rng: random.Random, m: MachineModel, built: datetime.date, replace: Iterator[PartReplacement]
) -> list[MaintenanceEvent]:
    """Preventive maintenance every ~interval (two shifts: 16 h/day), and now and then a drive replacement."""
    events: list[MaintenanceEvent] = []
    days = m.interval_hours // 16
    t = datetime.datetime.combine(built, datetime.time(8), datetime.UTC) + datetime.timedelta(days=days)
    while t < NOW:
        corrective = rng.random() < 0.08
        events.append(
            MaintenanceEvent(
                time=t,
                kind="corrective" if corrective else "preventive",
                maintenance_id=None if corrective else f"{m.code}-PM",
                findings="Main drive bearing noise, drive replaced" if corrective else "No findings",
                technician=f"T{rng.randint(1, 12):02d}",
                replaced=[next(replace)] if corrective else [],
            )
        )
        t += datetime.timedelta(days=days + rng.randint(-5, 5))
    return events


def _operational_data(rng: random.Random, submodel_id: str, server_url: str) -> TimeSeries:
    """Machine speed and motor temperature: the last minutes inline (Live), the rest at the server's records
    route (History, a LinkedSegment); the gateway appends to Live."""
    speed = rng.uniform(80, 120)
    records: list[dict[str, datetime.datetime | float | int | bool | str]] = []
    for minute in range(5):
        speed += rng.gauss(0, 1.5)
        records.append(
            {
                "UtcTime": NOW - datetime.timedelta(minutes=5 - minute),
                "Speed": round(speed, 2),
                "MotorTemperature": round(55 + rng.gauss(0, 2), 2),
            }
        )
    store = "Segments.Live.Records"
    identifier = base64.urlsafe_b64encode(submodel_id.encode()).decode().rstrip("=")
    return TimeSeries(
        name={"en": "Operational data", "de": "Betriebsdaten"},
        variables=TIME_SERIES_VARIABLES,
        segments=[
            Segment(
                kind="internal",
                id_short="Live",
                state="in progress",
                record_count=0,
                start_time="",
                end_time="",
                last_update="",
                records=records,
            ),
            Segment(
                kind="linked",
                id_short="History",
                name={"en": "All records, by time range"},
                endpoint=f"{server_url}/time-series/{identifier}/records",
                query=f"path={store}&from={{start}}&to={{end}}",
            ),
        ],
    )


def _unit_twin(
    plant: Plant, rng: random.Random, serials: _Serials, m: MachineModel, index: int, server_url: str
) -> None:
    built = START + datetime.timedelta(days=index // 3 + rng.randint(0, 2))
    rev = m.revisions[0] if (built - START).days < CHANGEOVER_DAYS else m.revisions[1]
    serial = serials(m.code)
    batch = f"B{built.isocalendar().year}W{built.isocalendar().week:02d}"
    unit_asset = f"{NS}/asset/unit/{serial}"
    design_id = _type_bom_id(m, rev)

    installed: dict[str, tuple[str, str]] = {}  # position -> (asset id, serial number) of the part in it now
    for c in rev.components:
        if c.tracking == "serial":
            part_serial = serials(c.part_number)
            installed[c.position] = (
                _part_twin(plant, c, part_serial, built - datetime.timedelta(days=20)),
                part_serial,
            )

    drive = next(c for c in rev.components if c.supplier == "drives")

    def replacements() -> Iterator[PartReplacement]:
        while True:
            new_serial = serials(drive.part_number)
            new = _part_twin(plant, drive, new_serial, built)
            removed = installed[drive.position][0]
            installed[drive.position] = (new, new_serial)  # before yielding: the last swap must count too
            yield PartReplacement(removed=removed, installed=new)

    history = _history(rng, m, built, replacements())  # replacements update ``installed``
    parts: list[Node] = []
    for c in rev.components:
        position = EntityRef(submodel_id=design_id, path=(m.code, c.position))
        if c.position in installed:
            asset_id, part_serial = installed[c.position]
            ids = {"serialNumber": part_serial, "manufacturerPartId": c.part_number}
            parts.append(
                Node(id_short=c.position, global_asset_id=asset_id, specific_asset_ids=ids, design_position=position)
            )
        else:
            lot = f"LOT-{c.part_number}-{built.year}{built.month:02d}"
            ids = {"batchId": lot, "manufacturerPartId": c.part_number}
            parts.append(
                Node(id_short=c.position, specific_asset_ids=ids, bulk_count=c.quantity, design_position=position)
            )
    as_built = build_bom(
        HierarchicalStructure(
            entry_node=Node(id_short=serial.replace("-", "_"), global_asset_id=unit_asset, parts=parts),
            design_revision=design_id,
        ),
        f"{NS}/sm/unit/{serial}/bom",
    )
    unit_nameplate = _machine_nameplate(m).model_copy(
        update={
            "uri_of_the_product": f"{NS}/product/{m.code}/{serial}",
            "serial_number": serial,
            "year_of_construction": str(built.year),
            "date_of_manufacture": built,
            "hardware_version": rev.label,
        }
    )
    nameplate = build_nameplate(unit_nameplate, f"{NS}/sm/unit/{serial}/nameplate")
    plan = _maintenance_plan(m, rev).model_copy(update={"history": history})
    maintenance = build_maintenance(plan, f"{NS}/sm/unit/{serial}/maintenance")
    process = build_process_data(_assembly_record(rng, serial, batch), f"{NS}/sm/unit/{serial}/process")
    operational_id = f"{NS}/sm/unit/{serial}/operational-data"
    operational = build_time_series(_operational_data(rng, operational_id, server_url), operational_id)
    state = build_machine_state(f"{NS}/sm/unit/{serial}/machine-state")
    submodels = [nameplate, as_built, maintenance, process, operational, state]
    shell = _shell(
        serial.replace("-", "_"),
        f"{NS}/aas/unit/{serial}",
        unit_asset,
        model.AssetKind.INSTANCE,
        submodels,
        {"serialNumber": serial, "batchId": batch},
        derived_from=f"{NS}/aas/type/{m.code}",
    )
    plant.add(shell, *submodels)
    plant.unit_serials.append(serial)


def _assembly_record(rng: random.Random, serial: str, batch: str) -> ProcessData:
    """The final assembly of one unit: ISO 22400 times and quantities plus the recorded parameters."""
    minutes = rng.randint(300, 420)
    setup = rng.randint(20, 45)
    return ProcessData(
        key=f"PO-{serial}",
        batch_id=batch,
        variables={
            "ActualProductionTime": Variable(
                value=datetime.timedelta(minutes=minutes), comment={"en": "Final assembly"}
            ),
            "ActualUnitSetupTime": Variable(value=datetime.timedelta(minutes=setup), comment={"en": "Station setup"}),
            "PlannedRuntimePerItem": Variable(value=datetime.timedelta(minutes=360), comment={"en": "Routing"}),
            "ProducedQuantity": Variable(value=Decimal(1), comment={"en": "Units"}),
            "GoodQuantity": Variable(value=Decimal(1), comment={"en": "Passed end-of-line test"}),
        },
        parameters=[
            ProcessParameter(name="FrameBoltTorque", value=round(rng.gauss(25.0, 0.4), 2), unit="N.m"),
            ProcessParameter(name="EndOfLineTestSpeed", value=round(rng.gauss(120.0, 1.5), 1), unit="1/min"),
            ProcessParameter(name="InsulationResistance", value=round(rng.uniform(180, 260), 0), unit="MOhm"),
        ],
    )


def generate(units: int = 20, seed: int = 1, server_url: str = DEFAULT_SERVER_URL) -> Plant:
    """The plant with ``units`` produced machines, spread over the models; same seed, same plant.

    ``server_url`` (the API base) is where the operational data's History segment points to."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible plant, not a secret
    plant = Plant()
    for m in MODELS:
        _type_twin(plant, m)
    serials = _Serials()
    for index in range(units):
        _unit_twin(plant, rng, serials, MODELS[index % len(MODELS)], index, server_url)
    plant.files[CE_MARK] = (small_png((32, 64, 160), 8), "image/png")
    for m in MODELS:
        plant.files[_manual_path(m)] = (small_pdf(f"{m.name}: operating manual"), "application/pdf")
    return plant
