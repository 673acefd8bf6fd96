"""Timing, comparing and printing: the systems take turns, each figure is the best of its repeats.

Every ratio the benchmarks print compares figures measured in one run on one machine. Each
system is timed with the garbage collector on (Python as users run it; the targets are judged
there) and paused (pure compute), and ``gc.collect()`` runs before every repeat.

>>> rel_diff(1.0, 1.0 + 1e-15) < 1e-14
True
>>> verdict(0.5, at_most=0.6)
'target ≤ 0.6x: met'
"""

from __future__ import annotations

import gc
import json
import math
import time
from collections.abc import Callable
from typing import Any

from micrograd_cbook.files import write_atomic

Systems = dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]]

GC_NOTE = (
    "gc on: Python as users run it (the targets are judged here); gc paused: the cyclic "
    "garbage collector disabled while timing (pure compute)."
)


def best_of(
    run: Callable[[Any], Any], setup: Callable[[], Any], repeats: int, gc_on: bool = True
) -> tuple[float, Any]:
    """The best wall time of ``repeats`` calls ``run(setup())`` (only ``run`` timed), last result.

    >>> t, result = best_of(lambda n: sum(range(n)), lambda: 10, repeats=3)
    >>> result, t < 1.0
    (45, True)
    """
    best, result = math.inf, None
    for _ in range(repeats):
        arg = setup()
        result = None  # free the previous result (a graph, say) before collecting
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            t0 = time.perf_counter()
            result = run(arg)
            t = time.perf_counter() - t0
        finally:
            gc.enable()
        best = min(best, t)
    return best, result


def time_systems(
    systems: Systems,
    rounds: int,
    slice_s: float = 0.3,
) -> tuple[dict[str, float], dict[str, float]]:
    """The best seconds of each system with the garbage collector on, and paused.

    ``systems`` maps a name to ``(setup, run)``; only ``run(setup())`` is timed. The systems
    take turns, ``rounds`` times, each running for about ``slice_s`` seconds a turn (at least
    once) in each gc mode, so that load from other processes on this shared machine falls on
    all of them alike and the best of the repeats comes from its quiet moments.

    >>> on, off = time_systems({"sum": (lambda: 100, lambda n: sum(range(n)))}, 2, 0.0)
    >>> sorted(on) == sorted(off) == ["sum"]
    True
    """
    on = dict.fromkeys(systems, math.inf)
    off = dict.fromkeys(systems, math.inf)
    for _ in range(rounds):
        for name, (setup, run) in systems.items():
            for gc_on, best in ((True, on), (False, off)):
                spent = 0.0
                while True:  # at least once
                    t, _result = best_of(run, setup, 1, gc_on=gc_on)
                    del _result  # a live graph would slow the others' garbage collection
                    best[name] = min(best[name], t)
                    spent += t
                    if spent >= slice_s:
                        break
    return on, off


def rel_diff(a: float, b: float) -> float:
    """|a − b| relative to the larger of the two (0 when both are 0)."""
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def verdict(
    value: float, *, at_most: float | None = None, at_least: float | None = None, unit: str = "x"
) -> str:
    """A target and whether ``value`` meets it, e.g. 'target ≥ 200x: met'.

    >>> verdict(180.0, at_least=200)
    'target ≥ 200x: MISSED'
    """
    if at_most is not None:
        return f"target ≤ {at_most:g}{unit}: {'met' if value <= at_most else 'MISSED'}"
    if at_least is None:
        raise ValueError("verdict needs at_most or at_least")
    return f"target ≥ {at_least:g}{unit}: {'met' if value >= at_least else 'MISSED'}"


def ms(seconds: float) -> str:
    """Seconds as milliseconds, with the digits that carry meaning at that size.

    >>> ms(0.0123456), ms(0.00012345), ms(1.5)
    ('12.3', '0.123', '1500')
    """
    t = seconds * 1e3
    return f"{t:.3f}" if t < 1 else f"{t:.2f}" if t < 10 else f"{t:.1f}" if t < 1000 else f"{t:.0f}"


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
    """The figures as JSON, written atomically (a reader sees the old file or the new one)."""
    write_atomic(path, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
