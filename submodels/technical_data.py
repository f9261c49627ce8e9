"""Technical Data for industrial equipment (IDTA 02003-2-0-1): general information, classifications and the
technical properties of a product type (each with its own ECLASS/IEC CDD semanticId)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import ElementFactory, ElementReader, element_semantic_id, external_reference, instance_submodel
from .template_model import load_template

__all__ = [
    "SEMANTIC_ID",
    "Classification",
    "TechnicalData",
    "TechnicalProperty",
    "build_technical_data",
    "read_technical_data",
]

SEMANTIC_ID = "0173-1#01-AHX837#002"
GENERAL = "GeneralInformation"
CLASS = "ProductClassifications[]"
AREA = "TechnicalPropertyAreas[]"


class Classification(Frozen):
    system: str  # e.g. "ECLASS"
    class_id: str  # e.g. "44-10-20-01"
    class_name: str
    version: str | None = None


class TechnicalProperty(Frozen):
    """One technical property: its own idShort and semanticId (a concept dictionary entry) and a value."""

    id_short: str
    semantic_id: str
    value: Decimal | int | bool | str
    value_type: str = "xs:string"


class TechnicalData(Frozen):
    manufacturer_name: str
    product_designation: dict[str, str]
    article_number: str
    order_code: str
    classifications: list[Classification] = Field(default_factory=list)
    properties: list[TechnicalProperty] = Field(default_factory=list)
    valid_date: datetime.date | None = None


def build_technical_data(data: TechnicalData, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(SEMANTIC_ID))
    elements: list[model.SubmodelElement] = [
        f.collection(
            GENERAL,
            [
                f.property(f"{GENERAL}.ManufacturerName", data.manufacturer_name),
                f.mlp(f"{GENERAL}.ManufacturerProductDesignation", data.product_designation),
                f.property(f"{GENERAL}.ManufacturerArticleNumber", data.article_number),
                f.property(f"{GENERAL}.ManufacturerOrderCode", data.order_code),
            ],
        )
    ]
    if data.classifications:
        elements.append(f.list("ProductClassifications", [_classification(f, c) for c in data.classifications]))
    if data.properties:
        area = f.collection(AREA, [_property(p) for p in data.properties], in_list=True)
        elements.append(f.list("TechnicalPropertyAreas", [area]))
    if data.valid_date is not None:
        elements.append(
            f.collection("FurtherInformation", [f.property("FurtherInformation.ValidDate", data.valid_date)])
        )
    return instance_submodel(submodel_id, "TechnicalData", SEMANTIC_ID, elements)


def _classification(f: ElementFactory, c: Classification) -> model.SubmodelElementCollection:
    return f.collection(
        CLASS,
        [
            f.property(f"{CLASS}.ClassificationSystem", c.system),
            f.maybe_property(f"{CLASS}.ClassificationSystemVersion", c.version),
            f.property(f"{CLASS}.ProductClassId", c.class_id),
            f.property(f"{CLASS}.ProductClassCodedName", c.class_name),
        ],
        in_list=True,
    )


def _property(p: TechnicalProperty) -> model.Property:
    data_type: Any = model.datatypes.XSD_TYPE_CLASSES[p.value_type]
    return model.Property(
        p.id_short,
        data_type,
        model.datatypes.trivial_cast(p.value, data_type),
        semantic_id=external_reference(p.semantic_id),
    )


def read_technical_data(submodel: model.Submodel) -> TechnicalData:
    r = ElementReader(load_template(SEMANTIC_ID))
    top = list(submodel.submodel_element)
    general = r.children(top, GENERAL)
    areas = r.children(top, "TechnicalPropertyAreas")
    properties = [
        TechnicalProperty(
            id_short=str(p.id_short),
            semantic_id=element_semantic_id(p) or "",
            value=p.value,  # pydantic validates
            value_type=model.datatypes.XSD_TYPE_NAMES[p.value_type],
        )
        for area in areas
        if isinstance(area, model.SubmodelElementCollection)
        for p in area.value
        if isinstance(p, model.Property) and p.value is not None
    ]
    further = r.children(top, "FurtherInformation")
    return TechnicalData(
        manufacturer_name=r.text(general, f"{GENERAL}.ManufacturerName") or "",
        product_designation=r.texts(general, f"{GENERAL}.ManufacturerProductDesignation") or {},
        article_number=r.text(general, f"{GENERAL}.ManufacturerArticleNumber") or "",
        order_code=r.text(general, f"{GENERAL}.ManufacturerOrderCode") or "",
        classifications=[
            Classification(
                system=r.text(c, f"{CLASS}.ClassificationSystem") or "",
                version=r.text(c, f"{CLASS}.ClassificationSystemVersion"),
                class_id=r.text(c, f"{CLASS}.ProductClassId") or "",
                class_name=r.text(c, f"{CLASS}.ProductClassCodedName") or "",
            )
            for item in r.children(top, "ProductClassifications")
            if isinstance(item, model.SubmodelElementCollection)
            for c in [list(item.value)]
        ],
        properties=properties,
        valid_date=r.value(further, "FurtherInformation.ValidDate"),
    )
