"""End-to-end benchmark of the edge gateway: OPC UA simulators -> gateway -> real AAS server.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.bench_gateway [--signals 1000 10000] [--seconds 10] [--json out.json]

For every signal count (default 1,000 and 10,000 Double signals, each changing ``--rate`` times a second,
default 1 Hz, i.e. 1k and 10k updates/s offered), in about 20-40 s each (a full default run: ~1 minute):

1. starts the real server (``python -m aas_server``) on a free loopback port with a fresh data directory, and
   one time series submodel (IDTA 02008: ``Metadata.Record`` declaring ``UtcTime`` and one variable per
   signal, an internal segment ``Live`` with an empty ``Records`` store) per simulator;
2. starts the OPC UA simulators (``python -m edge_gateway.simulators opcua --signals N --rate HZ``), each in
   its own process with its share of the signals (one asyncua server cannot serve 10k changes/s, see
   /work/shared/GATEWAY_FACTS.md); default one simulator per 2,500 signals;
3. starts the gateway in its own process: this module with ``--role gateway`` runs
   :class:`edge_gateway.gateway.Gateway` with its ``/health`` and ``/metrics`` app like
   ``python -m edge_gateway run`` does (the configuration is read from JSON into the same ``GatewayConfig``:
   PyYAML's pure-Python loader needs ~6 s for 10,000 signals), plus one route ``/bench`` that reports the
   counters, the percentiles of ``Gateway.latencies_us`` (source time -> acknowledged by the server) over a
   range of delivered samples, and how long the gateway's steps took (ingest lag, buffer append / peek /
   ack, sink send; timed by wrapping them in this process, the gateway's code is unchanged). Config: one
   ``opcua`` source per simulator (publishing 100 ms, 1,000 items per subscription), one signal per variable
   with a ``series`` target (a record per sample), defaults for buffer and flush (``--flush-ms`` /
   ``--max-batch`` override);
4. warm-up: waits until every source is connected, the initial values and one full round were delivered
   and the buffer is drained (at most ``--warmup-timeout`` s; a gateway that cannot drain is measured
   anyway, its delivery rate then being its capacity), then ``--warmup`` seconds more;
5. measures for ``--seconds`` (rounded to whole change periods, both ends at the quietest phase of the
   1 Hz delivery cycle so that whole rounds are counted): updates/s received by the gateway and delivered
   to the server, p50/p99 latency of the samples acknowledged in the window, buffer depth over time,
   drops, and CPU seconds of every process (``/proc``; the gateway and the server split into event-loop
   thread and other threads) and of the whole machine (so that load from outside the benchmark shows);
6. checks, just before and just after the window: the records the server holds (the segments'
   ``RecordCount``) == the samples the gateway says it delivered, read at an instant when no batch was
   between the server's commit and the gateway's count; no request rejected.

The goal checked: 10,000 updates/s kept up with p99 latency < 250 ms. Everything (server, simulators,
gateway, this driver) shares the machine (2 cores where this is meant to run); the CPU table says which
process used what, and a "bottleneck" line per size names what limited it from those measurements.

Options for finding where the time goes: ``--stub-server`` replaces the AAS server by a stub that only
parses and counts the records (the gateway's own capacity); ``--profile`` profiles the gateway's event
loop (cProfile) during the window of the largest size and prints its top functions (the profiler slows
the gateway down, so that size's numbers are then not representative).

Only loopback addresses are used. Subprocesses are stopped on exit, Ctrl-C and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
API = "/api/v3.0"
STORE = "Segments.Live.Records"
RECORD_COUNT = "Segments.Live.RecordCount"
GOAL_RATE = 10_000.0
GOAL_P99_MS = 250.0
DEFAULT_SIGNALS_PER_SIMULATOR = 2500
CLK_TCK = os.sysconf("SC_CLK_TCK")


def b64url(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).rstrip(b"=").decode("ascii")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def percentile(sorted_values: list[int] | list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return float(sorted_values[k])


# --------------------------------------------------------------------------------------------------------
# CPU accounting from /proc (Linux)
# --------------------------------------------------------------------------------------------------------


def _stat_ticks(path: str) -> int | None:
    """utime + stime (clock ticks) from a /proc/<pid>[/task/<tid>]/stat file."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def process_cpu(pid: int) -> dict[str, float] | None:
    """CPU seconds of a process: ``total``, ``main`` (the thread whose id is the pid: the event loop of the
    asyncio processes here) and ``other`` threads. Threads that ended are in ``total`` only."""
    total = _stat_ticks(f"/proc/{pid}/stat")
    if total is None:
        return None
    main = _stat_ticks(f"/proc/{pid}/task/{pid}/stat") or 0
    return {"total": total / CLK_TCK, "main": main / CLK_TCK, "other": (total - main) / CLK_TCK}


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            parts = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)  # idle + iowait
    total = sum(parts[:8])  # guest time is already in user
    return (total - idle) / CLK_TCK, total / CLK_TCK


# --------------------------------------------------------------------------------------------------------
# Role: the gateway in its own process (what ``python -m edge_gateway run`` does, plus /bench)
# --------------------------------------------------------------------------------------------------------


def run_gateway_role(config_path: Path) -> None:
    import logging

    from edge_gateway.config import GatewayConfig

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("asyncua").setLevel(logging.WARNING)
    # The same model ``python -m edge_gateway run --config`` builds, read from JSON: PyYAML's pure-Python
    # loader takes ~6 s for 10,000 signals, which is start-up time this benchmark does not measure.
    config = GatewayConfig.model_validate_json(config_path.read_bytes())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_gateway_main(config))


