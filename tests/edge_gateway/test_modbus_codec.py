"""Modbus register codec: round trips for every type and order, hand-checked byte vectors, scaling and refusals."""

from __future__ import annotations

import math
import string
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_gateway.sources.modbus_codec import DataType, Value, WordOrder, decode, decode_bits, encode, register_count

ORDERS = list(WordOrder)
INTEGRAL = {
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.UINT16: (0, 2**16 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1),
    DataType.INT64: (-(2**63), 2**63 - 1),
    DataType.UINT64: (0, 2**64 - 1),
}
FLOAT32_MAX = struct.unpack(">f", bytes.fromhex("7f7fffff"))[0]


def as_float32(value: float) -> float:
    return float(struct.unpack(">f", struct.pack(">f", value))[0])


def same_float(a: Value, b: float) -> bool:
    """Equal including NaN and the sign of zero."""
    assert isinstance(a, float)
    if math.isnan(b):
        return math.isnan(a)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


# -- round trips -------------------------------------------------------------------------------------------------


@given(st.data(), st.sampled_from(sorted(INTEGRAL)), st.sampled_from(ORDERS))
def test_integers_round_trip(data: st.DataObject, data_type: DataType, order: WordOrder) -> None:
    low, high = INTEGRAL[data_type]
    value = data.draw(st.integers(low, high))
    registers = encode(value, data_type, order)
    assert len(registers) == register_count(data_type)
    assert all(0 <= r <= 0xFFFF for r in registers)
    decoded = decode(registers, data_type, order)
    assert decoded == value and type(decoded) is int


@given(st.floats(width=32), st.sampled_from(ORDERS))
def test_float32_values_round_trip_exactly(value: float, order: WordOrder) -> None:
    assert same_float(decode(encode(value, DataType.FLOAT32, order), DataType.FLOAT32, order), value)


@given(st.floats(-FLOAT32_MAX, FLOAT32_MAX), st.sampled_from(ORDERS))
def test_float64_values_round_to_float32(value: float, order: WordOrder) -> None:
    decoded = decode(encode(value, DataType.FLOAT32, order), DataType.FLOAT32, order)
    assert same_float(decoded, as_float32(value))


@given(st.floats(), st.sampled_from(ORDERS))
def test_float64_round_trip(value: float, order: WordOrder) -> None:
    assert same_float(decode(encode(value, DataType.FLOAT64, order), DataType.FLOAT64, order), value)


@given(st.booleans(), st.sampled_from(ORDERS))
def test_bool_round_trip(value: bool, order: WordOrder) -> None:
    assert decode(encode(value, DataType.BOOL, order), DataType.BOOL, order) is value


@given(st.data(), st.integers(1, 40), st.sampled_from(ORDERS))
def test_strings_round_trip(data: st.DataObject, length: int, order: WordOrder) -> None:
    text = data.draw(st.text(alphabet=string.printable[:95], max_size=length).map(str.rstrip))
    registers = encode(text, DataType.STRING, order, length=length)
    assert len(registers) == register_count(DataType.STRING, length) == (length + 1) // 2
    assert decode(registers, DataType.STRING, order, length=length) == text


@given(
    st.integers(-3000, 3000),
    st.sampled_from([0.1, 0.5, 2.0, -0.01, 10.0]),
    st.floats(-100, 100),
    st.sampled_from(ORDERS),
)
def test_scaled_integers_round_trip_within_half_a_step(raw: int, scale: float, offset: float, order: WordOrder) -> None:
    value = raw * scale + offset
    registers = encode(value, DataType.INT32, order, scale=scale, offset=offset)
    assert decode(registers, DataType.INT32, order) == raw  # the raw value is exactly the one we started from
    decoded = decode(registers, DataType.INT32, order, scale=scale, offset=offset)
    assert isinstance(decoded, float) and decoded == pytest.approx(value, abs=1e-9)


# -- known vectors -----------------------------------------------------------------------------------------------

# float32 123.456 is 0x42F6E979: bytes A=42 B=F6 C=E9 D=79
FLOAT32_123_456 = {
    WordOrder.ABCD: [0x42F6, 0xE979],
    WordOrder.DCBA: [0x79E9, 0xF642],
    WordOrder.BADC: [0xF642, 0x79E9],
    WordOrder.CDAB: [0xE979, 0x42F6],
}
UINT32_12345678 = {
    WordOrder.ABCD: [0x1234, 0x5678],
    WordOrder.DCBA: [0x7856, 0x3412],
    WordOrder.BADC: [0x3412, 0x7856],
    WordOrder.CDAB: [0x5678, 0x1234],
}
UINT64_0102030405060708 = {
    WordOrder.ABCD: [0x0102, 0x0304, 0x0506, 0x0708],
    WordOrder.DCBA: [0x0807, 0x0605, 0x0403, 0x0201],
    WordOrder.BADC: [0x0201, 0x0403, 0x0605, 0x0807],
    WordOrder.CDAB: [0x0708, 0x0506, 0x0304, 0x0102],
}
UINT16_1234 = {
    WordOrder.ABCD: [0x1234],
    WordOrder.DCBA: [0x3412],
    WordOrder.BADC: [0x3412],
    WordOrder.CDAB: [0x1234],
}


