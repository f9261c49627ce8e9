"""Digital Nameplate for Industrial Equipment (IDTA 02006-3-0-1): typed values <-> the template submodel.

Multi-language values are ``{language: text}`` dicts, as in the metamodel, so that what a partner wrote in
German reads back in German. The address is the ContactInformation drop-in (IDTA 02002) the template uses.
"""

from __future__ import annotations

import datetime

from basyx.aas import model
from pydantic import Field

from ._base import Frozen
from .elements import ElementFactory, ElementReader, instance_submodel, numbered
from .template_model import load_template

__all__ = ["SEMANTIC_ID", "Address", "Marking", "Nameplate", "build_nameplate", "read_nameplate"]

SEMANTIC_ID = "https://admin-shell.io/idta/nameplate/3/0/Nameplate"
LangText = dict[str, str]


class Address(Frozen):
    """The manufacturer's address (AddressInformation); every field optional, as in IDTA 02002."""

    company: LangText | None = None
    street: LangText | None = None
    zipcode: LangText | None = None
    city_town: LangText | None = None
    state_county: LangText | None = None
    national_code: LangText | None = None


class Marking(Frozen):
    """One conformity marking (CE, UKCA, ...) with the file showing it."""

    name: str
    file: str
    file_content_type: str = "image/png"
    designation_of_certificate: str | None = None
    issue_date: datetime.date | None = None
    expiry_date: datetime.date | None = None
    additional_text: list[str] = Field(default_factory=list)


class Nameplate(Frozen):
    uri_of_the_product: str
    manufacturer_name: LangText
    manufacturer_product_designation: LangText
    address: Address
    order_code_of_manufacturer: str
    manufacturer_product_root: LangText | None = None
    manufacturer_product_family: LangText | None = None
    manufacturer_product_type: str | None = None
    product_article_number_of_manufacturer: str | None = None
    serial_number: str | None = None
    year_of_construction: str | None = None
    date_of_manufacture: datetime.date | None = None
    hardware_version: str | None = None
    firmware_version: str | None = None
    software_version: str | None = None
    country_of_origin: str | None = None
    unique_facility_identifier: str | None = None
    company_logo: str | None = None
    markings: list[Marking] = Field(default_factory=list)


_OPTIONAL_TEXTS = [
    ("ManufacturerProductType", "manufacturer_product_type"),
    ("ProductArticleNumberOfManufacturer", "product_article_number_of_manufacturer"),
    ("SerialNumber", "serial_number"),
    ("YearOfConstruction", "year_of_construction"),
    ("HardwareVersion", "hardware_version"),
    ("FirmwareVersion", "firmware_version"),
    ("SoftwareVersion", "software_version"),
    ("CountryOfOrigin", "country_of_origin"),
    ("UniqueFacilityIdentifier", "unique_facility_identifier"),
]
_ADDRESS = [
    ("Company", "company"),
    ("Street", "street"),
    ("Zipcode", "zipcode"),
    ("CityTown", "city_town"),
    ("StateCounty", "state_county"),
    ("NationalCode", "national_code"),
]


def _factory() -> ElementFactory:
    return ElementFactory(load_template(SEMANTIC_ID))


def build_nameplate(nameplate: Nameplate, submodel_id: str) -> model.Submodel:
    """The Nameplate submodel (kind Instance) of one asset."""
    f = _factory()
    elements: list[model.SubmodelElement | None] = [
        f.property("URIOfTheProduct", nameplate.uri_of_the_product),
        f.mlp("ManufacturerName", nameplate.manufacturer_name),
        f.mlp("ManufacturerProductDesignation", nameplate.manufacturer_product_designation),
        f.collection(
            "AddressInformation",
            [
                f.mlp(f"AddressInformation.{id_short}", texts)
                for id_short, attr in _ADDRESS
                if (texts := getattr(nameplate.address, attr))
            ],
        ),
        f.maybe_mlp("ManufacturerProductRoot", nameplate.manufacturer_product_root),
        f.maybe_mlp("ManufacturerProductFamily", nameplate.manufacturer_product_family),
        f.property("OrderCodeOfManufacturer", nameplate.order_code_of_manufacturer),
        f.maybe_property("DateOfManufacture", nameplate.date_of_manufacture),
        f.file("CompanyLogo", nameplate.company_logo, "image/png") if nameplate.company_logo else None,
        *(
            f.property(id_short, value)
            for id_short, attr in _OPTIONAL_TEXTS
            if (value := getattr(nameplate, attr)) is not None
        ),
    ]
    if nameplate.markings:
        elements.append(f.list("Markings", [_marking(f, m) for m in nameplate.markings]))
    return instance_submodel(submodel_id, "Nameplate", SEMANTIC_ID, [e for e in elements if e is not None])


