"""basyx-python-sdk at the edges: strict validation of request bodies, and environment (de)serialization.

Every structural write passes through :func:`decode` so the metamodel and its constraints (AASd-002 idShort,
AASd-022 unique idShorts, valueType literals, SubmodelElementList rules, ...) are checked by the reference
implementation, and what is stored is basyx's canonical JSON. The per-request hot paths (value reads and
writes) never come here.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Any

import orjson
from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter.json import AASToJsonEncoder, StrictAASFromJsonDecoder, read_aas_json_file
from basyx.aas.adapter.xml import read_aas_xml_file, write_aas_xml_file

from .model.errors import BadRequest

__all__ = [
    "Json",
    "decode",
    "decode_json",
    "encode",
    "environment_to_json",
    "read_environment",
    "to_basyx",
]

Json = dict[str, Any]

_MODEL_TYPES: dict[type, str] = {
    model.AssetAdministrationShell: "AssetAdministrationShell",
    model.Submodel: "Submodel",
    model.ConceptDescription: "ConceptDescription",
    model.SubmodelElement: "SubmodelElement",
    model.AssetInformation: "AssetInformation",
    model.Reference: "Reference",
}


def decode_json(body: bytes) -> Any:
    """Parse a JSON body; 400 with the parser's message for anything that is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from exc


def decode(document: Any, expected: Any) -> Any:
    """Strictly build a basyx object of type ``expected`` from parsed JSON; 400 naming the violation."""
    if expected is model.AssetInformation or expected is model.Reference:
        # No modelType on these: let the decoder construct them through a wrapper it understands.
        return _decode_nested(document, expected)
    if not isinstance(document, dict):
        raise BadRequest(f"Expected a JSON object for {_MODEL_TYPES.get(expected, expected.__name__)}")
    if "modelType" not in document:
        raise BadRequest(f"Missing 'modelType' in {_MODEL_TYPES.get(expected, expected.__name__)}")
    try:
        obj = json.loads(orjson.dumps(document), cls=StrictAASFromJsonDecoder)
    except (TypeError, KeyError, ValueError, AttributeError, model.AASConstraintViolation) as exc:
        raise BadRequest(_explain(exc)) from exc
    if not isinstance(obj, expected):
        raise BadRequest(
            f"Expected a {_MODEL_TYPES.get(expected, expected.__name__)}, got modelType '{document.get('modelType')}'"
        )
    return obj


def _decode_nested(document: Any, expected: Any) -> Any:
    if not isinstance(document, dict):
        raise BadRequest(f"Expected a JSON object for {_MODEL_TYPES[expected]}")
    decoder = StrictAASFromJsonDecoder
    try:
        if expected is model.AssetInformation:
            obj: Any = decoder._construct_asset_information(_to_object_hook(document), model.AssetInformation)
        else:
            obj = decoder._construct_reference(_to_object_hook(document))
    except (TypeError, KeyError, ValueError, AttributeError, model.AASConstraintViolation) as exc:
        raise BadRequest(_explain(exc)) from exc
    if not isinstance(obj, expected):
        raise BadRequest(f"Expected a {_MODEL_TYPES[expected]}")
    return obj


def _to_object_hook(document: Json) -> Json:
    """Run the decoder's object hook bottom-up, as ``json.loads`` would for a nested object."""
    parsed = json.loads(orjson.dumps(document), cls=StrictAASFromJsonDecoder)
    if not isinstance(parsed, dict):
        raise BadRequest("Unexpected modelType inside the object")
    return parsed


def encode(obj: object) -> Json:
    """basyx object -> canonical Part 1 JSON (dict)."""
    result = json.loads(json.dumps(obj, cls=AASToJsonEncoder))
    if not isinstance(result, dict):
        raise TypeError(f"{obj!r} does not serialize to a JSON object")
    return result


def canonical(document: Any, expected: type[Any]) -> Json:
    """Validate with basyx and return the canonical JSON of the result."""
    return encode(decode(document, expected))


_NOISE = re.compile(r"\s*>>>.*", re.DOTALL)


def _explain(exc: BaseException) -> str:
    """A one-line message naming the violation, without basyx's dump of the whole offending object."""
    cause = exc.__cause__ if isinstance(exc.__cause__, model.AASConstraintViolation) else None
    text = str(cause or exc)
    text = _NOISE.sub("", text).strip()
    if isinstance(exc, KeyError) and "Error while" not in text:
        text = f"Missing or unknown attribute {text}"
    return f"Metamodel violation: {text}"[:1000]


# -- environments ------------------------------------------------------------------------------------


def read_environment(data: bytes, fmt: str) -> tuple[model.DictObjectStore[model.Identifiable], dict[str, bytes]]:
    """Read a JSON, XML or AASX environment strictly; returns the objects and the supplementary files.

    For AASX, the files are keyed by their package path (e.g. ``/aasx/files/manual.pdf``), which is what the
    File elements' values refer to.
    """
    files: dict[str, bytes] = {}
    try:
        if fmt == "json":
            store = read_aas_json_file(io.StringIO(data.decode("utf-8-sig")), failsafe=False)
        elif fmt == "xml":
            store = read_aas_xml_file(io.BytesIO(data), failsafe=False)
        elif fmt == "aasx":
            store = model.DictObjectStore()
            container = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
            with aasx.AASXReader(io.BytesIO(data), failsafe=False) as reader:
                reader.read_into(store, container)
            for name in container:
                buffer = io.BytesIO()
                container.write_file(name, buffer)
                files[name] = buffer.getvalue()
        else:
            raise BadRequest(f"Unknown environment format '{fmt}'")
    except BadRequest:
        raise
    except Exception as exc:
        raise BadRequest(f"Cannot read {fmt.upper()} environment: {_explain(exc)}") from exc
    return store, files


def to_basyx(documents: Iterable[Json]) -> model.DictObjectStore[model.Identifiable]:
    """Stored documents -> basyx objects, for the XML and AASX serializations."""
    store: model.DictObjectStore[model.Identifiable] = model.DictObjectStore()
    for document in documents:
        obj = json.loads(orjson.dumps(document), cls=StrictAASFromJsonDecoder)
        store.add(obj)
    return store


def environment_to_json(shells: list[Json], submodels: list[Json], cds: list[Json]) -> bytes:
    """The JSON Environment (Part 1 §5.3.9) from stored documents, without a basyx round trip."""
    env: Json = {}
    if shells:
        env["assetAdministrationShells"] = shells
    if submodels:
        env["submodels"] = submodels
    if cds:
        env["conceptDescriptions"] = cds
    return orjson.dumps(env)


def environment_to_xml(store: model.DictObjectStore[model.Identifiable]) -> bytes:
    buffer = io.BytesIO()
    write_aas_xml_file(buffer, store)
    return buffer.getvalue()


def copy(document: Json) -> Json:
    """A deep copy of a JSON document (orjson round trip: several times faster than copy.deepcopy)."""
    result: Json = orjson.loads(orjson.dumps(document))
    return result
