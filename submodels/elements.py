"""Build and read the elements of one template, with the template's own semanticIds and valueTypes.

Why: the builders must produce exactly what the IDTA template prescribes. Taking semanticIds and
valueTypes from the shipped template (:mod:`submodels.template_model`) instead of retyping them keeps
builders and validator from drifting apart. Template paths name the rules (``Markings[].MarkingName``,
``AddressInformation.Street``); an instance idShort defaults to the rule's, with ``__00__`` replaced by a
running number for repeatable elements.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from basyx.aas import model

from .template_model import Template, TemplateElement

__all__ = [
    "ElementFactory",
    "ElementReader",
    "as_timedelta",
    "element_semantic_id",
    "external_reference",
    "instance_submodel",
    "numbered",
]

Scalar = str | int | float | bool | Decimal | datetime.date | datetime.datetime | datetime.timedelta


def external_reference(value: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def numbered(template_id_short: str, index: int) -> str:
    """The idShort of the index-th instance of a repeatable ``Name__00__`` rule: ``Name01``, ``Name02``..."""
    stem = template_id_short.removesuffix("__00__")
    return f"{stem}{index + 1:02d}"


def _to_python(value: Scalar, value_type: str) -> Any:
    """A Python value basyx accepts for ``value_type`` (strings are parsed as XSD literals)."""
    data_type: Any = model.datatypes.XSD_TYPE_CLASSES[value_type]
    if isinstance(value, datetime.timedelta) and data_type is model.datatypes.Duration:
        whole_seconds = value.days * 86_400 + value.seconds
        return model.datatypes.Duration(seconds=whole_seconds, microseconds=value.microseconds).normalized()
    if isinstance(value, str) and data_type is not model.datatypes.String:
        return model.datatypes.from_xsd(value, data_type)
    return model.datatypes.trivial_cast(value, data_type)


def as_timedelta(duration: Any) -> datetime.timedelta | None:
    """An xs:duration value (basyx: dateutil relativedelta) as a timedelta; None if it counts months or
    years, which have no fixed length."""
    if duration is None or duration.years or duration.months:
        return None
    return datetime.timedelta(
        days=duration.days,
        hours=duration.hours,
        minutes=duration.minutes,
        seconds=duration.seconds,
        microseconds=duration.microseconds,
    )


def instance_submodel(
    submodel_id: str,
    id_short: str,
    semantic_id: str,
    elements: Iterable[model.SubmodelElement | None],
    administration: model.AdministrativeInformation | None = None,
) -> model.Submodel:
    """A submodel of kind Instance built to the template ``semantic_id`` (absent optional elements dropped)."""
    return model.Submodel(
        submodel_id,
        id_short=id_short,
        semantic_id=external_reference(semantic_id),
        administration=administration,
        submodel_element=[e for e in elements if e is not None],
        kind=model.ModellingKind.INSTANCE,
    )


class ElementFactory:
    """Creates basyx elements for the rules of one template."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._rules = dict(template.walk())

    def rule(self, path: str) -> TemplateElement:
        try:
            return self._rules[path]
        except KeyError:
            raise KeyError(f"{self.template.idta}: no rule {path!r}") from None

    def _id_short(self, rule: TemplateElement, id_short: str | None, in_list: bool) -> str | None:
        if in_list:
            return None
        return id_short or rule.id_short

    def semantic_id(self, path: str) -> model.ExternalReference | None:
        rule = self.rule(path)
        return external_reference(rule.semantic_id) if rule.semantic_id else None

    def property(
        self, path: str, value: Scalar | None, *, id_short: str | None = None, in_list: bool = False
    ) -> model.Property:
        rule = self.rule(path)
        value_type = rule.value_type or "xs:string"
        return model.Property(
            self._id_short(rule, id_short, in_list),
            model.datatypes.XSD_TYPE_CLASSES[value_type],
            None if value is None else _to_python(value, value_type),
            semantic_id=self.semantic_id(path),
        )

    def maybe_property(self, path: str, value: Scalar | None, *, id_short: str | None = None) -> model.Property | None:
        """An optional element: None (left out) when there is no value."""
        return None if value is None else self.property(path, value, id_short=id_short)

    def maybe_mlp(self, path: str, texts: Mapping[str, str] | None) -> model.MultiLanguageProperty | None:
        return self.mlp(path, texts) if texts else None

    def mlp(
        self, path: str, texts: Mapping[str, str], *, id_short: str | None = None, in_list: bool = False
    ) -> model.MultiLanguageProperty:
        rule = self.rule(path)
        return model.MultiLanguageProperty(
            self._id_short(rule, id_short, in_list),
            model.MultiLanguageTextType(dict(texts)) if texts else None,
            semantic_id=self.semantic_id(path),
        )

    def file(
        self, path: str, value: str, content_type: str, *, id_short: str | None = None, in_list: bool = False
    ) -> model.File:
        rule = self.rule(path)
        return model.File(
            self._id_short(rule, id_short, in_list), content_type, value, semantic_id=self.semantic_id(path)
        )

    def collection(
        self,
        path: str,
        elements: Iterable[model.SubmodelElement | None],
        *,
        id_short: str | None = None,
        in_list: bool = False,
    ) -> model.SubmodelElementCollection:
        rule = self.rule(path)
        return model.SubmodelElementCollection(
            self._id_short(rule, id_short, in_list),
            [e for e in elements if e is not None],
            semantic_id=self.semantic_id(path),
        )

    def list(
        self, path: str, items: Iterable[model.SubmodelElement], *, id_short: str | None = None
    ) -> model.SubmodelElementList[Any]:
        rule = self.rule(path)
        item_rule = self.rule(f"{path}[]")
        type_of_items = getattr(model, item_rule.model_type)
        value_type = model.datatypes.XSD_TYPE_CLASSES.get(rule.value_type or "") if rule.value_type else None
        return model.SubmodelElementList(
            self._id_short(rule, id_short, False),
            type_of_items,
            list(items),
            semantic_id=self.semantic_id(path),
            semantic_id_list_element=external_reference(item_rule.semantic_id) if item_rule.semantic_id else None,
            value_type_list_element=value_type,
        )


