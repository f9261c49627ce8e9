"""Identifiers, idShortPaths and cursors: the parsers every request goes through."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aas_server.model.cursor import decode_cursor, decode_split_cursor, encode_cursor, encode_split_cursor, parse_limit
from aas_server.model.errors import BadRequest
from aas_server.model.id_short_path import format_path, parse_path
from aas_server.model.identifiers import decode_identifier, encode_identifier

id_shorts = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}", fullmatch=True)


@given(st.text(min_size=1, max_size=300))
def test_identifier_round_trip_with_and_without_padding(identifier: str) -> None:
    encoded = encode_identifier(identifier)
    assert decode_identifier(encoded) == identifier
    padded = encoded + "=" * (-len(encoded) % 4)
    assert decode_identifier(padded) == identifier


@pytest.mark.parametrize("bad", ["", "!!!", "a", "abc$", "////", "_-_-_", "%%"])
def test_malformed_identifiers_are_bad_requests(bad: str) -> None:
    with pytest.raises(BadRequest):
        decode_identifier(bad)


@given(
    st.lists(st.one_of(id_shorts, st.integers(0, 10_000)), min_size=1, max_size=8).filter(
        lambda s: isinstance(s[0], str)
    )
)
def test_id_short_path_round_trip(segments: list[str | int]) -> None:
    assert parse_path(format_path(segments)) == tuple(segments)


def test_id_short_path_with_list_index() -> None:
    assert parse_path("Measurements[3].Value") == ("Measurements", 3, "Value")
    assert parse_path("Matrix[1][2]") == ("Matrix", 1, 2)


@pytest.mark.parametrize("bad", ["", ".", "a..b", "1abc", "a[x]", "a[-1]", "a.b.", "[0]", "a b", "a/b"])
def test_malformed_id_short_paths_are_bad_requests(bad: str) -> None:
    with pytest.raises(BadRequest):
        parse_path(bad)


@given(st.integers(0, 2**62))
def test_cursor_round_trip(position: int) -> None:
    assert decode_cursor(encode_cursor(position)) == position


@given(st.integers(0, 2**62), st.integers(0, 2**31))
def test_split_cursor_round_trip(position: int, skip: int) -> None:
    assert decode_split_cursor(encode_split_cursor(position, skip)) == (position, skip)
    assert decode_split_cursor(encode_cursor(position)) == (position, 0)


@pytest.mark.parametrize("bad", ["x", "YWJj", "!!", "YzE6LTE", encode_split_cursor(3, 2)])
def test_malformed_cursors_are_bad_requests(bad: str) -> None:
    """A cursor into the middle of a submodel is no cursor for a listing of whole items."""
    with pytest.raises(BadRequest):
        decode_cursor(bad)


@pytest.mark.parametrize(("raw", "expected"), [(None, 100), ("5", 5), ("10000000", 10_000)])
def test_limit(raw: str | None, expected: int) -> None:
    assert parse_limit(raw, 100) == expected


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5"])
def test_bad_limits(bad: str) -> None:
    with pytest.raises(BadRequest):
        parse_limit(bad, 100)
