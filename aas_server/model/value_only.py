"""The ``$value``, ``$metadata`` and ``$path`` representations and the ``level``/``extent`` modifiers.

IDTA-01002-3-0 §11.4 ("SerializationModifiers"): content=value is the ValueOnly serialization (§11.4.3,
with the ``*Value`` schemas of the Part 2 OpenAPI 3.0.4), content=metadata drops the value-carrying
attributes (``*Metadata`` schemas), content=path lists idShortPaths (``PathItem``); level=core keeps only
the direct children of the requested object, extent=withoutBlobValue drops Blob values.

Everything works on the Part 1 JSON form (IDTA-01001-3-0 §5.3) as plain dicts, the way the server keeps
submodels in memory. Nothing here mutates its arguments. Results share unchanged sub-objects with the
input (no deep copies on the hot path), so treat both as immutable or copy before mutating.

PATCH ``$value`` (:func:`apply_element_value`) follows JSON merge patch (RFC 7396) semantics: a member
missing from a ValueOnly object leaves that attribute (or child) unchanged, and ``null`` clears an
optional one. That makes a PATCH of a GET result a no-op, also of one without Blob values. (PATCH
takes no level=core, see the annex "SerializationModifier examples"; a core result with a nested SML
rendered as [] does not fit the list's length.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from ._xsd_literals import LiteralError, is_valid_base64, json_to_literal, literal_to_json

__all__ = [
    "ELEMENT_TYPES_WITHOUT_VALUE",
    "ELEMENT_TYPES_WITH_PATHS",
    "ValueOnlyError",
    "apply_element_value",
    "apply_submodel_value",
    "element_metadata",
    "element_paths",
    "element_value",
    "keyed_element_value",
    "strip_blob_values",
    "strip_to_core",
    "submodel_metadata",
    "submodel_paths",
    "submodel_value",
    "unwrap_element_value",
]

JsonObject = dict[str, Any]

#: Types outside the ValueOnly serialization (§11.4.3): omitted from their parent's ValueOnly object.
ELEMENT_TYPES_WITHOUT_VALUE = frozenset({"Operation", "Capability"})
#: Types with a ``$path`` of their own (the official test engine rejects it for every other type).
ELEMENT_TYPES_WITH_PATHS = frozenset({"SubmodelElementCollection", "SubmodelElementList", "Entity"})

SML = "SubmodelElementList"
#: Attribute holding an element's children (IDTA-01002-3-0 §12.3, table "Children of certain objects").
_CHILDREN_KEY = {
    "SubmodelElementCollection": "value",
    SML: "value",
    "Entity": "statements",
    "AnnotatedRelationshipElement": "annotations",
}
#: Value-carrying attributes, i.e. what the ``*Value`` schemas have and the ``*Metadata`` schemas lack.
_VALUE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "Property": frozenset({"value", "valueId"}),
    "MultiLanguageProperty": frozenset({"value", "valueId"}),
    "Range": frozenset({"min", "max"}),
    "File": frozenset({"contentType", "value"}),
    "Blob": frozenset({"contentType", "value"}),
    "ReferenceElement": frozenset({"value"}),
    "RelationshipElement": frozenset({"first", "second"}),
    "AnnotatedRelationshipElement": frozenset({"first", "second", "annotations"}),
    "Entity": frozenset({"statements", "entityType", "globalAssetId", "specificAssetIds"}),
    "BasicEventElement": frozenset({"observed"}),
    "SubmodelElementCollection": frozenset({"value"}),
    SML: frozenset({"value"}),
    "Operation": frozenset({"inputVariables", "outputVariables", "inoutputVariables"}),
    "Capability": frozenset(),
}
_ENTITY_TYPES = frozenset({"SelfManagedEntity", "CoManagedEntity"})
_REFERENCE_TYPES = frozenset({"ModelReference", "ExternalReference"})


class ValueOnlyError(ValueError):
    """Raised when a ValueOnly payload does not fit the element it targets (maps to HTTP 400).

    ``path`` is the idShortPath where the problem was found, ``reason`` what is wrong there.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def _no_value_error(element: JsonObject, path: str) -> ValueOnlyError:
    model_type = element.get("modelType")
    if model_type in ELEMENT_TYPES_WITHOUT_VALUE:
        return ValueOnlyError(path, f"{model_type} has no ValueOnly representation")
    return ValueOnlyError(path, f"unknown modelType {model_type!r}")