@pytest.mark.parametrize("order", ORDERS)
def test_float32_vector(order: WordOrder) -> None:
    assert encode(123.456, DataType.FLOAT32, order) == FLOAT32_123_456[order]
    decoded = decode(FLOAT32_123_456[order], DataType.FLOAT32, order)
    assert decoded == as_float32(123.456) and decoded == pytest.approx(123.456, rel=1e-7)


@pytest.mark.parametrize(
    ("data_type", "value", "vectors"),
    [
        (DataType.UINT32, 0x12345678, UINT32_12345678),
        (DataType.UINT64, 0x0102030405060708, UINT64_0102030405060708),
        (DataType.UINT16, 0x1234, UINT16_1234),
    ],
)
@pytest.mark.parametrize("order", ORDERS)
def test_integer_vectors(
    data_type: DataType, value: int, vectors: dict[WordOrder, list[int]], order: WordOrder
) -> None:
    assert encode(value, data_type, order) == vectors[order]
    assert decode(vectors[order], data_type, order) == value


def test_signed_vectors() -> None:
    assert encode(-2, DataType.INT32) == [0xFFFF, 0xFFFE]
    assert decode([0xFFFF, 0xFFFE], DataType.INT32) == -2
    assert decode([0xFFFE], DataType.INT16) == -2
    assert decode([0xFFFE], DataType.UINT16) == 0xFFFE
    assert decode([0x8000, 0, 0, 0], DataType.INT64) == -(2**63)
    assert decode([0x3FF0, 0, 0, 0], DataType.FLOAT64) == 1.0


def test_strings_put_the_first_character_in_the_high_byte_and_never_reverse_registers() -> None:
    assert encode("ABC", DataType.STRING, length=4) == [0x4142, 0x4300]
    assert encode("ABC", DataType.STRING, WordOrder.CDAB, length=4) == [0x4142, 0x4300]
    assert encode("ABC", DataType.STRING, WordOrder.BADC, length=4) == [0x4241, 0x0043]
    assert encode("ABC", DataType.STRING, WordOrder.DCBA, length=4) == [0x4241, 0x0043]
    assert decode([0x4142, 0x4300], DataType.STRING, length=4) == "ABC"


def test_strings_drop_trailing_nuls_and_spaces_and_ignore_the_byte_past_an_odd_length() -> None:
    assert decode([0x4F4B, 0x2020, 0x0000], DataType.STRING, length=6) == "OK"
    assert decode([0x4120, 0x4200], DataType.STRING, length=4) == "A B"  # inner spaces stay
    assert decode([0x4142, 0x4358], DataType.STRING, length=3) == "ABC"  # 'X' lies beyond the 3 characters
    assert decode([0xE9FF], DataType.STRING, length=2) == "éÿ"  # any byte decodes (latin-1)


def test_non_finite_floats_decode_instead_of_failing() -> None:
    assert math.isnan(float(decode([0x7FC0, 0x0000], DataType.FLOAT32)))
    assert decode([0x7F80, 0x0000], DataType.FLOAT32) == math.inf
    assert decode([0xFF80, 0x0000], DataType.FLOAT32) == -math.inf
    assert math.isnan(float(decode([0x7FF8, 0, 0, 0], DataType.FLOAT64)))
    assert math.isnan(float(decode([0x7FC0, 0x0000], DataType.FLOAT32, scale=0.1, offset=5)))
    assert encode(math.inf, DataType.FLOAT32) == [0x7F80, 0x0000]


def test_bools_from_registers_and_bits() -> None:
    assert decode([0], DataType.BOOL) is False
    assert decode([0x8000], DataType.BOOL) is True
    assert encode(True, DataType.BOOL) == [1] and encode(0, DataType.BOOL) == [0]
    assert decode_bits([True]) is True and decode_bits([False]) is False


# -- scaling -----------------------------------------------------------------------------------------------------


def test_scale_and_offset() -> None:
    assert decode([250], DataType.INT16, scale=0.1, offset=-10) == pytest.approx(15.0)
    assert encode(15.0, DataType.INT16, scale=0.1, offset=-10) == [250]
    assert decode([0xFFF6], DataType.INT16, scale=0.5) == -5.0
    assert decode([100], DataType.UINT16, offset=1.5) == 101.5
    half = decode([0x3F00, 0x0000], DataType.FLOAT32, scale=4, offset=1)
    assert half == 3.0 and isinstance(half, float)


