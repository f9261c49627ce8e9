"""Configuration errors name the file, line and key; environment variables override the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aas_server.config import ConfigError, load_config


def test_yaml_error_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "server.yaml"
    path.write_text("port: 8081\nstorage:\n  synchronus: FULL\nlimits:\n  max_body_bytes: -5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert f"{path}:3: storage.synchronus" in text
    assert f"{path}:5: limits.max_body_bytes" in text


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "server.yaml"
    path.write_text("port: 8081\nstorage:\n  synchronous: NORMAL\n")
    monkeypatch.setenv("AAS_SERVER_STORAGE__SYNCHRONOUS", "FULL")
    config = load_config(path)
    assert (config.port, config.storage.synchronous) == (8081, "FULL")


def test_cli_rejects_bad_config_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("portt: 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "aas_server", "--config", str(path), "--validate-config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "portt" in result.stderr and "Traceback" not in result.stderr
