"""How numbers are written: :func:`fmt` in plain text, :func:`number` and :func:`factor` in
the chapter's typography (a true minus sign), all with the same 4 decimals.

>>> fmt(-0.29943), number(-0.29943), factor(-0.29943)
('-0.2994', '−0.2994', '(−0.2994)')
"""

from __future__ import annotations

__all__ = ["factor", "fmt", "number"]


def fmt(x: float) -> str:
    """A number with 4 decimals, or in scientific notation when that would hide it.

    >>> fmt(0.73106), fmt(-1e-7), fmt(0.0), fmt(2.5e9)
    ('0.7311', '-1.0000e-07', '0.0000', '2.5000e+09')
    """
    a = abs(x)
    return f"{x:.4f}" if a == 0.0 or 1e-4 <= a < 1e6 or a != a else f"{x:.4e}"


def number(x: float) -> str:
    """A number as pictures and explanations write it: :func:`fmt` with a true minus sign.

    >>> number(-0.29943), number(0.5), number(-0.0)
    ('−0.2994', '0.5000', '0.0000')
    """
    s = fmt(x + 0.0)  # -0.0 + 0.0 is 0.0: no "−0.0000"
    return "−" + s[1:] if s.startswith("-") else s


def factor(x: float) -> str:
    """A factor in a product: negative numbers in parentheses, as in ``0.2098 × (−0.2994)``."""
    s = number(x)
    return f"({s})" if s.startswith("−") else s
