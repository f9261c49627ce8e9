"""Tests for the $value / $metadata / $path representations (IDTA-01002-3-0 §11.4)."""

from __future__ import annotations

import base64
import copy
import datetime
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from basyx.aas.adapter import json as basyx_json
from hypothesis import given
from hypothesis import strategies as st

from aas_server.model.value_only import (
    ELEMENT_TYPES_WITHOUT_VALUE,
    ValueOnlyError,
    apply_element_value,
    apply_submodel_value,
    element_metadata,
    element_paths,
    element_value,
    strip_blob_values,
    strip_to_core,
    submodel_metadata,
    submodel_paths,
    submodel_value,
)

# Every SubmodelElement type, from basyx-python-sdk's compliance tool (MIT); starts with a UTF-8 BOM.
FULL_EXAMPLE = Path("/work/shared/examples/basyx-python-sdk/test_demo_full_example.json")
SUBMODELS: list[dict[str, Any]] = (
    json.loads(FULL_EXAMPLE.read_text(encoding="utf-8-sig"))["submodels"] if FULL_EXAMPLE.exists() else []
)
needs_example = pytest.mark.skipif(not SUBMODELS, reason=f"{FULL_EXAMPLE} not available")

CHILDREN = {
    "SubmodelElementCollection": "value",
    "SubmodelElementList": "value",
    "Entity": "statements",
    "AnnotatedRelationshipElement": "annotations",
}