def test_unscaled_integers_stay_ints_and_scaled_ones_become_floats() -> None:
    assert type(decode([7], DataType.INT16)) is int
    assert type(decode([7], DataType.INT16, scale=1.0, offset=0.0)) is int
    assert type(decode([7], DataType.INT16, scale=2)) is float
    assert type(decode([0x3F80, 0], DataType.FLOAT32)) is float
    assert decode(encode(2**64 - 1, DataType.UINT64), DataType.UINT64) == 2**64 - 1  # no float detour


def test_encoding_rounds_half_away_from_zero() -> None:
    assert encode(2.5, DataType.INT16) == [3]
    assert encode(-2.5, DataType.INT16) == [0xFFFD]
    assert encode(2.4999, DataType.INT16) == [2]
    assert encode(20.04, DataType.UINT16, scale=0.1) == [200]


# -- refusals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registers", "data_type", "message"),
    [
        ([1], DataType.INT32, "int32 needs 2 register"),
        ([1, 2, 3], DataType.FLOAT32, "float32 needs 2 register"),
        ([], DataType.BOOL, "bool needs 1 register"),
        ([0x10000], DataType.UINT16, "0..65535, got 65536"),
        ([-1], DataType.INT16, "0..65535, got -1"),
        ([1.0], DataType.UINT16, "got 1.0"),
    ],
)
def test_decode_refuses_wrong_registers(registers: list[int], data_type: DataType, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode(registers, data_type)


@pytest.mark.parametrize(
    ("value", "data_type", "message"),
    [
        (40000, DataType.INT16, r"40000 is out of range for int16 \(-32768..32767\)"),
        (-1, DataType.UINT16, "-1 is out of range for uint16"),
        (2**32, DataType.UINT32, "4294967296 is out of range for uint32"),
        (2**63, DataType.INT64, "out of range for int64"),
        (1e39, DataType.FLOAT32, "1e[+]39 is out of range for float32"),
        (10**400, DataType.FLOAT64, "out of range for float64"),
        (math.nan, DataType.INT16, "nan cannot be stored in int16"),
        (math.inf, DataType.UINT32, "inf cannot be stored in uint32"),
        ("12", DataType.INT16, "int16 needs a number"),
        (True, DataType.INT16, "int16 needs a number"),
        (2, DataType.BOOL, "bool needs True/False"),
        (0.0, DataType.BOOL, "bool needs True/False"),
    ],
)
def test_encode_refuses_values_that_do_not_fit(value: Value, data_type: DataType, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode(value, data_type)


def test_encode_names_the_raw_value_when_scaling_pushes_it_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"4000.0 \(raw 40000\) is out of range for int16"):
        encode(4000.0, DataType.INT16, scale=0.1)
    with pytest.raises(ValueError, match="out of range for float32"):
        encode(1e300, DataType.FLOAT32, scale=1e-300)


def test_string_refusals() -> None:
    with pytest.raises(ValueError, match="longer than its 2 characters"):
        encode("ABC", DataType.STRING, length=2)
    with pytest.raises(ValueError, match="do not fit in one byte"):
        encode("€", DataType.STRING, length=2)
    with pytest.raises(ValueError, match="string needs a str"):
        encode(12, DataType.STRING, length=2)
    with pytest.raises(ValueError, match="length of at least 1"):
        register_count(DataType.STRING)
    with pytest.raises(ValueError, match="length of at least 1"):
        decode([], DataType.STRING, length=0)
    with pytest.raises(ValueError, match="string needs 2 register"):
        decode([0x4142], DataType.STRING, length=3)


def test_configuration_mistakes_are_refused() -> None:
    with pytest.raises(ValueError, match="length applies to strings only"):
        register_count(DataType.INT16, 2)
    with pytest.raises(ValueError, match="scale must be finite and non-zero"):
        decode([1], DataType.INT16, scale=0)
    with pytest.raises(ValueError, match="scale must be finite and non-zero"):
        encode(1, DataType.INT16, offset=math.nan)
    with pytest.raises(ValueError, match="bool cannot be scaled"):
        decode([1], DataType.BOOL, scale=2)
    with pytest.raises(ValueError, match="string cannot be scaled"):
        encode("A", DataType.STRING, length=1, offset=1)
    with pytest.raises(ValueError, match="'int24' is not a valid DataType"):
        register_count("int24")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is 1 bit, got 8"):
        decode_bits([True] * 8)


def test_mapping_file_strings_work_like_enum_members() -> None:
    assert decode([0x5678, 0x1234], "uint32", "CDAB") == 0x12345678  # type: ignore[arg-type]
    assert register_count(DataType("float64")) == 4
