"""Durable storage behind one async interface; see :mod:`aas_server.storage.base`."""

from .base import (
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
    Storage,
    StoredDocument,
)

__all__ = [
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
    "Storage",
    "StoredDocument",
]
