"""Submodel elements by idShortPath: reads, value writes, structural writes, modifiers, attachments."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.aas_server.test_api_identifiables import assert_result, shell, submodel
from tests.conftest import API, b64

Client = TestClient  # type: ignore[type-arg]
SM = f"{API}/submodels/{b64('urn:sm:line')}"
EL = f"{SM}/submodel-elements"


def prop(id_short: str | None, value: str, value_type: str = "xs:double") -> dict[str, Any]:
    element = {"modelType": "Property", "valueType": value_type, "value": value}
    if id_short:
        element["idShort"] = id_short
    return element


def measurement(value: str) -> dict[str, Any]:
    return {"modelType": "SubmodelElementCollection", "value": [prop("Value", value), prop("Unit", "mm", "xs:string")]}


async def create_line(client: Client) -> None:
    elements = [
        prop("Speed", "1.5"),
        prop("Count", "7", "xs:int"),
        {
            "modelType": "SubmodelElementList",
            "idShort": "Measurements",
            "typeValueListElement": "SubmodelElementCollection",
            "value": [measurement("1.0"), measurement("2.0"), measurement("3.0")],
        },
        {"modelType": "File", "idShort": "Manual", "contentType": "application/pdf"},
        {"modelType": "Blob", "idShort": "Raw", "contentType": "application/octet-stream", "value": "AAEC"},
    ]
    response = await client.post(f"{API}/submodels", json=submodel("urn:sm:line", *elements))
    assert response.status == 201, await response.text()


async def value_of(client: Client, path: str) -> Any:
    """The element's ValueOnly, unwrapped from the ``{idShort: value}`` object GET .../$value sends."""
    response = await client.get(f"{EL}/{path}/$value")
    assert response.status == 200, await response.text()
    body = await response.json()
    if path.endswith("]"):  # a list item has no idShort to key it by
        return body
    id_short = path.rsplit(".", 1)[-1]
    assert isinstance(body, dict) and list(body) == [id_short], body
    return body[id_short]


async def test_nested_paths_and_list_indices(client: Client) -> None:
    await create_line(client)
    assert await value_of(client, "Measurements[1].Value") == 2.0
    element = await (await client.get(f"{EL}/Measurements[2]")).json()
    assert element["modelType"] == "SubmodelElementCollection"
    for missing in ("Measurements[3].Value", "Measurements[0].Nope", "Nope", "Speed.Child"):
        response = await client.get(f"{EL}/{missing}")
        assert response.status == 404, missing
        assert_result(await response.json(), 404)
    assert (await client.get(f"{EL}/Bad..Path")).status == 400


async def test_value_patch_accepts_numbers_and_strings(client: Client) -> None:
    await create_line(client)
    assert (await client.patch(f"{EL}/Count/$value", json=42)).status == 204
    assert await value_of(client, "Count") == 42
    assert (await client.patch(f"{EL}/Count/$value", json="43")).status == 204
    element = await (await client.get(f"{EL}/Count")).json()
    assert element["value"] == "43"
    assert (await client.patch(f"{EL}/Measurements[0].Value/$value", json=9.25)).status == 204
    assert await value_of(client, "Measurements[0].Value") == 9.25


async def test_element_value_is_keyed_by_id_short_and_patch_takes_either_form(client: Client) -> None:
    await create_line(client)
    assert await (await client.get(f"{EL}/Count/$value")).json() == {"Count": 7}
    assert await (await client.get(f"{EL}/Measurements[1].Value/$value")).json() == {"Value": 2.0}
    assert await (await client.get(f"{EL}/Measurements[1]/$value")).json() == {"Value": 2.0, "Unit": "mm"}
    assert (await client.patch(f"{EL}/Count/$value", json={"Count": 11})).status == 204  # what GET sent
    assert await value_of(client, "Count") == 11
    assert (await client.patch(f"{EL}/Count/$value", json=12)).status == 204  # the bare value
    assert await value_of(client, "Count") == 12
    response = await client.patch(f"{EL}/Measurements[2]/$value", json={"Unit": "km"})
    assert response.status == 204
    assert await value_of(client, "Measurements[2]") == {"Value": 3.0, "Unit": "km"}


async def test_bad_value_patch_is_rejected_and_changes_nothing(client: Client) -> None:
    await create_line(client)
    for body in ("abc", {"x": 1}, [1]):
        response = await client.patch(f"{EL}/Count/$value", json=body)
        assert response.status == 400
        assert_result(await response.json(), 400, "Count")
    assert await value_of(client, "Count") == 7


async def test_collection_value_patch(client: Client) -> None:
    await create_line(client)
    response = await client.patch(f"{EL}/Measurements[1]/$value", json={"Value": 5, "Unit": "m"})
    assert response.status == 204
    assert await value_of(client, "Measurements[1]") == {"Value": 5.0, "Unit": "m"}


