"""Process Variables (IDTA 02066) with the ProcessParameters extension round-trip and validate."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
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
from tests.submodels.round_trip import assert_round_trips
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
    expected = data if data.variables else data.model_copy(update={"key": ""})  # no variable carries the key
    assert_round_trips(data, build_process_data, read_process_data, expected=expected)


def test_only_iso_22400_variables() -> None:
    with pytest.raises(ValueError, match="OEE"):
        build_process_data(
            ProcessData(key="O-1", variables={"OEE": Variable(value=Decimal(1), comment={"en": "x"})}), "urn:x"
        )
