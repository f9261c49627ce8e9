"""Contract checks against the official IDTA-01002-3-0 OpenAPI files, with ``openapi-core``.

``Contract`` wraps the aiohttp test client: every call is validated twice, the request the test sends
(so the tests themselves speak the spec) and the response the server answers (status code declared for
the operation, content type, body schema, headers). The spec's server URL is
``{protocol}://{host_name}:{port}/api/{version_prefix}``; the requests carry the server's real prefix
``/api/v3.0`` and match it.

Problems of the spec files, worked around here:

* ``Entire-API-Collection/V3.0.yaml`` declares a path parameter ``aasIdentifier`` on five operation
  (``invoke``/``operation-*``) paths that have no such template variable, so the OpenAPI document itself does
  not validate. The spec check is switched off in openapi-core and done here instead, tolerating exactly
  these errors.
* ``SubmodelElementMetadata`` and ``SubmodelElementValue`` (Part 2 schemas) are a ``oneOf`` over alternatives
  that overlap, so no value can ever match exactly one of them; they are read as ``anyOf`` (see below).

Stricter than openapi-core alone:

* Every operation declares a ``default`` response, so openapi-core accepts any status code. Here the status
  code must be listed explicitly for the operation, unless the test names the gap in the spec
  (``undeclared_status``).
* A 4xx must be an ``application/json`` ``Result`` with at least one message, with no attributes beyond those
  the schema names, and each message's ``code`` must be the HTTP status (the project's convention).
* A 204 has no body.

A response that breaks the contract raises ``ContractViolation``; a request the test did not mean to be
invalid fails with a plain ``AssertionError`` (a flaw of the test, not of the server).
"""

from __future__ import annotations

import functools
import json as jsonlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator.validation.exceptions import UnresolvableParameterError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.conftest import API

__all__ = [
    "Contract",
    "ContractRequest",
    "ContractResponse",
    "ContractViolation",
    "Exchange",
    "check_response",
    "multipart",
    "spec",
]

SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "aas-api" / "3.0.4-localrefs"
SPEC_FILE = SPECS / "Entire-API-Collection" / "V3.0.yaml"

# The spec's own defects (see the module docstring): operations on these paths are never exercised here.
_KNOWN_SPEC_DEFECT = re.compile(
    r"Path parameter 'aasIdentifier' for '\w+' operation in '[^']*/(invoke|invoke-async|operation-status|"
    r"operation-results)[^']*' was not resolved"
)
# ``oneOf`` over alternatives that overlap: every instance matches several (FileMetadata, CapabilityMetadata,
# SubmodelElementCollectionMetadata ... are all just SubmodelElementAttributes; RangeValue,
# SubmodelElementCollectionValue, MultiLanguagePropertyValue ... all accept any object), so ``oneOf`` rejects
# every value. Read as ``anyOf``, which is what the spec means.
_ONE_OF_MEANT_AS_ANY_OF = ("SubmodelElementMetadata", "SubmodelElementValue")


def _load_spec_file(uri: str) -> Any:
    """openapi-core's ``file:`` handler, with the Part 2 schemas repaired as described above."""
    path = Path(url2pathname(urlparse(uri).path))
    document = jsonlib.loads(jsonlib.dumps(yaml.safe_load(path.read_text("utf-8")), default=str))
    if path.parent.name == "Part2-API-Schemas":
        schemas = document["components"]["schemas"]
        for name in _ONE_OF_MEANT_AS_ANY_OF:
            assert set(schemas[name]) == {"oneOf"}, f"{name} changed in the spec: revisit the workaround"
            schemas[name] = {"anyOf": schemas[name]["oneOf"]}
    return document


@functools.cache
def spec() -> OpenAPI:
    root = _load_spec_file(SPEC_FILE.as_uri())
    unexpected = [
        str(error)
        for error in OpenAPIV30SpecValidator(root, base_uri=SPEC_FILE.as_uri()).iter_errors()
        if not (isinstance(error, UnresolvableParameterError) and _KNOWN_SPEC_DEFECT.fullmatch(str(error)))
    ]
    assert not unexpected, f"the OpenAPI document has new defects: {unexpected}"
    path = SchemaPath.from_dict(
        root, base_uri=SPEC_FILE.as_uri(), handlers={"file": _load_spec_file}, resolved_cache_maxsize=4096
    )
    return OpenAPI(path, config=Config(spec_validator_cls=None))


@dataclass
class ContractRequest:
    """openapi-core's ``Request`` protocol for a request made with the aiohttp test client."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass(frozen=True)
class ContractResponse:
    """openapi-core's ``Response`` protocol for what the server answered."""

    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


@dataclass(frozen=True)
class Exchange:
    """One validated request/response pair, for the test's own assertions."""

    operation_id: str
    status: int
    headers: Headers
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)


