"""A test environment for the official aas-test-engines API checks, written as an AASX package.

The checks need: at least two shells (pagination), shells whose assetInformation carries a globalAssetId,
specificAssetIds and a defaultThumbnail stored in the package, a first shell that refers to at least two
submodels, and a submodel with every submodel element type (the per-element-type checks warn and skip a
type that is absent). The package must itself pass ``python -m aas_test_engines check_file``.

The submodel references of a shell are a *set* in basyx (and so in the server's loader), so which of the
first shell's submodels the tool picks as "the first" is not stable; both of them therefore contain every
element type. A third, small submodel belongs to the second shell.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

from basyx.aas import model
from basyx.aas.adapter.aasx import AASXWriter, DictSupplementaryFileContainer
from basyx.aas.model import datatypes
from pyecma376_2.core_properties import OPCCoreProperties

from submodels.example.files import small_pdf, small_png

__all__ = [
    "MANUAL_PATH",
    "SHELL_IDS",
    "SUBMODEL_IDS",
    "build_conformance_package",
    "small_png",
]

NS = "https://example.com/ids"
SHELL_IDS = (f"{NS}/aas/conformance-press-1", f"{NS}/aas/conformance-press-2")
SUBMODEL_IDS = (
    f"{NS}/sm/conformance-technical-data",
    f"{NS}/sm/conformance-operational-data",
    f"{NS}/sm/conformance-identification-2",
)
MANUAL_PATH = "/aasx/files/manual.pdf"
THUMBNAIL_PATHS = ("/aasx/files/thumbnail-1.png", "/aasx/files/thumbnail-2.png")

IEC61360_TEMPLATE = "https://admin-shell.io/DataSpecificationTemplates/DataSpecificationIec61360/3"
CD_MAX_TEMPERATURE = f"{NS}/cd/MaxTemperature"
CD_OPERATING_TEMPERATURE = f"{NS}/cd/OperatingTemperature"
CD_PRODUCT_NAME = f"{NS}/cd/ProductName"
CD_MEASUREMENT = f"{NS}/cd/Measurement"


def _global(value: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def _sem(name: str) -> model.ExternalReference:
    return _global(f"{NS}/semantics/{name}")


def _ref(
    submodel_id: str, *path: tuple[model.KeyTypes, str], type_: type = model.SubmodelElement
) -> model.ModelReference[Any]:
    keys = (model.Key(model.KeyTypes.SUBMODEL, submodel_id), *(model.Key(kind, value) for kind, value in path))
    return model.ModelReference(keys, type_)


def _en(text: str) -> model.MultiLanguageTextType:
    return model.MultiLanguageTextType({"en": text})


def _every_element_type(submodel_id: str, image_path: str) -> list[model.SubmodelElement]:
    """One submodel's elements: every SubmodelElement type, nested collections and lists."""
    max_temperature_ref = _ref(submodel_id, (model.KeyTypes.PROPERTY, "MaxTemperature"), type_=model.Property)
    operating_range_ref = _ref(submodel_id, (model.KeyTypes.RANGE, "OperatingTemperature"), type_=model.Range)
    return [
        # Properties with several value types
        model.Property(
            "ManufacturerName", datatypes.String, "Example Presses GmbH", semantic_id=_sem("ManufacturerName")
        ),
        model.Property(
            "MaxTemperature",
            datatypes.Double,
            85.5,
            category="PARAMETER",
            semantic_id=_global(CD_MAX_TEMPERATURE),
            description=_en("Maximum permissible housing temperature in degrees Celsius"),
        ),
        model.Property("CycleCount", datatypes.Int, 1200, semantic_id=_sem("CycleCount")),
        model.Property("SerialCounter", datatypes.Long, 9_000_000_000, semantic_id=_sem("SerialCounter")),
        model.Property("IsCertified", datatypes.Boolean, True, semantic_id=_sem("IsCertified")),
        model.Property(
            "ProductionDate", datatypes.Date, datatypes.Date(2024, 3, 15), semantic_id=_sem("ProductionDate")
        ),
        model.Property(
            "LastCalibration",
            datatypes.DateTime,
            datetime.datetime(2024, 5, 1, 8, 30, tzinfo=datetime.UTC),
            semantic_id=_sem("LastCalibration"),
        ),
        model.Property(
            "Homepage", datatypes.AnyURI, datatypes.AnyURI("https://example.com/press"), semantic_id=_sem("Homepage")
        ),
        model.Property("EmptyNote", datatypes.String, None, semantic_id=_sem("EmptyNote")),
        model.MultiLanguageProperty(
            "ProductName",
            model.MultiLanguageTextType({"en": "Hydraulic press", "de": "Hydraulische Presse"}),
            semantic_id=_global(CD_PRODUCT_NAME),
        ),
        model.Range(
            "OperatingTemperature",
            datatypes.Double,
            min=-20.0,
            max=85.0,
            semantic_id=_global(CD_OPERATING_TEMPERATURE),
        ),
        model.Blob(
            "Configuration", "application/json", b'{"mode": "auto", "pressure": 120}', semantic_id=_sem("Configuration")
        ),
        model.File("Manual", "application/pdf", MANUAL_PATH, semantic_id=_sem("Manual")),
        model.File("ProductImage", "image/png", image_path, semantic_id=_sem("ProductImage")),
        model.File(
            "ExternalDatasheet", "text/html", "https://example.com/press/datasheet", semantic_id=_sem("Datasheet")
        ),
        model.ReferenceElement("MaxTemperatureRef", max_temperature_ref, semantic_id=_sem("MaxTemperatureRef")),
        model.ReferenceElement(
            "StandardRef", _global("https://example.com/standards/ISO-4413"), semantic_id=_sem("StandardRef")
        ),
        model.RelationshipElement(
            "LimitWithinRange", max_temperature_ref, operating_range_ref, semantic_id=_sem("LimitWithinRange")
        ),
        model.AnnotatedRelationshipElement(
            "MountedOn",
            _ref(submodel_id, (model.KeyTypes.ENTITY, "Motor"), type_=model.Entity),
            _global("https://example.com/assets/frame-01"),
            annotation=[
                model.Property("MountedBy", datatypes.String, "Service team A"),
                model.Property("TorqueNm", datatypes.Double, 35.0),
            ],
            semantic_id=_sem("MountedOn"),
        ),
        model.Entity(
            "Motor",
            model.EntityType.SELF_MANAGED_ENTITY,
            statement=[
                model.Property("RatedPowerKw", datatypes.Double, 7.5, semantic_id=_sem("RatedPower")),
                model.MultiLanguageProperty("MotorType", _en("Three-phase asynchronous")),
                model.SubmodelElementCollection(
                    "Bearing", [model.Property("BearingType", datatypes.String, "6204-2RS")]
                ),
            ],
            global_asset_id=f"{NS}/assets/motor-4711",
            specific_asset_id=[model.SpecificAssetId("serialNumber", "MOT-4711")],
            semantic_id=_sem("Motor"),
        ),
        model.Entity(
            "Gearbox",
            model.EntityType.CO_MANAGED_ENTITY,
            statement=[model.Property("Ratio", datatypes.Double, 12.5)],
            semantic_id=_sem("Gearbox"),
        ),
        model.Operation(
            "Calibrate",
            input_variable=[model.Property("Offset", datatypes.Double, 0.0)],
            output_variable=[model.Property("Success", datatypes.Boolean, False)],
            in_output_variable=[model.Property("CalibrationCounter", datatypes.Int, 0)],
            semantic_id=_sem("Calibrate"),
        ),
        model.Capability("Pressing", semantic_id=_sem("Pressing")),
        model.BasicEventElement(
            "OverheatEvent",
            observed=max_temperature_ref,
            direction=model.Direction.OUTPUT,
            state=model.StateOfEvent.ON,
            message_topic="press/overheat",
            last_update=datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC),
            semantic_id=_sem("OverheatEvent"),
        ),
        model.SubmodelElementCollection(
            "Maintenance",
            [
                model.Property("IntervalHours", datatypes.Int, 500),
                model.SubmodelElementCollection(
                    "LastService",
                    [
                        model.Property("ServiceDate", datatypes.Date, datatypes.Date(2024, 4, 2)),
                        model.MultiLanguageProperty("Remark", _en("Seals replaced")),
                        model.Range("PressureTested", datatypes.Int, min=100, max=150),
                    ],
                ),
            ],
            semantic_id=_sem("Maintenance"),
        ),
        model.SubmodelElementList(
            "Measurements",
            model.Property,
            [model.Property(None, datatypes.Double, v, semantic_id=_global(CD_MEASUREMENT)) for v in (1.5, 2.25, 3.0)],
            semantic_id_list_element=_global(CD_MEASUREMENT),
            value_type_list_element=datatypes.Double,
            semantic_id=_sem("Measurements"),
        ),
        model.SubmodelElementList(
            "ServiceLog",
            model.SubmodelElementCollection,
            [
                model.SubmodelElementCollection(
                    None,
                    [
                        model.Property("Technician", datatypes.String, name),
                        model.Property("DurationMinutes", datatypes.Int, minutes),
                    ],
                )
                for name, minutes in (("Alice", 45), ("Bob", 30))
            ],
            semantic_id=_sem("ServiceLog"),
        ),
    ]


