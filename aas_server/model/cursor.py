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

__all__ = ["MAX_LIMIT", "decode_cursor", "encode_cursor", "parse_limit"]

_PREFIX = "c1:"
MAX_LIMIT = 10_000


def encode_cursor(position: int) -> str:
    """Wrap a position in an opaque, URL-safe token."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str | None) -> int:
    """Position after which the next page starts; 0 (the beginning) when no cursor is given."""
    if cursor is None or cursor == "":
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not raw.startswith(_PREFIX):
            raise ValueError(raw)
        position = int(raw[len(_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Invalid cursor '{cursor[:80]}'") from exc
    if position < 0:
        raise BadRequest(f"Invalid cursor '{cursor[:80]}'")
    return position


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
