"""``micrograd.engine``'s one name, :class:`Value`: this library's own (see the package doc).

>>> from micrograd_cbook.micrograd.engine import Value
>>> a, b = Value(-4.0), Value(2.0)
>>> d = a * b + b**3
>>> d.backward()
>>> a.grad, b.grad                  # ∂d/∂a = b, ∂d/∂b = a + 3b²
(2.0, 8.0)
"""

from ..engine import Value

__all__ = ["Value"]
