"""Time Series Data (IDTA 02008): internal and linked segments round-trip and validate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.time_series import UTC_TIME, Segment, TimeSeries, TimeSeriesVariable, build_time_series, read_time_series
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import instants, lang_text

VARIABLES = [
    TimeSeriesVariable(id_short="UtcTime", semantic_id=UTC_TIME, value_type="xs:dateTime"),
    TimeSeriesVariable(id_short="Speed", semantic_id="urn:example:speed", value_type="xs:double"),
    TimeSeriesVariable(id_short="Count", semantic_id="urn:example:count", value_type="xs:long"),
]
records = st.fixed_dictionaries(
    {"UtcTime": instants, "Speed": st.floats(-1e6, 1e6, allow_nan=False)},
    optional={"Count": st.integers(0, 2**40)},
)
internal = st.builds(
    Segment,
    kind=st.just("internal"),
    id_short=st.from_regex(r"Segment[0-9]{1,3}", fullmatch=True),
    name=st.none() | lang_text,
    state=st.none() | st.sampled_from(["in progress", "completed"]),
    record_count=st.none() | st.integers(0, 10**6),
    start_time=st.none() | instants.map(lambda t: t.isoformat()),
    records=st.lists(records, max_size=5),
)
linked = st.builds(
    Segment,
    kind=st.just("linked"),
    id_short=st.from_regex(r"Linked[0-9]{1,3}", fullmatch=True),
    endpoint=st.just("https://example.com/api/v3.0/timeseries"),
    query=st.just("from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"),
)
series = st.builds(
    TimeSeries,
    name=lang_text,
    variables=st.just(VARIABLES),
    description=st.none() | lang_text,
    segments=st.lists(internal | linked, max_size=3, unique_by=lambda s: s.id_short),
)


@settings(max_examples=50, deadline=None)
@given(series)
def test_reader_of_builder_is_identity_and_the_result_validates(ts: TimeSeries) -> None:
    assert_round_trips(ts, build_time_series, read_time_series)
