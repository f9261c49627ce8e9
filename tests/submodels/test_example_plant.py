"""The example plant: deterministic, valid against the templates and the official file checker, and the
thread walks from a unit serial number to parts, design revision and supplier."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aas_test_engines import file as file_checker
from basyx.aas import model
from basyx.aas.adapter.json import AASToJsonEncoder

from submodels.bom import read_bom
from submodels.example import generate
from submodels.maintenance import read_maintenance
from submodels.nameplate import read_nameplate
from submodels.process_data import read_process_data
from submodels.time_series import read_time_series
from submodels.validation import validate


def as_json(objects: list[model.Identifiable]) -> str:
    return json.dumps(objects, cls=AASToJsonEncoder, sort_keys=True)


@pytest.fixture(scope="module")
def plant_objects() -> dict[str, Any]:
    return {obj.id: obj for obj in generate(units=12, seed=7).objects}


def test_same_seed_same_plant_other_seed_other_history() -> None:
    assert as_json(generate(6, seed=3).objects) == as_json(generate(6, seed=3).objects)
    assert as_json(generate(6, seed=3).objects) != as_json(generate(6, seed=4).objects)


def test_every_submodel_validates_against_its_template(plant_objects: dict[str, Any]) -> None:
    for obj in plant_objects.values():
        if isinstance(obj, model.Submodel):
            assert validate(obj) == [], obj.id


def test_the_thread_from_a_unit_serial_number_to_parts_design_and_supplier(plant_objects: dict[str, Any]) -> None:
    shells = [o for o in plant_objects.values() if isinstance(o, model.AssetAdministrationShell)]
    unit = next(
        s
        for s in shells
        if any(a.name == "serialNumber" and a.value == "FFS200-000002" for a in s.asset_information.specific_asset_id)
    )
    submodels = [plant_objects[ref.key[0].value] for ref in unit.submodel]
    nameplate = read_nameplate(next(s for s in submodels if s.id.endswith("/nameplate")))
    assert nameplate.serial_number == "FFS200-000002"
    as_built = read_bom(next(s for s in submodels if s.id.endswith("/bom")))
    assert unit.derived_from is not None and unit.derived_from.key[0].value.endswith("/aas/type/FFS200")

    # the design revision it was built against is a BOM of its type shell
    type_shell = plant_objects[unit.derived_from.key[0].value]
    assert as_built.design_revision in {ref.key[0].value for ref in type_shell.submodel}
    design = read_bom(plant_objects[as_built.design_revision])
    assert design.revision is not None

    # each serial-numbered part resolves to its own shell, whose nameplate names the supplier
    by_asset = {s.asset_information.global_asset_id: s for s in shells}
    drive = next(p for p in as_built.entry_node.parts if p.id_short == "MainDrive")
    assert drive.design_position is not None and drive.design_position.submodel_id == as_built.design_revision
    assert drive.design_position.path[-1] in {n.id_short for n in design.entry_node.parts}
    part_shell = by_asset[drive.global_asset_id]
    supplier = read_nameplate(plant_objects[next(iter(part_shell.submodel)).key[0].value])
    assert supplier.manufacturer_name == {"en": "Example Drives AG"}
    assert supplier.serial_number == drive.specific_asset_ids["serialNumber"]
    lots = [p for p in as_built.entry_node.parts if "batchId" in p.specific_asset_ids]
    assert lots and all(p.global_asset_id is None and p.bulk_count for p in lots)

    # the production batch and the process parameters recorded when it was built
    process = read_process_data(next(s for s in submodels if s.id.endswith("/process")))
    batch = next(a.value for a in unit.asset_information.specific_asset_id if a.name == "batchId")
    assert process.batch_id == batch and process.key == "PO-FFS200-000002"
    assert {p.name for p in process.parameters} >= {"FrameBoltTorque"}

    # operational data: the latest records inline, the history at the server's records route
    operational = read_time_series(next(s for s in submodels if s.id.endswith("/operational-data")))
    live, history = operational.segments
    assert len(live.records) == 5 and operational.variables[0].id_short == "UtcTime"
    assert history.kind == "linked" and history.endpoint and "/time-series/" in history.endpoint

    # the type documents: technical data and the operating manual
    type_ids = {ref.key[0].value for ref in type_shell.submodel}
    assert {i.rsplit("/", 1)[-1] for i in type_ids} >= {
        "technical-data",
        "handover",
        "maintenance",
        "reliability",
        "nameplate",
    }


def test_replaced_parts_show_in_the_as_built_bom(plant_objects: dict[str, Any]) -> None:
    units = [
        o
        for o in plant_objects.values()
        if isinstance(o, model.Submodel) and o.id.endswith("/maintenance") and "/unit/" in o.id
    ]
    replaced = 0
    for maintenance in units:
        history = read_maintenance(maintenance).history
        assert history, maintenance.id  # every unit has been serviced since it was built
        swaps = [r for event in history for r in event.replaced]
        if swaps:
            replaced += 1
            as_built = read_bom(plant_objects[maintenance.id.replace("/maintenance", "/bom")])
            installed = {p.global_asset_id for p in as_built.entry_node.parts}
            assert swaps[-1].installed in installed and swaps[0].removed not in installed
    assert replaced > 0


def test_cli_writes_a_package_the_official_checker_accepts(tmp_path: Path) -> None:
    out = tmp_path / "plant.aasx"
    run = subprocess.run(
        [sys.executable, "-m", "submodels.example", "--units", "5", "--seed", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "5 units" in run.stdout
    with out.open("rb") as stream:
        assert file_checker.check_aasx_file(stream).ok()
    check = subprocess.run([sys.executable, "-m", "submodels", "validate", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
