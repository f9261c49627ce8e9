"""Serialization (IDTA-01002-3-0 §11.9 GenerateSerializationByIds), Description (§11.10) and health.

The JSON environment is assembled from stored documents directly; XML and AASX go through basyx, which
owns those formats. AASX packages carry the attached files, at the package paths the File elements name.
"""

from __future__ import annotations

import io
from typing import Any

from aiohttp import web
from basyx.aas.adapter import aasx

from .. import codec
from ..http import json_response
from ..keys import REPOSITORY
from ..model.documents import iter_elements
from ..model.errors import BadRequest, NotAcceptable
from ..model.identifiers import decode_identifier
from ..repository import Repository
from ..storage import Kind, ListQuery

__all__ = ["PROFILES", "register_serialization"]

Json = dict[str, Any]
AASX = "application/asset-administration-shell-package+xml"
_PROFILE_BASE = "https://admin-shell.io/aas/API/3/0/"
#: Each full profile (SSP-001) and, since clients look for it by name, the read profile (SSP-002) it contains.
PROFILES = [
    f"{_PROFILE_BASE}{service}/{profile}"
    for service in (
        "AssetAdministrationShellRepositoryServiceSpecification",
        "SubmodelRepositoryServiceSpecification",
        "ConceptDescriptionRepositoryServiceSpecification",
        "AssetAdministrationShellServiceSpecification",
        "SubmodelServiceSpecification",
    )
    for profile in ("SSP-001", "SSP-002")
]


def _format(request: web.Request) -> str:
    accept = request.headers.get("Accept", "")
    if not accept or "*/*" in accept or "application/json" in accept:
        return "json"
    if AASX in accept or "application/asset-administration-shell-package" in accept:
        return "aasx"
    if "application/xml" in accept or "text/xml" in accept:
        return "xml"
    raise NotAcceptable(f"Cannot serialize as '{accept[:80]}': use application/json, application/xml or {AASX}")


def _flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"Invalid {name} '{value[:20]}': expected true or false")
    return value.lower() == "true"


async def _all(repository: Repository, kind: Kind) -> list[Json]:
    docs: list[Json] = []
    after = 0
    while True:
        rows = await repository.storage.list_page(ListQuery(kind, after, 1000))
        docs += [await repository.current_view(row) for row in rows]
        if len(rows) < 1000:
            return docs
        after = rows[-1].seq


def _ids(request: web.Request, name: str) -> list[str]:
    ids: list[str] = []
    for value in request.query.getall(name, []):
        ids += [decode_identifier(part) for part in value.split(",") if part]
    return ids


async def serialization(request: web.Request) -> web.Response:
    fmt = _format(request)
    repository = request.app[REPOSITORY]
    aas_ids, submodel_ids = _ids(request, "aasIds"), _ids(request, "submodelIds")
    everything = not aas_ids and not submodel_ids
    shells = await _all(repository, Kind.SHELL) if everything else await repository.documents(Kind.SHELL, aas_ids)
    submodels = (
        await _all(repository, Kind.SUBMODEL) if everything else await repository.documents(Kind.SUBMODEL, submodel_ids)
    )
    cds = await _all(repository, Kind.CONCEPT_DESCRIPTION) if _flag(request, "includeConceptDescriptions", True) else []
    if fmt == "json":
        return json_response(codec.environment_to_json(shells, submodels, cds))
    if fmt == "xml":
        body = codec.environment_to_xml(codec.to_basyx([*shells, *submodels, *cds]))
        return web.Response(body=body, content_type="application/xml")
    return web.Response(body=await _aasx(repository, shells, submodels, cds), content_type=AASX)


def _in_package(value: str) -> bool:
    """Whether a File value names a part inside an AASX package (RFC 3986 path references), not a URI."""
    return bool(value) and not value.startswith("//") and ":" not in value.split("/")[0]


async def _aasx(repository: Repository, shells: list[Json], submodels: list[Json], cds: list[Json]) -> bytes:
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    exported: list[Json] = []
    for submodel in submodels:
        records = {r.path: r for r in await repository.storage.attachments_of(Kind.SUBMODEL, submodel["id"])}
        submodel = codec.copy(submodel)
        for path, element in iter_elements(submodel.get("submodelElements") or []):
            if element.get("modelType") != "File":
                continue
            record = records.get(path)
            value = element.get("value") or ""
            if record is not None:
                name = value if value.startswith("/") else f"/aasx/files/{record.file_name}"
                with repository.storage.blob_path(record.blob).open("rb") as content:
                    element["value"] = files.add_file(name, content, record.content_type)
            elif _in_package(value):
                # A package path with no content behind it makes the package invalid (readers fail on
                # the missing part): the AASX leaves it out; JSON and XML keep the value as stored.
                del element["value"]
        exported.append(submodel)
    out_shells: list[Json] = []
    for shell in shells:
        record = await repository.storage.get_attachment(Kind.SHELL, shell["id"], "thumbnail")
        if record is not None:
            shell = codec.copy(shell)
            thumb = shell["assetInformation"]["defaultThumbnail"]
            name = thumb["path"] if str(thumb.get("path", "")).startswith("/") else f"/aasx/{record.file_name}"
            with repository.storage.blob_path(record.blob).open("rb") as content:
                thumb["path"] = files.add_file(name, content, record.content_type)
        out_shells.append(shell)
    store = codec.to_basyx([*out_shells, *exported, *cds])
    buffer = io.BytesIO()
    with aasx.AASXWriter(buffer) as writer:
        writer.write_all_aas_objects("/aasx/data.json", store, files, write_json=True)
    return buffer.getvalue()


async def description(request: web.Request) -> web.Response:
    return json_response({"profiles": PROFILES})


async def health(request: web.Request) -> web.Response:
    return json_response(b'{"status":"ok"}')


def register_serialization(app: web.Application, prefix: str) -> None:
    app.router.add_get(f"{prefix}/serialization", serialization)
    app.router.add_get(f"{prefix}/description", description)
    app.router.add_get("/health", health)
    if prefix:
        app.router.add_get(f"{prefix}/health", health)