def _join(path: str, id_short: str) -> str:
    return f"{path}.{id_short}" if path else id_short


# --- GET $value -------------------------------------------------------------------------------------------
# Object-shaped values are described by field tables: the ValueOnly members of each type (the
# ``*Value`` schemas) and what kind of JSON each holds. ``expand`` is False for the children of the
# requested object under level=core, whose own children are then left out: a nested SMC renders as {},
# an SML as [] (§11.4, annex "SerializationModifier examples": {"RotationSpeed": {}}).

_LITERAL, _TEXT, _BASE64, _REFERENCE, _ENUM, _ASSET_IDS, _CHILDREN = range(7)
_OBJECT_FIELDS: dict[str, dict[str, int]] = {
    "Range": {"min": _LITERAL, "max": _LITERAL},
    "File": {"contentType": _TEXT, "value": _TEXT},
    "Blob": {"contentType": _TEXT, "value": _BASE64},
    "RelationshipElement": {"first": _REFERENCE, "second": _REFERENCE},
    "AnnotatedRelationshipElement": {"first": _REFERENCE, "second": _REFERENCE, "annotations": _CHILDREN},
    "Entity": {
        "statements": _CHILDREN,
        "entityType": _ENUM,
        "globalAssetId": _TEXT,
        "specificAssetIds": _ASSET_IDS,
    },
    "BasicEventElement": {"observed": _REFERENCE},
}
#: Mandatory value attributes (IDTA-01001-3-0): kept in ``$metadata``; a PATCH may change, not clear them.
_MANDATORY = frozenset(("contentType", "first", "second", "observed", "entityType"))
#: What ``$metadata`` keeps of the value attributes so that its result is still a valid element.
_KEPT_IN_METADATA = _MANDATORY | {"globalAssetId", "specificAssetIds"}
#: ... and the child lists, which a PATCH may not clear either.
_NOT_NULLABLE = _MANDATORY | {"annotations", "statements"}


def _value_of(child: JsonObject, blob: bool, deep: bool, expand: bool) -> Any:
    """The ValueOnly of any element; None for Operation, Capability, unknown types and unset values."""
    model_type = child.get("modelType", "")
    if model_type == "Property":  # the hot path first
        value = child.get("value")
        return None if value is None else literal_to_json(value, child.get("valueType", "xs:string"))
    if model_type == "SubmodelElementCollection":
        return _values_object(child.get("value") or (), blob, deep) if expand else {}
    if model_type == SML:  # null items keep the indexes
        return [_value_of(c, blob, deep, deep) for c in child.get("value") or ()] if expand else []
    if model_type == "MultiLanguageProperty":
        return [{text["language"]: text["text"]} for text in child.get("value") or ()]
    if model_type == "ReferenceElement":
        return child.get("value")
    fields = _OBJECT_FIELDS.get(model_type)
    if fields is None:
        return None
    out: JsonObject = {}
    for key, kind in fields.items():
        item = child.get(key)
        if item is None or (kind == _BASE64 and not blob) or (kind == _CHILDREN and not (expand and item)):
            continue
        if kind == _LITERAL:
            item = literal_to_json(item, child.get("valueType", "xs:string"))
        elif kind == _CHILDREN:  # Entity statements and annotations: [{idShort: value}, ...] (3.0.4 schema)
            item = [{k: v} for k, v in _values_object(item, blob, deep).items()]
        elif kind == _ASSET_IDS:  # SpecificAssetIdValue: {name: value}
            item = [{asset_id["name"]: asset_id["value"]} for asset_id in item]
        out[key] = item
    return out


