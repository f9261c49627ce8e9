"""Opaque pagination cursors (IDTA-01002-3-0 §12.5, "Pagination").

The storage gives every stored identifiable a sequence number that grows with each insert and never
changes while the identifiable exists. A cursor wraps the sequence number of the last item of a page (for
listings inside one document, such as submodel elements: the position), so that clients treat it as
opaque. The next page is then an index range scan, independent of the size of the store, and stays stable
while other clients insert or delete.
"""

from __future__ import annotations

import base64
import binascii

from .errors import BadRequest

__all__ = ["MAX_LIMIT", "decode_cursor", "decode_split_cursor", "encode_cursor", "encode_split_cursor", "parse_limit"]

_PREFIX = "c1:"
MAX_LIMIT = 10_000


def _wrap(text: str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{text}".encode()).rstrip(b"=").decode("ascii")


def encode_cursor(position: int) -> str:
    """Wrap a position in an opaque, URL-safe token."""
    return _wrap(str(position))


def decode_cursor(cursor: str | None) -> int:
    """Position after which the next page starts; 0 (the beginning) when no cursor is given."""
    position, skip = decode_split_cursor(cursor)
    if skip:
        raise BadRequest(f"Invalid cursor '{cursor[:80] if cursor else ''}'")
    return position


def encode_split_cursor(position: int, skip: int) -> str:
    """A cursor into the middle of an item: items after ``position``, less the first ``skip`` entries.

    For listings whose entries are finer than the stored items (``/submodels/$path`` pages idShortPaths,
    many per submodel), so that ``limit`` counts entries and a page may end inside a submodel.
    """
    return encode_cursor(position) if skip == 0 else _wrap(f"{position}:{skip}")


def decode_split_cursor(cursor: str | None) -> tuple[int, int]:
    """(position, skip) of :func:`encode_split_cursor`; plain cursors have skip 0."""
    if cursor is None or cursor == "":
        return 0, 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not raw.startswith(_PREFIX):
            raise ValueError(raw)
        position, _, skip = raw[len(_PREFIX) :].partition(":")
        result = int(position), int(skip or "0")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Invalid cursor '{cursor[:80]}'") from exc
    if min(result) < 0:
        raise BadRequest(f"Invalid cursor '{cursor[:80]}'")
    return result


def parse_limit(limit: str | None, default: int) -> int:
    """Validate the ``limit`` query parameter (a positive integer, capped at :data:`MAX_LIMIT`)."""
    if limit is None or limit == "":
        return default
    try:
        value = int(limit)
    except ValueError as exc:
        raise BadRequest(f"Invalid limit '{limit[:40]}': must be a positive integer") from exc
    if value < 1:
        raise BadRequest(f"Invalid limit '{limit[:40]}': must be a positive integer")
    return min(value, MAX_LIMIT)
