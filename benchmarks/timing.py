"""Timing, comparing and printing: equal rounds, paired and interleaved; medians with their spread.

Every system gets the same number of rounds. In each round every system takes one turn with
the garbage collector on and one with it paused, the systems in an order that rotates from
round to round, so that each meets the same moments of load on this shared machine. A turn is
an untimed ``setup()`` and ``gc.collect()``, then ``run`` called a few times in a row (as a
training loop calls its step), timed together; its figure is the time per call. Figures are
medians over the rounds with their interquartile range; a ratio of two systems is the median
of their per-round ratios (each round pairs turns taken moments apart), never a ratio of best
times.

>>> s = spread([3.0, 1.0, 2.0, 10.0])
>>> s.median, s.q1, s.q3, s.lo, s.hi
(2.5, 1.75, 4.75, 1.0, 10.0)
>>> fmt_ratio(ratio_spread([2.0, 4.0, 6.0], [1.0, 1.0, 2.0]))
'3.00x (2.50–3.50)'
"""

from __future__ import annotations

import gc
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from internals import write_atomic

Setup = Callable[[], Any]
Run = Callable[[Any], Any]
Systems = dict[str, tuple[Setup, Run]]

GC_NOTE = (
    "gc on: Python as users run it (the targets are judged here); gc paused: the cyclic "
    "garbage collector disabled during the timed calls (pure compute)."
)
SPREAD_NOTE = (
    "figures: the median over equal, interleaved rounds, (q1–q3) its interquartile range; a "
    "ratio is the median of the per-round ratios."
)


# ------------------------------------------------------------ medians and spreads


def quartiles(xs: Sequence[float]) -> tuple[float, float, float]:
    """The first quartile, the median and the third quartile, by linear interpolation between
    the closest ranks (NumPy's default ``percentile`` method; one value is all three).

    >>> quartiles([1.0, 2.0, 3.0, 4.0, 5.0])
    (2.0, 3.0, 4.0)
    >>> quartiles([7.0])
    (7.0, 7.0, 7.0)
    """
    if not xs:
        raise ValueError("quartiles of no values")
    s = sorted(xs)

    def at(q: float) -> float:
        pos = q * (len(s) - 1)
        i = math.floor(pos)
        j = min(i + 1, len(s) - 1)
        return s[i] + (s[j] - s[i]) * (pos - i)

    return at(0.25), statistics.median(s), at(0.75)


@dataclass(frozen=True)
class Spread:
    """A figure over rounds: its median, quartiles, extremes and how many rounds."""

    median: float
    q1: float
    q3: float
    lo: float
    hi: float
    n: int

    def scaled(self, k: float) -> Spread:
        """Every figure times ``k`` (seconds to ms, say)."""
        return Spread(self.median * k, self.q1 * k, self.q3 * k, self.lo * k, self.hi * k, self.n)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def spread(xs: Sequence[float]) -> Spread:
    """The median, quartiles, min and max of ``xs``."""
    q1, med, q3 = quartiles(xs)
    return Spread(med, q1, q3, min(xs), max(xs), len(xs))


def ratio_spread(a: Sequence[float], b: Sequence[float]) -> Spread:
    """The spread of the per-round ratios a[r] / b[r] (the rounds paired)."""
    if len(a) != len(b):
        raise ValueError(f"ratios of unpaired rounds: {len(a)} and {len(b)}")
    return spread([x / y for x, y in zip(a, b)])


# ------------------------------------------------------------ interleaved rounds


@dataclass
class Timings:
    """Seconds per call of each system, one figure per round, with the collector on and paused."""

    rounds: int
    calls: dict[str, int] = field(default_factory=dict)  # calls per turn
    on: dict[str, list[float]] = field(default_factory=dict)
    paused: dict[str, list[float]] = field(default_factory=dict)

    def per_round(self, name: str, gc_on: bool = True) -> list[float]:
        return (self.on if gc_on else self.paused)[name]

    def of(self, name: str, gc_on: bool = True) -> Spread:
        return spread(self.per_round(name, gc_on))

    def ratio(self, a: str, b: str, gc_on: bool = True) -> Spread:
        """a's time over b's: the median of the per-round ratios."""
        return ratio_spread(self.per_round(a, gc_on), self.per_round(b, gc_on))

    def as_dict(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "calls_per_turn": self.calls,
            "seconds_gc_on": self.on,
            "seconds_gc_paused": self.paused,
        }


def turn(setup: Setup, run: Run, calls: int, gc_on: bool) -> float:
    """Seconds per call of ``calls`` calls of ``run`` in a row, after an untimed setup and
    collection (a previous turn's garbage is not this one's to collect)."""
    arg = setup()
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(calls):
            run(arg)
        t = time.perf_counter() - t0
    finally:
        gc.enable()
    return t / calls


