"""The check every builder passes: its submodel validates, and reads back as the input, also after a partner
received it as JSON (serialized and strictly parsed again)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from basyx.aas import model
from basyx.aas.adapter.json import AASToJsonEncoder, StrictAASFromJsonDecoder

from submodels.validation import validate

T = TypeVar("T")


def through_json(submodel: model.Submodel) -> model.Submodel:
    parsed: model.Submodel = json.loads(json.dumps(submodel, cls=AASToJsonEncoder), cls=StrictAASFromJsonDecoder)
    return parsed


def assert_round_trips(
    value: T,
    build: Callable[[T, str], model.Submodel],
    read: Callable[[model.Submodel], Any],
    *,
    expected: Any = None,
) -> model.Submodel:
    submodel = build(value, "urn:sm:round-trip")
    assert validate(submodel) == []
    want = value if expected is None else expected
    assert read(submodel) == want
    assert read(through_json(submodel)) == want
    return submodel
