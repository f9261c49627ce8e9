"""How the gateway names things in the server's URLs (IDTA-01002: identifiers are base64url, no padding)."""

from __future__ import annotations

import base64

__all__ = ["encode_id"]


def encode_id(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).decode().rstrip("=")
