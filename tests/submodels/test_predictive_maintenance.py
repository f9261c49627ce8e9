"""Predictive Maintenance (IDTA 02048): RUL results and the health assessment extension round-trip and validate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.predictive_maintenance import (
    BoundaryCondition,
    HealthAssessment,
    PreAlert,
    PredictiveMaintenance,
    RulPrediction,
    build_predictive_maintenance,
    read_predictive_maintenance,
)
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import finite, identifier, instants, text

pairs = st.tuples(finite, finite).map(sorted).map(tuple)
boundaries = st.builds(
    BoundaryCondition,
    name=text,
    used_in_model=st.booleans(),
    boundary_value=finite,
    unit=text,
    mean=st.none() | finite,
    standard_deviation=st.none() | finite,
    skewness=st.none() | finite,
    description=st.none() | text,
    drift_range=st.none() | pairs,
)
predictions = st.builds(
    RulPrediction,
    indication_type=st.sampled_from(["OperatingHours", "Cycles"]),
    duration=finite,
    unit=st.sampled_from(["h", "cycles"]),
    start_value=finite,
    confidence=pairs,
    boundary_conditions=st.lists(boundaries, min_size=1, max_size=3),
    model_type=text,
    model_description=st.none() | text,
    start_time=st.none() | instants,
    description=st.none() | text,
    end_of_life=st.none() | instants,
    pre_alerts=st.lists(st.builds(PreAlert, value=finite, message=st.none() | text), max_size=2),
    maintenance_required=st.none() | st.booleans(),
    alert_message=st.none() | text,
).filter(lambda p: p.maintenance_required is not None or p.alert_message is None)
assessments = st.builds(
    HealthAssessment,
    computed_at=instants,
    computation=text,
    health_index=st.none() | st.floats(0, 1),
    anomaly_score=st.none() | finite,
    recommended_action=st.none() | text,
    inputs=st.lists(identifier, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(st.builds(PredictiveMaintenance, rul=predictions, assessment=st.none() | assessments))
def test_reader_of_builder_is_identity_and_the_result_validates(pm: PredictiveMaintenance) -> None:
    assert_round_trips(pm, build_predictive_maintenance, read_predictive_maintenance)
