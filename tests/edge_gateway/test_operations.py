"""AAS Operations carried out as OPC UA method calls through the gateway's invoke endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from edge_gateway.config import GatewayConfig
from edge_gateway.gateway import Gateway
from edge_gateway.ops import ops_app
from edge_gateway.simulators.opcua_server import OpcUaMachineServer
from tests.edge_gateway.helpers import eventually, holds


def config(tmp_path: Path, opcua: OpcUaMachineServer) -> GatewayConfig:
    return GatewayConfig.model_validate(
        {
            "server": {"url": "http://127.0.0.1:9/api/v3.0"},  # nothing listens: operations do not need it
            "buffer": {"path": str(tmp_path / "buffer.sqlite")},
            "opcua": [{"name": "ffs", "endpoint": opcua.endpoint}],
            "operations": [
                {
                    "id": "start_job",
                    "source": "ffs",
                    "object": opcua.node_id("").rstrip("."),
                    "method": opcua.node_id("StartJob"),
                    "inputs": [{"name": "JobId", "type": "String"}, {"name": "Quantity", "type": "UInt32"}],
                    "outputs": [{"name": "Accepted", "type": "Boolean"}],
                }
            ],
        }
    )


def variable(id_short: str, value_type: str, value: str) -> dict[str, Any]:
    return {"value": {"idShort": id_short, "modelType": "Property", "valueType": value_type, "value": value}}


async def test_an_operation_request_calls_the_method_and_maps_the_arguments(tmp_path: Path) -> None:
    async with OpcUaMachineServer(port=0, step_s=0.05) as opcua:
        gateway = Gateway(config(tmp_path, opcua))
        async with gateway.running(), TestClient(TestServer(ops_app(gateway), host="127.0.0.1")) as client:
            await eventually(lambda: holds(gateway.opcua[0].connected))
            request = {
                "inputArguments": [
                    variable("JobId", "xs:string", "B2026W48-17"),
                    variable("Quantity", "xs:unsignedInt", "500"),
                ]
            }
            result = await (await client.post("/operations/start_job/invoke", json=request)).json()
            assert result["success"] is True and result["executionState"] == "Completed"
            assert result["outputArguments"] == [
                {"value": {"idShort": "Accepted", "modelType": "Property", "valueType": "xs:boolean", "value": "true"}}
            ]
            assert opcua.machine.batch_id == "B2026W48-17"

            refused = await (
                await client.post(
                    "/operations/start_job/invoke/$value", json={"inputArguments": {"JobId": "X", "Quantity": 0}}
                )
            ).json()
            assert refused["success"] is True and refused["outputArguments"] == {
                "Accepted": False
            }  # the machine said no

            missing = await (
                await client.post("/operations/start_job/invoke/$value", json={"inputArguments": {"JobId": "X"}})
            ).json()
            assert missing["success"] is False and "Quantity" in missing["messages"][0]["text"]
            assert (await client.post("/operations/nope/invoke", json={})).status == 404
