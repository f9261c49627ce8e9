"""Hierarchical Structures (IDTA 02011): as-designed and as-built BOMs validate and read back unchanged."""

from __future__ import annotations

import json

from basyx.aas.adapter.json import AASToJsonEncoder
from hypothesis import given, settings
from hypothesis import strategies as st

from submodels.bom import EntityRef, HierarchicalStructure, Node, build_bom, read_bom
from submodels.validation import validate
from tests.submodels.round_trip import assert_round_trips
from tests.submodels.strategies import identifier, text

asset_ids = st.dictionaries(
    st.sampled_from(["serialNumber", "batchId", "manufacturerPartId", "supplierId"]), text, max_size=3
)
refs = st.builds(
    EntityRef,
    submodel_id=identifier,
    path=st.lists(st.from_regex(r"[A-Z][a-z0-9]{0,6}", fullmatch=True), min_size=1, max_size=3).map(tuple),
)


def nodes(depth: int) -> st.SearchStrategy[Node]:
    children = st.just([]) if depth == 0 else st.lists(nodes(depth - 1), max_size=3, unique_by=lambda n: n.id_short)
    return st.builds(
        Node,
        id_short=st.from_regex(r"Part[0-9]{1,3}", fullmatch=True),
        global_asset_id=st.none() | identifier,
        specific_asset_ids=asset_ids,
        bulk_count=st.none() | st.integers(0, 10_000),
        same_as=st.lists(refs, max_size=2),
        design_position=st.none() | refs,
        parts=children,
    )


boms = st.builds(
    HierarchicalStructure,
    entry_node=st.builds(
        Node,
        id_short=st.just("Machine"),
        global_asset_id=identifier,
        parts=st.lists(nodes(2), min_size=1, max_size=3, unique_by=lambda n: n.id_short),
    ),
    archetype=st.sampled_from(["Full", "OneDown"]),
    revision=st.none() | st.tuples(st.from_regex(r"[1-9]", fullmatch=True), st.from_regex(r"[0-9]", fullmatch=True)),
    design_revision=st.none() | identifier,
)


@settings(max_examples=60, deadline=None)
@given(boms)
def test_reader_of_builder_is_identity_and_the_result_validates(bom: HierarchicalStructure) -> None:
    assert_round_trips(bom, build_bom, read_bom)


def test_as_built_parts_link_to_their_own_assets_and_the_design() -> None:
    design = "urn:sm:type:fp200:bom:rev-B"
    as_built = HierarchicalStructure(
        entry_node=Node(
            id_short="FP200_000123",
            global_asset_id="urn:asset:fp200:000123",
            parts=[
                Node(
                    id_short="Motor",
                    global_asset_id="urn:asset:motor:M-998877",
                    specific_asset_ids={
                        "serialNumber": "M-998877",
                        "manufacturerPartId": "1LE1-003",
                        "supplierId": "urn:org:drives",
                    },
                    same_as=[EntityRef(submodel_id="urn:sm:motor:M-998877:bom", path=("Motor_M998877",))],
                    design_position=EntityRef(submodel_id=design, path=("FP200", "Motor")),
                ),
                Node(id_short="Screws", specific_asset_ids={"batchId": "LOT-2026-11"}, bulk_count=48),
            ],
        ),
        design_revision=design,
    )
    submodel = build_bom(as_built, "urn:sm:unit:000123:bom")
    assert validate(submodel) == []
    doc = json.loads(json.dumps(submodel, cls=AASToJsonEncoder))
    entry = doc["submodelElements"][0]
    motor = next(s for s in entry["statements"] if s.get("idShort") == "Motor")
    assert motor["entityType"] == "SelfManagedEntity" and motor["globalAssetId"] == "urn:asset:motor:M-998877"
    has_part = [s for s in entry["statements"] if s["modelType"] == "RelationshipElement"]
    assert [h["second"]["keys"][-1]["value"] for h in has_part] == ["Motor", "Screws"]
    assert read_bom(submodel) == as_built