async def test_submodel_value_and_modifiers(client: Client) -> None:
    await create_line(client)
    value = await (await client.get(f"{SM}/$value")).json()
    assert value["Speed"] == 1.5 and value["Measurements"][2] == {"Value": 3.0, "Unit": "mm"}
    metadata = await (await client.get(f"{EL}/Speed/$metadata")).json()
    assert "value" not in metadata and metadata["valueType"] == "xs:double"
    paths = await (await client.get(f"{EL}/Measurements/$path")).json()
    assert "Measurements[0].Value" in paths and "Measurements" in paths
    reference = await (await client.get(f"{EL}/Measurements[1].Value/$reference")).json()
    assert [k["type"] for k in reference["keys"]] == [
        "Submodel",
        "SubmodelElementList",
        "SubmodelElementCollection",
        "Property",
    ]
    core = await (await client.get(SM, params={"level": "core"})).json()
    lst = next(e for e in core["submodelElements"] if e["idShort"] == "Measurements")
    assert len(lst["value"]) == 3 and all(not child.get("value") for child in lst["value"])
    deep = await (await client.get(SM)).json()
    assert next(e for e in deep["submodelElements"] if e["idShort"] == "Measurements")["value"][0]["value"]
    without_blob = await (await client.get(f"{EL}/Raw")).json()
    assert "value" not in without_blob
    with_blob = await (await client.get(f"{EL}/Raw", params={"extent": "withBlobValue"})).json()
    assert with_blob["value"] == "AAEC"
    assert (await client.get(SM, params={"level": "sideways"})).status == 400


async def test_modifiers_that_do_not_apply_to_an_element_type_are_rejected(client: Client) -> None:
    await create_line(client)
    operation = {"modelType": "Operation", "idShort": "Calibrate"}
    assert (await client.post(EL, json=operation)).status == 201
    for path in ("Speed", "Raw", "Measurements[0].Value"):  # $path: only collections, lists and entities
        response = await client.get(f"{EL}/{path}/$path")
        assert response.status == 400, path
        assert_result(await response.json(), 400, "$path")
    response = await client.get(f"{EL}/Calibrate/$metadata")  # an Operation is all metadata
    assert response.status == 400
    assert_result(await response.json(), 400, "Operation")
    metadata = await (await client.get(f"{EL}/Manual/$metadata")).json()  # mandatory attributes stay
    assert metadata["contentType"] == "application/pdf"
    listed = await (await client.get(f"{SM}/submodel-elements/$metadata")).json()
    assert [e["idShort"] for e in listed["result"]] == ["Speed", "Count", "Measurements", "Manual", "Raw", "Calibrate"]
    assert all("value" not in e for e in listed["result"])


async def test_submodel_paths_list_is_flat(client: Client) -> None:
    await create_line(client)
    response = await client.post(f"{API}/submodels", json=submodel("urn:sm:other", prop("Torque", "3")))
    assert response.status == 201
    paths = (await (await client.get(f"{API}/submodels/$path")).json())["result"]
    assert all(isinstance(p, str) for p in paths)
    assert {"Speed", "Measurements[2].Unit", "Torque"} <= set(paths)
    # limit counts paths: pages end inside a submodel and continue there, without gaps or repeats
    for limit in (1, 4, 9, len(paths), len(paths) + 1):
        collected: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        while True:
            page = await (await client.get(f"{API}/submodels/$path", params=params)).json()
            assert len(page["result"]) <= limit
            collected += page["result"]
            if "cursor" not in page["paging_metadata"]:
                break
            params["cursor"] = page["paging_metadata"]["cursor"]
        assert collected == paths, limit


async def test_single_object_interfaces_accept_a_trailing_slash(client: Client) -> None:
    await create_line(client)
    for path in (f"{API}/submodel", f"{API}/submodel/", f"{SM}/", f"{API}/submodels/", f"{API}/shells/"):
        response = await client.get(path)
        assert response.status == 200, path
    assert (await (await client.get(f"{API}/submodel/")).json())["id"] == "urn:sm:line"


