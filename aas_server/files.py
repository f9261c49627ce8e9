"""Files that belong to File elements (attachments) and to shells (thumbnails).

Contents live as files in the storage's attachment directory, never in memory or in the database; the
database holds which element a file belongs to. A new upload is written to a fresh file and fsynced before
its record commits together with the element change, so a crash leaves either the old state or the new one
(an orphaned upload file is removed at the next start).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import orjson

from .changes import Action, Change
from .model.documents import locate
from .model.errors import BadRequest, MethodNotAllowed, NotFound
from .model.id_short_path import format_path, parse_path
from .repository import Repository
from .storage import AttachmentRecord, DeleteAttachment, Kind, PutAttachment, PutDocument, PutElement

__all__ = ["Files", "Upload"]

Json = dict[str, Any]
THUMBNAIL = "thumbnail"


class Upload:
    """A file received into the attachment directory, not yet attached to anything."""

    def __init__(self, blob: str, path: Path, size: int, file_name: str, content_type: str) -> None:
        self.blob = blob
        self.path = path
        self.size = size
        self.file_name = file_name
        self.content_type = content_type

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def safe_file_name(name: str | None) -> str:
    """Only the last path component, so that a client-given name never names a place on disk."""
    # Clients percent-encode file names in multipart headers; decode before taking the last component.
    base = PurePosixPath(unquote(name or "").replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "file"


class Files:
    def __init__(self, repository: Repository) -> None:
        self._repo = repository

    def new_upload_target(self) -> tuple[str, Path]:
        return self._repo.storage.new_blob_path()

    @staticmethod
    def seal(path: Path) -> None:
        """Flush an upload to disk before its record can commit."""
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- File elements ---------------------------------------------------------------------------

    async def file_element(self, submodel_id: str, path: str) -> Json:
        """The File element at ``path``; 405 for any other element type (it cannot have an attachment)."""
        entry = await self._repo.entry(Kind.SUBMODEL, submodel_id)
        element = locate(entry.doc, parse_path(path)).element
        if element.get("modelType") != "File":
            raise MethodNotAllowed(f"'{path}' is a {element.get('modelType')}, not a File: it has no attachment")
        return element

    async def element_file(self, submodel_id: str, path: str) -> tuple[AttachmentRecord, Path, Json]:
        element = await self.file_element(submodel_id, path)
        record = await self._repo.storage.get_attachment(Kind.SUBMODEL, submodel_id, format_path(parse_path(path)))
        if record is None:
            raise NotFound(f"The File '{path}' has no attached content")
        return record, self._repo.storage.blob_path(record.blob), element

    async def attach_element_file(self, submodel_id: str, path: str, upload: Upload) -> None:
        entry = await self._repo.entry(Kind.SUBMODEL, submodel_id)
        canonical = format_path(parse_path(path))
        location = locate(entry.doc, parse_path(path))
        if location.element.get("modelType") != "File":
            upload.discard()
            raise MethodNotAllowed(f"'{path}' is a {location.element.get('modelType')}, not a File")
        element = {**location.element, "value": upload.file_name}
        content_type = upload.content_type or location.element.get("contentType") or "application/octet-stream"
        element["contentType"] = content_type
        location.container[location.index] = element
        entry.changed()
        record = AttachmentRecord(
            Kind.SUBMODEL, submodel_id, canonical, content_type, upload.file_name, upload.blob, upload.size
        )
        try:
            await self._repo.commit(
                entry,
                [PutAttachment(record), PutElement(submodel_id, canonical, orjson.dumps(element))],
                Change(Kind.SUBMODEL, submodel_id, Action.VALUE, entry.version, canonical),
            )
        except BaseException:
            upload.discard()
            raise

    async def detach_element_file(self, submodel_id: str, path: str) -> None:
        record, _, _ = await self.element_file(submodel_id, path)
        entry = await self._repo.entry(Kind.SUBMODEL, submodel_id)
        location = locate(entry.doc, parse_path(path))
        element = {key: val for key, val in location.element.items() if key != "value"}
        location.container[location.index] = element
        entry.changed()
        await self._repo.commit(
            entry,
            [
                DeleteAttachment(Kind.SUBMODEL, submodel_id, record.path),
                PutElement(submodel_id, record.path, orjson.dumps(element)),
            ],
            Change(Kind.SUBMODEL, submodel_id, Action.VALUE, entry.version, record.path),
        )

    # -- thumbnails ------------------------------------------------------------------------------

    async def thumbnail(self, shell_id: str) -> tuple[AttachmentRecord, Path]:
        await self._repo.entry(Kind.SHELL, shell_id)
        record = await self._repo.storage.get_attachment(Kind.SHELL, shell_id, THUMBNAIL)
        if record is None:
            raise NotFound(f"The Asset Administration Shell '{shell_id}' has no thumbnail")
        return record, self._repo.storage.blob_path(record.blob)

    async def put_thumbnail(self, shell_id: str, upload: Upload) -> None:
        try:
            entry = await self._repo.entry(Kind.SHELL, shell_id)
        except NotFound:
            upload.discard()
            raise
        content_type = upload.content_type or "application/octet-stream"
        doc = dict(entry.doc)
        info = dict(doc.get("assetInformation") or {})
        info["defaultThumbnail"] = {"path": upload.file_name, "contentType": content_type}
        doc["assetInformation"] = info
        record = AttachmentRecord(
            Kind.SHELL, shell_id, THUMBNAIL, content_type, upload.file_name, upload.blob, upload.size
        )
        await self._store_shell(entry.kind, shell_id, doc, [PutAttachment(record)], upload)

    async def delete_thumbnail(self, shell_id: str) -> None:
        await self.thumbnail(shell_id)
        entry = await self._repo.entry(Kind.SHELL, shell_id)
        doc = dict(entry.doc)
        info = {key: val for key, val in (doc.get("assetInformation") or {}).items() if key != "defaultThumbnail"}
        doc["assetInformation"] = info
        await self._store_shell(entry.kind, shell_id, doc, [DeleteAttachment(Kind.SHELL, shell_id, THUMBNAIL)], None)

    async def _store_shell(
        self, kind: Kind, shell_id: str, doc: Json, extra: list[PutAttachment | DeleteAttachment], upload: Upload | None
    ) -> None:
        entry = await self._repo.entry(kind, shell_id)
        try:
            valid = self._repo.validate(kind, doc)
        except BadRequest:
            if upload is not None:
                upload.discard()
            raise
        entry.doc = valid
        entry.changed()
        unit: list[PutDocument | PutAttachment | DeleteAttachment] = [self._repo.put_operation(kind, valid), *extra]
        try:
            await self._repo.commit(entry, unit, Change(kind, shell_id, Action.UPDATED, entry.version))
        except BaseException:
            if upload is not None:
                upload.discard()
            raise

    # -- import ----------------------------------------------------------------------------------

    async def import_content(
        self, kind: Kind, owner_id: str, path: str, content: bytes, file_name: str, content_type: str
    ) -> None:
        """Attach content that came with an imported environment (AASX supplementary files)."""
        blob, target = self.new_upload_target()
        target.write_bytes(content)
        self.seal(target)
        record = AttachmentRecord(kind, owner_id, path, content_type, safe_file_name(file_name), blob, len(content))
        try:
            await self._repo.storage.commit([PutAttachment(record)])
        except BaseException:
            target.unlink(missing_ok=True)
            raise
