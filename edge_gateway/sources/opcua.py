"""OPC UA signals via asyncua subscriptions, with reconnect and subscription recovery.

Choices, from measurements on this hardware (``../shared/GATEWAY_FACTS.md``):

* items are subscribed in batched calls, split over subscriptions of at most ``max_items_per_subscription``;
* ``queuesize=1`` (newest value only; asyncua servers turn a requested 0 into 10,000);
* iterator mode with an *unbounded* queue: the library's default bound of 1,000 silently dropped half of
  the notifications at 20k/s;
* a 5 s watchdog instead of asyncua's 1 s, which under load declares a healthy connection dead.

The connection is supervised here rather than by asyncua's ``auto_reconnect`` so that the retry delay has
jitter (many gateways restarting after a plant-wide outage must not reconnect in lockstep) and so that the
gateway learns at once that its values are no longer current (they are marked BAD until values flow again).
Every reconnect re-creates the subscriptions; servers send the current value of each item first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from asyncua import Client, Node, ua
from asyncua.common.subscription import DataChangeEvent
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

from ..config import OpcUaSource, Signal
from ..model import Quality, Sample, now_micros, to_micros
from ..retry import backoff_delays

__all__ = ["OpcUaConnection", "opcua_client"]

log = logging.getLogger(__name__)

Emit = Callable[[list[Sample]], None]
SourceDown = Callable[[str], None]


def opcua_client(config: OpcUaSource, *, timeout: float) -> Client:
    """A client for one configured server, login set (security needs an await: :func:`secure`)."""
    client = Client(config.endpoint, timeout=timeout, watchdog_intervall=config.watchdog_s)
    client.session_timeout = 600_000  # what asyncua servers grant anyway (avoids a warning per connect)
    if config.username is not None:
        client.set_user(config.username)
        client.set_password(config.password or "")
    return client


async def secure(client: Client, config: OpcUaSource) -> None:
    """Apply the configured security policy and mode (before connecting)."""
    security = config.security
    if security.policy == "Basic256Sha256" and security.certificate and security.private_key:
        await client.set_security(
            SecurityPolicyBasic256Sha256,
            certificate=str(security.certificate),
            private_key=str(security.private_key),
            server_certificate=str(security.server_certificate) if security.server_certificate else None,
            mode=getattr(ua.MessageSecurityMode, security.mode),
        )


def _quality(status: ua.StatusCode | None) -> Quality:
    if status is None or status.is_good():
        return Quality.GOOD
    return Quality.BAD


class OpcUaConnection:
    """One OPC UA server: keeps the subscriptions for its signals alive and turns notifications into samples."""

    def __init__(self, config: OpcUaSource, signals: Sequence[Signal], emit: Emit, source_down: SourceDown) -> None:
        self.config = config
        self._signals = [s for s in signals if s.source == config.name]
        self._emit = emit
        self._source_down = source_down
        self._client: Client | None = None
        self._lost = asyncio.Event()
        self._node_signal: dict[str, str] = {}  # NodeId string -> signal id
        self._subscriptions: list[Any] = []
        self.connected = False
        self.reconnects = 0
        self.notifications = 0

    # -- connection supervision ------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, subscribe, and on any loss mark the signals BAD and start over (until cancelled)."""
        delays = backoff_delays(self.config.reconnect)
        first = True
        while True:
            try:
                await self._connect_and_subscribe()
                delays = backoff_delays(self.config.reconnect)  # a good connection resets the backoff
                if not first:
                    self.reconnects += 1
                first = False
                await self._consume_until_lost()
            except asyncio.CancelledError:
                await self._disconnect()
                raise
            except Exception as exc:  # every failure of a remote system is a reason to retry, not to die
                log.warning("OPC UA %s (%s): %s", self.config.name, self.config.endpoint, exc or type(exc).__name__)
            self.connected = False
            self._source_down(self.config.name)
            await self._disconnect()
            await asyncio.sleep(next(delays))

    def _make_client(self) -> Client:
        client = opcua_client(self.config, timeout=10)

        async def lost(exc: Exception) -> None:
            log.warning("OPC UA %s: connection lost (%r)", self.config.name, exc)
            self._lost.set()

        client.connection_lost_callback = lost
        return client

    async def _connect_and_subscribe(self) -> None:
        self._lost.clear()
        client = self._make_client()
        await secure(client, self.config)
        self._client = client
        await client.connect()
        self.connected = True
        log.info("OPC UA %s: connected to %s", self.config.name, self.config.endpoint)
        self._subscriptions.clear()
        chunk = self.config.max_items_per_subscription
        for start in range(0, len(self._signals), chunk):
            signals = self._signals[start : start + chunk]
            nodes = [client.get_node(s.node) for s in signals if s.node]
            for signal, node in zip(signals, nodes, strict=True):
                self._node_signal[node.nodeid.to_string()] = signal.id
            subscription = await client.create_subscription(self.config.publishing_interval_ms, None, queue_maxsize=0)
            results = await subscription.subscribe_data_change(
                nodes, queuesize=1, sampling_interval=ua.Double(self.config.sampling_interval_ms)
            )
            for signal, result in zip(signals, results, strict=True):
                if isinstance(result, ua.StatusCode):
                    log.error(
                        "OPC UA %s: cannot subscribe %s (%s): %s", self.config.name, signal.id, signal.node, result
                    )
            self._subscriptions.append(subscription)

    async def _consume_until_lost(self) -> None:
        consumers = [asyncio.create_task(self._consume(s)) for s in self._subscriptions]
        lost = asyncio.create_task(self._lost.wait())
        try:
            done, _ = await asyncio.wait([lost, *consumers], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not lost and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            raise ConnectionError("connection lost")
        finally:
            for task in [lost, *consumers]:
                task.cancel()

    async def _consume(self, subscription: Any) -> None:
        async for event in subscription:
            if not isinstance(event, DataChangeEvent):
                continue
            signal = self._node_signal.get(event.node.nodeid.to_string())
            if signal is None:
                continue
            value = event.data.monitored_item.Value
            source_time = value.SourceTimestamp or value.ServerTimestamp
            time = to_micros(source_time) if source_time is not None else now_micros()
            self.notifications += 1
            self._emit([Sample(signal, _plain(event.value), time, _quality(value.StatusCode))])

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.disconnect(), 5)
            except Exception:  # the server may be gone already
                log.debug("OPC UA %s: disconnect failed", self.config.name, exc_info=True)

    @property
    def name(self) -> str:
        return self.config.name

    # -- write-back --------------------------------------------------------------------------------

    async def write(self, signal: Signal, value: Any) -> None:
        """Write a setpoint to the signal's node (with the node's own data type)."""
        if self._client is None or not self.connected or signal.node is None:
            raise ConnectionError(f"OPC UA {self.config.name} is not connected")
        node: Node = self._client.get_node(signal.node)
        variant_type = await node.read_data_type_as_variant_type()
        await node.write_value(ua.DataValue(ua.Variant(value, variant_type)))

    async def call(self, object_node: str, method_node: str, arguments: Sequence[Any]) -> list[Any]:
        if self._client is None or not self.connected:
            raise ConnectionError(f"OPC UA {self.config.name} is not connected")
        method = ua.NodeId.from_string(method_node)  # a string would be taken as a browse path
        result = await self._client.get_node(object_node).call_method(method, *arguments)
        return list(result) if isinstance(result, list) else [result]


def _plain(value: Any) -> Any:
    """JSON-friendly Python values (OPC UA arrays become lists, enums their numbers)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)
