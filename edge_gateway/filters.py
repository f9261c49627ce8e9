"""What reaches the buffer: deadband filtering and staleness, per signal. Pure, clock passed in.

* Report by exception: a polled value equal to the last one passed on is not news and stops here (a
  Modbus poll every 50 ms must not re-send an unchanged counter, nor overwrite a setpoint a partner has
  just changed on the server with the PLC's old value before the gateway wrote the new one down).
* Deadband: a good value that moved less than the signal's deadband from the last one *passed on* is
  dropped here, on purpose and by configuration (a PLC value jittering in its last digit is not news).
  Quality changes always pass, and so does the first value after a non-good one.
* Staleness: a signal without a new value for ``stale_after`` is reported once as STALE (with its last
  value), so that the thread never shows an old value as fresh; the next update makes it good again.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Signal
from .model import Quality, Sample

__all__ = ["SignalFilter"]

_OPCUA_STALE_DEFAULT_US = 10_000_000


@dataclass
class _State:
    last_sent: Sample | None = None
    last_seen_us: int | None = None  # gateway clock of the last sample from the source
    stale: bool = False


class SignalFilter:
    def __init__(self, signals: list[Signal], opcua_sources: set[str]) -> None:
        self._signals = {s.id: s for s in signals}
        self._stale_after = {
            s.id: (
                s.stale_after_ms * 1000
                if s.stale_after_ms is not None
                else (_OPCUA_STALE_DEFAULT_US if s.source in opcua_sources else 3 * s.poll_ms * 1000)
            )
            for s in signals
        }
        self._state = {s.id: _State() for s in signals}

    def accept(self, sample: Sample, now_us: int) -> Sample | None:
        """The sample to buffer, or None when the deadband swallows it."""
        state = self._state.get(sample.signal)
        if state is None:
            return None
        state.last_seen_us = now_us
        state.stale = False
        last = state.last_sent
        if last is not None and last.quality is Quality.GOOD and sample.quality is Quality.GOOD:
            if last.value == sample.value or self._within_deadband(
                self._signals[sample.signal], last.value, sample.value
            ):
                return None
        state.last_sent = sample
        return sample

    def stale(self, now_us: int) -> list[Sample]:
        """STALE samples for signals silent too long (each reported once per silence)."""
        found: list[Sample] = []
        for signal_id, state in self._state.items():
            if state.stale or state.last_seen_us is None:
                continue
            if now_us - state.last_seen_us > self._stale_after[signal_id]:
                state.stale = True
                last = state.last_sent
                stale = Sample(signal_id, last.value if last else None, now_us, Quality.STALE)
                state.last_sent = stale
                found.append(stale)
        return found

    def mark_bad(self, signal_ids: list[str], now_us: int) -> list[Sample]:
        """BAD samples for signals whose source is unreachable (once, until a value arrives again)."""
        found: list[Sample] = []
        for signal_id in signal_ids:
            state = self._state.get(signal_id)
            if state is None or (state.last_sent is not None and state.last_sent.quality is Quality.BAD):
                continue
            last = state.last_sent
            bad = Sample(signal_id, last.value if last else None, now_us, Quality.BAD)
            state.last_sent = bad
            found.append(bad)
        return found

    @staticmethod
    def _within_deadband(signal: Signal, old: object, new: object) -> bool:
        band = signal.deadband
        numeric = (int, float)
        if band is None or isinstance(old, bool) or isinstance(new, bool):
            return False  # booleans and strings: every change is news
        if not isinstance(old, numeric) or not isinstance(new, numeric):
            return False
        delta = abs(new - old)
        if band.absolute is not None and delta <= band.absolute:
            return True
        return band.percent is not None and delta <= abs(old) * band.percent / 100