class ElementReader:
    """Finds the elements of a template's rules in an instance: by semanticId, else by idShort.

    By semanticId first because that is what the template fixes; partners vary idShorts of repeatable
    elements. Absent optional elements read as None (or [] for repeatables).
    """

    def __init__(self, template: Template) -> None:
        self.factory = ElementFactory(template)

    def all(self, container: Iterable[model.SubmodelElement], path: str) -> list[model.SubmodelElement]:
        rule = self.factory.rule(path)
        elements = list(container)
        by_semantic_id = [e for e in elements if rule.semantic_id and element_semantic_id(e) == rule.semantic_id]
        return by_semantic_id or [e for e in elements if rule.matches_id_short(e.id_short)]

    def one(self, container: Iterable[model.SubmodelElement], path: str) -> model.SubmodelElement | None:
        found = self.all(container, path)
        return found[0] if found else None

    def value(self, container: Iterable[model.SubmodelElement], path: str) -> Any:
        element = self.one(container, path)
        if isinstance(element, model.Property):
            return element.value
        if isinstance(element, model.MultiLanguageProperty):
            return dict(element.value) if element.value else {}
        if isinstance(element, model.File):
            return element.value
        return None

    def text(self, container: Iterable[model.SubmodelElement], path: str) -> str | None:
        value = self.value(container, path)
        return None if value is None else str(value)

    def texts(self, container: Iterable[model.SubmodelElement], path: str) -> dict[str, str] | None:
        element = self.one(container, path)
        if not isinstance(element, model.MultiLanguageProperty) or not element.value:
            return None
        return dict(element.value)

    def children(self, container: Iterable[model.SubmodelElement], path: str) -> list[model.SubmodelElement]:
        element = self.one(container, path)
        if isinstance(element, model.SubmodelElementCollection | model.SubmodelElementList):
            return list(element.value)
        return []


def element_semantic_id(element: model.SubmodelElement) -> str | None:
    """The first key value of the element's semanticId (what template rules are matched by)."""
    if element.semantic_id is None or not element.semantic_id.key:
        return None
    return str(element.semantic_id.key[0].value)
