"""The engine: a scalar :class:`Value` that records each operation and its local derivatives.

This file is the complete algorithm; everything else is pictures, stepping, networks and speed.
Every operation computes its value and, next to it, ∂out/∂input for each input
(``local_grads``), by its entry in the table of operations (:mod:`micrograd_cbook.ops`).
:meth:`Value.backward` is the chapter's chain rule in one loop,
``child.grad += local_grad * node.grad``, over the nodes in reverse topological order.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from copy import deepcopy
from numbers import Real
from typing import Any

from .notation import fmt
from .ops import (
    ABS,
    ADD,
    DIV,
    EXP,
    HEAVISIDE,
    LOG,
    MUL,
    NEG,
    POWER,
    POWER_VALUE,
    RELU,
    SIGMOID,
    SIGN,
    SOFTPLUS,
    SQRT,
    SUB,
    SUM,
    TANH,
    WEIGHTED_SUM,
    WEIGHTED_SUM_BIAS,
    Op,
)
from .passes import claimed, topological_order, zero_grads
from .reals import real

__all__ = [
    "Constant",
    "Parameter",
    "Value",
    "apply",
    "fmt",
    "real",
    "sum_values",
    "topological_order",
    "weighted_sum",
]


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
            if not isinstance(text, str):
                raise TypeError(f"label and op must be str, got {type(text).__name__}: {text!r}")
        # str(op): a node made by hand is never taken for one of the engine's own (ops.Op)
        self.data, self.grad, self.label, self.op = real(data), 0.0, str(label), str(op)
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

    # Each operation is one entry of the table (ops.py): its value and ∂out/∂input for each
    # input, side by side. A number on either side becomes a Constant.

    def __add__(self, other: Value | float) -> Value:
        other = _lift(other)
        return NotImplemented if other is None else apply(ADD.tag, self, other)

    def __sub__(self, other: Value | float) -> Value:
        other = _lift(other)
        return NotImplemented if other is None else apply(SUB.tag, self, other)

    def __mul__(self, other: Value | float) -> Value:
        other = _lift(other)  # ∂(xy)/∂x = y, ∂(xy)/∂y = x
        return NotImplemented if other is None else apply(MUL.tag, self, other)

    def __truediv__(self, other: Value | float) -> Value:
        other = _lift(other)  # ∂(x/y)/∂x = 1/y, ∂(x/y)/∂y = −x/y²
        return NotImplemented if other is None else apply(DIV.tag, self, other)

    def __radd__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other + self

    def __rsub__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other - self

    def __rmul__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other * self

    def __rtruediv__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other / self

    def __neg__(self) -> Value:
        return apply(NEG.tag, self)

    def __abs__(self) -> Value:
        """|x|; its derivative is the sign of x (0 at x = 0, as in PyTorch)."""
        return apply(ABS.tag, self)

    def __pow__(self, other: Value | float) -> Value:
        """x ** p, p a number (data of the op: ``"**2"``) or a Value (∂/∂p = x^p · ln x).

        A negative finite base to a non-integer power is a ValueError (its power has no real
        value; never a complex number). −∞ follows IEEE 754, as PyTorch does: (−∞)^p is +∞
        for a non-integer p > 0 and +0 for p < 0 (for an integer p, ±∞ or ±0 by its sign).

        >>> (Value(-8.0) ** 3).data, (Value(float("-inf")) ** 0.5).data
        (-512.0, inf)
        """
        if isinstance(other, Value):
            return apply(POWER_VALUE.tag, self, other)
        if isinstance(other, bool) or not isinstance(other, Real):
            return NotImplemented
        return apply(POWER.at(real(other)), self)

    def __rpow__(self, other: float) -> Value:
        return NotImplemented if (other := _lift(other)) is None else other**self

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^-x); σ'(x) = σ(x)(1 − σ(x)), both without overflow."""
        return apply(SIGMOID.tag, self)

    def relu(self) -> Value:
        """max(0, x); its derivative is 1 for x > 0, else 0 (as in PyTorch). relu(nan) is nan."""
        return apply(RELU.tag, self)

    def tanh(self) -> Value:
        """tanh(x); its derivative 1 − tanh²(x)."""
        return apply(TANH.tag, self)

    def exp(self) -> Value:
        """e^x; derivative e^x. Raises OverflowError naming x when e^x exceeds a float."""
        return apply(EXP.tag, self)

    def log(self) -> Value:
        """Natural log, ln(x) for x > 0; derivative 1/x. Raises ValueError for x ≤ 0."""
        return apply(LOG.tag, self)

    def sqrt(self) -> Value:
        """√x for x ≥ 0; derivative 1/(2√x), inf at 0. Raises ValueError for x < 0."""
        return apply(SQRT.tag, self)

    def softplus(self) -> Value:
        """ln(1 + e^x), for every x without overflow; its derivative is σ(x)."""
        return apply(SOFTPLUS.tag, self)

    def sign(self) -> Value:
        """The sign of x (−1, 0 or 1; nan for nan): the slope of abs, a value of its own."""
        return apply(SIGN.tag, self)

    def heaviside(self) -> Value:
        """1 for x > 0, else 0: the slope of relu, a value of its own (its own slope is 0)."""
        return apply(HEAVISIDE.tag, self)

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every node that reaches ``self`` by the chain rule.

        Leaves accumulate across calls (call ``zero_grad`` between steps, as in PyTorch);
        interior nodes are recomputed from zero each call. Passes over shared interior nodes
        never mix (see :func:`micrograd_cbook.passes.claimed`).

        >>> x = Value(3.0); y = x * x
        >>> y.backward(); y.backward(); x.grad
        12.0
        """
        grad = real(grad, "backward(grad=...)")  # (pdb's `break Value.backward` stops here)
        with claimed(self) as order:  # the interior nodes, root first, for this pass alone
            zero_grads(order)  # interior grads are recomputed, never double counted
            self.grad = grad if self.children else self.grad + grad  # the seed: ∂C/∂C = 1
            for node in order:  # every node that uses `node` came before: its grad is final
                for child, local_grad in zip(node.children, node.local_grads):
                    child.grad += local_grad * node.grad  # ∂C/∂child += ∂node/∂child · ∂C/∂node

    # pickle and copy.deepcopy follow a node's children one stack frame per level, so a chain
    # a few thousand nodes deep would overflow the stack: here both walk the graph iteratively.

    def __reduce__(self) -> tuple:
        """Pickled with its whole graph flattened: the nodes in topological order, then itself.

        Each node then comes after its children, which the pickle holds already, so nothing
        recurses: a graph of any depth pickles, each node once (shared nodes stay shared,
        Constant and Parameter keep their types, ``op`` is pickled by its table name).

        >>> import pickle
        >>> x = Value(2.0, "x"); y = x
        >>> for _ in range(5000): y = y * 1.0
        >>> z = pickle.loads(pickle.dumps(y)); z.backward(); z.data, topological_order(z)[0].grad
        (2.0, 1.0)
        """
        fields = (type(self), self.data, self.grad, self.label, self.op, self.children,
                  self.local_grads)  # fmt: skip
        state = getattr(self, "__dict__", None)  # a subclass's own attributes, if it has any
        if not self.children or _pending_nodes().pop(id(self), None) is not None:
            return (_rebuild, fields, state)  # a leaf, or a node whose children came before it
        order = topological_order(self)
        order.pop()  # itself, last: it is made from the fields that follow the order
        marker = _Flattened({id(n): n for n in order if n.children})
        return (_rebuild_last, (order, marker, *fields), state)

    def __copy__(self) -> Value:
        """A new node with the same fields, sharing the children (``copy.copy``)."""
        copy = _rebuild(type(self), self.data, self.grad, self.label, self.op, self.children,
                        self.local_grads)  # fmt: skip
        if getattr(self, "__dict__", None):
            copy.__dict__.update(self.__dict__)
        return copy

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph, made iteratively (children first): any depth works."""
        stack = [self]
        while stack:
            node = stack[-1]
            if id(node) in memo:
                stack.pop()
                continue
            missing = [c for c in node.children if id(c) not in memo]
            if missing:  # copied first; then this node is on top again
                stack.extend(missing)
                continue
            stack.pop()
            children = tuple(memo[id(c)] for c in node.children)
            copy = _rebuild(type(node), node.data, node.grad, node.label, node.op, children,
                            node.local_grads)  # fmt: skip
            if getattr(node, "__dict__", None):  # a subclass's own attributes
                copy.__dict__.update(deepcopy(node.__dict__, memo))
            memo[id(node)] = copy
        return memo[id(self)]

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


