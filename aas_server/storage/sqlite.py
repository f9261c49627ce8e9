"""SQLite backend: the embedded default, one file in the data directory, no server needed.

Durability: WAL journal; a unit of work is acknowledged only after its transaction committed, so an
acknowledged write survives ``kill -9`` of the server (``synchronous=NORMAL``) and, with
``synchronous=FULL``, also a power loss.

Throughput: one writer thread owns the write connection and applies every unit queued while the previous
transaction was committing in one transaction (group commit), each unit inside its own SAVEPOINT so a
failing unit is rolled back alone. Reads run on a small pool of reader threads with their own connections,
which WAL lets proceed while the writer commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import queue
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

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

__all__ = ["SqliteStorage"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT    NOT NULL,
    id       TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    document BLOB    NOT NULL,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS documents_kind_seq ON documents (kind, seq);
CREATE TABLE IF NOT EXISTS terms (
    seq   INTEGER NOT NULL,
    name  TEXT    NOT NULL,
    value TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS terms_lookup ON terms (name, value, seq);
CREATE INDEX IF NOT EXISTS terms_seq ON terms (seq);
CREATE TABLE IF NOT EXISTS elements (
    rec     INTEGER PRIMARY KEY AUTOINCREMENT,
    seq     INTEGER NOT NULL,
    path    TEXT    NOT NULL,
    element BLOB    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS elements_seq_path ON elements (seq, path);
CREATE TABLE IF NOT EXISTS records (
    rec    INTEGER PRIMARY KEY AUTOINCREMENT,
    seq    INTEGER NOT NULL,
    path   TEXT    NOT NULL,
    t      INTEGER NOT NULL,
    digest INTEGER NOT NULL,
    record BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS records_store_time ON records (seq, path, t, rec);
CREATE UNIQUE INDEX IF NOT EXISTS records_identity ON records (seq, path, t, digest);
CREATE TABLE IF NOT EXISTS attachments (
    kind         TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    path         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    blob         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    PRIMARY KEY (kind, owner_id, path)
);
"""

_BLOB_NAME = re.compile(r"[0-9a-f]{32}")
_MAX_BATCH = 512


class _Stop:
    pass