def _values_object(children: Iterable[JsonObject], blob: bool, deep: bool) -> JsonObject:
    """{idShort: value}; children without a value (Operation, Capability, unset value) are omitted."""
    out: JsonObject = {}
    for child in children:
        value = _value_of(child, blob, deep, deep)
        if value is not None and "idShort" in child:
            out[child["idShort"]] = value
    return out


def element_value(element: JsonObject, *, with_blob_value: bool = False, level_deep: bool = True) -> Any:
    """The ValueOnly form of one element, without the ``{idShort: ...}`` wrapper (GET ``.../$value``).

    Property and ReferenceElement without a value give None. Raises :class:`ValueOnlyError` (with the
    element's idShort as path) for Operation and Capability, which have no ValueOnly form (§11.4.3), and
    for unknown model types.
    """
    if element.get("modelType") not in _APPLIERS:
        raise _no_value_error(element, element.get("idShort", ""))
    return _value_of(element, with_blob_value, level_deep, True)


def keyed_element_value(element: JsonObject, *, with_blob_value: bool = False, level_deep: bool = True) -> Any:
    """GET ``.../submodel-elements/{path}/$value``: ``{idShort: value}``, as in a parent's ValueOnly object.

    The keyed form is what partner servers send and the official test engine requires (a JSON object or
    array, never a bare scalar). An element without idShort (an SML item) has no key: its bare value.
    """
    value = element_value(element, with_blob_value=with_blob_value, level_deep=level_deep)
    id_short = element.get("idShort")
    return value if id_short is None else {id_short: value}


def unwrap_element_value(element: JsonObject, body: Any) -> Any:
    """PATCH ``.../$value`` accepts the bare value and the keyed ``{idShort: value}`` form of a GET.

    Unambiguous because no ValueOnly object has a single member named like the element itself, except
    an SMC with a child of its own idShort: there the body is taken as the bare value (children).
    """
    id_short = element.get("idShort")
    if not (isinstance(body, dict) and len(body) == 1 and id_short is not None and id_short in body):
        return body
    if element.get("modelType") == "SubmodelElementCollection":
        if any(child.get("idShort") == id_short for child in element.get("value") or ()):
            return body
    elif element.get("modelType") in _OBJECT_FIELDS and id_short in _OBJECT_FIELDS[element["modelType"]]:
        return body
    return body[id_short]


def submodel_value(
    submodel: JsonObject,
    *,
    with_blob_value: bool = False,
    level_deep: bool = True,
) -> JsonObject:
    """``{idShort: value}`` for the submodel's elements (GET ``/submodels/{id}/$value``)."""
    return _values_object(submodel.get("submodelElements") or (), with_blob_value, level_deep)


# --- PATCH $value -----------------------------------------------------------------------------------------


_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _KINDS.get(type(value), "a number")


def _shape_error(path: str, model_type: str, expected: str, value: Any) -> ValueOnlyError:
    return ValueOnlyError(path, f"the ValueOnly form of a {model_type} is {expected}, got {_kind(value)}")


def _text(value: Any, path: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueOnlyError(path, f"{name} must be a non-empty string, got {_kind(value)}")
    return value


def _is_key(key: Any) -> bool:
    return isinstance(key, dict) and isinstance(key.get("type"), str) and isinstance(key.get("value"), str)


def _reference(value: Any, path: str, name: str) -> JsonObject:
    """Check the Reference shape (IDTA-01001-3-0 §5.3.10) and return an unshared copy."""
    keys = value.get("keys") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("type"), str)
        or value["type"] not in _REFERENCE_TYPES
        or not isinstance(keys, list)
        or not keys
        or not all(_is_key(key) for key in keys)
    ):
        raise ValueOnlyError(path, f"{name} must be a Reference object with 'type' and non-empty 'keys'")
    return copy.deepcopy(value)


def _literal(value: Any, value_type: str, path: str, member: str = "") -> str:
    try:
        return json_to_literal(value, value_type)
    except LiteralError as error:
        raise ValueOnlyError(path, f"{error} for {member}" if member else str(error)) from None


