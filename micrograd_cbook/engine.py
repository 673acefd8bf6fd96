"""The engine: a scalar :class:`Value` that records each operation and its local derivatives.

This file is the complete algorithm; everything else is pictures, stepping, networks and speed.
Every operation computes its value and, next to it, ∂out/∂input for each input
(``local_grads``). :meth:`Value.backward` is the chapter's chain rule in one loop,
``child.grad += local_grad * node.grad``, over the nodes in reverse topological order.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from numbers import Real
from operator import add, mul

from .notation import fmt
from .reals import real

__all__ = [
    "EXP_LIMIT",
    "Constant",
    "Value",
    "backward_pass",
    "fmt",
    "power",
    "real",
    "sum_values",
    "topological_order",
    "weighted_sum",
]

EXP_LIMIT = 709.782712893384  # ln of the largest float: above it, e^x overflows


class Value:
    """A node holding one real number, its gradient, and how it was computed.

    ``children``: the inputs of the operation that made it; ``local_grads``: ∂self/∂child of
    each, recorded in the forward pass. Plain tuples; a node made by hand passes both.

    >>> w, x = Value(0.5, "w"), Value(1.5, "x")
    >>> C = (w * x).sigmoid()
    >>> C.backward()
    >>> round(w.grad, 4), C.children[0].local_grads   # ∂C/∂w = x · σ'(z); ∂z/∂w, ∂z/∂x
    (0.3268, (1.5, 0.5))
    """

    __slots__ = ("data", "grad", "label", "op", "children", "local_grads")

    def __init__(
        self,
        data: float,
        label: str = "",
        children: Sequence[Value] = (),
        local_grads: Sequence[float] = (),
        op: str = "",
    ) -> None:
        for text in (label, op):
            if type(text) is not str:
                raise TypeError(f"label and op must be str, got {type(text).__name__}: {text!r}")
        self.data, self.grad, self.label, self.op = real(data), 0.0, label, op
        self.children = tuple(children)
        self.local_grads = tuple(real(g, "a local grad") for g in local_grads)
        if len(self.children) != len(self.local_grads):
            raise ValueError(
                f"{len(self.children)} children need as many local grads, "
                f"got {len(self.local_grads)}"
            )
        for c in self.children:
            if not isinstance(c, Value):
                raise TypeError(f"children must be Values, got {type(c).__name__}: {c!r}")

    # Each operation: its value, then ∂out/∂input for each input (a number becomes a Constant).

    def __add__(self, other: Value | float) -> Value:
        if (other := _lift(other)) is None:
            return NotImplemented
        return _node(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __sub__(self, other: Value | float) -> Value:
        if (other := _lift(other)) is None:
            return NotImplemented
        return _node(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __mul__(self, other: Value | float) -> Value:
        if (other := _lift(other)) is None:
            return NotImplemented
        a, b = self.data, other.data
        return _node(a * b, (self, other), (b, a), "*")  # ∂(ab)/∂a = b, ∂(ab)/∂b = a

    def __truediv__(self, other: Value | float) -> Value:
        if (other := _lift(other)) is None:
            return NotImplemented
        x, y = self.data, other.data
        if y == 0.0:
            raise ZeroDivisionError(f"division by zero: {fmt(x)} / {other!r}")
        q = x / y
        return _node(q, (self, other), (1.0 / y, -q / y), "/")  # ∂/∂x = 1/y, ∂/∂y = −x/y²

    def __radd__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other + self

    def __rsub__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other - self

    def __rmul__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other * self

    def __rtruediv__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other / self

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), (-1.0,), "neg")

    def __abs__(self) -> Value:
        """|x|; its derivative is the sign of x (0 at x = 0, as in PyTorch)."""
        x = self.data
        d = 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else math.nan
        return _node(abs(x), (self,), (d,), "abs")

    def __pow__(self, other: Value | float) -> Value:
        x = self.data
        if isinstance(other, Value):  # ∂/∂x = p·x^(p−1), ∂/∂p = x^p · ln x
            out, d = power(x, other.data)
            # x^p is flat in p at x = 0 (PyTorch's convention); ln of a negative x: undefined.
            d_p = out * math.log(x) if x > 0.0 else 0.0 if x == 0.0 else math.nan
            return _node(out, (self, other), (d, d_p), "**")
        if isinstance(other, bool) or not isinstance(other, Real):
            return NotImplemented
        p = real(other)
        out, d = power(x, p)  # d = p · x^(p−1)
        return _node(
            out, (self,), (d,), f"**{int(p)}" if p.is_integer() and abs(p) < 1e15 else f"**{p!r}"
        )

    def __rpow__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other**self

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^-x); σ'(x) = σ(x)(1 − σ(x)). Both come from e = e^-|x| (σ' = e /
        (1 + e)²): neither overflows nor loses digits in the tails, where 1 − σ would cancel."""
        x = self.data
        e = math.exp(-abs(x))
        s = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
        d = e * s * s if x >= 0.0 else s / (1.0 + e)
        return _node(s, (self,), (d,), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); its derivative is 1 for x > 0, else 0 (as in PyTorch). relu(nan) is nan."""
        x = self.data
        return _node(x if x > 0.0 or x != x else 0.0, (self,), (1.0 if x > 0.0 else 0.0,), "relu")

    def tanh(self) -> Value:
        """tanh(x); derivative 1 − tanh²(x), or 4e/(1 + e)² with e = e^-2|x| when |x| ≥ 1."""
        x = self.data
        t = math.tanh(x)
        e = math.exp(-2.0 * abs(x))
        d = 1.0 - t * t if -1.0 < x < 1.0 else 4.0 * e / ((1.0 + e) * (1.0 + e))
        return _node(t, (self,), (d,), "tanh")

    def exp(self) -> Value:
        """e^x; derivative e^x. Raises OverflowError naming x when e^x exceeds a float."""
        if self.data > EXP_LIMIT:
            raise OverflowError(f"exp({self.data!r}) is too large for a float (x ≤ 709.78)")
        e = math.exp(self.data)
        return _node(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """Natural log, ln(x) for x > 0; derivative 1/x. Raises ValueError for x ≤ 0."""
        x = self.data
        if not x > 0.0:
            raise ValueError(f"log is defined only for x > 0, got x = {x!r}")
        return _node(math.log(x), (self,), (1.0 / x,), "log")

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every node that reaches ``self`` by the chain rule.

        Leaves accumulate across calls (call ``zero_grad`` between steps, as in PyTorch);
        interior nodes are recomputed from zero each call. Passes over shared interior nodes
        never mix (see :func:`backward_pass`).

        >>> x = Value(3.0); y = x * x
        >>> y.backward(); y.backward(); x.grad
        12.0
        """
        grad = real(grad, "backward(grad=...)")  # (pdb's `break Value.backward` stops here)
        with backward_pass(self, grad) as order:  # the interior nodes, root first
            for node in order:  # every node that uses `node` came before: its grad is final
                for child, local_grad in zip(node.children, node.local_grads):
                    child.grad += local_grad * node.grad  # ∂C/∂child += ∂node/∂child · ∂C/∂node

    def __repr__(self) -> str:
        parts = [f"label={self.label!r}"] if self.label else []
        parts += [f"data={fmt(self.data)}", f"grad={fmt(self.grad)}"]
        parts += [f"op={self.op!r}"] if self.op else []
        return f"{type(self).__name__}({', '.join(parts)})"


