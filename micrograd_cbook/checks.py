"""Check the engine's gradients of a function against central differences.

>>> result = gradcheck(lambda x, y: (x * y).sigmoid(), [0.5, -1.5])
>>> result.ok
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .engine import Value
from .notation import fmt
from .reals import real

__all__ = ["GradcheckResult", "gradcheck"]


@dataclass(frozen=True)
class GradcheckRow:
    """One input: the engine's gradient, the numeric one, and their error."""

    index: int
    label: str
    x: float
    engine: float
    numeric: float
    error: float


@dataclass(frozen=True)
class GradcheckResult:
    """What :func:`gradcheck` found: one row per input, and whether all were within ``tol``."""

    rows: tuple[GradcheckRow, ...]
    tol: float
    eps: float

    @property
    def worst(self) -> GradcheckRow:
        """The row with the largest error."""
        return max(self.rows, key=lambda r: r.error)

    @property
    def max_error(self) -> float:
        """The largest error: |engine − numeric| / max(1, |numeric|)."""
        return self.worst.error

    @property
    def ok(self) -> bool:
        """True when every error is at most ``tol``."""
        return self.max_error <= self.tol

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = f"{'input':>8} {'x':>12} {'engine':>14} {'numeric':>14} {'error':>10}"
        lines = [head]
        for r in self.rows:
            mark = "  <-- worst" if r is self.worst and not self.ok else ""
            lines.append(
                f"{r.label:>8} {fmt(r.x):>12} {fmt(r.engine):>14} {fmt(r.numeric):>14} "
                f"{r.error:>10.2e}{mark}"
            )
        verdict = "ok" if self.ok else "MISMATCH"
        w = self.worst
        lines.append(
            f"gradcheck {verdict}: worst error {w.error:.2e} at {w.label} "
            f"(tol {self.tol:.0e}, eps {self.eps:.0e})"
        )
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    tol: float = 1e-6,
) -> GradcheckResult:
    """Compare ∂f/∂xᵢ from ``backward()`` with central differences (f(x+h) − f(x−h)) / 2h.

    ``f`` takes one Value per input and returns a Value. The step is relative to the input,
    h = eps·max(1, |x|), so that x ± h differ from x by far more than a rounding error
    wherever x is; the difference is divided by the step the floats really took. The error
    of each input is |engine − numeric| / max(1, |numeric|); the result is truthy when all
    are ≤ ``tol``, and ``str(result)`` is a table with the worst mismatch marked.

    >>> print(gradcheck(lambda a: a ** 3, [2.0]).ok)
    True
    >>> gradcheck(lambda a: 3 * a, [1e5]).ok     # an absolute step of 1e-6 would not be
    True
    """
    xs = [_input(x) for x in inputs]
    if not xs:
        raise ValueError("gradcheck needs at least one input")
    if not (eps > 0.0 and math.isfinite(eps)):
        raise ValueError(f"gradcheck needs eps > 0, got {eps!r}")

    def call(values: list[float]) -> Value:
        out = f(*[Value(v) for v in values])
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        return out

    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    rows = []
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i] = x + h
        down[i] = x - h
        if up[i] == down[i]:
            raise ValueError(
                f"gradcheck: eps {eps:g} is too small at {leaves[i].label} = {x:g}: "
                "x ± h round to x (try eps=1e-6)"
            )
        numeric = (call(up).data - call(down).data) / (up[i] - down[i])
        engine = leaves[i].grad
        err = abs(engine - numeric) / max(1.0, abs(numeric))
        if math.isnan(err):
            err = math.inf
        rows.append(GradcheckRow(i, leaves[i].label, x, engine, numeric, err))
    return GradcheckResult(tuple(rows), tol, eps)


def _input(x: object) -> float:
    """A gradcheck input as a finite float, or TypeError or ValueError naming what it got."""
    v = real(x, "gradcheck input")
    if not math.isfinite(v):
        raise ValueError(f"gradcheck inputs must be finite, got {v!r}")
    return v