def _objects(value: Any, path: str, name: str) -> list[JsonObject]:
    """``[{a: 1}, {b: 2}]`` as in the 3.0.4 schemas; a single object (the §11.4.3 prose examples) is
    accepted as well."""
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueOnlyError(path, f"{name} must be an array of JSON objects, got {_kind(value)}")
    return items


def _apply_children(children: list[JsonObject], values: JsonObject, path: str) -> list[JsonObject]:
    """Apply ``{idShort: value}`` to the named children (partial update, order kept)."""
    index = {child.get("idShort"): i for i, child in enumerate(children)}
    out = list(children)
    for id_short, value in values.items():
        position = index.get(id_short)
        if position is None:
            raise ValueOnlyError(path, f"no child element with idShort {id_short!r}")
        out[position] = apply_element_value(out[position], value, path=_join(path, id_short))
    return out


def _specific_asset_ids(current: list[JsonObject], value: Any, path: str) -> list[JsonObject]:
    """``[{name: value}, ...]`` replaces the list; an entry keeps the other attributes (semanticId,
    externalSubjectId) of the current entry of the same name."""
    unused = list(current)
    out = []
    pairs = [pair for item in _objects(value, path, "specificAssetIds") for pair in item.items()]
    for name, asset_id in pairs:
        match = next((entry for entry in unused if entry.get("name") == name), None)
        if match is None:
            entry = {"name": _text(name, path, "a specificAssetId name")}
        else:
            unused.remove(match)
            entry = dict(match)
        entry["value"] = _text(asset_id, path, f"the value of specificAssetId {name!r}")
        out.append(entry)
    return out


def _apply_field(e: JsonObject, key: str, kind: int, item: Any, path: str) -> Any:
    if kind == _LITERAL:
        return _literal(item, e.get("valueType", "xs:string"), path, key)
    if kind == _REFERENCE:
        return _reference(item, path, key)
    if kind == _CHILDREN:
        values = {k: v for obj in _objects(item, path, key) for k, v in obj.items()}
        return _apply_children(e.get(key) or [], values, path) if values else e.get(key)
    if kind == _ASSET_IDS:
        return _specific_asset_ids(e.get(key) or [], item, path) or None
    if kind == _ENUM and not (isinstance(item, str) and item in _ENTITY_TYPES):
        raise ValueOnlyError(path, f"entityType must be one of {sorted(_ENTITY_TYPES)}, got {_kind(item)}")
    if kind == _BASE64:
        if not (isinstance(item, str) and is_valid_base64(item)):
            raise ValueOnlyError(path, "the Blob value must be a base64 string")
        return item
    return _text(item, path, key)


def _apply_object(e: JsonObject, value: Any, path: str) -> JsonObject:
    model_type = e["modelType"]
    fields = _OBJECT_FIELDS[model_type]
    if not isinstance(value, dict):
        raise _shape_error(path, model_type, "a JSON object", value)
    out = dict(e)
    for key, item in value.items():
        if key not in fields:
            raise ValueOnlyError(path, f"unexpected member {key!r} in the ValueOnly form of a {model_type}")
        if item is None and key in _NOT_NULLABLE:
            raise ValueOnlyError(path, f"{key} of a {model_type} cannot be null")
        new = None if item is None else _apply_field(e, key, fields[key], item, path)
        if new is None:
            out.pop(key, None)
        else:
            out[key] = new
    return out


def _apply_scalar(e: JsonObject, value: Any, path: str) -> JsonObject:
    """Property, MultiLanguageProperty and ReferenceElement: ``value`` is replaced, null clears it."""
    out = dict(e)
    model_type = e["modelType"]
    if value is None:
        out.pop("value", None)
    elif model_type == "Property":
        out["value"] = _literal(value, e.get("valueType", "xs:string"), path)
    elif model_type == "ReferenceElement":
        out["value"] = _reference(value, path, "the value")
    else:  # MultiLanguageProperty: [{"en": "text"}, ...]
        items = _objects(value, path, "a MultiLanguageProperty value")
        texts = [pair for item in items for pair in item.items()]
        for language, text in texts:
            _text(language, path, "a language tag")
            if not isinstance(text, str):
                raise ValueOnlyError(path, f"the text for language {language!r} must be a string")
        out["value"] = [{"language": language, "text": text} for language, text in texts]
        if not texts:
            del out["value"]
    return out


