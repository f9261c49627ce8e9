"""The packaging machine as a Modbus TCP server (pymodbus 3.16), device id 1.

Register map (addresses 0-based as on the wire; multi-register values are big-endian word and byte order
"ABCD" unless the row says otherwise; "w" = writable by clients, everything else is read-only)::

    table              address  type / encoding                         value
    -----------------  -------  --------------------------------------  ----------------------------------
    holding registers  0-1      float32 ABCD                            Speed (packs/min)
                       2-3      float32 ABCD                        w   SpeedSetpoint (clamped 0-300)
                       4-5      uint32 ABCD                             GoodCount
                       6-7      uint32 ABCD                             RejectCount
                       8        uint16                                  State (0 stopped, 1 running, 2 fault)
                       9        int16, scale 0.1                        MotorTemperature (°C)
                       10-13    float64 ABCD(EFGH)                      OperatingHours
                       14-21    16 ASCII chars, 2 per register, high    BatchId
                                byte first, NUL padded
                       22-23    float32 word-swapped "CDAB"             Speed
                       24-25    uint32 little-endian "DCBA"             GoodCount
                       26-27    uint32 byte-swapped "BADC"              GoodCount
                       28-31    int64 ABCD(EFGH), seconds               OperatingHours * 3600 (truncated)
                       1000-    uint16 (only with ``registers=N``)      (machine.steps + offset) mod 65536
    input registers    0        int16, scale 0.01                       VibrationRms (mm/s)
                       1-256    int16, scale 0.01                       VibrationWaveform samples (mm/s)
    coils              0        bool                                    Running (state == 1)
                       1        bool                                    Fault (state == 2)
                       8        bool                                w   ResetCounters: write 1 to reset the
                                                                        counters; always reads back 0
    discrete inputs    0        bool                                    DoorClosed
                       1        bool                                    EmergencyStop

Coils and discrete inputs 0-15 exist (unlisted ones read 0; writing any coil but 8 is ILLEGAL ADDRESS);
the extra registers' offset is ``address - 1000``. Scaled int16 values saturate at -32768/32767.
Unmapped holding registers (32-999, and from 1000 without ``registers``) answer ILLEGAL ADDRESS, as a
real PLC does. Write SpeedSetpoint with one write-multiple-registers request (function 16) for both
registers; a single-register write combines with the other half's current value. A non-finite float is
refused with ILLEGAL VALUE.

How: pymodbus' ``SimDevice`` keeps register lists; its ``action`` hook runs before every request, and we
use it to encode the requested range from the live model (so reads are never older than the model) and
to push writes into the model. pymodbus' own read-only flags reject writes outside 2-3.

Pitfall (see /work/shared/GATEWAY_FACTS.md): the pymodbus server answers only the first of pipelined
requests on one connection; clients must wait for each response.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import struct
from types import TracebackType
from typing import Self

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from .clock import run_periodic
from .machine import WAVEFORM_SAMPLES, MachineState, PackagingMachine

__all__ = [
    "EXTRA_REGISTERS_START",
    "ModbusMachineServer",
    "coil_bits",
    "discrete_input_bits",
    "holding_registers",
    "input_registers",
]

DEVICE_ID = 1
HOLDING_MAP_SIZE = 32
INPUT_MAP_SIZE = 1 + WAVEFORM_SAMPLES
EXTRA_REGISTERS_START = 1000
SETPOINT_ADDRESS = 2
RESET_COIL = 8
_BITS = 16  # one register of coils / discrete inputs
_COIL_FUNCTIONS = frozenset({1, 5, 15})
_DISCRETE_FUNCTIONS = frozenset({2})
_INPUT_FUNCTIONS = frozenset({4})


# -- encoding (pure, used by the server and usable by tests) ---------------------------------------------------


def _regs(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _scaled_int16(value: float, scale: float) -> int:
    raw = min(max(round(value / scale), -32768), 32767)
    return raw & 0xFFFF


def holding_registers(machine: PackagingMachine) -> list[int]:
    """Holding registers 0-31 (see the module table)."""
    speed_abcd = struct.pack(">f", machine.speed)
    good = machine.good_count
    good_abcd = struct.pack(">I", good)
    batch = machine.batch_id.encode("ascii", "replace")[:16].ljust(16, b"\0")
    registers = [
        *_regs(speed_abcd),
        *_regs(struct.pack(">f", machine.speed_setpoint)),
        *_regs(good_abcd),
        *_regs(struct.pack(">I", machine.reject_count)),
        int(machine.state),
        _scaled_int16(machine.motor_temperature, 0.1),
        *_regs(struct.pack(">d", machine.operating_hours)),
        *_regs(batch),
        *_regs(speed_abcd[2:] + speed_abcd[:2]),  # CDAB
        *_regs(good_abcd[::-1]),  # DCBA
        *_regs(bytes((good_abcd[1], good_abcd[0], good_abcd[3], good_abcd[2]))),  # BADC
        *_regs(struct.pack(">q", int(machine.operating_hours * 3600))),
    ]
    assert len(registers) == HOLDING_MAP_SIZE  # noqa: S101 - the table and the code must not drift
    return registers


def input_registers(machine: PackagingMachine) -> list[int]:
    """Input registers 0-256: the RMS, then the waveform."""
    return [
        _scaled_int16(machine.vibration_rms, 0.01),
        *(_scaled_int16(x, 0.01) for x in machine.vibration_waveform),
    ]


def coil_bits(machine: PackagingMachine) -> list[bool]:
    bits = [False] * _BITS
    bits[0] = machine.state == MachineState.RUNNING
    bits[1] = machine.state == MachineState.FAULT
    return bits


def discrete_input_bits(machine: PackagingMachine) -> list[bool]:
    bits = [False] * _BITS
    bits[0] = machine.door_closed
    bits[1] = machine.emergency_stop
    return bits


def _pack_bits(bits: list[bool]) -> int:
    """pymodbus' bit blocks: bit 0 of the register is the lowest address."""
    return sum(1 << i for i, bit in enumerate(bits) if bit)


