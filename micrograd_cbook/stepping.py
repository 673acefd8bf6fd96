"""Step through the backward pass one node at a time, and read the chain rule with its numbers.

:func:`backward_steps` is ``backward()`` one node per ``next()``; :func:`explain` writes
∂root/∂wrt as the chapter does: a sum over every path from ``wrt`` to ``root`` of the
product of the local derivatives along it; :func:`explain_second` writes a second derivative
as that chain rule applied twice.

>>> from micrograd_cbook import Value
>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> z = w * x; z.label = "z"
>>> a = z.sigmoid(); a.label = "a"
>>> [step.node.label for step in backward_steps(a)]
['a', 'z']
>>> print(explain(a, w))
∂a/∂w = ∂z/∂w · ∂a/∂z = 1.5000 × 0.2179 = 0.3268
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .engine import Constant, Value
from .names import after_partial, node_name
from .notation import factor, fmt, number
from .passes import claimed, topological_order, zero_grads
from .reals import real

__all__ = [
    "DEFAULT_MAX_PATHS",
    "Explanation",
    "Names",
    "Path",
    "Step",
    "TooManyPaths",
    "backward_steps",
    "count_paths",
    "explain",
    "folded_edges",
    "local_edges",
    "path_counts",
]

DEFAULT_MAX_PATHS = 1000


class TooManyPaths(ValueError):
    """More paths than ``max_paths``, found by counting them (none listed): ``derivative``
    (e.g. ``"∂C/∂w"``), ``paths`` and ``limit`` say which, how many and the limit."""

    def __init__(self, derivative: str, paths: int, limit: int) -> None:
        super().__init__(
            f"{derivative} has {paths} paths, more than max_paths={limit}: pass a larger "
            "max_paths, or read wrt.grad after backward() (one sum, no listing)"
        )
        self.derivative, self.paths, self.limit = derivative, paths, limit


class Names:
    """The names of one graph's nodes (:func:`micrograd_cbook.names.node_name`), past a small
    formula their place in topological order (``mul#3``), found once, on demand."""

    def __init__(self, root: Value) -> None:
        self.root = root
        self._position: dict[Value, int] | None = None

    def __call__(self, node: Value) -> str:
        if node.label or not node.op or isinstance(node, Constant):
            position = None if node.label or isinstance(node, Constant) else self._place(node)
            return node_name(node, position)
        text = node_name(node)
        return text if not text.startswith("the ") else node_name(node, self._place(node))

    def d(self, node: Value) -> str:
        """The name as it follows ∂ (:func:`micrograd_cbook.names.after_partial`)."""
        return after_partial(self(node))

    def _place(self, node: Value) -> int:
        if self._position is None:  # one traversal, only when a stand-in is needed
            self._position = {n: i for i, n in enumerate(topological_order(self.root), 1)}
        return self._position.get(node, 0)


# ----------------------------------------------------------------------- stepping


@dataclass(frozen=True)
class Step:
    """One step of the backward pass: ``node``'s final ``grad`` passed on to each child.

    ``contributions`` holds ``(child, local_grad, contribution)`` in the order they were
    added to ``child.grad``, with ``contribution == local_grad * grad``. ``str(step)`` is a
    small table; ``index`` counts steps from 1.
    """

    index: int
    node: Value
    grad: float
    contributions: tuple[tuple[Value, float, float], ...]
    _names: Names = field(repr=False, compare=False)

    def __repr__(self) -> str:
        n = len(self.contributions)
        return (
            f"Step({self.index}, node={self._names(self.node)!r}, grad={fmt(self.grad)}, "
            f"{n} contribution{'s' if n != 1 else ''})"
        )

    def __str__(self) -> str:
        names = self._names
        node = self.node
        inputs = ", ".join(names(c) for c, _, _ in self.contributions)
        head = f"step {self.index}: {names(node)} = {node.op}({inputs})   grad {number(self.grad)}"
        rows = [("child", f"∂{names.d(node)}/∂child", "contribution to its grad")]
        rows += [(names(c), number(lg), number(contrib)) for c, lg, contrib in self.contributions]
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        lines = [head] + [f"  {a:<{w0}}  {b:>{w1}}  {c:>{w2}}" for a, b, c in rows]
        return "\n".join(lines)


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Step]:
    """Do exactly what ``root.backward(grad)`` does, yielding one :class:`Step` per interior node.

    It walks the order :func:`micrograd_cbook.passes.claimed` gives ``backward()``
    and adds the same products to the same grads: each step is yielded after its node's
    grad has been passed to its children. Until the generator is run to its end (or
    closed), another backward pass over the same interior nodes raises RuntimeError.
    Leaves get no step of their own (they only receive contributions); a root that is
    itself a leaf yields nothing, its grad simply grows by ``grad``.

    >>> from micrograd_cbook import Value
    >>> x = Value(3.0, "x"); y = x * x; y.label = "y"
    >>> steps = list(backward_steps(y))
    >>> print(steps[0])
    step 1: y = *(x, x)   grad 1.0000
      child  ∂y/∂child  contribution to its grad
      x         3.0000                    3.0000
      x         3.0000                    3.0000
    >>> x.grad
    6.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps needs a Value, got {type(root).__name__}")
    grad = real(grad, "backward(grad=...)")
    names = Names(root)
    with claimed(root) as order:  # the same order, claim, zeros and seed as backward()
        zero_grads(order)
        root.grad = grad if root.children else root.grad + grad
        for index, node in enumerate(order, 1):
            g = node.grad  # final: every node that uses this one has passed its share
            contributions = tuple(
                (child, lg, lg * g) for child, lg in zip(node.children, node.local_grads)
            )
            for child, _, contribution in contributions:
                child.grad += contribution  # the chain rule, as in backward()
            yield Step(index, node, g, contributions, names)


# ----------------------------------------------------------------------- explaining


@dataclass(frozen=True)
class Path:
    """One path from ``wrt`` to ``root``: its nodes, each edge's local derivative, their product.

    ``factors[i]`` is ∂nodes[i+1]/∂nodes[i], so the factors read in the chapter's order
    (∂z/∂w · ∂a/∂z · ∂C/∂a).
    """

    nodes: tuple[Value, ...]
    factors: tuple[float, ...]
    product: float
    _names: Names = field(repr=False, compare=False)

    def symbols(self) -> str:
        """The product as symbols, e.g. ``∂z2/∂w2 · ∂a2/∂z2 · ∂C/∂a2``."""
        n = [self._names.d(v) for v in self.nodes]
        if len(n) == 1:
            return f"∂{n[0]}/∂{n[0]}"
        return " · ".join(f"∂{n[i + 1]}/∂{n[i]}" for i in range(len(n) - 1))

    def numbers(self) -> str:
        """The product as numbers, e.g. ``0.7311 × 0.1966 × (−0.2689)``."""
        if not self.factors:
            return factor(1.0)
        return " × ".join(factor(f) for f in self.factors)

    def __str__(self) -> str:
        return f"{self.symbols()} = {self.numbers()} = {number(self.product)}"


@dataclass(frozen=True)
class Explanation:
    """∂root/∂wrt as the sum over ``paths`` of their products; ``total`` is that sum.

    ``str()`` prints it the chapter's way: one line per path, then the sum.
    """

    root: Value
    wrt: Value
    paths: tuple[Path, ...]
    total: float
    _names: Names = field(repr=False, compare=False)

    def __str__(self) -> str:
        d = f"∂{self._names.d(self.root)}/∂{self._names.d(self.wrt)}"
        if len(self.paths) == 1:
            return f"{d} = {self.paths[0]}"
        lines = [
            f"{d} = the sum over {len(self.paths)} paths from "
            f"{self._names(self.wrt)} to {self._names(self.root)}:"
        ]
        width = len(str(len(self.paths)))
        lines += [f"  path {i:>{width}}: {p}" for i, p in enumerate(self.paths, 1)]
        if len(self.paths) <= 8:
            terms = " + ".join(factor(p.product) for p in self.paths)
            lines.append(f"{d} = {terms} = {number(self.total)}")
        else:
            lines.append(f"{d} = the sum of the {len(self.paths)} products = {number(self.total)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Explanation(∂{self._names.d(self.root)}/∂{self._names.d(self.wrt)}, "
            f"{len(self.paths)} path{'s' if len(self.paths) != 1 else ''}, "
            f"total={fmt(self.total)})"
        )


def count_paths(root: Value, wrt: Value) -> int:
    """The number of paths from ``wrt`` to ``root``, by dynamic programming (none enumerated).

    Each node's count is the sum of its children's counts, children first, so the work is
    one pass over the edges even when the count is astronomically large.

    >>> from micrograd_cbook import Value
    >>> x = Value(1.0); y = x
    >>> for _ in range(60): y = y * y      # each layer doubles the paths
    >>> count_paths(y, x) == 2 ** 60
    True
    """
    return path_counts(topological_order(root), wrt, local_edges).get(root, 0)


Edges = Callable[[Value], list[tuple[Value, float]]]


def local_edges(node: Value) -> list[tuple[Value, float]]:
    """Every edge below ``node``: (child, ∂node/∂child), one per operand (``x*x`` has two)."""
    return list(zip(node.children, node.local_grads))


def folded_edges(node: Value, visible: Callable[[Value], bool]) -> list[tuple[Value, float]]:
    """The edges from ``node`` down to the nearest ``visible`` nodes, each hidden stretch folded.

    The factor to a visible node v below ``node`` is ∂node/∂v through hidden (not visible)
    interior nodes only: a small backward pass from ``node`` that stops at visible nodes. So
    the cost's ½, square and difference fold into one ∂C/∂a. The pictures and
    ``explain(labelled_only=True)`` read the graph through this one function. A visible
    node reached by several hidden paths gets one edge, its factor their sum; the edges come
    in the order the walk first meets them.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.75, "a")
    >>> C = 0.5 * (y - a) ** 2
    >>> [(v.label, f) for v, f in folded_edges(C, lambda v: bool(v.label))]
    [('y', 0.25), ('a', -0.25)]
    """
    grads: dict[Value, float] = {node: 1.0}
    frontier: dict[Value, float] = {}
    met: dict[Value, int] = {}  # when the walk first meets each visible node: the edges' order
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(node, False)]
    while stack:  # the hidden region below node, children first
        n, expanded = stack.pop()
        if expanded:
            order.append(n)
            continue
        if n is not node and visible(n):
            met.setdefault(n, len(met))
            continue
        if n in seen:  # marked when visited, not when pushed: a shared child comes first
            continue
        seen.add(n)
        stack.append((n, True))
        for c in reversed(n.children):  # reversed: the first child is walked first
            if visible(c) or (c not in seen and c.children):
                stack.append((c, False))
    for n in reversed(order):
        g = grads.get(n, 0.0)
        for c, lg in zip(n.children, n.local_grads):
            if visible(c):
                frontier[c] = frontier.get(c, 0.0) + lg * g
            elif c.children:
                grads[c] = grads.get(c, 0.0) + lg * g
            # a hidden leaf (a constant, say) is a number in the product: no edge
    return sorted(frontier.items(), key=lambda item: met[item[0]])


def _labelled_edges(wrt: Value, root: Value) -> Edges:
    """Edges between labelled nodes (and ``wrt``, ``root``, leaves): :func:`folded_edges`."""

    def visible(n: Value) -> bool:
        return bool(n.label) or n is wrt or n is root or not n.children

    return lambda node: folded_edges(node, visible)


def path_counts(order: list[Value], wrt: Value, edges: Edges) -> dict[Value, int]:
    """For every node between ``wrt`` and ``root``: how many paths lead to it from ``wrt``."""
    counts: dict[Value, int] = {wrt: 1}
    get = counts.get
    for node in order:  # children first
        if node is wrt or not node.children:
            continue
        c = sum(get(child, 0) for child, _ in edges(node))  # one term per edge
        if c:
            counts[node] = c
    return counts


def explain(
    root: Value,
    wrt: Value,
    max_paths: int = DEFAULT_MAX_PATHS,
    *,
    labelled_only: bool = False,
) -> Explanation:
    """Write ∂root/∂wrt as the sum over every path from ``wrt`` to ``root`` of its local grads.

    The local derivatives are recorded in the forward pass, so this needs no ``backward()``;
    after ``root.backward()`` the ``total`` equals ``wrt.grad`` (up to rounding when there
    are several paths; exactly for one path). The paths are counted first, by dynamic
    programming; more than ``max_paths`` raises ``ValueError`` before any is listed.
    ``labelled_only=True`` walks from labelled node to labelled node, folding each
    unlabelled stretch into one factor (for a network: ∂z2[0]/∂w2[0,3] · ∂a2[0]/∂z2[0] ·
    ∂C/∂a2[0], the chapter's three factors).

    >>> from micrograd_cbook import Value
    >>> x = Value(2.0, "x")
    >>> y = x * x; y.label = "y"
    >>> C = y + x; C.label = "C"
    >>> C.backward()
    >>> e = explain(C, x)
    >>> e.total == x.grad == 5.0
    True
    >>> print(e)
    ∂C/∂x = the sum over 3 paths from x to C:
      path 1: ∂y/∂x · ∂C/∂y = 2.0000 × 1.0000 = 2.0000
      path 2: ∂y/∂x · ∂C/∂y = 2.0000 × 1.0000 = 2.0000
      path 3: ∂C/∂x = 1.0000 = 1.0000
    ∂C/∂x = 2.0000 + 2.0000 + 1.0000 = 5.0000
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        bad = root if not isinstance(root, Value) else wrt
        raise TypeError(f"explain needs two Values (root, wrt), got {type(bad).__name__}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise ValueError(f"max_paths must be a positive int, got {max_paths!r}")
    names = Names(root)
    order = topological_order(root)
    if labelled_only:
        edges = _labelled_edges(wrt, root)
        cache = {n: edges(n) for n in order if n.children and (n.label or n is root)}
        edges = cache.__getitem__
        order = [n for n in order if n in cache]
    else:
        edges = local_edges
    counts = path_counts(order, wrt, edges)
    n_paths = counts.get(root, 0)
    if n_paths == 0:
        who = f"{names(wrt)!r}" if wrt.label else repr(wrt)
        raise ValueError(
            f"{who} is not in the graph of {names(root)!r}: {names(root)} does not depend on it "
            "(pass a Value that was used to compute root)"
        )
    if n_paths > max_paths:
        raise TooManyPaths(f"∂{names.d(root)}/∂{names.d(wrt)}", n_paths, max_paths)
    paths = tuple(_enumerate_paths(root, wrt, counts, edges, names))
    return Explanation(root, wrt, paths, sum(p.product for p in paths), names)


def _enumerate_paths(
    root: Value, wrt: Value, counts: dict[Value, int], edges: Edges, names: Names
) -> Iterator[Path]:
    """Every path from ``root`` down to ``wrt`` (depth first, edges in order, no recursion)."""
    if root is wrt:
        yield Path((root,), (), 1.0, names)
        return
    # The current path, root first: [node, its edges, index of the edge taken next].
    trail: list[list] = [[root, edges(root), -1]]
    while trail:
        top = trail[-1]
        below = top[1]
        i = top[2] + 1
        while i < len(below) and below[i][0] not in counts:
            i += 1  # an edge that never reaches wrt
        if i == len(below):
            trail.pop()
            continue
        top[2] = i
        child = below[i][0]
        if child is not wrt:
            trail.append([child, edges(child), -1])
            continue
        # Reached wrt. Multiply from root down, as backward() does, so one path is exact.
        product = 1.0
        down = []
        for _, e, k in trail:
            lg = e[k][1]
            product = lg * product
            down.append(lg)
        nodes = (wrt, *(n for n, _, _ in reversed(trail)))
        yield Path(nodes, tuple(reversed(down)), product, names)