def _apply_collection(e: JsonObject, value: Any, path: str) -> JsonObject:
    if not isinstance(value, dict):
        raise _shape_error(path, e["modelType"], "a JSON object", value)
    return {**e, "value": _apply_children(e.get("value") or [], value, path)} if value else dict(e)


def _apply_list(e: JsonObject, value: Any, path: str) -> JsonObject:
    children = e.get("value") or []
    if not isinstance(value, list):
        raise _shape_error(path, SML, "a JSON array", value)
    if len(value) != len(children):
        raise ValueOnlyError(path, f"expected an array of {len(children)} values, got {len(value)}")
    if not value:
        return dict(e)
    items = [
        child  # Operation/Capability items render as null, which changes nothing
        if item is None and child.get("modelType") in ELEMENT_TYPES_WITHOUT_VALUE
        else apply_element_value(child, item, path=f"{path}[{i}]")
        for i, (child, item) in enumerate(zip(children, value, strict=True))
    ]
    return {**e, "value": items}


_APPLIERS: dict[str, Callable[[JsonObject, Any, str], JsonObject]] = {
    "Property": _apply_scalar,
    "MultiLanguageProperty": _apply_scalar,
    "ReferenceElement": _apply_scalar,
    "SubmodelElementCollection": _apply_collection,
    SML: _apply_list,
    **dict.fromkeys(_OBJECT_FIELDS, _apply_object),
}


def apply_element_value(element: JsonObject, value: Any, *, path: str) -> JsonObject:
    """PATCH ``.../$value``: a new element equal to ``element`` with its value(s) taken from ``value``.

    Liberal in what it accepts (numbers and booleans as JSON scalars or strings), strict in what it
    stores: canonical XSD literals, checked against the element's valueType. Raises
    :class:`ValueOnlyError` naming ``path`` (or the child's path below it) on any mismatch.
    """
    apply = _APPLIERS.get(element.get("modelType", ""))
    if apply is None:
        raise _no_value_error(element, path)
    return apply(element, value, path)


def apply_submodel_value(submodel: JsonObject, value: JsonObject) -> JsonObject:
    """PATCH ``/submodels/{id}/$value``: a new submodel with the named elements' values replaced."""
    if not isinstance(value, dict):
        raise _shape_error("", "Submodel", "a JSON object", value)
    if not value:
        return dict(submodel)
    return {
        **submodel,
        "submodelElements": _apply_children(submodel.get("submodelElements") or [], value, ""),
    }


# --- $metadata --------------------------------------------------------------------------------------------


def element_metadata(element: JsonObject) -> JsonObject:
    """The element without its optional value-carrying attributes (``*Metadata`` schemas, OpenAPI 3.0.4).

    E.g. Property loses value/valueId, File/Blob their value, Entity its statements, Operation its
    variables. What the metamodel makes mandatory stays (contentType, first/second, entityType, observed,
    and a self-managed entity's asset ids, AASd-014): a metadata result is still a valid element that
    clients and the official test engine parse with their normal metamodel classes; the ``*Metadata``
    schemas allow the extra members.
    """
    drop = _VALUE_ATTRIBUTES.get(element.get("modelType", ""), frozenset()) - _KEPT_IN_METADATA
    return {k: v for k, v in element.items() if k not in drop}


def submodel_metadata(submodel: JsonObject) -> JsonObject:
    """The submodel without ``submodelElements`` (``SubmodelMetadata`` schema)."""
    return {k: v for k, v in submodel.items() if k != "submodelElements"}


# --- $path ------------------------------------------------------------------------------------------------


def _children_key(element: JsonObject) -> str | None:
    model_type = element.get("modelType", "")
    return "submodelElements" if model_type == "Submodel" else _CHILDREN_KEY.get(model_type)


