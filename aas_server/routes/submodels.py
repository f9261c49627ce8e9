"""Submodel Repository (IDTA-01002-3-0 §12.4) and the single-submodel interface ``/submodel`` (§11.3)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from aiohttp import web

from ..http import is_deep, json_response, paged_response, paged_value, with_blob_value
from ..keys import CONFIG, REPOSITORY
from ..model import value_only
from ..model.cursor import decode_split_cursor, encode_split_cursor, parse_limit
from ..model.documents import reference_value
from ..model.errors import NotFound
from ..model.identifiers import decode_identifier
from ..storage import Kind, ListQuery
from .identifiables import IdentifiableRoutes
from .submodel_api import add_submodel_routes, render_submodel

__all__ = ["register_submodels"]

Json = dict[str, Any]


def decode_reference_filter(encoded: str) -> str:
    """A filter on a reference arrives base64url-encoded: either the key value or a Reference JSON."""
    try:
        text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return encoded
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    if isinstance(parsed, dict):
        return reference_value(parsed) or text
    return text


def _submodel_filters(request: web.Request) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    if request.query.get("idShort"):
        terms.append(("idShort", request.query["idShort"]))
    if request.query.get("semanticId"):
        terms.append(("semanticId", decode_reference_filter(request.query["semanticId"])))
    return terms


SUBMODELS = IdentifiableRoutes(Kind.SUBMODEL, "submodels", "submodelIdentifier", _submodel_filters)


async def _documents(request: web.Request) -> tuple[list[Json], int | None]:
    page = await SUBMODELS.page(request)
    repository = request.app[REPOSITORY]
    return [await repository.current_view(row) for row in page.items], page.cursor_position


async def list_submodels(request: web.Request) -> web.Response:
    deep, blob = is_deep(request), with_blob_value(request)
    docs, cursor = await _documents(request)
    return paged_response([orjson.dumps(render_submodel(doc, deep, blob)) for doc in docs], cursor)


async def list_metadata(request: web.Request) -> web.Response:
    docs, cursor = await _documents(request)
    return paged_value([value_only.submodel_metadata(doc) for doc in docs], cursor)


async def list_values(request: web.Request) -> web.Response:
    deep, blob = is_deep(request), with_blob_value(request)
    docs, cursor = await _documents(request)
    return paged_value([value_only.submodel_value(d, with_blob_value=blob, level_deep=deep) for d in docs], cursor)


async def list_paths(request: web.Request) -> web.Response:
    """GetAllSubmodels-Path: one flat list of idShortPaths (``GetPathItemsResult``), ``limit`` counting paths.

    A page may end inside a submodel; the cursor then names it and how many of its paths were sent.
    """
    deep = is_deep(request)
    after, skip = decode_split_cursor(request.query.get("cursor"))
    limit = parse_limit(request.query.get("limit"), request.app[CONFIG].limits.default_page_size)
    repository = request.app[REPOSITORY]
    terms = _submodel_filters(request)
    paths: list[str] = []
    while True:
        page = await repository.list_page(Kind.SUBMODEL, after, min(limit, _PATH_BATCH), terms)
        for row in page.items:
            own = value_only.submodel_paths(await repository.current_view(row), level_deep=deep)[skip:]
            room = limit - len(paths)
            if len(own) > room:
                paths += own[:room]
                return json_response(
                    {"paging_metadata": {"cursor": encode_split_cursor(after, skip + room)}, "result": paths}
                )
            paths += own
            after, skip = row.seq, 0
        if page.cursor_position is None:
            return paged_value(paths, None)


_PATH_BATCH = 100


async def _path_submodel(request: web.Request) -> str:
    return decode_identifier(request.match_info["submodelIdentifier"])


async def _configured_submodel(request: web.Request) -> str:
    """The submodel ``/submodel`` serves: configured, else the first stored one."""
    configured = request.app[CONFIG].service.submodel_id
    if configured:
        return configured
    rows = await request.app[REPOSITORY].storage.list_page(ListQuery(Kind.SUBMODEL, 0, 1))
    if not rows:
        raise NotFound("This server holds no Submodel")
    return rows[0].id


def register_submodels(app: web.Application, prefix: str) -> None:
    router = app.router
    base = f"{prefix}/submodels"
    for route in (base, base + "/"):  # a trailing slash names the same collection
        router.add_get(route, list_submodels)
        router.add_post(route, SUBMODELS.create)
    router.add_get(base + "/$metadata", list_metadata)
    router.add_get(base + "/$value", list_values)
    router.add_get(base + "/$reference", SUBMODELS.list_references)
    router.add_get(base + "/$path", list_paths)
    add_submodel_routes(app, base + "/{submodelIdentifier}", _path_submodel, full=True)
    add_submodel_routes(app, f"{prefix}/submodel", _configured_submodel, full=False)