def _shell(index: int, submodels: list[model.Submodel]) -> model.AssetAdministrationShell:
    number = index + 1
    return model.AssetAdministrationShell(
        asset_information=model.AssetInformation(
            asset_kind=model.AssetKind.INSTANCE,
            global_asset_id=f"{NS}/assets/press-{number:04d}",
            specific_asset_id=[
                model.SpecificAssetId(
                    "serialNumber",
                    f"PRESS-{number:04d}",
                    external_subject_id=_global("https://example.com/companies/example-presses"),
                ),
                model.SpecificAssetId("partNumber", f"HP-200-{number}"),
            ],
            asset_type=f"{NS}/types/hydraulic-press",
            default_thumbnail=model.Resource(THUMBNAIL_PATHS[index], "image/png"),
        ),
        id_=SHELL_IDS[index],
        id_short=f"ConformancePress{number}",
        description=_en(f"Hydraulic press {number} (conformance test environment)"),
        administration=model.AdministrativeInformation(version="1", revision="0"),
        submodel={model.ModelReference.from_referable(sm) for sm in submodels},
    )


def _concept_description(
    cd_id: str, id_short: str, name: str, data_type: model.DataTypeIEC61360, unit: str | None
) -> model.ConceptDescription:
    content = model.DataSpecificationIEC61360(
        preferred_name=model.PreferredNameTypeIEC61360({"en": name}),
        data_type=data_type,
        definition=model.DefinitionTypeIEC61360({"en": f"{name} of the hydraulic press"}),
        unit=unit,
    )
    # No category: aas-test-engines 1.0.3 compares the dataType enum with strings for AASc-3a-004/005/006, so
    # any IEC 61360 concept description of category PROPERTY, VALUE, REFERENCE or DOCUMENT fails its check
    # (and category is deprecated for concept descriptions in metamodel 3.0 anyway).
    return model.ConceptDescription(
        cd_id,
        id_short=id_short,
        embedded_data_specifications=[model.EmbeddedDataSpecification(_global(IEC61360_TEMPLATE), content)],
    )


