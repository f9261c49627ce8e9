"""idShortPaths such as ``Measurements[3].Value`` (IDTA-01002-3-0 §12.3, "idShortPath").

A path is a dot-separated sequence of idShorts; a child of a SubmodelElementList is addressed by its
zero-based index in brackets appended to the list's idShort. Parsed once per request into a tuple of
segments: ``str`` for an idShort, ``int`` for a list index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .errors import BadRequest

__all__ = ["PathSegment", "format_path", "parse_path"]

PathSegment = str | int

# Constraint AASd-002: idShort starts with a letter, then letters, digits, '_' or '-'.
_ID_SHORT = r"[A-Za-z][A-Za-z0-9_-]*"
_TOKEN = re.compile(rf"({_ID_SHORT})((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")
_MAX_PATH_LENGTH = 4096
_MAX_INDEX = 10**9


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[PathSegment, ...]:
    """Parse an idShortPath; raises :class:`BadRequest` naming the offending part.

    Cached because hot routes (GET/PATCH ``$value``) see the same few paths over and over.
    """
    if not path or len(path) > _MAX_PATH_LENGTH:
        raise BadRequest("idShortPath is empty or too long")
    segments: list[PathSegment] = []
    for part in path.split("."):
        match = _TOKEN.fullmatch(part)
        if match is None:
            raise BadRequest(f"Invalid idShortPath '{_clip(path)}': bad segment '{_clip(part)}'")
        segments.append(match.group(1))
        for index in _INDEX.findall(match.group(2)):
            value = int(index)
            if value > _MAX_INDEX:
                raise BadRequest(f"Invalid idShortPath '{_clip(path)}': index {index} out of range")
            segments.append(value)
    return tuple(segments)


def format_path(segments: Sequence[PathSegment]) -> str:
    """Inverse of :func:`parse_path`."""
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        else:
            if out:
                out.append(".")
            out.append(segment)
    return "".join(out)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
