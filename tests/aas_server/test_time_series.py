"""Time series (IDTA 02008) records stored outside the submodel document: appended through the Part 2 API
or in batches, read back in the template's structure (latest records inline) and by time range."""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from basyx.aas.adapter.json import AASToJsonEncoder

from aas_server.app import create_app
from submodels.time_series import (
    UTC_TIME,
    Segment,
    TimeSeries,
    TimeSeriesVariable,
    build_time_series,
    record_element,
)
from submodels.validation import validate
from tests.aas_server.test_api_identifiables import assert_result
from tests.conftest import API, b64, make_config

SM_ID = "urn:sm:ts:unit1"
SM = f"{API}/submodels/{b64(SM_ID)}"
STORE = "Segments.Live.Records"
RECORDS = f"{API}/time-series/{b64(SM_ID)}/records"
T0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
VARIABLES = [
    TimeSeriesVariable(id_short="UtcTime", semantic_id=UTC_TIME, value_type="xs:dateTime"),
    TimeSeriesVariable(id_short="Speed", semantic_id="urn:example:speed", value_type="xs:double"),
]


def as_json(obj: object) -> Any:
    return json.loads(json.dumps(obj, cls=AASToJsonEncoder))


def record(second: int, speed: float) -> dict[str, Any]:
    values = {"UtcTime": T0 + datetime.timedelta(seconds=second), "Speed": speed}
    return as_json(record_element(VARIABLES, values, f"R{second}"))  # type: ignore[arg-type]


def time_series_submodel(inline: list[int]) -> dict[str, Any]:
    live = Segment(
        kind="internal",
        id_short="Live",
        state="in progress",
        record_count=0,
        start_time="",
        end_time="",
        last_update="",
        records=[{"UtcTime": T0 + datetime.timedelta(seconds=s), "Speed": float(s)} for s in inline],
    )
    series = TimeSeries(name={"en": "Machine speed"}, variables=VARIABLES, segments=[live])
    return as_json(build_time_series(series, SM_ID))  # type: ignore[no-any-return]


def segment_property(doc: dict[str, Any], name: str) -> Any:
    segments = next(e for e in doc["submodelElements"] if e["idShort"] == "Segments")
    live = next(e for e in segments["value"] if e["idShort"] == "Live")
    return next(e for e in live["value"] if e["idShort"] == name).get("value")


def inline_seconds(doc: dict[str, Any]) -> list[int]:
    segments = next(e for e in doc["submodelElements"] if e["idShort"] == "Segments")
    live = next(e for e in segments["value"] if e["idShort"] == "Live")
    records = next(e for e in live["value"] if e["idShort"] == "Records").get("value", [])
    times = [next(p["value"] for p in r["value"] if p["idShort"] == "UtcTime") for r in records]
    return [int((datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) - T0).total_seconds()) for t in times]


def stored_document_size(data: Path) -> int:
    with sqlite3.connect(data / "aas.sqlite") as conn:
        (size,) = conn.execute("SELECT length(document) FROM documents WHERE id = ?", (SM_ID,)).fetchone()
    return int(size)


async def test_records_live_outside_the_document_and_read_back_in_the_template_structure(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = make_config(data, time_series={"inline_records": 5})
    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:
        assert (await client.post(f"{API}/submodels", json=time_series_submodel([0, 1, 2]))).status == 201
        size = stored_document_size(data)
        doc = await (await client.get(SM)).json()
        assert inline_seconds(doc) == [0, 1, 2]
        assert segment_property(doc, "RecordCount") == "3"
        assert segment_property(doc, "StartTime") == "2026-11-01T00:00:00Z"

        # one record through the plain Part 2 API, then a batch of 100
        response = await client.post(f"{SM}/submodel-elements/{STORE}", json=record(3, 3.0))
        assert response.status == 201
        batch = [record(s, float(s)) for s in range(4, 104)]
        assert (await client.post(RECORDS, params={"path": STORE}, json=batch)).status == 204

        doc = await (await client.get(SM)).json()
        assert inline_seconds(doc) == [99, 100, 101, 102, 103]  # the latest, in time order
        assert segment_property(doc, "RecordCount") == "104"
        assert segment_property(doc, "EndTime") == "2026-11-01T00:01:43Z"
        assert validate(doc) == []  # still the IDTA 02008 structure
        assert stored_document_size(data) == size  # appends never rewrite the document

        # reading it back and PUTting it (e.g. to rename a segment) does not duplicate the shown records
        doc["idShort"] = "Speeds"
        assert (await client.put(SM, json=doc)).status == 204
        assert segment_property(await (await client.get(SM)).json(), "RecordCount") == "104"

        # by time range, page by page
        seen: list[str] = []
        params = {"path": STORE, "from": "2026-11-01T00:00:10Z", "to": "2026-11-01T00:00:50Z", "limit": "7"}
        while True:
            page = await (await client.get(RECORDS, params=params)).json()
            seen += [r["idShort"] for r in page["result"]]
            if "cursor" not in page["paging_metadata"]:
                break
            params["cursor"] = page["paging_metadata"]["cursor"]
        assert seen == [f"R{s}" for s in range(10, 50)]

    async with TestClient(TestServer(create_app(config), host="127.0.0.1")) as client:  # after a restart
        assert segment_property(await (await client.get(SM)).json(), "RecordCount") == "104"
        assert (await client.delete(SM)).status == 204
        assert (await client.post(f"{API}/submodels", json=time_series_submodel([]))).status == 201
        assert segment_property(await (await client.get(SM)).json(), "RecordCount") == "0"


async def test_bad_records_are_rejected_and_append_nothing(tmp_path: Path) -> None:
    async with TestClient(TestServer(create_app(make_config(tmp_path / "data")), host="127.0.0.1")) as client:
        assert (await client.post(f"{API}/submodels", json=time_series_submodel([0]))).status == 201
        no_time = {"idShort": "X", "modelType": "SubmodelElementCollection", "value": []}
        bad_time = record(5, 1.0)
        bad_time["value"][0]["value"] = "yesterday"
        twin = record(6, 1.0)  # the same shape as accepted records: the cheap checks must still catch these
        twin["value"][1]["idShort"] = "UtcTime"
        bad_name = record(7, 1.0)
        bad_name["idShort"] = "7up"
        bad_number = record(8, 1.0)
        bad_number["value"][1]["value"] = "fast"
        for body in ([record(1, 1.0), no_time], [bad_time], {"not": "a list"}, [twin], [bad_name], [bad_number]):
            response = await client.post(RECORDS, params={"path": STORE}, json=body)
            assert response.status == 400, body
            assert_result(await response.json(), 400)
        for params in ({"path": "Metadata"}, {}, {"path": STORE, "from": "soon"}, {"path": STORE, "cursor": "!!"}):
            response = await client.get(RECORDS, params=params)
            assert response.status == 400, params
        assert segment_property(await (await client.get(SM)).json(), "RecordCount") == "1"
