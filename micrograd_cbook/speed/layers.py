"""A layer of neurons every row at once, without its edges: sums of outer products, in order.

A layer is a pack of weighted sums zₗ = Σₖ wₗₖ·xₖ (+ b) whose weights are leaves and whose
inputs are one source's lanes (see :mod:`micrograd_cbook.speed.batched`). Its three big sums
are each a sum of outer products, in the engine's order:

- forward, zᵣₗ = Σₖ xᵣₖ·wₗₖ: the terms k in order;
- a weight's grad, where this layer is the weight's only use: gₗₖ + Σᵣ xᵣₖ·dᵣₗ, row after
  row (d: the lanes' grads ∂C/∂z);
- an input's grad, where this layer is the input's only user: Σₗ wₗₖ·dᵣₗ, the lanes in
  ``backward()``'s order.

:func:`outer_sum` makes the products a block at a time (about 2 MB, which stays in the
cache while it is summed) and adds each block with
:func:`~micrograd_cbook.speed.reduce.ordered_sum`, the sum so far in front of the next block:
the floats of the loop, and no array of every product (a layer × its rows) is made. Where
fewer than :data:`FEWEST_IN_A_BLOCK` products fit in a block (a wide layer's), each is added
to the sum in place as it is made, the same floats without the block's copies (w256's three
sums about a tenth faster).

>>> import numpy as np
>>> u, v = np.array([[1e16, 1.0], [1.0, 2.0], [-1e16, 3.0]]), np.array([[1.0], [1.0], [1.0]])
>>> outer_sum(u, v).tolist()   # (1e16 + 1) − 1e16 in order: the 1 is lost, as in a loop
[[0.0], [6.0]]
"""

from __future__ import annotations

from typing import Any

from .reduce import ordered_sum

__all__ = ["BLOCK_FLOATS", "FEWEST_IN_A_BLOCK", "outer_sum"]

BLOCK_FLOATS = 1 << 18  # products made and summed at a time (2 MB: the L2 cache of a core)
FEWEST_IN_A_BLOCK = 16  # fewer fit in a block: each product added in place (a·b > 16,384)


def outer_sum(u: Any, v: Any, start: Any = None) -> Any:
    """``start + Σᵢ outer(u[i], v[i])``, i in order (u: n × a, v: n × b): an a × b array.

    Without ``start``, the sum begins with the first product (−0.0 + t is t). The products
    are laid out with the longer of a and b innermost (x·y is y·x, bit for bit)."""
    import numpy as np  # u is an array: NumPy is imported already

    if v.shape[1] < u.shape[1]:
        return outer_sum(v, u, None if start is None else start.T).T
    u, v = np.ascontiguousarray(u), np.ascontiguousarray(v)
    n, a, b = u.shape[0], u.shape[1], v.shape[1]
    step = max(1, BLOCK_FLOATS // max(1, a * b))
    if step < FEWEST_IN_A_BLOCK and n:  # big products: each added in place as it is made
        product = np.empty((a, b))
        total = u[0, :, None] * v[0] if start is None else start.copy()
        for i in range(1 if start is None else 0, n):
            total += np.multiply(u[i, :, None], v[i], out=product)
        return total
    block = np.empty((min(n, step) + 1, a, b))  # row 0: the sum so far
    total = start
    for i in range(0, n, step):
        m = min(n, i + step) - i
        np.multiply(u[i : i + m, :, None], v[i : i + m, None, :], out=block[1 : m + 1])
        if total is None:
            total = ordered_sum(block[1 : m + 1])
        else:
            block[0] = total
            total = ordered_sum(block[: m + 1])
    return total
