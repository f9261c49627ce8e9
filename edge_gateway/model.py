"""What flows through the gateway: samples of signals, with their source time and quality.

A sample is created by a source (OPC UA notification, Modbus poll), passes the mapping (scaling, deadband),
is written to the store-and-forward buffer and leaves for the server in a batch. Its time is the *source*
time (when the PLC or OPC UA server measured it), so that replay after an outage keeps the real timeline.
"""

from __future__ import annotations

import datetime
import enum
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["Quality", "Sample", "from_micros", "now_micros", "to_micros"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class Quality(enum.StrEnum):
    """OPC UA-like status of a value, as the thread shows it next to the value."""

    GOOD = "good"
    #: the source reported an error or the connection to it is down: the value is the last known one
    BAD = "bad"
    #: no update within the expected interval (e.g. 3 polling intervals): the value may be outdated
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Sample:
    signal: str  # the mapping's signal id
    value: Any  # bool | int | float | str | list[float] | None (None only with a non-good quality)
    time: int  # source time, microseconds since the epoch (UTC)
    quality: Quality = Quality.GOOD


def now_micros() -> int:
    return time.time_ns() // 1000


def to_micros(instant: datetime.datetime) -> int:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.UTC)
    return (instant - _EPOCH) // datetime.timedelta(microseconds=1)


def from_micros(micros: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=micros)
