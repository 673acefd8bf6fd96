"""The engine: a scalar :class:`Value` that records each operation and its local derivatives.

Every operation is one short method that returns a new node together with
∂out/∂input for each input (``local_grads``). :meth:`Value.backward` is one
generic loop applying the chapter's chain rule, ``child.grad += local_grad * node.grad``,
in reverse topological order.

>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> C = (w * x).sigmoid()
>>> C.backward()
>>> round(w.grad, 4)   # ∂C/∂w = x · σ'(z)
0.3268
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from numbers import Real
from operator import mul as _mul

__all__ = [
    "Constant",
    "Value",
    "backward_pass",
    "fmt",
    "sum_values",
    "topological_order",
    "weighted_sum",
]

_exp = math.exp
_log = math.log
_tanh = math.tanh


def fmt(x: float) -> str:
    """Format a number with 4 decimals, or in scientific notation when that would hide it.

    >>> fmt(0.73106), fmt(-1e-7), fmt(0.0), fmt(2.5e9)
    ('0.7311', '-1.0000e-07', '0.0000', '2.5000e+09')
    """
    a = abs(x)
    if a == 0.0 or 1e-4 <= a < 1e6 or a != a:
        return f"{x:.4f}"
    return f"{x:.4e}"


def _to_float(data: object, what: str = "Value") -> float:
    """Convert a real number to float, or raise TypeError naming its type (the slow path)."""
    if isinstance(data, bool) or not isinstance(data, Real):
        hint = " (use its .data)" if isinstance(data, Value) else ""
        raise TypeError(
            f"{what} needs a real number (int, float, numpy float, ...), "
            f"got {type(data).__name__}: {data!r}{hint}"
        )
    try:
        return float(data)
    except OverflowError:
        raise OverflowError(
            f"{what}: the number is too large for a float (|x| must be below 1.8e308)"
        ) from None


def _lift(other: object) -> Value | None:
    """Wrap a number as a :class:`Constant`, or None (the operator then returns NotImplemented)."""
    t = type(other)
    if t is float:
        pass
    elif t is int or (t is not bool and isinstance(other, Real)):
        other = float(other)  # type: ignore[arg-type]
    elif isinstance(other, Value):
        return other
    else:
        return None
    return _leaf(other, Constant)  # type: ignore[arg-type]


class Value:
    """A node holding one real number, its gradient, and how it was computed.

    >>> a = Value(2.0, label="a")
    >>> b = a * a + 1
    >>> b.backward()
    >>> b.data, a.grad
    (5.0, 4.0)
    """

    # How a node keeps its edges: one object per node (fewer allocations, and far less
    # work for the garbage collector). _a, _b are the children, _ga, _gb their local grads;
    # a leaf has _a None, a unary node _b None. An n-ary node (weighted and plain sums) has
    # two _Groups of children, _a and _b (empty for a plain sum), with tuples of local grads
    # _ga and _gb. A weighted sum's groups are shared: _a = (*w, b) is its neuron's, _b = the
    # inputs its layer's, so the backward pass walks each group once, not once per node.
    # The public .children and .local_grads are built from them on demand.
    # _mark is the backward pass's visit mark (see _interior_order), cheaper than a set.
    __slots__ = ("data", "grad", "label", "op", "_mark", "_a", "_ga", "_b", "_gb")

    def __init__(
        self,
        data: float,
        label: str = "",
        _children: tuple[Value, ...] = (),
        _local_grads: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        # Operations build their nodes with _unary() and co; this constructor is the user's door.
        if type(data) is not float:
            data = _to_float(data)
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        if len(_children) != len(_local_grads):
            raise ValueError(
                f"{len(_children)} children need as many local grads, got {len(_local_grads)}"
            )
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = _op
        self._mark = 0
        _set_edges(self, tuple(_children), tuple(_local_grads))

    @property
    def children(self) -> tuple[Value, ...]:
        """The input Values of the operation that made this node (empty for a leaf)."""
        b = self._b
        if b is None:
            a = self._a
            return () if a is None else (a,)
        if type(b) is _Group:
            return _interleave(self._a, b)  # type: ignore[arg-type]
        return (self._a, b)  # type: ignore[return-value]

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂child for each child, recorded in the forward pass (the chain-rule factors)."""
        b = self._b
        if b is None:
            return () if self._a is None else (self._ga,)  # type: ignore[return-value]
        if type(b) is _Group:
            return _interleave(self._ga, self._gb)  # type: ignore[arg-type]
        return (self._ga, self._gb)  # type: ignore[return-value]

    # ----------------------------------------------------------------- arithmetic
    # Each operation: forward value, then ∂out/∂input for each input.

    def __add__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _lift(other)
            if other is None:
                return NotImplemented
        return _binary(self.data + other.data, self, 1.0, other, 1.0, "+")

    def __radd__(self, other: float) -> Value:
        other = _lift(other)
        if other is None:
            return NotImplemented
        return _binary(other.data + self.data, other, 1.0, self, 1.0, "+")

    def __sub__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _lift(other)
            if other is None:
                return NotImplemented
        return _binary(self.data - other.data, self, 1.0, other, -1.0, "-")

    def __rsub__(self, other: float) -> Value:
        other = _lift(other)
        if other is None:
            return NotImplemented
        return _binary(other.data - self.data, other, 1.0, self, -1.0, "-")

    def __mul__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _lift(other)
            if other is None:
                return NotImplemented
        a, b = self.data, other.data
        return _binary(a * b, self, b, other, a, "*")

    def __rmul__(self, other: float) -> Value:
        other = _lift(other)
        if other is None:
            return NotImplemented
        a, b = other.data, self.data
        return _binary(a * b, other, b, self, a, "*")

    def __truediv__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _lift(other)
            if other is None:
                return NotImplemented
        return _div(self, other)

    def __rtruediv__(self, other: float) -> Value:
        other = _lift(other)
        if other is None:
            return NotImplemented
        return _div(other, self)

    def __neg__(self) -> Value:
        return _unary(-self.data, self, -1.0, "neg")

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | float) -> Value:
        t = type(other)
        if t is float:
            return _pow_number(self, other)  # type: ignore[arg-type]
        if t is int or (t is not bool and isinstance(other, Real)):
            return _pow_number(self, float(other))  # type: ignore[arg-type]
        if isinstance(other, Value):
            return _pow_values(self, other)
        return NotImplemented

    def __rpow__(self, other: float) -> Value:
        other = _lift(other)
        if other is None:
            return NotImplemented
        return _pow_values(other, self)

    # ---------------------------------------------------------------- functions

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^-x), stable for every finite x; σ'(x) = σ(x)(1 − σ(x)).

        Both are computed from e = e^-|x| (σ' = e / (1 + e)²), so neither overflows
        nor loses digits in the tails, where 1 − σ(x) would cancel.
        """
        x = self.data
        if x >= 0.0:
            e = _exp(-x)
            s = 1.0 / (1.0 + e)
            d = e * s * s
        else:
            e = _exp(x)
            s = e / (1.0 + e)
            d = s / (1.0 + e)
        return _unary(s, self, d, "sigmoid")

    def relu(self) -> Value:
        """max(0, x); its derivative is 1 for x > 0 and 0 otherwise (0 at x = 0, as in PyTorch)."""
        x = self.data
        if x > 0.0:
            return _unary(x, self, 1.0, "relu")
        return _unary(0.0, self, 0.0, "relu")

    def tanh(self) -> Value:
        """tanh(x); derivative 1 − tanh²(x), as 4e / (1 + e)² with e = e^-2|x| when |x| ≥ 1,
        where 1 − tanh² would cancel."""
        x = self.data
        t = _tanh(x)
        if -1.0 < x < 1.0:
            d = 1.0 - t * t
        else:
            e = _exp(-2.0 * abs(x))
            d = 4.0 * e / ((1.0 + e) * (1.0 + e))
        return _unary(t, self, d, "tanh")

    def exp(self) -> Value:
        """e^x; derivative e^x. Raises OverflowError naming x when e^x exceeds a float."""
        try:
            e = _exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data!r}) is too large for a float (x must be ≤ 709.78)"
            ) from None
        return _unary(e, self, e, "exp")

    def log(self) -> Value:
        """Natural log, ln(x) for x > 0; derivative 1/x. Raises ValueError for x ≤ 0."""
        x = self.data
        if x <= 0.0 or x != x:
            raise ValueError(f"log is defined only for x > 0, got x = {x!r}")
        return _unary(_log(x), self, 1.0 / x, "log")

    # ----------------------------------------------------------------- backward

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every node that reaches ``self`` by the chain rule.

        Leaves accumulate across calls (call ``zero_grad`` between steps, as in
        PyTorch); interior nodes are recomputed from zero each call.

        >>> x = Value(3.0); y = x * x
        >>> y.backward(); y.backward(); x.grad
        12.0
        """
        deque(backward_pass(self, grad), maxlen=0)  # runs the pass to its end

    # --------------------------------------------------------------- inspection

    def __repr__(self) -> str:
        parts = [f"label={self.label!r}"] if self.label else []
        parts.append(f"data={fmt(self.data)}")
        parts.append(f"grad={fmt(self.grad)}")
        if self.op:
            parts.append(f"op={self.op!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class Constant(Value):
    """A number that entered the graph as an operand (``2`` in ``2 * v``): a leaf, drawn as such.

    >>> (2 * Value(3.0)).children[0]
    Constant(data=2.0000, grad=0.0000)
    """

    __slots__ = ()


_new = object.__new__
_LEAF = 1 << 62  # a leaf's _mark: above every walk's marks, so walks never push leaves


class _Group(list):
    """An n-ary node's children, shared by the nodes that have them (a layer's inputs, a
    neuron's (*w, b)), with a visit mark so that the backward pass walks each group once."""

    __slots__ = ("_mark",)


def _group(children: Iterable[Value], mark: int = 0) -> _Group:
    """A group of children; ``mark`` _LEAF says it holds only leaves (never walked)."""
    group = _Group(children)
    group._mark = mark
    return group


def _leaves_group(children: Iterable[Value]) -> _Group:
    """A group to keep and share: marked _LEAF when it holds only leaves (a neuron's w, b)."""
    group = _group(children)
    if all(c._a is None for c in group):
        group._mark = _LEAF
    return group


_NONE = _group((), _LEAF)  # a plain sum's second group: empty (never to be filled)
_OPAQUE = _group((), _LEAF)  # the same for an n-ary node made by hand (see backward_pass)


def _interleave(first: Sequence, second: Sequence) -> tuple:
    """An n-ary node's edges in their public order: a weighted sum's (*w, b) and inputs x
    as (*w, *x, b); a plain sum's (second empty) as they are."""
    if not second:
        return tuple(first)
    n = len(second)
    return (*first[:n], *second, *first[n:])


# The node constructors skip Value.__init__'s checks: operations always pass floats.
# One per arity, spelled out on purpose: a shared helper would add a call to every node.
# nn._forward, the hottest loop, spells out _many and Value.relu's nodes the same way.


def _leaf(data: float, cls: type[Value] = Value, label: str = "") -> Value:
    out = _new(cls)
    out.data = data
    out.grad = 0.0
    out.label = label
    out.op = ""
    out._mark = _LEAF
    out._a = out._b = None
    out._ga = out._gb = 0.0
    return out


def _unary(data: float, a: Value, ga: float, op: str) -> Value:
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out._mark = 0
    out._a = a
    out._ga = ga
    out._b = None
    out._gb = 0.0
    return out


def _binary(
    data: float,
    a: Value | _Group,
    ga: float | Sequence[float],
    b: Value | _Group,
    gb: float | Sequence[float],
    op: str,
) -> Value:
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out._mark = 0
    out._a = a
    out._ga = ga
    out._b = b
    out._gb = gb
    return out


# An n-ary node fills the same four slots, with two _Groups and their local grads.
_many = _binary


def _set_edges(node: Value, children: tuple, local_grads: tuple) -> None:
    """Store any number of edges the way the constructors above do."""
    n = len(children)
    if n == 0:
        node._a = node._b = None
        node._ga = node._gb = 0.0
        node._mark = _LEAF
    elif n == 1:
        node._a, node._ga, node._b, node._gb = children[0], local_grads[0], None, 0.0
    elif n == 2:
        node._a, node._b = children
        node._ga, node._gb = local_grads
    else:
        node._a, node._ga, node._b, node._gb = _group(children), local_grads, _OPAQUE, ()


def _div(a: Value, b: Value) -> Value:
    x, y = a.data, b.data
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero: {fmt(x)} / 0 (the denominator {b!r} is 0)")
    q = x / y
    return _binary(q, a, 1.0 / y, b, -q / y, "/")


def _power(x: float, p: float) -> tuple[float, float]:
    """x ** p and its slope p · x^(p−1), with the engine's errors (shared by both pows)."""
    if x < 0.0 and not p.is_integer():
        raise ValueError(
            f"pow: a negative base to a non-integer power has no real value ({x!r} ** {p!r})"
        )
    if x == 0.0 and p < 0.0:
        raise ZeroDivisionError(f"pow: 0 ** {p!r} divides by zero")
    try:
        out = x**p
    except OverflowError:
        raise OverflowError(f"pow: {x!r} ** {p!r} is too large for a float") from None
    if p == 2.0:
        return out, 2.0 * x
    if p == 0.0:
        return out, 0.0
    if x == 0.0 and p < 1.0:
        return out, math.inf  # e.g. √x at 0: the slope is vertical
    try:
        return out, p * x ** (p - 1.0)
    except OverflowError:  # the value fits a float, its slope does not: ±inf, like 1/x
        negative = (p < 0.0) != (x < 0.0 and (p - 1.0) % 2.0 == 1.0)
        return out, -math.inf if negative else math.inf


def _pow_number(base: Value, p: float) -> Value:
    """base ** p for a number p: derivative p · base^(p−1)."""
    out, d = _power(base.data, p)
    op = _POW_OPS.get(p)
    if op is None:
        op = f"**{int(p)}" if p.is_integer() and abs(p) < 1e15 else f"**{p!r}"
        if len(_POW_OPS) < 1000:
            _POW_OPS[p] = op
    return _unary(out, base, d, op)


_POW_OPS: dict[float, str] = {}  # "**2" for p = 2.0: the op names of exponents met so far


def _pow_values(base: Value, exponent: Value) -> Value:
    """base ** exponent for two Values: ∂/∂base = p·x^(p−1), ∂/∂exponent = x^p · ln x."""
    x = base.data
    out, d_base = _power(x, exponent.data)
    if x > 0.0:
        d_exp = out * _log(x)
    elif x == 0.0:
        d_exp = 0.0  # x^p is flat in p at x = 0 for p > 0 (PyTorch's convention too)
    else:
        d_exp = math.nan  # ln of a negative base: undefined, as in PyTorch
    return _binary(out, base, d_base, exponent, d_exp, "**")


# ------------------------------------------------------------------ n-ary nodes
# Sums start from -0.0, the one float with x + -0.0 == x for every x (0.0 + -0.0 is 0.0),
# so that Σ equals the chain of plain + nodes, the sign of a zero included. On Python 3.11
# and older sum() adds left to right: the same floats bit for bit. Python 3.12's sum() is
# compensated (more accurate), so there the two can differ in the last bits.


def weighted_sum(ws: Sequence[Value], xs: Sequence[Value | float], b: Value | None = None) -> Value:
    """Σ wᵢ·xᵢ (+ b) as one node: z of the chapter, with ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1.

    One node instead of 2n, which is why networks are fast; its value equals the
    left-to-right sum of plain ``*`` and ``+`` nodes exactly (up to Python 3.11; 3.12's
    ``sum()`` is compensated, and can be closer to the exact sum in the last bits).

    >>> w = [Value(0.5), Value(-1.0)]
    >>> z = weighted_sum(w, [2.0, 3.0], Value(0.25))
    >>> z.data, z.local_grads
    (-1.75, (2.0, 3.0, 0.5, -1.0, 1.0))
    """
    if len(ws) != len(xs):
        raise ValueError(
            f"weighted_sum needs as many weights as inputs, got {len(ws)} and {len(xs)}"
        )
    for w in ws if b is None else (*ws, b):
        if not isinstance(w, Value):
            raise TypeError(f"weighted_sum: weights and bias must be Values, got {w!r}")
    return _weighted_sum(ws, [x if isinstance(x, Value) else _lift_or_raise(x) for x in xs], b)


def _weighted_sum(ws: Sequence[Value], xs: Sequence[Value], b: Value | None) -> Value:
    """:func:`weighted_sum` without its checks (nn builds these nodes itself, sharing groups)."""
    xd = [x.data for x in xs]
    wd = [w.data for w in ws]
    s = sum(map(_mul, wd, xd), -0.0)  # the plain graph's floats (see above)
    p, xs = _group(ws if b is None else (*ws, b)), _group(xs)
    if b is None:
        return _many(s, p, tuple(xd), xs, tuple(wd), "Σw·x")
    return _many(s + b.data, p, (*xd, 1.0), xs, tuple(wd), "Σw·x+b")


def sum_values(values: Iterable[Value | float]) -> Value:
    """Σ vᵢ as one node (each local derivative 1); a number becomes a Constant.

    >>> sum_values([Value(1.0), 2, Value(3.5)]).data
    6.5
    """
    vs = tuple(v if isinstance(v, Value) else _lift_or_raise(v) for v in values)
    if not vs:
        raise ValueError("sum_values needs at least one value")
    if len(vs) == 1:
        return _unary(vs[0].data, vs[0], 1.0, "Σ")
    return _many(sum([v.data for v in vs], -0.0), _group(vs), (1.0,) * len(vs), _NONE, (), "Σ")


def _lift_or_raise(x: object) -> Value:
    v = _lift(x)
    if v is None:
        _to_float(x)  # raises TypeError naming the type
    return v  # type: ignore[return-value]


# ------------------------------------------------------------------ graph order


def topological_order(root: Value) -> list[Value]:
    """Every node that reaches ``root``, each after all of its children (iterative: no depth limit).

    >>> a = Value(1.0); b = a + a; c = b * b
    >>> [n.op for n in topological_order(c)]
    ['', '+', '*']
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    append, pop, add = stack.append, stack.pop, seen.add
    while stack:
        node, expanded = pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        add(node)
        append((node, True))
        for child in node.children:
            if child not in seen:
                append((child, False))
    return order


def backward_pass(root: Value, grad: float = 1.0) -> Iterator[Value]:
    """The backward pass: yields each interior node once its final grad is passed to its children.

    The one implementation of the chain-rule step: :meth:`Value.backward` runs it to the
    end, :func:`micrograd_cbook.backward_steps` one node per ``next()``.

    >>> x = Value(2.0, "x"); y = x * x
    >>> [(n.op, n.grad) for n in backward_pass(y)], x.grad
    ([('*', 1.0)], 4.0)
    """
    if type(grad) is not float:
        grad = _to_float(grad, "backward(grad=...)")
    order = _interior_order(root)  # also resets their grads: interior nodes are recomputed
    if root._a is not None:
        root.grad = grad
    else:
        root.grad += grad  # a leaf accumulates, like every leaf
    for node in reversed(order):
        # The chain rule: ∂C/∂child += ∂node/∂child · ∂C/∂node, for each child of the node.
        # Each edge runs a line `child.grad += local_grad * g`; one or two children need no
        # loop (cheaper than building pairs to loop over).
        g = node.grad  # final: every parent has passed its share (stop here for one node)
        b = node._b
        if b is None:  # one child
            child, local_grad = node._a, node._ga
            child.grad += local_grad * g
        elif type(b) is not _Group:  # two children
            child, local_grad = node._a, node._ga
            child.grad += local_grad * g
            child, local_grad = b, node._gb
            child.grad += local_grad * g
        elif g != 0.0 or b is _OPAQUE or node.data - node.data != 0.0:
            for child, local_grad in zip(node._a, node._ga):  # many children, in two groups
                child.grad += local_grad * g
            for child, local_grad in zip(b, node._gb):
                child.grad += local_grad * g
        # else: a sum with grad 0 would add 0 · (local grad) = 0 to each child. Its local
        # grads are finite (no nan from 0 · inf): 1, or for Σw·x+b the ws and xs, all
        # finite when the sum is. A node made by hand (_OPAQUE) may have any: never skipped.
        yield node


def _interior_order(root: Value) -> list[Value]:
    """The interior (non-leaf) nodes reaching ``root``, children first, each grad reset to 0.

    Leaves are never pushed: they need no step of their own, only the contributions
    they receive, and skipping them halves the work for a network's weights and inputs.
    """
    order: list[Value] = []
    if root._a is None:
        return order
    # Marks from this walk: `visiting` (children being visited) or `visiting + 1` (placed);
    # anything smaller is from an earlier walk, and a leaf's _LEAF is larger than any walk's.
    # A counter instead of a set of seen nodes.
    visiting = next(_walks)
    placed = visiting + 1
    stack = [root]
    push, pop, place = stack.append, stack.pop, order.append
    while stack:
        node = stack[-1]
        mark = node._mark
        if mark < visiting:  # first visit: stays on the stack, its children go above it
            node._mark = visiting
            b = node._b  # a leaf's mark, _LEAF, is never below `visiting`: leaves stay off
            if b is None:
                a = node._a
                if a._mark < visiting:  # type: ignore[union-attr]
                    push(a)
            elif type(b) is _Group:  # n-ary: nodes share groups of children, walked once
                a = node._a
                if a._mark < visiting:  # type: ignore[union-attr]
                    a._mark = visiting  # type: ignore[union-attr]
                    for child in a:  # type: ignore[union-attr]
                        if child._mark < visiting:
                            push(child)
                if b._mark < visiting:  # the same for the second group (unrolled: faster)
                    b._mark = visiting
                    for child in b:
                        if child._mark < visiting:
                            push(child)
            else:
                a = node._a
                if a._mark < visiting:  # type: ignore[union-attr]
                    push(a)
                if b._mark < visiting:
                    push(b)
        else:  # back on top: every child is placed (or a duplicate of a placed node)
            pop()
            if mark == visiting:
                node._mark = placed
                node.grad = 0.0
                place(node)
    return order


_walks = itertools.count(1, 2)  # each walk of _interior_order takes two fresh marks
