"""Modbus read planner: exact coverage, protocol limits, no mixing of tables or units, and few requests."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_gateway.sources.modbus_plan import (
    MAX_READ_BITS,
    MAX_READ_REGISTERS,
    BlockMember,
    ReadBlock,
    ReadItem,
    Table,
    plan_reads,
    slice_block,
)


def limit_of(table: Table) -> int:
    return MAX_READ_BITS if table.is_bits else MAX_READ_REGISTERS


@st.composite
def item_lists(draw: st.DrawFn) -> list[ReadItem[int]]:
    """Items crowded into a small address range of few units, so that overlaps, adjacency and gaps all occur."""
    count = draw(st.integers(0, 60))
    items = []
    for key in range(count):
        table = draw(st.sampled_from(list(Table)))
        size = draw(st.integers(1, limit_of(table) if draw(st.booleans()) else 4))
        address = draw(st.integers(0, 600 if table.is_bits else 300))
        items.append(ReadItem(table, draw(st.integers(0, 2)), address, size, key))
    return items


def memory(table: Table, unit: int, address: int) -> int:
    """A fake device whose every value says where it came from."""
    return hash((table, unit, address)) & 0xFFFF


def read(block: ReadBlock[int]) -> list[int]:
    return [memory(block.table, block.unit, a) for a in range(block.start, block.end)]


@given(item_lists(), st.integers(0, 10))
def test_every_item_is_read_exactly_once_from_its_own_table_and_unit(items: list[ReadItem[int]], gap: int) -> None:
    blocks = plan_reads(items, max_gap=gap)
    by_key = {item.key: item for item in items}
    placed = [(block, member) for block in blocks for member in block.members]
    assert sorted(member.key for _, member in placed) == sorted(by_key)
    for block, member in placed:
        item = by_key[member.key]
        assert (block.table, block.unit) == (item.table, item.unit)
        assert block.start + member.offset == item.address and member.count == item.count
        assert 0 <= member.offset and member.offset + member.count <= block.count


@given(item_lists(), st.integers(0, 10))
def test_blocks_respect_the_protocol_limits_and_read_nothing_beyond_their_members(
    items: list[ReadItem[int]], gap: int
) -> None:
    for block in plan_reads(items, max_gap=gap):
        assert 1 <= block.count <= limit_of(block.table)
        assert min(m.offset for m in block.members) == 0
        assert max(m.offset + m.count for m in block.members) == block.count


@given(item_lists(), st.integers(0, 10))
def test_unused_addresses_inside_a_block_never_exceed_the_gap(items: list[ReadItem[int]], gap: int) -> None:
    for block in plan_reads(items, max_gap=gap):
        covered: set[int] = set()
        for member in block.members:
            covered.update(range(member.offset, member.offset + member.count))
        holes, run = [], 0
        for offset in range(block.count):
            if offset in covered:
                holes.append(run)
                run = 0
            else:
                run += 1
        assert max(holes) <= gap


@given(item_lists(), st.integers(0, 10))
def test_blocks_are_sorted_and_neighbours_could_not_have_been_merged(items: list[ReadItem[int]], gap: int) -> None:
    blocks = plan_reads(items, max_gap=gap)
    assert [(b.table, b.unit, b.start) for b in blocks] == sorted((b.table, b.unit, b.start) for b in blocks)
    for first, second in itertools.pairwise(blocks):
        if (first.table, first.unit) == (second.table, second.unit):
            too_far = second.start > first.end + gap
            too_long = max(first.end, second.end) - first.start > limit_of(first.table)
            assert too_far or too_long


@given(item_lists(), st.integers(0, 10))
def test_slicing_gives_every_member_its_own_values(items: list[ReadItem[int]], gap: int) -> None:
    values = {}
    for block in plan_reads(items, max_gap=gap):
        values.update(slice_block(block, read(block)))
    for item in items:
        assert values[item.key] == [memory(item.table, item.unit, a) for a in range(item.address, item.end)]


@given(item_lists(), st.randoms(use_true_random=False))
def test_plan_does_not_depend_on_input_order(items: list[ReadItem[int]], rng: random.Random) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)

    def shape(blocks: list[ReadBlock[int]]) -> list[tuple[object, ...]]:
        return [(b.table, b.unit, b.start, b.count, frozenset(b.members)) for b in blocks]

    assert shape(plan_reads(shuffled)) == shape(plan_reads(items))


# -- examples ----------------------------------------------------------------------------------------------------


def test_consecutive_registers_fill_as_few_requests_as_possible() -> None:
    items = [ReadItem(Table.HOLDING, 1, address, 1, f"r{address}") for address in range(300)]
    blocks = plan_reads(items)
    assert [(b.start, b.count) for b in blocks] == [(0, 125), (125, 125), (250, 50)]
    coils = [ReadItem(Table.COIL, 1, address, 1, address) for address in range(4001)]
    assert [(b.start, b.count) for b in plan_reads(coils)] == [(0, 2000), (2000, 2000), (4000, 1)]


def test_two_register_values_are_not_split_across_requests() -> None:
    items = [ReadItem(Table.INPUT, 1, 2 * n, 2, n) for n in range(100)]  # 100 float32 = 200 registers
    assert [(b.start, b.count) for b in plan_reads(items)] == [(0, 124), (124, 76)]


def test_overlapping_items_share_a_block() -> None:
    items = [ReadItem(Table.HOLDING, 1, 10, 4, "wide"), ReadItem(Table.HOLDING, 1, 11, 1, "inner")]
    (block,) = plan_reads(items)
    assert (block.start, block.count) == (10, 4)
    assert block.members == (BlockMember("wide", 0, 4), BlockMember("inner", 1, 1))
    assert slice_block(block, [5, 6, 7, 8]) == {"wide": [5, 6, 7, 8], "inner": [6]}


def test_gaps_are_bridged_only_up_to_max_gap() -> None:
    items = [ReadItem(Table.HOLDING, 1, 0, 1, "a"), ReadItem(Table.HOLDING, 1, 10, 1, "b")]  # 9 unused registers
    assert len(plan_reads(items)) == 2
    assert len(plan_reads(items, max_gap=8)) == 2
    (block,) = plan_reads(items, max_gap=9)
    assert (block.start, block.count) == (0, 11)


def test_tables_and_units_are_never_mixed() -> None:
    items = [
        ReadItem(Table.HOLDING, 1, 0, 1, "h1"),
        ReadItem(Table.HOLDING, 2, 1, 1, "h2"),
        ReadItem(Table.INPUT, 1, 1, 1, "i1"),
        ReadItem(Table.COIL, 1, 1, 1, "c1"),
        ReadItem(Table.DISCRETE, 1, 2, 1, "d1"),
    ]
    blocks = plan_reads(items, max_gap=100)
    assert [(b.table, b.unit) for b in blocks] == [
        (Table.COIL, 1),
        (Table.DISCRETE, 1),
        (Table.HOLDING, 1),
        (Table.HOLDING, 2),
        (Table.INPUT, 1),
    ]


def test_lower_device_limits() -> None:
    items = [ReadItem(Table.HOLDING, 1, address, 1, address) for address in range(100)]
    assert [b.count for b in plan_reads(items, max_registers=64)] == [64, 36]
    with pytest.raises(ValueError, match=r"max_registers must be an int in 1\.\.125"):
        plan_reads(items, max_registers=126)


def test_table_names_from_a_mapping_file_are_accepted() -> None:
    item = ReadItem("coil", 1, 0, 1, "x")  # type: ignore[arg-type]
    assert item.table is Table.COIL


def test_bit_answers_may_carry_byte_padding_but_nothing_else() -> None:
    (block,) = plan_reads([ReadItem(Table.COIL, 1, 3, 1, "a"), ReadItem(Table.COIL, 1, 4, 2, "b")])
    padded = [True, False, True, False, False, False, False, False]  # 3 bits asked, one byte answered
    assert slice_block(block, padded) == {"a": [True], "b": [False, True]}
    with pytest.raises(ValueError, match=r"a read of 3 bits from coil 3 \(unit 1\) answered 11"):
        slice_block(block, padded + [False] * 3)
    with pytest.raises(ValueError, match="answered 2"):
        slice_block(block, [True, True])
    (registers,) = plan_reads([ReadItem(Table.HOLDING, 1, 0, 2, "r")])
    with pytest.raises(ValueError, match=r"a read of 2 registers from holding 0 \(unit 1\) answered 3"):
        slice_block(registers, [1, 2, 3])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: plan_reads([ReadItem(Table.HOLDING, 1, 0, 126, "big")]), "'big' needs 126 registers, more than"),
        (lambda: plan_reads([ReadItem(Table.COIL, 1, 0, 2001, "big")]), "'big' needs 2001 bits"),
        (lambda: plan_reads([ReadItem(Table.INPUT, 1, 0, 1, "k"), ReadItem(Table.INPUT, 1, 5, 1, "k")]), "twice"),
        (lambda: plan_reads([], max_gap=-1), "max_gap must be an int"),
        (lambda: ReadItem(Table.HOLDING, 256, 0, 1, "k"), "unit must be an int in 0..255"),
        (lambda: ReadItem(Table.HOLDING, 1, 65536, 1, "k"), "address must be an int in 0..65535"),
        (lambda: ReadItem(Table.HOLDING, 1, 65535, 2, "k"), r"count must be an int in 1..1, got 2"),
        (lambda: ReadItem(Table.HOLDING, 1, 0, 0, "k"), "count must be an int"),
        (lambda: ReadItem("register", 1, 0, 1, "k"), "'register' is not a valid Table"),  # type: ignore[arg-type]
    ],
)
def test_refusals(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(ValueError, match=message):
        make()


def test_a_full_size_item_fits_alone() -> None:
    blocks = plan_reads([ReadItem(Table.HOLDING, 1, 0, 125, "a"), ReadItem(Table.HOLDING, 1, 125, 125, "b")])
    assert [(b.start, b.count) for b in blocks] == [(0, 125), (125, 125)]
    assert plan_reads([]) == []