# -- server --------------------------------------------------------------------------------------------------


class ModbusMachineServer:
    """A pymodbus TCP server showing a :class:`PackagingMachine`, stepped by a periodic task.

    ``async with ModbusMachineServer(port=0) as server:`` listens on a free loopback port (``server.port``);
    ``server.machine`` is the model. ``stop()`` closes the listener and every connection (an outage);
    ``start()`` listens again on the same port (SO_REUSEADDR, so TIME_WAIT sockets do not block it).
    ``step_s=None`` disables the periodic task: the owner then calls ``step(dt)``, for exact assertions, or
    shares ``machine`` with a server that steps it (the CLI's ``both``).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 0,
        step_s: float | None = 0.1,
        machine: PackagingMachine | None = None,
        registers: int = 0,
        device_id: int = DEVICE_ID,
    ) -> None:
        if step_s is not None and step_s <= 0:
            raise ValueError("step_s must be > 0 (or None for manual stepping)")
        if not 0 <= registers <= 65536 - EXTRA_REGISTERS_START:
            raise ValueError(f"registers must be in 0..{65536 - EXTRA_REGISTERS_START}")
        self.host = host
        self.port = port
        self.machine = machine if machine is not None else PackagingMachine(seed)
        self.step_s = step_s
        self.registers = registers
        self.device_id = device_id
        self._server: ModbusTcpServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is not None:
            return
        server = ModbusTcpServer(self._device(), address=(self.host, self.port))
        try:
            await server.serve_forever(background=True)
        except RuntimeError as exc:  # pymodbus' way of saying the bind failed (it logs the OSError)
            raise OSError(f"cannot listen on {self.host}:{self.port}") from exc
        self._server = server
        if self.port == 0:
            self.port = int(server.transport.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        if self.step_s is not None:
            self._task = asyncio.create_task(run_periodic(self.step_s, self.step), name="modbus-sim-step")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        server, self._server = self._server, None
        if server is not None:
            await server.shutdown()  # type: ignore[no-untyped-call]

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def step(self, dt_seconds: float) -> None:
        """Advance the model (what the periodic task does each tick); reads always see the live model."""
        self.machine.step(dt_seconds)

    # -- internals --------------------------------------------------------------------------------------------

    def _device(self) -> SimDevice:
        holding = [
            SimData(0, values=[0] * SETPOINT_ADDRESS, datatype=DataType.REGISTERS, readonly=True),
            SimData(SETPOINT_ADDRESS, values=[0, 0], datatype=DataType.REGISTERS),
            SimData(4, values=[0] * (HOLDING_MAP_SIZE - 4), datatype=DataType.REGISTERS, readonly=True),
        ]
        if self.registers:
            holding.append(
                SimData(
                    EXTRA_REGISTERS_START, count=self.registers, values=0, datatype=DataType.REGISTERS, readonly=True
                )
            )
        simdata = (
            [SimData(0, values=[False] * _BITS, datatype=DataType.BITS)],
            [SimData(0, values=[False] * _BITS, datatype=DataType.BITS)],
            holding,
            [SimData(0, values=[0] * INPUT_MAP_SIZE, datatype=DataType.REGISTERS, readonly=True)],
        )
        return SimDevice(self.device_id, simdata=simdata, action=self._action)

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """pymodbus calls this before each request, with the block's live register list (ours to refresh)."""
        if function_code in _COIL_FUNCTIONS:
            if set_values is not None and (result := self._write_coils(address, set_values)) is not None:
                return result
            registers[0] = _pack_bits(coil_bits(self.machine))
        elif function_code in _DISCRETE_FUNCTIONS:
            registers[0] = _pack_bits(discrete_input_bits(self.machine))
        elif function_code in _INPUT_FUNCTIONS:
            registers[address - start_address : address - start_address + count] = input_registers(self.machine)[
                address : address + count
            ]
        else:
            if set_values is not None and (result := self._write_setpoint(address, set_values)) is not None:
                return result
            self._refresh_holding(start_address, address, count, registers)
        return None

    def _refresh_holding(self, start_address: int, address: int, count: int, registers: list[int]) -> None:
        end = address + count
        if address < HOLDING_MAP_SIZE:
            mapped_end = min(end, HOLDING_MAP_SIZE)
            offset = address - start_address
            registers[offset : offset + mapped_end - address] = holding_registers(self.machine)[address:mapped_end]
        first_extra = max(address, EXTRA_REGISTERS_START)
        for reg in range(first_extra, end):
            registers[reg - start_address] = (self.machine.steps + reg - EXTRA_REGISTERS_START) & 0xFFFF

    def _write_coils(self, address: int, values: list[int] | list[bool]) -> ExcCodes | None:
        if any(address + i != RESET_COIL for i in range(len(values))):
            return ExcCodes.ILLEGAL_ADDRESS  # status coils are read-only
        if values[0]:
            self.machine.reset_counters()
        values[0] = False  # a command coil: it never stays set
        return None

    def _write_setpoint(self, address: int, values: list[int] | list[bool]) -> ExcCodes | None:
        """Only 2-3 get here (pymodbus refuses read-only registers first); merge, decode, push into the model."""
        current = holding_registers(self.machine)[SETPOINT_ADDRESS : SETPOINT_ADDRESS + 2]
        for i, value in enumerate(values):
            current[address + i - SETPOINT_ADDRESS] = int(value)
        setpoint: float = struct.unpack(">f", struct.pack(">HH", *current))[0]
        if not math.isfinite(setpoint):
            return ExcCodes.ILLEGAL_VALUE
        self.machine.speed_setpoint = setpoint
        return None
