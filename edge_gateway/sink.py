"""Batches of samples to the server, in as few requests as the Part 2 API allows.

Per batch (the oldest samples of the buffer):

* current values: one ``PATCH /submodels/{id}/$value`` per submodel with the latest good value of every
  target in it (a merge patch of the ValueOnly object: untouched elements stay);
* time series: one ``POST /time-series/{id}/records?path=<store>`` per record store with a record per
  sample (UtcTime = source time; ``Quality`` when not good). Record idShorts derive from the buffer
  position, so a batch re-sent after a lost answer is recognised by the server and stored once;
* quality: when a target's quality changes (good -> bad/stale and back), its ``$metadata`` is patched with
  the qualifiers ``Quality`` and ``SourceTimestamp``: a bad or stale value is marked, never left looking
  fresh.

Failures split in two: the server or network being unavailable (connection errors, 5xx, 408/429) raises
:class:`ServerUnavailable` and the batch stays buffered for a retry; a request the server rejects (other
4xx: a mapping that names a missing element, a value of the wrong type) cannot succeed by retrying, so it
is logged and counted (:attr:`ServerSink.rejected`) and the batch moves on.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import aiohttp
import orjson

from .api import encode_id
from .buffer import Stored
from .config import GatewayConfig, SeriesTarget, Signal
from .model import Quality, Sample, from_micros

__all__ = ["QUALITY", "ServerSink", "ServerUnavailable", "literal"]

log = logging.getLogger(__name__)

RECORD = "https://admin-shell.io/idta/TimeSeries/Record/1/1"
UTC_TIME = "https://admin-shell.io/idta/TimeSeries/UtcTime/1/1"
#: semanticIds of what the gateway adds (project namespace, see the README "Template extensions")
QUALITY = "urn:aas-thread:ext:gateway:1:0:Quality"
SOURCE_TIMESTAMP = "urn:aas-thread:ext:gateway:1:0:SourceTimestamp"
_RETRYABLE = {408, 429}


def _ref(value: str) -> dict[str, Any]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": value}]}


_RECORD_REF = _ref(RECORD)  # shared by every record: built once, serialized many times
_UTC_REF = _ref(UTC_TIME)


class ServerUnavailable(Exception):
    """The server could not take the batch now; it stays buffered."""


def literal(value: Any) -> str:
    """The XSD lexical form of a sample value (bool as true/false, doubles with INF/NaN)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return repr(value)
    return str(value)


def _iso(micros: int) -> str:
    return from_micros(micros).isoformat().replace("+00:00", "Z")


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for name in parents:
        target = target.setdefault(name, {})
    target[leaf] = value


