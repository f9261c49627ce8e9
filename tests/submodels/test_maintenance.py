"""Maintenance plan + history (IDTA 02018 with the history extension) and Reliability (IDTA 02013)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.maintenance import (
    MaintenanceEvent,
    MaintenanceInterval,
    MaintenancePlan,
    MaintenanceStep,
    PartReplacement,
    Reliability,
    ReliabilitySet,
    SparePart,
    build_maintenance,
    build_reliability,
    read_maintenance,
    read_reliability,
)
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import identifier, instants, lang_text, text

decimals = st.decimals(0, 100_000, places=2, allow_nan=False, allow_infinity=False).map(lambda d: Decimal(str(d)))
steps = st.builds(
    MaintenanceStep,
    step_id=text,
    name=lang_text,
    instruction=st.none() | lang_text,
    duration=st.none() | decimals,
    duration_unit=st.none() | st.sampled_from(["min", "h"]),
    signature_required=st.none() | st.booleans(),
)
intervals = st.builds(
    MaintenanceInterval,
    maintenance_id=text,
    name=lang_text,
    interval=decimals,
    interval_unit=st.sampled_from(["h", "cycles", "months"]),
    technicians=st.none() | decimals,
    steps=st.lists(steps, max_size=3),
)
events = st.builds(
    MaintenanceEvent,
    time=instants,
    kind=st.sampled_from(["preventive", "corrective", "inspection"]),
    maintenance_id=st.none() | text,
    findings=st.none() | text,
    technician=st.none() | text,
    replaced=st.lists(st.builds(PartReplacement, removed=identifier, installed=identifier), max_size=2),
)
plans = st.builds(
    MaintenancePlan,
    maintenance_free=st.booleans(),
    intervals=st.lists(intervals, max_size=3),
    spare_parts=st.lists(
        st.builds(
            SparePart, spare_part_id=text, name=lang_text, supplier=st.none() | lang_text, order_code=st.none() | text
        ),
        max_size=3,
    ),
    history=st.lists(events, max_size=4),
)
optional_int = st.none() | st.integers(0, 2**31 - 1)
optional_float = st.none() | st.floats(0, 1e9, allow_nan=False)
reliabilities = st.builds(
    Reliability,
    sets=st.lists(
        st.builds(
            ReliabilitySet,
            mttf=optional_int,
            mtbf=optional_int,
            b10=optional_int,
            useful_life_operations=optional_float,
            useful_life_hours=optional_float,
            other_conditions=st.none() | text,
        ),
        max_size=3,
    ),
)


@settings(max_examples=50, deadline=None)
@given(plans)
def test_maintenance_plan_and_history_round_trip_and_validate(plan: MaintenancePlan) -> None:
    assert_round_trips(plan, build_maintenance, read_maintenance)


@settings(max_examples=50, deadline=None)
@given(reliabilities)
def test_reliability_round_trips_and_validates(reliability: Reliability) -> None:
    assert_round_trips(reliability, build_reliability, read_reliability)
