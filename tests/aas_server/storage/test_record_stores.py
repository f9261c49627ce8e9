"""Record stores (time series records kept outside the document): the part of the storage contract that
:class:`aas_server.storage.AppendRecords` and the record queries define. Runs against every backend."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from aas_server.storage import (
    AppendRecords,
    DeleteDocument,
    Kind,
    PutDocument,
    RecordQuery,
    RecordSummary,
    Storage,
)

from .conftest import Reopen

SM = Kind.SUBMODEL
STORE = "Segments.Live.Records"


def record(value: int) -> bytes:
    return orjson.dumps({"modelType": "SubmodelElementCollection", "value": [{"idShort": "V", "value": str(value)}]})


async def submodel(storage: Storage, id_: str = "urn:sm:ts") -> None:
    await storage.commit([PutDocument(SM, id_, orjson.dumps({"id": id_}))])


async def times(storage: Storage, query: RecordQuery) -> list[int]:
    return [row.time for row in await storage.records(query)]


async def test_records_come_back_in_time_order_by_range_and_page(storage: Storage) -> None:
    await submodel(storage)
    await storage.commit([AppendRecords("urn:sm:ts", STORE, tuple((t, record(t)) for t in (30, 10, 20)))])
    await storage.commit([AppendRecords("urn:sm:ts", STORE, ((20, record(21)), (40, record(40))))])
    everything = await storage.records(RecordQuery("urn:sm:ts", STORE))
    assert [(r.time, orjson.loads(r.record)["value"][0]["value"]) for r in everything] == [
        (10, "10"),
        (20, "20"),
        (20, "21"),
        (30, "30"),
        (40, "40"),
    ]  # equal times keep the order they were appended in
    assert len({r.rec for r in everything}) == 5
    assert await times(storage, RecordQuery("urn:sm:ts", STORE, start=20, end=40)) == [20, 20, 30]
    first = await storage.records(RecordQuery("urn:sm:ts", STORE, limit=2))
    rest = await storage.records(RecordQuery("urn:sm:ts", STORE, after=(first[-1].time, first[-1].rec), limit=10))
    assert [r.rec for r in first + rest] == [r.rec for r in everything]
    latest = await times(storage, RecordQuery("urn:sm:ts", STORE, limit=2, newest_first=True))
    assert latest == [40, 30]
    assert await storage.record_summary("urn:sm:ts", STORE) == RecordSummary(5, 10, 40)


async def test_stores_are_separate_and_unknown_ones_empty(storage: Storage) -> None:
    await submodel(storage, "urn:sm:a")
    await submodel(storage, "urn:sm:b")
    await storage.commit(
        [AppendRecords("urn:sm:a", STORE, ((1, record(1)),)), AppendRecords("urn:sm:b", "Other", ((2, record(2)),))]
    )
    assert await times(storage, RecordQuery("urn:sm:a", STORE)) == [1]
    assert await times(storage, RecordQuery("urn:sm:a", "Other")) == []
    assert await times(storage, RecordQuery("urn:sm:nope", STORE)) == []
    assert await storage.record_summary("urn:sm:nope", STORE) == RecordSummary(0, None, None)


async def test_records_outlive_a_replace_and_go_with_a_delete(storage: Storage) -> None:
    await submodel(storage)
    await storage.commit([AppendRecords("urn:sm:ts", STORE, ((1, record(1)),))])
    await submodel(storage)  # replace the document
    assert await times(storage, RecordQuery("urn:sm:ts", STORE)) == [1]
    await storage.commit([DeleteDocument(SM, "urn:sm:ts")])
    await submodel(storage)  # same id again: a new submodel, no old records
    assert await times(storage, RecordQuery("urn:sm:ts", STORE)) == []


async def test_appending_to_a_missing_submodel_fails_the_whole_unit(storage: Storage) -> None:
    await submodel(storage)
    with pytest.raises(KeyError):
        await storage.commit(
            [
                AppendRecords("urn:sm:ts", STORE, ((1, record(1)),)),
                AppendRecords("urn:sm:none", STORE, ((2, record(2)),)),
            ]
        )
    assert await times(storage, RecordQuery("urn:sm:ts", STORE)) == []


async def test_concurrent_appends_all_persist_across_reopen(storage: Storage, reopen: Reopen) -> None:
    await submodel(storage)
    await asyncio.gather(*(storage.commit([AppendRecords("urn:sm:ts", STORE, ((t, record(t)),))]) for t in range(200)))
    storage = await reopen()
    assert await times(storage, RecordQuery("urn:sm:ts", STORE, limit=1000)) == list(range(200))


async def test_re_sent_records_are_stored_once(storage: Storage) -> None:
    await submodel(storage)
    batch = AppendRecords("urn:sm:ts", STORE, ((1, record(1)), (2, record(2))))
    await storage.commit([batch])
    await storage.commit([batch, AppendRecords("urn:sm:ts", STORE, ((2, record(22)),))])  # a replay + one new
    assert await times(storage, RecordQuery("urn:sm:ts", STORE)) == [1, 2, 2]
