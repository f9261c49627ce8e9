"""Base64url identifiers as they appear in API paths (IDTA-01002-3-0 §12.2, "Encoding of identifiers").

Identifiers (``aasIdentifier``, ``submodelIdentifier``, ``cdIdentifier``) are UTF-8 strings encoded with the
URL-safe base64 alphabet of RFC 4648 §5. The spec does not say whether padding is kept, and partner clients
differ, so decoding accepts both and encoding emits the unpadded form most clients send.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from .errors import BadRequest

__all__ = ["decode_identifier", "encode_identifier"]

_MAX_ENCODED_LENGTH = 8192  # Part 1 caps identifiers at 2,000 characters; leave room for multi-byte UTF-8.


def encode_identifier(identifier: str) -> str:
    """Encode an identifier for use in a path segment, without padding."""
    return base64.urlsafe_b64encode(identifier.encode("utf-8")).rstrip(b"=").decode("ascii")


@lru_cache(maxsize=8192)
def decode_identifier(encoded: str) -> str:
    """Decode a path segment into the identifier it names.

    Raises :class:`BadRequest` (HTTP 400) for anything that is not base64url-encoded UTF-8 text, so that a
    typo never reaches storage as a different, valid-looking identifier. Cached: hot routes name the same
    few identifiers over and over.
    """
    if not encoded or len(encoded) > _MAX_ENCODED_LENGTH:
        raise BadRequest("Identifier is empty or too long")
    stripped = encoded.rstrip("=")
    if len(stripped) % 4 == 1:
        raise BadRequest(f"Identifier '{_clip(encoded)}' is not base64url-encoded")
    try:
        raw = base64.b64decode(stripped + "=" * (-len(stripped) % 4), altchars=b"-_", validate=True)
        identifier = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Identifier '{_clip(encoded)}' is not base64url-encoded UTF-8") from exc
    if not identifier:
        raise BadRequest("Identifier is empty")
    return identifier


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
