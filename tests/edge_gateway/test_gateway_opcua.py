"""End to end with real parts: the OPC UA machine simulator -> the gateway -> a real aas_server on loopback.

Values arrive typed and timestamped, as current values and as time series records; when the server is down
the gateway buffers and then delivers everything in order; when the OPC UA server is down the values are
marked bad and the gateway reconnects by itself.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from basyx.aas.adapter.json import AASToJsonEncoder

from edge_gateway.config import GatewayConfig
from edge_gateway.gateway import Gateway
from edge_gateway.simulators.opcua_server import OpcUaMachineServer
from submodels.time_series import UTC_TIME, Segment, TimeSeries, TimeSeriesVariable, build_time_series
from tests.conftest import API
from tests.edge_gateway.helpers import Server, b64, equals, eventually, holds

STATE_ID = "urn:sm:unit1:state"
SERIES_ID = "urn:sm:unit1:operational"
STORE = "Segments.Live.Records"


def state_submodel() -> dict[str, Any]:
    prop = lambda name, vt: {"idShort": name, "modelType": "Property", "valueType": vt}  # noqa: E731
    return {
        "modelType": "Submodel",
        "id": STATE_ID,
        "idShort": "MachineState",
        "submodelElements": [
            prop("Speed", "xs:double"),
            prop("SpeedSetpoint", "xs:double"),
            prop("MotorTemperature", "xs:double"),
            prop("GoodCount", "xs:long"),
        ],
    }


def series_submodel() -> dict[str, Any]:
    variables = [
        TimeSeriesVariable(id_short="UtcTime", semantic_id=UTC_TIME, value_type="xs:dateTime"),
        TimeSeriesVariable(id_short="Speed", semantic_id="urn:example:speed"),
    ]
    live = Segment(kind="internal", id_short="Live", record_count=0, records=[])
    series = TimeSeries(name={"en": "Operational data"}, variables=variables, segments=[live])
    doc: dict[str, Any] = json.loads(json.dumps(build_time_series(series, SERIES_ID), cls=AASToJsonEncoder))
    return doc


def gateway_config(tmp_path: Path, server_port: int, opcua: OpcUaMachineServer) -> GatewayConfig:
    def node(name: str) -> str:
        return opcua.node_id(name)

    return GatewayConfig.model_validate(
        {
            "server": {
                "url": f"http://127.0.0.1:{server_port}{API}",
                "timeout_s": 2,
                "retry": {"initial_s": 0.05, "max_s": 0.2},
            },
            "buffer": {"path": str(tmp_path / "buffer.sqlite")},
            "flush": {"interval_ms": 20},
            "opcua": [{"name": "ffs", "endpoint": opcua.endpoint, "reconnect": {"initial_s": 0.1, "max_s": 0.5}}],
            "signals": [
                {
                    "id": "speed",
                    "source": "ffs",
                    "node": node("Speed"),
                    "target": {"submodel": STATE_ID, "path": "Speed"},
                    "series": {"submodel": SERIES_ID, "variable": "Speed", "semantic_id": "urn:example:speed"},
                },
                {
                    "id": "temperature",
                    "source": "ffs",
                    "node": node("MotorTemperature"),
                    "target": {"submodel": STATE_ID, "path": "MotorTemperature"},
                },
                {
                    "id": "good",
                    "source": "ffs",
                    "node": node("GoodCount"),
                    "target": {"submodel": STATE_ID, "path": "GoodCount", "value_type": "xs:long"},
                },
                {
                    "id": "setpoint",
                    "source": "ffs",
                    "node": node("SpeedSetpoint"),
                    "target": {"submodel": STATE_ID, "path": "SpeedSetpoint"},
                    "writable": True,
                },
            ],
        }
    )


@pytest.fixture
async def opcua() -> AsyncIterator[OpcUaMachineServer]:
    async with OpcUaMachineServer(port=0, seed=3, step_s=0.05) as server:
        yield server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = Server(tmp_path / "server")
    await srv.start()
    await srv.post("/submodels", state_submodel())
    await srv.post("/submodels", series_submodel())
    yield srv
    await srv.stop()


async def all_records(server: Server) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    params = f"?path={STORE}&limit=1000"
    cursor = ""
    while True:
        page = await server.get(f"/time-series/{b64(SERIES_ID)}/records{params}{cursor}")
        records += page["result"]
        if "cursor" not in page["paging_metadata"]:
            return records
        cursor = f"&cursor={page['paging_metadata']['cursor']}"


def record_time(record: dict[str, Any]) -> datetime.datetime:
    text = next(p["value"] for p in record["value"] if p["idShort"] == "UtcTime")
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_values_arrive_typed_with_source_time_and_survive_a_server_outage(
    tmp_path: Path, opcua: OpcUaMachineServer, server: Server
) -> None:
    gateway = Gateway(gateway_config(tmp_path, server.port, opcua))
    async with gateway.running():

        async def speed_arrived() -> bool:
            state = await server.get(f"/submodels/{b64(STATE_ID)}/$value")
            return isinstance(state.get("Speed"), float) and isinstance(state.get("GoodCount"), int)

        await eventually(speed_arrived)
        records = await all_records(server)
        assert records
        age = datetime.datetime.now(datetime.UTC) - record_time(records[-1])
        assert datetime.timedelta(0) <= age < datetime.timedelta(seconds=5)  # the source time, not a made-up one

        # server down: the gateway keeps collecting into its buffer
        await server.stop()
        await eventually(lambda: holds(gateway.buffer.depth > 20 and not gateway.server_reachable))
        in_outage = gateway.samples_in
        await server.start()
        await eventually(
            lambda: holds(gateway.buffer.depth == 0 and gateway.server_reachable and gateway.samples_in > in_outage + 5)
        )

        # every speed sample the gateway accepted is a record now, once, in source-time order
        await asyncio.sleep(0.2)
        records = await all_records(server)
        times = [record_time(r) for r in records]
        assert times == sorted(times)
        assert len({r["idShort"] for r in records}) == len(records)
        assert gateway.buffer.dropped == 0


async def test_an_opcua_outage_marks_values_bad_and_the_gateway_reconnects(
    tmp_path: Path, opcua: OpcUaMachineServer, server: Server
) -> None:
    gateway = Gateway(gateway_config(tmp_path, server.port, opcua))
    path = f"/submodels/{b64(STATE_ID)}/submodel-elements/Speed"

    async def quality() -> str | None:
        element = await server.get(path)
        return next((q["value"] for q in element.get("qualifiers") or [] if q["type"] == "Quality"), None)

    async with gateway.running():
        await eventually(lambda: holds(gateway.samples_out > 0))
        await opcua.stop()
        await eventually(lambda: equals(quality, "bad"))
        assert not gateway.opcua[0].connected
        await opcua.start()
        await eventually(lambda: equals(quality, "good"), timeout=20)
        assert gateway.opcua[0].reconnects >= 1


async def test_a_setpoint_changed_on_the_server_reaches_the_machine(
    tmp_path: Path, opcua: OpcUaMachineServer, server: Server
) -> None:
    gateway = Gateway(gateway_config(tmp_path, server.port, opcua))
    async with gateway.running():

        async def setpoint_known() -> bool:  # the machine's own setpoint flowed up first
            state = await server.get(f"/submodels/{b64(STATE_ID)}/$value")
            return state.get("SpeedSetpoint") == opcua.machine.speed_setpoint

        await eventually(setpoint_known)
        await asyncio.sleep(0.6)  # one watcher poll: it learns the server value without writing it
        assert gateway.setpoints is not None and gateway.setpoints.writes == 0
        await server.patch(f"/submodels/{b64(STATE_ID)}/submodel-elements/SpeedSetpoint/$value", 123.5)
        await eventually(lambda: holds(opcua.machine.speed_setpoint == 123.5))
        await eventually(lambda: holds(abs(opcua.machine.speed - 123.5) < 20))  # and the machine follows it
        assert gateway.setpoints.writes == 1


async def test_the_gateway_writes_its_status_as_a_submodel(
    tmp_path: Path, opcua: OpcUaMachineServer, server: Server
) -> None:
    config = gateway_config(tmp_path, server.port, opcua).model_copy(
        update={"status_submodel": "urn:sm:gateway:status"}
    )
    gateway = Gateway(config)
    async with gateway.running():
        await eventually(lambda: holds(gateway.samples_out > 0))

        async def reported() -> bool:
            try:
                status = await server.get(f"/submodels/{b64('urn:sm:gateway:status')}/$value")
            except AssertionError:
                return False
            return bool(status.get("ServerReachable")) and status["Sources"]["ffs"]["Connected"] is True

        await eventually(reported)
