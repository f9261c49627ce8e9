"""Handover Documentation (IDTA 02004): documents with ids, classes, versions and files round-trip and validate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.handover import (
    Document,
    DocumentClass,
    DocumentFile,
    DocumentId,
    DocumentVersion,
    HandoverDocumentation,
    build_handover,
    read_handover,
)
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import dates, lang_text, path, text

versions = st.builds(
    DocumentVersion,
    languages=st.lists(st.sampled_from(["en", "de", "fr"]), min_size=1, max_size=2),
    version=text,
    title=lang_text,
    description=lang_text,
    status_date=dates,
    status=st.sampled_from(["InReview", "Released"]),
    organization_short_name=text,
    organization_name=text,
    files=st.lists(st.builds(DocumentFile, path=path, content_type=st.just("application/pdf")), min_size=1, max_size=2),
    subtitle=st.none() | lang_text,
    keywords=st.none() | lang_text,
)
documents = st.builds(
    Document,
    ids=st.lists(
        st.builds(DocumentId, domain=text, identifier=text, primary=st.none() | st.booleans()), min_size=1, max_size=2
    ),
    classes=st.lists(
        st.builds(DocumentClass, class_id=st.sampled_from(["02-04", "03-02"]), class_name=lang_text),
        min_size=1,
        max_size=2,
    ),
    versions=st.lists(versions, min_size=1, max_size=2),
)


@settings(max_examples=40, deadline=None)
@given(st.builds(HandoverDocumentation, documents=st.lists(documents, min_size=1, max_size=3)))
def test_reader_of_builder_is_identity_and_the_result_validates(handover: HandoverDocumentation) -> None:
    assert_round_trips(handover, build_handover, read_handover)
