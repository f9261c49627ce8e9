"""XSD literals <-> JSON values for the ValueOnly serialization.

IDTA-01002-3-0 §11.4.3, table "Mapping of Data Types in ValueOnly-Serialization": xs:boolean is a JSON
boolean, the numeric types (xs:decimal, xs:double, xs:float and the xs:integer family) are JSON numbers,
every other type stays a JSON string. In the stored Part 1 form (IDTA-01001-3-0 §5.3.12) every value is
an XSD literal string, so :func:`literal_to_json` runs on each GET ``$value`` and :func:`json_to_literal`
on each PATCH ``$value``.

Lexical checks use regexes where Python's parsers are too lenient for XSD (``int(" 1_0")``,
``float("infinity")``, ``bytes.fromhex("6b 75")``), and ``basyx.aas.model.datatypes`` for value ranges and
the date/time types.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from decimal import Decimal
from typing import Any

from basyx.aas.model import datatypes

__all__ = ["LiteralError", "is_valid_base64", "json_to_literal", "literal_to_json"]


class LiteralError(ValueError):
    """A JSON value is not a valid literal of the target XSD type (the caller adds the idShortPath)."""


INTEGER_TYPES = frozenset(
    "xs:" + name
    for name in (
        "integer", "long", "int", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
)  # fmt: skip
FLOAT_TYPES = frozenset({"xs:double", "xs:float"})
DECIMAL = "xs:decimal"
BOOLEAN = "xs:boolean"
# No whitespace collapsing for these (XSD whiteSpace facet "preserve"); any string is a valid literal.
STRING_TYPES = frozenset({"xs:string", "xs:anyURI"})
_KNOWN_TYPES = frozenset(datatypes.XSD_TYPE_CLASSES) - {"xs:normalizedString"}  # = Part 1 DataTypeDefXsd

_INT_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DOUBLE_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN")
_HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2})*")
_DURATION_RE = re.compile(
    r"-?P(?=[0-9]|T[0-9])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
    r"(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"
)
# JSON numbers are emitted only where orjson can encode them (64 bit); larger integers stay strings.
_JSON_INT_MIN, _JSON_INT_MAX = -(2**63), 2**64 - 1
_MAX_INT_CHARS = 21  # longer literals cannot fit in 64 bits, and int() of them would be wasted work


# --- stored literal -> JSON (hot path: GET $value) ------------------------------------------------------


def _int_to_json(literal: str) -> Any:
    if len(literal) <= _MAX_INT_CHARS and _INT_RE.fullmatch(literal):
        number = int(literal)
        if _JSON_INT_MIN <= number <= _JSON_INT_MAX:
            return number
    return literal


def _float_to_json(literal: str) -> Any:
    number = _int_to_json(literal)
    if number is not literal:
        return number  # "12" stays 12 (not 12.0) so that a PATCH of the GET result restores "12"
    if _DOUBLE_RE.fullmatch(literal):
        value = float(literal)
        if math.isfinite(value):
            return value
    return literal  # INF, -INF and NaN have no JSON number (IDTA-01002-3-0 §11.4.3, note 2)


def _decimal_to_json(literal: str) -> Any:
    number = _int_to_json(literal)
    if number is not literal:
        return number
    if _DECIMAL_RE.fullmatch(literal):
        value = float(literal)
        if Decimal(repr(value)) == Decimal(literal):
            return value
    return literal  # a JSON number would lose digits of an arbitrary-precision decimal: keep the string


def _bool_to_json(literal: str) -> Any:
    if literal in ("true", "1"):
        return True
    if literal in ("false", "0"):
        return False
    return literal


_TO_JSON = {
    **dict.fromkeys(INTEGER_TYPES, _int_to_json),
    **dict.fromkeys(FLOAT_TYPES, _float_to_json),
    DECIMAL: _decimal_to_json,
    BOOLEAN: _bool_to_json,
}


def literal_to_json(literal: str, value_type: str) -> Any:
    """The ValueOnly JSON value of a stored literal; a literal that does not parse is returned unchanged."""
    convert = _TO_JSON.get(value_type)
    return literal if convert is None else convert(literal)


# --- JSON -> canonical literal (PATCH $value) ------------------------------------------------------------


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def _float_literal(value: float, value_type: str) -> str:
    if value_type in INTEGER_TYPES:
        return str(int(value)) if value.is_integer() else repr(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value_type == DECIMAL:
        return format(Decimal(repr(value)), "f")  # 1e-07 -> "0.0000001": xs:decimal has no exponent
    return repr(value)


def _candidate(value: Any, value_type: str) -> str:
    """The literal a JSON scalar stands for, before validation (liberal: numbers and booleans may be
    strings, and a JSON number is accepted wherever its decimal notation is a valid literal)."""
    if isinstance(value, str):
        return value if value_type in STRING_TYPES else value.strip()
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_literal(value, value_type)
    raise LiteralError(f"expected a JSON string, number or boolean for {value_type}, got {_show(value)}")


def _canonical(literal: str, value_type: str) -> str | None:
    """The canonical form of a valid literal, None if it is invalid."""
    if value_type in STRING_TYPES:
        return literal
    xsd_class = datatypes.XSD_TYPE_CLASSES[value_type]
    if value_type in INTEGER_TYPES:
        if not _INT_RE.fullmatch(literal):
            return None
        number = datatypes.from_xsd(literal, xsd_class)  # the class checks the value range
        return str(int(number)) if isinstance(number, int) else None
    if value_type in FLOAT_TYPES:
        return literal if _DOUBLE_RE.fullmatch(literal) else None
    if value_type == DECIMAL:
        return literal if _DECIMAL_RE.fullmatch(literal) else None
    if value_type == BOOLEAN:
        return "true" if datatypes.from_xsd(literal, xsd_class) else "false"
    if value_type == "xs:hexBinary":
        return literal if _HEX_RE.fullmatch(literal) else None
    if value_type == "xs:base64Binary":
        return literal if is_valid_base64(literal) else None
    if value_type == "xs:duration" and not _DURATION_RE.fullmatch(literal):
        return None
    datatypes.from_xsd(literal, xsd_class)  # dates, times, gYear...: raises ValueError if invalid
    return literal


def json_to_literal(value: Any, value_type: str) -> str:
    """Validate a ValueOnly JSON scalar against ``value_type`` and return its canonical XSD literal.

    Canonical means: booleans "true"/"false", integers without "+" or leading zeros, JSON numbers in
    their shortest decimal notation; other valid strings are kept as sent (minus surrounding whitespace
    for non-string types, which XSD collapses anyway). Raises :class:`LiteralError`.
    """
    if value_type not in _KNOWN_TYPES:
        raise LiteralError(f"unknown valueType {_show(value_type)}")
    literal = _candidate(value, value_type)
    try:
        canonical = _canonical(literal, value_type)
    except (ValueError, OverflowError):
        canonical = None
    if canonical is None:
        raise LiteralError(f"{_show(value)} is not a valid {value_type} literal")
    return canonical


def is_valid_base64(text: str) -> bool:
    """Strict base64 (RFC 4648 alphabet and padding), as used for Blob values in JSON."""
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