class ServerSink:
    def __init__(self, session: aiohttp.ClientSession, config: GatewayConfig) -> None:
        self._session = session
        self._base = config.server.url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=config.server.timeout_s)
        self._signals = {s.id: s for s in config.signals}
        self._quality: dict[tuple[str, str], Quality] = {}  # last quality the server shows per target
        self._metadata: dict[tuple[str, str], dict[str, Any]] = {}
        self._last_value: dict[str, Any] = {}  # signal id -> the last value delivered to its target
        self.rejected = 0  # requests the server refused (mapping or type errors)
        self.epoch = 0  # the buffer file's id: record idShorts S<epoch>_<position> stay unique across files
        self.sent_values = 0
        self.sent_records = 0

    def sent_value(self, signal_id: str) -> Any:
        """The value last delivered for a signal (None if none): what the server shows because of us."""
        return self._last_value.get(signal_id)

    async def send(self, batch: Sequence[Stored]) -> None:
        """Deliver one batch; raises :class:`ServerUnavailable` when it should be retried later."""
        values: dict[str, dict[str, Any]] = defaultdict(dict)
        records: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        changes: dict[tuple[str, str], tuple[Signal, Sample]] = {}
        for stored in batch:
            sample = stored.sample
            signal = self._signals.get(sample.signal)
            if signal is None:
                log.warning("sample of unknown signal %r skipped", sample.signal)
                continue
            if signal.target is not None:
                key = (signal.target.submodel, signal.target.path)
                if sample.quality is Quality.GOOD and sample.value is not None:
                    _set_path(values[signal.target.submodel], signal.target.path, sample.value)
                    self._last_value[signal.id] = sample.value
                if self._quality.get(key, Quality.GOOD) is not sample.quality or key in changes:
                    changes[key] = (signal, sample)
            if signal.series is not None:
                records[(signal.series.submodel, signal.series.store)].append(
                    self._record(stored.seq, signal.series, sample)
                )
        # Different submodels and stores are independent: their requests go out together (one each).
        requests = [
            self._request("PATCH", f"/submodels/{encode_id(sm)}/$value", json=patch) for sm, patch in values.items()
        ]
        requests += [
            self._request("POST", f"/time-series/{encode_id(sm)}/records", json=items, params={"path": store})
            for (sm, store), items in records.items()
        ]
        outcomes = await asyncio.gather(*requests, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # the whole batch is retried; re-sent values and records are idempotent
        self.sent_values += len(values)
        self.sent_records += sum(len(items) for items in records.values())
        for key, (signal, sample) in changes.items():
            if self._quality.get(key, Quality.GOOD) is not sample.quality:
                await self._mark(key, signal, sample)
            self._quality[key] = sample.quality

    def _record(self, seq: int, series: SeriesTarget, sample: Sample) -> dict[str, Any]:
        elements: list[dict[str, Any]] = [
            {
                "idShort": "UtcTime",
                "modelType": "Property",
                "semanticId": _UTC_REF,
                "valueType": "xs:dateTime",
                "value": _iso(sample.time),
            }
        ]
        if sample.value is not None:
            variable: dict[str, Any] = {
                "idShort": series.variable,
                "modelType": "Property",
                "valueType": series.value_type,
                "value": literal(sample.value),
            }
            if series.semantic_id:
                variable["semanticId"] = _ref(series.semantic_id)
            elements.append(variable)
        if sample.quality is not Quality.GOOD:
            elements.append(
                {
                    "idShort": "Quality",
                    "modelType": "Property",
                    "semanticId": _ref(QUALITY),
                    "valueType": "xs:string",
                    "value": sample.quality.value,
                }
            )
        return {
            "idShort": f"S{self.epoch:x}_{seq}",
            "modelType": "SubmodelElementCollection",
            "semanticId": _RECORD_REF,
            "value": elements,
        }

    async def _mark(self, key: tuple[str, str], signal: Signal, sample: Sample) -> None:
        """Set the target's ``Quality``/``SourceTimestamp`` qualifiers, keeping all its other metadata."""
        submodel, path = key
        url = f"/submodels/{encode_id(submodel)}/submodel-elements/{path}/$metadata"
        metadata = self._metadata.get(key)
        if metadata is None:
            metadata = await self._request("GET", url)
            if metadata is None:
                return
            self._metadata[key] = metadata
        qualifiers = [
            q for q in metadata.get("qualifiers") or [] if q.get("type") not in ("Quality", "SourceTimestamp")
        ]
        qualifiers += [
            {"type": "Quality", "valueType": "xs:string", "value": sample.quality.value, "semanticId": _ref(QUALITY)},
            {
                "type": "SourceTimestamp",
                "valueType": "xs:dateTime",
                "value": _iso(sample.time),
                "semanticId": _ref(SOURCE_TIMESTAMP),
            },
        ]
        metadata = {**metadata, "qualifiers": qualifiers}
        self._metadata[key] = metadata
        await self._request("PATCH", url, json=metadata)
        log.info("signal %s is now %s at %s", signal.id, sample.quality.value, path)

    async def _request(self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None) -> Any:
        try:
            body = orjson.dumps(json) if json is not None else None
            headers = {"Content-Type": "application/json"} if body is not None else None
            async with self._session.request(
                method, self._base + path, data=body, headers=headers, params=params, timeout=self._timeout
            ) as response:
                if response.status >= 500 or response.status in _RETRYABLE:
                    raise ServerUnavailable(f"{method} {path}: {response.status}")
                if response.status >= 400:
                    self.rejected += 1
                    log.error("%s %s rejected (%s): %s", method, path, response.status, (await response.text())[:500])
                    return None
                if response.status == 200 and method == "GET":
                    return await response.json()
                return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ServerUnavailable(f"{method} {path}: {exc!r}") from exc