class Constant(Value):
    """A number that entered the graph as an operand (``2`` in ``2 * v``): a leaf, drawn as such.

    >>> (2 * Value(3.0)).children[0]
    Constant(data=2.0000, grad=0.0000)
    """

    __slots__ = ()


def _node(data: float, children: tuple, local_grads: tuple, op: str, cls: type = Value) -> Value:
    """A node made by an operation: its inputs are known good (Value.__init__'s checks skipped)."""
    out = object.__new__(cls)
    out.data, out.grad, out.label, out.op = data, 0.0, "", op
    out.children, out.local_grads = children, local_grads
    return out


def _lift(other: object) -> Value | None:
    """A Value as it is, a real number as a :class:`Constant`, anything else None."""
    if isinstance(other, (Value, bool)) or not isinstance(other, Real):
        return other if isinstance(other, Value) else None
    return _node(real(other), (), (), "", Constant)


def power(x: float, p: float) -> tuple[float, float]:
    """x ** p and its slope p · x^(p−1), with the engine's errors (both pows and the compiler)."""
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
    if p == 2.0 or p == 0.0:
        return out, 2.0 * x if p else 0.0
    if x == 0.0 and p < 1.0:
        return out, math.inf  # e.g. √x at 0: the slope is vertical
    try:
        return out, p * x ** (p - 1.0)
    except OverflowError:  # the value fits a float, its slope does not: ±inf, like 1/x
        negative = (p < 0.0) != (x < 0.0 and (p - 1.0) % 2.0 == 1.0)
        return out, -math.inf if negative else math.inf


