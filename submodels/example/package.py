"""Write a generated plant as an AASX package (or a JSON environment) with its supplementary files."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

from basyx.aas import model
from basyx.aas.adapter.aasx import AASXWriter, DictSupplementaryFileContainer
from basyx.aas.adapter.json import write_aas_json_file
from pyecma376_2.core_properties import OPCCoreProperties

from .plant import Plant

__all__ = ["write_package"]


def write_package(plant: Plant, path: Path) -> None:
    """``.aasx``: one JSON part plus the files File elements refer to; ``.json``: the environment only."""
    store: model.DictObjectStore[model.Identifiable] = model.DictObjectStore(plant.objects)
    if path.suffix.lower() == ".json":
        with path.open("w", encoding="utf-8") as stream:
            write_aas_json_file(stream, store)
        return
    files = DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    for name, (content, content_type) in plant.files.items():
        files.add_file(name, io.BytesIO(content), content_type)
    with AASXWriter(str(path)) as writer:
        writer.write_all_aas_objects("/aasx/data.json", store, files, write_json=True)
        core = OPCCoreProperties()  # type: ignore[no-untyped-call]
        core.created = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
        core.creator = "submodels.example"
        writer.write_core_properties(core)
