"""The template validator: official templates pass, each kind of deviation is reported where it is."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from basyx.aas.adapter.json import StrictAASFromJsonDecoder

from submodels.template_model import Cardinality, available_templates, load_template
from submodels.validation import EXTENSION_NAMESPACE, Problem, validate

TEMPLATES = Path(__file__).resolve().parents[2] / "submodels" / "templates"
INDEX = {entry["semanticId"]: entry for entry in json.loads((TEMPLATES / "index.json").read_text())}
NAMEPLATE = "https://admin-shell.io/idta/nameplate/3/0/Nameplate"
MAINTENANCE = "https://admin-shell.io/idta/SubmodelTemplate/MaintenanceInstructions/1/0"


def template_json(semantic_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEMPLATES / INDEX[semantic_id]["file"]).read_text())
    return data


def element(doc: dict[str, Any], id_short: str) -> dict[str, Any]:
    return next(e for e in doc["submodelElements"] if e.get("idShort") == id_short)


def problems(doc: dict[str, Any]) -> set[tuple[str, Problem]]:
    return {(f.path, f.problem) for f in validate(doc)}


@pytest.mark.parametrize("semantic_id", sorted(INDEX), ids=[INDEX[s]["idta"] for s in sorted(INDEX)])
def test_each_official_template_validates_against_itself(semantic_id: str) -> None:
    findings = validate(template_json(semantic_id))
    if semantic_id == MAINTENANCE:  # the published IDTA 02018 1.0 has this element twice in one collection
        assert [(f.path.rsplit(".", 1)[-1], f.problem) for f in findings] == [
            ("ReferenceNameOfMaintenance", Problem.CARDINALITY)
        ]
    else:
        assert findings == []


def test_every_shipped_template_is_listed() -> None:
    assert set(available_templates()) == set(INDEX)
    rules = dict(load_template(NAMEPLATE).walk())
    assert rules["ManufacturerName"].cardinality is Cardinality.ONE
    assert rules["Markings[]"].cardinality is Cardinality.ONE_TO_MANY
    assert rules["DateOfManufacture"].value_type == "xs:date"


def test_missing_mandatory_elements_and_cardinality() -> None:
    doc = template_json(NAMEPLATE)
    doc["submodelElements"] = [e for e in doc["submodelElements"] if e["idShort"] != "ManufacturerName"]
    doc["submodelElements"].append(copy.deepcopy(element(doc, "SerialNumber")))  # ZeroToOne, now twice
    element(doc, "Markings")["value"] = []  # the list's items are OneToMany
    assert problems(doc) == {
        ("ManufacturerName", Problem.MISSING),
        ("SerialNumber", Problem.CARDINALITY),
        ("Markings", Problem.CARDINALITY),
    }


def test_types_values_and_semantic_ids() -> None:
    doc = template_json(NAMEPLATE)
    element(doc, "DateOfManufacture")["valueType"] = "xs:string"
    element(doc, "SerialNumber")["modelType"] = "MultiLanguageProperty"
    element(doc, "HardwareVersion")["semanticId"]["keys"][0]["value"] = "urn:other"
    doc["submodelElements"].append({"idShort": "Colour", "modelType": "Property", "valueType": "xs:string"})
    doc["submodelElements"].append(
        {
            "idShort": "DesignRevision",
            "modelType": "Property",
            "valueType": "xs:string",
            "semanticId": {
                "type": "ExternalReference",
                "keys": [{"type": "GlobalReference", "value": f"{EXTENSION_NAMESPACE}x"}],
            },
        }
    )
    marking = element(doc, "Markings")["value"][0]
    next(e for e in marking["value"] if e["idShort"] == "IssueDate")["value"] = "yesterday"
    assert problems(doc) == {
        ("DateOfManufacture", Problem.VALUE_TYPE),
        ("SerialNumber", Problem.MODEL_TYPE),
        ("HardwareVersion", Problem.SEMANTIC_ID),
        ("Colour", Problem.UNKNOWN),  # the extension element is not reported
        ("Markings[0].IssueDate", Problem.VALUE),
    }


def test_repeatable_elements_match_by_numbered_id_short_or_semantic_id() -> None:
    doc = template_json(NAMEPLATE)
    specific = element(doc, "AssetSpecificProperties")
    arbitrary = next(e for e in specific["value"] if e["idShort"] == "ArbitraryProperty")
    for name in ("ArbitraryProperty01", "Anything"):
        specific["value"].append({**copy.deepcopy(arbitrary), "idShort": name})
    assert validate(doc) == []


def test_basyx_submodels_are_accepted_and_unknown_templates_reported() -> None:
    doc = template_json("https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel")
    submodel = json.loads(json.dumps(doc), cls=StrictAASFromJsonDecoder)
    assert validate(submodel) == []
    doc["semanticId"]["keys"][0]["value"] = "urn:unknown"
    assert [f.problem for f in validate(doc)] == [Problem.NO_TEMPLATE]


def test_cli_reports_and_exit_codes(tmp_path: Path) -> None:
    good = template_json(NAMEPLATE)
    bad = copy.deepcopy(good)
    bad["id"] = "urn:bad"
    bad["submodelElements"] = [e for e in bad["submodelElements"] if e["idShort"] != "ManufacturerName"]
    path = tmp_path / "env.json"
    path.write_text(json.dumps({"submodels": [good, bad]}))
    run = subprocess.run([sys.executable, "-m", "submodels", "validate", str(path)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "ManufacturerName: missing" in run.stdout and f"{good['id']}: ok" in run.stdout
    (tmp_path / "broken.json").write_text("{")
    run = subprocess.run(
        [sys.executable, "-m", "submodels", "validate", str(tmp_path / "broken.json")], capture_output=True, text=True
    )
    assert run.returncode == 2 and "not JSON" in run.stderr
