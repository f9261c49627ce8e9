"""Shells, submodels and concept descriptions through the HTTP API, as a partner client sees them."""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import API, b64

Client = TestClient  # type: ignore[type-arg]


def shell(identifier: str, id_short: str = "Shell", **asset: Any) -> dict[str, Any]:
    info = {"assetKind": "Instance", "globalAssetId": f"urn:asset:{identifier}", **asset}
    return {"modelType": "AssetAdministrationShell", "id": identifier, "idShort": id_short, "assetInformation": info}


def submodel(identifier: str, *elements: dict[str, Any], semantic: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "modelType": "Submodel",
        "id": identifier,
        "idShort": "Sm",
        "submodelElements": list(elements),
    }
    if semantic:
        doc["semanticId"] = {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic}]}
    return doc


def assert_result(body: Any, status: int, *fragments: str) -> None:
    """An error payload in the spec's Result format, with only the attributes the schema allows."""
    assert set(body) == {"messages"}
    for message in body["messages"]:
        assert set(message) <= {"code", "correlationId", "messageType", "text", "timestamp"}
        assert message["code"] == str(status)
        assert message["messageType"] == "Error"
    text = " ".join(m["text"] for m in body["messages"])
    for fragment in fragments:
        assert fragment in text


async def test_create_read_replace_delete_shell(client: Client) -> None:
    created = await client.post(f"{API}/shells", json=shell("urn:s:1"))
    assert created.status == 201
    assert created.headers["Location"].endswith(f"/shells/{b64('urn:s:1')}")
    assert (await created.json())["id"] == "urn:s:1"

    padded = base64.urlsafe_b64encode(b"urn:s:1").decode()
    for encoded in (b64("urn:s:1"), padded):
        got = await client.get(f"{API}/shells/{encoded}")
        assert got.status == 200
        assert (await got.json())["idShort"] == "Shell"

    replaced = await client.put(f"{API}/shells/{b64('urn:s:1')}", json=shell("urn:s:1", "Renamed"))
    assert replaced.status == 204
    assert (await (await client.get(f"{API}/shells/{b64('urn:s:1')}")).json())["idShort"] == "Renamed"

    assert (await client.delete(f"{API}/shells/{b64('urn:s:1')}")).status == 204
    missing = await client.get(f"{API}/shells/{b64('urn:s:1')}")
    assert missing.status == 404
    assert_result(await missing.json(), 404, "urn:s:1")


async def test_duplicate_create_is_a_conflict(client: Client) -> None:
    assert (await client.post(f"{API}/shells", json=shell("urn:s:dup"))).status == 201
    again = await client.post(f"{API}/shells", json=shell("urn:s:dup", "Other"))
    assert again.status == 409
    assert_result(await again.json(), 409, "urn:s:dup")
    assert (await (await client.get(f"{API}/shells/{b64('urn:s:dup')}")).json())["idShort"] == "Shell"


async def test_metamodel_violations_are_rejected_and_change_nothing(client: Client) -> None:
    bad_bodies = [
        (shell("urn:s:bad", "1starts-with-digit"), "AASd-002"),
        ({"modelType": "AssetAdministrationShell", "id": "urn:s:bad"}, "assetInformation"),
        (submodel("urn:sm:bad", {"modelType": "Property", "idShort": "p", "valueType": "xs:int", "value": "x"}), "x"),
        (
            submodel(
                "urn:sm:bad",
                {"modelType": "Property", "idShort": "p", "valueType": "xs:int"},
                {"modelType": "Property", "idShort": "p", "valueType": "xs:int"},
            ),
            "AASd-022",
        ),
        (submodel("urn:sm:bad", {"modelType": "Property", "idShort": "p", "valueType": "xs:nope"}), "xs:nope"),
        ({"modelType": "Submodel"}, "id"),
        ([1, 2], "JSON object"),
    ]
    for body, fragment in bad_bodies:
        collection = (
            "shells"
            if body and isinstance(body, dict) and body.get("modelType") == "AssetAdministrationShell"
            else "submodels"
        )
        response = await client.post(f"{API}/{collection}", json=body)
        assert response.status == 400, body
        assert_result(await response.json(), 400, fragment)
    for raw in (b"{not json", b"", b"\xff\xfe"):
        response = await client.post(f"{API}/shells", data=raw, headers={"Content-Type": "application/json"})
        assert response.status == 400
    for collection in ("shells", "submodels"):
        listing = await (await client.get(f"{API}/{collection}")).json()
        assert listing["result"] == []


async def test_id_in_body_must_match_path(client: Client) -> None:
    await client.post(f"{API}/shells", json=shell("urn:s:a"))
    response = await client.put(f"{API}/shells/{b64('urn:s:a')}", json=shell("urn:s:b"))
    assert response.status == 400
    assert (await client.get(f"{API}/shells/{b64('urn:s:b')}")).status == 404


async def test_malformed_identifier_in_path(client: Client) -> None:
    response = await client.get(f"{API}/shells/not*base64")
    assert response.status == 400
    assert_result(await response.json(), 400, "base64")


async def test_cursor_pagination_visits_every_shell_once(client: Client) -> None:
    ids = [f"urn:s:{i:03d}" for i in range(23)]
    for identifier in ids:
        await client.post(f"{API}/shells", json=shell(identifier))
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        page = await (await client.get(f"{API}/shells", params=params)).json()
        pages += 1
        seen += [s["id"] for s in page["result"]]
        if pages == 2:  # a shell created mid-listing appears at the end, nothing is repeated or skipped
            await client.post(f"{API}/shells", json=shell("urn:s:late"))
        cursor = page["paging_metadata"].get("cursor")
        if cursor is None:
            break
    assert seen == [*ids, "urn:s:late"]
    assert pages == 5


