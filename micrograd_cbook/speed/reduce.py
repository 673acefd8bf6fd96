"""Sums in order over an array's first axis, in one NumPy call, with the floats of a loop.

``np.add.reduce`` over an array's outer (non-contiguous) axis adds element by element, row
after row: ``a[0] + a[1] + a[2] ...``, the floats of a Python loop. Only a reduction along the
contiguous axis (axis 0 of an F-ordered array, or an outer axis where every other axis has
one element) adds pairwise. So :func:`ordered_sum` reduces where the rest of the array has two
elements or more and that order was checked on the installed NumPy (once, at first use:
:func:`reduce_in_order`), and otherwise uses ``np.add.accumulate``, which adds
strictly in order by definition.

>>> import numpy as np
>>> a = np.array([[1e16, 1e16], [1.0, 1.0], [1.0, 1.0], [-1e16, -1e16]])
>>> ordered_sum(a).tolist()   # ((1e16 + 1) + 1) - 1e16: each 1 is lost
[0.0, 0.0]
>>> ordered_sum(a[:, :1]).tolist()   # one column: accumulated, in order all the same
[0.0]
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["ordered_sum", "reduce_in_order"]


def _loop(a: Any) -> Any:
    """a[0] + a[1] + ... by a Python loop (the reference order)."""
    s = a[0].copy()
    for k in range(1, a.shape[0]):
        s += a[k]
    return s


@cache
def reduce_in_order() -> bool:
    """Whether the installed NumPy's ``add.reduce`` over an outer axis adds in order (checked
    once on sums a pairwise or reordered sum gets wrong; the answer is kept)."""
    import numpy as np  # imported at first use: importing micrograd_cbook does not

    rng = np.random.default_rng(26)
    ok = True
    for k, shape in ((9, (2,)), (17, (3, 2)), (130, (2,)), (300, (5, 7)), (40, (2, 1))):
        a = rng.standard_normal((k, *shape)) * 10.0 ** rng.integers(-16, 16, (k, *shape))
        a[1] = -0.0
        a[:, 0] = -0.0  # a sum of -0.0s is -0.0
        got = np.add.reduce(a, axis=0, initial=-0.0)
        ok = ok and repr(got.tolist()) == repr(_loop(a).tolist())
    return ok


def ordered_sum(a: Any) -> Any:
    """``a[0] + a[1] + ... + a[K-1]`` (over axis 0) with the floats of that loop, one call."""
    import numpy as np  # a is an array: NumPy is imported already

    if a.shape[0] == 1:
        return a[0].copy()
    if a[0].size >= 2 and reduce_in_order():
        # C order, so axis 0 is the outer one (an F-ordered array would be summed pairwise);
        # from -0.0, as -0.0 + t is t (without it NumPy starts from 0.0: -0.0 + -0.0 gave 0.0)
        return np.add.reduce(np.ascontiguousarray(a), axis=0, initial=-0.0)
    return np.add.accumulate(a, axis=0)[-1]
