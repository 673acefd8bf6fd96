"""What an every-row-at-once plan costs, against the straight-line code: the cost model.

A plan (:mod:`micrograd_cbook.speed.batched`) pays a NumPy call per pack and saves each row
the straight-line code's time per edge; :func:`fewest_rows` judges from the graph alone how
many rows may repay planning, and planning for a number of rows stops (:class:`Unprofitable`)
as soon as its packs cost more than those rows would save.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..engine import Value

__all__ = [
    "EDGE_ROW_NS",
    "LEAF_NS",
    "MIN_ROWS",
    "PACK_NS",
    "STRAIGHT_LEAF_NS",
    "STRAIGHT_NS_PER_EDGE",
    "Unprofitable",
    "depths",
    "fewest_rows",
]

MIN_ROWS = 1  # a single call too runs here, where the cost model says that is faster
# What a call costs, measured on CPython 3.11 (ns). The straight-line code: per row and edge,
# and per leaf (its value read, its grad read and written back); a plan: per pack, per leaf
# (the same, as arrays) and per row and edge row.
STRAIGHT_NS_PER_EDGE, STRAIGHT_LEAF_NS = 21, 80
PACK_NS, LEAF_NS, EDGE_ROW_NS = 16_000, 100, 4


def fewest_rows(order: Sequence[Value]) -> int:
    """How many rows a plan needs at least to be faster, judged from the graph alone (before
    planning, which costs about what compiling does): it costs at least a pack per level (a
    pack never holds a node and one it depends on) and saves at most an edge's straight-line
    time per edge and row. A chain of 10,000 steps needs hundreds; a wide L2 term one.

    >>> from micrograd_cbook import Value, topological_order
    >>> x = Value(1.0); y = x
    >>> for _ in range(100): y = y * 1.0001 + 0.0
    >>> fewest_rows(topological_order(y))
    381
    """
    levels = max(depths(order).values(), default=0)
    edges = sum(len(n.children) for n in order)
    return max(MIN_ROWS, math.ceil(PACK_NS * levels / max(1, STRAIGHT_NS_PER_EDGE * edges)))


def depths(order: Sequence[Value]) -> dict[Value, int]:
    """Each node's depth: the longest path from a leaf to it (a leaf's is 0). ``order`` puts
    children first (topological_order); a pack's nodes share a depth, so none depends on
    another."""
    depth: dict[Value, int] = {}
    for n in order:
        depth[n] = 1 + max(map(depth.__getitem__, n.children)) if n.children else 0
    return depth


class Unprofitable(Exception):
    """Planning for ``rows`` rows stopped early: its packs so far already cost more than
    those rows' straight-line code (a graph of many different operations packs hardly)."""
