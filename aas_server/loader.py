"""Import of AASX, JSON and XML environments at start (``--load``).

Idempotent: identifiables whose id is stored already are left as they are, so restarting with the same
``--load`` never overwrites what clients changed since. AASX supplementary files are attached to the File
elements (and thumbnails) that name them; OPC part names compare case-insensitively.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from pathlib import Path
from typing import Any

from basyx.aas import model

from . import codec
from .files import Files
from .model.documents import iter_elements
from .repository import Repository
from .storage import Kind

__all__ = ["load_environment"]

log = logging.getLogger(__name__)
Json = dict[str, Any]

_KINDS: list[tuple[type[Any], Kind]] = [
    (model.AssetAdministrationShell, Kind.SHELL),
    (model.Submodel, Kind.SUBMODEL),
    (model.ConceptDescription, Kind.CONCEPT_DESCRIPTION),
]


def environment_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".aasx", ".json", ".xml"):
        return suffix[1:]
    raise ValueError(f"{path}: unknown environment format (expected .aasx, .json or .xml)")


async def load_environment(repository: Repository, files: Files, path: Path) -> dict[str, int]:
    """Import one environment file; returns how many identifiables were added and skipped."""
    data = await asyncio.to_thread(path.read_bytes)
    store, supplementary = codec.read_environment(data, environment_format(path))
    by_name = {name.lower(): (name, content) for name, content in supplementary.items()}
    counts = {"added": 0, "skipped": 0}
    for obj in store:
        kind = next((k for cls, k in _KINDS if isinstance(obj, cls)), None)
        if kind is None:
            continue
        doc = codec.encode(obj)
        if await repository.cache.get(kind, doc["id"]) is not None:
            counts["skipped"] += 1
            continue
        await repository.create(kind, doc, canonical=True)
        counts["added"] += 1
        if kind is Kind.SUBMODEL:
            for element_path, element in iter_elements(doc.get("submodelElements") or []):
                found = (
                    by_name.get(str(element.get("value") or "").lower()) if element.get("modelType") == "File" else None
                )
                if found is not None:
                    name, content = found
                    await files.import_content(
                        Kind.SUBMODEL,
                        doc["id"],
                        element_path,
                        content,
                        name,
                        element.get("contentType") or _guess(name),
                    )
        elif kind is Kind.SHELL:
            thumb = (doc.get("assetInformation") or {}).get("defaultThumbnail") or {}
            found = by_name.get(str(thumb.get("path") or "").lower())
            if found is not None:
                name, content = found
                await files.import_content(
                    Kind.SHELL, doc["id"], "thumbnail", content, name, thumb.get("contentType") or _guess(name)
                )
    log.info("loaded %s: %d added, %d already present", path, counts["added"], counts["skipped"])
    return counts


def _guess(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
