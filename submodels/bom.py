"""Bills of material as Hierarchical Structures (IDTA 02011-1-1-1), as designed and as built.

The digital thread hangs on these submodels:

* **as designed** (on the type asset, one submodel per design revision): the EntryNode is the machine
  type, its Nodes the component types with their quantity (``BulkCount``); the submodel's
  ``administration`` carries the design revision (version/revision).
* **as built** (on each produced unit): the EntryNode is the unit, its Nodes the parts that went into it,
  each a self-managed entity with its own ``globalAssetId`` (so it resolves to the part's own shell) and
  ``specificAssetIds`` (serialNumber, batchId, manufacturerPartId, supplierId). ``SameAs`` links a part to
  the EntryNode of the part's own BOM.

Where the template has no field for what the thread needs, elements in the project namespace
(:data:`submodels.validation.EXTENSION_NAMESPACE`) are added, not a parallel structure:
``DesignRevision`` (submodel level: the as-designed BOM this unit was built against) and
``DesignPosition`` (in a part: the as-designed Node it fills).

HasPart relationships are derived from the tree when building and not read back.
"""

from __future__ import annotations

from typing import Literal

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import ElementFactory, ElementReader, element_semantic_id, external_reference, instance_submodel
from .template_model import load_template
from .validation import EXTENSION_NAMESPACE

__all__ = [
    "DESIGN_POSITION",
    "DESIGN_REVISION",
    "SEMANTIC_ID",
    "EntityRef",
    "HierarchicalStructure",
    "Node",
    "build_bom",
    "read_bom",
]

SEMANTIC_ID = "https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel"
DESIGN_REVISION = f"{EXTENSION_NAMESPACE}hierarchical-structures:1:0:DesignRevision"
DESIGN_POSITION = f"{EXTENSION_NAMESPACE}hierarchical-structures:1:0:DesignPosition"


class EntityRef(Frozen):
    """An entity in a Hierarchical Structures submodel: the submodel and the idShorts from the EntryNode."""

    submodel_id: str
    path: tuple[str, ...]


class Node(Frozen):
    """One entity of the tree. Self-managed when it has asset ids (its own asset), else co-managed."""

    id_short: str
    global_asset_id: str | None = None
    specific_asset_ids: dict[str, str] = Field(default_factory=dict)
    bulk_count: int | None = Field(default=None, ge=0)
    same_as: list[EntityRef] = Field(default_factory=list)
    design_position: EntityRef | None = None
    parts: list[Node] = Field(default_factory=list)


class HierarchicalStructure(Frozen):
    entry_node: Node
    archetype: Literal["Full", "OneDown", "OneUp"] = "Full"
    #: as designed: the design revision as (version, revision) of the submodel's administration
    revision: tuple[str, str] | None = None
    #: as built: the as-designed BOM submodel this unit was built against
    design_revision: str | None = None


def _entity_reference(submodel_id: str, path: tuple[str, ...]) -> model.ModelReference[model.Entity]:
    keys = [model.Key(model.KeyTypes.SUBMODEL, submodel_id)]
    keys += [model.Key(model.KeyTypes.ENTITY, id_short) for id_short in path]
    return model.ModelReference(tuple(keys), model.Entity)


def _submodel_reference(submodel_id: str) -> model.ModelReference[model.Submodel]:
    return model.ModelReference((model.Key(model.KeyTypes.SUBMODEL, submodel_id),), model.Submodel)


def build_bom(bom: HierarchicalStructure, submodel_id: str) -> model.Submodel:
    """The HierarchicalStructures submodel (kind Instance)."""
    f = ElementFactory(load_template(SEMANTIC_ID))
    elements: list[model.SubmodelElement] = [
        _entity(f, bom.entry_node, "EntryNode", submodel_id, (bom.entry_node.id_short,)),
        f.property("ArcheType", bom.archetype),
    ]
    if bom.design_revision is not None:
        elements.append(
            model.ReferenceElement(
                "DesignRevision",
                _submodel_reference(bom.design_revision),
                semantic_id=external_reference(DESIGN_REVISION),
            )
        )
    administration = (
        model.AdministrativeInformation(version=bom.revision[0], revision=bom.revision[1]) if bom.revision else None
    )
    return instance_submodel(submodel_id, "HierarchicalStructures", SEMANTIC_ID, elements, administration)


