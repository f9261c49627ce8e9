"""Hypothesis strategies for the typed submodel inputs: values the metamodel allows, nothing more."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

# xs:string content that survives JSON and XML: printable, no surrogates, no XML-illegal control chars.
text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFFFD, exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s != "")
identifier = st.from_regex(r"urn:[a-z]{1,8}:[a-zA-Z0-9:._-]{1,30}", fullmatch=True)
languages = st.sampled_from(["en", "de", "fr", "zh-CN", "en-US"])
lang_text = st.dictionaries(languages, text, min_size=1, max_size=3)
dates = st.dates(datetime.date(1990, 1, 1), datetime.date(2060, 12, 31))
path = st.from_regex(r"/aasx/files/[a-z0-9_]{1,12}\.(png|pdf)", fullmatch=True)
finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
# xs:dateTime with a time zone (basyx keeps it); whole milliseconds survive every serialization
instants = st.datetimes(
    datetime.datetime(2000, 1, 1), datetime.datetime(2060, 1, 1), timezones=st.just(datetime.UTC)
).map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
