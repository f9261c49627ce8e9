"""Concept Description Repository (IDTA-01002-3-0 §12.5)."""

from __future__ import annotations

from aiohttp import web

from ..storage import Kind
from .identifiables import IdentifiableRoutes
from .submodels import decode_reference_filter

__all__ = ["register_concept_descriptions"]


def _cd_filters(request: web.Request) -> list[tuple[str, str]]:
    terms: list[tuple[str, str]] = []
    if request.query.get("idShort"):
        terms.append(("idShort", request.query["idShort"]))
    if request.query.get("isCaseOf"):
        terms.append(("isCaseOf", decode_reference_filter(request.query["isCaseOf"])))
    if request.query.get("dataSpecificationRef"):
        terms.append(("dataSpecificationRef", decode_reference_filter(request.query["dataSpecificationRef"])))
    return terms


CONCEPT_DESCRIPTIONS = IdentifiableRoutes(Kind.CONCEPT_DESCRIPTION, "concept-descriptions", "cdIdentifier", _cd_filters)


def register_concept_descriptions(app: web.Application, prefix: str) -> None:
    CONCEPT_DESCRIPTIONS.register(app, prefix)