def _entity(f: ElementFactory, node: Node, rule: str, submodel_id: str, path: tuple[str, ...]) -> model.Entity:
    statements: list[model.SubmodelElement] = [
        _entity(f, part, "EntryNode.Node", submodel_id, (*path, part.id_short)) for part in node.parts
    ]
    here = _entity_reference(submodel_id, path)
    statements += [
        model.RelationshipElement(
            f"HasPart_{part.id_short}",
            here,
            _entity_reference(submodel_id, (*path, part.id_short)),
            semantic_id=f.semantic_id(f"{rule}.HasPart"),
        )
        for part in node.parts
    ]
    statements += [
        model.RelationshipElement(
            f"SameAs{i + 1:02d}",
            here,
            _entity_reference(target.submodel_id, target.path),
            semantic_id=f.semantic_id(f"{rule}.SameAs"),
        )
        for i, target in enumerate(node.same_as)
    ]
    if node.bulk_count is not None:
        statements.append(f.property("EntryNode.Node.BulkCount", node.bulk_count))
    if node.design_position is not None:
        statements.append(
            model.ReferenceElement(
                "DesignPosition",
                _entity_reference(node.design_position.submodel_id, node.design_position.path),
                semantic_id=external_reference(DESIGN_POSITION),
            )
        )
    self_managed = node.global_asset_id is not None or bool(node.specific_asset_ids)
    return model.Entity(
        node.id_short,
        model.EntityType.SELF_MANAGED_ENTITY if self_managed else model.EntityType.CO_MANAGED_ENTITY,
        statements,
        global_asset_id=node.global_asset_id,
        specific_asset_id=[model.SpecificAssetId(name, value) for name, value in node.specific_asset_ids.items()],
        semantic_id=f.semantic_id(rule),
    )


def _entity_ref(reference: model.Reference) -> EntityRef:
    keys = list(reference.key)
    return EntityRef(submodel_id=str(keys[0].value), path=tuple(str(k.value) for k in keys[1:]))


def read_bom(submodel: model.Submodel) -> HierarchicalStructure:
    """The typed tree of a HierarchicalStructures submodel; KeyError when it has no EntryNode."""
    r = ElementReader(load_template(SEMANTIC_ID))
    top = list(submodel.submodel_element)
    entry = r.one(top, "EntryNode")
    if not isinstance(entry, model.Entity):
        raise KeyError(f"HierarchicalStructures {submodel.id}: no EntryNode")
    design = next(
        (e for e in top if isinstance(e, model.ReferenceElement) and element_semantic_id(e) == DESIGN_REVISION), None
    )
    administration = submodel.administration
    revision = (
        (administration.version, administration.revision)
        if administration is not None and administration.version is not None and administration.revision is not None
        else None
    )
    archetype = r.text(top, "ArcheType") or "Full"
    return HierarchicalStructure(
        entry_node=_read_node(r, entry, "EntryNode"),
        archetype=archetype,  # pydantic checks the literal
        revision=revision,
        design_revision=str(design.value.key[0].value) if design is not None and design.value is not None else None,
    )


def _read_node(r: ElementReader, entity: model.Entity, rule: str) -> Node:
    statements = list(entity.statement)
    parts = [e for e in r.all(statements, f"{rule}.Node") if isinstance(e, model.Entity)]
    same_as = [e for e in r.all(statements, f"{rule}.SameAs") if isinstance(e, model.RelationshipElement)]
    position = next(
        (e for e in statements if isinstance(e, model.ReferenceElement) and element_semantic_id(e) == DESIGN_POSITION),
        None,
    )
    bulk = r.value(statements, "EntryNode.Node.BulkCount")
    return Node(
        id_short=str(entity.id_short),
        global_asset_id=entity.global_asset_id,
        specific_asset_ids={a.name: a.value for a in entity.specific_asset_id},
        bulk_count=None if bulk is None else int(bulk),
        same_as=[_entity_ref(e.second) for e in same_as],
        design_position=_entity_ref(position.value) if position is not None and position.value is not None else None,
        parts=[_read_node(r, part, "EntryNode.Node") for part in parts],
    )
