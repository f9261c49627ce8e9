"""Fixtures of the storage contract suite: a fresh, open store per test, for every backend.

Every test in this package runs once per entry of :data:`BACKENDS`. A test sees the backend only through the
public :class:`~aas_server.storage.Storage` interface, so the suite runs unchanged against a new backend once
:func:`make_storage` can build it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from aas_server.storage import Storage
from aas_server.storage.sqlite import SqliteStorage

#: The backends the contract suite runs against (the params of the ``storage`` fixture).
BACKENDS = [
    "sqlite",
    # "postgresql",  # add here, and build it in make_storage() below
]

#: ``await reopen()`` closes the store under test and returns a new, open instance on the same data.
Reopen = Callable[[], Awaitable[Storage]]


def make_storage(backend: str, root: Path) -> Storage:
    """A new, not yet opened store of ``backend`` whose data lives at ``root``.

    Two calls with the same arguments must return instances on the *same* data (that is what ``reopen``
    relies on); two different ``root`` directories must never share data.
    """
    if backend == "sqlite":
        return SqliteStorage(root / "store.sqlite3", root / "attachments")
    # PostgreSQL goes here: connect to the test server (e.g. a DSN from an environment variable, skipping
    # the test if none is set), use a database or schema unique to ``root`` (derive its name from
    # ``root.name``) so that a reopened instance sees the same rows, and keep attachments in
    # ``root / "attachments"``.
    raise ValueError(f"unknown storage backend {backend!r}")


class StoreHandle:
    """The store of one test: opens it, reopens it on the same data, and closes whichever instance is current."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.backend: str | None = None
        self.current: Storage | None = None

    async def open(self, backend: str) -> Storage:
        store = make_storage(backend, self.root)
        await store.open()
        self.backend, self.current = backend, store
        return store

    async def close(self) -> None:
        if self.current is not None:
            store, self.current = self.current, None
            await store.close()

    async def reopen(self) -> Storage:
        """Close the current instance (as a server restart would) and open a new one on the same data."""
        assert self.backend is not None, "open the store first"
        await self.close()
        return await self.open(self.backend)


@pytest.fixture
def store_handle(tmp_path: Path) -> StoreHandle:
    return StoreHandle(tmp_path / "store")


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, store_handle: StoreHandle) -> AsyncIterator[Storage]:
    """A fresh, open store of each backend in :data:`BACKENDS`; whichever instance is current is closed after."""
    store = await store_handle.open(request.param)
    yield store
    await store_handle.close()


@pytest.fixture
def reopen(storage: Storage, store_handle: StoreHandle) -> Reopen:
    """Restart the store: ``storage = await reopen()``; the old instance is closed and must not be used."""
    return store_handle.reopen
