"""End to end with the Modbus machine simulator: every data type and word order decodes to the machine's
values on the server, a device outage marks the values bad until the gateway reconnects, setpoints reach
the holding registers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from edge_gateway.config import GatewayConfig
from edge_gateway.gateway import Gateway
from edge_gateway.simulators.modbus_server import ModbusMachineServer
from tests.conftest import API
from tests.edge_gateway.helpers import Server, b64, equals, eventually, holds

STATE_ID = "urn:sm:unit2:state"
#: signal -> (table, address, type, order, extra, element valueType)
SIGNALS: dict[str, tuple[str, int, str | None, str, dict[str, Any], str]] = {
    "Speed": ("holding", 0, "float32", "ABCD", {}, "xs:double"),
    "SpeedCdab": ("holding", 22, "float32", "CDAB", {}, "xs:double"),
    "SpeedSetpoint": ("holding", 2, "float32", "ABCD", {}, "xs:double"),
    "GoodCount": ("holding", 4, "uint32", "ABCD", {}, "xs:long"),
    "GoodDcba": ("holding", 24, "uint32", "DCBA", {}, "xs:long"),
    "GoodBadc": ("holding", 26, "uint32", "BADC", {}, "xs:long"),
    "State": ("holding", 8, "uint16", "ABCD", {}, "xs:int"),
    "MotorTemperature": ("holding", 9, "int16", "ABCD", {"scale": 0.1}, "xs:double"),
    "OperatingHours": ("holding", 10, "float64", "ABCD", {}, "xs:double"),
    "BatchId": ("holding", 14, "string", "ABCD", {"length": 16}, "xs:string"),
    "OperatingSeconds": ("holding", 28, "int64", "ABCD", {}, "xs:long"),
    "VibrationRms": ("input", 0, "int16", "ABCD", {"scale": 0.01}, "xs:double"),
    "Running": ("coil", 0, None, "ABCD", {}, "xs:boolean"),
    "DoorClosed": ("discrete", 0, None, "ABCD", {}, "xs:boolean"),
}


def state_submodel() -> dict[str, Any]:
    elements = [
        {"idShort": name, "modelType": "Property", "valueType": value_type}
        for name, (*_, value_type) in SIGNALS.items()
    ]
    return {"modelType": "Submodel", "id": STATE_ID, "idShort": "MachineState", "submodelElements": elements}


def gateway_config(tmp_path: Path, server: Server, plc: ModbusMachineServer) -> GatewayConfig:
    signals = []
    for name, (table, address, type_, order, extra, value_type) in SIGNALS.items():
        signal: dict[str, Any] = {
            "id": name,
            "source": "plc",
            "table": table,
            "address": address,
            "order": order,
            "poll_ms": 50,
            "target": {"submodel": STATE_ID, "path": name, "value_type": value_type},
            **extra,
        }
        if type_ is not None:
            signal["type"] = type_
        if name == "SpeedSetpoint":
            signal["writable"] = True
        signals.append(signal)
    return GatewayConfig.model_validate(
        {
            "server": {"url": f"http://127.0.0.1:{server.port}{API}", "retry": {"initial_s": 0.05, "max_s": 0.2}},
            "buffer": {"path": str(tmp_path / "buffer.sqlite")},
            "flush": {"interval_ms": 20},
            "modbus": [
                {"name": "plc", "host": "127.0.0.1", "port": plc.port, "reconnect": {"initial_s": 0.1, "max_s": 0.4}}
            ],
            "signals": signals,
        }
    )


@pytest.fixture
async def plc() -> AsyncIterator[ModbusMachineServer]:
    async with ModbusMachineServer(port=0, seed=5, step_s=0.05) as server:
        server.machine.start_job("B2026W47-TEST", 1_000_000)
        yield server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = Server(tmp_path / "server")
    await srv.start()
    await srv.post("/submodels", state_submodel())
    yield srv
    await srv.stop()


async def test_register_types_and_orders_decode_to_the_machine_values(
    tmp_path: Path, plc: ModbusMachineServer, server: Server
) -> None:
    gateway = Gateway(gateway_config(tmp_path, server, plc))
    async with gateway.running():

        async def counted() -> bool:
            state = await server.get(f"/submodels/{b64(STATE_ID)}/$value")
            return (state.get("GoodCount") or 0) > 0 and "OperatingSeconds" in state

        await eventually(counted)
        await plc.stop()  # freeze the machine's registers' view: compare one consistent state
        await eventually(lambda: holds(not gateway.sources[0].connected))
        state = await server.get(f"/submodels/{b64(STATE_ID)}/$value")
    machine = plc.machine
    assert state["GoodCount"] == state["GoodDcba"] == state["GoodBadc"]  # one value, three word orders
    assert state["Speed"] == pytest.approx(state["SpeedCdab"])
    assert isinstance(state["GoodCount"], int) and isinstance(state["Speed"], float)
    assert state["State"] == 1 and state["Running"] is True
    assert state["BatchId"] == machine.batch_id == "B2026W47-TEST"
    assert 30 < state["MotorTemperature"] < 100  # scaled from 0.1 °C
    assert state["OperatingSeconds"] == pytest.approx(state["OperatingHours"] * 3600, abs=1)
    assert isinstance(state["DoorClosed"], bool)


async def test_a_plc_outage_marks_values_bad_then_the_gateway_reconnects_and_writes_setpoints(
    tmp_path: Path, plc: ModbusMachineServer, server: Server
) -> None:
    gateway = Gateway(gateway_config(tmp_path, server, plc))
    speed = f"/submodels/{b64(STATE_ID)}/submodel-elements/Speed"

    async def quality() -> str | None:
        element = await server.get(speed)
        return next((q["value"] for q in element.get("qualifiers") or [] if q["type"] == "Quality"), None)

    async with gateway.running():
        await eventually(lambda: holds(gateway.samples_out > 20))
        await plc.stop()
        await eventually(lambda: equals(quality, "bad"))
        await plc.start()
        await eventually(lambda: equals(quality, "good"))
        assert gateway.sources[0].reconnects >= 1

        await eventually(lambda: holds(gateway.setpoints is not None and "SpeedSetpoint" in gateway.setpoints._known))
        await server.patch(f"/submodels/{b64(STATE_ID)}/submodel-elements/SpeedSetpoint/$value", 150.0)
        await eventually(lambda: holds(plc.machine.speed_setpoint == 150.0))
