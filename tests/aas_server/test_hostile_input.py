"""Input no partner should send: each gets a 4xx in the Result format, and nothing is stored or read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from aas_server.app import create_app
from tests.aas_server.test_api_identifiables import assert_result, shell, submodel
from tests.conftest import API, b64, make_config

Client = TestClient  # type: ignore[type-arg]
SM = f"{API}/submodels/{b64('urn:sm:h')}"


async def shell_count(client: Client) -> int:
    return len((await (await client.get(f"{API}/shells")).json())["result"])


async def test_oversized_body_is_413_and_stores_nothing(tmp_path: Path) -> None:
    config = make_config(tmp_path / "data", limits={"max_body_bytes": 4096})
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        big = {**shell("urn:aas:big"), "description": [{"language": "en", "text": "x" * 10_000}]}
        response = await client.post(f"{API}/shells", json=big)
        assert response.status == 413
        assert_result(await response.json(), 413)
        assert await shell_count(client) == 0
        assert (await client.post(f"{API}/shells", json=shell("urn:aas:small"))).status == 201


async def test_bodies_that_are_not_json_objects(client: Client) -> None:
    bodies: list[tuple[bytes, str]] = [
        (b"", "application/json"),
        (b"{", "application/json"),
        (b"\xff\xfe{}", "application/json"),  # not UTF-8
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nesting far past any parser's stack
        (b'{"a": NaN}', "application/json"),
        (b"<shell/>", "application/xml"),
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b'"text"', "application/json"),
    ]
    for body, content_type in bodies:
        response = await client.post(f"{API}/shells", data=body, headers={"Content-Type": content_type})
        assert 400 <= response.status < 500, body[:20]
        assert_result(await response.json(), response.status)
    assert await shell_count(client) == 0


async def test_wrong_model_types_and_shapes_change_nothing(client: Client) -> None:
    assert (await client.post(f"{API}/submodels", json=submodel("urn:sm:h"))).status == 201
    wrong: list[tuple[str, str, Any]] = [
        ("POST", f"{API}/shells", submodel("urn:sm:x")),  # a submodel where a shell belongs
        ("POST", f"{API}/submodels", shell("urn:aas:x")),
        ("POST", f"{SM}/submodel-elements", {"modelType": "Submodel", "id": "urn:x"}),
        ("POST", f"{SM}/submodel-elements", {"modelType": "Property", "idShort": "P", "valueType": "xs:nope"}),
        ("POST", f"{SM}/submodel-elements", {"modelType": "Property", "idShort": "1bad", "valueType": "xs:int"}),
        (
            "POST",
            f"{SM}/submodel-elements",
            {"modelType": "Property", "idShort": "P", "valueType": "xs:int", "value": "x"},
        ),
        ("PUT", SM, {**submodel("urn:sm:h"), "submodelElements": "not a list"}),
        ("PATCH", SM, {"modelType": "Submodel", "id": "urn:sm:other"}),
    ]
    for method, url, body in wrong:
        response = await client.request(method, url, json=body)
        assert response.status == 400, (method, url, body)
        assert_result(await response.json(), 400)
    stored = await (await client.get(SM)).json()
    assert not stored.get("submodelElements") and stored["id"] == "urn:sm:h"
    assert await shell_count(client) == 0


async def test_paths_and_identifiers_that_do_not_parse(client: Client) -> None:
    assert (await client.post(f"{API}/submodels", json=submodel("urn:sm:h"))).status == 201
    for url in (
        f"{SM}/submodel-elements/{'a.' * 3000}a",  # a very deep idShortPath
        f"{SM}/submodel-elements/a[99999999999999999999]",
        f"{SM}/submodel-elements/a%00b",
        f"{API}/submodels/%%%",
        f"{API}/submodels/{'A' * 6000}",
    ):
        response = await client.get(url)
        assert response.status in (400, 404, 414), url
        if response.status != 414:  # aiohttp's own line-length guard answers before any handler
            assert_result(await response.json(), response.status)


async def test_attachment_file_names_cannot_leave_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with TestClient(TestServer(create_app(make_config(data)), host="127.0.0.1")) as client:
        element = {"modelType": "File", "idShort": "Doc", "contentType": "text/plain"}
        assert (await client.post(f"{API}/submodels", json=submodel("urn:sm:h", element))).status == 201
        for name in ("../../escape.txt", "/etc/passwd", "..\\..\\win.txt", "%2e%2e%2fenc.txt"):
            form = aiohttp.FormData()
            form.add_field("file", b"content", filename=name, content_type="text/plain")
            form.add_field("fileName", name)
            response = await client.put(f"{SM}/submodel-elements/Doc/attachment", data=form)
            assert response.status == 204, name
            served = await client.get(f"{SM}/submodel-elements/Doc/attachment")
            assert await served.read() == b"content"
            disposition = served.headers["Content-Disposition"]
            assert "/" not in disposition.split("filename=")[1] and ".." not in disposition
    outside = {p for p in tmp_path.rglob("*") if data not in p.parents and p != data}
    assert outside == set()
    assert not (tmp_path.parent / "escape.txt").exists()