def walk(element: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every element below (and including) ``element``, Operation variables included."""
    yield path, element
    model_type = element["modelType"]
    for i, child in enumerate(element.get(CHILDREN.get(model_type, ""), [])):
        child_path = f"{path}[{i}]" if model_type == "SubmodelElementList" else f"{path}.{child['idShort']}"
        yield from walk(child, child_path)
    for key in ("inputVariables", "outputVariables", "inoutputVariables"):
        for variable in element.get(key, []):
            yield from walk(variable["value"], f"{path}.{variable['value']['idShort']}")


ALL_ELEMENTS = [
    (f"{sm['id']}#{path}", element)
    for sm in SUBMODELS
    for top in sm.get("submodelElements", [])
    for path, element in walk(top, top["idShort"])
]


def prop(value: str | None, value_type: str, id_short: str = "Speed") -> dict[str, Any]:
    element = {"idShort": id_short, "modelType": "Property", "valueType": value_type}
    if value is not None:
        element["value"] = value
    return element


def ref(value: str) -> dict[str, Any]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": value}]}


def smc(id_short: str | None, *children: dict[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "SubmodelElementCollection", "value": list(children)}
    if id_short is not None:
        element["idShort"] = id_short
    return element


def sml(id_short: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"idShort": id_short, "modelType": "SubmodelElementList", "value": list(children)}


# Coll { Prop, List [ {X, Inner{Y}}, {X} ], Ent { Stmt } }
NESTED = smc(
    "Coll",
    prop("1", "xs:int", "Prop"),
    sml(
        "List",
        smc(None, prop("a", "xs:string", "X"), smc("Inner", prop("true", "xs:boolean", "Y"))),
        smc(None, prop("b", "xs:string", "X")),
    ),
    {
        "idShort": "Ent",
        "modelType": "Entity",
        "entityType": "CoManagedEntity",
        "statements": [prop("2.5", "xs:double", "Stmt")],
    },
)


# --- the full basyx example ------------------------------------------------------------------------------


@needs_example
def test_example_uses_every_element_type() -> None:
    assert {e["modelType"] for _, e in ALL_ELEMENTS} == {
        *CHILDREN, "Property", "MultiLanguageProperty", "Range", "File", "Blob", "ReferenceElement",
        "RelationshipElement", "BasicEventElement", "Operation", "Capability",
    }  # fmt: skip


@pytest.mark.parametrize(("path", "element"), ALL_ELEMENTS, ids=[p for p, _ in ALL_ELEMENTS])
def test_element_value_round_trips(path: str, element: dict[str, Any]) -> None:
    before = copy.deepcopy(element)
    if element["modelType"] in ELEMENT_TYPES_WITHOUT_VALUE:
        with pytest.raises(ValueOnlyError, match="has no ValueOnly representation"):
            element_value(element)
        with pytest.raises(ValueOnlyError, match=f"^{path}: "):
            apply_element_value(element, None, path=path)
        return
    for with_blob_value in (False, True):
        value = element_value(element, with_blob_value=with_blob_value)
        assert json.loads(orjson.dumps(value)) == value  # plain JSON, encodable by the server's encoder
        assert apply_element_value(element, value, path=path) == element
        assert apply_element_value(element, json.loads(json.dumps(value)), path=path) == element
        element_value(element, with_blob_value=with_blob_value, level_deep=False)
    assert element == before  # nothing mutated


@pytest.mark.parametrize("submodel", SUBMODELS, ids=[sm["id"] for sm in SUBMODELS])
def test_submodel_value_round_trips(submodel: dict[str, Any]) -> None:
    before = copy.deepcopy(submodel)
    for with_blob_value in (False, True):
        value = submodel_value(submodel, with_blob_value=with_blob_value)
        assert apply_submodel_value(submodel, json.loads(orjson.dumps(value))) == submodel
    assert submodel == before


@needs_example
def test_example_values_follow_the_schemas() -> None:
    sm = next(sm for sm in SUBMODELS if sm["id"] == "https://acplt.org/Test_Submodel")
    value = submodel_value(sm)
    assert "ExampleOperation" not in value and "ExampleCapability" not in value
    rel = value["ExampleAnnotatedRelationshipElement"]
    assert set(rel) == {"first", "second", "annotations"}
    assert rel["annotations"] == [
        {"ExampleAnnotatedProperty": "exampleValue"},
        {"ExampleAnnotatedRange": {"min": 1, "max": 5}},
    ]
    assert set(value["ExampleBasicEventElement"]) == {"observed"}
    coll = value["ExampleSubmodelCollection"]
    assert coll["ExampleBlob"] == {"contentType": "application/pdf"}  # extent=withoutBlobValue
    with_blob = submodel_value(sm, with_blob_value=True)["ExampleSubmodelCollection"]["ExampleBlob"]
    assert with_blob == {"contentType": "application/pdf", "value": "AQIDBAU="}
    assert coll["ExampleFile"] == {"contentType": "application/pdf", "value": "/TestFile.pdf"}
    assert coll["ExampleRange"] == {"min": 0, "max": 100}
    first_text = coll["ExampleMultiLanguageProperty"][0]
    assert first_text == {"en-US": "Example value of a MultiLanguageProperty element"}
    assert coll["ExampleReferenceElement"]["type"] == "ModelReference"
    assert coll["ExampleSubmodelList"] == ["exampleValue", "exampleValue"]

    bom = next(sm for sm in SUBMODELS if sm.get("idShort") == "BillOfMaterial")
    entity = submodel_value(bom)["ExampleEntity"]
    assert entity == {  # EntityValue schema of the Part 2 OpenAPI 3.0.4
        "statements": [{"ExampleProperty2": "exampleValue2"}, {"ExampleProperty": "exampleValue"}],
        "entityType": "SelfManagedEntity",
        "globalAssetId": "http://acplt.org/TestAsset/",
        "specificAssetIds": [{"TestKey": "TestValue"}],
    }


# --- Property values: JSON types, liberal input, canonical storage ------------------------------------------


def test_property_json_types() -> None:
    assert element_value(prop("5000", "xs:int")) == 5000
    assert element_value(prop("-1.5", "xs:double")) == -1.5
    integral_double = element_value(prop("12", "xs:double"))
    assert integral_double == 12 and isinstance(integral_double, int)
    assert element_value(prop("true", "xs:boolean")) is True
    assert element_value(prop("0", "xs:boolean")) is False
    assert element_value(prop("0.1", "xs:decimal")) == 0.1
    assert element_value(prop("126789672374892739424.543233", "xs:decimal")) == "126789672374892739424.543233"
    assert element_value(prop("18446744073709551615", "xs:unsignedLong")) == 18446744073709551615
    assert element_value(prop("18446744073709551616", "xs:integer")) == "18446744073709551616"  # > 64 bit
    assert element_value(prop("INF", "xs:double")) == "INF"  # no JSON number for it
    assert element_value(prop("12x", "xs:int")) == "12x"  # stored garbage is passed through, not hidden
    assert element_value(prop("2000-01-01", "xs:date")) == "2000-01-01"
    assert element_value(prop("007", "xs:string")) == "007"
    assert element_value(prop(None, "xs:int")) is None


@pytest.mark.parametrize("sent", [12, "12", " 12 ", "+012", 12.0])
def test_int_accepts_numbers_and_strings(sent: Any) -> None:
    assert apply_element_value(prop("1", "xs:int"), sent, path="Speed")["value"] == "12"


@pytest.mark.parametrize(
    ("value_type", "sent", "stored"),
    [
        ("xs:boolean", True, "true"),
        ("xs:boolean", "false", "false"),
        ("xs:boolean", "1", "true"),
        ("xs:boolean", 0, "false"),
        ("xs:double", 1.5, "1.5"),
        ("xs:double", "1e3", "1e3"),
        ("xs:double", "-INF", "-INF"),
        ("xs:float", 3, "3"),
        ("xs:decimal", 1e-7, "0.0000001"),
        ("xs:decimal", "-.5", "-.5"),
        ("xs:string", " padded ", " padded "),
        ("xs:string", 12, "12"),
        ("xs:gYear", 2024, "2024"),
        ("xs:duration", "P1DT2H", "P1DT2H"),
        ("xs:hexBinary", "6b756d", "6b756d"),
        ("xs:base64Binary", "a3Vtb3dhc2hlcmU=", "a3Vtb3dhc2hlcmU="),
        ("xs:unsignedByte", "255", "255"),
    ],
)
def test_canonical_literals(value_type: str, sent: Any, stored: str) -> None:
    assert apply_element_value(prop("0", value_type), sent, path="P")["value"] == stored


@pytest.mark.parametrize(
    ("value_type", "sent"),
    [
        ("xs:int", "abc"),
        ("xs:int", "1_000"),
        ("xs:int", 2**31),
        ("xs:int", 1.5),
        ("xs:int", True),
        ("xs:unsignedInt", -1),
        ("xs:byte", "128"),
        ("xs:positiveInteger", 0),
        ("xs:boolean", "yes"),
        ("xs:boolean", 2),
        ("xs:double", "infinity"),
        ("xs:double", "1,5"),
        ("xs:decimal", "1e3"),
        ("xs:decimal", math.inf),
        ("xs:date", "2000-13-01"),
        ("xs:dateTime", "2000-01-01"),
        ("xs:duration", "P"),
        ("xs:hexBinary", "6b 75"),
        ("xs:base64Binary", "!!!"),
        ("xs:string", {"a": 1}),
        ("xs:string", [1]),
    ],
)
def test_invalid_literals_are_rejected(value_type: str, sent: Any) -> None:
    with pytest.raises(ValueOnlyError, match=r"^Speed: ") as info:
        apply_element_value(prop("1", value_type), sent, path="Speed")
    assert info.value.path == "Speed"


def test_error_message_names_path_literal_and_type() -> None:
    with pytest.raises(ValueOnlyError) as info:
        apply_element_value(prop("1", "xs:int"), "12x", path="Speed")
    assert str(info.value) == "Speed: '12x' is not a valid xs:int literal"
    assert isinstance(info.value, ValueError)


def test_null_clears_a_property_value() -> None:
    assert apply_element_value(prop("1", "xs:int"), None, path="Speed") == prop(None, "xs:int")


def test_unknown_value_type_is_rejected() -> None:
    with pytest.raises(ValueOnlyError, match="unknown valueType"):
        apply_element_value(prop("1", "xs:foo"), "1", path="P")


_INT_RANGES = {
    "xs:int": (-(2**31), 2**31 - 1),
    "xs:long": (-(2**63), 2**63 - 1),
    "xs:short": (-(2**15), 2**15 - 1),
    "xs:unsignedByte": (0, 255),
    "xs:unsignedLong": (0, 2**64 - 1),
    "xs:nonNegativeInteger": (0, None),
    "xs:integer": (None, None),
}


def _typed_integer(value_type: str) -> st.SearchStrategy[tuple[str, int]]:
    return st.tuples(st.just(value_type), st.integers(*_INT_RANGES[value_type]))


@given(st.sampled_from(sorted(_INT_RANGES)).flatmap(_typed_integer))
def test_integer_properties_round_trip(case: tuple[str, int]) -> None:
    value_type, number = case
    element = prop(str(number), value_type)
    value = element_value(element)
    assert value == (number if -(2**63) <= number <= 2**64 - 1 else str(number))
    assert apply_element_value(element, value, path="P") == element
    assert apply_element_value(element, str(number), path="P") == element
    assert apply_element_value(prop("0", value_type), number, path="P") == element


def _decimal_literal(number: float) -> str:
    return format(Decimal(repr(number)), "f")


_LITERALS = st.one_of(
    st.tuples(st.just("xs:double"), st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: "NaN" if math.isnan(f) else ("INF" if f > 0 else "-INF") if math.isinf(f) else repr(f))),
    st.tuples(st.just("xs:float"), st.floats(width=32, allow_nan=False, allow_infinity=False).map(repr)),
    st.tuples(st.just("xs:decimal"), st.floats(allow_nan=False, allow_infinity=False).map(_decimal_literal)),
    st.tuples(st.just("xs:boolean"), st.sampled_from(["true", "false"])),
    st.tuples(st.just("xs:string"), st.text()),
    st.tuples(st.just("xs:anyURI"), st.text()),
    st.tuples(st.just("xs:date"), st.dates().map(datetime.date.isoformat)),
    st.tuples(st.just("xs:dateTime"), st.datetimes(timezones=st.none() | st.just(datetime.UTC)).map(
        datetime.datetime.isoformat)),
    st.tuples(st.just("xs:hexBinary"), st.binary().map(bytes.hex)),
    st.tuples(st.just("xs:base64Binary"), st.binary().map(lambda b: base64.b64encode(b).decode())),
)  # fmt: skip


@given(_LITERALS)
def test_other_properties_round_trip(case: tuple[str, str]) -> None:
    value_type, literal = case
    element = prop(literal, value_type)
    value = element_value(element)
    if value_type == "xs:boolean":
        assert value is (literal == "true")
    elif value_type in ("xs:double", "xs:float", "xs:decimal") and literal not in ("NaN", "INF", "-INF"):
        assert isinstance(value, int | float)
        assert Decimal(repr(value) if isinstance(value, float) else value) == Decimal(literal)
    else:
        assert value == literal
    assert apply_element_value(element, json.loads(orjson.dumps(value)), path="P") == element


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_double_json_numbers_are_stored_exactly(number: float) -> None:
    stored = apply_element_value(prop("0", "xs:double"), number, path="P")
    assert float(stored["value"]) == number
    assert element_value(stored) == number


# --- other element types and shapes ----------------------------------------------------------------------


def test_range_partial_and_null() -> None:
    rng = {"idShort": "R", "modelType": "Range", "valueType": "xs:int", "min": "1", "max": "5"}
    assert apply_element_value(rng, {"max": "7"}, path="R") == {**rng, "max": "7"}
    assert apply_element_value(rng, {"min": None}, path="R") == {k: v for k, v in rng.items() if k != "min"}
    with pytest.raises(ValueOnlyError, match=r"^R: 'x' is not a valid xs:int literal for max$"):
        apply_element_value(rng, {"max": "x"}, path="R")
    with pytest.raises(ValueOnlyError, match="unexpected member 'mid'"):
        apply_element_value(rng, {"mid": 3}, path="R")


def test_multi_language_property() -> None:
    mlp = {"idShort": "L", "modelType": "MultiLanguageProperty"}
    texts = [{"language": "de", "text": "Hallo"}, {"language": "en", "text": "Hello"}]
    assert apply_element_value(mlp, [{"de": "Hallo"}, {"en": "Hello"}], path="L") == {**mlp, "value": texts}
    assert element_value({**mlp, "value": texts}) == [{"de": "Hallo"}, {"en": "Hello"}]
    with pytest.raises(ValueOnlyError, match=r"^L: "):
        apply_element_value(mlp, "Hallo", path="L")


def test_blob_value_is_checked_and_kept_when_absent() -> None:
    blob = {"idShort": "B", "modelType": "Blob", "contentType": "text/plain", "value": "AQID"}
    assert apply_element_value(blob, {"contentType": "text/csv"}, path="B") == {
        **blob,
        "contentType": "text/csv",
    }
    assert apply_element_value(blob, {"value": "BAUG"}, path="B")["value"] == "BAUG"
    with pytest.raises(ValueOnlyError, match=r"^B: the Blob value must be a base64 string"):
        apply_element_value(blob, {"contentType": "text/plain", "value": "not base64!"}, path="B")
    with pytest.raises(ValueOnlyError, match="contentType"):
        apply_element_value(blob, {"contentType": None}, path="B")


def test_references_are_checked_and_copied() -> None:
    rel = {"idShort": "Rel", "modelType": "RelationshipElement", "first": ref("a"), "second": ref("b")}
    new_first = ref("c")
    out = apply_element_value(rel, {"first": new_first}, path="Rel")
    assert out == {**rel, "first": new_first} and out["first"] is not new_first
    for bad in ({"type": "Nope", "keys": []}, {"keys": [{"type": "GlobalReference"}]}, "a", None):
        with pytest.raises(ValueOnlyError, match=r"^Rel: "):
            apply_element_value(rel, {"first": bad}, path="Rel")
    refel = {"idShort": "R", "modelType": "ReferenceElement"}
    assert element_value(refel) is None
    assert apply_element_value(refel, ref("x"), path="R") == {**refel, "value": ref("x")}


def test_entity_accepts_both_statement_forms_and_keeps_asset_id_details() -> None:
    entity = {
        "idShort": "E",
        "modelType": "Entity",
        "entityType": "SelfManagedEntity",
        "statements": [prop("1", "xs:int", "A"), prop("2", "xs:int", "B")],
        "specificAssetIds": [{"name": "serial", "value": "1", "externalSubjectId": ref("s")}],
    }
    by_list = apply_element_value(entity, {"statements": [{"B": 3}]}, path="E")
    by_object = apply_element_value(entity, {"statements": {"B": "3"}}, path="E")
    assert by_list == by_object
    assert by_list["statements"] == [prop("1", "xs:int", "A"), prop("3", "xs:int", "B")]
    out = apply_element_value(entity, {"specificAssetIds": [{"serial": "2"}, {"lot": "7"}]}, path="E")
    assert out["specificAssetIds"] == [
        {"name": "serial", "value": "2", "externalSubjectId": ref("s")},
        {"name": "lot", "value": "7"},
    ]
    out = apply_element_value(entity, {"globalAssetId": "urn:x", "entityType": "CoManagedEntity"}, path="E")
    assert (out["globalAssetId"], out["entityType"]) == ("urn:x", "CoManagedEntity")
    with pytest.raises(ValueOnlyError, match=r"^E: entityType"):
        apply_element_value(entity, {"entityType": "Other"}, path="E")
    with pytest.raises(ValueOnlyError, match=r"^E: no child element with idShort 'C'"):
        apply_element_value(entity, {"statements": [{"C": 1}]}, path="E")


def test_wrong_shapes_are_rejected() -> None:
    with pytest.raises(ValueOnlyError, match=r"^Speed: "):
        apply_element_value(prop("1", "xs:int"), {"value": 1}, path="Speed")
    lst = sml("L", prop("1", "xs:int", "X"), prop("2", "xs:int", "X"))
    with pytest.raises(ValueOnlyError, match=r"^L: expected an array of 2 values, got 3"):
        apply_element_value(lst, [1, 2, 3], path="L")
    with pytest.raises(ValueOnlyError, match=r"^L: expected an array of 2 values, got 1"):
        apply_element_value(lst, [1], path="L")
    with pytest.raises(ValueOnlyError, match=r"^L: .*JSON array"):
        apply_element_value(lst, {"X": 1}, path="L")
    with pytest.raises(ValueOnlyError, match=r"^Coll: .*JSON object"):
        apply_element_value(NESTED, [1], path="Coll")
    with pytest.raises(ValueOnlyError, match=r"^Coll: no child element with idShort 'Nope'"):
        apply_element_value(NESTED, {"Nope": 1}, path="Coll")
    with pytest.raises(ValueOnlyError, match=r"^the ValueOnly form of a Submodel is a JSON object"):
        not_an_object: Any = []
        apply_submodel_value({"modelType": "Submodel", "id": "x", "submodelElements": []}, not_an_object)
    op = {"idShort": "Op", "modelType": "Operation"}
    with pytest.raises(ValueOnlyError, match=r"^Sm.Op: Operation has no ValueOnly representation"):
        apply_element_value(op, {}, path="Sm.Op")
    with pytest.raises(ValueOnlyError, match="unknown modelType"):
        element_value({"idShort": "U", "modelType": "Unknown"})


def test_nested_errors_name_the_child_path() -> None:
    value = {"List": [{"Inner": {"Y": "maybe"}}, {}]}
    with pytest.raises(ValueOnlyError) as info:
        apply_element_value(NESTED, value, path="Sm.Coll")
    assert str(info.value) == "Sm.Coll.List[0].Inner.Y: 'maybe' is not a valid xs:boolean literal"


def test_collection_partial_update_keeps_order_and_unchanged_children() -> None:
    before = copy.deepcopy(NESTED)
    out = apply_element_value(NESTED, {"Ent": {"statements": [{"Stmt": 7}]}, "Prop": 5}, path="Coll")
    assert [c["idShort"] for c in out["value"]] == ["Prop", "List", "Ent"]
    assert out["value"][0]["value"] == "5"
    assert out["value"][2]["statements"][0]["value"] == "7"
    assert out["value"][1] is NESTED["value"][1]  # untouched children are shared, not copied
    assert NESTED == before


def test_list_nulls_for_children_without_value() -> None:
    lst = sml("L", {"modelType": "Capability"}, prop(None, "xs:int", "X"))
    assert element_value(lst) == [None, None]
    assert apply_element_value(lst, [None, None], path="L") == lst


# --- level=core ------------------------------------------------------------------------------------------


def test_level_core_value() -> None:
    assert element_value(NESTED, level_deep=False) == {
        "Prop": 1,
        "List": [],
        "Ent": {"entityType": "CoManagedEntity"},
    }
    sm = {"modelType": "Submodel", "id": "urn:sm", "submodelElements": [NESTED]}
    assert submodel_value(sm, level_deep=False) == {"Coll": {}}
    assert submodel_value(sm) == {
        "Coll": {
            "Prop": 1,
            "List": [{"X": "a", "Inner": {"Y": True}}, {"X": "b"}],
            "Ent": {"statements": [{"Stmt": 2.5}], "entityType": "CoManagedEntity"},
        }
    }


def test_strip_to_core() -> None:
    sm = {"modelType": "Submodel", "id": "urn:sm", "submodelElements": [NESTED, prop("1", "xs:int", "P")]}
    before = copy.deepcopy(sm)
    core = strip_to_core(sm)
    assert core["submodelElements"][0] == {"idShort": "Coll", "modelType": "SubmodelElementCollection"}
    assert core["submodelElements"][1] is sm["submodelElements"][1]
    element_core = strip_to_core(NESTED)
    assert [c.get("value") for c in element_core["value"]] == ["1", None, None]
    assert "statements" not in element_core["value"][2]
    assert element_core["value"][2]["entityType"] == "CoManagedEntity"
    assert sm == before


# --- $path -----------------------------------------------------------------------------------------------


def test_paths_of_a_nested_element() -> None:
    assert element_paths(NESTED, "Coll") == [
        "Coll",
        "Coll.Prop",
        "Coll.List",
        "Coll.List[0]",
        "Coll.List[0].X",
        "Coll.List[0].Inner",
        "Coll.List[0].Inner.Y",
        "Coll.List[1]",
        "Coll.List[1].X",
        "Coll.Ent",
        "Coll.Ent.Stmt",
    ]
    assert element_paths(NESTED, "Coll", level_deep=False) == ["Coll", "Coll.Prop", "Coll.List", "Coll.Ent"]
    inner_list = NESTED["value"][1]
    assert element_paths(inner_list, "Sm.Coll.List", level_deep=False) == [
        "Sm.Coll.List",
        "Sm.Coll.List[0]",
        "Sm.Coll.List[1]",
    ]
    assert element_paths(prop("1", "xs:int", "Prop"), "") == ["Prop"]


@needs_example
def test_submodel_paths() -> None:
    sm = {"modelType": "Submodel", "id": "urn:sm", "submodelElements": [NESTED, prop("1", "xs:int", "P")]}
    assert submodel_paths(sm, level_deep=False) == ["Coll", "P"]
    assert submodel_paths(sm) == [*element_paths(NESTED, "Coll"), "P"]
    test_sm = next(s for s in SUBMODELS if s["id"] == "https://acplt.org/Test_Submodel")
    paths = submodel_paths(test_sm)
    assert "ExampleAnnotatedRelationshipElement.ExampleAnnotatedRange" in paths  # annotations are children
    assert "ExampleSubmodelCollection.ExampleSubmodelList[1]" in paths
    assert len(paths) == len(set(paths))


# --- $metadata -------------------------------------------------------------------------------------------

# Optional value-carrying attributes only: mandatory ones (contentType, first/second, entityType, observed,
# an entity's asset ids for AASd-014) stay, so that a metadata result is still a valid element.
_VALUE_ATTRIBUTES = {
    "Property": {"value", "valueId"},
    "MultiLanguageProperty": {"value", "valueId"},
    "Range": {"min", "max"},
    "File": {"value"},
    "Blob": {"value"},
    "ReferenceElement": {"value"},
    "RelationshipElement": set(),
    "AnnotatedRelationshipElement": {"annotations"},
    "Entity": {"statements"},
    "BasicEventElement": set(),
    "SubmodelElementCollection": {"value"},
    "SubmodelElementList": {"value"},
    "Operation": {"inputVariables", "outputVariables", "inoutputVariables"},
    "Capability": set(),
}


@pytest.mark.parametrize(("path", "element"), ALL_ELEMENTS, ids=[p for p, _ in ALL_ELEMENTS])
def test_metadata_strips_exactly_the_value_attributes(path: str, element: dict[str, Any]) -> None:
    before = copy.deepcopy(element)
    metadata = element_metadata(element)
    assert metadata == {k: v for k, v in element.items() if k not in _VALUE_ATTRIBUTES[element["modelType"]]}
    assert element == before
    # Still a valid element: partners parse $metadata results with their normal metamodel classes.
    json.loads(json.dumps(metadata), cls=basyx_json.StrictAASFromJsonDecoder)


@needs_example
def test_metadata_examples() -> None:
    full = next(e for _, e in ALL_ELEMENTS if e["modelType"] == "Property" and "valueId" in e)
    metadata = element_metadata(full)
    assert "value" not in metadata and "valueId" not in metadata
    assert {"valueType", "semanticId", "qualifiers", "modelType", "idShort"} <= metadata.keys()
    lst = next(e for _, e in ALL_ELEMENTS if e["modelType"] == "SubmodelElementList" and "orderRelevant" in e)
    assert {"orderRelevant", "typeValueListElement"} <= element_metadata(lst).keys()
    for sm in SUBMODELS:
        meta = submodel_metadata(sm)
        assert meta == {k: v for k, v in sm.items() if k != "submodelElements"}


# --- extent=withoutBlobValue -----------------------------------------------------------------------------


def test_strip_blob_values_everywhere() -> None:
    blob = {"idShort": "B", "modelType": "Blob", "contentType": "text/plain", "value": "AQID"}
    operation = {
        "idShort": "Op",
        "modelType": "Operation",
        "inputVariables": [{"value": blob}, {"value": prop("1", "xs:int", "P")}],
    }
    sm = {
        "modelType": "Submodel",
        "id": "urn:sm",
        "submodelElements": [smc("C", sml("L", smc(None, blob))), operation, NESTED],
    }
    before = copy.deepcopy(sm)
    stripped = strip_blob_values(sm)
    text = json.dumps(stripped)
    assert "AQID" not in text and text.count('"contentType": "text/plain"') == 2
    assert stripped["submodelElements"][2] is NESTED  # no Blob inside: shared, not copied
    variables = stripped["submodelElements"][1]["inputVariables"]
    assert variables[1] is operation["inputVariables"][1]  # type: ignore[index]
    assert sm == before
    assert strip_blob_values(blob) == {k: v for k, v in blob.items() if k != "value"}
    for submodel in SUBMODELS:
        assert '"AQIDBAU="' not in json.dumps(strip_blob_values(submodel))
