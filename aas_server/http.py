"""HTTP plumbing shared by the route modules: responses, the Result error payload, query parameters.

Responses are built from bytes with precomputed headers: on the hot routes the cost of building a
response is a visible share of the whole request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from aiohttp import web

from .model.cursor import decode_cursor, encode_cursor, parse_limit
from .model.errors import AasError, BadRequest, PayloadTooLarge

__all__ = [
    "error_middleware",
    "json_response",
    "paged_response",
    "read_json",
    "result_payload",
]

log = logging.getLogger(__name__)

JSON = "application/json"
_JSON_HEADERS = {"Content-Type": JSON}
NO_CONTENT = 204


def json_response(body: bytes | Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return web.Response(body=data, status=status, headers={**_JSON_HEADERS, **headers} if headers else _JSON_HEADERS)


def no_content() -> web.Response:
    return web.Response(status=NO_CONTENT)


def result_payload(status: int, messages: Sequence[str], message_type: str = "Error") -> bytes:
    """The spec's ``Result`` (IDTA-01002-3-0 §11.2): only the attributes its schema allows."""
    timestamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return orjson.dumps(
        {
            "messages": [
                {"code": str(status), "messageType": message_type, "text": text, "timestamp": timestamp}
                for text in messages
            ]
        }
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves the server as a Result payload with the spec's status code."""
    try:
        return await handler(request)
    except AasError as exc:
        return json_response(result_payload(exc.status, exc.messages), exc.status)
    except web.HTTPRequestEntityTooLarge as exc:
        return json_response(result_payload(413, [f"Request body too large: {exc.text}"]), 413)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return json_response(result_payload(exc.status, [exc.reason]), exc.status)
    except Exception:
        log.exception("unhandled error for %s %s", request.method, request.path)
        return json_response(result_payload(500, ["Internal server error"], "Exception"), 500)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON; 400 for anything else, 413 past the configured body limit."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(f"Request body too large: {exc.text}") from exc
    if not body:
        raise BadRequest("Request body is empty; expected JSON")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from exc


def query_flag(request: web.Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query.get(name)
    if value is None:
        return default
    if value not in choices:
        raise BadRequest(f"Invalid {name} '{value[:40]}': expected one of {', '.join(choices)}")
    return value


def is_deep(request: web.Request) -> bool:
    return query_flag(request, "level", ("deep", "core"), "deep") == "deep"


def with_blob_value(request: web.Request) -> bool:
    return query_flag(request, "extent", ("withBlobValue", "withoutBlobValue"), "withoutBlobValue") == "withBlobValue"


def page_params(request: web.Request, default_limit: int) -> tuple[int, int]:
    """(position after which the page starts, limit) from ``cursor`` and ``limit``."""
    return decode_cursor(request.query.get("cursor")), parse_limit(request.query.get("limit"), default_limit)


def paged_response(items: Sequence[bytes], cursor_position: int | None) -> web.Response:
    """A ``PagedResult`` from already-serialized items; no cursor on the last page (§12.5)."""
    meta = b"{}" if cursor_position is None else orjson.dumps({"cursor": encode_cursor(cursor_position)})
    return json_response(b'{"paging_metadata":' + meta + b',"result":[' + b",".join(items) + b"]}")


def paged_value(result: Any, cursor_position: int | None) -> web.Response:
    meta: dict[str, str] = {} if cursor_position is None else {"cursor": encode_cursor(cursor_position)}
    return json_response({"paging_metadata": meta, "result": result})
