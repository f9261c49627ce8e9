"""The operations view: ``/health`` (JSON status, 503 while the server is unreachable or a source is down)
and Prometheus ``/metrics`` (values in and out, buffer depth and drops, reconnects, errors, latency).

Metrics are read from the gateway's counters at scrape time (a custom collector), so the hot path only
increments integers.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .gateway import Gateway

__all__ = ["ops_app"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _GatewayCollector(Collector):
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def collect(self) -> Iterator[Metric]:
        g = self._gateway
        yield CounterMetricFamily("gateway_samples_in", "Samples received from sources", value=g.samples_in)
        yield CounterMetricFamily("gateway_samples_out", "Samples delivered to the server", value=g.samples_out)
        yield GaugeMetricFamily("gateway_buffer_depth", "Samples waiting in the on-disk buffer", value=g.buffer.depth)
        yield CounterMetricFamily(
            "gateway_buffer_dropped", "Samples dropped by the buffer overflow policy", value=g.buffer.dropped
        )
        yield CounterMetricFamily("gateway_send_errors", "Failed deliveries (server unavailable)", value=g.send_errors)
        rejected = g.sink.rejected if g.sink is not None else 0
        yield CounterMetricFamily(
            "gateway_requests_rejected", "Requests the server refused (mapping errors)", value=rejected
        )
        yield GaugeMetricFamily(
            "gateway_server_reachable", "1 when the last delivery succeeded", value=int(g.server_reachable)
        )
        yield GaugeMetricFamily(
            "gateway_delivery_latency_seconds",
            "Source time to server acknowledgement of the last delivered batch",
            value=g.last_latency_us / 1e6,
        )
        reconnects = CounterMetricFamily("gateway_source_reconnects", "Reconnects per source", labels=["source"])
        connected = GaugeMetricFamily("gateway_source_connected", "1 when the source is connected", labels=["source"])
        for source in g.sources:
            reconnects.add_metric([source.name], source.reconnects)
            connected.add_metric([source.name], int(source.connected))
        yield reconnects
        yield connected


def ops_app(gateway: Gateway) -> web.Application:
    registry = CollectorRegistry()
    registry.register(_GatewayCollector(gateway))

    async def health(request: web.Request) -> web.Response:
        status = gateway.status()
        healthy = status["server_reachable"] and all(s["connected"] for s in status["sources"].values())
        return web.json_response({"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    gateway.operations.register(app)
    return app
