"""Receiving file uploads (attachments, thumbnails) straight to disk.

IDTA-01002-3-0 sends files as ``multipart/form-data`` with a ``fileName`` field and a ``file`` part.
Partner clients differ: some omit ``fileName`` (the part's own filename is used then), some send the raw
bytes as the body. All are accepted. The content is streamed to a file in chunks, never held in memory,
and the upload limit is enforced while streaming.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from aiohttp import BodyPartReader, web

from ..files import Files, Upload, safe_file_name
from ..keys import CONFIG
from ..model.errors import BadRequest, PayloadTooLarge

__all__ = ["receive_upload"]

_CHUNK = 256 * 1024


async def receive_upload(request: web.Request, files: Files) -> Upload:
    limit = request.app[CONFIG].limits.max_upload_bytes
    blob, target = files.new_upload_target()
    try:
        if request.content_type.startswith("multipart/"):
            upload = await _multipart(request, blob, target, limit)
        else:
            with target.open("wb") as out:
                size = await _copy(request.content.iter_chunked(_CHUNK), out, limit)
            upload = Upload(
                blob,
                target,
                size,
                safe_file_name(request.query.get("fileName")),
                "" if request.content_type == "application/octet-stream" else request.content_type,
            )
        files.seal(target)
        return upload
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise


async def _multipart(request: web.Request, blob: str, target: Path, limit: int) -> Upload:
    reader = await request.multipart()
    file_name: str | None = None
    content_type = ""
    size = -1
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise BadRequest("Nested multipart bodies are not supported")
        if part.name == "fileName":
            file_name = (await part.text())[:255]
        elif part.name == "file" or (part.filename is not None and size < 0):
            if size >= 0:
                raise BadRequest("More than one file in the upload")
            with target.open("wb") as out:
                size = await _copy(_part_chunks(part), out, limit)
            content_type = part.headers.get("Content-Type", "")
            if content_type == "application/octet-stream":
                content_type = ""
            file_name = file_name or part.filename
        else:
            await part.release()
    if size < 0:
        raise BadRequest("The upload has no 'file' part")
    return Upload(blob, target, size, safe_file_name(file_name), content_type)


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(_CHUNK):
        yield chunk


async def _copy(chunks: AsyncIterator[bytes], out: BinaryIO, limit: int) -> int:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Upload exceeds {limit} bytes")
        out.write(chunk)
    return size
