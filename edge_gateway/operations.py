"""AAS Operations carried out on the machine: OPC UA method calls with argument mapping.

The gateway serves ``POST /operations/{id}/invoke`` with the Part 2 ``OperationRequest`` body (input
arguments as OperationVariables holding Properties) and answers with an ``OperationResult``, and
``POST /operations/{id}/invoke/$value`` with the ValueOnly form (``{"inputArguments": {"JobId": "B1"}}``).
An AAS server's Operation element can delegate its invocation here (the server side follows with the
operations issue); partners and tests can also call the gateway directly.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

from aiohttp import web
from asyncua import ua

from .config import Argument, OperationMapping
from .sources.opcua import OpcUaConnection

__all__ = ["Operations"]

_XSD = {
    "Boolean": "xs:boolean",
    "SByte": "xs:byte",
    "Byte": "xs:unsignedByte",
    "Int16": "xs:short",
    "UInt16": "xs:unsignedShort",
    "Int32": "xs:int",
    "UInt32": "xs:unsignedInt",
    "Int64": "xs:long",
    "UInt64": "xs:unsignedLong",
    "Float": "xs:float",
    "Double": "xs:double",
    "String": "xs:string",
}


def _convert(argument: Argument, value: Any) -> ua.Variant:
    """The OPC UA variant for one input (accepting the JSON number/bool/string or its XSD literal)."""
    variant_type = getattr(ua.VariantType, argument.type)
    if argument.type == "Boolean":
        python: Any = value if isinstance(value, bool) else str(value).lower() in ("true", "1")
    elif argument.type in ("Float", "Double"):
        python = float(value)
    elif argument.type == "String":
        python = str(value)
    else:
        python = int(value)
    return ua.Variant(python, variant_type)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _result(
    success: bool, outputs: dict[str, Any], mapping: OperationMapping, message: str | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "executionState": "Completed" if success else "Failed",
        "success": success,
        "outputArguments": [
            {
                "value": {
                    "idShort": argument.name,
                    "modelType": "Property",
                    "valueType": _XSD[argument.type],
                    "value": _literal(outputs[argument.name]),
                }
            }
            for argument in mapping.outputs
            if argument.name in outputs
        ],
    }
    if message is not None:
        result["messages"] = [
            {
                "messageType": "Error",
                "text": message,
                "timestamp": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
            }
        ]
    return result


class Operations:
    def __init__(self, mappings: list[OperationMapping], sources: dict[str, OpcUaConnection]) -> None:
        self._mappings = {m.id: m for m in mappings}
        self._sources = sources
        self.calls = 0

    def register(self, app: web.Application) -> None:
        app.router.add_post("/operations/{id}/invoke", self._invoke)
        app.router.add_post("/operations/{id}/invoke/$value", self._invoke_value)

    async def _request(self, request: web.Request) -> tuple[OperationMapping, dict[str, Any]]:
        mapping = self._mappings.get(request.match_info["id"])
        if mapping is None:
            raise web.HTTPNotFound(text=f"no operation {request.match_info['id']!r}")
        try:
            body = await request.json()
        except ValueError as exc:
            raise web.HTTPBadRequest(text="expected a JSON OperationRequest") from exc
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="expected a JSON OperationRequest")
        return mapping, body

    async def _invoke(self, request: web.Request) -> web.Response:
        mapping, body = await self._request(request)
        values: dict[str, Any] = {}
        for variable in body.get("inputArguments") or []:
            element = variable.get("value") if isinstance(variable, dict) else None
            if isinstance(element, dict) and "idShort" in element:
                values[element["idShort"]] = element.get("value")
        success, outputs, message = await self.call(mapping, values)
        return web.json_response(_result(success, outputs, mapping, message))

    async def _invoke_value(self, request: web.Request) -> web.Response:
        mapping, body = await self._request(request)
        inputs = body.get("inputArguments") or {}
        if not isinstance(inputs, dict):
            raise web.HTTPBadRequest(text="inputArguments must be an object of idShort: value")
        success, outputs, message = await self.call(mapping, inputs)
        answer: dict[str, Any] = {"executionState": "Completed" if success else "Failed", "success": success}
        answer["outputArguments"] = outputs
        if message:
            answer["messages"] = [{"messageType": "Error", "text": message}]
        return web.json_response(answer)

    async def call(self, mapping: OperationMapping, values: dict[str, Any]) -> tuple[bool, dict[str, Any], str | None]:
        """Call the method; (success, outputs by name, error message)."""
        missing = [a.name for a in mapping.inputs if a.name not in values]
        if missing:
            return False, {}, f"missing input arguments: {', '.join(missing)}"
        try:
            arguments = [_convert(a, values[a.name]) for a in mapping.inputs]
        except (TypeError, ValueError) as exc:
            return False, {}, f"bad input argument: {exc}"
        source = self._sources[mapping.source]
        self.calls += 1
        try:
            outputs = await asyncio.wait_for(source.call(mapping.object, mapping.method, arguments), mapping.timeout_s)
        except TimeoutError:
            return False, {}, f"no answer from {mapping.source} within {mapping.timeout_s} s"
        except Exception as exc:  # the machine refusing a call is a result, not a gateway failure
            return False, {}, f"{mapping.source}: {exc.__class__.__name__}: {exc}"
        return True, {a.name: v for a, v in zip(mapping.outputs, outputs, strict=False)}, None
