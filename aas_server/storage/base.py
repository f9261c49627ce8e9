"""The storage interface every backend implements (SQLite now, PostgreSQL later).

Why this shape:

* Identifiables (shells, submodels, concept descriptions) are stored as their canonical Part 1 JSON
  document, plus *index terms* (idShort, semanticId, asset ids, ...) for the filters of the list routes.
* Each identifiable has a sequence number that is fixed at insert: the list routes page by it, so a page
  costs an index range scan whatever the size of the store.
* A value write must not rewrite a whole submodel document (IDTA-01002 clients PATCH single values many
  times a second). It is stored as an *element record*: the new JSON of one element at one idShortPath.
  Readers apply the element records of a document in write order on top of the document; a full document
  write folds them in and drops them.
* Writes are submitted as a *unit of work*: a list of operations that is applied atomically and is durable
  when ``commit`` returns. Backends may group many units into one transaction (group commit), but a unit
  that fails never takes others with it.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "AppendRecords",
    "AttachmentRecord",
    "DeleteAttachment",
    "DeleteDocument",
    "Kind",
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


class Kind(enum.StrEnum):
    SHELL = "shell"
    SUBMODEL = "submodel"
    CONCEPT_DESCRIPTION = "conceptDescription"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """One identifiable as stored: its document and the element records written since."""

    kind: Kind
    id: str
    seq: int
    version: int
    document: bytes
    elements: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """A file that belongs to a File element (or to a shell's thumbnail, with ``path`` "")."""

    kind: Kind
    owner_id: str
    path: str
    content_type: str
    file_name: str
    blob: str  # name of the content file inside the storage's attachment directory
    size: int


@dataclass(frozen=True, slots=True)
class PutDocument:
    """Create or replace a document; replacing keeps its sequence number and drops its element records.

    With ``create_only`` the unit fails with :class:`DocumentExists` if the id is taken.
    """

    kind: Kind
    id: str
    document: bytes
    terms: Sequence[tuple[str, str]] = ()
    create_only: bool = False


@dataclass(frozen=True, slots=True)
class DeleteDocument:
    """Delete a document with its element records, index terms and attachments."""

    kind: Kind
    id: str


@dataclass(frozen=True, slots=True)
class PutElement:
    """Record the new JSON of one element of a submodel (a value write)."""

    submodel_id: str
    path: str
    element: bytes


@dataclass(frozen=True, slots=True)
class PutAttachment:
    """Attach a file already moved into the attachment directory (see :meth:`Storage.new_blob_path`)."""

    record: AttachmentRecord


@dataclass(frozen=True, slots=True)
class DeleteAttachment:
    kind: Kind
    owner_id: str
    path: str


@dataclass(frozen=True, slots=True)
class AppendRecords:
    """Append time series records to a *record store*: a collection of a submodel (by idShortPath) whose
    children live outside the document, so that appending never rewrites it and it does not grow.

    ``records`` are (time key, record element JSON); the time key orders them (e.g. microseconds since the
    epoch of the record's UtcTime). Records stay when the document is replaced and go with it on delete.
    A record equal to a stored one (same time key, same content apart from its idShort) is not stored
    again, so a client that re-sends a batch it got no answer for (at-least-once delivery), or a gateway
    that sends a source's current value again after a restart, creates no duplicates.
    """

    submodel_id: str
    path: str
    records: tuple[tuple[int, bytes], ...]


Operation = PutDocument | DeleteDocument | PutElement | PutAttachment | DeleteAttachment | AppendRecords


@dataclass(frozen=True, slots=True)
class RecordRow:
    rec: int  # unique, grows with each append
    time: int
    record: bytes


@dataclass(frozen=True, slots=True)
class RecordSummary:
    count: int
    first: int | None
    last: int | None


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Records of one store with ``start <= time < end``, after the (time, rec) position ``after``, in time
    order (``newest_first``: the latest ``limit`` ones, newest first)."""

    submodel_id: str
    path: str
    start: int | None = None
    end: int | None = None
    after: tuple[int, int] | None = None
    limit: int = 100
    newest_first: bool = False


class DocumentExists(Exception):
    """A ``create_only`` PutDocument found the id taken."""

    def __init__(self, kind: Kind, id: str) -> None:
        super().__init__(f"{kind} '{id}' exists already")
        self.kind = kind
        self.id = id


@dataclass(slots=True)
class ListQuery:
    """One page of a list route: after the sequence number ``after``, at most ``limit`` items."""

    kind: Kind
    after: int = 0
    limit: int = 100
    terms: Sequence[tuple[str, str]] = field(default_factory=tuple)


class Storage(abc.ABC):
    """Async storage of identifiables, element records and attachments."""

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def get(self, kind: Kind, id: str) -> StoredDocument | None:
        """The document with its element records, both from one committed state; None if absent.

        Documents and ids come back byte-exact (the cache and list routes serve the stored bytes).
        ``version`` is 1 after create and grows by one with each replace or element record.
        """

    @abc.abstractmethod
    async def get_many(self, kind: Kind, ids: Sequence[str]) -> list[StoredDocument]:
        """The documents found among ``ids`` (missing ones left out), in no guaranteed order."""

    @abc.abstractmethod
    async def list_page(self, query: ListQuery) -> list[StoredDocument]:
        """Documents of ``query.kind`` with seq > ``query.after`` matching all terms, in seq order."""

    @abc.abstractmethod
    async def count(self, kind: Kind) -> int: ...

    @abc.abstractmethod
    async def commit(self, unit: Sequence[Operation]) -> None:
        """Apply the operations atomically; durable when this returns.

        Raises :class:`DocumentExists` for a taken id under ``create_only`` and ``KeyError`` for a
        PutElement or DeleteDocument whose document does not exist; the unit then changes nothing and
        other units (grouped into the same transaction or not) are unaffected.
        """

    @abc.abstractmethod
    async def get_attachment(self, kind: Kind, owner_id: str, path: str) -> AttachmentRecord | None: ...

    @abc.abstractmethod
    async def attachments_of(self, kind: Kind, owner_id: str) -> list[AttachmentRecord]:
        """All attachments of one document, in no guaranteed order. The files of replaced or deleted
        attachments are removed at the latest by the next :meth:`open`."""

    @abc.abstractmethod
    async def records(self, query: RecordQuery) -> list[RecordRow]:
        """A page of records of one record store (see :class:`AppendRecords`); [] for unknown stores."""

    @abc.abstractmethod
    async def record_summary(self, submodel_id: str, path: str) -> RecordSummary:
        """How many records a store holds and the first and last time key."""

    @abc.abstractmethod
    def new_blob_path(self) -> tuple[str, Path]:
        """A fresh (name, path) inside the attachment directory to write an upload to before attaching it."""

    @abc.abstractmethod
    def blob_path(self, blob: str) -> Path:
        """Where the content of an attachment lives (always inside the attachment directory)."""
