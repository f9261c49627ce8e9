"""The simulated clock: a periodic task that advances a model on a fixed grid.

Why a grid and not "sleep(step) in a loop": sleeping drifts (every tick is late by the work it did), so
after an hour the simulated time would lag the wall clock that the source timestamps come from. On a grid,
a late tick is merged into the next one (``dt`` grows by whole steps), so simulated time tracks wall time
and every ``dt`` is a multiple of the nominal step, which keeps the seeded model reproducible for a
given number of steps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["run_periodic"]


async def run_periodic(interval_s: float, tick: Callable[[float], Awaitable[None]]) -> None:
    """Call ``await tick(dt)`` every ``interval_s`` until cancelled; ``dt`` is the simulated time to advance."""
    if interval_s <= 0:
        raise ValueError(f"interval must be > 0, got {interval_s}")
    loop = asyncio.get_running_loop()
    start = loop.time()
    done = 0  # grid ticks already delivered
    while True:
        delay = start + (done + 1) * interval_s - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        due = max(done + 1, int((loop.time() - start) / interval_s))
        await tick((due - done) * interval_s)
        done = due
