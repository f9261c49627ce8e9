"""AAS Repository (IDTA-01002-3-0 §12.3) and the single-shell AAS interface ``/aas`` (§11.2)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from basyx.aas import model

from .. import codec
from ..http import json_response, no_content, page_params, paged_response, read_json
from ..keys import CONFIG, FILES, REPOSITORY
from ..model.documents import asset_id_term, reference_value
from ..model.errors import BadRequest, Conflict, NotFound
from ..model.identifiers import decode_identifier
from ..storage import Kind, ListQuery
from .identifiables import IdentifiableRoutes
from .submodel_api import add_submodel_routes, file_response
from .uploads import receive_upload

__all__ = ["register_shells"]

Json = dict[str, Any]
ShellResolver = Callable[[web.Request], Awaitable[str]]


def _shell_filters(request: web.Request) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    id_short = request.query.get("idShort")
    if id_short:
        terms.append(("idShort", id_short))
    for encoded in request.query.getall("assetIds", []):
        terms.append(_asset_id_filter(encoded))
    return terms


def _asset_id_filter(encoded: str) -> tuple[str, str]:
    """``assetIds`` items are base64url-encoded SpecificAssetId JSON; plain JSON is accepted too."""
    candidates = [encoded]
    try:
        candidates.insert(0, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    for text in candidates:
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue
        if isinstance(parsed, dict) and isinstance(parsed.get("name"), str) and isinstance(parsed.get("value"), str):
            return asset_id_term(parsed["name"], parsed["value"])
    raise BadRequest(f"Invalid assetIds item '{encoded[:80]}': expected a base64url-encoded SpecificAssetId")


SHELLS = IdentifiableRoutes(Kind.SHELL, "shells", "aasIdentifier", _shell_filters)


class _ShellApi:
    """Operations on one shell, for ``/shells/{aasIdentifier}`` and for ``/aas``."""

    def __init__(self, resolve: ShellResolver) -> None:
        self._resolve = resolve

    async def _shell(self, request: web.Request) -> tuple[str, Json]:
        shell_id = await self._resolve(request)
        return shell_id, await request.app[REPOSITORY].get(Kind.SHELL, shell_id)

    async def get(self, request: web.Request) -> web.Response:
        _, shell = await self._shell(request)
        return json_response(shell)

    async def put(self, request: web.Request) -> web.Response:
        shell_id = await self._resolve(request)
        await request.app[REPOSITORY].replace(Kind.SHELL, shell_id, await read_json(request))
        return no_content()

    async def get_reference(self, request: web.Request) -> web.Response:
        shell_id, _ = await self._shell(request)
        return json_response(SHELLS.reference(shell_id))

    async def get_asset_information(self, request: web.Request) -> web.Response:
        _, shell = await self._shell(request)
        return json_response(shell.get("assetInformation") or {})

    async def put_asset_information(self, request: web.Request) -> web.Response:
        shell_id, shell = await self._shell(request)
        info = codec.encode(codec.decode(await read_json(request), model.AssetInformation))
        repository = request.app[REPOSITORY]
        entry = await repository.entry(Kind.SHELL, shell_id)
        await repository.store(entry, repository.validate(Kind.SHELL, {**shell, "assetInformation": info}))
        return no_content()

    async def get_thumbnail(self, request: web.Request) -> web.StreamResponse:
        shell_id = await self._resolve(request)
        record, blob = await request.app[FILES].thumbnail(shell_id)
        if not blob.is_file():
            raise NotFound("The thumbnail content is missing from the data directory")
        return file_response(request, blob, record.content_type, record.file_name)

    async def put_thumbnail(self, request: web.Request) -> web.Response:
        shell_id, _ = await self._shell(request)
        files = request.app[FILES]
        await files.put_thumbnail(shell_id, await receive_upload(request, files))
        return no_content()

    async def delete_thumbnail(self, request: web.Request) -> web.Response:
        shell_id = await self._resolve(request)
        await request.app[FILES].delete_thumbnail(shell_id)
        return web.Response(status=200)  # DeleteThumbnail answers 200 (IDTA-01002-3-0 OpenAPI)

    async def get_submodel_refs(self, request: web.Request) -> web.Response:
        after, limit = page_params(request, request.app[CONFIG].limits.default_page_size)
        _, shell = await self._shell(request)
        refs = shell.get("submodels") or []
        page = refs[after : after + limit]
        cursor = after + limit if after + limit < len(refs) else None
        return paged_response([orjson.dumps(ref) for ref in page], cursor)

    async def post_submodel_ref(self, request: web.Request) -> web.Response:
        shell_id, shell = await self._shell(request)
        reference = codec.encode(codec.decode(await read_json(request), model.Reference))
        refs = list(shell.get("submodels") or [])
        target = reference_value(reference)
        if any(reference_value(ref) == target for ref in refs):
            raise Conflict(f"The shell refers to submodel '{target}' already")
        repository = request.app[REPOSITORY]
        entry = await repository.entry(Kind.SHELL, shell_id)
        await repository.store(entry, repository.validate(Kind.SHELL, {**shell, "submodels": [*refs, reference]}))
        return json_response(reference, 201)

    async def delete_submodel_ref(self, request: web.Request) -> web.Response:
        shell_id, shell = await self._shell(request)
        submodel_id = decode_identifier(request.match_info["submodelIdentifier"])
        await _drop_reference(request, shell_id, shell, submodel_id)
        return no_content()

    async def delete_submodel(self, request: web.Request) -> web.Response:
        """DeleteSubmodelById via a shell: deletes the submodel and the shell's reference to it."""
        shell_id, shell = await self._shell(request)
        submodel_id = await _referenced_submodel(request, shell)
        await _drop_reference(request, shell_id, shell, submodel_id)
        await request.app[REPOSITORY].delete(Kind.SUBMODEL, submodel_id)
        return no_content()

    def register(self, app: web.Application, prefix: str, *, resource_routes: bool) -> None:
        """Mount below ``prefix``; ``resource_routes`` adds GET/PUT of the shell itself (``/aas``)."""
        router = app.router
        if resource_routes:
            for route in (prefix, prefix + "/"):  # "/aas/" too: partner clients (and the test engine) send it
                router.add_get(route, self.get)
                router.add_put(route, self.put)
        router.add_get(prefix + "/$reference", self.get_reference)
        router.add_get(prefix + "/asset-information", self.get_asset_information)
        router.add_put(prefix + "/asset-information", self.put_asset_information)
        router.add_get(prefix + "/asset-information/thumbnail", self.get_thumbnail)
        router.add_put(prefix + "/asset-information/thumbnail", self.put_thumbnail)
        router.add_delete(prefix + "/asset-information/thumbnail", self.delete_thumbnail)
        router.add_get(prefix + "/submodel-refs", self.get_submodel_refs)
        router.add_post(prefix + "/submodel-refs", self.post_submodel_ref)
        router.add_delete(prefix + "/submodel-refs/{submodelIdentifier}", self.delete_submodel_ref)
        submodel_prefix = prefix + "/submodels/{submodelIdentifier}"
        router.add_delete(submodel_prefix, self.delete_submodel)

        async def resolve_submodel(request: web.Request) -> str:
            _, shell = await self._shell(request)
            return await _referenced_submodel(request, shell)

        add_submodel_routes(app, submodel_prefix, resolve_submodel, full=False)


