"""Store-and-forward survives ``kill -9``: the gateway runs as a real process (``python -m edge_gateway run``)
against the OPC UA simulator and a real aas_server, and is killed with SIGKILL while its buffer is full and
while it replays; after a restart everything it had buffered reaches the server, once, in order.

Accounting: every buffered sample is a time series record named ``S<buffer seq>`` (all signals here have a
``series`` target), and the buffer numbers samples with SQLite AUTOINCREMENT, so "nothing lost, replayed in
order" means the records on the server are always exactly ``S1..Sk`` for some k, and "nothing duplicated"
means no idShort (and no variable at one source time) occurs twice. Every seq the buffer ever handed out is
on the server or still in the buffer file.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from basyx.aas.adapter.json import AASToJsonEncoder

from edge_gateway.config import GatewayConfig, load_gateway_config
from edge_gateway.gateway import Gateway
from edge_gateway.simulators.opcua_server import OpcUaMachineServer
from submodels.time_series import UTC_TIME, Segment, TimeSeries, TimeSeriesVariable, build_time_series
from tests.conftest import API
from tests.edge_gateway.helpers import Server, b64, eventually, free_port, holds

REPO = Path(__file__).resolve().parents[2]
SERIES_ID = "urn:sm:durability:operational"
STORE = "Segments.Live.Records"
LOAD_SIGNALS = 20  # simulator load-mode signals: every one changes at each round
RATE_HZ = 50
FULL = 1500  # "a full buffer": samples buffered before the kill
MAX_BATCH = 50  # small batches: the replay takes many requests, so its order is observable (and a kill can hit it)


def series_submodel() -> dict[str, Any]:
    variables = [TimeSeriesVariable(id_short="UtcTime", semantic_id=UTC_TIME, value_type="xs:dateTime")]
    variables += [
        TimeSeriesVariable(id_short=f"Load{i}", semantic_id=f"urn:example:load{i}") for i in range(LOAD_SIGNALS)
    ]
    variables.append(TimeSeriesVariable(id_short="Speed", semantic_id="urn:example:speed"))
    live = Segment(kind="internal", id_short="Live", record_count=0, records=[])
    series = TimeSeries(name={"en": "Operational data"}, variables=variables, segments=[live])
    doc: dict[str, Any] = json.loads(json.dumps(build_time_series(series, SERIES_ID), cls=AASToJsonEncoder))
    return doc


class Rig:
    """The parts: a server (stoppable), the OPC UA simulator, and a gateway configuration file."""

    def __init__(self, tmp_path: Path, server: Server, opcua: OpcUaMachineServer) -> None:
        self.tmp_path = tmp_path
        self.server = server
        self.opcua = opcua
        self.buffer = tmp_path / "gateway" / "buffer.sqlite"
        self.http_port = free_port()
        self.config = tmp_path / "gateway.yaml"
        self.log = tmp_path / "gateway.log"
        signals = [
            {
                "id": f"load{i}",
                "source": "ffs",
                "node": opcua.signal_node_id(i),
                "series": {"submodel": SERIES_ID, "variable": f"Load{i}"},
            }
            for i in range(LOAD_SIGNALS)
        ]
        signals.append(
            {
                "id": "speed",
                "source": "ffs",
                "node": opcua.node_id("Speed"),
                "series": {"submodel": SERIES_ID, "variable": "Speed", "semantic_id": "urn:example:speed"},
            }
        )
        self.document: dict[str, Any] = {
            "name": "durability",
            "server": {
                "url": f"http://127.0.0.1:{server.port}{API}",
                "timeout_s": 2,
                "retry": {"initial_s": 0.05, "max_s": 0.2},
            },
            "buffer": {"path": str(self.buffer)},
            "flush": {"interval_ms": 20, "max_batch": MAX_BATCH},
            "http": {"port": self.http_port},
            "opcua": [
                {
                    "name": "ffs",
                    "endpoint": opcua.endpoint,
                    "publishing_interval_ms": 20,
                    "sampling_interval_ms": 0,
                    "reconnect": {"initial_s": 0.1, "max_s": 0.5},
                }
            ],
            "signals": signals,
        }
        self.write_config()

    def write_config(self, max_batch: int = MAX_BATCH) -> None:
        self.document["flush"]["max_batch"] = max_batch
        self.config.write_text(yaml.safe_dump(self.document, sort_keys=False), encoding="utf-8")

    @contextlib.asynccontextmanager
    async def gateway(self) -> AsyncIterator[asyncio.subprocess.Process]:
        """``python -m edge_gateway run``; killed and reaped on the way out whatever happened."""
        with self.log.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "edge_gateway",
                "run",
                "--config",
                str(self.config),
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await asyncio.wait_for(process.wait(), 10)

    async def health(self, process: asyncio.subprocess.Process) -> dict[str, Any] | None:
        """The gateway's /health (JSON also with 503), None while it does not answer yet."""
        assert process.returncode is None, f"the gateway exited ({process.returncode}):\n{self.log_text()}"
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{self.http_port}/health", timeout=aiohttp.ClientTimeout(total=2)) as r,
            ):
                status: dict[str, Any] = await r.json()
                return status
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def wait_for(
        self, process: asyncio.subprocess.Process, condition: Any, timeout: float = 15
    ) -> dict[str, Any]:
        """Poll /health until ``condition(status)``; returns that status."""
        seen: dict[str, Any] = {}

        async def check() -> bool:
            status = await self.health(process)
            if status is None:
                return False
            seen.update(status)
            return bool(condition(status))

        try:
            await eventually(check, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last /health {seen}\n{self.log_text()[-3000:]}") from None
        return seen

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def buffered(self) -> tuple[list[int], int]:
        """(seqs in the buffer file, the highest seq it ever handed out); read while no gateway runs."""
        with contextlib.closing(sqlite3.connect(self.buffer)) as conn:
            seqs = [row[0] for row in conn.execute("SELECT seq FROM samples ORDER BY seq")]
            row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").fetchone()
        return seqs, int(row[0]) if row else 0

    def rows(self) -> list[tuple[Any, ...]]:
        """The buffered rows themselves (seq, signal, t, quality, value)."""
        with contextlib.closing(sqlite3.connect(self.buffer)) as conn:
            return list(conn.execute("SELECT seq, signal, t, quality, value FROM samples ORDER BY seq"))

    def put_back(self, rows: list[tuple[Any, ...]]) -> None:
        """Rows as if they had never been acknowledged (same seq; the AUTOINCREMENT high-water mark stays)."""
        with contextlib.closing(sqlite3.connect(self.buffer)) as conn, conn:
            conn.executemany(
                "INSERT OR IGNORE INTO samples (seq, signal, t, quality, value) VALUES (?, ?, ?, ?, ?)", rows
            )

    async def records(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = await self.server.get(f"/time-series/{b64(SERIES_ID)}/records?path={STORE}&limit=10000{cursor}")
            records += page["result"]
            if "cursor" not in page["paging_metadata"]:
                return records
            cursor = f"&cursor={page['paging_metadata']['cursor']}"

    async def server_seqs(self) -> list[int]:
        return [seq(r) for r in await self.records()]


def seq(record: dict[str, Any]) -> int:
    assert record["idShort"].startswith("S") and "_" in record["idShort"], record["idShort"]
    return int(record["idShort"].rsplit("_", 1)[1])  # S<buffer file id>_<buffer position>


def variable_and_time(record: dict[str, Any]) -> tuple[str, datetime.datetime]:
    values = {p["idShort"]: p.get("value") for p in record["value"]}
    time = datetime.datetime.fromisoformat(values.pop("UtcTime").replace("Z", "+00:00"))
    names = sorted(values.keys() - {"Quality"})
    return (names[0] if names else "-"), time


def assert_once_and_in_order(records: list[dict[str, Any]]) -> list[int]:
    """No record twice; the records are S1..Sk; per variable, source times grow with the buffer position."""
    seqs = [seq(r) for r in records]
    assert len(seqs) == len(set(seqs)), "a record idShort occurs twice"
    assert sorted(seqs) == list(range(1, len(seqs) + 1)), "a gap: a buffered sample is missing on the server"
    keyed = [variable_and_time(r) for r in records]
    assert len(keyed) == len(set(keyed)), "one variable at one source time is stored twice"
    by_variable: dict[str, list[tuple[int, datetime.datetime]]] = {}
    for s, (variable, time) in zip(seqs, keyed, strict=True):
        by_variable.setdefault(variable, []).append((s, time))
    for variable, rows in by_variable.items():
        times = [time for _, time in sorted(rows)]
        assert times == sorted(times), f"{variable}: source times out of buffer order"
    times = [variable_and_time(r)[1] for r in records]
    assert times == sorted(times), "the server lists records in time order"
    return sorted(seqs)


async def replay_in_order(rig: Rig, process: asyncio.subprocess.Process, until: int) -> dict[str, Any]:
    """While the gateway replays, the server always holds a prefix S1..Sk (older rows go first); returns the
    gateway's status once S1..S<until> are stored and the backlog is gone (what is left is live traffic)."""
    seen: dict[str, Any] = {}

    async def replayed() -> bool:
        seqs = await rig.server_seqs()
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"not a prefix while replaying: {len(seqs)} records"
        status = await rig.health(process)
        seen.update(status or {})
        return len(seqs) >= until and status is not None and status["buffer_depth"] < 2 * MAX_BATCH

    await eventually(replayed, timeout=15)
    return seen


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    server = Server(tmp_path / "server")
    try:
        await server.start()
        await server.post("/submodels", series_submodel())
        await server.stop()  # the gateway starts with the server down: everything it gets is buffered
        async with OpcUaMachineServer(port=0, seed=11, step_s=0.05, signals=LOAD_SIGNALS, rate_hz=RATE_HZ) as opcua:
            yield Rig(tmp_path, server, opcua)
    finally:
        await server.stop()


async def fill_and_kill(rig: Rig) -> tuple[dict[str, Any], list[int]]:
    """Run the gateway with the server down until its buffer is full, then SIGKILL it."""
    async with rig.gateway() as process:
        status = await rig.wait_for(process, lambda s: s["buffer_depth"] >= FULL)
        assert not status["server_reachable"] and status["samples_out"] == 0
        process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(process.wait(), 10) == -signal.SIGKILL
    buffered, _ = rig.buffered()
    # the buffer file survived: everything /health counted as buffered is in it, numbered 1..n
    assert len(buffered) >= status["buffer_depth"] >= FULL
    assert buffered == list(range(1, len(buffered) + 1))
    return status, buffered


async def stop_cleanly(rig: Rig, process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 10) == 0, rig.log_text()[-3000:]
    assert "Traceback" not in rig.log_text()


async def test_kill_9_with_a_full_buffer_then_restart_loses_nothing_and_duplicates_nothing(rig: Rig) -> None:
    _, before_kill = await fill_and_kill(rig)

    await rig.server.start()
    async with rig.gateway() as process:
        # the rows from before the kill are replayed first, oldest first, then the new samples follow
        await replay_in_order(rig, process, until=len(before_kill))
        status = await rig.wait_for(process, lambda s: s["samples_out"] >= len(before_kill) and s["server_reachable"])
        await rig.wait_for(process, lambda s: s["samples_in"] > 0)  # new samples: the source is live again
        await stop_cleanly(rig, process)

    records = await rig.records()
    on_server = assert_once_and_in_order(records)
    assert set(before_kill) <= set(on_server)  # nothing buffered before the kill is lost
    assert max(on_server) > max(before_kill)  # and the restarted gateway carried on numbering after them
    remaining, handed_out = rig.buffered()
    # every sample the gateway accepted is on the server or (sent last, not acknowledged yet) still buffered
    assert set(on_server) | set(remaining) == set(range(1, handed_out + 1))
    assert status["buffer_dropped"] == 0


async def test_kill_9_during_the_replay_then_restart_stores_every_record_once(rig: Rig) -> None:
    rig.write_config(max_batch=10)  # a replay of ~150 requests: the kill lands well inside it
    _, before_kill = await fill_and_kill(rig)

    await rig.server.start()
    async with rig.gateway() as process:
        # kill it again while it replays: some batches are stored (the last one maybe without its acknowledgement)
        status = await rig.wait_for(process, lambda s: s["samples_out"] > 0 and s["buffer_depth"] > 0)
        process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(process.wait(), 10) == -signal.SIGKILL
    delivered = assert_once_and_in_order(await rig.records())
    assert 0 < len(delivered) < len(before_kill), f"not killed during the replay ({status})"
    remaining, _ = rig.buffered()
    assert set(range(len(delivered) + 1, len(before_kill) + 1)) <= set(remaining)

    async with rig.gateway() as process:
        await replay_in_order(rig, process, until=len(before_kill))
        await stop_cleanly(rig, process)

    on_server = assert_once_and_in_order(await rig.records())  # a re-sent batch is stored once
    assert set(before_kill) <= set(on_server)
    remaining, handed_out = rig.buffered()
    assert set(on_server) | set(remaining) == set(range(1, handed_out + 1))


async def test_batches_re_sent_after_lost_acknowledgements_are_stored_once(rig: Rig) -> None:
    """The worst case of at-least-once: the server stored every batch, but no acknowledgement reached the
    buffer (a crash between each answer and its DELETE), so everything is sent a second time."""
    config = load_gateway_config(rig.config)
    gateway = Gateway(config)
    async with gateway.running():  # server down: buffer
        await eventually(lambda: holds(gateway.buffer.depth >= 200))
    rows = rig.rows()

    await rig.server.start()
    for _ in range(2):  # deliver everything, then again as if the acknowledgements were lost
        gateway = Gateway(config)
        async with gateway.running():
            await eventually(lambda: holds(gateway.samples_out >= len(rows)))  # noqa: B023 - awaited in the loop
        rig.put_back(rows)
    on_server = assert_once_and_in_order(await rig.records())
    assert {row[0] for row in rows} <= set(on_server)


async def deliver_some(gateway: Gateway) -> None:
    async with gateway.running():
        await eventually(lambda: holds(gateway.samples_out >= 5))


async def test_a_new_buffer_file_does_not_reuse_record_idshorts_already_on_the_server(tmp_path: Path) -> None:
    """A gateway whose buffer file is gone (a container without a volume, a replaced disk, another working
    directory for the default relative path) must not name its records like the ones already stored."""
    server = Server(tmp_path / "server")
    try:
        await server.start()
        await server.post("/submodels", series_submodel())
        async with OpcUaMachineServer(port=0, seed=11, step_s=0.05) as opcua:
            for run in range(2):
                config = GatewayConfig.model_validate(
                    {
                        "server": {"url": f"http://127.0.0.1:{server.port}{API}"},
                        "buffer": {"path": str(tmp_path / f"buffer-{run}.sqlite")},
                        "flush": {"interval_ms": 20},
                        "opcua": [{"name": "ffs", "endpoint": opcua.endpoint}],
                        "signals": [
                            {
                                "id": "speed",
                                "source": "ffs",
                                "node": opcua.node_id("Speed"),
                                "series": {"submodel": SERIES_ID, "variable": "Speed"},
                            }
                        ],
                    }
                )
                await deliver_some(Gateway(config))
        page = await server.get(f"/time-series/{b64(SERIES_ID)}/records?path={STORE}&limit=10000")
    finally:
        await server.stop()
    names = [record["idShort"] for record in page["result"]]
    assert len(names) >= 10
    assert sorted(name for name, count in collections.Counter(names).items() if count > 1) == []
