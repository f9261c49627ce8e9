"""Check a submodel instance against its IDTA template: what a partner's generic reader would trip over.

Reported (each a :class:`Finding` with the idShortPath where it was found):

* ``missing``: a mandatory element (One, OneToMany) is absent;
* ``cardinality``: more elements for a rule than it allows (ZeroToOne, One), or a list with too few items;
* ``model_type`` / ``value_type`` / ``value``: another element type, valueType, or a value that is not a
  literal of its valueType (e.g. ``"12x"`` as xs:int);
* ``semantic_id``: an element matched by idShort whose semanticId differs from the template's;
* ``unknown``: an element the template does not know. Elements whose semanticId lies in the project's
  extension namespace (:data:`EXTENSION_NAMESPACE`) are extensions by design and not reported.

Instances are matched to rules by idShort (``Name__00__`` rules take ``Name01``, ``Name__01__``), then
by semanticId for repeatable rules, and list items by the list's item rule.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from basyx.aas import model
from basyx.aas.adapter.json import AASToJsonEncoder

from .template_model import Template, TemplateElement, children_of, load_template, semantic_id_of

__all__ = ["EXTENSION_NAMESPACE", "Finding", "Problem", "submodel_json", "validate"]

Json = dict[str, Any]

#: semanticIds of the elements this project adds to IDTA templates where the thread needs a field the
#: template lacks (documented in the README, "Template extensions").
EXTENSION_NAMESPACE = "urn:aas-thread:ext:"


class Problem(enum.StrEnum):
    MISSING = "missing"
    CARDINALITY = "cardinality"
    MODEL_TYPE = "model_type"
    VALUE_TYPE = "value_type"
    VALUE = "value"
    SEMANTIC_ID = "semantic_id"
    UNKNOWN = "unknown"
    NO_TEMPLATE = "no_template"


@dataclass(frozen=True)
class Finding:
    path: str
    problem: Problem
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(submodel)'}: {self.problem}: {self.message}"


def submodel_json(submodel: model.Submodel | Json) -> Json:
    """The JSON form (IDTA-01001-3-0 §5.3) of a basyx Submodel; dicts pass through."""
    if isinstance(submodel, dict):
        return submodel
    result: Json = json.loads(json.dumps(submodel, cls=AASToJsonEncoder))
    return result


def validate(submodel: model.Submodel | Json, template: Template | None = None) -> list[Finding]:
    """Findings of ``submodel`` against ``template`` (default: the shipped template of its semanticId)."""
    doc = submodel_json(submodel)
    if template is None:
        semantic_id = semantic_id_of(doc)
        if semantic_id is not None and semantic_id.startswith(EXTENSION_NAMESPACE):
            return []  # the project's own submodels (e.g. machine state): no IDTA template to hold them to
        try:
            template = load_template(semantic_id or "")
        except KeyError:
            return [Finding("", Problem.NO_TEMPLATE, f"no template known for semanticId {semantic_id!r}")]
    findings: list[Finding] = []
    _check_children(findings, "", children_of(doc), template.elements, in_list=False, ancestors=())
    return findings


def _join(path: str, element: Json, index: int | None) -> str:
    if index is not None:
        return f"{path}[{index}]"
    id_short = element.get("idShort", "?")
    return f"{path}.{id_short}" if path else str(id_short)


def _match(element: Json, rules: tuple[TemplateElement, ...], in_list: bool) -> TemplateElement | None:
    if in_list:
        if len(rules) == 1:
            return rules[0]
        return next((r for r in rules if r.semantic_id == semantic_id_of(element)), None)
    id_short = element.get("idShort")
    for rule in rules:
        if rule.matches_id_short(id_short):
            return rule
    semantic_id = semantic_id_of(element)
    if semantic_id is not None:
        for rule in rules:
            if (rule.repeatable or rule.editable_id_short) and rule.semantic_id == semantic_id:
                return rule
    return next((r for r in rules if r.wildcard and r.model_type == element.get("modelType")), None)


def _check_children(
    findings: list[Finding],
    path: str,
    elements: Iterable[Json],
    rules: tuple[TemplateElement, ...],
    *,
    in_list: bool,
    ancestors: tuple[TemplateElement, ...],
) -> None:
    found: dict[int, int] = {}
    count = 0
    for index, element in enumerate(elements):
        count += 1
        child_path = _join(path, element, index if in_list else None)
        rule = _match(element, rules, in_list)
        if rule is None:
            semantic_id = semantic_id_of(element) or ""
            if not semantic_id.startswith(EXTENSION_NAMESPACE):
                findings.append(
                    Finding(
                        child_path,
                        Problem.UNKNOWN,
                        f"the template has no element like this ({semantic_id or 'no semanticId'})",
                    )
                )
            continue
        found[id(rule)] = found.get(id(rule), 0) + 1
        _check_element(findings, child_path, element, rule, ancestors)
    for rule in rules:
        n = found.get(id(rule), 0)
        where = f"{path}[]" if in_list else (f"{path}.{rule.id_short}" if path else str(rule.id_short))
        if n < rule.cardinality.min:
            if in_list:
                findings.append(
                    Finding(
                        path, Problem.CARDINALITY, f"needs at least {rule.cardinality.min} item(s) ({rule.cardinality})"
                    )
                )
            else:
                findings.append(
                    Finding(where, Problem.MISSING, f"mandatory {rule.model_type} ({rule.cardinality}) is missing")
                )
        elif rule.cardinality.max is not None and n > rule.cardinality.max:
            findings.append(
                Finding(
                    where, Problem.CARDINALITY, f"{n} elements where {rule.cardinality} allows {rule.cardinality.max}"
                )
            )


def _recursive_rules(rule: TemplateElement, ancestors: tuple[TemplateElement, ...]) -> tuple[TemplateElement, ...]:
    """A rule's children, or for an entity tree (a Node in a Node, IDTA 02011) those of the nearest ancestor
    entity with the same semanticId: the template spells out only the first level of the recursion."""
    if rule.children or rule.semantic_id is None or rule.model_type != "Entity":
        return rule.children
    return next(
        (
            a.children
            for a in reversed(ancestors)
            if a.model_type == "Entity" and a.semantic_id == rule.semantic_id and a.children
        ),
        (),
    )


def _check_element(
    findings: list[Finding], path: str, element: Json, rule: TemplateElement, ancestors: tuple[TemplateElement, ...]
) -> None:
    model_type = element.get("modelType")
    if model_type != rule.model_type:
        findings.append(Finding(path, Problem.MODEL_TYPE, f"is a {model_type}, the template has a {rule.model_type}"))
        return
    semantic_id = semantic_id_of(element)
    if rule.semantic_id and semantic_id != rule.semantic_id and not rule.wildcard:
        findings.append(
            Finding(path, Problem.SEMANTIC_ID, f"semanticId {semantic_id!r}, the template has {rule.semantic_id!r}")
        )
    if model_type in ("Property", "Range"):
        value_type = element.get("valueType")
        if rule.value_type and value_type != rule.value_type and not rule.wildcard:
            findings.append(
                Finding(path, Problem.VALUE_TYPE, f"valueType {value_type}, the template has {rule.value_type}")
            )
        for key in ("value", "min", "max"):
            literal = element.get(key)
            if literal is not None and value_type and not _is_literal(literal, value_type):
                findings.append(Finding(path, Problem.VALUE, f"{key} {literal!r} is no {value_type} literal"))
    if rule.open:
        return
    _check_children(
        findings,
        path,
        children_of(element),
        _recursive_rules(rule, ancestors),
        in_list=model_type == "SubmodelElementList",
        ancestors=(*ancestors, rule),
    )


def _is_literal(literal: Any, value_type: str) -> bool:
    data_type = model.datatypes.XSD_TYPE_CLASSES.get(value_type)
    if data_type is None:
        return False
    try:
        model.datatypes.from_xsd(str(literal), data_type)
    except (ValueError, TypeError):
        return False
    return True
