"""Acknowledged writes survive kill -9 of the server process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import API, b64


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "aas_server", "--port", str(port), "--data-dir", str(data_dir), "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def call(port: int, method: str, path: str, body: object | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{API}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    port = free_port()
    proc = start(tmp_path, port)
    try:
        sm = {
            "modelType": "Submodel",
            "id": "urn:sm:durable",
            "submodelElements": [
                {"modelType": "Property", "idShort": f"P{i}", "valueType": "xs:int", "value": "0"} for i in range(10)
            ],
        }
        assert call(port, "POST", "/submodels", sm)[0] == 201
        for round_ in range(1, 51):
            for i in range(10):
                status, _ = call(
                    port, "PATCH", f"/submodels/{b64('urn:sm:durable')}/submodel-elements/P{i}/$value", round_
                )
                assert status == 204
        assert (
            call(
                port,
                "POST",
                "/shells",
                {
                    "modelType": "AssetAdministrationShell",
                    "id": "urn:s:durable",
                    "assetInformation": {"assetKind": "Instance", "globalAssetId": "urn:a"},
                },
            )[0]
            == 201
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    port = free_port()
    proc = start(tmp_path, port)
    try:
        status, body = call(port, "GET", f"/submodels/{b64('urn:sm:durable')}/$value")
        assert status == 200
        assert json.loads(body) == {f"P{i}": 50 for i in range(10)}
        assert call(port, "GET", f"/shells/{b64('urn:s:durable')}")[0] == 200
    finally:
        proc.kill()
        proc.wait()