def _children(element: JsonObject) -> list[JsonObject]:
    key = _children_key(element)
    children = element.get(key) if key is not None else None
    return children if isinstance(children, list) else []


def _children_with_paths(element: JsonObject, path: str) -> Iterable[tuple[str, JsonObject]]:
    model_type = element.get("modelType", "")
    children = _children(element)
    if model_type == SML:
        return ((f"{path}[{i}]", child) for i, child in enumerate(children))
    return ((_join(path, child["idShort"]), child) for child in children if "idShort" in child)


def _collect_paths(out: list[str], element: JsonObject, path: str, deep: bool) -> list[str]:
    for child_path, child in _children_with_paths(element, path):
        out.append(child_path)
        if deep:
            _collect_paths(out, child, child_path, deep)
    return out


def element_paths(element: JsonObject, prefix: str, *, level_deep: bool = True) -> list[str]:
    """``$path``: ``prefix`` (the element's own idShortPath; its idShort if empty) and the paths of its
    descendants, or only of its direct children with level=core.

    Children are those of §12.3, table "Children of certain objects": SMC/SML values, Entity statements
    and AnnotatedRelationshipElement annotations; list items are addressed as ``List[i]``.
    """
    own = prefix or element.get("idShort", "")
    return _collect_paths([own], element, own, level_deep)


def submodel_paths(submodel: JsonObject, *, level_deep: bool = True) -> list[str]:
    """``$path`` of a submodel: the idShortPaths of its elements (the submodel itself has none)."""
    return _collect_paths([], submodel, "", level_deep)


# --- level=core and extent=withoutBlobValue for the normal serialization -----------------------------------


def _without_children(element: JsonObject) -> JsonObject:
    key = _CHILDREN_KEY.get(element.get("modelType", ""))
    if key is None or key not in element:
        return element
    return {k: v for k, v in element.items() if k != key}


def strip_to_core(element: JsonObject) -> JsonObject:
    """level=core: a copy of a submodel or element whose direct children lose their own children.

    As in the §11.4 annex examples, a nested SMC/SML/Entity/AnnotatedRelationshipElement keeps all its
    attributes except the children attribute ("value", "statements", "annotations"), which is removed.
    """
    key = _children_key(element)
    out = dict(element)
    if key is not None and isinstance(element.get(key), list):
        out[key] = [_without_children(child) for child in element[key]]
    return out


_OPERATION_VARIABLES = ("inputVariables", "outputVariables", "inoutputVariables")


def _strip_blobs(obj: JsonObject) -> JsonObject:
    """``obj`` itself when it holds no Blob value, else a copy along the changed paths only."""
    model_type = obj.get("modelType")
    if model_type == "Blob":
        return _without_key(obj, "value")
    changed: JsonObject = {}
    key = _children_key(obj)
    if key is not None:
        children = _children(obj)
        new = [_strip_blobs(child) for child in children]
        if any(n is not c for n, c in zip(new, children, strict=True)):
            changed[key] = new
    elif model_type == "Operation":
        for key in _OPERATION_VARIABLES:
            variables = obj.get(key) or []
            new = [_strip_variable(variable) for variable in variables]
            if any(n is not v for n, v in zip(new, variables, strict=True)):
                changed[key] = new
    return {**obj, **changed} if changed else obj


def _strip_variable(variable: JsonObject) -> JsonObject:
    value = variable.get("value")
    stripped = _strip_blobs(value) if isinstance(value, dict) else value
    return variable if stripped is value else {**variable, "value": stripped}


def _without_key(obj: JsonObject, key: str) -> JsonObject:
    return {k: v for k, v in obj.items() if k != key} if key in obj else obj


def strip_blob_values(obj: JsonObject) -> JsonObject:
    """extent=withoutBlobValue (the default, §11.4): a copy of a submodel or element where no Blob, at
    any depth (also inside Operation variables), has a "value"."""
    return dict(_strip_blobs(obj))
