"""The opt-in template check: with validation.templates on, submodel writes that break their IDTA template
are rejected with the validator's findings and change nothing; without it they are stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from basyx.aas.adapter.json import AASToJsonEncoder

from aas_server.app import create_app
from submodels.nameplate import Address, Nameplate, build_nameplate
from tests.aas_server.test_api_identifiables import assert_result
from tests.conftest import API, b64, make_config

SM_ID = "urn:sm:nameplate:1"


def nameplate_json() -> dict[str, Any]:
    nameplate = Nameplate(
        uri_of_the_product="https://example.com/p/1",
        manufacturer_name={"en": "Example"},
        manufacturer_product_designation={"en": "Machine"},
        address=Address(city_town={"en": "Town"}),
        order_code_of_manufacturer="M-1",
        serial_number="S-1",
    )
    doc: dict[str, Any] = json.loads(json.dumps(build_nameplate(nameplate, SM_ID), cls=AASToJsonEncoder))
    return doc


def without(doc: dict[str, Any], id_short: str) -> dict[str, Any]:
    return {**doc, "submodelElements": [e for e in doc["submodelElements"] if e["idShort"] != id_short]}


async def test_template_violations_are_rejected_when_enabled(tmp_path: Path) -> None:
    config = make_config(tmp_path / "data", validation={"templates": True})
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        response = await client.post(f"{API}/submodels", json=without(nameplate_json(), "ManufacturerName"))
        assert response.status == 400
        body = await response.json()
        assert_result(body, 400, "ManufacturerName")
        assert (await client.get(f"{API}/submodels/{b64(SM_ID)}")).status == 404

        assert (await client.post(f"{API}/submodels", json=nameplate_json())).status == 201
        elements = f"{API}/submodels/{b64(SM_ID)}/submodel-elements"
        assert (await client.delete(f"{elements}/OrderCodeOfManufacturer")).status == 400  # mandatory
        serial = next(e for e in nameplate_json()["submodelElements"] if e["idShort"] == "SerialNumber")
        duplicate = {**serial, "idShort": "SerialNumber2"}  # an element the template does not know
        response = await client.post(elements, json=duplicate)
        assert response.status == 400
        assert_result(await response.json(), 400, "SerialNumber")
        assert (await client.delete(f"{elements}/SerialNumber")).status == 204  # optional
        other = {
            "id": "urn:sm:other",
            "modelType": "Submodel",
            "submodelElements": [{"idShort": "X", "modelType": "Property", "valueType": "xs:int"}],
        }
        assert (await client.post(f"{API}/submodels", json=other)).status == 201  # no template: unchecked


async def test_without_the_option_partner_submodels_are_stored_as_sent(tmp_path: Path) -> None:
    async with TestClient(TestServer(create_app(make_config(tmp_path / "data")), host="127.0.0.1")) as client:
        response = await client.post(f"{API}/submodels", json=without(nameplate_json(), "ManufacturerName"))
        assert response.status == 201
