"""Values to and from Modbus registers, without any Modbus library.

Modbus only knows 16-bit registers and single bits; every wider type is a convention of the device, and
devices disagree on the order of the bytes. Keeping this translation pure (no I/O, no pymodbus) means it is
tested exhaustively here and a pymodbus upgrade (whose payload helpers have changed between releases) cannot
silently change what a register means.

Byte orders are named by where the bytes of the big-endian value ``A B C D`` (``A`` most significant) end up
in the registers, read in address order, each register high byte first:

=========  =======================  ==================================  =================
order      32-bit registers         64-bit rule (bytes ``A..H``)        16-bit register
=========  =======================  ==================================  =================
``ABCD``   ``[AB, CD]`` (default)   big-endian ``[AB, CD, EF, GH]``     ``[AB]`` as is
``DCBA``   ``[DC, BA]``             fully reversed ``[HG, FE, DC, BA]`` ``[BA]`` swapped
``BADC``   ``[BA, DC]``             bytes swapped in each word          ``[BA]`` swapped
``CDAB``   ``[CD, AB]``             word order reversed                 ``[AB]`` as is
=========  =======================  ==================================  =================

Strings are character sequences rather than numbers, so only the byte swap within each register applies to
them (``ABCD``/``CDAB``: first character in the high byte; ``BADC``/``DCBA``: in the low byte); the register
order is never reversed.

Numeric values are ``raw * scale + offset``: devices commonly store e.g. 0.1 °C steps in an int16, and the
gateway reports engineering units. ``encode`` is the inverse for writing setpoints back.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DataType", "Value", "WordOrder", "decode", "decode_bits", "encode", "register_count"]

#: what a decoded signal can be
Value = bool | int | float | str

_REGISTER_MAX = 0xFFFF


class DataType(enum.StrEnum):
    """How a signal is stored on the device; the value is what a mapping file names."""

    BOOL = "bool"
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    STRING = "string"


class WordOrder(enum.StrEnum):
    """Where the bytes of a multi-byte value sit in the registers (see the table in the module docstring)."""

    ABCD = "ABCD"
    DCBA = "DCBA"
    BADC = "BADC"
    CDAB = "CDAB"

    @property
    def swaps_bytes(self) -> bool:
        """True when each register holds its two bytes low byte first."""
        return self in (WordOrder.BADC, WordOrder.DCBA)

    @property
    def reverses_words(self) -> bool:
        """True when the least significant register comes first."""
        return self in (WordOrder.CDAB, WordOrder.DCBA)


@dataclass(frozen=True, slots=True)
class _Numeric:
    """The struct layout of a numeric type, and its range for integral types."""

    fmt: str  # big-endian struct format character
    registers: int
    integral: bool
    minimum: int = 0
    maximum: int = 0


def _int(fmt: str, bits: int, *, signed: bool) -> _Numeric:
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return _Numeric(fmt, bits // 16, integral=True, minimum=low, maximum=high)


_NUMERIC: dict[DataType, _Numeric] = {
    DataType.INT16: _int("h", 16, signed=True),
    DataType.UINT16: _int("H", 16, signed=False),
    DataType.INT32: _int("i", 32, signed=True),
    DataType.UINT32: _int("I", 32, signed=False),
    DataType.INT64: _int("q", 64, signed=True),
    DataType.UINT64: _int("Q", 64, signed=False),
    DataType.FLOAT32: _Numeric("f", 2, integral=False),
    DataType.FLOAT64: _Numeric("d", 4, integral=False),
}


def register_count(data_type: DataType, length: int | None = None) -> int:
    """How many registers a value occupies; ``length`` is the string length in characters (2 per register).

    The planner needs this to know how much to read, before any value exists.
    """
    data_type = DataType(data_type)
    if data_type is DataType.STRING:
        return (_string_length(length) + 1) // 2
    if length is not None:
        raise ValueError(f"length applies to strings only, not to {data_type}")
    if data_type is DataType.BOOL:
        return 1
    return _NUMERIC[data_type].registers


def _string_length(length: int | None) -> int:
    if length is None or isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"a string needs a length of at least 1 character, got {length!r}")
    return length


# -- decoding ----------------------------------------------------------------------------------------------------


def decode(
    registers: Sequence[int],
    data_type: DataType,
    order: WordOrder = WordOrder.ABCD,
    *,
    length: int | None = None,
    scale: float = 1.0,
    offset: float = 0.0,
) -> Value:
    """The value stored in ``registers`` (ints 0..65535, in address order).

    Integral types come back as ``int`` when unscaled (so 64-bit counters keep every digit), as ``float``
    otherwise. NaN and infinities in float registers are returned as such: a sensor fault is data, not a crash.
    """
    data_type, order = DataType(data_type), WordOrder(order)
    expected = register_count(data_type, length)
    _check_registers(registers, expected, data_type)
    if data_type is DataType.BOOL:
        _check_unscaled(data_type, scale, offset)
        return registers[0] != 0
    if data_type is DataType.STRING:
        _check_unscaled(data_type, scale, offset)
        return _decode_string(registers, order, _string_length(length))
    return _decode_numeric(registers, _NUMERIC[data_type], order, scale, offset)


def decode_bits(bits: Sequence[bool]) -> bool:
    """The value of a coil or discrete input: exactly one bit, so a mis-sliced read fails loudly."""
    if len(bits) != 1:
        raise ValueError(f"a coil or discrete input is 1 bit, got {len(bits)}")
    return bool(bits[0])


def _check_registers(registers: Sequence[int], expected: int, data_type: DataType) -> None:
    if len(registers) != expected:
        raise ValueError(f"{data_type} needs {expected} register(s), got {len(registers)}")
    for register in registers:
        if not isinstance(register, int) or isinstance(register, bool) or not 0 <= register <= _REGISTER_MAX:
            raise ValueError(f"register values must be ints in 0..65535, got {register!r}")


def _decode_numeric(registers: Sequence[int], spec: _Numeric, order: WordOrder, scale: float, offset: float) -> Value:
    _check_scaling(scale, offset)
    raw: int | float = struct.unpack(">" + spec.fmt, _reorder(_to_bytes(registers), order))[0]
    if scale == 1 and offset == 0:
        return raw if spec.integral else float(raw)
    return raw * scale + offset


def _decode_string(registers: Sequence[int], order: WordOrder, length: int) -> str:
    data = _to_bytes(registers)
    if order.swaps_bytes:
        data = _swap_bytes(data)
    # latin-1 maps every byte to a character, so a device sending non-ASCII garbage cannot make decoding fail
    return data[:length].decode("latin-1").rstrip("\x00 ")


# -- encoding ----------------------------------------------------------------------------------------------------


def encode(
    value: Value,
    data_type: DataType,
    order: WordOrder = WordOrder.ABCD,
    *,
    length: int | None = None,
    scale: float = 1.0,
    offset: float = 0.0,
) -> list[int]:
    """The registers that store ``value``: the inverse of :func:`decode`, for writing setpoints back.

    For integral types the raw value ``(value - offset) / scale`` is rounded half away from zero, then
    range-checked: a setpoint that does not fit is refused rather than wrapped around.
    """
    data_type, order = DataType(data_type), WordOrder(order)
    register_count(data_type, length)  # validates length
    if data_type is DataType.BOOL:
        _check_unscaled(data_type, scale, offset)
        return [1 if _as_bool(value) else 0]
    if data_type is DataType.STRING:
        _check_unscaled(data_type, scale, offset)
        return _encode_string(value, order, _string_length(length))
    return _encode_numeric(value, data_type, order, scale, offset)


def _as_bool(value: Value) -> bool:
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    raise ValueError(f"bool needs True/False (or 0/1), got {value!r}")


def _encode_numeric(value: Value, data_type: DataType, order: WordOrder, scale: float, offset: float) -> list[int]:
    _check_scaling(scale, offset)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{data_type} needs a number, got {value!r}")
    spec = _NUMERIC[data_type]
    try:
        raw = _raw_integer(value, data_type, spec, scale, offset) if spec.integral else _raw_float(value, scale, offset)
        packed = struct.pack(">" + spec.fmt, raw)
    except OverflowError:  # ints too large for a float, floats too large for float32
        raise ValueError(f"{value!r} is out of range for {data_type}") from None
    return _to_registers(_reorder(packed, order))


def _raw_integer(value: int | float, data_type: DataType, spec: _Numeric, scale: float, offset: float) -> int:
    if isinstance(value, int) and scale == 1 and offset == 0:
        raw = value  # exact: a float detour would lose digits of 64-bit values
    else:
        scaled = (value - offset) / scale
        if not math.isfinite(scaled):
            raise ValueError(f"{value!r} cannot be stored in {data_type}: it is not a finite number")
        raw = _round_half_away(scaled)
    if not spec.minimum <= raw <= spec.maximum:
        shown = f"{value!r}" if raw == value else f"{value!r} (raw {raw})"
        raise ValueError(f"{shown} is out of range for {data_type} ({spec.minimum}..{spec.maximum})")
    return raw


def _raw_float(value: int | float, scale: float, offset: float) -> float:
    if scale == 1 and offset == 0:
        return float(value)
    raw = (value - offset) / scale
    if math.isfinite(value) and not math.isfinite(raw):
        raise OverflowError  # scaling a finite setpoint must not silently write infinity
    return raw


def _round_half_away(number: float) -> int:
    """Round 2.5 to 3 and -2.5 to -3, as an operator typing a setpoint expects (``round`` gives 2)."""
    return int(math.copysign(math.floor(abs(number) + 0.5), number))


def _encode_string(value: Value, order: WordOrder, length: int) -> list[int]:
    if not isinstance(value, str):
        raise ValueError(f"string needs a str, got {value!r}")
    if len(value) > length:
        raise ValueError(f"string {value!r} is longer than its {length} characters")
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"string {value!r} has characters that do not fit in one byte (latin-1)") from None
    data = data.ljust(register_count(DataType.STRING, length) * 2, b"\x00")
    return _to_registers(_swap_bytes(data) if order.swaps_bytes else data)


# -- shared helpers ----------------------------------------------------------------------------------------------


def _check_scaling(scale: float, offset: float) -> None:
    """A zero or non-finite scale would make decoded values meaningless and ``encode`` impossible."""
    if not (math.isfinite(scale) and scale != 0 and math.isfinite(offset)):
        raise ValueError(f"scale must be finite and non-zero and offset finite, got scale={scale!r} offset={offset!r}")


def _check_unscaled(data_type: DataType, scale: float, offset: float) -> None:
    """Scaling a bool or string is a mapping mistake; saying so beats silently ignoring it."""
    if scale != 1 or offset != 0:
        raise ValueError(f"{data_type} cannot be scaled (scale={scale!r}, offset={offset!r})")


def _to_bytes(registers: Sequence[int]) -> bytes:
    return b"".join(register.to_bytes(2, "big") for register in registers)


def _to_registers(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _swap_bytes(data: bytes) -> bytes:
    swapped = bytearray(data)
    swapped[0::2], swapped[1::2] = data[1::2], data[0::2]
    return bytes(swapped)


def _reverse_words(data: bytes) -> bytes:
    return b"".join(data[i : i + 2] for i in reversed(range(0, len(data), 2)))


def _reorder(data: bytes, order: WordOrder) -> bytes:
    """Big-endian bytes to register bytes in ``order``; every order is its own inverse, so this also undoes it."""
    if order.reverses_words:
        data = _reverse_words(data)
    return _swap_bytes(data) if order.swaps_bytes else data
