"""Navigation inside Part 1 JSON documents, and the index terms the list filters use.

The server keeps identifiables as their canonical Part 1 JSON (dicts), because reading one value out of a
dict and serializing a dict with orjson is two orders of magnitude cheaper than going through the basyx
object model on every request. basyx validates every structural write before it reaches a document
(see :mod:`aas_server.codec`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest, NotFound
from .id_short_path import PathSegment, format_path

__all__ = [
    "CHILD_KEYS",
    "Location",
    "cd_terms",
    "children",
    "iter_elements",
    "locate",
    "locate_parent_container",
    "reference_value",
    "shell_terms",
    "submodel_terms",
]

Json = dict[str, Any]

#: The attribute that holds the child elements of each element type that has children.
CHILD_KEYS: dict[str, str] = {
    "SubmodelElementCollection": "value",
    "SubmodelElementList": "value",
    "Entity": "statements",
    "AnnotatedRelationshipElement": "annotations",
}


@dataclass(slots=True)
class Location:
    """Where an element sits: ``container[index] is element``; ``in_list`` if the parent is an SML."""

    container: list[Json]
    index: int
    element: Json
    in_list: bool
    parent: Json | None


def children(element: Json) -> list[Json] | None:
    """The child element list of an element, or None for element types without children."""
    key = CHILD_KEYS.get(element.get("modelType", ""))
    if key is None:
        return None
    value = element.get(key)
    return value if isinstance(value, list) else []


def _ensure_children(element: Json) -> list[Json]:
    key = CHILD_KEYS[element["modelType"]]
    value = element.get(key)
    if not isinstance(value, list):
        value = []
        element[key] = value
    return value


def locate(submodel: Json, segments: Sequence[PathSegment]) -> Location:
    """Find the element at an idShortPath; raises :class:`NotFound` naming the path."""
    container: list[Json] = submodel.get("submodelElements") or []
    in_list = False
    parent: Json | None = None
    location: Location | None = None
    for depth, segment in enumerate(segments):
        if isinstance(segment, int):
            if not in_list or segment >= len(container):
                raise NotFound(f"No submodel element at '{format_path(segments[: depth + 1])}'")
            index = segment
        else:
            if in_list:
                raise NotFound(
                    f"'{format_path(segments[:depth])}' is a SubmodelElementList: address its elements by index"
                )
            index = _find(container, segment)
            if index < 0:
                raise NotFound(f"No submodel element at '{format_path(segments[: depth + 1])}'")
        element = container[index]
        location = Location(container, index, element, in_list, parent)
        if depth + 1 < len(segments):
            kids = children(element)
            if kids is None:
                raise NotFound(f"No submodel element at '{format_path(segments[: depth + 2])}'")
            parent = element
            container = kids
            in_list = element["modelType"] == "SubmodelElementList"
    if location is None:
        raise NotFound("Empty idShortPath")
    return location


def locate_parent_container(submodel: Json, segments: Sequence[PathSegment]) -> tuple[list[Json], Json | None]:
    """The child list a new element is added to: the submodel's, or that of the element at ``segments``."""
    if not segments:
        elements = submodel.get("submodelElements")
        if not isinstance(elements, list):
            elements = []
            submodel["submodelElements"] = elements
        return elements, None
    element = locate(submodel, segments).element
    if children(element) is None:
        raise BadRequest(f"'{format_path(segments)}' is a {element.get('modelType')}, which has no child elements")
    return _ensure_children(element), element


def _find(container: list[Json], id_short: str) -> int:
    for index, element in enumerate(container):
        if element.get("idShort") == id_short:
            return index
    return -1


def iter_elements(elements: list[Json], prefix: str = "", in_list: bool = False) -> Iterator[tuple[str, Json]]:
    """Every element below a container with its idShortPath, depth first."""
    for index, element in enumerate(elements):
        if in_list:
            path = f"{prefix}[{index}]"
        else:
            path = f"{prefix}.{element.get('idShort')}" if prefix else str(element.get("idShort"))
        yield path, element
        kids = children(element)
        if kids:
            yield from iter_elements(kids, path, element["modelType"] == "SubmodelElementList")


# -- index terms -------------------------------------------------------------------------------------


def reference_value(reference: Any) -> str | None:
    """The value a filter matches a Reference by: the value of its last key (the referred entity)."""
    if not isinstance(reference, dict):
        return None
    keys = reference.get("keys")
    if not isinstance(keys, list) or not keys or not isinstance(keys[-1], dict):
        return None
    value = keys[-1].get("value")
    return value if isinstance(value, str) else None


def asset_id_term(name: str, value: str) -> tuple[str, str]:
    return ("assetId", f"{name}\x00{value}")


def shell_terms(shell: Json) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    if isinstance(shell.get("idShort"), str):
        terms.append(("idShort", shell["idShort"]))
    info = shell.get("assetInformation") or {}
    if isinstance(info.get("globalAssetId"), str):
        terms.append(asset_id_term("globalAssetId", info["globalAssetId"]))
    for specific in info.get("specificAssetIds") or ():
        if isinstance(specific, dict) and isinstance(specific.get("name"), str):
            terms.append(asset_id_term(specific["name"], str(specific.get("value", ""))))
    return terms


def submodel_terms(submodel: Json) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    if isinstance(submodel.get("idShort"), str):
        terms.append(("idShort", submodel["idShort"]))
    semantic = reference_value(submodel.get("semanticId"))
    if semantic is not None:
        terms.append(("semanticId", semantic))
    return terms


def cd_terms(cd: Json) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    if isinstance(cd.get("idShort"), str):
        terms.append(("idShort", cd["idShort"]))
    for ref in cd.get("isCaseOf") or ():
        value = reference_value(ref)
        if value is not None:
            terms.append(("isCaseOf", value))
    for eds in cd.get("embeddedDataSpecifications") or ():
        value = reference_value(eds.get("dataSpecification") if isinstance(eds, dict) else None)
        if value is not None:
            terms.append(("dataSpecificationRef", value))
    return list(dict.fromkeys(terms))