def build_environment() -> tuple[model.DictObjectStore[model.Identifiable], DictSupplementaryFileContainer]:
    """The objects and the supplementary files of the conformance environment."""
    files = DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    files.add_file(MANUAL_PATH, io.BytesIO(small_pdf("Operating manual")), "application/pdf")
    files.add_file(THUMBNAIL_PATHS[0], io.BytesIO(small_png((200, 40, 40))), "image/png")
    files.add_file(THUMBNAIL_PATHS[1], io.BytesIO(small_png((40, 40, 200))), "image/png")

    technical = model.Submodel(
        SUBMODEL_IDS[0],
        _every_element_type(SUBMODEL_IDS[0], THUMBNAIL_PATHS[0]),
        id_short="TechnicalData",
        semantic_id=_global(f"{NS}/semantics/submodel/TechnicalData/1/0"),
        kind=model.ModellingKind.INSTANCE,
        administration=model.AdministrativeInformation(version="1", revision="2"),
        description=_en("Every submodel element type"),
    )
    operational = model.Submodel(
        SUBMODEL_IDS[1],
        _every_element_type(SUBMODEL_IDS[1], THUMBNAIL_PATHS[0]),
        id_short="OperationalData",
        semantic_id=_global(f"{NS}/semantics/submodel/OperationalData/1/0"),
        kind=model.ModellingKind.INSTANCE,
    )
    identification = model.Submodel(
        SUBMODEL_IDS[2],
        [
            model.Property("SerialNumber", datatypes.String, "PRESS-0002", semantic_id=_sem("SerialNumber")),
            model.MultiLanguageProperty("ProductName", _en("Hydraulic press"), semantic_id=_global(CD_PRODUCT_NAME)),
            model.File("ProductImage", "image/png", THUMBNAIL_PATHS[1], semantic_id=_sem("ProductImage")),
        ],
        id_short="Identification",
        semantic_id=_global(f"{NS}/semantics/submodel/Identification/1/0"),
        kind=model.ModellingKind.INSTANCE,
    )
    store: model.DictObjectStore[model.Identifiable] = model.DictObjectStore()
    for obj in (
        _shell(0, [technical, operational]),
        _shell(1, [identification]),
        technical,
        operational,
        identification,
        _concept_description(
            CD_MAX_TEMPERATURE, "MaxTemperature", "Maximum temperature", model.DataTypeIEC61360.REAL_MEASURE, "degC"
        ),
        _concept_description(
            CD_OPERATING_TEMPERATURE,
            "OperatingTemperature",
            "Operating temperature",
            model.DataTypeIEC61360.REAL_MEASURE,
            "degC",
        ),
        _concept_description(
            CD_PRODUCT_NAME, "ProductName", "Product name", model.DataTypeIEC61360.STRING_TRANSLATABLE, None
        ),
        _concept_description(
            CD_MEASUREMENT, "Measurement", "Measured stroke", model.DataTypeIEC61360.REAL_MEASURE, "mm"
        ),
    ):
        store.add(obj)
    return store, files


def build_conformance_package(path: Path) -> None:
    """Write the conformance environment as an AASX package (JSON part, supplementary files) to ``path``."""
    store, files = build_environment()
    with AASXWriter(str(path)) as writer:
        # Every thumbnail is also the value of a File element, so write_all_aas_objects puts it in the package
        # (with an aas-suppl relationship) and AASX readers hand it out as a supplementary file.
        writer.write_all_aas_objects("/aasx/data.json", store, files, write_json=True)
        core = OPCCoreProperties()  # type: ignore[no-untyped-call]
        core.created = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
        core.creator = "aas_server conformance tests"
        writer.write_core_properties(core)


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/conformance/environment.py out.aasx
    import sys

    build_conformance_package(Path(sys.argv[1]))