class Parameter(Value):
    """A leaf an optimiser moves: a weight or a bias (``nn`` makes its own Parameters).

    Pictures draw it as a parameter, whatever its label.

    >>> Parameter(0.5, "w⁽ᴸ⁾")
    Parameter(label='w⁽ᴸ⁾', data=0.5000, grad=0.0000)
    """

    __slots__ = ()


_pickling = threading.local()  # per thread: the graph being pickled (see _pending_nodes)


def _pending_nodes() -> dict[int, Value]:
    """The interior nodes (by id) of the graph whose pickling is under way in this thread:
    each comes after its children, so it pickles as itself alone. The pickling is under way
    while its :class:`_Flattened` marker lives: the pickler holds it until it ends, whether
    it ends well or not, so nothing of a failed pickling is taken for part of the next one."""
    marker = getattr(_pickling, "marker", None)
    return _pickling.pending if marker is not None and marker() is not None else {}


class _Flattened:
    """Stands after a flattened graph's nodes in a pickle: by then each one is pickled (or
    was already, earlier in the same pickle), so none is pending any more."""

    __slots__ = ("__weakref__",)

    def __init__(self, pending: dict[int, Value]) -> None:
        _pickling.pending, _pickling.marker = pending, weakref.ref(self)

    def __reduce__(self) -> tuple:
        _pickling.pending = {}
        return (tuple, ())