class Stages:
    """Durations (µs) and sizes of the gateway's steps since the last reset, for the "where the time goes"
    part of the report. Recording is per call (per batch), except the ingest lag (per notification)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.t0 = time.perf_counter()
        self.data: dict[str, list[tuple[int, int]]] = {}

    def add(self, name: str, micros: int, size: int) -> None:
        self.data.setdefault(name, []).append((micros, size))

    def timed(self, name: str, fn: Callable[..., Any], size_of: Callable[[Any], int] | None) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            result = await fn(*args, **kwargs)
            size = size_of(args[0]) if size_of is not None else (len(result) if isinstance(result, list) else 0)
            self.add(name, round((time.perf_counter() - t) * 1e6), size)
            return result

        return wrapper

    def summary(self) -> dict[str, Any]:
        elapsed = time.perf_counter() - self.t0
        out = {}
        for name, rows in self.data.items():
            durations = sorted(d for d, _ in rows)
            sizes = [n for _, n in rows]
            out[name] = {
                "calls": len(rows),
                "p50_ms": percentile(durations, 0.5) / 1000,
                "p99_ms": percentile(durations, 0.99) / 1000,
                "max_ms": durations[-1] / 1000 if durations else float("nan"),
                "mean_size": sum(sizes) / len(sizes) if sizes else 0,
                "busy": sum(durations) / 1e6 / elapsed if elapsed > 0 else float("nan"),
            }
        return out


async def _gateway_main(config: Any) -> None:
    import cProfile
    import io
    import pstats

    from aiohttp import web

    from edge_gateway.gateway import Gateway
    from edge_gateway.ops import ops_app

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stages = Stages()

    class InstrumentedGateway(Gateway):
        """The gateway, plus the lag from source time to the moment a sample reaches :meth:`ingest`."""

        def ingest(self, samples: list[Any]) -> None:
            now = time.time_ns() // 1000
            stages.add("source -> gateway ingest", sum(now - s.time for s in samples) // max(1, len(samples)), 1)
            super().ingest(samples)

    gateway = InstrumentedGateway(config)
    # durations of the buffer's and the sink's steps (instance attributes: the gateway looks them up per call)
    gateway.buffer.append = stages.timed("buffer append (flush)", gateway.buffer.append, len)  # type: ignore[method-assign]
    gateway.buffer.peek = stages.timed("buffer peek", gateway.buffer.peek, None)  # type: ignore[method-assign]
    gateway.buffer.ack = stages.timed("buffer ack", gateway.buffer.ack, None)  # type: ignore[method-assign]
    profiler: list[cProfile.Profile] = []

    def latency_stats(first: int, last: int) -> dict[str, Any]:
        """Percentiles (ms) of the samples delivered as number ``first`` .. ``last - 1`` (cumulative)."""
        lat = gateway.latencies_us
        out = gateway.samples_out
        oldest = out - len(lat)  # cumulative number of the oldest latency still kept
        lo, hi = max(first, oldest), min(last, out)
        values = sorted(list(lat)[lo - oldest : hi - oldest]) if hi > lo else []
        return {
            "count": len(values),
            "wanted": max(0, last - first),
            "p50_ms": percentile(values, 0.50) / 1000,
            "p90_ms": percentile(values, 0.90) / 1000,
            "p99_ms": percentile(values, 0.99) / 1000,
            "max_ms": (values[-1] / 1000) if values else float("nan"),
            "mean_ms": (sum(values) / len(values) / 1000) if values else float("nan"),
        }

    async def bench(request: web.Request) -> web.Response:
        sink = gateway.sink
        body: dict[str, Any] = {
            "t": time.time(),
            "samples_in": gateway.samples_in,
            "samples_out": gateway.samples_out,
            "depth": gateway.buffer.depth,
            "dropped": gateway.buffer.dropped,
            "send_errors": gateway.send_errors,
            "rejected": sink.rejected if sink is not None else 0,
            "sent_records": sink.sent_records if sink is not None else 0,
            "server_reachable": gateway.server_reachable,
            "sources": {
                s.name: {
                    "connected": s.connected,
                    "reconnects": s.reconnects,
                    "notifications": getattr(s, "notifications", None),
                }
                for s in gateway.sources
            },
        }
        if "from" in request.query and "to" in request.query:
            body["latency"] = latency_stats(int(request.query["from"]), int(request.query["to"]))
        if "stages" in request.query:
            body["stages"] = stages.summary()
        if "reset" in request.query:
            stages.reset()
        action = request.query.get("profile")
        if action == "start" and not profiler:
            profiler.append(cProfile.Profile())
            profiler[0].enable()
        elif action == "stop" and profiler:
            p = profiler.pop()
            p.disable()
            text = io.StringIO()
            pstats.Stats(p, stream=text).sort_stats("tottime").print_stats(25)
            body["profile"] = text.getvalue()
        return web.json_response(body)

    async with gateway.running():
        if gateway.sink is not None:
            gateway.sink.send = stages.timed("sink send (HTTP to server)", gateway.sink.send, len)  # type: ignore[method-assign]
        app = ops_app(gateway)
        app.router.add_get("/bench", bench)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, config.http.host, config.http.port)
        await site.start()
        print(f"Gateway {config.name}: {len(config.signals)} signals -> {config.server.url}", flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


# --------------------------------------------------------------------------------------------------------
# Role: stub server (``--stub-server``): takes the gateway's requests and counts records, no AAS work
# --------------------------------------------------------------------------------------------------------


def run_stub_role(port: int) -> None:
    import orjson
    from aiohttp import web

    counts: dict[str, int] = {}

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def post_submodel(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=201)

    async def post_records(request: web.Request) -> web.Response:
        records = orjson.loads(await request.read())
        key = request.match_info["id"]
        counts[key] = counts.get(key, 0) + len(records)
        return web.Response(status=204)

    async def record_count(request: web.Request) -> web.Response:
        return web.json_response({"RecordCount": str(counts.get(request.match_info["id"], 0))})

    app = web.Application(client_max_size=256 * 1024 * 1024)
    app.router.add_get("/health", health)
    app.router.add_post(f"{API}/submodels", post_submodel)
    app.router.add_post(f"{API}/time-series/{{id}}/records", post_records)
    app.router.add_get(f"{API}/submodels/{{id}}/submodel-elements/{RECORD_COUNT}/$value", record_count)
    web.run_app(app, host=HOST, port=port, access_log=None, print=lambda _: print("stub ready", flush=True))


# --------------------------------------------------------------------------------------------------------
# Orchestrator
# --------------------------------------------------------------------------------------------------------


class Child:
    """A subprocess with its output in a log file, stopped with SIGTERM (then SIGKILL) by its own pid."""

    def __init__(
        self, name: str, cmd: list[str], log_path: Path, ready: Callable[[], bool], timeout: float = 60
    ) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")  # closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}: {self.log_tail()}")
            if ready():
                break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} was not ready within {timeout:g} s: {self.log_tail()}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self) -> str:
        return self.log_text()[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if not self._log.closed:
            self._log.close()


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def http_json(method: str, url: str, body: Any = None, expect: tuple[int, ...] = (200,), timeout: float = 30) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    if status not in expect:
        raise RuntimeError(f"{method} {url} -> {status}: {payload[:500]!r}")
    return json.loads(payload) if payload else None


def series_submodel(submodel_id: str, variables: list[str]) -> dict[str, Any]:
    from basyx.aas.adapter.json import AASToJsonEncoder

    from submodels.time_series import UTC_TIME, Segment, TimeSeries, TimeSeriesVariable, build_time_series

    declared = [TimeSeriesVariable(id_short="UtcTime", semantic_id=UTC_TIME, value_type="xs:dateTime")]
    declared += [TimeSeriesVariable(id_short=v, semantic_id=f"urn:example:bench:signal:{v}") for v in variables]
    live = Segment(kind="internal", id_short="Live", record_count=0, records=[])
    series = TimeSeries(name={"en": "Gateway benchmark"}, variables=declared, segments=[live])
    doc: dict[str, Any] = json.loads(json.dumps(build_time_series(series, submodel_id), cls=AASToJsonEncoder))
    return doc


@dataclass
class Simulator:
    child: Child
    port: int
    namespace: int
    signals: int
    submodel: str
    name: str


@dataclass
class Snapshot:
    t: float  # wall clock (midpoint of the request)
    gw: dict[str, Any]
    cpu: dict[str, dict[str, float] | None]
    machine: tuple[float, float] | None


@dataclass
class SizeResult:
    signals: int
    simulators: int
    rate_hz: float
    offered: float
    window_s: float = 0.0
    received: float = float("nan")
    delivered: float = float("nan")
    delivered_fit: float = float("nan")
    received_fit: float = float("nan")
    latency: dict[str, Any] = field(default_factory=dict)
    depth_end: int = 0
    depth_max: int = 0
    depth_growth: float = 0.0  # samples/s, least squares over the window
    dropped: int = 0
    send_errors: int = 0
    rejected: int = 0
    reconnects: int = 0
    kept_up: bool = False
    kept_up_reasons: list[str] = field(default_factory=list)
    window_delivered: int = 0
    check_delivered: int = 0  # consistent reads after the window: gateway samples_out / server records
    check_stored: int = 0
    api_count: int | None = None  # the segments' RecordCount (API) at an instant when the database held ...
    api_count_db: int | None = None  # ... this many records and nothing was in flight
    check_window_delivered: int = 0
    check_window_stored: int = 0
    correct: bool = False
    records_ok: str = "-"
    warm: bool = False
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    machine_busy: float | None = None
    machine_cores: int = 0
    quiet_start: bool = False
    warmup_s: float = 0.0
    startup: dict[str, float] = field(default_factory=dict)
    goal: str = "-"
    profile: str | None = None
    log_issues: list[str] = field(default_factory=list)
    stages: dict[str, Any] = field(default_factory=dict)
    log_marks: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def least_squares_slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    if n < 2:
        return float("nan")
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return float("nan")
    return sum((t - mt) * (v - mv) for t, v in points) / var


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.children: list[Child] = []
        self.database: Path | None = None  # the running server's SQLite file (None for the stub)

    # -- processes ---------------------------------------------------------------------------------------

    def spawn(self, *args: Any, **kwargs: Any) -> Child:
        child = Child(*args, **kwargs)
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            with contextlib.suppress(Exception):
                child.stop()
        self.children.clear()

    def start_server(self, tag: str) -> tuple[Child, str]:
        port = free_port()
        base = f"http://{HOST}:{port}"
        cmd = [sys.executable, "-m", "aas_server", "--host", HOST, "--port", str(port)]
        cmd += ["--data-dir", str(self.workdir / f"server-{tag}"), "--no-access-log"]
        self.database: Path | None = self.workdir / f"server-{tag}" / "aas.sqlite"
        if self.args.stub_server:
            cmd = [sys.executable, "-m", "tests.benchmarks.bench_gateway", "--role", "stub", "--port", str(port)]
            self.database = None
        child = self.spawn("server", cmd, self.workdir / f"server-{tag}.log", lambda: http_ok(f"{base}/health"))
        return child, base + API

    def start_simulators(self, tag: str, n: int, count: int) -> list[Simulator]:
        shares = [n // count + (1 if i < n % count else 0) for i in range(count)]
        sims: list[Simulator] = []
        # start them all first (they build their address spaces in parallel), then wait for each
        children: list[tuple[int, int, int, Child]] = []
        for j, share in enumerate(shares):
            port = free_port()
            cmd = [sys.executable, "-m", "edge_gateway.simulators", "opcua", "--host", HOST, "--port", str(port)]
            cmd += ["--signals", str(share), "--rate", f"{self.args.rate:g}", "--seed", str(j)]
            child = self.spawn(f"simulator {j}", cmd, self.workdir / f"sim-{tag}-{j}.log", lambda: True)
            children.append((j, share, port, child))
        deadline = time.monotonic() + 120
        for j, share, port, child in children:
            while True:
                text = child.log_text()
                match = re.search(r"OPC UA endpoint: \S+ \(namespace (\d+)\)", text)
                if match:
                    break
                if child.proc.poll() is not None:
                    raise RuntimeError(f"simulator {j} exited with {child.proc.returncode}: {child.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"simulator {j} not ready: {child.log_tail()}")
                time.sleep(0.1)
            submodel = f"urn:example:bench:gateway:{tag}:series:{j}"
            sims.append(Simulator(child, port, int(match.group(1)), share, submodel, f"sim{j}"))
        return sims

    def gateway_config(self, tag: str, server_url: str, sims: list[Simulator], http_port: int) -> dict[str, Any]:
        signals = []
        for sim in sims:
            for i in range(sim.signals):
                signals.append(
                    {
                        "id": f"{sim.name}.s{i:05d}",
                        "source": sim.name,
                        "node": f"ns={sim.namespace};s=Signals.Signal{i:05d}",
                        "series": {"submodel": sim.submodel, "variable": f"S{i:05d}"},
                    }
                )
        flush: dict[str, Any] = {}
        if self.args.flush_ms is not None:
            flush["interval_ms"] = self.args.flush_ms
        if self.args.max_batch is not None:
            flush["max_batch"] = self.args.max_batch
        return {
            "name": f"bench-{tag}",
            "server": {"url": server_url},
            "buffer": {"path": str(self.workdir / f"buffer-{tag}.sqlite")},
            "flush": flush,
            "http": {"host": HOST, "port": http_port},
            "opcua": [
                {
                    "name": sim.name,
                    "endpoint": f"opc.tcp://{HOST}:{sim.port}",
                    "publishing_interval_ms": 100,
                    "max_items_per_subscription": 1000,
                }
                for sim in sims
            ],
            "signals": signals,
        }

    # -- measurement helpers ------------------------------------------------------------------------------

    def gw(self, url: str, query: str = "") -> dict[str, Any]:
        result: dict[str, Any] = http_json("GET", url + query)
        return result

    def record_count(self, server_url: str, sims: list[Simulator]) -> int:
        total = 0
        for sim in sims:
            value = http_json(
                "GET", f"{server_url}/submodels/{b64url(sim.submodel)}/submodel-elements/{RECORD_COUNT}/$value"
            )
            if isinstance(value, dict):  # ValueOnly: {"RecordCount": "123"}
                value = next(iter(value.values()))
            total += int(value)
        return total

    def snapshot(self, gw_url: str, pids: dict[str, int], query: str = "") -> Snapshot:
        t0 = time.time()
        gw = self.gw(gw_url, query)
        t1 = time.time()
        cpu = {name: process_cpu(pid) for name, pid in pids.items()}
        return Snapshot((t0 + t1) / 2, gw, cpu, machine_cpu())

    def stored_records(self, server_url: str, sims: list[Simulator]) -> int:
        """Records committed by the server: counted in its database (read-only; WAL lets it keep writing),
        or asked from the stub. The segments' ``RecordCount`` is not used for the check: the server can
        serve it from a view rendered while an append was being committed (see ``api_count``)."""
        if self.database is None:
            return self.record_count(server_url, sims)
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)) as conn:
            return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])

    def consistent_counts(self, gw_url: str, server_url: str, sims: list[Simulator]) -> tuple[int, int, str]:
        """(samples the gateway says it delivered, records the server committed, verdict "yes"/"NO"/"unknown").

        The server commits a batch before it answers and the gateway counts it after the answer, so the two
        differ while a batch is between those points: read delivered, stored, delivered again, and retry
        (for up to 15 s) until nothing was acknowledged in between. Then stored == delivered is the check;
        fewer stored than acknowledged is a definite failure."""
        out = stored = 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            out = self.gw(gw_url)["samples_out"]
            stored = self.stored_records(server_url, sims)
            if self.gw(gw_url)["samples_out"] == out:
                if stored == out:
                    return out, stored, "yes"
                if stored < out:
                    return out, stored, "NO"
            time.sleep(0.05)
        return out, stored, "unknown"

    def quiet_phase_start(self, gw_url: str, period: float) -> tuple[float, bool]:
        """The next wall-clock instant at the quietest phase of the cycle (the middle of the longest pause in
        which neither samples_in nor samples_out moved, watched for two periods); (now, False) if none."""
        changes: list[float] = []
        st = self.gw(gw_url)
        last = (st["samples_in"], st["samples_out"])
        end = time.time() + 2 * period
        while time.time() < end:
            time.sleep(0.02)
            st = self.gw(gw_url)
            now = (st["samples_in"], st["samples_out"])
            if now != last:
                changes.append(time.time())
                last = now
        if not changes:
            return time.time(), True
        phases = sorted(t % period for t in changes)
        gaps = [(phases[i + 1] - phases[i], phases[i]) for i in range(len(phases) - 1)]
        gaps.append((phases[0] + period - phases[-1], phases[-1]))
        gap, after = max(gaps)
        if gap < 0.1 * period:
            return time.time(), False
        phase = (after + gap / 2) % period
        now = time.time()
        start = now - (now % period) + phase
        while start < now + 0.05:
            start += period
        return start, True

    # -- one size -----------------------------------------------------------------------------------------

    def run_size(self, n: int, profile: bool) -> SizeResult:
        args = self.args
        tag = f"n{n}"
        count = args.simulators or max(1, math.ceil(n / DEFAULT_SIGNALS_PER_SIMULATOR))
        count = min(count, n)
        res = SizeResult(n, count, args.rate, n * args.rate)
        res.machine_cores = os.cpu_count() or 0
        t_begin = time.perf_counter()
        try:
            self._run_size(res, tag, n, count, profile, t_begin)
        finally:
            logs = list(self.children)
            self.stop_all()
            for child in logs:
                # up to the end of the window: stopping the simulators afterwards makes the gateway complain
                with open(child.log_path, "rb") as f:
                    text = f.read(res.log_marks.get(child.name, -1) if res.log_marks else -1)
                for line in text.decode(errors="replace").splitlines():
                    if any(w in line for w in ("Traceback", "ERROR", "WARNING", "Exception", "rejected")):
                        res.log_issues.append(f"{child.name}: {line[:300]}")
        return res

    def _run_size(self, res: SizeResult, tag: str, n: int, count: int, profile: bool, t_begin: float) -> None:
        args = self.args
        print(f"[{n:,} signals] starting server and {count} simulator(s) ...", flush=True)
        server, server_url = self.start_server(tag)
        sims = self.start_simulators(tag, n, count)
        res.startup["server_and_simulators_s"] = time.perf_counter() - t_begin
        for sim in sims:
            variables = [f"S{i:05d}" for i in range(sim.signals)]
            http_json("POST", f"{server_url}/submodels", series_submodel(sim.submodel, variables), expect=(201,))

        http_port = free_port()
        gw_url = f"http://{HOST}:{http_port}/bench"
        config_path = self.workdir / f"gateway-{tag}.json"
        config_path.write_text(json.dumps(self.gateway_config(tag, server_url, sims, http_port)))
        t_gw = time.perf_counter()
        cmd = [
            sys.executable,
            "-m",
            "tests.benchmarks.bench_gateway",
            "--role",
            "gateway",
            "--config",
            str(config_path),
        ]
        gateway = self.spawn("gateway", cmd, self.workdir / f"gateway-{tag}.log", lambda: http_ok(gw_url))
        pids = {"gateway": gateway.pid, "server": server.pid}
        pids |= {f"simulator {j}": sim.child.pid for j, sim in enumerate(sims)}
        pids["driver"] = os.getpid()

        # ---- warm-up: subscribed, initial values and a full round delivered, buffer drained ------------
        print(f"[{n:,} signals] warm-up (subscriptions, initial values, buffer drained) ...", flush=True)
        deadline = time.monotonic() + args.warmup_timeout
        subscribed_by = time.monotonic() + 60  # subscribing is not what is measured: a generous bound
        while True:
            st = self.gw(gw_url)
            if gateway.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {gateway.log_tail()}")
            subscribed = all(s["connected"] for s in st["sources"].values()) and st["samples_in"] >= 2 * n
            if not subscribed:
                if time.monotonic() > subscribed_by:
                    raise RuntimeError(f"not subscribed after 60 s: {json.dumps(st)[:600]}; {gateway.log_tail()}")
                deadline = time.monotonic() + args.warmup_timeout
            elif st["samples_out"] >= 2 * n and st["depth"] <= n // 10 and st["server_reachable"]:
                res.warm = True
                break
            elif time.monotonic() > deadline or st["depth"] > 10 * n:
                break  # does not drain: measure the backlog's delivery rate (capacity) anyway
            time.sleep(0.2)
        res.startup["gateway_ready_s"] = time.perf_counter() - t_gw
        time.sleep(args.warmup)
        res.warmup_s = time.perf_counter() - t_gw

        # ---- measured window ------------------------------------------------------------------------------
        period = 1.0 / args.rate
        periods = max(1, round(args.seconds / period))
        window = periods * period
        # the record checks talk to the server, which may be busy for seconds: before and after the window
        checks0 = self.consistent_counts(gw_url, server_url, sims)
        if period >= 0.5:
            start_at, res.quiet_start = self.quiet_phase_start(gw_url, period)
            time.sleep(max(0.0, start_at - time.time()))
        print(f"[{n:,} signals] measuring {window:g} s ...", flush=True)
        if profile:
            self.gw(gw_url, "?profile=start")
        s0 = self.snapshot(gw_url, pids, "?reset=1")
        t_end = s0.t + window
        series: list[tuple[float, dict[str, Any]]] = [(s0.t, s0.gw)]
        while True:
            next_poll = min(t_end, time.time() + args.poll)
            time.sleep(max(0.0, next_poll - time.time()))
            if next_poll >= t_end:
                break
            t = time.time()
            series.append((t, self.gw(gw_url)))
        s1 = self.snapshot(gw_url, pids, "?stages=1")
        res.stages = s1.gw.get("stages", {})
        res.log_marks = {child.name: child.log_path.stat().st_size for child in self.children}
        if profile:
            res.profile = self.gw(gw_url, "?profile=stop").get("profile")
        series.append((s1.t, s1.gw))
        checks1 = self.consistent_counts(gw_url, server_url, sims)
        if self.database is not None:  # what the API says, next to what the database holds
            for _ in range(20):
                out = self.gw(gw_url)["samples_out"]
                stored = self.stored_records(server_url, sims)
                api = self.record_count(server_url, sims)
                if self.gw(gw_url)["samples_out"] == out == stored == self.stored_records(server_url, sims):
                    res.api_count, res.api_count_db = api, stored
                    break
                time.sleep(0.05)

        dt = s1.t - s0.t
        res.window_s = dt
        # whole periods with both ends at the same phase count whole rounds; if the end snapshot came late
        # (a slow answer), divide by the real duration
        span = window if abs(dt - window) < 0.02 * window else dt
        g0, g1 = s0.gw, s1.gw
        res.window_delivered = g1["samples_out"] - g0["samples_out"]
        res.delivered = res.window_delivered / span
        res.received = (g1["samples_in"] - g0["samples_in"]) / span
        res.delivered_fit = least_squares_slope([(t, g["samples_out"]) for t, g in series])
        res.received_fit = least_squares_slope([(t, g["samples_in"]) for t, g in series])
        res.depth_growth = least_squares_slope([(t, g["depth"]) for t, g in series])
        res.depth_end = g1["depth"]
        res.depth_max = max(g["depth"] for _, g in series)
        res.dropped = g1["dropped"]
        res.send_errors = g1["send_errors"]
        res.rejected = g1["rejected"]
        res.reconnects = sum(s["reconnects"] for s in g1["sources"].values())
        res.latency = self.gw(gw_url, f"?from={g0['samples_out']}&to={g1['samples_out']}")["latency"]
        for name in pids:
            c0, c1 = s0.cpu.get(name), s1.cpu.get(name)
            if c0 and c1:
                res.cpu[name] = {k: (c1[k] - c0[k]) / dt for k in c0}
        if s0.machine and s1.machine:
            busy = s1.machine[0] - s0.machine[0]
            total = s1.machine[1] - s0.machine[1]
            res.machine_busy = busy / total * (os.cpu_count() or 1) if total else None

        # ---- records on the server ------------------------------------------------------------------------
        (out0, stored0, ok0), (out1, stored1, ok1) = checks0, checks1
        res.check_delivered, res.check_stored = out1, stored1
        res.check_window_delivered, res.check_window_stored = out1 - out0, stored1 - stored0
        verdicts = {ok0, ok1, "NO" if res.rejected else "yes"}
        res.records_ok = "NO" if "NO" in verdicts else ("unknown" if "unknown" in verdicts else "yes")
        res.correct = res.records_ok == "yes"

        # ---- verdicts -------------------------------------------------------------------------------------
        reasons = []
        if not res.warm:
            reasons.append("the buffer did not drain during the warm-up")
        if res.delivered < 0.98 * res.offered:
            reasons.append(f"delivered {res.delivered:,.0f}/s < 98 % of offered")
        if res.received < 0.98 * res.offered:
            reasons.append(f"the gateway received only {res.received:,.0f}/s from the simulators")
        if res.depth_end > n:
            reasons.append(f"buffer depth {res.depth_end:,} at the end > one round")
        if res.depth_growth > 0.02 * res.offered:
            reasons.append(f"the buffer grows by {res.depth_growth:,.0f} samples/s")
        if res.dropped:
            reasons.append(f"{res.dropped:,} dropped")
        res.kept_up = not reasons
        res.kept_up_reasons = reasons
        if res.offered >= GOAL_RATE:
            p99 = res.latency.get("p99_ms", float("nan"))
            ok = res.kept_up and p99 == p99 and p99 < GOAL_P99_MS and res.correct
            res.goal = "MET" if ok else "MISSED"


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------


def fmt(x: float | None, digits: int = 0) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:,.{digits}f}"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(" | ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def report(results: list[SizeResult], args: argparse.Namespace, total_s: float) -> None:
    print()
    print(
        f"Gateway end-to-end benchmark: OPC UA simulators -> gateway -> AAS server; {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.rate:g} Hz per signal, publishing interval 100 ms, "
        f"flush {args.flush_ms or 'default'} ms, max batch {args.max_batch or 'default'}"
    )
    print("gateway in its own process (edge_gateway.gateway.Gateway + ops app, latencies read over /bench)")
    if args.stub_server:
        print("SERVER REPLACED BY A STUB (--stub-server): records are parsed and counted, not validated or stored;")
        print("this measures the gateway and the simulators, not the AAS server")
    print()
    headers = [
        "signals",
        "sims",
        "offered/s",
        "received/s",
        "delivered/s",
        "p50 ms",
        "p99 ms",
        "buffer end",
        "buffer max",
        "dropped",
        "kept up?",
        "records ok?",
        f"goal ({GOAL_RATE / 1000:g}k/s, p99 < {GOAL_P99_MS:g} ms)",
    ]
    rows = []
    for r in results:
        if r.error:
            rows.append([f"{r.signals:,}", str(r.simulators), fmt(r.offered), *["-"] * 9, "ERROR"])
            continue
        rows.append(
            [
                f"{r.signals:,}",
                str(r.simulators),
                fmt(r.offered),
                fmt(r.received),
                fmt(r.delivered),
                fmt(r.latency.get("p50_ms"), 0),
                fmt(r.latency.get("p99_ms"), 0),
                f"{r.depth_end:,}",
                f"{r.depth_max:,}",
                f"{r.dropped:,}",
                "yes" if r.kept_up else "NO",
                r.records_ok,
                r.goal,
            ]
        )
    print_table(headers, rows)

    print()
    print("CPU during the window (1.00 = one core busy; gateway/server split: event-loop thread + other threads):")
    names: list[str] = []
    for r in results:
        for name in r.cpu:
            key = "simulators (sum)" if name.startswith("simulator") else name
            if key not in names:
                names.append(key)
    cpu_rows = []
    for r in results:
        if r.error:
            continue
        sims = [v for k, v in r.cpu.items() if k.startswith("simulator")]
        row = [f"{r.signals:,}"]
        for key in names:
            if key == "simulators (sum)":
                each = ", ".join(f"{v['total']:.2f}" for v in sims)
                row.append(f"{sum(v['total'] for v in sims):.2f} ({each})" if sims else "-")
            elif key in r.cpu:
                v = r.cpu[key]
                row.append(f"{v['total']:.2f}" + (f" ({v['main']:.2f}+{v['other']:.2f})" if key != "driver" else ""))
            else:
                row.append("-")
        ours = sum(v["total"] for v in r.cpu.values())
        others = max(0.0, r.machine_busy - ours) if r.machine_busy is not None else None
        row.append(fmt(others, 2))
        row.append(fmt(r.machine_busy, 2) + f" of {r.machine_cores}")
        cpu_rows.append(row)
    if cpu_rows:
        print_table(["signals", *names, "not ours", "machine busy"], cpu_rows)
    busy_elsewhere = [
        r
        for r in results
        if r.machine_busy is not None and r.machine_busy - sum(v["total"] for v in r.cpu.values()) > 0.2
    ]
    if busy_elsewhere:
        print(
            "WARNING: processes outside this benchmark used > 0.2 cores during "
            + ", ".join(f"{r.signals:,}" for r in busy_elsewhere)
            + " signals: the numbers there are pessimistic; rerun on an idle machine."
        )

    print()
    print("where the gateway's time goes (window; step durations per call, 'busy' = share of wall time in that step):")
    stage_rows = []
    for r in results:
        for name, st in r.stages.items():
            lag = name.startswith("source")
            stage_rows.append(
                [
                    f"{r.signals:,}",
                    name,
                    f"{st['calls']:,}",
                    "-" if lag else fmt(st["mean_size"]),
                    fmt(st["p50_ms"], 1),
                    fmt(st["p99_ms"], 1),
                    fmt(st["max_ms"], 1),
                    "-" if lag else f"{st['busy'] * 100:.0f} %",
                ]
            )
    if stage_rows:
        print_table(["signals", "step", "calls", "samples/call", "p50 ms", "p99 ms", "max ms", "busy"], stage_rows)
        print("  ('source -> gateway ingest' is the lag of each notification: the simulator's write loop, the")
        print("   publishing interval and the OPC UA transfer; the sender loop runs peek -> send -> ack in series)")

    print()
    print("details:")
    for r in results:
        if r.error:
            print(f"  {r.signals:,} signals: ERROR {r.error}")
            continue
        lat = r.latency
        print(
            f"  {r.signals:,} signals: window {r.window_s:.2f} s"
            f"{' (starts and ends at the quiet phase of the cycle)' if r.quiet_start else ''}; "
            f"delivered {r.window_delivered:,} samples (least-squares rates: received {fmt(r.received_fit)}/s, "
            f"delivered {fmt(r.delivered_fit)}/s); "
            f"latency p50/p90/p99/max {fmt(lat.get('p50_ms'))}/{fmt(lat.get('p90_ms'))}/"
            f"{fmt(lat.get('p99_ms'))}/{fmt(lat.get('max_ms'))} ms over {lat.get('count', 0):,} samples"
            + (f" (of {lat['wanted']:,}: older ones left the deque)" if lat.get("count") != lat.get("wanted") else "")
        )
        print(
            f"    buffer depth end/max {r.depth_end:,}/{r.depth_max:,}, trend {fmt(r.depth_growth)}/s; "
            f"dropped {r.dropped:,}; send errors {r.send_errors}; source reconnects {r.reconnects}"
        )
        same = r.check_stored == r.check_delivered and r.check_window_stored == r.check_window_delivered
        print(
            f"    records (server database): stored {r.check_window_stored:,} around the window vs gateway delivered "
            f"{r.check_window_delivered:,}; since the start {r.check_stored:,} stored vs {r.check_delivered:,} "
            f"delivered -> {'equal' if same and r.correct else r.records_ok}"
            f"; rejected requests {r.rejected}"
        )
        if r.api_count is not None and r.api_count != r.api_count_db:
            print(
                f"    SERVER: the segments' RecordCount (GET .../{RECORD_COUNT}/$value) said {r.api_count:,} while its "
                f"database held {r.api_count_db:,} records and no append was in flight: a stale cached view"
            )
        print(
            f"    start-up: server+simulators {r.startup.get('server_and_simulators_s', 0):.1f} s, gateway until "
            f"warm (subscribed, 2 rounds delivered, drained) {r.startup.get('gateway_ready_s', 0):.1f} s"
        )
        if not r.kept_up:
            print(f"    not kept up: {'; '.join(r.kept_up_reasons)}")
            print("    (with a backlog the sender never waits for data: delivered/s is what the pipeline can deliver)")
        print(f"    bottleneck: {bottleneck(r)}")
        for line in r.log_issues[:8]:
            print(f"    log: {line}")
        if len(r.log_issues) > 8:
            print(f"    log: ... {len(r.log_issues) - 8} more lines")

    goal_rows = [r for r in results if not r.error and r.offered >= GOAL_RATE]
    print()
    if not goal_rows:
        print(f"goal ({GOAL_RATE:,.0f} updates/s, p99 < {GOAL_P99_MS:g} ms): not measured (no size offers that much)")
    for r in goal_rows:
        if r.goal == "MET":
            print(
                f"goal: MET at {r.signals:,} signals: {r.delivered:,.0f} updates/s delivered, "
                f"p99 {r.latency['p99_ms']:.0f} ms < {GOAL_P99_MS:g} ms, buffer bounded, records complete"
            )
        else:
            why = list(r.kept_up_reasons)
            p99 = r.latency.get("p99_ms", float("nan"))
            if not (p99 < GOAL_P99_MS):
                why.append(f"p99 {fmt(p99)} ms >= {GOAL_P99_MS:g} ms")
            if not r.correct:
                why.append(f"record check: {r.records_ok}")
            print(f"goal: MISSED at {r.signals:,} signals: {'; '.join(why)}")
    print()
    print("notes: latency = source timestamp of the value (set by the simulator when it writes the round)")
    print("       -> the gateway has the server's 204 for the batch; it includes the simulator's write loop,")
    print("       the 100 ms publishing interval, the gateway's flush interval, SQLite buffer and HTTP.")
    print("       The simulators write all signals of a round at one instant (a burst per period), so the last")
    print("       samples of a burst also wait for the whole burst to pass the gateway and the server.")
    print("       All processes share the machine: 'machine busy' near the CPU count means it is saturated.")
    if any(r.profile for r in results):
        for r in results:
            if r.profile:
                print()
                print(f"gateway event-loop profile at {r.signals:,} signals (cProfile, top by own time):")
                print("\n".join(r.profile.splitlines()[:45]))
    print(f"total time: {total_s:.0f} s")


def bottleneck(r: SizeResult) -> str:
    """Which part limits this run, from what was measured (CPU per process and the sender's wait)."""
    send = r.stages.get("sink send (HTTP to server)", {})
    send_busy = send.get("busy", 0.0)
    server = r.cpu.get("server", {}).get("total", 0.0)
    gateway_loop = r.cpu.get("gateway", {}).get("main", 0.0)
    sims = [v["total"] for k, v in r.cpu.items() if k.startswith("simulator")]
    saturated = r.machine_busy is not None and r.machine_busy > 0.9 * (r.machine_cores or 1)
    machine = f"machine busy {fmt(r.machine_busy, 2)} of {r.machine_cores} cores" + (
        " (saturated)" if saturated else ""
    )
    parts = []
    if send_busy > 0.8:
        per_record = send.get("p50_ms", 0) / max(1.0, send.get("mean_size", 1)) * 1000
        parts.append(
            f"the server: the gateway's sender waited for its answers {send_busy * 100:.0f} % of the window "
            f"({send.get('p50_ms', 0):,.0f} ms per batch of {send.get('mean_size', 0):,.0f}, ~{per_record:,.0f} µs per "
            f"record; server process {server:.2f} cores)"
        )
    if gateway_loop > 0.9:
        parts.append(f"the gateway's event loop ({gateway_loop:.2f} cores)")
    if sims and max(sims) > 0.9:
        parts.append(f"a simulator ({max(sims):.2f} cores)")
    if not parts:
        if r.kept_up:
            return f"none saturated (sender busy {send_busy * 100:.0f} %, gateway loop {gateway_loop:.2f} cores); {machine}"
        parts.append("no single process saturated")
    return "; ".join(parts) + f"; {machine}"


def to_json(results: list[SizeResult]) -> list[dict[str, Any]]:
    from dataclasses import asdict

    return [asdict(r) for r in results]


# --------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--signals", type=int, nargs="+", default=[1000, 10000], help="signal counts to run")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per size (default 10)")
    parser.add_argument("--rate", type=float, default=1.0, help="changes per signal per second (default 1)")
    parser.add_argument(
        "--simulators",
        type=int,
        default=None,
        help=f"simulator processes (default: one per {DEFAULT_SIGNALS_PER_SIMULATOR:,} signals)",
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="extra seconds after the warm-up (default 2)")
    parser.add_argument(
        "--warmup-timeout",
        type=float,
        default=20.0,
        help="seconds after subscribing to wait for the buffer to drain; if it does not, measure anyway (20)",
    )
    parser.add_argument("--poll", type=float, default=0.1, help=argparse.SUPPRESS)
    parser.add_argument("--flush-ms", type=int, default=None, help="gateway flush.interval_ms (default: its own)")
    parser.add_argument("--max-batch", type=int, default=None, help="gateway flush.max_batch (default: its own)")
    parser.add_argument("--profile", action="store_true", help="cProfile the gateway during the largest window")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, data)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--stub-server",
        action="store_true",
        help="replace the AAS server by a stub that only counts records (the gateway's own capacity)",
    )
    parser.add_argument("--role", choices=["bench", "gateway", "stub"], default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.role == "gateway":
        run_gateway_role(args.config)
        return 0
    if args.role == "stub":
        run_stub_role(args.port)
        return 0
    if any(n < 1 for n in args.signals) or args.rate <= 0 or args.seconds <= 0:
        parser.error("--signals, --rate and --seconds must be positive")

    def terminate(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    t_begin = time.perf_counter()
    m0 = machine_cpu()
    time.sleep(1.0)
    m1 = machine_cpu()
    if m0 and m1 and m1[1] > m0[1]:
        idle_load = (m1[0] - m0[0]) / (m1[1] - m0[1]) * (os.cpu_count() or 1)
        note = " (other processes are busy: expect pessimistic numbers)" if idle_load > 0.2 else ""
        print(f"machine busy before the start: {idle_load:.2f} of {os.cpu_count()} cores{note}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    bench = Bench(args, workdir)
    results: list[SizeResult] = []
    largest = max(args.signals)
    try:
        for n in args.signals:
            try:
                results.append(bench.run_size(n, profile=args.profile and n == largest))
            except Exception as exc:  # one size failing (a process died, a timeout) still reports the others
                res = SizeResult(n, 0, args.rate, n * args.rate, error=f"{type(exc).__name__}: {exc}"[:1500])
                results.append(res)
                print(f"[{n:,} signals] ERROR: {exc}", flush=True)
    except KeyboardInterrupt:
        print("interrupted; stopping subprocesses", flush=True)
        return 130
    finally:
        bench.stop_all()
        if args.keep:
            print(f"logs and data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    report(results, args, time.perf_counter() - t_begin)
    if args.json:
        args.json.write_text(json.dumps(to_json(results), indent=2))
        print(f"results written to {args.json}")
    return 0 if all(r.error is None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
