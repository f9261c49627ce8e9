"""Modbus TCP signals by polling (pymodbus), with merged reads and supervised reconnect.

Signals of one device are grouped by polling interval; each group is read in as few requests as the
register map allows (:mod:`modbus_plan`: adjacent registers merged, <= 125 registers per request) and
decoded by :mod:`modbus_codec`. pymodbus stays behind this one module (its API moves between minor
versions: ``device_id`` was ``slave`` before 3.9) and the other two know nothing of it.

One request is in flight per connection (pymodbus does not pipeline, and its server answers only the first
of pipelined requests), so the poll groups share the connection through a lock. The connection is
supervised here, not by pymodbus' own reconnect, so that retry delays have jitter and the signals are marked
BAD as soon as the device is unreachable. A Modbus exception response (e.g. an illegal address) marks only
the signals of that block BAD and leaves the connection up.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from ..config import ModbusSource, Signal
from ..model import Quality, Sample, now_micros
from ..retry import backoff_delays
from .modbus_codec import DataType, decode, decode_bits, encode, register_count
from .modbus_plan import ReadBlock, ReadItem, Table, plan_reads, slice_block

__all__ = ["ModbusConnection"]

log = logging.getLogger(__name__)

Emit = Callable[[list[Sample]], None]
SourceDown = Callable[[str], None]


class _Disconnected(Exception):
    """The device is unreachable: reconnect."""


class ModbusConnection:
    def __init__(self, config: ModbusSource, signals: Sequence[Signal], emit: Emit, source_down: SourceDown) -> None:
        self.config = config
        self._signals = {s.id: s for s in signals if s.source == config.name}
        self._emit = emit
        self._source_down = source_down
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()
        groups: dict[int, list[ReadItem[str]]] = defaultdict(list)
        for signal in self._signals.values():
            groups[signal.poll_ms].append(self._item(signal))
        self._plans = {interval: plan_reads(items, max_gap=config.max_gap) for interval, items in groups.items()}
        self.connected = False
        self.reconnects = 0
        self.reads = 0

    def _item(self, signal: Signal) -> ReadItem[str]:
        table = Table(signal.table or "holding")
        count = 1 if table.is_bits else register_count(signal.type or DataType.UINT16, signal.length)
        return ReadItem(table, self.config.unit, signal.address or 0, count, signal.id)

    # -- supervision -----------------------------------------------------------------------------

    async def run(self) -> None:
        delays = backoff_delays(self.config.reconnect)
        first = True
        while True:
            client = AsyncModbusTcpClient(
                self.config.host, port=self.config.port, timeout=self.config.timeout_s, retries=0, reconnect_delay=0
            )
            try:
                if not await client.connect():
                    raise _Disconnected(f"cannot connect to {self.config.host}:{self.config.port}")
                self._client = client
                self.connected = True
                if not first:
                    self.reconnects += 1
                first = False
                delays = backoff_delays(self.config.reconnect)
                log.info("Modbus %s: connected to %s:%s", self.config.name, self.config.host, self.config.port)
                await self._poll_all()
            except asyncio.CancelledError:
                client.close()
                raise
            except (_Disconnected, ModbusException, OSError, TimeoutError) as exc:
                log.warning("Modbus %s: %s", self.config.name, exc)
            self.connected = False
            self._client = None
            client.close()
            self._source_down(self.config.name)
            await asyncio.sleep(next(delays))

    async def _poll_all(self) -> None:
        tasks = [asyncio.create_task(self._poll(interval, blocks)) for interval, blocks in self._plans.items()]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                exc = task.exception()
                if exc is not None:
                    raise exc
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _poll(self, interval_ms: int, blocks: list[ReadBlock[str]]) -> None:
        loop = asyncio.get_running_loop()
        period = interval_ms / 1000
        next_tick = loop.time()
        while True:
            samples: list[Sample] = []
            for block in blocks:
                samples += await self._read(block)
            self._emit(samples)
            next_tick += period
            await asyncio.sleep(max(0.0, next_tick - loop.time()))
            if loop.time() - next_tick > period:  # fell behind (slow device): skip, don't burst
                next_tick = loop.time()

    async def _read(self, block: ReadBlock[str]) -> list[Sample]:
        client = self._client
        if client is None or not client.connected:
            raise _Disconnected("connection lost")
        read = {
            Table.HOLDING: client.read_holding_registers,
            Table.INPUT: client.read_input_registers,
            Table.COIL: client.read_coils,
            Table.DISCRETE: client.read_discrete_inputs,
        }[block.table]
        async with self._lock:
            response = await read(block.start, count=block.count, device_id=block.unit)
        now = now_micros()
        self.reads += 1
        if response.isError():
            log.warning(
                "Modbus %s: %s %d+%d refused: %s", self.config.name, block.table, block.start, block.count, response
            )
            return [Sample(m.key, None, now, Quality.BAD) for m in block.members]
        values: Sequence[Any] = response.bits if block.table.is_bits else response.registers
        samples = []
        for key, raw in slice_block(block, values).items():
            signal = self._signals[key]
            try:
                if block.table.is_bits:
                    value: Any = decode_bits(raw[:1])
                else:
                    value = decode(raw, signal.type or DataType.UINT16, signal.order, **_scaling(signal))
            except ValueError as exc:
                log.warning("Modbus %s: signal %s: %s", self.config.name, key, exc)
                samples.append(Sample(key, None, now, Quality.BAD))
                continue
            samples.append(Sample(key, value, now))
        return samples

    @property
    def name(self) -> str:
        return self.config.name

    # -- write-back --------------------------------------------------------------------------------

    async def write(self, signal: Signal, value: Any) -> None:
        client = self._client
        if client is None or not self.connected:
            raise ConnectionError(f"Modbus {self.config.name} is not connected")
        address = signal.address or 0
        async with self._lock:
            if signal.table == "coil":
                response = await client.write_coil(address, bool(value), device_id=self.config.unit)
            elif signal.table == "holding":
                registers = encode(value, signal.type or DataType.UINT16, signal.order, **_scaling(signal))
                response = await client.write_registers(address, registers, device_id=self.config.unit)
            else:
                raise ValueError(f"signal {signal.id}: {signal.table} is read-only in Modbus")
        if response.isError():
            raise ConnectionError(f"Modbus {self.config.name}: write of {signal.id} refused: {response}")


def _scaling(signal: Signal) -> dict[str, Any]:
    """The codec options a signal configures (string length, scale and offset)."""
    return {"length": signal.length, "scale": signal.scale, "offset": signal.offset}
