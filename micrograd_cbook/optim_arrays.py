"""The optimisers' updates over NumPy arrays: the same floats as :mod:`optim`'s Python loops.

Each function takes every parameter's data and grad as float64 arrays and applies, element
by element, exactly the expressions of the Python update in the same order (``+ − × ÷ √``
are correctly rounded in both, so the floats agree bit for bit). NumPy is optional: when it is
missing, :data:`numpy` is ``None`` and the optimisers use their Python loops.

>>> if numpy is not None:
...     d = numpy.array([2.0]); sgd(d, numpy.array([4.0]), 0.1, 0.0); d.tolist()
... else:
...     [1.6]
[1.6]
"""

from __future__ import annotations

from typing import Any

try:
    import numpy
except ImportError:  # the `fast` extra is not installed
    numpy = None  # type: ignore[assignment]

__all__ = ["adam", "numpy", "sgd", "sgd_momentum"]

Array = Any  # a float64 numpy.ndarray


def sgd(data: Array, grad: Array, lr: float, wd: float) -> None:
    """Plain SGD in place: data ← data − lr·(grad + wd·data)."""
    with numpy.errstate(over="ignore", invalid="ignore"):  # as Python floats: inf, quietly
        g = grad + wd * data if wd else grad
        data -= lr * g


def sgd_momentum(
    data: Array,
    grad: Array,
    buf: Array | None,
    lr: float,
    wd: float,
    mu: float,
    keep: float,
    nesterov: bool,
) -> Array:
    """SGD with momentum in place on ``data``; returns the new buffer (``buf`` None: first step)."""
    with numpy.errstate(over="ignore", invalid="ignore"):  # as Python floats: inf, quietly
        g = grad + wd * data if wd else grad
        new = g.copy() if buf is None else buf * mu + g * keep
        g = g + mu * new if nesterov else new
        data -= lr * g
    return new


def adam(
    data: Array,
    grad: Array,
    m: Array,
    v: Array,
    v_max: Array | None,
    constants: tuple[float, float, float, float, float],
    l2: float,
    keep: float = 1.0,
) -> tuple[Array, Array, Array | None]:
    """One Adam step in place on ``data``; returns the new (m, v, v_max). ``constants``:
    (step_size, bc2_sqrt, w1, b2, eps), the step's numbers as :class:`optim.Adam` computes them;
    every weight is first shrunk by the factor ``keep`` (AdamW). Nothing is written where
    the step raises."""
    step_size, bc2_sqrt, w1, b2, eps = constants
    with numpy.errstate(over="ignore", invalid="ignore"):  # Python floats overflow to inf quietly
        p = data * keep if keep != 1.0 else data
        g = grad + l2 * p if l2 else grad
        m = m + w1 * (g - m) if w1 < 0.5 else g - (g - m) * (1.0 - w1)
        v = v * b2 + (1.0 - b2) * g * g
        vi = v
        if v_max is not None:  # Python's max(v_max, v): v only where strictly larger
            vi = v_max = numpy.where(v > v_max, v, v_max)
        denom = numpy.sqrt(vi) / bc2_sqrt + eps
        if not denom.all():  # the Python update's x / 0.0 raises; so does this, before any write
            raise ZeroDivisionError("float division by zero (Adam with eps=0 and a gradient of 0)")
        numpy.add(p, (-step_size * m) / denom, out=data)
    return m, v, v_max