def _marking(f: ElementFactory, marking: Marking) -> model.SubmodelElementCollection:
    item = "Markings[]"
    optional: list[model.SubmodelElement | None] = [
        f.maybe_property(f"{item}.DesignationOfCertificateOrApproval", marking.designation_of_certificate),
        f.maybe_property(f"{item}.IssueDate", marking.issue_date),
        f.maybe_property(f"{item}.ExpiryDate", marking.expiry_date),
    ]
    texts = [
        f.property(f"{item}.MarkingAdditionalText", text, id_short=numbered("MarkingAdditionalText", i))
        for i, text in enumerate(marking.additional_text)
    ]
    return f.collection(
        item,
        [
            f.property(f"{item}.MarkingName", marking.name),
            f.file(f"{item}.MarkingFile", marking.file, marking.file_content_type),
            *optional,
            *texts,
        ],
        in_list=True,
    )


def read_nameplate(submodel: model.Submodel) -> Nameplate:
    """The typed values of a Nameplate submodel (ours or a partner's). KeyError names a missing mandatory
    element; run :func:`submodels.validation.validate` first for a full report."""
    r = ElementReader(load_template(SEMANTIC_ID))
    top = list(submodel.submodel_element)

    def required(path: str) -> str:
        value = r.text(top, path)
        if value is None:
            raise KeyError(f"Nameplate {submodel.id}: {path} is missing")
        return value

    address_elements = r.children(top, "AddressInformation")
    date = r.value(top, "DateOfManufacture")
    return Nameplate(
        uri_of_the_product=required("URIOfTheProduct"),
        manufacturer_name=r.texts(top, "ManufacturerName") or {},
        manufacturer_product_designation=r.texts(top, "ManufacturerProductDesignation") or {},
        address=Address(**{attr: r.texts(address_elements, f"AddressInformation.{k}") for k, attr in _ADDRESS}),
        order_code_of_manufacturer=required("OrderCodeOfManufacturer"),
        manufacturer_product_root=r.texts(top, "ManufacturerProductRoot"),
        manufacturer_product_family=r.texts(top, "ManufacturerProductFamily"),
        date_of_manufacture=date,
        company_logo=r.text(top, "CompanyLogo"),
        markings=[_read_marking(r, item) for item in r.children(top, "Markings")],
        **{attr: r.text(top, id_short) for id_short, attr in _OPTIONAL_TEXTS},
    )


def _read_marking(r: ElementReader, item: model.SubmodelElement) -> Marking:
    children = list(item.value) if isinstance(item, model.SubmodelElementCollection) else []
    file = r.one(children, "Markings[].MarkingFile")
    texts = r.all(children, "Markings[].MarkingAdditionalText")
    return Marking(
        name=r.text(children, "Markings[].MarkingName") or "",
        file=file.value if isinstance(file, model.File) and file.value else "",
        file_content_type=file.content_type if isinstance(file, model.File) else "image/png",
        designation_of_certificate=r.text(children, "Markings[].DesignationOfCertificateOrApproval"),
        issue_date=r.value(children, "Markings[].IssueDate"),
        expiry_date=r.value(children, "Markings[].ExpiryDate"),
        additional_text=[str(t.value) for t in texts if isinstance(t, model.Property) and t.value is not None],
    )