def _rebuild(
    cls: type, data: float, grad: float, label: str, op: str, children: tuple, local_grads: tuple
) -> Value:
    """A node from its fields (unpickling, copying): no checks, they held when it was made."""
    node = object.__new__(cls)
    node.data, node.grad, node.label, node.op = data, grad, label, op
    node.children, node.local_grads = children, local_grads
    return node


def _rebuild_last(order: list, done: object, *fields: Any) -> Value:
    """The root of a flattened graph; ``order``, its other nodes, are already rebuilt."""
    return _rebuild(*fields)


def apply(op: Op, *children: Value) -> Value:
    """The node that operation ``op`` (a tag of the table: ``MUL.tag``, ``POWER.at(2.0)``)
    makes from ``children``: its value and local grads by the op's float rule.

    >>> from micrograd_cbook.ops import MUL
    >>> apply(MUL.tag, Value(2.0), Value(3.0))
    Value(data=6.0000, grad=0.0000, op='*')
    """
    out, local_grads = op.operation.rule(*[c.data for c in children], *op.params)
    return _node(out, children, local_grads, op)


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
    op = (WEIGHTED_SUM if b is None else WEIGHTED_SUM_BIAS).at(len(ws))
    return apply(op, *ws, *xs, *(() if b is None else (b,)))


def sum_values(values: Iterable[Value | float]) -> Value:
    """Σ vᵢ as one node (each local derivative 1); a number becomes a Constant.

    >>> sum_values([Value(1.0), 2, Value(3.5)]).data
    6.5
    """
    vs = _values(values, "a sum's item")
    if not vs:
        raise ValueError("sum_values needs at least one value")
    return apply(SUM.tag, *vs)


def _values(items: Iterable, what: str) -> tuple[Value, ...]:
    """The items as Values, numbers made Constants; TypeError names one that is neither."""
    items = tuple(items)
    if set(map(type, items)) <= _VALUE_TYPES:  # the common case, checked in C
        return items
    return tuple(v if isinstance(v, Value) else _lift(v) or real(v, what) for v in items)


_VALUE_TYPES = {Value, Constant, Parameter}
