"""List/create/read/replace/delete of identifiables, shared by the three repositories.

The AAS, Submodel and Concept Description repositories (IDTA-01002-3-0 §12.3-12.5) have the same shape:
a paged, filterable collection and a resource per identifier. Lists are served from the stored documents
as they are (no parse, no basyx) whenever no transformation is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiohttp import web

from ..http import json_response, no_content, page_params, paged_response, read_json
from ..keys import CONFIG, REPOSITORY
from ..model.identifiers import decode_identifier, encode_identifier
from ..repository import Page
from ..storage import Kind, StoredDocument

__all__ = ["IdentifiableRoutes"]

Json = dict[str, Any]
_KEY_TYPES = {
    Kind.SHELL: "AssetAdministrationShell",
    Kind.SUBMODEL: "Submodel",
    Kind.CONCEPT_DESCRIPTION: "ConceptDescription",
}
Terms = Callable[[web.Request], Sequence[tuple[str, str]]]


class IdentifiableRoutes:
    def __init__(self, kind: Kind, collection: str, parameter: str, terms: Terms) -> None:
        self.kind = kind
        self.collection = collection
        self.parameter = parameter
        self.terms = terms

    def identifier(self, request: web.Request) -> str:
        return decode_identifier(request.match_info[self.parameter])

    async def page(self, request: web.Request) -> Page:
        after, limit = page_params(request, request.app[CONFIG].limits.default_page_size)
        return await request.app[REPOSITORY].list_page(self.kind, after, limit, self.terms(request))

    async def list(self, request: web.Request) -> web.Response:
        page = await self.page(request)
        return paged_response(
            [row.document if not row.elements else self._current(request, row) for row in page.items],
            page.cursor_position,
        )

    @staticmethod
    def _current(request: web.Request, row: StoredDocument) -> bytes:
        return orjson.dumps(request.app[REPOSITORY].current(row))

    async def list_references(self, request: web.Request) -> web.Response:
        page = await self.page(request)
        return paged_response([orjson.dumps(self.reference(row.id)) for row in page.items], page.cursor_position)

    def reference(self, identifier: str) -> Json:
        return {"type": "ModelReference", "keys": [{"type": _KEY_TYPES[self.kind], "value": identifier}]}

    async def create(self, request: web.Request) -> web.Response:
        doc = await request.app[REPOSITORY].create(self.kind, await read_json(request))
        location = f"{str(request.url.with_query(None)).rstrip('/')}/{encode_identifier(doc['id'])}"
        return json_response(doc, 201, {"Location": location})

    async def get(self, request: web.Request) -> web.Response:
        return json_response(await request.app[REPOSITORY].get(self.kind, self.identifier(request)))

    async def get_reference(self, request: web.Request) -> web.Response:
        identifier = self.identifier(request)
        await request.app[REPOSITORY].get(self.kind, identifier)
        return json_response(self.reference(identifier))

    async def replace(self, request: web.Request) -> web.Response:
        await request.app[REPOSITORY].replace(self.kind, self.identifier(request), await read_json(request))
        return no_content()

    async def delete(self, request: web.Request) -> web.Response:
        await request.app[REPOSITORY].delete(self.kind, self.identifier(request))
        return no_content()

    def register(self, app: web.Application, prefix: str) -> None:
        base = f"{prefix}/{self.collection}"
        item = base + "/{" + self.parameter + "}"
        for route in (base, base + "/"):  # a trailing slash names the same collection
            app.router.add_get(route, self.list)
            app.router.add_post(route, self.create)
        app.router.add_get(item, self.get)
        app.router.add_put(item, self.replace)
        app.router.add_delete(item, self.delete)