def weighted_sum(ws: Sequence[Value], xs: Sequence[Value | float], b: Value | None = None) -> Value:
    """Σ wᵢ·xᵢ (+ b) as one node: z of the chapter, with ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1.

    One node instead of 2n, which is why networks are fast; its children are (*w, *x, b)
    and its value equals the left-to-right sum of plain ``*`` and ``+`` nodes bit for bit.

    >>> w = [Value(0.5), Value(-1.0)]
    >>> z = weighted_sum(w, [2.0, 3.0], Value(0.25))
    >>> z.data, z.local_grads
    (-1.75, (2.0, 3.0, 0.5, -1.0, 1.0))
    """
    ws, xs = tuple(ws), _values(xs, "weighted_sum's input")
    if len(ws) != len(xs):
        raise ValueError(
            f"weighted_sum needs as many weights as inputs, got {len(ws)} and {len(xs)}"
        )
    parts = ws if b is None else (*ws, b)
    if not set(map(type, parts)) <= _VALUE_TYPES:  # one set of types, built in C: cheap
        for v in parts:
            if not isinstance(v, Value):
                raise TypeError(f"weighted_sum: weights and bias must be Values, got {v!r}")
    wd, xd = [w.data for w in ws], [x.data for x in xs]
    s = reduce(add, map(mul, wd, xd), -0.0)  # see sum_values
    if b is None:
        return _node(s, ws + xs, (*xd, *wd), "Σw·x")
    return _node(s + b.data, (*ws, *xs, b), (*xd, *wd, 1.0), "Σw·x+b")


def sum_values(values: Iterable[Value | float]) -> Value:
    """Σ vᵢ as one node (each local derivative 1); a number becomes a Constant.

    >>> sum_values([Value(1.0), 2, Value(3.5)]).data
    6.5
    """
    vs = _values(values, "a sum's item")
    if not vs:
        raise ValueError("sum_values needs at least one value")
    # Left to right from -0.0 (x + -0.0 == x, the sign of a zero included): the floats of a
    # chain of + nodes. (Not sum(): from Python 3.12 on it is compensated, so it differs.)
    return _node(reduce(add, [v.data for v in vs], -0.0), vs, (1.0,) * len(vs), "Σ")


def _values(items: Iterable, what: str) -> tuple[Value, ...]:
    """The items as Values, numbers made Constants; TypeError names one that is neither."""
    items = tuple(items)
    if set(map(type, items)) <= _VALUE_TYPES:  # the common case, checked in C
        return items
    return tuple(v if isinstance(v, Value) else _lift(v) or real(v, what) for v in items)


_VALUE_TYPES = {Value, Constant}


def topological_order(root: Value, *, leaves: bool = True) -> list[Value]:
    """Every node that reaches ``root``, each after all of its children (iterative: no depth limit).

    >>> a = Value(1.0); b = a + a; c = b * b
    >>> [n.op for n in topological_order(c)]
    ['', '+', '*']
    """
    order: list[Value] = []  # leaves=False: without the leaves (the backward pass skips them)
    seen = {root}  # the walk's own state: nothing is marked on the nodes
    stack = [(root, iter(root.children))]
    while stack:
        node, children = stack[-1]
        for child in children:  # resumes where this node's previous visit stopped
            if child not in seen:
                seen.add(child)
                if child.children:
                    stack.append((child, iter(child.children)))
                    break
                if leaves:
                    order.append(child)
        else:  # every child is placed: now the node
            stack.pop()
            if leaves or node.children:
                order.append(node)
    return order


_passes: dict[object, tuple[int, set[Value]]] = {}  # passes under way: thread, interior nodes
_passes_changed = threading.Condition()
WAIT_SECONDS = 60.0  # how long a pass waits for another thread's pass over the same nodes


@contextmanager
def backward_pass(root: Value, grad: float = 1.0) -> Iterator[list[Value]]:
    """Prepare one backward pass: yield its interior nodes root first, each grad set to 0.

    ``root.grad`` becomes ``grad`` (a leaf root accumulates it). While the ``with`` block runs,
    its interior nodes belong to this pass: another pass over any of them raises RuntimeError
    in the same thread (interleaved ``backward_steps`` would mix their sums) and waits in
    another thread (RuntimeError after WAIT_SECONDS). Leaves are shared: their grads add up.

    >>> x = Value(2.0); y = x * x
    >>> with backward_pass(y) as order:
    ...     [(n.op, n.grad) for n in order]
    [('*', 1.0)]
    """
    grad = real(grad, "backward(grad=...)")
    order = topological_order(root, leaves=False)
    key, mine = object(), (threading.get_ident(), set(order))

    def free() -> bool:  # no other pass holds one of ours (RuntimeError: one of this thread)
        clash = [thread for thread, theirs in _passes.values() if not theirs.isdisjoint(mine[1])]
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
        for node in order:
            node.grad = 0.0  # interior nodes are recomputed, never double counted
        root.grad = grad if root.children else root.grad + grad
        yield order[::-1]
    finally:
        with _passes_changed:
            del _passes[key]
            _passes_changed.notify_all()
