"""The official conformance checks (aas-test-engines) against a live aas_server.

One server per module: built from ``environment.build_conformance_package`` (two shells, a submodel with every
element type, files in the package), started as a subprocess on a free loopback port. Each SSP-002
("read") profile is one test; it fails when the tool reports any failed check, and the assertion message
lists the failing checks with the request, the response and what the tool objected to.

Part of the normal test run; alone: ``.venv/bin/pytest tests/conformance -q``
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aas_test_engines import api, config, file, http
from aas_test_engines.result import AasTestResult, Level
from requests import Response

from tests.conformance.environment import SHELL_IDS, SUBMODEL_IDS, build_conformance_package

# No warning filter is needed: against a plain-http loopback server, aas-test-engines 1.0.3 and the
# requests/urllib3 stack it drives emit no warnings. (Its HttpClient defaults to verify=False, so against an
# https URL urllib3 would raise InsecureRequestWarning on every request; filter exactly
# "ignore::urllib3.exceptions.InsecureRequestWarning" here should this test ever target https.)
pytestmark = pytest.mark.conformance

SSP = "https://admin-shell.io/aas/API/3/0/"
SUITES = [
    f"{SSP}AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
    f"{SSP}SubmodelRepositoryServiceSpecification/SSP-002",
    f"{SSP}AssetAdministrationShellServiceSpecification/SSP-002",
    f"{SSP}SubmodelServiceSpecification/SSP-002",
]

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (…/api/v3.0) of a server loaded with the conformance package; killed at teardown."""
    work = tmp_path_factory.mktemp("conformance")
    package = work / "conformance.aasx"
    build_conformance_package(package)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AAS_SERVER_")}
    # The single-object interfaces (/aas, /submodel) serve the shell and submodel with every element type.
    env["AAS_SERVER_SERVICE__AAS_ID"] = SHELL_IDS[0]
    env["AAS_SERVER_SERVICE__SUBMODEL_ID"] = SUBMODEL_IDS[0]
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aas_server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(work / "data"),
                "--load",
                str(package),
                "--no-access-log",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(f"http://127.0.0.1:{port}/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"aas_server did not become healthy (exit code {process.poll()}):\n"
                    + log_path.read_text(errors="replace")[-4000:]
                )
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/api/v3.0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SpecPathClient(http.HttpClient):
    """The tool's HTTP client with its three wrong request paths (aas-test-engines 1.0.3) put right.

    The OpenAPI files of the single-object services (AssetAdministrationShellServiceSpecification and
    SubmodelServiceSpecification V3.0 SSP-002) place ``/serialization`` at the API root and have no
    ``/shells``; the tool instead
      1. fetches the shell for the ``/aas/submodels/{id}`` checks with ``GET /`` (the API root), where it
         fetches the same shell with ``GET /aas/`` everywhere else;
      2. sets up GenerateSerializationByIds with ``GET /aas/shells`` or ``GET /submodel/shells``;
      3. then calls ``/aas/serialization`` or ``/submodel/serialization``.
    Only these exact paths are rewritten, to the ones the spec names; every other request, including all
    the checks' own, goes out as the tool built it. The server does not serve the wrong paths.
    """

    def descend(self, prefix: str) -> SpecPathClient:
        client = SpecPathClient(self.host, self.verify, self.remove_path_prefix, self.additional_headers)
        client.prefixes = [*self.prefixes, prefix]
        return client

    def send(self, request: http.Request) -> Response:
        path = "".join(self.prefixes) + request.path
        fixed = _SPEC_PATHS.get(path)
        if fixed is None:
            return super().send(request)
        return http.HttpClient(self.host, self.verify, "", self.additional_headers).send(
            dataclasses.replace(request, path=fixed)
        )


_SPEC_PATHS = {
    "/": "/aas",
    "/aas/shells": "/shells",
    "/submodel/shells": "/shells",
    "/aas/serialization": "/serialization",
    "/submodel/serialization": "/serialization",
}


_CHECK_NODES = ("Check", "Check meta model", "Check constraints")
_MAX_LINE = 400


def _line(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= _MAX_LINE else text[:_MAX_LINE] + " ..."


def _failed(node: AasTestResult) -> bool:
    return node.level.value >= Level.ERROR.value


def _failures(node: AasTestResult, trail: tuple[str, ...] = ()) -> Iterator[str]:
    """One block per failed check: where (operation > test > element type), then the tool's own lines.

    A block is the innermost failing node: its plain lines ("Invoke <url>", "Response: (<status>): <body>",
    the objection) are printed in order, failing ones marked "!!", with the failing lines of a nested
    metamodel check ("Check" > "Check meta model" > "Missing attribute ...") inlined.
    """
    if not _failed(node):
        return
    here = (*trail, _line(node.message))
    nested = [c for c in node.sub_results if _failed(c) and c.sub_results and c.message not in _CHECK_NODES]
    if nested:
        for child in nested:
            yield from _failures(child, here)
        return
    yield " > ".join(here)
    for child in node.sub_results:
        if not child.sub_results:
            yield f"    {'!!' if _failed(child) else '  '} {_line(child.message)}"
        elif _failed(child):
            yield from (f"    !! {line}" for line in _check_lines(child))


def _check_lines(node: AasTestResult) -> Iterator[str]:
    for child in node.sub_results:
        if _failed(child):
            if child.sub_results:
                yield from _check_lines(child)
            else:
                yield _line(child.message)


def test_package_passes_the_official_file_check(tmp_path: Path) -> None:
    """The environment the API checks run on is itself valid (metamodel, constraints, AASX structure)."""
    package = tmp_path / "conformance.aasx"
    build_conformance_package(package)
    with package.open("rb") as stream:
        result = file.check_aasx_file(stream)
    assert result.ok(), "\n".join(line for child in result.sub_results for line in _failures(child))


@pytest.mark.parametrize("suite", SUITES, ids=[s.removeprefix(SSP) for s in SUITES])
def test_ssp_002_profile(server_url: str, suite: str) -> None:
    result, matrix = api.execute_tests(SpecPathClient(server_url), config.CheckApiConfig(suite=suite))
    summary = (
        f"negative tests rejected {matrix.invalid_rejected}/{matrix.invalid_rejected + matrix.invalid_accepted}, "
        f"positive tests accepted {matrix.valid_accepted}/{matrix.valid_accepted + matrix.valid_rejected}"
    )
    ok = result.ok() and matrix.invalid_accepted == 0 and matrix.valid_rejected == 0
    if not ok:
        # Drop the root ("Checking compliance to …") from the trails: the test id names the suite already.
        lines = [line for child in result.sub_results for line in _failures(child)]
        pytest.fail(f"{suite}: {summary}\n" + "\n".join(lines), pytrace=False)
