"""Technical Data (IDTA 02003): properties with their own semanticIds validate (wildcard rules) and round-trip."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.technical_data import (
    Classification,
    TechnicalData,
    TechnicalProperty,
    build_technical_data,
    read_technical_data,
)
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import dates, lang_text, text

properties = st.one_of(
    st.builds(
        TechnicalProperty,
        id_short=st.just("P"),
        semantic_id=st.just("0173-1#02-AAB381#003"),
        value=st.decimals(-(10**6), 10**6, places=3, allow_nan=False).map(lambda d: Decimal(str(d))),
        value_type=st.just("xs:decimal"),
    ),
    st.builds(
        TechnicalProperty,
        id_short=st.just("P"),
        semantic_id=st.just("0173-1#02-AAI048#004"),
        value=st.integers(-(2**31), 2**31 - 1),
        value_type=st.just("xs:int"),
    ),
    st.builds(
        TechnicalProperty,
        id_short=st.just("P"),
        semantic_id=st.just("0173-1#02-BAE122#006"),
        value=st.booleans(),
        value_type=st.just("xs:boolean"),
    ),
    st.builds(
        TechnicalProperty,
        id_short=st.just("P"),
        semantic_id=st.just("0173-1#02-AAO057#002"),
        value=text,
        value_type=st.just("xs:string"),
    ),
)


@st.composite
def numbered_properties(draw: st.DrawFn) -> list[TechnicalProperty]:
    found = draw(st.lists(properties, max_size=5))
    return [p.model_copy(update={"id_short": f"{p.id_short}{i}"}) for i, p in enumerate(found)]


data = st.builds(
    TechnicalData,
    manufacturer_name=text,
    product_designation=lang_text,
    article_number=text,
    order_code=text,
    classifications=st.lists(
        st.builds(Classification, system=st.just("ECLASS"), class_id=text, class_name=text, version=st.none() | text),
        max_size=2,
    ),
    properties=numbered_properties(),
    valid_date=st.none() | dates,
)


@settings(max_examples=50, deadline=None)
@given(data)
def test_reader_of_builder_is_identity_and_the_result_validates(technical: TechnicalData) -> None:
    assert_round_trips(technical, build_technical_data, read_technical_data)
