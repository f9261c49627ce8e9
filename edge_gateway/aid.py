"""The mapping from the asset's own submodels: Asset Interfaces Description (IDTA 02017) and Asset
Interfaces Mapping Configuration (IDTA 02027 2.0), read from the server at start.

The standard alternative to a hand-written ``signals:`` list: the machine builder describes its interfaces
once (AID: endpoints, and per property the binding form), the integrator relates interface properties to
submodel elements (AIMC: Sources -> Sinks), and every gateway derives the same configuration from the
thread. Supported bindings:

* OPC UA: ``EndpointMetadata.base`` ``opc.tcp://host:port``; a property's ``forms.href`` is its NodeId.
* Modbus TCP (W3C WoT Modbus binding): ``base`` ``modbus+tcp://host:port``; ``forms.href``
  ``/<unit>/<address>?quantity=<n>``; ``modv_entity`` HoldingRegister | InputRegister | Coil |
  DiscreteInput; ``modv_type`` xsd:short, xsd:unsignedShort, xsd:int, xsd:unsignedInt, xsd:long,
  xsd:unsignedLong, xsd:float, xsd:double, xsd:boolean, xsd:string; ``modv_mostSignificantByte`` /
  ``modv_mostSignificantWord`` (default true: big-endian, "ABCD"); ``modv_pollingTime`` in ms;
  ``modv_zeroBasedAddressing`` false means the href address is 1-based.

AIMC: each MappingConfiguration relates Sources (references to AID properties) to Sinks (references to
target elements); a single source with a single sink, or sources and sinks with equal ids, form a pair.
Transformations (the ``Transformation`` blob) are not interpreted: values pass unchanged.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp
from pydantic import ValidationError

from .api import encode_id
from .config import GatewayConfig

__all__ = ["AidError", "derive_config", "signals_from_aid"]

Json = dict[str, Any]

INTERFACE = "https://admin-shell.io/idta/AssetInterfacesDescription/1/0/Interface"
_MODBUS_TABLES = {
    "holdingregister": "holding",
    "inputregister": "input",
    "coil": "coil",
    "discreteinput": "discrete",
}
_MODBUS_TYPES = {
    "xsd:short": "int16",
    "xsd:unsignedshort": "uint16",
    "xsd:int": "int32",
    "xsd:integer": "int32",
    "xsd:unsignedint": "uint32",
    "xsd:long": "int64",
    "xsd:unsignedlong": "uint64",
    "xsd:float": "float32",
    "xsd:double": "float64",
    "xsd:boolean": "bool",
    "xsd:string": "string",
}
_ORDERS = {(True, True): "ABCD", (False, False): "DCBA", (False, True): "BADC", (True, False): "CDAB"}


class AidError(ValueError):
    """The AID/AIMC submodels do not describe a usable mapping (the message says where)."""


def _children(element: Json) -> list[Json]:
    value = element.get("value") if element.get("modelType") != "Submodel" else element.get("submodelElements")
    return value if isinstance(value, list) else []


def _child(element: Json, id_short: str) -> Json | None:
    return next((c for c in _children(element) if c.get("idShort") == id_short), None)


def _text(element: Json | None, id_short: str) -> str | None:
    child = _child(element, id_short) if element else None
    value = child.get("value") if child else None
    return str(value) if value not in (None, "") else None


def _semantic_id(element: Json) -> str | None:
    keys = (element.get("semanticId") or {}).get("keys") or []
    return str(keys[0]["value"]) if keys else None


def _keys(reference: Json | None) -> list[str]:
    return [str(k.get("value")) for k in (reference or {}).get("keys") or []]


def _flag(text: str | None, default: bool) -> bool:
    return default if text is None else text.strip().lower() == "true"


def _source_name(interface: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", interface)


def _interfaces(aid: Json) -> dict[str, tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
    """interface idShort -> (source config, property idShort -> signal fields)."""
    found: dict[str, tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {}
    for interface in _children(aid):
        if _semantic_id(interface) != INTERFACE:
            continue
        name = str(interface.get("idShort"))
        base = _text(_child(interface, "EndpointMetadata"), "base")
        if base is None:
            raise AidError(f"AID interface {name}: EndpointMetadata.base is missing")
        url = urlparse(base)
        properties = _child(_child(interface, "InteractionMetadata") or {}, "properties") or {}
        signals: dict[str, dict[str, Any]] = {}
        if url.scheme == "opc.tcp":
            source: dict[str, Any] = {"kind": "opcua", "name": _source_name(name), "endpoint": base}
            for prop in _children(properties):
                href = _text(_child(prop, "forms"), "href")
                if href:
                    signals[str(prop.get("idShort"))] = {"node": href.lstrip("/")}
        elif url.scheme in ("modbus+tcp", "modbus"):
            source = {"kind": "modbus", "name": _source_name(name), "host": url.hostname or "", "port": url.port or 502}
            endpoint = _child(interface, "EndpointMetadata")
            default_msb = _flag(_text(endpoint, "modv_mostSignificantByte"), True)
            default_msw = _flag(_text(endpoint, "modv_mostSignificantWord"), True)
            for prop in _children(properties):
                fields = _modbus_signal(name, prop, default_msb, default_msw)
                source["unit"] = fields.pop("unit")
                signals[str(prop.get("idShort"))] = fields
        else:
            continue  # HTTP, MQTT, BACnet ... are not this gateway's protocols
        found[name] = (source, signals)
    return found


def _modbus_signal(interface: str, prop: Json, default_msb: bool, default_msw: bool) -> dict[str, Any]:
    forms = _child(prop, "forms")
    href = _text(forms, "href")
    where = f"AID {interface}.{prop.get('idShort')}"
    match = re.fullmatch(r"/?(\d+)/(\d+)(\?.*)?", href or "")
    if forms is None or match is None:
        raise AidError(f"{where}: forms.href {href!r} is not /<unit>/<address>?quantity=<n>")
    unit, address = int(match[1]), int(match[2])
    if not _flag(_text(forms, "modv_zeroBasedAddressing"), True):
        address -= 1
    entity = (_text(forms, "modv_entity") or "HoldingRegister").replace(" ", "").lower()
    table = _MODBUS_TABLES.get(entity)
    if table is None:
        raise AidError(f"{where}: unknown modv_entity {entity!r}")
    fields: dict[str, Any] = {"table": table, "address": address, "unit": unit}
    if table in ("holding", "input"):
        type_name = (_text(forms, "modv_type") or "xsd:unsignedShort").lower()
        data_type = _MODBUS_TYPES.get(type_name)
        if data_type is None:
            raise AidError(f"{where}: unknown modv_type {type_name!r}")
        fields["type"] = data_type
        msb = _flag(_text(forms, "modv_mostSignificantByte"), default_msb)
        msw = _flag(_text(forms, "modv_mostSignificantWord"), default_msw)
        fields["order"] = _ORDERS[(msb, msw)]
        if data_type == "string":
            quantity = parse_qs(urlparse(href or "").query).get("quantity", ["8"])[0]
            fields["length"] = int(quantity) * 2
    polling = _text(forms, "modv_pollingTime")
    if polling is not None:
        fields["poll_ms"] = int(float(polling))
    return fields


def signals_from_aid(aid: Json, aimc: Json) -> dict[str, Any]:
    """``opcua``, ``modbus`` and ``signals`` sections (GatewayConfig fields) from the two submodels; targets
    default to xs:double (the caller fills in the sink elements' own valueTypes)."""
    interfaces = _interfaces(aid)
    signals: list[dict[str, Any]] = []
    configs = _children(_child(aimc, "MappingConfigurations") or {})
    for index, configuration in enumerate(configs):
        sources = [
            (
                _text(item, "SourceId"),
                _keys((_child(item, "Source") or {}).get("value")),
                _text(item, "PollingInterval"),
            )
            for item in _children(_child(configuration, "Sources") or {})
        ]
        sinks = [
            (_text(item, "SinkId"), _keys((_child(item, "Sink") or {}).get("value")))
            for item in _children(_child(configuration, "Sinks") or {})
        ]
        pairs = (
            [(sources[0], sinks[0])]
            if len(sources) == 1 and len(sinks) == 1
            else [(s, k) for s in sources for k in sinks if s[0] is not None and s[0] == k[0]]
        )
        for (source_id, source_keys, polling), (_, sink_keys) in pairs:
            # Source: [AID submodel, Interface, InteractionMetadata, properties, <property>]
            if len(source_keys) < 5 or source_keys[1] not in interfaces:
                raise AidError(
                    f"AIMC MappingConfigurations[{index}]: source {source_keys} names no supported interface"
                )
            interface, prop = source_keys[1], source_keys[-1]
            source, described = interfaces[interface]
            if prop not in described:
                raise AidError(f"AIMC MappingConfigurations[{index}]: AID {interface} has no property {prop!r}")
            if len(sink_keys) < 2:
                raise AidError(f"AIMC MappingConfigurations[{index}]: sink {sink_keys} names no element")
            submodel, path = sink_keys[0], ".".join(sink_keys[1:])
            signal: dict[str, Any] = {
                "id": f"{source['name']}.{prop}" + (f".{source_id}" if source_id and len(pairs) > 1 else ""),
                "source": source["name"],
                **described[prop],
                "target": {
                    "submodel": submodel,
                    "path": path,
                    "value_type": "xs:double",
                },
            }
            if polling is not None and "poll_ms" not in signal:
                signal["poll_ms"] = int(float(polling))
            signals.append(signal)
    used = {s["source"] for s in signals}
    opcua = [
        {k: v for k, v in s.items() if k != "kind"}
        for s, _ in interfaces.values()
        if s["kind"] == "opcua" and s["name"] in used
    ]
    modbus = [
        {k: v for k, v in s.items() if k != "kind"}
        for s, _ in interfaces.values()
        if s["kind"] == "modbus" and s["name"] in used
    ]
    return {"opcua": opcua, "modbus": modbus, "signals": signals}


async def derive_config(config: GatewayConfig, aid_id: str, aimc_id: str) -> GatewayConfig:
    """``config`` with sources and signals taken from the AID and AIMC submodels on its server."""
    base = config.server.url.rstrip("/")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=config.server.timeout_s)) as session:

        async def get(identifier: str) -> Json:
            async with session.get(f"{base}/submodels/{encode_id(identifier)}") as response:
                if response.status != 200:
                    raise AidError(f"submodel {identifier!r}: HTTP {response.status} from {base}")
                document: Json = await response.json()
                return document

        derived = signals_from_aid(await get(aid_id), await get(aimc_id))
        for submodel in {s["target"]["submodel"] for s in derived["signals"]}:
            document = await get(submodel)
            for signal in derived["signals"]:
                target = signal["target"]
                if target["submodel"] == submodel:  # the sink element's own valueType, where it has one
                    element: Json | None = document
                    for name in target["path"].split("."):
                        element = _child(element, name) if element else None
                    if element and element.get("valueType"):
                        target["value_type"] = element["valueType"]
    data = config.model_dump(mode="json")
    data["opcua"] = [*data["opcua"], *derived["opcua"]]
    data["modbus"] = [*data["modbus"], *derived["modbus"]]
    data["signals"] = [*data["signals"], *derived["signals"]]
    try:
        return GatewayConfig.model_validate(data)
    except ValidationError as exc:
        raise AidError(f"the mapping derived from {aid_id} and {aimc_id} is not usable: {exc}") from exc
