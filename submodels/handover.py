"""Handover Documentation (IDTA 02004-2-0-1, VDI 2770): the documents delivered with a product type
(operating manual, declarations), each with ids, classification and versions with their files."""

from __future__ import annotations

import datetime
from typing import Literal

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import ElementFactory, ElementReader, instance_submodel
from .template_model import load_template

__all__ = [
    "SEMANTIC_ID",
    "Document",
    "DocumentClass",
    "DocumentFile",
    "DocumentId",
    "DocumentVersion",
    "HandoverDocumentation",
    "build_handover",
    "read_handover",
]

SEMANTIC_ID = "0173-1#01-AHF578#003"
DOC = "Documents[]"
ID = f"{DOC}.DocumentIds[]"
CLASS = f"{DOC}.DocumentClassifications[]"
VERSION = f"{DOC}.DocumentVersions[]"
LangText = dict[str, str]


class DocumentId(Frozen):
    domain: str
    identifier: str
    primary: bool | None = None


class DocumentClass(Frozen):
    """VDI 2770 class, e.g. ("03-02", {"en": "Operation"}, "VDI2770:2018")."""

    class_id: str
    class_name: LangText
    system: str = "VDI2770:2018"


class DocumentFile(Frozen):
    path: str
    content_type: str = "application/pdf"


class DocumentVersion(Frozen):
    languages: list[str] = Field(min_length=1)
    version: str
    title: LangText
    description: LangText
    status_date: datetime.date
    status: Literal["InReview", "Released"]
    organization_short_name: str
    organization_name: str
    files: list[DocumentFile] = Field(min_length=1)
    subtitle: LangText | None = None
    keywords: LangText | None = None


class Document(Frozen):
    ids: list[DocumentId] = Field(min_length=1)
    classes: list[DocumentClass] = Field(min_length=1)
    versions: list[DocumentVersion] = Field(min_length=1)


class HandoverDocumentation(Frozen):
    documents: list[Document] = Field(min_length=1)


def build_handover(handover: HandoverDocumentation, submodel_id: str) -> model.Submodel:
    f = ElementFactory(load_template(SEMANTIC_ID))
    return instance_submodel(
        submodel_id,
        "HandoverDocumentation",
        SEMANTIC_ID,
        [f.list("Documents", [_document(f, d) for d in handover.documents])],
    )


def _document(f: ElementFactory, d: Document) -> model.SubmodelElementCollection:
    ids = [
        f.collection(
            ID,
            [
                f.property(f"{ID}.DocumentDomainId", i.domain),
                f.property(f"{ID}.DocumentIdentifier", i.identifier),
                f.maybe_property(f"{ID}.DocumentIsPrimary", i.primary),
            ],
            in_list=True,
        )
        for i in d.ids
    ]
    classes = [
        f.collection(
            CLASS,
            [
                f.property(f"{CLASS}.ClassId", c.class_id),
                f.mlp(f"{CLASS}.ClassName", c.class_name),
                f.property(f"{CLASS}.ClassificationSystem", c.system),
            ],
            in_list=True,
        )
        for c in d.classes
    ]
    return f.collection(
        DOC,
        [
            f.list(f"{DOC}.DocumentIds", ids),
            f.list(f"{DOC}.DocumentClassifications", classes),
            f.list(f"{DOC}.DocumentVersions", [_version(f, v) for v in d.versions]),
        ],
        in_list=True,
    )


def _version(f: ElementFactory, v: DocumentVersion) -> model.SubmodelElementCollection:
    return f.collection(
        VERSION,
        [
            f.list(
                f"{VERSION}.Language", [f.property(f"{VERSION}.Language[]", lang, in_list=True) for lang in v.languages]
            ),
            f.property(f"{VERSION}.Version", v.version),
            f.mlp(f"{VERSION}.Title", v.title),
            f.maybe_mlp(f"{VERSION}.Subtitle", v.subtitle),
            f.mlp(f"{VERSION}.Description", v.description),
            f.maybe_mlp(f"{VERSION}.KeyWords", v.keywords),
            f.property(f"{VERSION}.StatusSetDate", v.status_date),
            f.property(f"{VERSION}.StatusValue", v.status),
            f.property(f"{VERSION}.OrganizationShortName", v.organization_short_name),
            f.property(f"{VERSION}.OrganizationOfficialName", v.organization_name),
            f.list(
                f"{VERSION}.DigitalFiles",
                [f.file(f"{VERSION}.DigitalFiles[]", file.path, file.content_type, in_list=True) for file in v.files],
            ),
        ],
        in_list=True,
    )


def _items(element: model.SubmodelElement | None) -> list[model.SubmodelElement]:
    if isinstance(element, model.SubmodelElementCollection | model.SubmodelElementList):
        return list(element.value)
    return []


def read_handover(submodel: model.Submodel) -> HandoverDocumentation:
    r = ElementReader(load_template(SEMANTIC_ID))
    documents = []
    for doc in r.children(list(submodel.submodel_element), "Documents"):
        c = _items(doc)
        documents.append(
            Document(
                ids=[
                    DocumentId(
                        domain=r.text(i, f"{ID}.DocumentDomainId") or "",
                        identifier=r.text(i, f"{ID}.DocumentIdentifier") or "",
                        primary=r.value(i, f"{ID}.DocumentIsPrimary"),
                    )
                    for i in map(_items, r.children(c, f"{DOC}.DocumentIds"))
                ],
                classes=[
                    DocumentClass(
                        class_id=r.text(k, f"{CLASS}.ClassId") or "",
                        class_name=r.texts(k, f"{CLASS}.ClassName") or {},
                        system=r.text(k, f"{CLASS}.ClassificationSystem") or "",
                    )
                    for k in map(_items, r.children(c, f"{DOC}.DocumentClassifications"))
                ],
                versions=[_read_version(r, v) for v in map(_items, r.children(c, f"{DOC}.DocumentVersions"))],
            )
        )
    return HandoverDocumentation(documents=documents)


def _read_version(r: ElementReader, v: list[model.SubmodelElement]) -> DocumentVersion:
    files = [e for e in r.children(v, f"{VERSION}.DigitalFiles") if isinstance(e, model.File)]
    return DocumentVersion(
        languages=[str(p.value) for p in r.children(v, f"{VERSION}.Language") if isinstance(p, model.Property)],
        version=r.text(v, f"{VERSION}.Version") or "",
        title=r.texts(v, f"{VERSION}.Title") or {},
        subtitle=r.texts(v, f"{VERSION}.Subtitle"),
        description=r.texts(v, f"{VERSION}.Description") or {},
        keywords=r.texts(v, f"{VERSION}.KeyWords"),
        status_date=r.value(v, f"{VERSION}.StatusSetDate"),
        status=r.text(v, f"{VERSION}.StatusValue"),  # pydantic checks the literal
        organization_short_name=r.text(v, f"{VERSION}.OrganizationShortName") or "",
        organization_name=r.text(v, f"{VERSION}.OrganizationOfficialName") or "",
        files=[DocumentFile(path=str(file.value), content_type=file.content_type) for file in files],
    )
