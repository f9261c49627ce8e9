"""Environments loaded from AASX/JSON/XML and read back through the API equal the original, files included."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from aas_server import codec
from aas_server.app import create_app
from tests.conftest import API, FULL_EXAMPLE, make_config

SOURCES = ["test_demo_full_example.json", "test_demo_full_example.xml", "test_demo_full_example_json.aasx"]


def canonical_environment(data: bytes, fmt: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    store, files = codec.read_environment(data, fmt)
    by_id = {obj.id: unordered_sets(codec.encode(obj)) for obj in store}  # type: ignore[attr-defined]
    return by_id, {name.lower(): content for name, content in files.items()}


_SETS = {"submodels", "valueReferencePairs"}  # sets in the metamodel (and in basyx): order carries no meaning


def unordered_sets(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: sorted((unordered_sets(v) for v in val), key=lambda v: json.dumps(v, sort_keys=True))
            if key in _SETS and isinstance(val, list)
            else unordered_sets(val)
            for key, val in node.items()
        }
    if isinstance(node, list):
        return [unordered_sets(item) for item in node]
    return node


def without_package_paths(node: Any) -> Any:
    if isinstance(node, dict):
        out = {key: without_package_paths(val) for key, val in node.items()}
        value = out.get("value")
        if out.get("modelType") == "File" and isinstance(value, str) and ":" not in value.split("/")[0]:
            del out["value"]
        return out
    if isinstance(node, list):
        return [without_package_paths(item) for item in node]
    return node


@pytest.mark.parametrize("source", SOURCES)
async def test_loaded_environment_reads_back_equal(tmp_path: Path, source: str) -> None:
    path = FULL_EXAMPLE / source
    original, original_files = canonical_environment(path.read_bytes(), path.suffix[1:])
    config = make_config(tmp_path / "data", load=[path])
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        for accept, fmt in [
            ("application/json", "json"),
            ("application/xml", "xml"),
            ("application/asset-administration-shell-package+xml", "aasx"),
        ]:
            response = await client.get(f"{API}/serialization", headers={"Accept": accept})
            assert response.status == 200
            served, files = canonical_environment(await response.read(), fmt)
            if fmt == "aasx" and not original_files:
                # A File naming a package part whose content the server never received is exported
                # without its value: a package may not reference a part it does not contain.
                assert served == without_package_paths(original)
                continue
            assert served == original, fmt
            if fmt == "aasx":
                assert files == original_files
        # every identifiable is also readable one by one
        for identifier, doc in original.items():
            collection = {"AssetAdministrationShell": "shells", "Submodel": "submodels"}.get(
                doc["modelType"], "concept-descriptions"
            )
            from tests.conftest import b64

            got = await client.get(f"{API}/{collection}/{b64(identifier)}", params={"extent": "withBlobValue"})
            assert unordered_sets(await got.json()) == doc


async def test_loading_twice_is_idempotent_and_keeps_changes(tmp_path: Path) -> None:
    path = FULL_EXAMPLE / "test_demo_full_example.json"
    config = make_config(tmp_path / "data", load=[path])
    from tests.conftest import b64

    sm = b64("http://acplt.org/Submodels/Assets/TestAsset/Identification")
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        assert (
            await client.patch(f"{API}/submodels/{sm}/submodel-elements/ManufacturerName/$value", json="Changed")
        ).status == 204
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        value = await client.get(f"{API}/submodels/{sm}/submodel-elements/ManufacturerName/$value")
        assert await value.json() == {"ManufacturerName": "Changed"}
        listing = await (await client.get(f"{API}/shells")).json()
        assert len(listing["result"]) == len(json.loads((path).read_text("utf-8-sig"))["assetAdministrationShells"])


async def test_aasx_file_content_is_served(example_client: TestClient) -> None:  # type: ignore[type-arg]
    from tests.conftest import b64

    sm = b64("https://acplt.org/Test_Submodel")
    response = await example_client.get(
        f"{API}/submodels/{sm}/submodel-elements/ExampleSubmodelCollection.ExampleFile/attachment",
        headers={"Accept": "application/pdf"},
    )
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    with io.BytesIO(await response.read()) as content:
        assert content.read(4) == b"%PDF"
