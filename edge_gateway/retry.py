"""Retry delays shared by every reconnecting part of the gateway (sources, sink, interface lookup)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from .config import Backoff

__all__ = ["backoff_delays"]


def backoff_delays(policy: Backoff, rng: random.Random | None = None) -> Iterator[float]:
    """Endless retry delays: doubling from ``initial_s`` to ``max_s``, each scaled by 1 +- ``jitter`` so that
    many gateways do not reconnect in lockstep after a plant-wide outage."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
    delay = policy.initial_s
    while True:
        yield delay * (1 + rng.uniform(-policy.jitter, policy.jitter))
        delay = min(delay * 2, policy.max_s)