async def _referenced_submodel(request: web.Request, shell: Json) -> str:
    submodel_id = decode_identifier(request.match_info["submodelIdentifier"])
    if not any(reference_value(ref) == submodel_id for ref in shell.get("submodels") or []):
        raise NotFound(f"The shell '{shell.get('id')}' does not refer to submodel '{submodel_id}'")
    return submodel_id


async def _drop_reference(request: web.Request, shell_id: str, shell: Json, submodel_id: str) -> None:
    refs = shell.get("submodels") or []
    kept = [ref for ref in refs if reference_value(ref) != submodel_id]
    if len(kept) == len(refs):
        raise NotFound(f"The shell '{shell_id}' does not refer to submodel '{submodel_id}'")
    repository = request.app[REPOSITORY]
    entry = await repository.entry(Kind.SHELL, shell_id)
    doc = {**shell, "submodels": kept} if kept else {k: v for k, v in shell.items() if k != "submodels"}
    await repository.store(entry, doc)


async def _configured_shell(request: web.Request) -> str:
    """The shell the single-shell interface ``/aas`` serves: configured, else the first stored one."""
    configured = request.app[CONFIG].service.aas_id
    if configured:
        return configured
    rows = await request.app[REPOSITORY].storage.list_page(ListQuery(Kind.SHELL, 0, 1))
    if not rows:
        raise NotFound("This server holds no Asset Administration Shell")
    return rows[0].id


async def _path_shell(request: web.Request) -> str:
    return decode_identifier(request.match_info["aasIdentifier"])


def register_shells(app: web.Application, prefix: str) -> None:
    app.router.add_get(f"{prefix}/shells/$reference", SHELLS.list_references)
    SHELLS.register(app, prefix)
    _ShellApi(_path_shell).register(app, f"{prefix}/shells/{{aasIdentifier}}", resource_routes=False)
    _ShellApi(_configured_shell).register(app, f"{prefix}/aas", resource_routes=True)
