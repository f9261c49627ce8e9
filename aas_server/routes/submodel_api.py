"""The Submodel interface (IDTA-01002-3-0 §11.3), mounted wherever the spec puts a submodel.

The same operations appear below ``/submodels/{submodelIdentifier}`` (Submodel Repository), below
``/shells/{aasIdentifier}/submodels/{submodelIdentifier}`` (AAS Repository superpath), below
``/aas/submodels/{submodelIdentifier}`` and as ``/submodel`` (single-object services). Each mount supplies a
*resolver* that turns the request into the submodel id (and checks, e.g., that the shell refers to it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from ..elements import SubmodelElements
from ..files import Files
from ..http import (
    is_deep,
    json_response,
    no_content,
    page_params,
    paged_value,
    read_json,
    with_blob_value,
)
from ..keys import CONFIG, ELEMENTS, FILES, REPOSITORY
from ..model import value_only
from ..model.documents import locate
from ..model.errors import BadRequest, NotFound
from ..model.id_short_path import format_path, parse_path
from ..storage import Kind
from .uploads import receive_upload

__all__ = ["SubmodelResolver", "add_submodel_routes"]

Json = dict[str, Any]
SubmodelResolver = Callable[[web.Request], Awaitable[str]]


def render_submodel(doc: Json, deep: bool, blob: bool) -> Json:
    out = (
        doc
        if deep
        else {**doc, "submodelElements": [value_only.strip_to_core(e) for e in doc.get("submodelElements") or []]}
    )
    if "submodelElements" not in doc:
        return out
    return out if blob else value_only.strip_blob_values(out)


def render_element(element: Json, deep: bool, blob: bool) -> Json:
    out = element if deep else value_only.strip_to_core(element)
    return out if blob else value_only.strip_blob_values(out)


def submodel_reference(submodel_id: str) -> Json:
    return {"type": "ModelReference", "keys": [{"type": "Submodel", "value": submodel_id}]}


def element_reference(submodel: Json, path: str) -> Json:
    keys: list[Json] = [{"type": "Submodel", "value": submodel["id"]}]
    segments = parse_path(path)
    for depth, segment in enumerate(segments):
        element = locate(submodel, segments[: depth + 1]).element
        if isinstance(segment, int):
            keys.append({"type": element["modelType"], "value": str(segment)})
        else:
            keys.append({"type": element["modelType"], "value": segment})
    return {"type": "ModelReference", "keys": keys}


def file_response(request: web.Request, path: Path, content_type: str, file_name: str) -> web.FileResponse:
    """The stored file as ``application/octet-stream`` (GetFileByPath, GetThumbnail in the OpenAPI), or
    as its own content type when the client's Accept names that type explicitly (e.g. a browser asking
    for ``application/pdf`` to display it)."""
    if content_type.split(";", 1)[0].strip().lower() not in _explicitly_accepted(request.headers.get("Accept", "")):
        content_type = "application/octet-stream"
    response = web.FileResponse(path, headers={"Content-Type": content_type})
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _explicitly_accepted(accept: str) -> set[str]:
    return {part.split(";", 1)[0].strip().lower() for part in accept.split(",")} - {"*/*", ""}


def add_submodel_routes(app: web.Application, prefix: str, resolve: SubmodelResolver, *, full: bool = True) -> None:
    """Register the Submodel interface below ``prefix``; ``full`` adds the routes that delete the submodel."""
    api = _SubmodelApi(resolve)
    router = app.router
    el = f"{prefix}/submodel-elements"
    path = el + "/{idShortPath}"
    routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = [
        ("GET", prefix, api.get_submodel),
        ("PUT", prefix, api.put_submodel),
        ("PATCH", prefix, api.patch_submodel),
        ("GET", prefix + "/$metadata", api.get_submodel_metadata),
        ("PATCH", prefix + "/$metadata", api.patch_submodel_metadata),
        ("GET", prefix + "/$value", api.get_submodel_value),
        ("PATCH", prefix + "/$value", api.patch_submodel_value),
        ("GET", prefix + "/$reference", api.get_submodel_reference),
        ("GET", prefix + "/$path", api.get_submodel_path),
        ("GET", el, api.get_elements),
        ("POST", el, api.post_element),
        ("GET", el + "/$metadata", api.get_elements_metadata),
        ("GET", el + "/$value", api.get_elements_value),
        ("GET", el + "/$reference", api.get_elements_reference),
        ("GET", el + "/$path", api.get_elements_path),
        ("GET", path, api.get_element),
        ("POST", path, api.post_element),
        ("PUT", path, api.put_element),
        ("PATCH", path, api.patch_element),
        ("DELETE", path, api.delete_element),
        ("GET", path + "/$metadata", api.get_element_metadata),
        ("PATCH", path + "/$metadata", api.patch_element_metadata),
        ("GET", path + "/$value", api.get_element_value),
        ("PATCH", path + "/$value", api.patch_element_value),
        ("GET", path + "/$reference", api.get_element_reference),
        ("GET", path + "/$path", api.get_element_path),
        ("GET", path + "/attachment", api.get_attachment),
        ("PUT", path + "/attachment", api.put_attachment),
        ("DELETE", path + "/attachment", api.delete_attachment),
    ]
    if full:
        routes.append(("DELETE", prefix, api.delete_submodel))
    for method, route, handler in routes:
        router.add_route(method, route, handler)
        if route == prefix:  # "/submodel/" too: partner clients (and the official test engine) send it
            router.add_route(method, route + "/", handler)


class _SubmodelApi:
    def __init__(self, resolve: SubmodelResolver) -> None:
        self._resolve = resolve

    async def _submodel(self, request: web.Request) -> tuple[SubmodelElements, str, Json]:
        """The submodel as readers see it (time series records rendered in)."""
        elements = request.app[ELEMENTS]
        submodel_id = await self._resolve(request)
        entry = await elements.submodel(submodel_id)
        return elements, submodel_id, await request.app[REPOSITORY].view(entry)

    # -- the submodel ----------------------------------------------------------------------------

    async def get_submodel(self, request: web.Request) -> web.Response:
        deep, blob = is_deep(request), with_blob_value(request)
        submodel_id = await self._resolve(request)
        entry = await request.app[ELEMENTS].submodel(submodel_id)
        variant = f"{deep}{blob}"
        body = entry.rendered.get(variant)
        if body is None:
            version = entry.version
            view = await request.app[REPOSITORY].view(entry)
            body = orjson.dumps(render_submodel(view, deep, blob))
            if entry.version == version and entry.pending == 0:  # not rendered from a state being replaced
                entry.rendered[variant] = body
        return json_response(body)

    async def put_submodel(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[REPOSITORY].replace(Kind.SUBMODEL, submodel_id, await read_json(request))
        return no_content()

    async def patch_submodel(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].patch_submodel(submodel_id, await read_json(request))
        return no_content()

    async def delete_submodel(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[REPOSITORY].delete(Kind.SUBMODEL, submodel_id)
        return no_content()

    async def get_submodel_metadata(self, request: web.Request) -> web.Response:
        _, _, doc = await self._submodel(request)
        return json_response(value_only.submodel_metadata(doc))

    async def patch_submodel_metadata(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].patch_submodel_metadata(submodel_id, await read_json(request))
        return no_content()

    async def get_submodel_value(self, request: web.Request) -> web.Response:
        deep, blob = is_deep(request), with_blob_value(request)
        _, _, doc = await self._submodel(request)
        return json_response(value_only.submodel_value(doc, with_blob_value=blob, level_deep=deep))

    async def patch_submodel_value(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].patch_submodel_value(submodel_id, await read_json(request))
        return no_content()

    async def get_submodel_reference(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].submodel(submodel_id)
        return json_response(submodel_reference(submodel_id))

    async def get_submodel_path(self, request: web.Request) -> web.Response:
        deep = is_deep(request)
        _, _, doc = await self._submodel(request)
        return json_response(value_only.submodel_paths(doc, level_deep=deep))

    # -- all elements (paged by position) --------------------------------------------------------

    async def _page(self, request: web.Request) -> tuple[Json, list[Json], int | None]:
        after, limit = page_params(request, request.app[CONFIG].limits.default_page_size)
        _, _, doc = await self._submodel(request)
        elements = doc.get("submodelElements") or []
        page = elements[after : after + limit]
        more = after + limit < len(elements)
        return doc, page, (after + limit if more else None)

    async def get_elements(self, request: web.Request) -> web.Response:
        deep, blob = is_deep(request), with_blob_value(request)
        _, page, cursor = await self._page(request)
        return paged_value([render_element(e, deep, blob) for e in page], cursor)

    async def get_elements_metadata(self, request: web.Request) -> web.Response:
        _, page, cursor = await self._page(request)
        return paged_value([value_only.element_metadata(e) for e in page], cursor)

    async def get_elements_value(self, request: web.Request) -> web.Response:
        deep, blob = is_deep(request), with_blob_value(request)
        _, page, cursor = await self._page(request)
        result = [
            {e["idShort"]: value_only.element_value(e, with_blob_value=blob, level_deep=deep)}
            for e in page
            if e.get("modelType") not in value_only.ELEMENT_TYPES_WITHOUT_VALUE
        ]
        return paged_value(result, cursor)

    async def get_elements_reference(self, request: web.Request) -> web.Response:
        doc, page, cursor = await self._page(request)
        return paged_value([element_reference(doc, e["idShort"]) for e in page], cursor)

    async def get_elements_path(self, request: web.Request) -> web.Response:
        deep = is_deep(request)
        _, page, cursor = await self._page(request)
        paths: list[str] = []
        for element in page:
            paths += value_only.element_paths(element, element["idShort"], level_deep=deep)
        return paged_value(paths, cursor)

    async def post_element(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        parent = request.match_info.get("idShortPath")
        element, new_path = await request.app[ELEMENTS].add(submodel_id, parent, await read_json(request))
        location = f"{_submodel_url(request)}/submodel-elements/{new_path}"
        return json_response(element, 201, {"Location": location})

    # -- one element -----------------------------------------------------------------------------

    async def _element(self, request: web.Request) -> tuple[Json, Json, str]:
        path = request.match_info["idShortPath"]
        _, _, doc = await self._submodel(request)
        return doc, locate(doc, parse_path(path)).element, path

    async def get_element(self, request: web.Request) -> web.Response:
        deep, blob = is_deep(request), with_blob_value(request)
        _, element, _ = await self._element(request)
        return json_response(render_element(element, deep, blob))

    async def put_element(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].replace(submodel_id, request.match_info["idShortPath"], await read_json(request))
        return no_content()

    async def patch_element(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].patch(submodel_id, request.match_info["idShortPath"], await read_json(request))
        return no_content()

    async def delete_element(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].delete(submodel_id, request.match_info["idShortPath"])
        return no_content()

    async def get_element_metadata(self, request: web.Request) -> web.Response:
        _, element, path = await self._element(request)
        if element.get("modelType") in value_only.ELEMENT_TYPES_WITHOUT_VALUE:
            # Nothing to separate metadata from; the official test engine expects a 4xx here.
            raise BadRequest(f"{path}: {element['modelType']} has no $metadata representation, GET it without modifier")
        return json_response(value_only.element_metadata(element))

    async def patch_element_metadata(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].patch_metadata(
            submodel_id, request.match_info["idShortPath"], await read_json(request)
        )
        return no_content()

    async def get_element_value(self, request: web.Request) -> web.Response:
        deep, blob = is_deep(request), with_blob_value(request)
        _, element, _ = await self._element(request)
        try:
            value = value_only.keyed_element_value(element, with_blob_value=blob, level_deep=deep)
        except value_only.ValueOnlyError as exc:
            raise BadRequest(str(exc)) from exc
        return json_response(value)

    async def patch_element_value(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[ELEMENTS].patch_value(
            submodel_id, request.match_info["idShortPath"], await read_json(request)
        )
        return no_content()

    async def get_element_reference(self, request: web.Request) -> web.Response:
        doc, _, path = await self._element(request)
        return json_response(element_reference(doc, path))

    async def get_element_path(self, request: web.Request) -> web.Response:
        deep = is_deep(request)
        _, element, path = await self._element(request)
        if element.get("modelType") not in value_only.ELEMENT_TYPES_WITH_PATHS:
            raise BadRequest(
                f"{path}: $path applies to collections, lists and entities, not to {element.get('modelType')}"
            )
        return json_response(value_only.element_paths(element, format_path(parse_path(path)), level_deep=deep))

    # -- attachments -----------------------------------------------------------------------------

    async def get_attachment(self, request: web.Request) -> web.StreamResponse:
        submodel_id = await self._resolve(request)
        record, blob, element = await request.app[FILES].element_file(submodel_id, request.match_info["idShortPath"])
        if not blob.is_file():
            raise NotFound("The attached content is missing from the data directory")
        return file_response(request, blob, element.get("contentType") or record.content_type, record.file_name)

    async def put_attachment(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        path = request.match_info["idShortPath"]
        files: Files = request.app[FILES]
        await files.file_element(submodel_id, path)
        upload = await receive_upload(request, files)
        await files.attach_element_file(submodel_id, path, upload)
        return no_content()

    async def delete_attachment(self, request: web.Request) -> web.Response:
        submodel_id = await self._resolve(request)
        await request.app[FILES].detach_element_file(submodel_id, request.match_info["idShortPath"])
        # DeleteFileByPath answers 200, not 204 (IDTA-01002-3-0 OpenAPI).
        return web.Response(status=200)


def _submodel_url(request: web.Request) -> str:
    base = str(request.url.with_query(None))
    marker = "/submodel-elements"
    return base.split(marker, 1)[0] if marker in base else base
