"""The gateway: sources -> filter -> on-disk buffer -> batches to the server, plus health and metrics.

Data flows one way. Sources (OPC UA subscriptions, Modbus polls) hand samples to :meth:`Gateway.ingest`;
the filter drops what the deadband swallows; a flush task writes the accepted samples to the buffer every
``flush.interval_ms`` (one transaction); a sender task takes the oldest ``flush.max_batch`` buffered samples,
delivers them (:class:`~edge_gateway.sink.ServerSink`) and acknowledges them only after the server accepted
them. While the server is unreachable the sender backs off (with jitter) and the buffer grows; when it comes
back, the backlog drains in order.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from .buffer import SampleBuffer
from .config import GatewayConfig
from .filters import SignalFilter
from .model import Quality, Sample, now_micros
from .operations import Operations
from .retry import backoff_delays
from .sink import ServerSink, ServerUnavailable
from .sources.base import Source
from .sources.modbus import ModbusConnection
from .sources.opcua import OpcUaConnection
from .status import StatusReporter
from .writeback import SetpointWatcher

__all__ = ["Gateway"]

log = logging.getLogger(__name__)


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.buffer = SampleBuffer(
            config.buffer.path, max_samples=config.buffer.max_samples, overflow=config.buffer.overflow
        )
        self._filter = SignalFilter(list(config.signals), {s.name for s in config.opcua})
        self._pending: list[Sample] = []
        self._wake = asyncio.Event()
        self._signals_of: dict[str, list[str]] = {}
        for signal in config.signals:
            self._signals_of.setdefault(signal.source, []).append(signal.id)
        self.opcua = [OpcUaConnection(c, config.signals, self.ingest, self.source_down) for c in config.opcua]
        self.modbus = [ModbusConnection(c, config.signals, self.ingest, self.source_down) for c in config.modbus]
        self.sources: list[Source] = [*self.opcua, *self.modbus]
        self.operations = Operations(list(config.operations), {c.name: c for c in self.opcua})
        self.sink: ServerSink | None = None
        self.setpoints: SetpointWatcher | None = None
        self.server_reachable = False
        self.samples_in = 0
        self.samples_out = 0
        self.send_errors = 0
        self.last_latency_us = 0
        #: source time -> acknowledged by the server, per delivered sample (the latest 200k; benchmarks read it)
        self.latencies_us: collections.deque[int] = collections.deque(maxlen=200_000)

    # -- intake ------------------------------------------------------------------------------------

    def ingest(self, samples: list[Sample]) -> None:
        """Called by sources, on the event loop; never blocks."""
        now = now_micros()
        latest = self.buffer.latest
        for sample in samples:
            self.samples_in += 1
            if sample.quality is Quality.GOOD and sample.time <= latest.get(sample.signal, -1):
                continue  # not newer than what the buffer had: a re-sent value (reconnect, restart)
            accepted = self._filter.accept(sample, now)
            if accepted is not None:
                self._pending.append(accepted)

    def source_down(self, source: str) -> None:
        self._pending += self._filter.mark_bad(self._signals_of.get(source, []), now_micros())

    # -- running ---------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Gateway]:
        """Start everything; on exit, flush what was ingested to the buffer and stop."""
        await self.buffer.open()
        async with aiohttp.ClientSession() as session:
            self.sink = ServerSink(session, self.config)
            self.sink.epoch = self.buffer.epoch
            writers = {source.name: source.write for source in self.sources}
            self.setpoints = SetpointWatcher(session, self.config, writers, self.sink.sent_value)
            tasks = [
                asyncio.create_task(self.setpoints.run(), name="setpoints"),
                *self._status_task(session),
                asyncio.create_task(self._flush_loop(), name="flush"),
                asyncio.create_task(self._send_loop(), name="send"),
                *(asyncio.create_task(source.run(), name=f"source:{source.name}") for source in self.sources),
            ]
            try:
                yield self
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await self._flush()
                await self.buffer.close()

    def _status_task(self, session: aiohttp.ClientSession) -> list[asyncio.Task[None]]:
        if self.config.status_submodel is None:
            return []
        reporter = StatusReporter(
            session, self.config.server.url, self.config.status_submodel, self.config.name, self.status
        )
        return [asyncio.create_task(reporter.run(), name="status")]

    async def _flush_loop(self) -> None:
        interval = self.config.flush.interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            self._pending += self._filter.stale(now_micros())
            await self._flush()

    async def _flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        await self.buffer.append(batch)
        self._wake.set()

    async def _send_loop(self) -> None:
        delays = backoff_delays(self.config.server.retry)
        while True:
            batch = await self.buffer.peek(self.config.flush.max_batch)
            if not batch:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            assert self.sink is not None  # noqa: S101 - set before the task starts
            try:
                await self.sink.send(batch)
            except ServerUnavailable as exc:
                self.send_errors += 1
                if self.server_reachable:
                    log.warning("server unavailable (%s); buffering", exc)
                self.server_reachable = False
                await asyncio.sleep(next(delays))
                continue
            if not self.server_reachable:
                log.info("server reachable; sending %d buffered samples", self.buffer.depth)
            self.server_reachable = True
            delays = backoff_delays(self.config.server.retry)
            await self.buffer.ack(batch[-1].seq)
            self.samples_out += len(batch)
            acked = now_micros()
            self.last_latency_us = acked - batch[-1].sample.time
            self.latencies_us.extend(acked - stored.sample.time for stored in batch)

    def status(self) -> dict[str, Any]:
        """What /health reports (and the status submodel shows)."""
        return {
            "server_reachable": self.server_reachable,
            "buffer_depth": self.buffer.depth,
            "buffer_dropped": self.buffer.dropped,
            "samples_in": self.samples_in,
            "samples_out": self.samples_out,
            "sources": {s.name: {"connected": s.connected, "reconnects": s.reconnects} for s in self.sources},
        }