class SqliteStorage(Storage):
    def __init__(self, database: Path, attachment_dir: Path, *, synchronous: str = "NORMAL") -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        self._database = database
        self._attachment_dir = attachment_dir
        self._synchronous = synchronous
        self._queue: queue.SimpleQueue[
            tuple[Sequence[Operation], asyncio.Future[None], asyncio.AbstractEventLoop] | _Stop
        ] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        self._database.parent.mkdir(parents=True, exist_ok=True)
        self._attachment_dir.mkdir(parents=True, exist_ok=True)
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()
        self._writer = threading.Thread(target=self._write_loop, args=(ready, loop), daemon=True, name="sqlite-writer")
        self._writer.start()
        await ready
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite-reader")
        await self._read(self._remove_orphan_blobs)

    async def close(self) -> None:
        if self._writer is not None:
            self._queue.put(_Stop())
            await asyncio.get_running_loop().run_in_executor(None, self._writer.join)
            self._writer = None
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        with self._lock:
            for conn in self._reader_connections:
                conn.close()
            self._reader_connections.clear()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._database, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=OFF")
        return conn

    # -- reads -----------------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._reader_connections.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._readers is None:
            raise RuntimeError("storage is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._in_snapshot, fn)

    def _in_snapshot(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one read transaction: a document and its element records come from one committed
        state, even when a write lands between the statements that read them (WAL gives each read
        transaction a fixed snapshot)."""
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            return fn(conn)
        finally:
            conn.execute("COMMIT")

    async def get(self, kind: Kind, id: str) -> StoredDocument | None:
        docs = await self.get_many(kind, [id])
        return docs[0] if docs else None

    async def get_many(self, kind: Kind, ids: Sequence[str]) -> list[StoredDocument]:
        def query(conn: sqlite3.Connection) -> list[StoredDocument]:
            rows: list[tuple[int, str, int, bytes]] = []
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows += conn.execute(
                    f"SELECT seq, id, version, document FROM documents WHERE kind = ? AND id IN ({marks})",  # noqa: S608
                    [kind.value, *chunk],
                ).fetchall()
            by_id = {row[1]: row for row in rows}
            ordered = [by_id[i] for i in ids if i in by_id]
            return _with_elements(conn, kind, ordered)

        return await self._read(query)

    async def list_page(self, query: ListQuery) -> list[StoredDocument]:
        def run(conn: sqlite3.Connection) -> list[StoredDocument]:
            params: list[Any] = []
            if query.terms:
                (name, value), rest = query.terms[0], query.terms[1:]
                sql = (
                    "SELECT d.seq, d.id, d.version, d.document FROM terms t JOIN documents d ON d.seq = t.seq"
                    " WHERE t.name = ? AND t.value = ? AND t.seq > ? AND d.kind = ?"
                )
                params += [name, value, query.after, query.kind.value]
                order = " GROUP BY t.seq ORDER BY t.seq LIMIT ?"
            else:
                rest = ()
                sql = "SELECT d.seq, d.id, d.version, d.document FROM documents d WHERE d.kind = ? AND d.seq > ?"
                params += [query.kind.value, query.after]
                order = " ORDER BY d.seq LIMIT ?"
            for name, value in rest:
                sql += " AND EXISTS (SELECT 1 FROM terms x WHERE x.seq = d.seq AND x.name = ? AND x.value = ?)"
                params += [name, value]
            params.append(query.limit)
            rows = conn.execute(sql + order, params).fetchall()
            return _with_elements(conn, query.kind, rows)

        return await self._read(run)

    async def count(self, kind: Kind) -> int:
        def run(conn: sqlite3.Connection) -> int:
            return int(conn.execute("SELECT count(*) FROM documents WHERE kind = ?", (kind.value,)).fetchone()[0])

        return await self._read(run)

    async def get_attachment(self, kind: Kind, owner_id: str, path: str) -> AttachmentRecord | None:
        def run(conn: sqlite3.Connection) -> AttachmentRecord | None:
            row = conn.execute(
                "SELECT content_type, file_name, blob, size FROM attachments"
                " WHERE kind = ? AND owner_id = ? AND path = ?",
                (kind.value, owner_id, path),
            ).fetchone()
            return None if row is None else AttachmentRecord(kind, owner_id, path, *row)

        return await self._read(run)

    async def attachments_of(self, kind: Kind, owner_id: str) -> list[AttachmentRecord]:
        def run(conn: sqlite3.Connection) -> list[AttachmentRecord]:
            rows = conn.execute(
                "SELECT path, content_type, file_name, blob, size FROM attachments"
                " WHERE kind = ? AND owner_id = ? ORDER BY path",
                (kind.value, owner_id),
            ).fetchall()
            return [AttachmentRecord(kind, owner_id, *row) for row in rows]

        return await self._read(run)

    # -- attachment files ------------------------------------------------------------------------

    async def records(self, query: RecordQuery) -> list[RecordRow]:
        def run(conn: sqlite3.Connection) -> list[RecordRow]:
            seq = _seq_of(conn, Kind.SUBMODEL, query.submodel_id)
            if seq is None:
                return []
            sql = "SELECT rec, t, record FROM records WHERE seq = ? AND path = ?"
            params: list[Any] = [seq, query.path]
            if query.start is not None:
                sql += " AND t >= ?"
                params.append(query.start)
            if query.end is not None:
                sql += " AND t < ?"
                params.append(query.end)
            if query.after is not None:
                sql += " AND (t, rec) < (?, ?)" if query.newest_first else " AND (t, rec) > (?, ?)"
                params += list(query.after)
            sql += " ORDER BY t DESC, rec DESC LIMIT ?" if query.newest_first else " ORDER BY t, rec LIMIT ?"
            params.append(query.limit)
            return [RecordRow(rec, t, bytes(record)) for rec, t, record in conn.execute(sql, params)]

        return await self._read(run)

    async def record_summary(self, submodel_id: str, path: str) -> RecordSummary:
        def run(conn: sqlite3.Connection) -> RecordSummary:
            seq = _seq_of(conn, Kind.SUBMODEL, submodel_id)
            if seq is None:
                return RecordSummary(0, None, None)
            count, first, last = conn.execute(
                "SELECT count(*), min(t), max(t) FROM records WHERE seq = ? AND path = ?", (seq, path)
            ).fetchone()
            return RecordSummary(int(count), first, last)

        return await self._read(run)

    def new_blob_path(self) -> tuple[str, Path]:
        name = uuid.uuid4().hex
        return name, self._attachment_dir / name

    def blob_path(self, blob: str) -> Path:
        if not _BLOB_NAME.fullmatch(blob):
            raise ValueError(f"not an attachment name: {blob!r}")
        return self._attachment_dir / blob

    def _remove_orphan_blobs(self, conn: sqlite3.Connection) -> None:
        """Upload files whose unit of work never committed (crash, failed write) are garbage."""
        known = {row[0] for row in conn.execute("SELECT blob FROM attachments")}
        for entry in self._attachment_dir.iterdir():
            if _BLOB_NAME.fullmatch(entry.name) and entry.name not in known:
                with contextlib.suppress(OSError):
                    entry.unlink()

    # -- writes ----------------------------------------------------------------------------------

    async def commit(self, unit: Sequence[Operation]) -> None:
        if self._writer is None:
            raise RuntimeError("storage is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put((unit, future, loop))
        await future

    def _write_loop(self, ready: asyncio.Future[None], loop: asyncio.AbstractEventLoop) -> None:
        try:
            conn = self._connect()
            conn.executescript(_SCHEMA)
        except Exception as exc:  # report to open() instead of dying silently
            loop.call_soon_threadsafe(_settle, ready, exc)
            return
        loop.call_soon_threadsafe(_settle, ready, None)
        stop = False
        while not stop:
            item = self._queue.get()
            if isinstance(item, _Stop):
                break
            batch = [item]
            while len(batch) < _MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(nxt, _Stop):
                    stop = True
                    break
                batch.append(nxt)
            self._write_batch(conn, batch)
        conn.close()

    def _write_batch(
        self,
        conn: sqlite3.Connection,
        batch: list[tuple[Sequence[Operation], asyncio.Future[None], asyncio.AbstractEventLoop]],
    ) -> None:
        outcomes: list[BaseException | None] = []
        doomed_blobs: list[str] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for unit, _, _ in batch:
                conn.execute("SAVEPOINT unit")
                unit_blobs: list[str] = []
                try:
                    for op in unit:
                        _apply(conn, op, unit_blobs)
                except Exception as exc:
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
                    outcomes.append(exc)
                else:
                    conn.execute("RELEASE unit")
                    outcomes.append(None)
                    doomed_blobs += unit_blobs
            conn.execute("COMMIT")
        except Exception as exc:
            log.exception("transaction failed")
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            outcomes = [exc] * len(batch)
            doomed_blobs = []
        for blob in doomed_blobs:
            with contextlib.suppress(OSError):
                self.blob_path(blob).unlink()
        for (_, future, loop), outcome in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, future, outcome)


def _settle(future: asyncio.Future[None], outcome: BaseException | None) -> None:
    if future.done():
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(outcome)


def _digest(record: bytes) -> int:
    """A record's identity: its content without its idShort (a name given when it was sent, which a
    re-sent copy may not share; the time key is compared separately)."""
    try:
        content = orjson.loads(record)
    except orjson.JSONDecodeError:
        content = None
    if isinstance(content, dict) and "idShort" in content:
        del content["idShort"]
        record = orjson.dumps(content)
    return int.from_bytes(hashlib.blake2b(record, digest_size=8).digest(), "big", signed=True)


def _seq_of(conn: sqlite3.Connection, kind: Kind, id: str) -> int | None:
    row = conn.execute("SELECT seq FROM documents WHERE kind = ? AND id = ?", (kind.value, id)).fetchone()
    return None if row is None else int(row[0])


def _apply(conn: sqlite3.Connection, op: Operation, doomed_blobs: list[str]) -> None:
    if isinstance(op, PutElement):
        seq = _seq_of(conn, Kind.SUBMODEL, op.submodel_id)
        if seq is None:
            raise KeyError(f"submodel '{op.submodel_id}' does not exist")
        # A write to "A" supersedes earlier records of "A.x" and "A[i]": drop them to keep reads short.
        conn.execute(
            "DELETE FROM elements WHERE seq = ? AND (path = ? OR substr(path, 1, ?) IN (?, ?))",
            (seq, op.path, len(op.path) + 1, op.path + ".", op.path + "["),
        )
        conn.execute("INSERT INTO elements (seq, path, element) VALUES (?, ?, ?)", (seq, op.path, op.element))
        conn.execute("UPDATE documents SET version = version + 1 WHERE seq = ?", (seq,))
    elif isinstance(op, PutDocument):
        seq = _seq_of(conn, op.kind, op.id)
        if seq is None:
            cur = conn.execute(
                "INSERT INTO documents (kind, id, version, document) VALUES (?, ?, 1, ?)",
                (op.kind.value, op.id, op.document),
            )
            seq = int(cur.lastrowid or 0)
        elif op.create_only:
            raise DocumentExists(op.kind, op.id)
        else:
            conn.execute("UPDATE documents SET document = ?, version = version + 1 WHERE seq = ?", (op.document, seq))
            conn.execute("DELETE FROM elements WHERE seq = ?", (seq,))
            conn.execute("DELETE FROM terms WHERE seq = ?", (seq,))
        conn.executemany("INSERT INTO terms (seq, name, value) VALUES (?, ?, ?)", [(seq, n, v) for n, v in op.terms])
    elif isinstance(op, AppendRecords):
        seq = _seq_of(conn, Kind.SUBMODEL, op.submodel_id)
        if seq is None:
            raise KeyError(f"submodel '{op.submodel_id}' does not exist")
        # A record equal to a stored one (same time, same bytes) is the same record: replays are idempotent.
        conn.executemany(
            "INSERT OR IGNORE INTO records (seq, path, t, digest, record) VALUES (?, ?, ?, ?, ?)",
            [(seq, op.path, t, _digest(record), record) for t, record in op.records],
        )
    elif isinstance(op, DeleteDocument):
        seq = _seq_of(conn, op.kind, op.id)
        if seq is None:
            raise KeyError(f"{op.kind} '{op.id}' does not exist")
        conn.execute("DELETE FROM documents WHERE seq = ?", (seq,))
        conn.execute("DELETE FROM records WHERE seq = ?", (seq,))
        conn.execute("DELETE FROM elements WHERE seq = ?", (seq,))
        conn.execute("DELETE FROM terms WHERE seq = ?", (seq,))
        rows = conn.execute(
            "SELECT blob FROM attachments WHERE kind = ? AND owner_id = ?", (op.kind.value, op.id)
        ).fetchall()
        doomed_blobs += [row[0] for row in rows]
        conn.execute("DELETE FROM attachments WHERE kind = ? AND owner_id = ?", (op.kind.value, op.id))
    elif isinstance(op, PutAttachment):
        r = op.record
        old = conn.execute(
            "SELECT blob FROM attachments WHERE kind = ? AND owner_id = ? AND path = ?",
            (r.kind.value, r.owner_id, r.path),
        ).fetchone()
        if old is not None and old[0] != r.blob:
            doomed_blobs.append(old[0])
        conn.execute(
            "INSERT OR REPLACE INTO attachments (kind, owner_id, path, content_type, file_name, blob, size)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (r.kind.value, r.owner_id, r.path, r.content_type, r.file_name, r.blob, r.size),
        )
    elif isinstance(op, DeleteAttachment):
        old = conn.execute(
            "SELECT blob FROM attachments WHERE kind = ? AND owner_id = ? AND path = ?",
            (op.kind.value, op.owner_id, op.path),
        ).fetchone()
        if old is not None:
            doomed_blobs.append(old[0])
            conn.execute(
                "DELETE FROM attachments WHERE kind = ? AND owner_id = ? AND path = ?",
                (op.kind.value, op.owner_id, op.path),
            )
    else:  # pragma: no cover - exhaustive over Operation
        raise TypeError(f"unknown operation {op!r}")


def _with_elements(
    conn: sqlite3.Connection, kind: Kind, rows: Sequence[tuple[int, str, int, bytes]]
) -> list[StoredDocument]:
    if not rows:
        return []
    records: dict[int, list[tuple[str, bytes]]] = {}
    if kind is Kind.SUBMODEL:
        seqs = [row[0] for row in rows]
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for seq, path, element in conn.execute(
                f"SELECT seq, path, element FROM elements WHERE seq IN ({marks}) ORDER BY rec",  # noqa: S608
                chunk,
            ):
                records.setdefault(seq, []).append((path, element))
    return [
        StoredDocument(kind, id_, seq, version, bytes(document), tuple(records.get(seq, ())))
        for seq, id_, version, document in rows
    ]
