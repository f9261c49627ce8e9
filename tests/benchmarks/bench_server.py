"""HTTP benchmark of the AAS server against a bare aiohttp baseline.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.bench_server [--seconds 5] [--json results.json]

(``.venv/bin/python tests/benchmarks/bench_server.py`` works as well.)

What it does, in one run (about 1.5-2 minutes with the defaults):

1. starts the real server (``python -m aas_server``) as a subprocess on a free loopback port, with a fresh
   temporary data directory and no access log;
2. preloads one submodel with 100 Properties (xs:double / xs:int / xs:string) and 100 shells, measures
   ``GET /shells?limit=100`` with only 100 shells stored, then preloads up to 10,000 shells with concurrent
   POSTs (shells/s is reported);
3. captures the real server's answer for every measured route and starts a *bare aiohttp* baseline in
   another subprocess: one catch-all handler that returns those fixed bytes (for PATCH it reads the body
   and answers 204) -- i.e. the cost of aiohttp's HTTP handling with no application work;
4. for every scenario, runs a load generator in a separate process (aiohttp ClientSession,
   TCPConnector(limit=32), 32 worker tasks looping for ``--warmup`` + ``--seconds`` seconds, bounded by
   ``--max-requests``), first against the server and then against the baseline, and prints
   req/s, p50, p99 and the ratio server/baseline.

Caveat printed with the results: the machine this is meant for has 2 cores, so the load generator is a
single process sharing the machine with the server. The client CPU share of each run is reported; when the
client is near 100 % of a core during a baseline run, the baseline rate is client-bound and the ratio
overstates the server's relative speed.

Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
API = "/api/v3.0"
SM_ID = "urn:example:bench:submodel:operational-data"
N_PROPS = 100
GET_PROP = "Prop042"  # xs:double
PATCH_PROP = "Prop043"  # xs:int
GOALS = {"get_value": 0.7, "patch_value": 0.4}
JSON_HEADERS = {"Content-Type": "application/json"}


def b64url(identifier: str) -> str:
    return base64.urlsafe_b64encode(identifier.encode()).rstrip(b"=").decode("ascii")


def value_type(i: int) -> str:
    return ("xs:double", "xs:int", "xs:string")[i % 3]


def submodel_json() -> dict[str, Any]:
    elements = []
    for i in range(N_PROPS):
        vt = value_type(i)
        value = {"xs:double": f"{i * 1.25}", "xs:int": str(i * 7), "xs:string": f"value-{i}"}[vt]
        elements.append({"modelType": "Property", "idShort": f"Prop{i:03d}", "valueType": vt, "value": value})
    return {
        "modelType": "Submodel",
        "id": SM_ID,
        "idShort": "OperationalData",
        "kind": "Instance",
        "submodelElements": elements,
    }


def shell_json(i: int) -> dict[str, Any]:
    return {
        "modelType": "AssetAdministrationShell",
        "id": f"urn:example:bench:aas:{i:05d}",
        "idShort": f"Machine{i:05d}",
        "assetInformation": {"assetKind": "Instance", "globalAssetId": f"urn:example:bench:asset:{i:05d}"},
        "submodels": [{"type": "ModelReference", "keys": [{"type": "Submodel", "value": SM_ID}]}],
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process from /proc (Linux only)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


# --------------------------------------------------------------------------------------------------------
# Role: bare aiohttp baseline server
# --------------------------------------------------------------------------------------------------------


def run_baseline(port: int, routes_file: Path) -> None:
    table: dict[tuple[str, str], tuple[int, bytes, str | None]] = {}
    for r in json.loads(routes_file.read_text()):
        body = base64.b64decode(r["body_b64"])
        table[(r["method"], r["raw_path"])] = (r["status"], body, r["content_type"])

    async def health(_: web.Request) -> web.Response:
        return web.Response(body=b'{"status":"ok"}', content_type="application/json")

    async def handler(request: web.Request) -> web.Response:
        entry = table.get((request.method, request.raw_path))
        if request.method == "PATCH":
            await request.read()
            return web.Response(status=204 if entry is not None else 404)
        if entry is None:
            return web.Response(status=404)
        status, body, ctype = entry
        return web.Response(status=status, body=body, content_type=ctype)

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_route("*", "/{tail:.*}", handler)
    web.run_app(app, host=HOST, port=port, access_log=None, print=lambda _: print("baseline ready", flush=True))


# --------------------------------------------------------------------------------------------------------
# Role: load generator (runs in its own process)
# --------------------------------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    url = URL(spec["url"], encoded=True)
    method: str = spec["method"]
    patch_counter = method == "PATCH"
    expect_status: int = spec["expect_status"]
    expect_len: int | None = spec.get("expect_len")
    concurrency: int = spec["concurrency"]
    max_requests: int = spec["max_requests"]
    target_pid: int | None = spec.get("target_pid")

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    samples: list[str] = []
    state = {"issued": 0, "seq": int(spec.get("seq_start", 1000)), "len_mismatch": 0, "last_end": 0.0}

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        t_start = time.perf_counter()
        t_measure = t_start + spec["warmup"]
        t_end = t_measure + spec["seconds"]
        cpu_marks: dict[str, tuple[float, float | None, float]] = {}

        async def mark(name: str, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            now = time.perf_counter()
            cpu_marks[name] = (time.process_time(), proc_cpu_seconds(target_pid) if target_pid else None, now)

        async def worker() -> None:
            while True:
                if time.perf_counter() >= t_end or state["issued"] >= max_requests:
                    return
                state["issued"] += 1
                body = None
                headers = None
                if patch_counter:
                    state["seq"] += 1
                    body = str(state["seq"]).encode()  # a new number every time: each write changes the value
                    headers = JSON_HEADERS
                t0 = time.perf_counter()
                try:
                    async with session.request(method, url, data=body, headers=headers) as resp:
                        data = await resp.read()
                        status = resp.status
                except Exception as exc:  # counted and reported
                    errors[type(exc).__name__] += 1
                    continue
                t1 = time.perf_counter()
                if t0 < t_measure:
                    continue
                latencies.append(t1 - t0)
                statuses[status] += 1
                if t1 > state["last_end"]:
                    state["last_end"] = t1
                if status != expect_status and len(samples) < 3:
                    samples.append(f"{status}: {data[:200]!r}")
                if expect_len is not None and status == expect_status and len(data) != expect_len:
                    state["len_mismatch"] += 1

        marks = [asyncio.create_task(mark("start", t_measure)), asyncio.create_task(mark("end", t_end))]
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        for m in marks:
            m.cancel()
        await asyncio.gather(*marks, return_exceptions=True)

    measured = max(1e-9, (state["last_end"] or t_end) - t_measure)
    latencies.sort()
    n = len(latencies)
    result: dict[str, Any] = {
        "requests": n,
        "seconds": round(measured, 3),
        "rps": n / measured,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p90_ms": _percentile(latencies, 0.90) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected_status": sum(v for k, v in statuses.items() if k != expect_status),
        "exceptions": dict(errors),
        "error_samples": samples,
        "length_mismatches": state["len_mismatch"],
        "hit_max_requests": state["issued"] >= max_requests,
        "last_seq": state["seq"],
    }
    if "start" in cpu_marks and "end" in cpu_marks:
        (c0, s0, w0), (c1, s1, w1) = cpu_marks["start"], cpu_marks["end"]
        wall = max(1e-9, w1 - w0)
        result["client_cpu"] = (c1 - c0) / wall
        result["server_cpu"] = (s1 - s0) / wall if s0 is not None and s1 is not None else None
    return result


def run_loadgen() -> None:
    spec = json.loads(sys.stdin.read())
    result = asyncio.run(_load(spec))
    sys.stdout.write(json.dumps(result))


# --------------------------------------------------------------------------------------------------------
# Orchestrator
# --------------------------------------------------------------------------------------------------------


class Child:
    """A subprocess with its output in a log file, stopped with SIGTERM (then SIGKILL) by its own pid."""

    def __init__(self, name: str, cmd: list[str], log_path: Path, health_url: str, timeout: float = 60) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")  # closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(health_url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} did not become healthy within {timeout}s")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


async def post_many(base: str, path: str, bodies: list[dict[str, Any]], concurrency: int) -> tuple[float, Counter[int]]:
    """POST every body with ``concurrency`` requests in flight; (seconds, status counts)."""
    statuses: Counter[int] = Counter()
    payloads = [json.dumps(b).encode() for b in bodies]
    queue = iter(payloads)
    url = URL(base + path, encoded=True)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            for payload in queue:
                async with session.post(url, data=payload, headers=JSON_HEADERS) as resp:
                    await resp.read()
                    statuses[resp.status] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - t0, statuses


async def capture(base: str, raw_path: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        async with session.get(URL(base + raw_path, encoded=True)) as resp:
            body = await resp.read()
            ctype = resp.headers.get("Content-Type")
            if resp.status != 200:
                raise RuntimeError(f"GET {raw_path} -> {resp.status}: {body[:300]!r}")
            return {
                "method": "GET",
                "raw_path": raw_path,
                "status": resp.status,
                "content_type": ctype.split(";")[0].strip() if ctype else None,
                "body_b64": base64.b64encode(body).decode("ascii"),
                "length": len(body),
            }


async def follow_cursors(base: str, pages: int) -> tuple[str, float]:
    """Raw path of page ``pages`` (1-based) of GET /shells?limit=100, and the time to walk there."""
    path = f"{API}/shells?limit=100"
    t0 = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        for _ in range(pages - 1):
            async with session.get(URL(base + path, encoded=True)) as resp:
                doc = await resp.json()
            cursor = doc.get("paging_metadata", {}).get("cursor")
            if not cursor:
                raise RuntimeError(f"listing ended before page {pages}")
            path = f"{API}/shells?limit=100&cursor={cursor}"
    return path, time.perf_counter() - t0


def run_load_process(spec: dict[str, Any]) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--role", "loadgen"]
    timeout = spec["warmup"] + spec["seconds"] + 90
    done = subprocess.run(cmd, input=json.dumps(spec), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:,.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured duration per run (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up before each measurement (default 1)")
    parser.add_argument("--concurrency", type=int, default=32, help="connections and worker tasks (default 32)")
    parser.add_argument("--max-requests", type=int, default=300_000, help="cap per run, warm-up included")
    parser.add_argument("--shells", type=int, default=10_000, help="shells stored for the listing runs")
    parser.add_argument("--small-shells", type=int, default=100, help="shells stored for the small-store run")
    parser.add_argument("--deep-page", type=int, default=90, help="page of GET /shells?limit=100 to time")
    parser.add_argument("--preload-concurrency", type=int, default=32, help="POSTs in flight while preloading")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--role", choices=["bench", "baseline", "loadgen"], default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--routes", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.role == "baseline":
        run_baseline(args.port, args.routes)
        return 0
    if args.role == "loadgen":
        run_loadgen()
        return 0
    if args.deep_page * 100 > args.shells:
        parser.error("--deep-page * 100 must not exceed --shells")
    if args.small_shells > args.shells:
        parser.error("--small-shells must not exceed --shells")
    return bench(args)


def bench(args: argparse.Namespace) -> int:
    t_begin = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="aas-bench-"))
    children: list[Child] = []
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "aiohttp": aiohttp.__version__,
            "platform": platform.platform(),
        },
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "max_requests": args.max_requests,
            "load_processes": 1,
        },
        "preload": {},
        "scenarios": [],
    }
    try:
        port = free_port()
        base = f"http://{HOST}:{port}"
        print(f"starting server on {base} (data in {workdir / 'data'}) ...", flush=True)
        server = Child(
            "server",
            [
                sys.executable,
                "-m",
                "aas_server",
                "--host",
                HOST,
                "--port",
                str(port),
                "--data-dir",
                str(workdir / "data"),
                "--no-access-log",
            ],
            workdir / "server.log",
            f"{base}/health",
        )
        children.append(server)

        sm_path_id = b64url(SM_ID)
        value_get = f"{API}/submodels/{sm_path_id}/submodel-elements/{GET_PROP}/$value"
        value_patch = f"{API}/submodels/{sm_path_id}/submodel-elements/{PATCH_PROP}/$value"
        submodel_get = f"{API}/submodels/{sm_path_id}"
        list_first = f"{API}/shells?limit=100"

        # ---- preload: submodel + small store ------------------------------------------------------------
        secs, st = asyncio.run(post_many(base, f"{API}/submodels", [submodel_json()], 1))
        if st != Counter({201: 1}):
            raise RuntimeError(f"POST submodel: {dict(st)}")
        secs, st = asyncio.run(
            post_many(
                base, f"{API}/shells", [shell_json(i) for i in range(args.small_shells)], args.preload_concurrency
            )
        )
        if set(st) != {201}:
            raise RuntimeError(f"POST shells: {dict(st)}")
        small_routes = [asyncio.run(capture(base, list_first))]

        def spec_for(
            url_base: str,
            method: str,
            raw_path: str,
            expect_status: int,
            expect_len: int | None,
            pid: int,
            seq_start: int = 1000,
        ) -> dict[str, Any]:
            return {
                "url": url_base + raw_path,
                "method": method,
                "expect_status": expect_status,
                "expect_len": expect_len,
                "seconds": args.seconds,
                "warmup": args.warmup,
                "concurrency": args.concurrency,
                "max_requests": args.max_requests,
                "target_pid": pid,
                "seq_start": seq_start,
            }

        def measure(
            name: str,
            key: str,
            method: str,
            raw_path: str,
            routes: list[dict[str, Any]],
            baseline: Child,
            baseline_base: str,
            expect_status: int,
            goal: float | None,
            seq_start: int = 1000,
        ) -> dict[str, Any]:
            route = next((r for r in routes if r["raw_path"] == raw_path), None)
            expect_len = route["length"] if route and method == "GET" else None
            print(f"  {name}: server ...", end="", flush=True)
            srv = run_load_process(spec_for(base, method, raw_path, expect_status, expect_len, server.pid, seq_start))
            print(f" {srv['rps']:,.0f} req/s; baseline ...", end="", flush=True)
            bl = run_load_process(
                spec_for(baseline_base, method, raw_path, expect_status, expect_len, baseline.pid, seq_start)
            )
            print(f" {bl['rps']:,.0f} req/s", flush=True)
            ratio = srv["rps"] / bl["rps"] if bl["rps"] else float("nan")
            row = {
                "key": key,
                "name": name,
                "method": method,
                "path": raw_path,
                "server": srv,
                "baseline": bl,
                "ratio": ratio,
                "goal": goal,
                "goal_met": (ratio >= goal) if goal is not None else None,
                "response_bytes": route["length"] if route else 0,
            }
            out["scenarios"].append(row)
            return row

        def start_baseline(routes: list[dict[str, Any]], tag: str) -> tuple[Child, str]:
            routes_file = workdir / f"routes-{tag}.json"
            patch_route = {"method": "PATCH", "raw_path": value_patch, "status": 204, "content_type": None}
            all_routes = [*routes, {**patch_route, "body_b64": ""}]
            routes_file.write_text(json.dumps(all_routes))
            bport = free_port()
            child = Child(
                f"baseline-{tag}",
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--role",
                    "baseline",
                    "--port",
                    str(bport),
                    "--routes",
                    str(routes_file),
                ],
                workdir / f"baseline-{tag}.log",
                f"http://{HOST}:{bport}/health",
            )
            children.append(child)
            return child, f"http://{HOST}:{bport}"

        print(f"measuring with {args.small_shells} shells stored ...", flush=True)
        baseline, bbase = start_baseline(small_routes, "small")
        measure(
            f"GET /shells?limit=100 ({args.small_shells} stored)",
            "list_small",
            "GET",
            list_first,
            small_routes,
            baseline,
            bbase,
            200,
            None,
        )
        baseline.stop()
        children.remove(baseline)

        # ---- preload: large store -----------------------------------------------------------------------
        n_more = args.shells - args.small_shells
        print(f"preloading {n_more:,} more shells ({args.preload_concurrency} POSTs in flight) ...", flush=True)
        secs, st = asyncio.run(
            post_many(
                base,
                f"{API}/shells",
                [shell_json(i) for i in range(args.small_shells, args.shells)],
                args.preload_concurrency,
            )
        )
        if set(st) != {201}:
            raise RuntimeError(f"POST shells: {dict(st)}")
        out["preload"] = {
            "shells": n_more,
            "seconds": secs,
            "shells_per_s": n_more / secs if secs else None,
            "concurrency": args.preload_concurrency,
        }
        print(f"  {n_more:,} shells in {secs:.1f} s = {n_more / secs:,.0f} shells/s", flush=True)

        deep_path, walk_secs = asyncio.run(follow_cursors(base, args.deep_page))
        out["preload"]["cursor_walk"] = {"pages": args.deep_page, "seconds": walk_secs}
        large_routes = [asyncio.run(capture(base, p)) for p in (value_get, submodel_get, list_first, deep_path)]

        print(f"measuring with {args.shells:,} shells stored ...", flush=True)
        baseline, bbase = start_baseline(large_routes, "large")
        measure(
            f"GET element $value ({GET_PROP}, xs:double)",
            "get_value",
            "GET",
            value_get,
            large_routes,
            baseline,
            bbase,
            200,
            GOALS["get_value"],
        )
        measure(
            "GET whole submodel (100 properties)",
            "get_submodel",
            "GET",
            submodel_get,
            large_routes,
            baseline,
            bbase,
            200,
            None,
        )
        row = measure(
            f"PATCH element $value ({PATCH_PROP}, xs:int)",
            "patch_value",
            "PATCH",
            value_patch,
            large_routes,
            baseline,
            bbase,
            204,
            GOALS["patch_value"],
        )
        # the stored value must be one of the numbers written
        keyed = json.loads(base64.b64decode(asyncio.run(capture(base, value_patch))["body_b64"]))
        final = keyed.get(PATCH_PROP) if isinstance(keyed, dict) else keyed  # GET $value: {idShort: value}
        row["final_value"] = final
        row["final_value_ok"] = isinstance(final, int) and 1000 < final <= row["server"]["last_seq"]
        measure(
            f"GET /shells?limit=100 ({args.shells:,} stored, page 1)",
            "list_large",
            "GET",
            list_first,
            large_routes,
            baseline,
            bbase,
            200,
            None,
        )
        measure(
            f"GET /shells?limit=100 ({args.shells:,} stored, page {args.deep_page})",
            "list_deep",
            "GET",
            deep_path,
            large_routes,
            baseline,
            bbase,
            200,
            None,
        )
    finally:
        for child in reversed(children):
            child.stop()

    log_text = (workdir / "server.log").read_text(errors="replace")
    issues = [
        ln
        for ln in log_text.splitlines()
        if any(w in ln for w in ("Traceback", "ERROR", "Error", "WARNING", "Exception"))
    ]
    out["server_log_issues"] = issues[:50]
    out["total_seconds"] = time.perf_counter() - t_begin
    shutil.rmtree(workdir, ignore_errors=True)

    report(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
        print(f"\nresults written to {args.json}")
    return 0


def report(out: dict[str, Any]) -> None:
    s = out["settings"]
    print()
    print(
        f"AAS server benchmark: {s['concurrency']} connections, 1 load process, {s['warmup']:g} s warm-up + "
        f"{s['seconds']:g} s per run; {out['machine']['cpus']} CPUs, Python {out['machine']['python']}, "
        f"aiohttp {out['machine']['aiohttp']}"
    )
    pre = out["preload"]
    print(
        f"preload: {pre['shells']:,} shells in {pre['seconds']:.1f} s = {pre['shells_per_s']:,.0f} shells/s "
        f"({pre['concurrency']} in flight); walking {pre['cursor_walk']['pages']} pages by cursor: "
        f"{pre['cursor_walk']['seconds'] * 1000:.0f} ms"
    )
    print()
    headers = ["scenario", "server req/s", "p50 ms", "p99 ms", "baseline req/s", "ratio", "goal"]
    rows = []
    for r in out["scenarios"]:
        srv, bl = r["server"], r["baseline"]
        goal = "-" if r["goal"] is None else f">= {r['goal']:.1f} {'met' if r['goal_met'] else 'MISSED'}"
        rows.append(
            [
                r["name"],
                fmt(srv["rps"], 0),
                fmt(srv["p50_ms"], 2),
                fmt(srv["p99_ms"], 2),
                fmt(bl["rps"], 0),
                fmt(r["ratio"], 2),
                goal,
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(headers))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))

    print()
    print("CPU during the measured window (1.0 = one core):")
    print("  scenario | server cpu / client cpu | baseline cpu / client cpu | baseline p50/p99 ms | bytes")
    client_bound = False
    for r in out["scenarios"]:
        srv, bl = r["server"], r["baseline"]
        client_bound |= (bl.get("client_cpu") or 0) >= 0.9
        print(
            f"  {r['name']} | {fmt(srv.get('server_cpu'), 2)} / {fmt(srv.get('client_cpu'), 2)} | "
            f"{fmt(bl.get('server_cpu'), 2)} / {fmt(bl.get('client_cpu'), 2)} | "
            f"{fmt(bl['p50_ms'], 2)}/{fmt(bl['p99_ms'], 2)} | {r['response_bytes']}"
        )
    by_key = {r["key"]: r for r in out["scenarios"]}
    if {"list_small", "list_large", "list_deep"} <= by_key.keys():
        print()
        print(
            "listing vs store size (server p50 ms): "
            f"{by_key['list_small']['name']}: {fmt(by_key['list_small']['server']['p50_ms'], 2)}; "
            f"page 1 of large store: {fmt(by_key['list_large']['server']['p50_ms'], 2)}; "
            f"deep page: {fmt(by_key['list_deep']['server']['p50_ms'], 2)}"
        )

    print()
    problems = []
    for r in out["scenarios"]:
        for side in ("server", "baseline"):
            res = r[side]
            if res["unexpected_status"] or res["exceptions"] or res["length_mismatches"]:
                problems.append(
                    f"{r['name']} [{side}]: statuses {res['statuses']}, exceptions {res['exceptions']}, "
                    f"length mismatches {res['length_mismatches']} {res['error_samples']}"
                )
            if res["hit_max_requests"]:
                problems.append(f"{r['name']} [{side}]: stopped at --max-requests")
        if r.get("final_value_ok") is False:
            problems.append(f"{r['name']}: value after the run is {r['final_value']!r}, not one of the numbers written")
    problems += [f"server log: {ln}" for ln in out["server_log_issues"][:10]]
    print(
        "problems: " + ("none (all answers had the expected status and size; server log clean)" if not problems else "")
    )
    for p in problems:
        print(f"  - {p}")
    print()
    print("note: one load-generator process (aiohttp client) shares the 2-core machine with the server under test.")
    if client_bound:
        print("      The client used >= 90 % of a core in some baseline runs, so those baselines are client-bound:")
        print("      the bare-aiohttp rate is understated and the ratio server/baseline is an upper bound.")
    print(f"total time: {out['total_seconds']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
