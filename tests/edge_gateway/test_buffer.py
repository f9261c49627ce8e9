"""The store-and-forward buffer: order, acknowledgement, bounds with counted drops, and kill -9 survival."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from edge_gateway.buffer import Overflow, SampleBuffer
from edge_gateway.model import Quality, Sample


def samples(start: int, count: int) -> list[Sample]:
    return [
        Sample(f"s{i % 3}", float(i), 1_000 + i, Quality.GOOD if i % 5 else Quality.STALE)
        for i in range(start, start + count)
    ]


async def test_replay_in_append_order_until_acknowledged(tmp_path: Path) -> None:
    buffer = SampleBuffer(tmp_path / "b.sqlite")
    await buffer.open()
    await buffer.append(samples(0, 10))
    await buffer.append(samples(10, 5))
    first = await buffer.peek(4)
    assert [s.sample.value for s in first] == [0.0, 1.0, 2.0, 3.0] and buffer.depth == 15
    assert first[0].sample == samples(0, 1)[0]  # value, time and quality come back as they went in
    await buffer.ack(first[-1].seq)
    assert [s.sample.value for s in await buffer.peek(100)] == [float(i) for i in range(4, 15)]
    assert buffer.depth == 11
    await buffer.close()

    reopened = SampleBuffer(tmp_path / "b.sqlite")  # a restart keeps what was not acknowledged
    await reopened.open()
    assert reopened.depth == 11 and (await reopened.peek(1))[0].sample.value == 4.0
    await reopened.close()


@pytest.mark.parametrize("policy", list(Overflow))
async def test_a_full_buffer_drops_by_policy_and_counts(tmp_path: Path, policy: Overflow) -> None:
    buffer = SampleBuffer(tmp_path / "b.sqlite", max_samples=10, overflow=policy)
    await buffer.open()
    assert await buffer.append(samples(0, 8)) == 0
    assert await buffer.append(samples(8, 5)) == 3
    kept = [s.sample.value for s in await buffer.peek(100)]
    if policy is Overflow.DROP_OLDEST:
        assert kept == [float(i) for i in range(3, 13)]
    else:
        assert kept == [float(i) for i in range(0, 10)]
    assert await buffer.append(samples(13, 25)) == 25  # either the 25 new ones or 25 of the 35 held
    assert buffer.depth == 10 and buffer.dropped == 28
    if policy is Overflow.DROP_OLDEST:  # a batch larger than the buffer keeps its newest samples
        assert [s.sample.value for s in await buffer.peek(100)] == [float(i) for i in range(28, 38)]
    await buffer.close()
    reopened = SampleBuffer(tmp_path / "b.sqlite", max_samples=10, overflow=policy)
    await reopened.open()
    assert reopened.dropped == 28 and reopened.depth == 10
    await reopened.close()


def test_appended_samples_survive_kill_9(tmp_path: Path) -> None:
    """A writer process appends in batches and reports each acknowledged append; kill -9 it mid-stream."""
    path = tmp_path / "b.sqlite"
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from edge_gateway.buffer import SampleBuffer
        from edge_gateway.model import Sample

        async def main():
            buffer = SampleBuffer(Path({str(path)!r}))
            await buffer.open()
            n = 0
            while True:
                await buffer.append([Sample("s", float(n + i), n + i) for i in range(50)])
                n += 50
                print(n, flush=True)

        asyncio.run(main())
        """
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert writer.stdout is not None
    acknowledged = 0
    deadline = time.monotonic() + 20
    while acknowledged < 5_000 and time.monotonic() < deadline:
        acknowledged = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    import asyncio

    async def count() -> list[float]:
        buffer = SampleBuffer(path)
        await buffer.open()
        values = [s.sample.value for s in await buffer.peek(10_000_000)]
        await buffer.close()
        return values

    values = asyncio.run(count())
    assert len(values) >= acknowledged
    assert values == [float(i) for i in range(len(values))]  # complete and in order, no gaps
