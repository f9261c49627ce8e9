"""The contract of :class:`aas_server.storage.Storage`, tested through its public methods only.

Every test runs against every backend of ``conftest.BACKENDS`` on a fresh store. Where the interface leaves
something open (the order of ``get_many`` and ``attachments_of`` results, whether superseded element records are
kept, when the file of a dropped attachment is removed) the tests accept every reading the documentation allows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path

import orjson
import pytest

from aas_server.storage import (
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

from .conftest import Reopen

ALL_KINDS = list(Kind)
SM = Kind.SUBMODEL
SHELL = Kind.SHELL
CD = Kind.CONCEPT_DESCRIPTION
Terms = Sequence[tuple[str, str]]


# -- helpers ---------------------------------------------------------------------------------------


def body(id_: str, **extra: object) -> bytes:
    return orjson.dumps({"id": id_, **extra})


def element(value: object) -> bytes:
    return orjson.dumps({"modelType": "Property", "valueType": "xs:string", "value": value})


async def put(
    storage: Storage, kind: Kind, id_: str, terms: Terms = (), *, document: bytes | None = None
) -> StoredDocument:
    """Create or replace one document in its own unit and return it as stored."""
    await storage.commit([PutDocument(kind, id_, body(id_) if document is None else document, terms)])
    stored = await storage.get(kind, id_)
    assert stored is not None
    return stored


async def list_all(storage: Storage, kind: Kind, terms: Terms = (), *, limit: int = 1000) -> list[StoredDocument]:
    """Every document of ``kind`` matching ``terms``, paging with ``limit``."""
    found: list[StoredDocument] = []
    after = 0
    while True:
        page = await storage.list_page(ListQuery(kind, after, limit, tuple(terms)))
        assert len(page) <= limit
        found += page
        if len(page) < limit:
            return found
        after = page[-1].seq


async def listed_ids(storage: Storage, kind: Kind, terms: Terms = (), *, limit: int = 1000) -> list[str]:
    return [doc.id for doc in await list_all(storage, kind, terms, limit=limit)]


def new_blob(storage: Storage, content: bytes) -> tuple[str, Path]:
    """An upload written to a fresh blob path, not attached yet."""
    name, path = storage.new_blob_path()
    path.write_bytes(content)
    return name, path


async def attach(
    storage: Storage, kind: Kind, owner_id: str, path: str, content: bytes, *, file_name: str = "data.bin"
) -> tuple[AttachmentRecord, Path]:
    blob, file = new_blob(storage, content)
    record = AttachmentRecord(kind, owner_id, path, "application/octet-stream", file_name, blob, len(content))
    await storage.commit([PutAttachment(record)])
    return record, file


def replay(records: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """What applying element records in order leaves at each path: a write to "A" replaces "A.x" and "A[i]"."""
    state: dict[str, bytes] = {}
    for path, value in records:
        for key in [key for key in state if key.startswith((path + ".", path + "["))]:
            del state[key]
        state[path] = value
    return state


def is_subsequence(part: Sequence[object], whole: Sequence[object]) -> bool:
    items = iter(whole)
    return all(any(item == candidate for candidate in items) for item in part)


async def snapshot(storage: Storage, kind: Kind, ids: Sequence[str]) -> list[StoredDocument | None]:
    return [await storage.get(kind, id_) for id_ in ids]


# -- documents -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
async def test_put_and_get_a_document_of_each_kind(storage: Storage, kind: Kind) -> None:
    document = body("urn:x:1", idShort="One", note="ünïcödé ✓")
    await storage.commit([PutDocument(kind, "urn:x:1", document, [("idShort", "One")])])

    stored = await storage.get(kind, "urn:x:1")

    assert stored is not None
    assert (stored.kind, stored.id, stored.document, stored.elements, stored.version) == (
        kind,
        "urn:x:1",
        document,
        (),
        1,
    )
    assert stored.seq > 0  # so that ListQuery(after=0) lists it
    assert await storage.get_many(kind, ["urn:x:1"]) == [stored]
    assert await storage.list_page(ListQuery(kind)) == [stored]
    assert await storage.count(kind) == 1


@pytest.mark.parametrize("kind", ALL_KINDS)
async def test_get_of_an_unknown_id_returns_none(storage: Storage, kind: Kind) -> None:
    assert await storage.get(kind, "urn:nothing") is None
    await put(storage, kind, "urn:something")
    assert await storage.get(kind, "urn:nothing") is None
    assert await storage.get(kind, "urn:somethin") is None
    assert await storage.get(kind, "urn:something ") is None


async def test_document_bytes_and_ids_round_trip_exactly(storage: Storage) -> None:
    ids = [
        "urn:example:äöü/ß?x=1&y=%20#frag",
        'it\'s a "quoted" id; DROP TABLE documents; --',
        "https://example.com/ids/sm/" + "x" * 2000,
        "urn:case:A",
        "urn:case:a",
    ]
    documents = {
        id_: body(id_, text="日本語 \u2028 \\ \" '", n=i, blob="y" * (i * 50_000)) for i, id_ in enumerate(ids)
    }
    documents[ids[0]] = b'{ "id" : "keeps its whitespace",\n  "a": [1, 2.50, 1e3] }'
    await storage.commit([PutDocument(SM, id_, doc) for id_, doc in documents.items()])

    for id_, doc in documents.items():
        stored = await storage.get(SM, id_)
        assert stored is not None
        assert (stored.id, stored.document) == (id_, doc)
    assert await storage.count(SM) == len(ids)


async def test_kinds_are_separate_namespaces(storage: Storage) -> None:
    same = "urn:same:id"
    for kind in ALL_KINDS:
        await storage.commit([PutDocument(kind, same, body(same, kind=kind.value), [("idShort", "Same")])])
    await storage.commit([PutElement(same, "Value", element("sm only"))])

    for kind in ALL_KINDS:
        stored = await storage.get(kind, same)
        assert stored is not None
        assert stored.kind is kind
        assert orjson.loads(stored.document)["kind"] == kind.value
        assert stored.elements == ((("Value", element("sm only")),) if kind is SM else ())
        assert await storage.count(kind) == 1
        assert await listed_ids(storage, kind, [("idShort", "Same")]) == [same]
        assert [doc.kind for doc in await storage.get_many(kind, [same])] == [kind]

    await storage.commit([DeleteDocument(SHELL, same)])
    assert await storage.get(SHELL, same) is None
    assert await storage.get(SM, same) is not None
    assert await storage.get(CD, same) is not None
    assert await listed_ids(storage, SM, [("idShort", "Same")]) == [same]
    assert await listed_ids(storage, SHELL, [("idShort", "Same")]) == []

    # A create_only write of an id taken in another kind succeeds.
    await storage.commit([PutDocument(SHELL, same, body(same), create_only=True)])
    assert await storage.count(SHELL) == 1


async def test_replacing_a_document_keeps_its_seq_and_changes_its_content(storage: Storage) -> None:
    first = await put(storage, CD, "urn:cd", document=body("urn:cd", rev=1))
    await put(storage, CD, "urn:other")

    second = await put(storage, CD, "urn:cd", document=body("urn:cd", rev=2))

    assert second.seq == first.seq
    assert second.document == body("urn:cd", rev=2)
    assert await storage.count(CD) == 2
    assert await listed_ids(storage, CD) == ["urn:cd", "urn:other"]


async def test_get_many_returns_only_the_found_documents(storage: Storage) -> None:
    for i in range(5):
        await put(storage, SHELL, f"urn:s:{i}")

    found = await storage.get_many(SHELL, ["urn:s:3", "urn:missing:1", "urn:s:0", "urn:missing:2", "urn:s:4"])

    # The interface does not document the order of the result: compare as a set, each document once.
    assert sorted(doc.id for doc in found) == ["urn:s:0", "urn:s:3", "urn:s:4"]
    for doc in found:
        assert doc == await storage.get(SHELL, doc.id)
    assert await storage.get_many(SHELL, []) == []
    assert await storage.get_many(SHELL, ["urn:missing"]) == []
    assert await storage.get_many(SM, ["urn:s:0"]) == []


async def test_get_many_with_more_ids_than_fit_in_one_query(storage: Storage) -> None:
    ids = [f"urn:sm:{i:04}" for i in range(1100)]
    await storage.commit([PutDocument(SM, id_, body(id_)) for id_ in ids])
    await storage.commit([PutElement(id_, "P", element(id_)) for id_ in ids[::100]])

    found = await storage.get_many(SM, [*ids, *(f"urn:missing:{i}" for i in range(600))])

    assert sorted(doc.id for doc in found) == ids
    for doc in found:
        assert doc.document == body(doc.id)
        assert doc.elements == ((("P", element(doc.id)),) if doc.id in ids[::100] else ())


# -- sequence numbers and listing ------------------------------------------------------------------


async def test_seq_grows_with_inserts_and_is_kept_by_every_later_write(storage: Storage) -> None:
    seqs = [(await put(storage, SM, f"urn:sm:{i}")).seq for i in range(3)]
    await storage.commit([PutDocument(SM, f"urn:sm:{i}", body(f"urn:sm:{i}")) for i in range(3, 6)])
    seqs += [doc.seq for doc in await snapshot(storage, SM, [f"urn:sm:{i}" for i in range(3, 6)]) if doc]

    assert len(seqs) == 6
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 6

    await storage.commit([PutDocument(SM, "urn:sm:1", body("urn:sm:1", rev=2), [("idShort", "New")])])
    await storage.commit([PutElement("urn:sm:2", "P", element(1))])
    await storage.commit([DeleteDocument(SM, "urn:sm:0")])
    after = [doc.seq if doc else None for doc in await snapshot(storage, SM, [f"urn:sm:{i}" for i in range(6)])]
    assert after == [None, *seqs[1:]]


async def test_seq_is_never_reused_after_a_delete_even_across_reopen(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SHELL, "urn:a")
    last = await put(storage, SHELL, "urn:b")
    await storage.commit([DeleteDocument(SHELL, "urn:b")])
    storage = await reopen()

    again = await put(storage, SHELL, "urn:b")
    other = await put(storage, SHELL, "urn:c")

    # A pager that stopped after "urn:b" must still see what was inserted since.
    assert last.seq < again.seq < other.seq
    assert await storage.list_page(ListQuery(SHELL, after=last.seq)) == [again, other]


async def test_delete_and_insert_of_the_same_id_in_one_unit_is_a_new_document(storage: Storage) -> None:
    old = await put(storage, SM, "urn:sm", [("idShort", "Old")])
    await storage.commit([PutElement("urn:sm", "P", element("old"))])
    await put(storage, SM, "urn:later")

    await storage.commit([DeleteDocument(SM, "urn:sm"), PutDocument(SM, "urn:sm", body("urn:sm", rev=2))])

    new = await storage.get(SM, "urn:sm")
    assert new is not None
    assert (new.document, new.elements, new.version) == (body("urn:sm", rev=2), (), 1)
    assert new.seq > old.seq
    assert await listed_ids(storage, SM, [("idShort", "Old")]) == []


async def test_list_page_pages_by_seq_with_after_and_limit(storage: Storage) -> None:
    docs = [await put(storage, SHELL, f"urn:s:{i}") for i in range(10)]

    assert await storage.list_page(ListQuery(SHELL)) == docs
    assert await storage.list_page(ListQuery(SHELL, limit=3)) == docs[:3]
    assert await storage.list_page(ListQuery(SHELL, after=docs[2].seq, limit=3)) == docs[3:6]
    assert await storage.list_page(ListQuery(SHELL, after=docs[8].seq, limit=3)) == docs[9:]
    assert await storage.list_page(ListQuery(SHELL, after=docs[9].seq)) == []
    assert await storage.list_page(ListQuery(SHELL, limit=1)) == docs[:1]
    # ``after`` need not be the seq of an existing document.
    await storage.commit([DeleteDocument(SHELL, docs[5].id)])
    assert await storage.list_page(ListQuery(SHELL, after=docs[5].seq)) == docs[6:]
    assert await storage.list_page(ListQuery(SHELL, after=docs[4].seq, limit=2)) == docs[6:8]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 23, 24, 25, 100])
async def test_paging_visits_every_document_exactly_once(storage: Storage, limit: int) -> None:
    ids = [f"urn:cd:{i}" for i in range(24)]
    await storage.commit([PutDocument(CD, id_, body(id_)) for id_ in ids])
    await put(storage, SM, "urn:not-a-cd")

    listed = await list_all(storage, CD, limit=limit)

    assert [doc.id for doc in listed] == ids
    assert [doc.seq for doc in listed] == sorted(doc.seq for doc in listed)


async def test_paging_is_stable_while_documents_come_and_go(storage: Storage) -> None:
    ids = [f"urn:s:{i:02}" for i in range(12)]
    await storage.commit([PutDocument(SHELL, id_, body(id_)) for id_ in ids])
    seen: list[str] = []

    page = await storage.list_page(ListQuery(SHELL, limit=4))
    seen += [doc.id for doc in page]
    # Between pages: delete a visited and an unvisited document, replace visited and unvisited ones,
    # insert new ones.
    await storage.commit(
        [
            DeleteDocument(SHELL, "urn:s:01"),
            DeleteDocument(SHELL, "urn:s:06"),
            PutDocument(SHELL, "urn:s:00", body("urn:s:00", rev=2)),
            PutDocument(SHELL, "urn:s:09", body("urn:s:09", rev=2)),
            PutDocument(SHELL, "urn:s:new1", body("urn:s:new1")),
        ]
    )
    page = await storage.list_page(ListQuery(SHELL, after=page[-1].seq, limit=4))
    seen += [doc.id for doc in page]
    assert seen == [f"urn:s:{i:02}" for i in (0, 1, 2, 3, 4, 5, 7, 8)]
    await storage.commit([DeleteDocument(SHELL, "urn:s:10"), PutDocument(SHELL, "urn:s:new2", body("urn:s:new2"))])
    while page:
        page = await storage.list_page(ListQuery(SHELL, after=page[-1].seq, limit=4))
        seen += [doc.id for doc in page]

    expected = [id_ for id_ in ids if id_ not in ("urn:s:06", "urn:s:10")] + ["urn:s:new1", "urn:s:new2"]
    assert seen == expected


async def test_count_counts_the_documents_of_one_kind(storage: Storage) -> None:
    assert [await storage.count(kind) for kind in ALL_KINDS] == [0, 0, 0]
    await storage.commit([PutDocument(SHELL, f"urn:s:{i}", body(f"urn:s:{i}")) for i in range(5)])
    await storage.commit([PutDocument(SM, f"urn:sm:{i}", body(f"urn:sm:{i}")) for i in range(3)])
    await storage.commit([PutDocument(SHELL, "urn:s:0", body("urn:s:0", rev=2))])  # a replace
    await storage.commit([PutElement("urn:sm:0", "P", element(1))])
    assert [await storage.count(kind) for kind in (SHELL, SM, CD)] == [5, 3, 0]

    await storage.commit([DeleteDocument(SHELL, "urn:s:1"), DeleteDocument(SHELL, "urn:s:2")])
    assert [await storage.count(kind) for kind in (SHELL, SM, CD)] == [3, 3, 0]


# -- index terms -----------------------------------------------------------------------------------


async def _term_fixture(storage: Storage) -> None:
    await storage.commit(
        [
            PutDocument(SHELL, "urn:s:pump1", body("pump1"), [("idShort", "Pump"), ("assetId", "plant:A")]),
            PutDocument(SHELL, "urn:s:pump2", body("pump2"), [("idShort", "Pump"), ("assetId", "plant:B")]),
            PutDocument(SHELL, "urn:s:motor", body("motor"), [("idShort", "Motor"), ("assetId", "plant:A")]),
            PutDocument(SHELL, "urn:s:bare", body("bare")),
            PutDocument(
                SHELL,
                "urn:s:both",
                body("both"),
                [("idShort", "Pump"), ("assetId", "plant:A"), ("assetId", "plant:B")],
            ),
        ]
    )


async def test_list_page_filters_by_one_term(storage: Storage) -> None:
    await _term_fixture(storage)

    assert await listed_ids(storage, SHELL, [("idShort", "Pump")]) == ["urn:s:pump1", "urn:s:pump2", "urn:s:both"]
    assert await listed_ids(storage, SHELL, [("assetId", "plant:A")]) == ["urn:s:pump1", "urn:s:motor", "urn:s:both"]
    assert await listed_ids(storage, SHELL, [("idShort", "Motor")]) == ["urn:s:motor"]
    assert await listed_ids(storage, SHELL, [("idShort", "Nothing")]) == []
    assert await listed_ids(storage, SHELL, [("nothing", "Pump")]) == []
    # A term is a (name, value) pair: the value under another name does not match.
    assert await listed_ids(storage, SHELL, [("assetId", "Pump")]) == []
    assert len(await listed_ids(storage, SHELL)) == 5


async def test_list_page_with_several_terms_lists_documents_matching_all_of_them(storage: Storage) -> None:
    await _term_fixture(storage)

    assert await listed_ids(storage, SHELL, [("idShort", "Pump"), ("assetId", "plant:A")]) == [
        "urn:s:pump1",
        "urn:s:both",
    ]
    assert await listed_ids(storage, SHELL, [("assetId", "plant:A"), ("idShort", "Pump")]) == [
        "urn:s:pump1",
        "urn:s:both",
    ]
    # Two values of the same name: only the document that has both.
    assert await listed_ids(storage, SHELL, [("assetId", "plant:A"), ("assetId", "plant:B")]) == ["urn:s:both"]
    assert await listed_ids(storage, SHELL, [("idShort", "Motor"), ("assetId", "plant:B")]) == []
    assert await listed_ids(storage, SHELL, [("idShort", "Pump"), ("assetId", "plant:A"), ("assetId", "plant:B")]) == [
        "urn:s:both"
    ]
    assert await listed_ids(storage, SHELL, [("idShort", "Pump"), ("idShort", "Pump")]) == [
        "urn:s:pump1",
        "urn:s:pump2",
        "urn:s:both",
    ]


@pytest.mark.parametrize("limit", [1, 2, 3, 100])
async def test_filtered_paging_visits_every_match_once(storage: Storage, limit: int) -> None:
    unit: list[Operation] = []
    for i in range(30):
        terms = [("semanticId", "urn:sem:even" if i % 2 == 0 else "urn:sem:odd")]
        if i % 3 == 0:
            terms.append(("idShort", "Third"))
        if i % 4 == 0:
            terms += [("idShort", "Third"), ("semanticId", "urn:sem:even")]  # the same term twice
        unit.append(PutDocument(SM, f"urn:sm:{i:02}", body(f"urn:sm:{i:02}"), terms))
    await storage.commit(unit)

    evens = [f"urn:sm:{i:02}" for i in range(0, 30, 2)]
    assert await listed_ids(storage, SM, [("semanticId", "urn:sem:even")], limit=limit) == evens
    both = [f"urn:sm:{i:02}" for i in range(0, 30, 2) if i % 3 == 0 or i % 4 == 0]
    assert await listed_ids(storage, SM, [("semanticId", "urn:sem:even"), ("idShort", "Third")], limit=limit) == both
    assert await listed_ids(storage, SM, [("idShort", "Third"), ("semanticId", "urn:sem:even")], limit=limit) == both


async def test_a_document_with_the_same_term_twice_is_listed_once(storage: Storage) -> None:
    await storage.commit(
        [
            PutDocument(CD, "urn:cd:1", body("1"), [("isCaseOf", "urn:x"), ("isCaseOf", "urn:x"), ("idShort", "A")]),
            PutDocument(CD, "urn:cd:2", body("2"), [("isCaseOf", "urn:x")]),
        ]
    )

    assert await listed_ids(storage, CD, [("isCaseOf", "urn:x")]) == ["urn:cd:1", "urn:cd:2"]
    assert await listed_ids(storage, CD, [("idShort", "A"), ("isCaseOf", "urn:x")]) == ["urn:cd:1"]
    assert await listed_ids(storage, CD, [("isCaseOf", "urn:x")], limit=1) == ["urn:cd:1", "urn:cd:2"]
    assert await storage.list_page(ListQuery(CD, limit=1, terms=[("isCaseOf", "urn:x")])) == [
        await storage.get(CD, "urn:cd:1")
    ]


async def test_terms_match_exactly(storage: Storage) -> None:
    await storage.commit(
        [
            PutDocument(SM, "urn:sm:1", body("1"), [("idShort", "Motor")]),
            PutDocument(SM, "urn:sm:2", body("2"), [("idShort", "Motor2")]),
            PutDocument(SM, "urn:sm:3", body("3"), [("idShort", "motor")]),
            PutDocument(SM, "urn:sm:4", body("4"), [("idShort", "a%b_c")]),
            PutDocument(SM, "urn:sm:5", body("5"), [("idShort", "")]),
            PutDocument(SM, "urn:sm:6", body("6"), [("semanticId", "https://x/ä?q='1'")]),
        ]
    )

    assert await listed_ids(storage, SM, [("idShort", "Motor")]) == ["urn:sm:1"]
    assert await listed_ids(storage, SM, [("idShort", "motor")]) == ["urn:sm:3"]
    assert await listed_ids(storage, SM, [("idShort", "Moto")]) == []
    assert await listed_ids(storage, SM, [("idShort", "a%b_c")]) == ["urn:sm:4"]
    assert await listed_ids(storage, SM, [("idShort", "a%")]) == []
    assert await listed_ids(storage, SM, [("idShort", "%")]) == []
    assert await listed_ids(storage, SM, [("idShort", "a_b%c")]) == []
    assert await listed_ids(storage, SM, [("idShort", "")]) == ["urn:sm:5"]
    assert await listed_ids(storage, SM, [("semanticId", "https://x/ä?q='1'")]) == ["urn:sm:6"]
    assert await listed_ids(storage, SM, [("idshort", "Motor")]) == []


async def test_terms_belong_to_one_kind(storage: Storage) -> None:
    for kind in ALL_KINDS:
        await put(storage, kind, f"urn:{kind.value}", [("idShort", "Shared")])

    for kind in ALL_KINDS:
        assert await listed_ids(storage, kind, [("idShort", "Shared")]) == [f"urn:{kind.value}"]


async def test_replacing_a_document_replaces_its_terms(storage: Storage) -> None:
    await put(storage, SM, "urn:sm:1", [("idShort", "Old"), ("semanticId", "urn:sem:1")])
    await put(storage, SM, "urn:sm:2", [("idShort", "Old")])

    await put(storage, SM, "urn:sm:1", [("idShort", "New"), ("semanticId", "urn:sem:1")])
    assert await listed_ids(storage, SM, [("idShort", "Old")]) == ["urn:sm:2"]
    assert await listed_ids(storage, SM, [("idShort", "New")]) == ["urn:sm:1"]
    assert await listed_ids(storage, SM, [("semanticId", "urn:sem:1")]) == ["urn:sm:1"]

    await put(storage, SM, "urn:sm:1")  # no terms at all
    assert await listed_ids(storage, SM, [("idShort", "New")]) == []
    assert await listed_ids(storage, SM, [("semanticId", "urn:sem:1")]) == []
    assert await listed_ids(storage, SM) == ["urn:sm:1", "urn:sm:2"]

    # Element writes leave the terms alone.
    await put(storage, SM, "urn:sm:1", [("idShort", "Kept")])
    await storage.commit([PutElement("urn:sm:1", "P", element(1))])
    assert await listed_ids(storage, SM, [("idShort", "Kept")]) == ["urn:sm:1"]


async def test_deleting_a_document_removes_its_terms(storage: Storage) -> None:
    await put(storage, SHELL, "urn:s:1", [("idShort", "Gone"), ("assetId", "a")])
    await put(storage, SHELL, "urn:s:2", [("assetId", "a")])

    await storage.commit([DeleteDocument(SHELL, "urn:s:1")])
    assert await listed_ids(storage, SHELL, [("idShort", "Gone")]) == []
    assert await listed_ids(storage, SHELL, [("assetId", "a")]) == ["urn:s:2"]

    # The same id created again has only its new terms.
    await put(storage, SHELL, "urn:s:1", [("idShort", "Back")])
    assert await listed_ids(storage, SHELL, [("idShort", "Gone")]) == []
    assert await listed_ids(storage, SHELL, [("assetId", "a")]) == ["urn:s:2"]
    assert await listed_ids(storage, SHELL, [("idShort", "Back")]) == ["urn:s:1"]


# -- units of work ---------------------------------------------------------------------------------


async def test_a_unit_is_applied_as_a_whole(storage: Storage) -> None:
    content = b"\x00\x01binary\xff"
    blob, _ = new_blob(storage, content)
    record = AttachmentRecord(SM, "urn:sm", "Doc", "application/pdf", "doc.pdf", blob, len(content))

    await storage.commit(
        [
            PutDocument(SM, "urn:sm", body("urn:sm"), [("idShort", "Sm")]),
            PutElement("urn:sm", "P", element("v")),
            PutAttachment(record),
            PutDocument(SHELL, "urn:s", body("urn:s")),
        ]
    )

    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert stored.elements == (("P", element("v")),)
    assert await storage.get_attachment(SM, "urn:sm", "Doc") == record
    assert storage.blob_path(blob).read_bytes() == content
    assert await storage.get(SHELL, "urn:s") is not None
    assert await listed_ids(storage, SM, [("idShort", "Sm")]) == ["urn:sm"]


async def test_operations_of_a_unit_apply_in_order(storage: Storage) -> None:
    await storage.commit(
        [
            PutDocument(CD, "urn:cd", body("urn:cd", rev=1), [("idShort", "One")]),
            PutDocument(CD, "urn:cd", body("urn:cd", rev=2), [("idShort", "Two")]),
        ]
    )
    stored = await storage.get(CD, "urn:cd")
    assert stored is not None
    assert stored.document == body("urn:cd", rev=2)
    assert await listed_ids(storage, CD, [("idShort", "One")]) == []
    assert await listed_ids(storage, CD, [("idShort", "Two")]) == ["urn:cd"]

    await storage.commit([PutDocument(CD, "urn:gone", body("urn:gone")), DeleteDocument(CD, "urn:gone")])
    assert await storage.get(CD, "urn:gone") is None
    assert await storage.count(CD) == 1


async def test_create_only_raises_document_exists_for_a_taken_id(storage: Storage) -> None:
    before = await put(storage, SM, "urn:sm", [("idShort", "Original")], document=body("urn:sm", rev=1))

    with pytest.raises(DocumentExists) as raised:
        await storage.commit([PutDocument(SM, "urn:sm", body("urn:sm", rev=2), [("idShort", "Other")], True)])

    assert (raised.value.kind, raised.value.id) == (SM, "urn:sm")
    assert await storage.get(SM, "urn:sm") == before
    assert await listed_ids(storage, SM, [("idShort", "Original")]) == ["urn:sm"]
    assert await listed_ids(storage, SM, [("idShort", "Other")]) == []


async def test_create_only_inserts_a_free_id(storage: Storage) -> None:
    await storage.commit([PutDocument(SHELL, "urn:s", body("urn:s"), [("idShort", "S")], create_only=True)])

    stored = await storage.get(SHELL, "urn:s")
    assert stored is not None
    assert (stored.document, stored.version) == (body("urn:s"), 1)
    assert await listed_ids(storage, SHELL, [("idShort", "S")]) == ["urn:s"]


async def test_a_failing_unit_applies_none_of_its_operations(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SM, "urn:sm", [("idShort", "Sm")])
    await storage.commit([PutElement("urn:sm", "Kept", element("kept"))])
    await put(storage, SHELL, "urn:s:taken")
    await put(storage, SHELL, "urn:s:victim", [("idShort", "Victim")])
    old, _ = await attach(storage, SHELL, "urn:s:victim", "", b"thumbnail")
    kept, _ = await attach(storage, SM, "urn:sm", "Kept", b"kept")
    blob, _ = new_blob(storage, b"new content")
    before = {kind: await list_all(storage, kind) for kind in ALL_KINDS}

    with pytest.raises(DocumentExists):
        await storage.commit(
            [
                PutDocument(SHELL, "urn:s:new", body("urn:s:new"), [("idShort", "New")]),
                PutDocument(SM, "urn:sm", body("urn:sm", rev=2), [("idShort", "Replaced")]),
                PutElement("urn:sm", "Lost", element("lost")),
                PutAttachment(AttachmentRecord(SM, "urn:sm", "Lost", "text/plain", "x.txt", blob, 11)),
                DeleteAttachment(SM, "urn:sm", "Kept"),
                DeleteDocument(SHELL, "urn:s:victim"),
                PutDocument(SHELL, "urn:s:taken", body("urn:s:taken", rev=2), create_only=True),
            ]
        )

    for restart in (False, True):
        current = await reopen() if restart else storage
        assert {kind: await list_all(current, kind) for kind in ALL_KINDS} == before
        assert await listed_ids(current, SHELL, [("idShort", "New")]) == []
        assert await listed_ids(current, SM, [("idShort", "Replaced")]) == []
        assert await listed_ids(current, SM, [("idShort", "Sm")]) == ["urn:sm"]
        assert await listed_ids(current, SHELL, [("idShort", "Victim")]) == ["urn:s:victim"]
        assert await current.get_attachment(SM, "urn:sm", "Lost") is None
        assert await current.get_attachment(SM, "urn:sm", "Kept") == kept
        assert await current.get_attachment(SHELL, "urn:s:victim", "") == old
        assert current.blob_path(kept.blob).read_bytes() == b"kept"
        assert current.blob_path(old.blob).read_bytes() == b"thumbnail"


async def test_a_put_element_to_an_unknown_submodel_fails_the_unit_with_key_error(storage: Storage) -> None:
    # The repository maps KeyError from commit to 404 Not Found.
    await put(storage, SHELL, "urn:id")  # a shell is no submodel
    with pytest.raises(KeyError):
        await storage.commit([PutDocument(CD, "urn:cd", body("urn:cd")), PutElement("urn:id", "P", element(1))])
    assert await storage.get(CD, "urn:cd") is None
    shell = await storage.get(SHELL, "urn:id")
    assert shell is not None
    assert (shell.elements, shell.version) == ((), 1)


async def test_deleting_an_unknown_document_fails_the_unit_with_key_error(storage: Storage) -> None:
    await put(storage, SM, "urn:id")
    with pytest.raises(KeyError):
        await storage.commit([PutDocument(CD, "urn:cd", body("urn:cd")), DeleteDocument(SHELL, "urn:id")])
    assert await storage.get(CD, "urn:cd") is None
    assert await storage.get(SM, "urn:id") is not None


async def test_a_failing_unit_does_not_affect_units_committed_with_it(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")
    await put(storage, SHELL, "urn:s:taken", document=body("urn:s:taken", rev=1))

    def unit(i: int) -> list[Operation]:
        if i == 13:
            return [
                PutDocument(SHELL, "urn:s:doomed", body("urn:s:doomed")),
                PutElement("urn:sm", "Doomed", element("doomed")),
                PutDocument(SHELL, "urn:s:taken", body("urn:s:taken", rev=2), create_only=True),
            ]
        if i == 27:
            return [PutElement("urn:sm:missing", "P", element(i))]
        return [PutDocument(SHELL, f"urn:s:{i}", body(f"urn:s:{i}")), PutElement("urn:sm", f"P{i}", element(i))]

    outcomes = await asyncio.gather(*(storage.commit(unit(i)) for i in range(40)), return_exceptions=True)

    assert isinstance(outcomes[13], DocumentExists)
    assert isinstance(outcomes[27], KeyError)
    assert [i for i, outcome in enumerate(outcomes) if outcome is not None] == [13, 27]
    ok = [i for i in range(40) if i not in (13, 27)]
    assert sorted(await listed_ids(storage, SHELL)) == sorted(["urn:s:taken", *(f"urn:s:{i}" for i in ok)])
    taken = await storage.get(SHELL, "urn:s:taken")
    assert taken is not None
    assert taken.document == body("urn:s:taken", rev=1)
    sm = await storage.get(SM, "urn:sm")
    assert sm is not None
    assert dict(sm.elements) == {f"P{i}": element(i) for i in ok}
    assert sm.version == 1 + len(ok)


async def test_of_concurrent_create_only_writes_of_one_id_exactly_one_wins(storage: Storage) -> None:
    outcomes = await asyncio.gather(
        *(
            storage.commit([PutDocument(CD, "urn:cd", body("urn:cd", writer=i), [("writer", str(i))], True)])
            for i in range(10)
        ),
        return_exceptions=True,
    )

    winners = [i for i, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1
    assert all(isinstance(outcome, DocumentExists) for outcome in outcomes if outcome is not None)
    stored = await storage.get(CD, "urn:cd")
    assert stored is not None
    assert stored.document == body("urn:cd", writer=winners[0])
    assert await listed_ids(storage, CD, [("writer", str(winners[0]))]) == ["urn:cd"]
    assert await storage.count(CD) == 1


# -- element records -------------------------------------------------------------------------------


async def test_element_records_come_back_in_write_order(storage: Storage) -> None:
    await put(storage, SM, "urn:sm", [("idShort", "Sm")])
    await put(storage, SM, "urn:other")
    writes = [
        ("Temperature", element(21.5)),
        ("Coll.Pressure", element(1013)),
        ("List[2]", element("x")),
        ("Coll.Inner.Deep", element({"nested": [1, 2]})),
        ("Alpha", element("ä")),
    ]
    for path, value in writes:
        await storage.commit([PutElement("urn:sm", path, value)])

    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert stored.elements == tuple(writes)
    assert stored.document == body("urn:sm")  # the document itself is not rewritten
    assert {doc.id: doc for doc in await storage.get_many(SM, ["urn:other", "urn:sm"])}["urn:sm"] == stored
    assert (await storage.list_page(ListQuery(SM)))[0] == stored
    assert await storage.list_page(ListQuery(SM, terms=[("idShort", "Sm")])) == [stored]
    other = await storage.get(SM, "urn:other")
    assert other is not None
    assert other.elements == ()


async def test_several_element_records_in_one_unit_keep_their_order(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")
    writes = [(f"E{i}", element(i)) for i in (3, 1, 2)]

    await storage.commit([PutElement("urn:sm", path, value) for path, value in writes])

    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert stored.elements == tuple(writes)


async def test_applying_element_records_in_order_gives_the_latest_writes(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")
    writes = [
        ("A", element(1)),
        ("AB", element("sibling with a longer name")),
        ("B", element(1)),
        ("A", element(2)),  # the same path again
        ("L[1]", element("one")),
        ("L[10]", element("ten")),
        ("L[1].x", element("inside one")),
        ("C.x", element("child first")),
        ("C", element("then the parent")),  # supersedes C.x
        ("L[1]", element("one again")),  # supersedes L[1].x, not L[10]
        ("D", element("parent first")),
        ("D.y", element("then a child")),
        ("B", element(3)),
    ]
    for path, value in writes:
        await storage.commit([PutElement("urn:sm", path, value)])

    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert replay(stored.elements) == replay(writes)
    assert replay(writes) == {
        "A": element(2),
        "AB": element("sibling with a longer name"),
        "B": element(3),
        "L[1]": element("one again"),
        "L[10]": element("ten"),
        "C": element("then the parent"),
        "D": element("parent first"),
        "D.y": element("then a child"),
    }
    # Records may be dropped once superseded, but the ones kept are in write order.
    assert is_subsequence(stored.elements, writes)


async def test_replacing_a_submodel_drops_its_element_records(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")
    await storage.commit([PutElement("urn:sm", "A", element(1)), PutElement("urn:sm", "B", element(2))])

    replaced = await put(storage, SM, "urn:sm", document=body("urn:sm", folded=True))
    assert (replaced.document, replaced.elements) == (body("urn:sm", folded=True), ())

    await storage.commit([PutElement("urn:sm", "B", element(3))])
    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert stored.elements == (("B", element(3)),)


async def test_element_records_and_a_replace_in_one_unit_apply_in_order(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")

    await storage.commit(
        [
            PutElement("urn:sm", "Before", element(1)),
            PutDocument(SM, "urn:sm", body("urn:sm", rev=2)),
            PutElement("urn:sm", "After", element(2)),
        ]
    )

    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert (stored.document, stored.elements) == (body("urn:sm", rev=2), (("After", element(2)),))


async def test_version_counts_the_writes_of_a_document(storage: Storage, reopen: Reopen) -> None:
    # The document cache mirrors this: a new document has version 1, and each replace or element write
    # (one per unit in the server) adds one.
    assert (await put(storage, SM, "urn:sm")).version == 1
    assert (await put(storage, SM, "urn:sm", document=body("urn:sm", rev=2))).version == 2
    for expected in (3, 4, 5):
        await storage.commit([PutElement("urn:sm", "P", element(expected))])
        stored = await storage.get(SM, "urn:sm")
        assert stored is not None
        assert stored.version == expected
    assert (await put(storage, SM, "urn:sm", document=body("urn:sm", rev=3))).version == 6
    await put(storage, SM, "urn:other")
    await storage.commit([PutElement("urn:other", "P", element(1))])

    with pytest.raises(DocumentExists):
        await storage.commit([PutElement("urn:sm", "P", element(0)), PutDocument(SM, "urn:sm", b"{}", (), True)])
    await attach(storage, SM, "urn:sm", "File", b"attachments are no document writes")

    storage = await reopen()
    stored = await storage.get(SM, "urn:sm")
    assert stored is not None
    assert stored.version == 6
    assert [doc.version for doc in await list_all(storage, SM)] == [6, 2]
    for kind in (SHELL, CD):
        assert (await put(storage, kind, "urn:x")).version == 1
        assert (await put(storage, kind, "urn:x")).version == 2


# -- deletes ---------------------------------------------------------------------------------------


async def test_delete_removes_the_document_its_records_terms_and_attachments(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SM, "urn:sm", [("idShort", "Doomed"), ("semanticId", "urn:sem")])
    await put(storage, SM, "urn:neighbour", [("semanticId", "urn:sem")])
    await storage.commit([PutElement("urn:sm", "A", element(1)), PutElement("urn:sm", "B", element(2))])
    record_a, file_a = await attach(storage, SM, "urn:sm", "FileA", b"a")
    record_b, file_b = await attach(storage, SM, "urn:sm", "Coll.FileB", b"b")
    neighbour, neighbour_file = await attach(storage, SM, "urn:neighbour", "FileA", b"n")

    await storage.commit([DeleteDocument(SM, "urn:sm")])

    assert await storage.get(SM, "urn:sm") is None
    assert await storage.get_many(SM, ["urn:sm"]) == []
    assert await storage.count(SM) == 1
    assert await listed_ids(storage, SM) == ["urn:neighbour"]
    assert await listed_ids(storage, SM, [("idShort", "Doomed")]) == []
    assert await listed_ids(storage, SM, [("semanticId", "urn:sem")]) == ["urn:neighbour"]
    assert await storage.get_attachment(SM, "urn:sm", "FileA") is None
    assert await storage.get_attachment(SM, "urn:sm", "Coll.FileB") is None
    assert await storage.attachments_of(SM, "urn:sm") == []
    assert await storage.attachments_of(SM, "urn:neighbour") == [neighbour]

    # The files of the dropped attachments are gone by the next start at the latest.
    storage = await reopen()
    assert not file_a.exists()
    assert not file_b.exists()
    assert neighbour_file.read_bytes() == b"n"
    assert storage.blob_path(neighbour.blob).read_bytes() == b"n"

    # Created again, the id starts from scratch.
    again = await put(storage, SM, "urn:sm", [("idShort", "Again")])
    assert (again.elements, again.version) == ((), 1)
    assert await storage.attachments_of(SM, "urn:sm") == []
    assert await storage.get_attachment(SM, "urn:sm", record_a.path) is None
    assert await storage.get_attachment(SM, "urn:sm", record_b.path) is None
    assert await listed_ids(storage, SM, [("idShort", "Doomed")]) == []


async def test_delete_leaves_the_attachments_of_the_same_id_in_another_kind(storage: Storage, reopen: Reopen) -> None:
    for kind in (SHELL, SM):
        await put(storage, kind, "urn:same")
    shell_file, shell_path = await attach(storage, SHELL, "urn:same", "", b"thumbnail")
    await attach(storage, SM, "urn:same", "", b"submodel file")

    await storage.commit([DeleteDocument(SM, "urn:same")])

    assert await storage.attachments_of(SM, "urn:same") == []
    assert await storage.attachments_of(SHELL, "urn:same") == [shell_file]
    storage = await reopen()
    assert await storage.get_attachment(SHELL, "urn:same", "") == shell_file
    assert shell_path.read_bytes() == b"thumbnail"


# -- attachments -----------------------------------------------------------------------------------


async def test_new_blob_path_gives_fresh_writable_paths_in_the_attachment_directory(storage: Storage) -> None:
    names = [storage.new_blob_path() for _ in range(20)]

    assert len({name for name, _ in names}) == 20
    assert len({path for _, path in names}) == 20
    directories = {path.parent.resolve() for _, path in names}
    assert len(directories) == 1
    for name, path in names:
        assert not path.exists()
        assert storage.blob_path(name).resolve() == path.resolve()
        path.write_bytes(b"upload")  # the directory exists once the store is open
        path.unlink()


async def test_attachments_round_trip(storage: Storage) -> None:
    await put(storage, SHELL, "urn:s")
    await put(storage, SM, "urn:sm")
    content = bytes(range(256)) * 64
    blob, _ = new_blob(storage, content)
    thumbnail = AttachmentRecord(SHELL, "urn:s", "", "image/png", "thumb.png", blob, len(content))
    await storage.commit([PutAttachment(thumbnail)])
    manual, _ = await attach(storage, SM, "urn:sm", "Docs.Manual", b"%PDF-1.7", file_name="manual ä.pdf")
    drawing, _ = await attach(storage, SM, "urn:sm", "Docs.List[0]", b"drawing")

    assert await storage.get_attachment(SHELL, "urn:s", "") == thumbnail
    assert storage.blob_path(thumbnail.blob).read_bytes() == content
    assert await storage.get_attachment(SM, "urn:sm", "Docs.Manual") == manual
    assert storage.blob_path(manual.blob).read_bytes() == b"%PDF-1.7"
    assert await storage.attachments_of(SHELL, "urn:s") == [thumbnail]
    assert sorted(await storage.attachments_of(SM, "urn:sm"), key=lambda r: r.path) == [drawing, manual]

    assert await storage.get_attachment(SM, "urn:sm", "Docs") is None
    assert await storage.get_attachment(SM, "urn:sm", "") is None
    assert await storage.get_attachment(SHELL, "urn:sm", "Docs.Manual") is None
    assert await storage.get_attachment(SM, "urn:s", "") is None
    assert await storage.attachments_of(CD, "urn:s") == []
    assert await storage.attachments_of(SM, "urn:unknown") == []


async def test_attachments_are_per_kind_owner_and_path(storage: Storage) -> None:
    records = []
    for kind in (SHELL, SM):
        for owner in ("urn:a", "urn:b"):
            for path in ("", "F"):
                record, _ = await attach(storage, kind, owner, path, f"{kind}{owner}{path}".encode())
                records.append(record)

    for record in records:
        assert await storage.get_attachment(record.kind, record.owner_id, record.path) == record
        assert storage.blob_path(record.blob).read_bytes() == f"{record.kind}{record.owner_id}{record.path}".encode()
    for kind in (SHELL, SM):
        for owner in ("urn:a", "urn:b"):
            expected = [r for r in records if (r.kind, r.owner_id) == (kind, owner)]
            assert sorted(await storage.attachments_of(kind, owner), key=lambda r: r.path) == expected


async def test_replacing_an_attachment(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SM, "urn:sm")
    old, old_file = await attach(storage, SM, "urn:sm", "F", b"old content")
    other, other_file = await attach(storage, SM, "urn:sm", "G", b"other")

    new, new_file = await attach(storage, SM, "urn:sm", "F", b"new content", file_name="new.txt")

    assert await storage.get_attachment(SM, "urn:sm", "F") == new
    assert sorted(await storage.attachments_of(SM, "urn:sm"), key=lambda r: r.path) == [new, other]
    assert storage.blob_path(new.blob).read_bytes() == b"new content"

    # The same blob with new metadata replaces the record and keeps the content.
    relabelled = AttachmentRecord(SM, "urn:sm", "F", "text/plain", "renamed.txt", new.blob, new.size)
    await storage.commit([PutAttachment(relabelled)])
    assert await storage.get_attachment(SM, "urn:sm", "F") == relabelled
    assert storage.blob_path(new.blob).read_bytes() == b"new content"

    storage = await reopen()
    assert not old_file.exists()
    assert new_file.read_bytes() == b"new content"
    assert other_file.read_bytes() == b"other"
    assert await storage.get_attachment(SM, "urn:sm", "F") == relabelled
    assert old.blob != new.blob


async def test_deleting_an_attachment(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SHELL, "urn:s")
    thumbnail, thumbnail_file = await attach(storage, SHELL, "urn:s", "", b"thumb")
    other, other_file = await attach(storage, SHELL, "urn:s", "Extra", b"extra")

    await storage.commit([DeleteAttachment(SHELL, "urn:s", "")])

    assert await storage.get_attachment(SHELL, "urn:s", "") is None
    assert await storage.attachments_of(SHELL, "urn:s") == [other]
    assert await storage.get(SHELL, "urn:s") is not None
    storage = await reopen()
    assert not thumbnail_file.exists()
    assert other_file.read_bytes() == b"extra"
    assert await storage.get_attachment(SHELL, "urn:s", "") is None
    assert thumbnail.blob != other.blob


async def test_attachments_survive_a_replace_of_their_document(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")
    record, file = await attach(storage, SM, "urn:sm", "F", b"content")

    await put(storage, SM, "urn:sm", document=body("urn:sm", rev=2))
    await storage.commit([PutElement("urn:sm", "F", element("content"))])

    assert await storage.get_attachment(SM, "urn:sm", "F") == record
    assert file.read_bytes() == b"content"


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../escape", "../../etc/passwd", "/etc/passwd", "a/b", "a\\..\\..\\b", "x\x00y"]
)
async def test_blob_path_never_leaves_the_attachment_directory(storage: Storage, name: str) -> None:
    directory = storage.new_blob_path()[1].parent.resolve()
    try:
        path = storage.blob_path(name)
    except ValueError:
        return
    resolved = path.resolve()
    assert resolved.parent == directory, f"blob_path({name!r}) = {path}"


async def test_open_removes_upload_files_that_were_never_attached(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SM, "urn:sm")
    attached, attached_file = await attach(storage, SM, "urn:sm", "F", b"attached")
    _, never_committed = new_blob(storage, b"the server died before the commit")
    failed_blob, failed_file = new_blob(storage, b"the unit failed")
    with pytest.raises(KeyError):
        await storage.commit(
            [
                PutAttachment(AttachmentRecord(SM, "urn:sm", "G", "text/plain", "g.txt", failed_blob, 15)),
                PutElement("urn:sm:missing", "G", element("g")),
            ]
        )
    foreign = attached_file.parent / "not-a-blob.txt"
    foreign.write_bytes(b"someone else's file")

    storage = await reopen()

    assert not never_committed.exists()
    assert not failed_file.exists()
    assert attached_file.read_bytes() == b"attached"
    assert await storage.get_attachment(SM, "urn:sm", "F") == attached
    assert await storage.get_attachment(SM, "urn:sm", "G") is None
    assert foreign.read_bytes() == b"someone else's file"


# -- durability ------------------------------------------------------------------------------------


async def test_everything_committed_survives_a_restart(storage: Storage, reopen: Reopen) -> None:
    await storage.commit(
        [
            PutDocument(SHELL, "urn:s:1", body("urn:s:1"), [("idShort", "S1"), ("assetId", "a")]),
            PutDocument(SHELL, "urn:s:2", body("urn:s:2"), [("assetId", "a")]),
            PutDocument(SM, "urn:sm:1", body("urn:sm:1"), [("semanticId", "urn:sem")]),
            PutDocument(SM, "urn:sm:2", body("urn:sm:2")),
            PutDocument(CD, "urn:cd:1", body("urn:cd:1"), [("isCaseOf", "urn:x")]),
        ]
    )
    await storage.commit([PutElement("urn:sm:1", "A", element(1))])
    await storage.commit([PutElement("urn:sm:1", "B.C", element(2)), PutElement("urn:sm:2", "X", element(3))])
    await storage.commit([PutDocument(SHELL, "urn:s:2", body("urn:s:2", rev=2), [("assetId", "b")])])
    await storage.commit([DeleteDocument(CD, "urn:cd:1")])
    await storage.commit([PutDocument(CD, "urn:cd:2", body("urn:cd:2"), [("isCaseOf", "urn:x")])])
    thumbnail, thumbnail_file = await attach(storage, SHELL, "urn:s:1", "", b"png")
    manual, manual_file = await attach(storage, SM, "urn:sm:1", "Manual", b"pdf")
    before = {kind: await list_all(storage, kind) for kind in ALL_KINDS}

    for _ in range(2):
        storage = await reopen()

        assert {kind: await list_all(storage, kind) for kind in ALL_KINDS} == before
        assert [await storage.count(kind) for kind in (SHELL, SM, CD)] == [2, 2, 1]
        sm = await storage.get(SM, "urn:sm:1")
        assert sm is not None
        assert sm.elements == (("A", element(1)), ("B.C", element(2)))
        assert sm.version == 3
        assert await storage.get(CD, "urn:cd:1") is None
        assert await listed_ids(storage, SHELL, [("assetId", "a")]) == ["urn:s:1"]
        assert await listed_ids(storage, SHELL, [("assetId", "b")]) == ["urn:s:2"]
        assert await listed_ids(storage, SM, [("semanticId", "urn:sem")]) == ["urn:sm:1"]
        assert await listed_ids(storage, CD, [("isCaseOf", "urn:x")]) == ["urn:cd:2"]
        assert await storage.get_attachment(SHELL, "urn:s:1", "") == thumbnail
        assert await storage.attachments_of(SM, "urn:sm:1") == [manual]
        assert storage.blob_path(thumbnail.blob).read_bytes() == b"png"
        assert storage.blob_path(manual.blob).read_bytes() == b"pdf"
        assert thumbnail_file.exists()
        assert manual_file.exists()

    # And the restarted store takes new writes where the old one left off.
    new = await put(storage, SM, "urn:sm:3")
    assert new.seq > max(doc.seq for docs in before.values() for doc in docs)
    with pytest.raises(DocumentExists):
        await storage.commit([PutDocument(SM, "urn:sm:1", b"{}", create_only=True)])


# -- concurrency -----------------------------------------------------------------------------------


async def test_many_concurrent_element_writes_all_persist(storage: Storage, reopen: Reopen) -> None:
    await put(storage, SM, "urn:sm")
    paths = [f"Coll.Prop{i}" for i in range(200)]

    await asyncio.gather(*(storage.commit([PutElement("urn:sm", path, element(path))]) for path in paths))

    for restart in (False, True):
        current = await reopen() if restart else storage
        stored = await current.get(SM, "urn:sm")
        assert stored is not None
        assert sorted(path for path, _ in stored.elements) == sorted(paths)
        assert dict(stored.elements) == {path: element(path) for path in paths}
        assert stored.version == 201


async def test_many_concurrent_inserts_get_distinct_seqs(storage: Storage) -> None:
    ids = [f"urn:s:{i:03}" for i in range(150)]

    await asyncio.gather(*(storage.commit([PutDocument(SHELL, id_, body(id_), [("n", id_)])]) for id_ in ids))

    listed = await list_all(storage, SHELL, limit=17)
    assert sorted(doc.id for doc in listed) == ids
    assert len({doc.seq for doc in listed}) == len(ids)
    assert await storage.count(SHELL) == len(ids)
    assert await listed_ids(storage, SHELL, [("n", "urn:s:042")]) == ["urn:s:042"]


async def test_a_read_sees_a_document_and_its_element_records_from_one_committed_state(storage: Storage) -> None:
    # Each unit replaces the document with revision ``rev`` and writes element P = rev: a consistent read
    # has P equal to the revision of its document, and version 2 * rev + 2.
    await storage.commit([PutDocument(SM, "urn:sm", body("urn:sm", rev=0)), PutElement("urn:sm", "P", element(0))])
    await put(storage, SM, "urn:other")
    stop = asyncio.Event()
    writes = 0

    async def write() -> None:
        nonlocal writes
        while not stop.is_set():
            rev = writes + 1
            await storage.commit(
                [PutDocument(SM, "urn:sm", body("urn:sm", rev=rev)), PutElement("urn:sm", "P", element(rev))]
            )
            writes = rev

    async def read(i: int) -> StoredDocument:
        if i % 3 == 0:
            stored = await storage.get(SM, "urn:sm")
        elif i % 3 == 1:
            stored = {doc.id: doc for doc in await storage.get_many(SM, ["urn:other", "urn:sm"])}.get("urn:sm")
        else:
            stored = (await storage.list_page(ListQuery(SM, limit=1)))[0]
        assert stored is not None
        return stored

    def torn(doc: StoredDocument) -> bool:
        rev = orjson.loads(doc.document)["rev"]
        return doc.elements != (("P", element(rev)),) or doc.version != 2 * rev + 2

    writer = asyncio.create_task(write())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 0.75
    reads: list[StoredDocument] = []
    try:
        while len(reads) < 3000 and loop.time() < deadline and not any(torn(doc) for doc in reads[-2:]):
            reads += await asyncio.gather(read(len(reads)), read(len(reads) + 1))
    finally:
        stop.set()
        await writer

    bad = [doc for doc in reads if torn(doc)]
    assert not bad, f"{len(bad)} of {len(reads)} reads mix two states, e.g. {bad[0]}"
    assert writes > 10, "too few writes overlapped the reads to test anything"


async def test_reads_during_writes_see_whole_units(storage: Storage) -> None:
    await put(storage, SM, "urn:sm")

    async def write(i: int) -> None:
        # Each unit writes a pair that a reader must never see half of.
        await storage.commit([PutElement("urn:sm", f"A{i}", element(i)), PutElement("urn:sm", f"B{i}", element(i))])

    async def read() -> list[tuple[str, bytes]]:
        stored = await storage.get(SM, "urn:sm")
        assert stored is not None
        return list(stored.elements)

    results = await asyncio.gather(*(task for i in range(50) for task in (write(i), read())))

    for elements in results:
        if elements is None:
            continue
        paths = {path for path, _ in elements}
        assert {path[1:] for path in paths if path[0] == "A"} == {path[1:] for path in paths if path[0] == "B"}
    final = await storage.get(SM, "urn:sm")
    assert final is not None
    assert len(final.elements) == 100
