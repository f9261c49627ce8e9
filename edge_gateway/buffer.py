"""Store-and-forward: every sample is first written here (SQLite, on disk), and leaves only when the server
acknowledged it. A server or network outage, a gateway restart or ``kill -9`` loses nothing that was
appended; replay is in append order.

Bounded: at ``max_samples`` the overflow policy decides what goes, and every dropped sample is counted
(persistently, so the count survives restarts):

* ``drop_oldest`` (default): the oldest buffered samples make room. For monitoring, the newest data
  matters most, and the server sees an honest gap (the counter) rather than stale history.
* ``drop_newest``: incoming samples are refused while full; the history before the outage stays complete.

All database work runs on one thread (the connection is confined to it); the async API never blocks the
event loop.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson

from .model import Quality, Sample

__all__ = ["Overflow", "SampleBuffer", "Stored"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    signal  TEXT    NOT NULL,
    t       INTEGER NOT NULL,
    quality TEXT    NOT NULL,
    value   BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS latest (signal TEXT PRIMARY KEY, t INTEGER NOT NULL);
"""


class Overflow(enum.StrEnum):
    DROP_OLDEST = "drop_oldest"
    DROP_NEWEST = "drop_newest"


@dataclass(frozen=True, slots=True)
class Stored:
    """A buffered sample and its position (replay order, ack key)."""

    seq: int
    sample: Sample


class SampleBuffer:
    def __init__(
        self,
        path: Path,
        *,
        max_samples: int = 1_000_000,
        overflow: Overflow = Overflow.DROP_OLDEST,
        synchronous: str = "NORMAL",
    ) -> None:
        self._path = path
        self._max = max_samples
        self._overflow = overflow
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-buffer")
        self._conn: sqlite3.Connection | None = None
        self._depth = 0
        self._dropped = 0
        self.epoch = 0  # set by open()
        #: per signal, the newest source time of a good sample ever buffered (survives restarts): a source
        #: re-sending a value the gateway had already (an OPC UA server's initial values after a reconnect
        #: or a gateway restart) is recognised by its time
        self.latest: dict[str, int] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.executescript(_SCHEMA)
        self._depth = int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
        row = conn.execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
        self._dropped = int(row[0]) if row else 0
        # A random id per buffer file: sample positions restart with a new file, names built from them must not
        conn.execute("INSERT OR IGNORE INTO counters (name, value) VALUES ('epoch', ?)", (secrets.randbits(31),))
        self.epoch = int(conn.execute("SELECT value FROM counters WHERE name = 'epoch'").fetchone()[0])
        self.latest = dict(conn.execute("SELECT signal, t FROM latest"))
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=True)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    # -- state -----------------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Samples waiting to be sent."""
        return self._depth

    @property
    def dropped(self) -> int:
        """Samples lost to the overflow policy since the buffer file was created."""
        return self._dropped

    # -- append, read, acknowledge ---------------------------------------------------------------

    async def append(self, samples: Sequence[Sample]) -> int:
        """Durably buffer ``samples`` (one transaction); returns how many were dropped by the policy."""
        if not samples:
            return 0
        return await self._run(self._append, list(samples))

    def _append(self, samples: list[Sample]) -> int:
        conn = self._connection()
        incoming = len(samples)
        if self._overflow is Overflow.DROP_NEWEST:
            keep = max(0, min(incoming, self._max - self._depth))
            samples, evict = samples[:keep], 0
        elif incoming >= self._max:  # only the newest max_samples of this batch fit at all
            samples, evict = samples[incoming - self._max :], self._depth
        else:
            evict = max(0, self._depth + incoming - self._max)
        dropped = incoming - len(samples) + evict
        rows = [(s.signal, s.time, s.quality.value, orjson.dumps(s.value)) for s in samples]
        conn.execute("BEGIN")
        try:
            if evict:
                conn.execute(
                    "DELETE FROM samples WHERE seq IN (SELECT seq FROM samples ORDER BY seq LIMIT ?)", (evict,)
                )
            conn.executemany("INSERT INTO samples (signal, t, quality, value) VALUES (?, ?, ?, ?)", rows)
            newest: dict[str, int] = {}
            for sample in samples:
                if sample.quality is Quality.GOOD and sample.time > newest.get(sample.signal, -(2**63)):
                    newest[sample.signal] = sample.time
            if newest:
                conn.executemany(
                    "INSERT INTO latest (signal, t) VALUES (?, ?)"
                    " ON CONFLICT (signal) DO UPDATE SET t = max(t, excluded.t)",
                    newest.items(),
                )
                for signal, t in newest.items():
                    if t > self.latest.get(signal, -(2**63)):
                        self.latest[signal] = t
            if dropped:
                conn.execute(
                    "INSERT INTO counters (name, value) VALUES ('dropped', ?)"
                    " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                    (dropped,),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._depth += len(rows) - evict
        self._dropped += dropped
        return dropped

    async def peek(self, limit: int) -> list[Stored]:
        """The oldest ``limit`` buffered samples, in append order (they stay until acknowledged)."""
        return await self._run(self._peek, limit)

    def _peek(self, limit: int) -> list[Stored]:
        cursor = self._connection().execute(
            "SELECT seq, signal, t, quality, value FROM samples ORDER BY seq LIMIT ?", (limit,)
        )
        return [Stored(seq, Sample(signal, orjson.loads(value), t, Quality(q))) for seq, signal, t, q, value in cursor]

    async def ack(self, up_to: int) -> None:
        """The server has every sample up to and including ``up_to``: forget them."""
        await self._run(self._ack, up_to)

    def _ack(self, up_to: int) -> None:
        conn = self._connection()
        removed = conn.execute("DELETE FROM samples WHERE seq <= ?", (up_to,)).rowcount
        self._depth -= max(removed, 0)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("buffer is not open")
        return self._conn
