"""Time series records by time range, and batch append: ``{prefix}/time-series/{submodelIdentifier}/records``.

Not a route of IDTA-01002: Part 2 has no paged, time-filtered read of a collection's children and no batch
append. A Time Series submodel (IDTA 02008) points partners here with a *LinkedSegment* whose ``Endpoint`` is
this URL and whose ``Query`` is ``path=<Records idShortPath>&from=<time>&to=<time>``; the plain Part 2 routes
keep working (GET shows the latest records inline, POST of one Record into ``...Records`` appends it).

* GET ``?path=Segments.Live.Records&from=2026-11-01T00:00:00Z&to=...&limit=&cursor=``: a ``PagedResult`` of
  Record collections in time order (``from`` inclusive, ``to`` exclusive; ISO 8601 or a number for
  relative times).
* POST a JSON array of Record collections to ``?path=...``: appended in one durable write (204).
"""

from __future__ import annotations

import orjson
from aiohttp import web

from ..http import json_response, no_content, read_json
from ..keys import CONFIG, ELEMENTS
from ..model.cursor import decode_split_cursor, encode_split_cursor, parse_limit
from ..model.errors import BadRequest
from ..model.identifiers import decode_identifier
from ..model.time_series import instant_key
from ..storage import RecordQuery

__all__ = ["register_time_series"]


def _time(request: web.Request, name: str) -> int | None:
    text = request.query.get(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return instant_key(text)
    except ValueError as exc:
        raise BadRequest(f"Invalid '{name}' {text[:60]!r}: expected an ISO 8601 date-time or a number") from exc


async def _store(request: web.Request) -> tuple[str, str]:
    submodel_id = decode_identifier(request.match_info["submodelIdentifier"])
    path = request.query.get("path")
    if not path:
        raise BadRequest("Query parameter 'path' (the idShortPath of a Records collection) is required")
    elements = request.app[ELEMENTS]
    store = elements.record_store(await elements.submodel(submodel_id), path)
    if store is None:
        raise BadRequest(
            f"'{path[:200]}' is no time series record store (a Records collection of a TimeSeries submodel)"
        )
    return submodel_id, store


async def get_records(request: web.Request) -> web.Response:
    submodel_id, store = await _store(request)
    limit = parse_limit(request.query.get("limit"), request.app[CONFIG].limits.default_page_size)
    cursor = request.query.get("cursor")
    after = decode_split_cursor(cursor) if cursor else None
    rows = await request.app[ELEMENTS].records(
        RecordQuery(submodel_id, store, _time(request, "from"), _time(request, "to"), after, limit + 1)
    )
    page = rows[:limit]
    meta = {"cursor": encode_split_cursor(page[-1].time, page[-1].rec)} if len(rows) > limit else {}
    body = b'{"paging_metadata":' + orjson.dumps(meta) + b',"result":[' + b",".join(r.record for r in page) + b"]}"
    return json_response(body)


async def post_records(request: web.Request) -> web.Response:
    submodel_id, store = await _store(request)
    body = await read_json(request)
    if not isinstance(body, list):
        raise BadRequest("Expected a JSON array of Record collections")
    await request.app[ELEMENTS].append_records(submodel_id, store, body)
    return no_content()


def register_time_series(app: web.Application, prefix: str) -> None:
    route = f"{prefix}/time-series/{{submodelIdentifier}}/records"
    app.router.add_get(route, get_records)
    app.router.add_post(route, post_records)
