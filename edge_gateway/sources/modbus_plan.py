"""Which Modbus requests to send so that a group of signals is read in as few round trips as possible.

A PLC answers one request per round trip (often tens of milliseconds over a busy network, and many devices
process one request at a time), so reading 300 signals one by one would stretch a 1 s polling interval. The
planner merges signals that sit next to each other into blocks of at most 125 registers or 2000 bits (the
protocol limits of one read request), then :func:`slice_block` hands each signal its part of the answer.

Gaps are not bridged by default: reading an address the device does not implement is answered with an
"illegal data address" exception that fails the whole block. Devices with a dense register map can allow
``max_gap`` unused registers between signals to save further requests.

Planning is pure and deterministic (blocks sorted by table name, unit and start address), so the same mapping
always produces the same requests, which keeps device logs and packet captures comparable between runs.
Signals polled at different intervals are planned separately by the caller.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = [
    "MAX_READ_BITS",
    "MAX_READ_REGISTERS",
    "BlockMember",
    "ReadBlock",
    "ReadItem",
    "Table",
    "plan_reads",
    "slice_block",
]

#: protocol limits of one request: function codes 3/4 (registers) and 1/2 (coils, discrete inputs)
MAX_READ_REGISTERS = 125
MAX_READ_BITS = 2000

_ADDRESS_SPACE = 0x10000
_MAX_UNIT = 255

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Table(enum.StrEnum):
    """The four Modbus data tables; each is read with its own function code, so blocks never mix them."""

    HOLDING = "holding"
    INPUT = "input"
    COIL = "coil"
    DISCRETE = "discrete"

    @property
    def is_bits(self) -> bool:
        """Coils and discrete inputs hold single bits; the others 16-bit registers."""
        return self in (Table.COIL, Table.DISCRETE)


@dataclass(frozen=True, slots=True)
class ReadItem(Generic[K]):
    """One signal to read: ``count`` registers (or bits) from ``address`` of ``table`` on device ``unit``."""

    table: Table
    unit: int
    address: int
    count: int
    key: K

    def __post_init__(self) -> None:
        # coerce so that items built from a mapping file ("holding") sort and compare like enum members
        object.__setattr__(self, "table", Table(self.table))
        _check_int("unit", self.unit, 0, _MAX_UNIT)
        _check_int("address", self.address, 0, _ADDRESS_SPACE - 1)
        _check_int("count", self.count, 1, _ADDRESS_SPACE - self.address)

    @property
    def end(self) -> int:
        """The first address after the item."""
        return self.address + self.count


@dataclass(frozen=True, slots=True)
class BlockMember(Generic[K]):
    """Where a signal's values sit in a block's answer: ``count`` values from index ``offset``."""

    key: K
    offset: int
    count: int


@dataclass(frozen=True, slots=True)
class ReadBlock(Generic[K]):
    """One read request, and the signals it serves (in address order)."""

    table: Table
    unit: int
    start: int
    count: int
    members: tuple[BlockMember[K], ...]

    @property
    def end(self) -> int:
        """The first address after the block."""
        return self.start + self.count


def plan_reads(
    items: Iterable[ReadItem[K]],
    *,
    max_gap: int = 0,
    max_registers: int = MAX_READ_REGISTERS,
    max_bits: int = MAX_READ_BITS,
) -> list[ReadBlock[K]]:
    """The fewest blocks, within the limits, that read every item whole; items never share a key.

    ``max_gap`` is how many unused addresses may be read to join two items into one request.
    ``max_registers`` / ``max_bits`` may be lowered for devices that answer only shorter requests
    (many smaller PLCs stop at 64 registers or fewer).
    """
    _check_int("max_gap", max_gap, 0, _ADDRESS_SPACE)
    _check_int("max_registers", max_registers, 1, MAX_READ_REGISTERS)
    _check_int("max_bits", max_bits, 1, MAX_READ_BITS)
    groups: defaultdict[tuple[Table, int], list[ReadItem[K]]] = defaultdict(list)
    for item in _unique(items):
        limit = max_bits if item.table.is_bits else max_registers
        if item.count > limit:
            raise ValueError(f"{item.key!r} needs {item.count} {_unit_name(item.table)}, more than one read of {limit}")
        groups[item.table, item.unit].append(item)
    blocks: list[ReadBlock[K]] = []
    for (table, unit), group in sorted(groups.items(), key=lambda entry: entry[0]):
        limit = max_bits if table.is_bits else max_registers
        blocks.extend(_plan_group(table, unit, group, max_gap, limit))
    return blocks


def slice_block(block: ReadBlock[K], values: Sequence[T]) -> dict[K, list[T]]:
    """Each member's values out of the answer to ``block`` (registers, or bits for coils/discrete inputs).

    A bit answer arrives in whole bytes, so up to 7 padding bits after the block are ignored; any other
    length means the answer does not belong to this block, and is refused rather than mis-assigned.
    """
    padding = 7 if block.table.is_bits else 0
    if not block.count <= len(values) <= block.count + padding:
        raise ValueError(
            f"a read of {block.count} {_unit_name(block.table)} from {block.table} {block.start} "
            f"(unit {block.unit}) answered {len(values)}"
        )
    return {member.key: list(values[member.offset : member.offset + member.count]) for member in block.members}


def _plan_group(table: Table, unit: int, items: list[ReadItem[K]], max_gap: int, limit: int) -> list[ReadBlock[K]]:
    """Greedy in address order: each item joins the open block if it stays close enough and within the limit.

    Consecutive items are packed until the next one would break the limit, so 300 single registers take 3
    reads; a stable sort keeps the input order for items at the same address, so the plan is reproducible.
    """
    blocks: list[ReadBlock[K]] = []
    current: list[ReadItem[K]] = []
    start = end = 0
    for item in sorted(items, key=lambda i: (i.address, i.end)):
        if current and item.address <= end + max_gap and max(end, item.end) - start <= limit:
            end = max(end, item.end)
        else:
            if current:
                blocks.append(_block(table, unit, start, end, current))
            current, start, end = [], item.address, item.end
        current.append(item)
    if current:
        blocks.append(_block(table, unit, start, end, current))
    return blocks


def _block(table: Table, unit: int, start: int, end: int, items: list[ReadItem[K]]) -> ReadBlock[K]:
    members = tuple(BlockMember(item.key, item.address - start, item.count) for item in items)
    return ReadBlock(table, unit, start, end - start, members)


def _unique(items: Iterable[ReadItem[K]]) -> Iterable[ReadItem[K]]:
    """The items, refusing a repeated key: :func:`slice_block` returns one entry per key."""
    seen: set[K] = set()
    for item in items:
        if item.key in seen:
            raise ValueError(f"key {item.key!r} is planned twice")
        seen.add(item.key)
        yield item


def _unit_name(table: Table) -> str:
    return "bits" if table.is_bits else "registers"


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an int in {low}..{high}, got {value!r}")
