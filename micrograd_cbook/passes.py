"""Walking a graph: its topological order, and the registry of backward passes under way.

The engine's :meth:`~micrograd_cbook.engine.Value.backward` and
:func:`~micrograd_cbook.stepping.backward_steps` both run inside :func:`claimed`: while a
pass runs, its interior nodes belong to it, so two passes never add into the same grads at
once. The state of a walk (visited sets, orders) lives in the walk, never on the nodes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["WAIT_SECONDS", "claimed", "topological_order", "zero_grads"]

WAIT_SECONDS = 60.0  # how long a pass waits for another thread's pass over the same nodes


def topological_order(root: Any, *, leaves: bool = True) -> list[Any]:
    """Every node that reaches ``root``, each after all of its children (iterative: no depth limit).

    >>> from micrograd_cbook import Value
    >>> a = Value(1.0); b = a + a; c = b * b
    >>> [n.op for n in topological_order(c)]
    ['', '+', '*']
    """
    order: list[Any] = []  # leaves=False: without the leaves (the backward pass skips them)
    seen = {root}  # the walk's own state: nothing is marked on the nodes
    path, unvisited = [root], [iter(root.children)]  # the nodes being walked, and their children
    while path:
        for child in unvisited[-1]:  # resumes where this node's previous visit stopped
            if child not in seen:
                seen.add(child)
                if child.children:
                    path.append(child)
                    unvisited.append(iter(child.children))
                    break
                if leaves:
                    order.append(child)
        else:  # every child is placed: now the node
            node = path.pop()
            unvisited.pop()
            if leaves or node.children:
                order.append(node)
    return order


def zero_grads(nodes: Sequence[Any]) -> None:
    """Set each node's grad to 0: a pass recomputes its interior grads, never adds to old ones."""
    for node in nodes:
        node.grad = 0.0


_passes: dict[object, tuple[int, list[Any]]] = {}  # passes under way: thread, interior nodes
_passes_changed = threading.Condition()


@contextmanager
def claimed(root: Any) -> Iterator[list[Any]]:
    """The interior nodes of ``root``'s graph, root first, held by this pass while it runs.

    Another pass over any of them raises RuntimeError in the same thread (interleaved
    ``backward_steps`` would mix their sums) and waits in another thread (RuntimeError after
    WAIT_SECONDS). Leaves are shared: their grads add up.

    >>> from micrograd_cbook import Value
    >>> x = Value(2.0); y = x * x
    >>> with claimed(y) as order:
    ...     [n.op for n in order]
    ['*']
    """
    order = topological_order(root, leaves=False)
    order.reverse()  # root first, in place (a copy would cost a deep graph another list)
    key, mine = object(), (threading.get_ident(), order)
    ours: set[Any] = set()  # our nodes as a set: built when another pass is first seen

    def free() -> bool:  # no other pass holds one of ours (RuntimeError: one of this thread)
        if not _passes:  # alone (the usual case): no set of our nodes needs building
            return True
        if not ours:  # (once: wait_for asks again each time another pass ends)
            ours.update(order)
        clash = [thread for thread, theirs in _passes.values() if not ours.isdisjoint(theirs)]
        if mine[0] in clash:
            raise RuntimeError(
                "backward: another backward pass over this graph is under way in "
                "this thread (a backward_steps() not run to its end?): finish or "
                "close() it first; two passes at once would add up their grads"
            )
        return not clash

    with _passes_changed:
        if not _passes_changed.wait_for(free, WAIT_SECONDS):
            raise RuntimeError(
                f"backward: another thread's backward pass has held nodes of "
                f"this graph for {WAIT_SECONDS:g} s; run them one after another"
            )
        _passes[key] = mine
    try:
        yield order
    finally:
        with _passes_changed:
            del _passes[key]
            _passes_changed.notify_all()
