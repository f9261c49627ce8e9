"""Deadband and staleness: which samples reach the buffer."""

from __future__ import annotations

from edge_gateway.config import Deadband, Signal
from edge_gateway.filters import SignalFilter
from edge_gateway.model import Quality, Sample


def signal(id_: str, **kwargs: object) -> Signal:
    return Signal(id=id_, source="plc", node="ns=2;s=X", **kwargs)  # type: ignore[arg-type]


def test_deadband_swallows_small_moves_but_never_quality_changes() -> None:
    f = SignalFilter(
        [signal("a", deadband=Deadband(absolute=0.5)), signal("p", deadband=Deadband(percent=10))], {"plc"}
    )
    values = [10.0, 10.3, 10.6, 11.0, 11.2]
    kept = [s.value for v in values if (s := f.accept(Sample("a", v, 1), 1)) is not None]
    assert kept == [10.0, 10.6, 11.2]  # each kept value moved > 0.5 from the last kept one
    assert f.accept(Sample("a", 11.3, 2, Quality.BAD), 2) is not None  # quality change passes
    assert f.accept(Sample("a", 11.3, 3), 3) is not None  # and so does the first good value after it
    assert f.accept(Sample("p", 100.0, 1), 1) is not None
    assert f.accept(Sample("p", 109.0, 2), 2) is None
    assert f.accept(Sample("p", 111.0, 3), 3) is not None
    assert f.accept(Sample("unknown", 1.0, 1), 1) is None


def test_unchanged_values_are_reported_by_exception() -> None:
    f = SignalFilter([signal("count")], set())
    kept = [s.value for v in (7, 7, 7, 8, 8, 7) if (s := f.accept(Sample("count", v, 1), 1)) is not None]
    assert kept == [7, 8, 7]


def test_silent_signals_turn_stale_once_and_recover() -> None:
    f = SignalFilter([signal("a", stale_after_ms=1000)], set())
    assert f.stale(5_000_000) == []  # never seen: nothing to call stale
    f.accept(Sample("a", 1.5, 0), 0)
    assert f.stale(900_000) == []
    (stale,) = f.stale(1_100_000)
    assert stale.quality is Quality.STALE and stale.value == 1.5  # the last value, marked
    assert f.stale(9_000_000) == []  # reported once
    assert f.accept(Sample("a", 1.5, 9_100_000), 9_100_000) is not None  # good again, even if equal


def test_a_source_going_down_marks_its_signals_bad_once() -> None:
    f = SignalFilter([signal("a"), signal("b")], {"plc"})
    f.accept(Sample("a", 3, 0), 0)
    bad = f.mark_bad(["a", "b"], 10)
    assert [(s.signal, s.value, s.quality) for s in bad] == [("a", 3, Quality.BAD), ("b", None, Quality.BAD)]
    assert f.mark_bad(["a", "b"], 20) == []