def interleaved(
    systems: Systems, rounds: int, turn_s: float = 0.02, max_calls: int = 200
) -> Timings:
    """Equal rounds of every system, the collector on and paused in each (see the module).

    ``systems`` maps a name to ``(setup, run)``. A first untimed turn of one call each sets
    how many calls a turn makes (about ``turn_s`` seconds, at least 1, at most ``max_calls``).

    >>> t = interleaved({"sum": (lambda: 100, lambda n: sum(range(n)))}, 3, 0.0)
    >>> t.rounds, len(t.on["sum"]), len(t.paused["sum"]), t.calls["sum"]
    (3, 3, 3, 1)
    """
    timings = Timings(rounds)
    for name, (setup, run) in systems.items():
        first = turn(setup, run, 1, gc_on=True)  # warms up; sets the calls per turn
        timings.calls[name] = max(1, min(max_calls, round(turn_s / max(first, 1e-9))))
        timings.on[name], timings.paused[name] = [], []
    names = list(systems)
    for r in range(rounds):
        k = r % len(names)
        order = names[k:] + names[:k]  # each system leads in turn
        modes = (True, False) if r % 2 == 0 else (False, True)
        for gc_on in modes:
            for name in order:
                setup, run = systems[name]
                t = turn(setup, run, timings.calls[name], gc_on)
                (timings.on if gc_on else timings.paused)[name].append(t)
    return timings


def once(run: Callable[[], Any], gc_on: bool = True) -> tuple[float, Any]:
    """The wall time of one call ``run()`` after a collection, and its result."""
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        t0 = time.perf_counter()
        result = run()
        t = time.perf_counter() - t0
    finally:
        gc.enable()
    return t, result


# ------------------------------------------------------------ comparing and printing


def rel_diff(a: float, b: float) -> float:
    """|a − b| relative to the larger of the two (0 when both are 0).

    >>> rel_diff(1.0, 1.0 + 1e-15) < 1e-14
    True
    """
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def met(value: float, target: float, at_most: bool) -> bool:
    return value <= target if at_most else value >= target


def verdict(value: float, target: float, at_most: bool, unit: str = "x") -> str:
    """A target and whether ``value`` meets it.

    >>> verdict(0.4, 0.5, at_most=True), verdict(20.0, 25, at_most=False)
    ('target ≤ 0.5x: met', 'target ≥ 25x: MISSED')
    """
    sense = "≤" if at_most else "≥"
    return f"target {sense} {target:g}{unit}: {'met' if met(value, target, at_most) else 'MISSED'}"


def ms(seconds: float) -> str:
    """Seconds as milliseconds, with the digits that carry meaning at that size.

    >>> ms(0.0123456), ms(0.00012345), ms(1.5)
    ('12.3', '0.123', '1500')
    """
    t = seconds * 1e3
    return f"{t:.3f}" if t < 1 else f"{t:.2f}" if t < 10 else f"{t:.1f}" if t < 1000 else f"{t:.0f}"


def fmt_ms(s: Spread) -> str:
    """A time spread (seconds) as 'median (q1–q3)' in ms.

    >>> fmt_ms(spread([0.001, 0.002, 0.003]))
    '2.00 (1.50–2.50)'
    """
    return f"{ms(s.median)} ({ms(s.q1)}–{ms(s.q3)})"


def fmt_ratio(s: Spread) -> str:
    """A ratio spread as 'median (q1–q3)', with the digits that carry meaning at that size."""

    def r(x: float) -> str:
        return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"

    return f"{r(s.median)}x ({r(s.q1)}–{r(s.q3)})"


def table(headers: list[str], rows: list[list[str]]) -> None:
    """Print rows under headers, each column as wide as its widest cell.

    >>> table(["system", "ms"], [["ours", "1.5"]])
    system  ms
    ----------
    ours    1.5
    """
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def write_json(path: str, results: dict[str, Any]) -> None:
    """The figures as JSON, written atomically (a reader sees the old file or the new one);
    an infinite or nan float is written as a string, so that the file stays strict JSON."""
    text = json.dumps(plain(results), indent=2, ensure_ascii=False, allow_nan=False)
    write_atomic(path, text + "\n")


def plain(x: Any) -> Any:
    """``x`` with its Spreads and Timings as dicts and non-finite floats as strings.

    >>> plain({"t": spread([1.0]), "bad": [math.inf]})["bad"]
    ['inf']
    """
    if isinstance(x, (Spread, Timings)):
        x = x.as_dict()
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x