async def test_bad_paging_parameters(client: Client) -> None:
    for params in ({"limit": "0"}, {"limit": "x"}, {"cursor": "garbage!"}):
        response = await client.get(f"{API}/shells", params=params)
        assert response.status == 400
        assert_result(await response.json(), 400)


async def test_shell_filters(client: Client) -> None:
    specific = [{"name": "serialNumber", "value": "SN-7"}]
    await client.post(f"{API}/shells", json=shell("urn:s:1", "Filler"))
    await client.post(f"{API}/shells", json=shell("urn:s:2", "Filler", specificAssetIds=specific))
    await client.post(f"{API}/shells", json=shell("urn:s:3", "Other"))

    by_id_short = await (await client.get(f"{API}/shells", params={"idShort": "Filler"})).json()
    assert [s["id"] for s in by_id_short["result"]] == ["urn:s:1", "urn:s:2"]

    def asset(name: str, value: str) -> str:
        return base64.urlsafe_b64encode(json.dumps({"name": name, "value": value}).encode()).decode().rstrip("=")

    by_serial = await (await client.get(f"{API}/shells", params={"assetIds": asset("serialNumber", "SN-7")})).json()
    assert [s["id"] for s in by_serial["result"]] == ["urn:s:2"]
    by_global = await (
        await client.get(f"{API}/shells", params={"assetIds": asset("globalAssetId", "urn:asset:urn:s:3")})
    ).json()
    assert [s["id"] for s in by_global["result"]] == ["urn:s:3"]
    refs = await (await client.get(f"{API}/shells/$reference", params={"idShort": "Other"})).json()
    assert refs["result"] == [
        {"type": "ModelReference", "keys": [{"type": "AssetAdministrationShell", "value": "urn:s:3"}]}
    ]


async def test_submodel_filters(client: Client) -> None:
    await client.post(f"{API}/submodels", json=submodel("urn:sm:1", semantic="urn:sem:nameplate"))
    await client.post(f"{API}/submodels", json=submodel("urn:sm:2", semantic="urn:sem:bom"))
    found = await (await client.get(f"{API}/submodels", params={"semanticId": b64("urn:sem:bom")})).json()
    assert [s["id"] for s in found["result"]] == ["urn:sm:2"]


async def test_asset_information_and_submodel_references(client: Client) -> None:
    await client.post(f"{API}/shells", json=shell("urn:s:1"))
    await client.post(f"{API}/submodels", json=submodel("urn:sm:1"))
    base = f"{API}/shells/{b64('urn:s:1')}"
    info = await (await client.get(f"{base}/asset-information")).json()
    assert info["globalAssetId"] == "urn:asset:urn:s:1"
    new_info = {"assetKind": "Type", "globalAssetId": "urn:asset:type"}
    assert (await client.put(f"{base}/asset-information", json=new_info)).status == 204
    assert (await (await client.get(f"{base}/asset-information")).json()) == new_info
    assert (await client.put(f"{base}/asset-information", json={"assetKind": "Nonsense"})).status == 400

    ref = {"type": "ModelReference", "keys": [{"type": "Submodel", "value": "urn:sm:1"}]}
    assert (await client.post(f"{base}/submodel-refs", json=ref)).status == 201
    assert (await client.post(f"{base}/submodel-refs", json=ref)).status == 409
    refs = await (await client.get(f"{base}/submodel-refs")).json()
    assert refs["result"] == [ref]
    # the superpath reaches the submodel only through a reference
    assert (await client.get(f"{base}/submodels/{b64('urn:sm:1')}")).status == 200
    assert (await client.get(f"{base}/submodels/{b64('urn:sm:other')}")).status == 404
    assert (await client.delete(f"{base}/submodel-refs/{b64('urn:sm:1')}")).status == 204
    assert (await client.get(f"{base}/submodels/{b64('urn:sm:1')}")).status == 404
    assert (await client.get(f"{API}/submodels/{b64('urn:sm:1')}")).status == 200


async def test_concept_descriptions(client: Client) -> None:
    cd = {
        "modelType": "ConceptDescription",
        "id": "urn:cd:1",
        "idShort": "Temp",
        "isCaseOf": [{"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": "0173-1#02-AAA"}]}],
    }
    assert (await client.post(f"{API}/concept-descriptions", json=cd)).status == 201
    assert (await client.post(f"{API}/concept-descriptions", json={**cd, "id": "urn:cd:2", "isCaseOf": []})).status in (
        201,
        400,
    )
    found = await (await client.get(f"{API}/concept-descriptions", params={"isCaseOf": b64("0173-1#02-AAA")})).json()
    assert [c["id"] for c in found["result"]] == ["urn:cd:1"]
    assert (await client.delete(f"{API}/concept-descriptions/{b64('urn:cd:1')}")).status == 204
    assert (await client.get(f"{API}/concept-descriptions/{b64('urn:cd:1')}")).status == 404


async def test_unknown_route_and_method_answer_in_result_format(client: Client) -> None:
    response = await client.get(f"{API}/nothing-here")
    assert response.status == 404
    assert_result(await response.json(), 404)
    response = await client.patch(f"{API}/shells")
    assert response.status == 405
    assert_result(await response.json(), 405)


async def test_description_and_health(client: Client) -> None:
    profiles = (await (await client.get(f"{API}/description")).json())["profiles"]
    for profile in ("SSP-001", "SSP-002"):
        assert f"https://admin-shell.io/aas/API/3/0/SubmodelRepositoryServiceSpecification/{profile}" in profiles
    assert (await (await client.get("/health")).json()) == {"status": "ok"}
