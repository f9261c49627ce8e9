"""The official IDTA submodel templates as a tree of element rules (idShort, type, cardinality).

Why not basyx objects: several published templates do not load strictly into basyx-python-sdk 2.0.1
(idShorts on list items, duplicate concept descriptions, a stray ``Identifiable`` in IDTA 02018), and the
failsafe loader silently drops what it cannot parse, i.e. exactly the rules a validator needs. The rules
are therefore read from the template JSON (IDTA-01001-3-0 §5.3 serialization) directly.

Conventions of the templates (IDTA-01004, "Specification of Submodel Templates"):

* cardinality is a qualifier ``SMT/Cardinality`` (older: ``Cardinality``, ``Multiplicity``) with the values
  One, ZeroToOne, ZeroToMany, OneToMany (case varies); an element without it counts as One, an item of a
  SubmodelElementList as ZeroToMany (the list's own cardinality says whether the list must be there);
* an idShort ending in ``__00__`` names a repeatable element: instances carry the stem with a running
  number (``Document__01__``, ``Document01``) or any idShort with the element's semanticId;
* rules with a semanticId of :data:`WILDCARDS` (``.../SMT/General/Arbitrary``) stand for any element of
  their model type, whatever its idShort, semanticId and valueType;
* some collections are *open*: their template children are examples, instances define their own
  (the Record of IDTA 02008 Time Series: one Property per variable); see :data:`OPEN_COLLECTIONS`;
* an empty collection with the supplemental semanticId :data:`DROP_IN_USE` takes its content from another
  template (a "drop-in"): the Nameplate's AddressInformation is the ContactInformation collection of
  IDTA 02002 (:data:`DROP_INS`).
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

__all__ = [
    "OPEN_COLLECTIONS",
    "WILDCARDS",
    "Cardinality",
    "Template",
    "TemplateElement",
    "available_templates",
    "children_of",
    "load_template",
    "parse_template",
    "semantic_id_of",
]

Json = dict[str, Any]

_CARDINALITY_QUALIFIERS = frozenset({"SMT/Cardinality", "Cardinality", "Multiplicity"})
_CHILD_KEYS = {
    "SubmodelElementCollection": "value",
    "SubmodelElementList": "value",
    "Entity": "statements",
    "AnnotatedRelationshipElement": "annotations",
}
_REPEATABLE = re.compile(r"^(?P<stem>.*?)__0+__$")
DROP_IN_USE = "https://admin-shell.io/smt-dropin/smt-dropin-use/1/0"
#: semanticIds of *wildcard* rules: they stand for any element of their model type (own idShort, semanticId
#: and valueType), e.g. the technical properties of IDTA 02003 or asset specific properties of IDTA 02006
WILDCARDS = frozenset(
    f"https://admin-shell.io/SMT/General/{name}"
    for name in ("Arbitrary", "ArbitraryProp", "ArbitraryMLP", "ArbitraryFile")
)
#: semanticIds of collections whose children the template only exemplifies
OPEN_COLLECTIONS = frozenset({"https://admin-shell.io/idta/TimeSeries/Record/1/1"})
#: semanticId of a drop-in use -> (semanticId of the template that defines it, idShort of its element there)
DROP_INS = {
    "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations/AddressInformation": (
        "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations",
        "ContactInformation",
    ),
}


class Cardinality(enum.Enum):
    ONE = (1, 1)
    ZERO_TO_ONE = (0, 1)
    ZERO_TO_MANY = (0, None)
    ONE_TO_MANY = (1, None)

    @property
    def min(self) -> int:
        low: int = self.value[0]
        return low

    @property
    def max(self) -> int | None:
        high: int | None = self.value[1]
        return high

    @classmethod
    def parse(cls, text: str) -> Cardinality:
        """Case-insensitive (templates write ``ZerotoMany`` too)."""
        names = {
            "one": cls.ONE,
            "zerotoone": cls.ZERO_TO_ONE,
            "zerotomany": cls.ZERO_TO_MANY,
            "onetomany": cls.ONE_TO_MANY,
        }
        try:
            return names[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown cardinality {text!r}") from None

    def __str__(self) -> str:
        return {"ONE": "One", "ZERO_TO_ONE": "ZeroToOne", "ZERO_TO_MANY": "ZeroToMany", "ONE_TO_MANY": "OneToMany"}[
            self.name
        ]


def semantic_id_of(element: Json) -> str | None:
    """The first key value of the element's semanticId: what templates and instances are matched by."""
    keys = (element.get("semanticId") or {}).get("keys") or []
    return str(keys[0]["value"]) if keys else None


def children_of(element: Json) -> list[Json]:
    """Child elements per IDTA-01002-3-0 §12.3 ("Children of certain objects"); [] for leaves."""
    key = (
        "submodelElements" if element.get("modelType") == "Submodel" else _CHILD_KEYS.get(element.get("modelType", ""))
    )
    children = element.get(key) if key else None
    return children if isinstance(children, list) else []


