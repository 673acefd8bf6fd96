"""Check the engine's gradients of a function against central differences.

>>> result = gradcheck(lambda x, y: (x * y).sigmoid(), [0.5, -1.5])
>>> result.ok
True

The steps stay where f is defined: near a domain's edge (ln x near 0, √x at 0) the step
shrinks, or the difference is taken on one side only, and the result says so.
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
    """One input: the engine's gradient, the numeric one, and their error.

    ``step``: the step h used; ``how``: "central" (f(x + h) − f(x − h)), "central, shrunk"
    (f is not defined at x ± eps·max(1, |x|): a smaller step, eps times the largest one that
    stays where f is), "forward" or "backward" (f is defined on one side of x only, however
    small the step: a one-sided difference of second order, from x, x ± h and x ± 2h).
    """

    index: int
    label: str
    x: float
    engine: float
    numeric: float
    error: float
    step: float = math.nan
    how: str = "central"


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
        for r in self.rows:
            if r.how != "central":
                why = (
                    "f is not defined at x ± the usual step"
                    if r.how == "central, shrunk"
                    else f"f is defined only {'above' if r.how == 'forward' else 'below'} x"
                )
                lines.append(f"{r.label}: {r.how} difference, h = {r.step:.3g} ({why})")
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
    wherever x is; the difference is divided by the step the floats really took. Where f is
    not defined at x + h or x − h (a log near 0, an exp near overflow), the step shrinks to
    eps times the largest step that stays where f is defined; where f is defined on one side
    of x only (√x at 0), the difference is one-sided. Each row says which (``how``,
    ``step``), and so does ``str(result)``. The error of each input is
    |engine − numeric| / max(1, |numeric|); the result is truthy when all are ≤ ``tol``, and
    ``str(result)`` is a table with the worst mismatch marked.

    >>> print(gradcheck(lambda a: a ** 3, [2.0]).ok)
    True
    >>> gradcheck(lambda a: 3 * a, [1e5]).ok     # an absolute step of 1e-6 would not be
    True
    >>> row = gradcheck(lambda a: a.log(), [1e-7]).rows[0]   # x − 1e-6 < 0: a smaller step
    >>> row.how, round(row.numeric)
    ('central, shrunk', 10000000)
    """
    xs = [_input(x) for x in inputs]
    if not xs:
        raise ValueError("gradcheck needs at least one input")
    if not (eps > 0.0 and math.isfinite(eps)):
        raise ValueError(f"gradcheck needs eps > 0, got {eps!r}")

    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    rows = []
    for i, x in enumerate(xs):

        def at(v: float, i: int = i) -> float | None:
            """f with input i at v (the others as given), or None where f is not defined."""
            values = list(xs)
            values[i] = v
            try:
                value = f(*[Value(u) for u in values])
            except (ArithmeticError, ValueError):  # outside f's domain (or its floats')
                return None
            if not isinstance(value, Value):
                raise TypeError(f"gradcheck: f must return a Value, got {type(value).__name__}")
            return value.data

        h = eps * max(1.0, abs(x))
        if x + h == x - h:
            raise ValueError(
                f"gradcheck: eps {eps:g} is too small at {leaves[i].label} = {x:g}: "
                "x ± h round to x (try eps=1e-6)"
            )
        numeric, step, how = _difference(at, x, out.data, h, eps)
        engine = leaves[i].grad
        err = abs(engine - numeric) / max(1.0, abs(numeric))
        if math.isnan(err):
            err = math.inf
        rows.append(GradcheckRow(i, leaves[i].label, x, engine, numeric, err, step, how))
    return GradcheckResult(tuple(rows), tol, eps)


def _difference(
    at: Callable[[float], float | None], x: float, fx: float, h: float, eps: float
) -> tuple[float, float, str]:
    """The numeric slope of ``at`` at x, the step it took and how (see GradcheckRow)."""
    up, down = at(x + h), at(x - h)
    if up is not None and down is not None:
        return (up - down) / ((x + h) - (x - h)), h, "central"
    shrunk = h / 2.0
    while x + shrunk != x and x - shrunk != x:  # halve until both sides are defined
        up, down = at(x + shrunk), at(x - shrunk)
        if up is not None and down is not None:
            # The edge lies within 2·shrunk of x: a step of eps times that keeps the
            # difference's truncation as small as eps·max(1, |x|) keeps it elsewhere.
            small = max(shrunk * eps, 4.0 * math.ulp(x))
            up, down = at(x + small), at(x - small)
            if up is None or down is None:  # (a function undefined in patches: as found)
                small = shrunk
                up, down = at(x + shrunk), at(x - shrunk)
            return (up - down) / ((x + small) - (x - small)), small, "central, shrunk"  # type: ignore[operator]
        shrunk /= 2.0
    side = 1.0 if at(x + h) is not None else -1.0
    if at(x - h) is None and side < 0.0:
        raise ValueError(
            f"gradcheck: f is not defined on either side of x = {x:g} (at x ± {h:.3g} and "
            "every smaller step): no difference can be taken there"
        )
    return _one_sided(at, x, fx, side * h), h, "forward" if side > 0.0 else "backward"


def _one_sided(at: Callable[[float], float | None], x: float, fx: float, h: float) -> float:
    """f'(x) from f at x, x + h and x + 2h (h < 0: below x), second order, by the steps the
    floats really took; first order where f is not defined at x + 2h."""
    x1, x2 = x + h, x + 2.0 * h
    f1, f2 = at(x1), at(x2)
    h1, h2 = x1 - x, x2 - x
    if f2 is None:
        return (f1 - fx) / h1  # type: ignore[operator]
    return (-(h1 + h2) / (h1 * h2) * fx + h2 / (h1 * (h2 - h1)) * f1
            - h1 / (h2 * (h2 - h1)) * f2)  # fmt: skip


def _input(x: object) -> float:
    """A gradcheck input as a finite float, or TypeError or ValueError naming what it got."""
    v = real(x, "gradcheck input")
    if not math.isfinite(v):
        raise ValueError(f"gradcheck inputs must be finite, got {v!r}")
    return v
