"""Process Variables (IDTA 02066) with the ProcessParameters extension round-trip and validate."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from basyx.aas.adapter.json import AASToJsonEncoder, StrictAASFromJsonDecoder
from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.process_data import (
    QUANTITIES,
    TIMES,
    ProcessData,
    ProcessParameter,
    Variable,
    build_process_data,
    read_process_data,
)
from submodels.validation import validate
from tests.submodels.strategies import lang_text, text

durations = st.timedeltas(datetime.timedelta(0), datetime.timedelta(days=30)).map(
    lambda d: datetime.timedelta(seconds=int(d.total_seconds()))
)
quantities = st.integers(0, 10**9).map(Decimal)


@st.composite
def variables(draw: st.DrawFn) -> dict[str, Variable]:
    names = draw(st.sets(st.sampled_from([*TIMES, *QUANTITIES]), max_size=8))
    return {
        n: Variable(value=draw(quantities if n in QUANTITIES else durations), comment=draw(lang_text)) for n in names
    }


records = st.builds(
    ProcessData,
    key=text,
    variables=variables(),
    batch_id=st.none() | text,
    parameters=st.lists(
        st.builds(ProcessParameter, name=text, value=st.floats(-1e6, 1e6, allow_nan=False), unit=text), max_size=3
    ),
)


@settings(max_examples=60, deadline=None)
@given(records)
def test_reader_of_builder_is_identity_and_the_result_validates(data: ProcessData) -> None:
    submodel = build_process_data(data, "urn:sm:pvm:1")
    assert validate(submodel) == []
    expected = data if data.variables else data.model_copy(update={"key": ""})  # no variable carries the key
    assert read_process_data(submodel) == expected
    again = json.loads(json.dumps(submodel, cls=AASToJsonEncoder), cls=StrictAASFromJsonDecoder)
    assert read_process_data(again) == expected


def test_only_iso_22400_variables() -> None:
    with pytest.raises(ValueError, match="OEE"):
        build_process_data(
            ProcessData(key="O-1", variables={"OEE": Variable(value=Decimal(1), comment={"en": "x"})}), "urn:x"
        )
