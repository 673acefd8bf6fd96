"""Sums in order along one axis of an array, in one NumPy call, with the floats of a loop.

``np.add.reduce`` along an axis that is not the array's innermost (smallest-stride) one adds
element by element, one slice after the other: ``a[0] + a[1] + a[2] ...``, the floats of a
Python loop. Only a reduction along the innermost axis (or where every other axis has one
element) adds pairwise. So :func:`ordered_sum` reduces where another axis is innermost, with
two elements or more, and that order was checked on the installed NumPy (once, at first use:
:func:`reduce_in_order`), and otherwise uses ``np.add.accumulate``, which adds strictly in
order by definition.

>>> import numpy as np
>>> a = np.array([[1e16, 1e16], [1.0, 1.0], [1.0, 1.0], [-1e16, -1e16]])
>>> ordered_sum(a).tolist()   # ((1e16 + 1) + 1) - 1e16: each 1 is lost
[0.0, 0.0]
>>> ordered_sum(a[:, :1]).tolist()   # one column: accumulated, in order all the same
[0.0]
>>> ordered_sum(a.T.copy(), axis=1).tolist()   # along the inner axis: accumulated
[0.0, 0.0]
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

__all__ = ["ordered_sum", "reduce_in_order"]


def _loop(a: Any, axis: int) -> Any:
    """a[0] + a[1] + ... along ``axis`` by a Python loop (the reference order)."""
    import numpy as np

    s = np.take(a, 0, axis=axis).copy()
    for k in range(1, a.shape[axis]):
        s += np.take(a, k, axis=axis)
    return s


def _layouts(np: Any, rng: Any) -> list[tuple[Any, int]]:
    """Arrays in the layouts ordered_sum reduces: C order along axis 0 and along a middle
    axis, and the strided views of a wider array that the every-row-at-once path reads."""
    out = []
    for k, shape in ((9, (2,)), (17, (3, 2)), (130, (2,)), (300, (5, 7)), (40, (2, 1))):
        out.append((rng.standard_normal((k, *shape)), 0))
    for r, k, n in ((1, 40, 2), (3, 130, 5), (7, 17, 3)):
        out.append((rng.standard_normal((r, k, n)), 1))
        wide = rng.standard_normal((r, k * (n + 3) + 5))
        out.append((wide[:, 2 : 2 + k * (n + 3)].reshape(r, k, n + 3)[:, :, :n], 1))
        out.append((rng.standard_normal((k, n + 4))[:, 1 : 1 + n], 0))
    return out


@cache
def reduce_in_order() -> bool:
    """Whether the installed NumPy's ``add.reduce`` along an axis that is not the innermost
    adds in order (checked once on sums a pairwise or reordered sum gets wrong, in each
    layout :func:`ordered_sum` reduces; the answer is kept)."""
    import numpy as np  # imported at first use: importing micrograd_cbook does not

    rng = np.random.default_rng(26)
    ok = True
    for a, axis in _layouts(np, rng):
        a[...] = a * 10.0 ** rng.integers(-16, 16, a.shape)
        second: list[Any] = [slice(None)] * a.ndim
        second[axis] = 1
        a[tuple(second)] = -0.0
        a[..., 0] = -0.0  # a sum of -0.0s is -0.0
        got = np.add.reduce(a, axis=axis, initial=-0.0)
        ok = ok and repr(got.tolist()) == repr(_loop(a, axis).tolist())
    return ok


def _in_order(a: Any, axis: int) -> bool:
    """Whether add.reduce adds ``a`` along ``axis`` slice after slice: another axis, with
    two elements or more, is the innermost (strides all positive), and NumPy was checked."""
    return _layout_in_order(a.shape, a.strides, axis)


@lru_cache(maxsize=1024)  # (a plan reduces the same few layouts on every call)
def _layout_in_order(shape: tuple[int, ...], strides: tuple[int, ...], axis: int) -> bool:
    sized = [i for i in range(len(shape)) if shape[i] > 1]
    if axis not in sized or len(sized) < 2 or min(strides[i] for i in sized) <= 0:
        return False  # (a broadcast axis, stride 0, or a reversed one: accumulated instead)
    inner = min(sized, key=lambda i: strides[i])
    return inner != axis and reduce_in_order()


def ordered_sum(a: Any, axis: int = 0) -> Any:
    """``a[0] + a[1] + ... + a[K-1]`` along ``axis`` with the floats of that loop, one call.

    ``a`` may be a view (a slice of a wider array): it is read as it lies, not copied.
    """
    import numpy as np  # a is an array: NumPy is imported already

    if a.shape[axis] == 1:
        return np.take(a, 0, axis=axis).copy()
    if _in_order(a, axis):
        # from -0.0, as -0.0 + t is t (without it NumPy starts from 0.0: -0.0 + -0.0 gave 0.0)
        return np.add.reduce(a, axis=axis, initial=-0.0)
    if a.flags.f_contiguous and not a.flags.c_contiguous and axis == 0:
        a = np.ascontiguousarray(a)  # an F-ordered array: reduced in C order, the same sum
        if _in_order(a, axis):
            return np.add.reduce(a, axis=axis, initial=-0.0)
    return np.take(np.add.accumulate(a, axis=axis), -1, axis=axis)
