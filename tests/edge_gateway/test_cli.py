"""``python -m edge_gateway`` as an operator meets it, in real subprocesses: a wrong configuration is one
message naming file, line and key (exit 2, no traceback); ``check`` says which endpoint is unreachable (exit 1)
or that all are fine (exit 0); ``browse`` prints a mapping skeleton; ``run`` serves /health and /metrics and
stops cleanly on SIGTERM.

The simulators run once per module as their own process (``python -m edge_gateway.simulators both``); commands
that need the real server run in a thread (``asyncio.to_thread``) while it serves on the test's event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from edge_gateway.config import GatewayConfig
from edge_gateway.simulators.opcua_server import MACHINE_VARIABLES
from tests.conftest import API
from tests.edge_gateway.helpers import Server, b64, eventually, free_port

REPO = Path(__file__).resolve().parents[2]
STATE_ID = "urn:sm:cli:state"


def gateway(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``python -m edge_gateway ARGS`` to completion (killed after ``timeout``)."""
    return subprocess.run(
        [sys.executable, "-m", "edge_gateway", *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def gateway_async(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """The same, without blocking the event loop that serves the endpoints it talks to."""
    return await asyncio.to_thread(gateway, *args, timeout=timeout)


def write(tmp_path: Path, text: str, name: str = "gateway.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- a wrong configuration ---------------------------------------------------------------------------------

#: name -> (YAML, what the message must mention)
BAD_CONFIGS: dict[str, tuple[str, str]] = {
    "unknown key": (
        """
        server:
          url: http://127.0.0.1:9/api/v3.0
          retries: 3
        """,
        "retries",
    ),
    "wrong type": (
        """
        name: press-7
        http:
          host: 127.0.0.1
          port: lots
        """,
        "valid integer",
    ),
    "wrong type in a list item": (
        """
        opcua:
          - name: ffs
            endpoint: "opc.tcp://127.0.0.1:4840"
            publishing_interval_ms: fast
        """,
        "valid integer",
    ),
    "signal with unknown source": (
        """
        opcua:
          - {name: ffs, endpoint: "opc.tcp://127.0.0.1:4840"}
        signals:
          - id: speed
            source: nowhere
            node: "ns=2;s=Machine.Speed"
        """,
        "nowhere",
    ),
    "Modbus signal without address": (
        """
        modbus:
          - {name: plc, host: 127.0.0.1, port: 5020}
        signals:
          - id: temperature
            source: plc
            table: holding
            type: int16
        """,
        "address",
    ),
    "YAML syntax error": (
        """
        server:
          url: http://127.0.0.1:9/api/v3.0
         timeout_s: 2
        """,
        "line 3",
    ),
}


@pytest.mark.parametrize(
    ("case", "command"),
    [*((case, "run") for case in [*BAD_CONFIGS, "missing file"]), ("unknown key", "check"), ("missing file", "check")],
)
def test_a_bad_configuration_exits_2_with_a_message_and_no_traceback(tmp_path: Path, case: str, command: str) -> None:
    if case == "missing file":
        path, mentions = tmp_path / "nowhere" / "gateway.yaml", "cannot read configuration file"
    else:
        text, mentions = BAD_CONFIGS[case]
        path = write(tmp_path, text)
    result = gateway(command, "--config", str(path), timeout=20)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing started, nothing checked
    first, *_ = lines(result.stderr)
    assert first.startswith("error: ")
    assert str(path) in result.stderr
    assert mentions in result.stderr


#: name -> (line, key path) the message should name, as "file:line: key: message"
WHERE = {
    "unknown key": (3, r"server\.retries"),
    "wrong type": (4, r"http\.port"),
    "wrong type in a list item": (4, r"opcua\.0\.publishing_interval_ms"),
    # a check across keys still knows which signal (and which of its keys) is wrong
    "signal with unknown source": (5, r"signals\.0\.source"),
    "Modbus signal without address": (4, r"signals\.0(\.address)?"),
}


@pytest.mark.parametrize(
    "case",
    [
        "unknown key",
        "wrong type",
        "wrong type in a list item",
        "signal with unknown source",
        "Modbus signal without address",
    ],
)
def test_a_validation_error_names_file_line_and_key(tmp_path: Path, case: str) -> None:
    path = write(tmp_path, BAD_CONFIGS[case][0])
    line, key = WHERE[case]
    result = gateway("check", "--config", str(path), timeout=20)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "error: invalid configuration:"
    assert re.search(rf"^  {re.escape(str(path))}:{line}: {key}: \S", result.stderr, re.MULTILINE), result.stderr


# -- check -------------------------------------------------------------------------------------------------


def test_check_names_each_unreachable_endpoint_and_exits_1(tmp_path: Path) -> None:
    server_port, opcua_port, modbus_port = free_port(), free_port(), free_port()
    path = write(
        tmp_path,
        f"""
        server: {{url: "http://127.0.0.1:{server_port}{API}", timeout_s: 2}}
        opcua:
          - {{name: ffs, endpoint: "opc.tcp://127.0.0.1:{opcua_port}"}}
        modbus:
          - {{name: plc, host: 127.0.0.1, port: {modbus_port}, timeout_s: 2}}
        """,
    )
    result = gateway("check", "--config", str(path))
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    server, opcua, modbus = lines(result.stdout)
    assert server.startswith(f"server http://127.0.0.1:{server_port}{API}: unreachable (")
    assert opcua.startswith(f"opcua ffs opc.tcp://127.0.0.1:{opcua_port}: failed (")
    assert modbus.startswith(f"modbus plc 127.0.0.1:{modbus_port}: unreachable (")
    for line in (server, opcua, modbus):
        assert "refused" in line.lower() or "cannot connect" in line.lower(), line


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = Server(tmp_path / "server")
    try:
        await srv.start()
        yield srv
    finally:
        await srv.stop()


@dataclass(frozen=True)
class Simulators:
    opcua: str  # endpoint
    namespace: int
    modbus_port: int

    def node(self, name: str) -> str:
        return f"ns={self.namespace};s=Machine.{name}"


@pytest.fixture(scope="module")
def simulators() -> Iterator[Simulators]:
    """One simulated machine over OPC UA and Modbus TCP (``python -m edge_gateway.simulators both``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "edge_gateway.simulators", "both", *("--opcua-port", "0", "--modbus-port", "0")],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        opcua_line, modbus_line = process.stdout.readline(), process.stdout.readline()  # printed once listening
        opcua = re.search(r"OPC UA endpoint: (\S+) \(namespace (\d+)\)", opcua_line)
        modbus = re.search(r"Modbus TCP endpoint: [\d.]+:(\d+) ", modbus_line)
        assert opcua is not None and modbus is not None, (opcua_line, modbus_line)
        yield Simulators(opcua.group(1), int(opcua.group(2)), int(modbus.group(1)))
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


async def test_check_exits_0_when_everything_answers_and_1_naming_what_does_not(
    tmp_path: Path, server: Server, simulators: Simulators
) -> None:
    endpoints = f"""
        server: {{url: "http://127.0.0.1:{server.port}{API}", timeout_s: 2}}
        opcua:
          - {{name: ffs, endpoint: "{simulators.opcua}"}}
        modbus:
          - {{name: plc, host: 127.0.0.1, port: {simulators.modbus_port}, timeout_s: 2}}
        """
    path = write(tmp_path, endpoints)
    result = await gateway_async("check", "--config", str(path))
    assert result.returncode == 0, result
    assert lines(result.stdout) == [
        f"server http://127.0.0.1:{server.port}{API}: ok",
        f"opcua ffs {simulators.opcua}: ok",
        f"modbus plc 127.0.0.1:{simulators.modbus_port}: ok",
    ]

    closed = free_port()  # a second PLC that is switched off
    second = f"          - {{name: plc2, host: 127.0.0.1, port: {closed}, timeout_s: 2}}\n"
    path = write(tmp_path, endpoints.rstrip(" ") + second)
    result = await gateway_async("check", "--config", str(path))
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    *fine, failed = lines(result.stdout)
    assert fine == [
        f"server http://127.0.0.1:{server.port}{API}: ok",
        f"opcua ffs {simulators.opcua}: ok",
        f"modbus plc 127.0.0.1:{simulators.modbus_port}: ok",
    ]
    assert failed.startswith(f"modbus plc2 127.0.0.1:{closed}: unreachable (ConnectionRefusedError")


async def test_check_reports_a_server_url_that_is_no_api_root(tmp_path: Path, server: Server) -> None:
    path = write(tmp_path, f'server: {{url: "http://127.0.0.1:{server.port}/no/api/here"}}\n')
    result = await gateway_async("check", "--config", str(path))
    assert result.returncode == 1, result
    assert lines(result.stdout) == [f"server http://127.0.0.1:{server.port}/no/api/here: HTTP 404"]


# -- browse ------------------------------------------------------------------------------------------------


def test_browse_prints_a_mapping_skeleton_that_is_a_valid_configuration(simulators: Simulators) -> None:
    result = gateway("browse", simulators.opcua)
    assert result.returncode == 0, result
    assert "Traceback" not in result.stderr
    assert "# type: Double" in result.stdout  # the data type is shown as a comment
    document = yaml.safe_load(result.stdout)
    assert document["opcua"] == [{"name": "plc", "endpoint": simulators.opcua}]
    nodes = {signal["node"] for signal in document["signals"]}
    assert {simulators.node(name) for name in MACHINE_VARIABLES} <= nodes
    assert f"ns={simulators.namespace};s=Machine.Speed" in nodes
    ids = [signal["id"] for signal in document["signals"]]
    assert "machine_speed" in ids and len(ids) == len(set(ids))
    config = GatewayConfig.model_validate(document)  # ready to edit: already a valid configuration
    assert {s.source for s in config.signals} == {"plc"}


def test_browse_max_nodes_limits_the_skeleton(simulators: Simulators) -> None:
    result = gateway("browse", simulators.opcua, "--max-nodes", "3")
    assert result.returncode == 0, result
    assert len(yaml.safe_load(result.stdout)["signals"]) == 3


@pytest.mark.parametrize("endpoint", ["opc.tcp://127.0.0.1:{port}", "http://127.0.0.1:{port}/not-opc-ua"])
def test_browse_of_an_unreachable_endpoint_is_one_line_and_exit_1(endpoint: str) -> None:
    url = endpoint.format(port=free_port())
    result = gateway("browse", url)
    assert result.returncode == 1, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (line,) = lines(result.stderr)
    assert line.startswith(f"error: {url}: ")


# -- run ---------------------------------------------------------------------------------------------------


class Running:
    """``python -m edge_gateway run`` in the background: its first stdout line, then SIGTERM."""

    def __init__(self, config: Path, stderr: Path) -> None:
        self.config = config
        self.stderr_path = stderr
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Running:
        with self.stderr_path.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "edge_gateway",
                "run",
                "--config",
                str(self.config),
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()
        await asyncio.wait_for(self.process.communicate(), 10)

    async def first_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 20)
        assert line, f"run exited ({await self.process.wait()}):\n{self.stderr()}"
        return line.decode()

    async def terminate(self) -> tuple[int, str]:
        """SIGTERM; (exit status, the rest of stdout)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(self.process.communicate(), 15)
        assert self.process.returncode is not None
        return self.process.returncode, out.decode()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as r:
        return r.status, await r.text()


def state_submodel() -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "id": STATE_ID,
        "idShort": "MachineState",
        "submodelElements": [{"idShort": "Speed", "modelType": "Property", "valueType": "xs:double"}],
    }


def run_config(tmp_path: Path, server: Server, simulators: Simulators, http_port: int) -> Path:
    return write(
        tmp_path,
        f"""
        name: press-7
        server: {{url: "http://127.0.0.1:{server.port}{API}", timeout_s: 2, retry: {{initial_s: 0.05, max_s: 0.2}}}}
        buffer: {{path: "{tmp_path / "buffer" / "gateway.sqlite"}"}}
        flush: {{interval_ms: 20}}
        http: {{host: 127.0.0.1, port: {http_port}}}
        opcua:
          - {{name: ffs, endpoint: "{simulators.opcua}", reconnect: {{initial_s: 0.1, max_s: 0.5}}}}
        signals:
          - id: speed
            source: ffs
            node: "{simulators.node("Speed")}"
            target: {{submodel: "{STATE_ID}", path: Speed}}
        """,
    )


async def test_run_serves_health_and_metrics_and_stops_cleanly_on_sigterm(
    tmp_path: Path, server: Server, simulators: Simulators
) -> None:
    await server.post("/submodels", state_submodel())
    http_port = free_port()
    async with Running(run_config(tmp_path, server, simulators, http_port), tmp_path / "stderr.log") as gateway_run:
        line = await gateway_run.first_line()
        health_url = f"http://127.0.0.1:{http_port}/health"
        assert line.startswith("Gateway press-7: 1 signals -> ") and health_url in line, line

        async def healthy() -> bool:
            status, body = await get(health_url)
            return status == 200 and json.loads(body)["status"] == "ok"

        await eventually(healthy)
        status, body = await get(health_url)
        health = json.loads(body)
        assert health["server_reachable"] and health["sources"] == {"ffs": {"connected": True, "reconnects": 0}}

        async def speed_arrived() -> bool:
            return isinstance((await server.get(f"/submodels/{b64(STATE_ID)}/$value")).get("Speed"), float)

        await eventually(speed_arrived)
        status, metrics = await get(f"http://127.0.0.1:{http_port}/metrics")
        assert status == 200
        samples_in = re.search(r"^gateway_samples_in(?:_total)? (\S+)$", metrics, re.MULTILINE)
        assert samples_in is not None and float(samples_in.group(1)) > 0, metrics
        assert 'gateway_source_connected{source="ffs"} 1.0' in metrics

        # the server goes away: /health says so (503, degraded)
        await server.stop()

        async def degraded() -> bool:
            status, body = await get(health_url)
            return status == 503 and json.loads(body)["status"] == "degraded"

        await eventually(degraded)

        returncode, _ = await gateway_run.terminate()
        assert returncode == 0, gateway_run.stderr()
        assert "Traceback" not in gateway_run.stderr()
    assert (tmp_path / "buffer" / "gateway.sqlite").exists()


async def test_run_with_http_port_0_prints_the_health_url_it_serves(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        f'server: {{url: "http://127.0.0.1:9{API}"}}\nbuffer: {{path: "{tmp_path / "b.sqlite"}"}}\nhttp: {{port: 0}}\n',
    )
    async with Running(config, tmp_path / "stderr.log") as gateway_run:
        line = await gateway_run.first_line()
        url = re.search(r"health (http://\S+/health)", line)
        assert url is not None, line
        try:
            status, _ = await get(url.group(1))
        except aiohttp.ClientError as exc:
            pytest.fail(f"{url.group(1)} does not answer: {exc}")
        assert status in (200, 503)
        returncode, _ = await gateway_run.terminate()
        assert returncode == 0


def _http_port_taken(tmp_path: Path) -> tuple[str, socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    config = f'server: {{url: "http://127.0.0.1:9{API}"}}\nbuffer: {{path: "{tmp_path / "b.sqlite"}"}}\n'
    return config + f"http: {{port: {port}}}\n", sock


@pytest.mark.parametrize("problem", ["http port in use", "buffer path below a file"])
def test_run_that_cannot_start_says_why_in_one_line(tmp_path: Path, problem: str) -> None:
    sock: socket.socket | None = None
    if problem == "http port in use":
        text, sock = _http_port_taken(tmp_path)
        names = str(sock.getsockname()[1])
    else:
        (tmp_path / "afile").write_text("not a directory", encoding="utf-8")
        text = f'server: {{url: "http://127.0.0.1:9{API}"}}\nbuffer: {{path: "{tmp_path / "afile" / "b.sqlite"}"}}\n'
        text += f"http: {{port: {free_port()}}}\n"
        names = str(tmp_path / "afile")
    try:
        result = gateway("run", "--config", str(write(tmp_path, text)), timeout=20)
    finally:
        if sock is not None:
            sock.close()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    errors = [line for line in lines(result.stderr) if line.startswith("error: ")]
    assert len(errors) == 1 and names in errors[0], result.stderr
