"""The mapping read from the asset's AID (IDTA 02017) and AIMC (IDTA 02027) submodels: the gateway derives
its sources and signals from the thread and delivers values, OPC UA and Modbus bindings alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edge_gateway.aid import AidError, derive_config, signals_from_aid
from edge_gateway.config import GatewayConfig
from edge_gateway.gateway import Gateway
from edge_gateway.simulators.modbus_server import ModbusMachineServer
from edge_gateway.simulators.opcua_server import OpcUaMachineServer
from submodels.validation import validate
from tests.conftest import API
from tests.edge_gateway.helpers import Server, b64, eventually, holds

AID_ID = "urn:sm:unit3:aid"
AIMC_ID = "urn:sm:unit3:aimc"
STATE_ID = "urn:sm:unit3:state"
AID = "https://admin-shell.io/idta/AssetInterfacesDescription/1/0/"
AIMC = "https://admin-shell.io/idta/AssetInterfacesMappingConfiguration/2/0/MappingConfiguration/"


def ref(value: str) -> dict[str, Any]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": value}]}


def prop(id_short: str, value: str | None, value_type: str = "xs:string") -> dict[str, Any]:
    element: dict[str, Any] = {"idShort": id_short, "modelType": "Property", "valueType": value_type}
    if value is not None:
        element["value"] = value
    return element


def smc(id_short: str, *children: dict[str, Any], semantic_id: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"idShort": id_short, "modelType": "SubmodelElementCollection", "value": list(children)}
    if semantic_id:
        element["semanticId"] = ref(semantic_id)
    return element


def interface(name: str, base: str, properties: dict[str, dict[str, str]]) -> dict[str, Any]:
    return smc(
        name,
        prop("title", name),
        smc("EndpointMetadata", prop("base", base, "xs:anyURI"), prop("contentType", "application/octet-stream")),
        smc(
            "InteractionMetadata",
            smc(
                "properties",
                *(smc(p, smc("forms", *(prop(k, v) for k, v in forms.items()))) for p, forms in properties.items()),
            ),
        ),
        semantic_id=AID + "Interface",
    )


def aid_submodel(opcua: OpcUaMachineServer, plc: ModbusMachineServer) -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "id": AID_ID,
        "idShort": "AssetInterfacesDescription",
        "submodelElements": [
            interface("InterfaceOPCUA", opcua.endpoint, {"speed": {"href": opcua.node_id("Speed")}}),
            interface(
                "InterfaceMODBUS",
                f"modbus+tcp://127.0.0.1:{plc.port}",
                {
                    "temperature": {
                        "href": "/1/9?quantity=1",
                        "modv_entity": "HoldingRegister",
                        "modv_type": "xsd:short",
                        "modv_pollingTime": "100",
                    },
                    "good": {
                        "href": "/1/24?quantity=2",
                        "modv_entity": "HoldingRegister",
                        "modv_type": "xsd:unsignedInt",
                        "modv_mostSignificantByte": "false",
                        "modv_mostSignificantWord": "false",
                        "modv_pollingTime": "100",
                    },
                },
            ),
        ],
    }


def model_ref(*keys: tuple[str, str]) -> dict[str, Any]:
    return {"type": "ModelReference", "keys": [{"type": t, "value": v} for t, v in keys]}


def mapping(interface_name: str, prop_name: str, target: str) -> dict[str, Any]:
    source = model_ref(
        ("Submodel", AID_ID),
        ("SubmodelElementCollection", interface_name),
        ("SubmodelElementCollection", "InteractionMetadata"),
        ("SubmodelElementCollection", "properties"),
        ("SubmodelElementCollection", prop_name),
    )
    sink = model_ref(("Submodel", STATE_ID), ("Property", target))
    return {
        "modelType": "SubmodelElementCollection",
        "value": [
            {
                "idShort": "Sources",
                "modelType": "SubmodelElementList",
                "typeValueListElement": "SubmodelElementCollection",
                "value": [
                    {
                        "modelType": "SubmodelElementCollection",
                        "value": [
                            {"idShort": "Source", "modelType": "ReferenceElement", "value": source},
                            prop("SourceId", "s"),
                        ],
                    }
                ],
            },
            {
                "idShort": "Sinks",
                "modelType": "SubmodelElementList",
                "typeValueListElement": "SubmodelElementCollection",
                "value": [
                    {
                        "modelType": "SubmodelElementCollection",
                        "value": [
                            {"idShort": "Sink", "modelType": "ReferenceElement", "value": sink},
                            prop("SinkId", "s"),
                        ],
                    }
                ],
            },
        ],
    }


def aimc_submodel() -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "id": AIMC_ID,
        "idShort": "AssetInterfacesMappingConfiguration",
        "submodelElements": [
            {
                "idShort": "MappingConfigurations",
                "modelType": "SubmodelElementList",
                "typeValueListElement": "SubmodelElementCollection",
                "value": [
                    mapping("InterfaceOPCUA", "speed", "Speed"),
                    mapping("InterfaceMODBUS", "temperature", "MotorTemperatureRaw"),
                    mapping("InterfaceMODBUS", "good", "GoodCount"),
                ],
            }
        ],
    }


def state_submodel() -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "id": STATE_ID,
        "submodelElements": [
            prop("Speed", None, "xs:double"),
            prop("MotorTemperatureRaw", None, "xs:int"),
            prop("GoodCount", None, "xs:long"),
        ],
    }


async def test_the_gateway_maps_what_aid_and_aimc_describe(tmp_path: Path) -> None:
    server = Server(tmp_path / "server")
    await server.start()
    try:
        async with OpcUaMachineServer(port=0, step_s=0.05) as opcua, ModbusMachineServer(port=0, step_s=0.05) as plc:
            plc.machine.start_job("AID-1", 10**6)
            for submodel in (aid_submodel(opcua, plc), aimc_submodel(), state_submodel()):
                await server.post("/submodels", submodel)
            base = GatewayConfig.model_validate(
                {
                    "server": {"url": f"http://127.0.0.1:{server.port}{API}"},
                    "buffer": {"path": str(tmp_path / "buffer.sqlite")},
                    "flush": {"interval_ms": 20},
                    "interfaces": {"aid_submodel": AID_ID, "aimc_submodel": AIMC_ID},
                }
            )
            config = await derive_config(base, AID_ID, AIMC_ID)
            assert [s.name for s in config.opcua] == ["InterfaceOPCUA"] and [s.port for s in config.modbus] == [
                plc.port
            ]
            good = next(s for s in config.signals if s.id.endswith(".good"))
            assert (good.table, good.address, good.type, good.order, good.poll_ms) == (
                "holding",
                24,
                "uint32",
                "DCBA",
                100,
            )
            assert good.target is not None and good.target.value_type == "xs:long"  # taken from the sink element

            gateway = Gateway(config)
            async with gateway.running():

                async def arrived() -> bool:
                    state = await server.get(f"/submodels/{b64(STATE_ID)}/$value")
                    return (
                        isinstance(state.get("Speed"), float)
                        and (state.get("GoodCount") or 0) > 0
                        and "MotorTemperatureRaw" in state
                    )

                await eventually(arrived)
                await eventually(lambda: holds(gateway.buffer.depth == 0))
            state = await server.get(f"/submodels/{b64(STATE_ID)}/$value")
            assert 300 < state["MotorTemperatureRaw"] < 1000  # raw 0.1 °C (no scale in the AID form)
    finally:
        await server.stop()


def test_bad_descriptions_name_the_problem() -> None:
    aid = {
        "modelType": "Submodel",
        "id": AID_ID,
        "submodelElements": [interface("InterfaceMODBUS", "modbus+tcp://h:502", {"x": {"href": "/40001"}})],
    }
    with pytest.raises(AidError, match=r"InterfaceMODBUS\.x: forms.href"):
        signals_from_aid(aid, aimc_submodel())
    aid = {
        "modelType": "Submodel",
        "id": AID_ID,
        "submodelElements": [interface("InterfaceOPCUA", "opc.tcp://h:4840", {})],
    }
    with pytest.raises(AidError, match="has no property 'speed'"):
        signals_from_aid(aid, aimc_submodel())


def test_the_published_templates_are_what_the_examples_follow() -> None:
    """The test's AID/AIMC follow the official templates' structure where it matters (interfaces, forms)."""
    findings = validate(
        {
            **aimc_submodel(),
            "semanticId": ref("https://admin-shell.io/idta/AssetInterfacesMappingConfiguration/2/0/Submodel"),
        }
    )
    assert not [f for f in findings if f.problem.value in ("model_type", "value_type")]
