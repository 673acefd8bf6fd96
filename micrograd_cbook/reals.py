"""Real numbers at the boundary: :func:`real` checks and converts one; :func:`all_floats`
tells whether a list holds floats only (the compiled code's fast path).

Every public function that takes a number checks it with :func:`real`, so a wrong type gets
the same clear error everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real

__all__ = ["all_floats", "real"]


def real(x: object, what: str = "Value") -> float:
    """``x`` as a float if it is a real number (int, float, numpy float, ...), else TypeError."""
    if type(x) is float:
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        hint = " (use its .data)" if isinstance(getattr(x, "data", None), float) else ""
        raise TypeError(
            f"{what} needs a real number (int, float, numpy float, ...), "
            f"got {type(x).__name__}: {x!r}{hint}"
        )
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(
            f"{what}: the number is too large for a float (|x| must be below 1.8e308)"
        ) from None


def all_floats(xs: Iterable[object]) -> bool:
    """Whether every element is a float itself (not an int, nor a subclass), checked in C.

    >>> all_floats([0.5, -0.0]), all_floats([0.5, 1]), all_floats([])
    (True, False, True)
    """
    types = list(map(type, xs))
    return types.count(float) == len(types)  # (count compares by identity first: fast)
