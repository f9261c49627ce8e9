"""YAML configuration files read into pydantic models, with errors that name file, line and key.

Shared by the server and the gateway (both must reject a bad configuration with a message an operator can
act on, not a traceback). Depends on pyyaml and pydantic only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "load_yaml_model"]

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration that cannot be used; the message names file, line and key."""


def load_yaml_model(
    path: Path | None,
    build: Callable[..., M],
    overrides: Mapping[str, Any] | None = None,
) -> M:
    """``build(**data)`` from the YAML file at ``path`` (optional) with ``overrides`` on top (None values
    skipped). ConfigError for unreadable files, bad YAML and every validation error, each with its line."""
    data: dict[str, Any] = {}
    lines: dict[tuple[str, ...], int] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from exc
        try:
            loaded = yaml.safe_load(text)
            lines = _key_lines(yaml.compose(text))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of keys to values")
        data = loaded or {}
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    try:
        return build(**data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(str(part) for part in error["loc"])
            message = str(error["msg"])
            # A check across sections names its key itself: "Value error, signals.3.source: ..."
            named = re.match(r"^(?:Value error, )?([A-Za-z_][\w]*(?:\.[\w]+)+): (.*)$", message, re.S)
            if named and tuple(named[1].split(".")) in lines:
                loc, message = tuple(named[1].split(".")), named[2]
            where = f"{path}:{lines[loc]}: " if path is not None and loc in lines else (f"{path}: " if path else "")
            problems.append(f"{where}{'.'.join(loc) or '(top level)'}: {message}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from exc


def _key_lines(node: yaml.Node | None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Map each key path of a YAML document to its 1-based line, for error messages."""
    found: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            found[path] = key_node.start_mark.line + 1
            found.update(_key_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, str(index))
            found[path] = item.start_mark.line + 1
            found.update(_key_lines(item, path))
    return found
