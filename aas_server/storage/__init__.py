"""Durable storage behind one async interface; see :mod:`aas_server.storage.base`."""

from .base import (
    AppendRecords,
    AttachmentRecord,
    DeleteAttachment,
    DeleteDocument,
    DocumentExists,
    Kind,
    ListQuery,
    Operation,
    PutAttachment,
    PutDocument,
    PutElement,
    RecordQuery,
    RecordRow,
    RecordSummary,
    Storage,
    StoredDocument,
)

__all__ = [
    "AppendRecords",
    "AttachmentRecord",
    "DeleteAttachment",
    "DeleteDocument",
    "DocumentExists",
    "Kind",
    "ListQuery",
    "Operation",
    "PutAttachment",
    "PutDocument",
    "PutElement",
    "RecordQuery",
    "RecordRow",
    "RecordSummary",
    "Storage",
    "StoredDocument",
]