def multipart(**parts: tuple[str | None, str | None, bytes]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body from ``name=(filename, content_type, content)``, and its Content-Type."""
    boundary = "contract-test-boundary-7MA4YWxkTrZu0gW"
    chunks: list[bytes] = []
    for name, (filename, content_type, content) in parts.items():
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        chunks += [head.encode(), b"\r\n", content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Contract:
    """The aiohttp test client, with every exchange checked against the spec (see the module docstring)."""

    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self.client = client
        self.spec = spec()

    @property
    def host_url(self) -> str:
        return f"http://{self.client.host}:{self.client.port}"

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        params: Mapping[str, str] | None = None,
        request_valid: bool = True,
        undeclared_status: str | None = None,
    ) -> Exchange:
        """Send ``method`` to ``API + path``; check request and response against the operation in the spec.

        ``request_valid=False`` is for error-path tests: the request must then *violate* the spec (so the
        4xx answer is the server's business, not a flaw of the test). ``undeclared_status`` names why a status
        code the operation lists only under ``default`` is right nonetheless (a gap in the spec).
        """
        if json is not None:
            data, content_type = jsonlib.dumps(json).encode(), "application/json"
        query = dict(params or {})
        headers = {"Content-Type": content_type} if content_type else {}
        request = ContractRequest(
            host_url=self.host_url,
            path=API + path,
            method=method.lower(),
            body=data,
            content_type=content_type or "",
            parameters=RequestParameters(query=ImmutableMultiDict(query), header=Headers(headers)),
        )
        check_request(self.spec, request, valid=request_valid)
        async with self.client.request(method, API + path, data=data, params=query, headers=headers) as raw:
            body = await raw.read()
            response = ContractResponse(
                raw.status, raw.headers.get("Content-Type", ""), Headers(list(raw.headers.items())), body or None
            )
        operation_id = check_response(self.spec, request, response, undeclared_status=undeclared_status)
        return Exchange(operation_id, response.status_code, response.headers, body)


class ContractViolation(AssertionError):
    """The server's response does not conform to the spec (as opposed to a flaw of the test itself)."""


def _require(condition: object, message: str) -> None:
    if not condition:
        raise ContractViolation(message)


def check_request(openapi: OpenAPI, request: ContractRequest, *, valid: bool = True) -> None:
    errors = list(openapi.iter_request_errors(request))
    where = f"{request.method.upper()} {request.path}"
    if valid:
        assert not errors, f"{where}: the test sends a request the spec rejects: {errors} {_details(errors)}"
    else:
        assert errors, f"{where}: meant as a spec violation, but the spec accepts the request"


@functools.cache
def _path_finder(openapi: OpenAPI) -> APICallPathFinder:
    return APICallPathFinder(openapi.spec)


_MESSAGE_ATTRIBUTES = {"code", "correlationId", "messageType", "text", "timestamp"}


def check_response(
    openapi: OpenAPI,
    request: ContractRequest,
    response: ContractResponse,
    *,
    undeclared_status: str | None = None,
) -> str:
    """Check ``response`` against the operation ``request`` addresses; return the operationId."""
    status, body = response.status_code, response.data or b""
    operation = _path_finder(openapi).find(request.method, request.host_url + request.path).operation
    operation_id = str((operation / "operationId").read_str())
    where = f"{request.method.upper()} {request.path} ({operation_id}) answered {status}"
    declared = [str(code) for code in (operation / "responses").keys()]
    if undeclared_status:
        _require(str(status) not in declared, f"{where}: declared after all, drop the undeclared_status reason")
    else:
        _require(str(status) in declared, f"{where}, not one of the declared {declared}: {body[:300]!r}")
    if status >= 400:  # a Result, with only the attributes its schema names (openapi-core lets others pass)
        _require(response.content_type.split(";")[0] == "application/json", f"{where} as {response.content_type!r}")
        try:
            result = jsonlib.loads(body)
        except ValueError:
            result = None
        _require(isinstance(result, dict) and set(result) == {"messages"} and result["messages"], f"{where}: {body!r}")
        for message in result["messages"]:
            _require(isinstance(message, dict) and set(message) <= _MESSAGE_ATTRIBUTES, f"{where}: {message}")
            _require(message.get("code") == str(status), f"{where}: {message}")
    if status == 204:
        _require(body == b"", f"{where} with a body: {body[:300]!r}")
    errors = list(openapi.iter_response_errors(request, response))
    _require(not errors, f"{where}: {errors} {_details(errors)}; body {body[:500]!r}")
    return operation_id


def _details(errors: list[Exception]) -> str:
    """The schema errors behind openapi-core's summary exceptions, to make a failure readable."""
    parts: list[str] = []
    for error in errors:
        cause = error.__cause__
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            parts += [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300] for e in schema_errors]
        elif cause is not None:
            parts.append(repr(cause)[:300])
    return "; ".join(parts)