@dataclass(frozen=True)
class TemplateElement:
    """What the template says about one element: what instances must look like there."""

    id_short: str | None
    model_type: str
    semantic_id: str | None
    cardinality: Cardinality
    value_type: str | None = None  # Property, Range; for a list: valueTypeListElement
    children: tuple[TemplateElement, ...] = field(default=(), repr=False)
    editable_id_short: bool = False  # qualifier EditIdShort: instances choose the idShort

    @property
    def wildcard(self) -> bool:
        """Stands for any element of its model type (:data:`WILDCARDS`)."""
        return self.semantic_id in WILDCARDS

    @property
    def open(self) -> bool:
        """Children are examples only (:data:`OPEN_COLLECTIONS`): instances bring their own."""
        return self.semantic_id in OPEN_COLLECTIONS

    @property
    def repeatable(self) -> bool:
        return self.cardinality.max is None

    def matches_id_short(self, id_short: str | None) -> bool:
        """Exact, or for ``Name__00__`` templates ``Name``, ``Name__07__`` and ``Name07``."""
        if self.id_short is None or id_short is None:
            return self.id_short == id_short
        if self.editable_id_short:
            return False  # matched by semanticId instead
        if id_short == self.id_short:
            return True
        repeatable = _REPEATABLE.match(self.id_short)
        if repeatable is None:
            return False
        stem = re.escape(repeatable["stem"])
        return re.fullmatch(rf"{stem}(__\d+__|\d+)?", id_short) is not None


@dataclass(frozen=True)
class Template:
    """One official submodel template: its identity and the rules for the submodel's elements."""

    semantic_id: str
    id_short: str
    idta: str
    version: str
    elements: tuple[TemplateElement, ...]

    def walk(self) -> Iterator[tuple[str, TemplateElement]]:
        """(idShortPath, rule) for every rule, list items as ``List[]``."""
        stack = [(e.id_short or "", e) for e in reversed(self.elements)]
        while stack:
            path, rule = stack.pop()
            yield path, rule
            for child in reversed(rule.children):
                sep = "[]" if rule.model_type == "SubmodelElementList" else f".{child.id_short}"
                stack.append((path + sep, child))


def _cardinality(element: Json, in_list: bool) -> Cardinality:
    for qualifier in element.get("qualifiers") or []:
        if qualifier.get("type") in _CARDINALITY_QUALIFIERS and qualifier.get("value"):
            return Cardinality.parse(str(qualifier["value"]))
    return Cardinality.ZERO_TO_MANY if in_list else Cardinality.ONE


DropInResolver = Callable[[str], tuple[TemplateElement, ...]]


def _is_drop_in(element: Json) -> bool:
    return any(
        (ref.get("keys") or [{}])[0].get("value") == DROP_IN_USE for ref in element.get("supplementalSemanticIds") or []
    )


def _rule(element: Json, resolve: DropInResolver | None, in_list: bool = False) -> TemplateElement:
    model_type = str(element.get("modelType", ""))
    is_list = model_type == "SubmodelElementList"
    value_type = element.get("valueTypeListElement") if is_list else element.get("valueType")
    semantic_id = semantic_id_of(element)
    children = tuple(_rule(child, resolve, is_list) for child in children_of(element))
    if not children and resolve is not None and semantic_id is not None and _is_drop_in(element):
        children = resolve(semantic_id)
    return TemplateElement(
        id_short=element.get("idShort"),
        model_type=model_type,
        semantic_id=semantic_id,
        cardinality=_cardinality(element, in_list),
        value_type=value_type,
        children=children,
        editable_id_short=any(
            q.get("type") == "EditIdShort" and str(q.get("value")).lower() == "true"
            for q in element.get("qualifiers") or []
        ),
    )


def parse_template(
    submodel: Json, *, idta: str = "", version: str = "", resolve_drop_in: DropInResolver | None = None
) -> Template:
    """Rules from a template submodel in its JSON form; ``resolve_drop_in`` fills drop-in uses."""
    semantic_id = semantic_id_of(submodel)
    if semantic_id is None:
        raise ValueError("a template submodel needs a semanticId")
    return Template(
        semantic_id=semantic_id,
        id_short=str(submodel.get("idShort", "")),
        idta=idta,
        version=version,
        elements=tuple(_rule(e, resolve_drop_in) for e in submodel.get("submodelElements") or []),
    )


def _drop_in_children(semantic_id: str) -> tuple[TemplateElement, ...]:
    """The rules a drop-in use takes over; () for drop-ins this package does not know."""
    target = DROP_INS.get(semantic_id)
    if target is None:
        return ()
    template_id, id_short = target
    source = next((e for e in load_template(template_id).elements if e.id_short == id_short), None)
    return source.children if source is not None else ()


@functools.cache
def _index() -> dict[str, Json]:
    text = resources.files("submodels").joinpath("templates/index.json").read_text("utf-8")
    return {entry["semanticId"]: entry for entry in json.loads(text)}


def available_templates() -> dict[str, str]:
    """semanticId -> "IDTA nnnnn version" of every template shipped with the package."""
    return {sid: f"{entry['idta']} {entry['version']}" for sid, entry in _index().items()}


@functools.cache
def load_template(semantic_id: str) -> Template:
    """The shipped template with this submodel semanticId; KeyError if there is none."""
    entry = _index()[semantic_id]
    text = resources.files("submodels").joinpath(f"templates/{entry['file']}").read_text("utf-8")
    return parse_template(
        json.loads(text), idta=entry["idta"], version=entry["version"], resolve_drop_in=_drop_in_children
    )
