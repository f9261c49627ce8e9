"""Read the submodels of an AASX, JSON or XML environment file into their JSON form (for validation)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter.xml import read_aas_xml_file

from .validation import submodel_json

__all__ = ["read_submodels"]

Json = dict[str, Any]


def read_submodels(path: str | Path) -> list[Json]:
    """Every submodel in the file, as JSON objects. ValueError for content that is no AAS environment.

    JSON files are read as they are (the validator wants to see what a partner would receive, including
    what basyx would reject); AASX and XML go through basyx-python-sdk's strict readers.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            environment = json.loads(path.read_text("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from exc
        if not isinstance(environment, dict):
            raise ValueError("not an AAS environment (expected a JSON object)")
        return [s for s in environment.get("submodels") or [] if isinstance(s, dict)]
    store: model.DictObjectStore[model.Identifiable] = model.DictObjectStore()
    logging.getLogger("basyx").setLevel(logging.ERROR)
    try:
        if suffix == ".aasx":
            with aasx.AASXReader(str(path)) as reader:
                reader.read_into(store, aasx.DictSupplementaryFileContainer())  # type: ignore[no-untyped-call]
        elif suffix == ".xml":
            with path.open("rb") as stream:
                store = read_aas_xml_file(stream, failsafe=False)
        else:
            raise ValueError(f"unknown file type {suffix!r} (expected .aasx, .json or .xml)")
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(str(exc)) from exc
    return [submodel_json(obj) for obj in store if isinstance(obj, model.Submodel)]
