"""Digital Nameplate: built submodels validate against IDTA 02006-3-0-1 and read back to the same values."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.nameplate import Address, Marking, Nameplate, build_nameplate, read_nameplate
from submodels.validation import validate
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import dates, lang_text, path, text

addresses = st.builds(
    Address,
    company=st.none() | lang_text,
    street=st.none() | lang_text,
    zipcode=st.none() | lang_text,
    city_town=st.none() | lang_text,
    state_county=st.none() | lang_text,
    national_code=st.none() | lang_text,
)
markings = st.builds(
    Marking,
    name=text,
    file=path,
    file_content_type=st.sampled_from(["image/png", "application/pdf"]),
    designation_of_certificate=st.none() | text,
    issue_date=st.none() | dates,
    expiry_date=st.none() | dates,
    additional_text=st.lists(text, max_size=3),
)
nameplates = st.builds(
    Nameplate,
    uri_of_the_product=st.from_regex(r"https://example\.com/[a-z0-9/]{1,20}", fullmatch=True),
    manufacturer_name=lang_text,
    manufacturer_product_designation=lang_text,
    address=addresses,
    order_code_of_manufacturer=text,
    manufacturer_product_root=st.none() | lang_text,
    manufacturer_product_family=st.none() | lang_text,
    manufacturer_product_type=st.none() | text,
    product_article_number_of_manufacturer=st.none() | text,
    serial_number=st.none() | text,
    year_of_construction=st.none() | st.integers(1990, 2060).map(str),
    date_of_manufacture=st.none() | dates,
    hardware_version=st.none() | text,
    firmware_version=st.none() | text,
    software_version=st.none() | text,
    country_of_origin=st.none() | st.sampled_from(["DE", "FR", "CN", "US"]),
    unique_facility_identifier=st.none() | text,
    company_logo=st.none() | path,
    markings=st.lists(markings, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(nameplates)
def test_reader_of_builder_is_identity_and_the_result_validates(nameplate: Nameplate) -> None:
    assert_round_trips(nameplate, build_nameplate, read_nameplate)


def test_a_typical_nameplate() -> None:
    nameplate = Nameplate(
        uri_of_the_product="https://example.com/products/fp-200/4711",
        manufacturer_name={"en": "Example Packaging Machines GmbH", "de": "Beispiel Verpackungsmaschinen GmbH"},
        manufacturer_product_designation={"en": "Form-fill-seal machine FP-200"},
        address=Address(street={"de": "Hauptstraße 1"}, zipcode={"de": "12345"}, city_town={"de": "Musterstadt"}),
        order_code_of_manufacturer="FP-200-A",
        serial_number="FP200-000123",
        date_of_manufacture=datetime.date(2026, 3, 14),
        markings=[Marking(name="CE", file="/aasx/files/ce.png")],
    )
    submodel = build_nameplate(nameplate, "urn:sm:nameplate:fp200-000123")
    assert validate(submodel) == []
    values = {e.id_short: e for e in submodel.submodel_element}
    assert values["SerialNumber"].value == "FP200-000123"  # type: ignore[attr-defined]
    assert values["DateOfManufacture"].value == datetime.date(2026, 3, 14)  # type: ignore[attr-defined]
    assert read_nameplate(submodel) == nameplate
