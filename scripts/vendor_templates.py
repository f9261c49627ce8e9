"""Copy the template submodels of the official IDTA submodel templates into the ``submodels`` package.

Why: the validator and the builders need the templates at run time, also in a container without
``../shared``. Only the ``Submodel`` of each template environment is kept (no shell, no concept
descriptions), byte-for-byte as JSON objects, plus an index by semanticId. The templates are
CC BY 4.0 (IDTA); ``submodels/templates/README.md`` carries the attribution.

Run from the repository root: ``.venv/bin/python scripts/vendor_templates.py``
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "templates"
TARGET = ROOT / "submodels" / "templates"

#: (slug, source file below ../shared/templates, IDTA number, version)
TEMPLATES = [
    ("digital-nameplate-3-0-1", "digital-nameplate/IDTA 02006-3-0-1_Template_Digital Nameplate.json", "02006", "3.0.1"),
    (
        "hierarchical-structures-1-1-1",
        "hierarchical-structures-bom/IDTA 02011-1-1-1_Template_HSEBoM.json",
        "02011",
        "1.1.1",
    ),
    ("technical-data-2-0-1", "technical-data/IDTA 02003_2-0-1_Template_TechnicalData.json", "02003", "2.0.1"),
    (
        "handover-documentation-2-0-1",
        "handover-documentation/IDTA 02004-2-0-1_Template_HandoverDocumentation.json",
        "02004",
        "2.0.1",
    ),
    ("time-series-data-1-1-1", "time-series-data/IDTA 02008-1-1-1_Template_TimeSeriesData.json", "02008", "1.1.1"),
    (
        "contact-information-1-0-1",
        "contact-information/IDTA 02002-1-0-1_Template_ContactInformation.json",
        "02002",
        "1.0.1",
    ),
    (
        "asset-interfaces-description-1-1",
        "asset-interfaces-description/IDTA 02017-1-1_Template_Asset Interfaces Description.json",
        "02017",
        "1.1",
    ),
    (
        "asset-interfaces-mapping-configuration-2-0",
        "asset-interfaces-mapping-configuration/IDTA 02027_Template_AIMC.json",
        "02027",
        "2.0",
    ),
    (
        "maintenance-instructions-1-0",
        "maintenance-instructions/IDTA_02018_Template_MaintenanceInstructions.json",
        "02018",
        "1.0",
    ),
    ("reliability-1-0-1", "reliability/IDTA 02013-1-0-1_Template_Reliability.json", "02013", "1.0.1"),
    (
        "predictive-maintenance-1-0",
        "predictive-maintenance/IDTA 02048_Template_PredictiveMaintenance.json",
        "02048",
        "1.0",
    ),
    (
        "process-variables-manufacturing-kpi-1-0",
        "process-variables-manufacturing-kpi/IDTA 02066_Template_PVM.json",
        "02066",
        "1.0",
    ),
]


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    index = []
    for slug, source, idta, version in TEMPLATES:
        environment = json.loads((SOURCE / source).read_text(encoding="utf-8-sig"))
        (submodel,) = environment["submodels"]
        (TARGET / f"{slug}.json").write_text(json.dumps(submodel, indent=1, ensure_ascii=False) + "\n", "utf-8")
        index.append(
            {
                "file": f"{slug}.json",
                "semanticId": submodel["semanticId"]["keys"][0]["value"],
                "idShort": submodel["idShort"],
                "idta": f"IDTA {idta}",
                "version": version,
                "source": source,
            }
        )
    (TARGET / "index.json").write_text(json.dumps(index, indent=1) + "\n", "utf-8")
    print(f"{len(index)} templates written to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
