"""Walks over the graph a picture shows: which values it reaches, in which order.

>>> from micrograd_cbook import Value
>>> x = Value(2.0, "x"); y = x * 3.0 + 1.0
>>> [n.label or n.op for n in drawn_order(y, lambda n: n.children)]
['x', '', '*', '', '+']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..engine import Value

__all__ = ["as_values", "drawn_order", "nodes_drawn"]


def as_values(values: Any, what: str) -> list[Value]:
    if values is None:
        return []
    if isinstance(values, Value):
        return [values]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(
            f"{what} must be a Value or a list of Values, got {type(values).__name__}"
        ) from None
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"{what} must hold Values, got {type(v).__name__}: {v!r}")
    return values


def nodes_drawn(
    root: Value,
    stops: Iterable[Value] = (),
    max_nodes: int | None = None,
) -> set[Value]:
    """The Values a picture of ``root`` shows when ``stops`` are drawn as leaves.

    Above ``max_nodes`` a ValueError, raised before all of a huge graph is walked.

    >>> x = Value(2.0, "x"); y = x * 3.0 + 1.0
    >>> len(nodes_drawn(y)), len(nodes_drawn(y, stops=[y.children[0]]))
    (5, 3)
    """
    stops = set(stops)
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        if node in stops:
            continue
        for child in node.children:
            if child not in seen:
                seen.add(child)
                if max_nodes is not None and len(seen) > max_nodes:
                    raise ValueError(
                        f"the graph has more than max_nodes={max_nodes} values: pass a larger "
                        f"max_nodes to draw it anyway, or draw a smaller part (stop_at=...)"
                    )
                stack.append(child)
    return seen


def drawn_order(root: Value, children: Callable[[Value], Iterable[Value]]) -> list[Value]:
    """Every box reaching ``root``, each after its inputs, the inputs in their own order.

    A depth-first walk that takes a box's ``children`` (the boxes its edges come from) first
    to last, so a layer's weights come as w[0,0], w[0,1], ... and the picture lists them
    left to right.
    """
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(children(root)))]
    while stack:
        node, below = stack[-1]
        for child in below:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(children(child))))
                break
        else:
            stack.pop()
            order.append(node)
    return order