async def test_structural_writes(client: Client) -> None:
    await create_line(client)
    created = await client.post(EL, json=prop("Torque", "3.5"))
    assert created.status == 201
    assert created.headers["Location"].endswith("/submodel-elements/Torque")
    assert (await client.post(EL, json=prop("Torque", "1"))).status == 409
    appended = await client.post(f"{EL}/Measurements", json=measurement("4.0"))
    assert appended.status == 201
    assert appended.headers["Location"].endswith("/submodel-elements/Measurements[3]")
    assert await value_of(client, "Measurements[3].Value") == 4.0
    # a list whose elements must be collections refuses a Property (AASd-108)
    assert (await client.post(f"{EL}/Measurements", json=prop(None, "1"))).status == 400
    assert (await client.put(f"{EL}/Torque", json=prop("Torque", "9", "xs:int"))).status == 204
    assert (await (await client.get(f"{EL}/Torque")).json())["valueType"] == "xs:int"
    assert (await client.delete(f"{EL}/Torque")).status == 204
    assert (await client.get(f"{EL}/Torque")).status == 404
    page = await (await client.get(EL, params={"limit": "2"})).json()
    assert len(page["result"]) == 2 and "cursor" in page["paging_metadata"]
    rest = await (await client.get(EL, params={"cursor": page["paging_metadata"]["cursor"]})).json()
    assert [e["idShort"] for e in rest["result"]] == ["Measurements", "Manual", "Raw"]
    assert "cursor" not in rest["paging_metadata"]


async def test_value_writes_survive_structural_writes(client: Client) -> None:
    await create_line(client)
    await client.patch(f"{EL}/Speed/$value", json=3.0)
    await client.post(EL, json=prop("Extra", "0"))
    await client.patch(f"{EL}/Count/$value", json=8)
    assert await value_of(client, "Speed") == 3.0
    assert await value_of(client, "Count") == 8


async def test_concurrent_patches_to_different_elements_both_survive(client: Client) -> None:
    await create_line(client)

    async def patch(path: str, value: float) -> int:
        return (await client.patch(f"{EL}/{path}/$value", json=value)).status

    for round_ in range(20):
        statuses = await asyncio.gather(
            patch("Speed", round_ + 0.5), patch("Count", round_), patch("Measurements[2].Value", round_ + 0.25)
        )
        assert statuses == [204, 204, 204]
    assert await value_of(client, "Speed") == 19.5
    assert await value_of(client, "Count") == 19
    assert await value_of(client, "Measurements[2].Value") == 19.25


async def test_attachments(client: Client) -> None:
    await create_line(client)
    content = b"%PDF-1.4 manual" * 1000
    form = aiohttp.FormData()
    form.add_field("fileName", "manual.pdf")
    form.add_field("file", content, filename="upload.bin", content_type="application/pdf")
    assert (await client.put(f"{EL}/Manual/attachment", data=form)).status == 204
    got = await client.get(f"{EL}/Manual/attachment")
    assert got.status == 200
    assert await got.read() == content
    assert got.headers["Content-Type"] == "application/octet-stream"  # what GetFileByPath declares
    assert 'filename="manual.pdf"' in got.headers["Content-Disposition"]
    asked = await client.get(f"{EL}/Manual/attachment", headers={"Accept": "application/pdf, */*;q=0.1"})
    assert asked.headers["Content-Type"] == "application/pdf"  # a client that names the type gets it
    assert (await (await client.get(f"{EL}/Manual")).json())["value"] == "manual.pdf"

    # without fileName: the part's own file name is used
    form = aiohttp.FormData()
    form.add_field("file", b"v2", filename="../../etc/passwd", content_type="text/plain")
    assert (await client.put(f"{EL}/Manual/attachment", data=form)).status == 204
    assert await (await client.get(f"{EL}/Manual/attachment")).read() == b"v2"
    assert (await (await client.get(f"{EL}/Manual")).json())["value"] == "passwd"

    form = aiohttp.FormData()
    form.add_field("file", b"x", filename="x.txt")
    assert (await client.put(f"{EL}/Speed/attachment", data=form)).status == 405
    assert (await client.delete(f"{EL}/Manual/attachment")).status == 200
    assert (await client.get(f"{EL}/Manual/attachment")).status == 404


async def test_thumbnail(client: Client) -> None:
    await client.post(f"{API}/shells", json=shell("urn:s:1"))
    base = f"{API}/shells/{b64('urn:s:1')}/asset-information"
    assert (await client.get(f"{base}/thumbnail")).status == 404
    form = aiohttp.FormData()
    form.add_field("fileName", "thumb.png")
    form.add_field("file", b"\x89PNG....", filename="thumb.png", content_type="image/png")
    assert (await client.put(f"{base}/thumbnail", data=form)).status == 204
    got = await client.get(f"{base}/thumbnail")
    assert await got.read() == b"\x89PNG...." and got.headers["Content-Type"] == "application/octet-stream"
    got = await client.get(f"{base}/thumbnail", headers={"Accept": "image/png"})
    assert got.headers["Content-Type"] == "image/png"
    info = await (await client.get(base)).json()
    assert info["defaultThumbnail"] == {"path": "thumb.png", "contentType": "image/png"}
    assert (await client.delete(f"{base}/thumbnail")).status == 200
    assert (await client.get(f"{base}/thumbnail")).status == 404
