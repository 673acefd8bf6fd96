r"""Gradients of gradients: the backward pass as a graph of its own.

``backward()`` fills ``.grad`` with floats, so a gradient cannot be differentiated again.
:func:`grad` runs the same chain rule, ``∂C/∂child += ∂node/∂child · ∂C/∂node``, over the
same nodes in the same order, but with Values: each local derivative ∂node/∂child is built
from the engine's own operations by its entry in the table of operations (``grad_graph`` in
:mod:`micrograd_cbook.ops`: σ's is ``out * (1.0 - out)``, the chapter's σ(z)(1 − σ(z))). So
``grad(C, [w], create_graph=True)`` gives ∂C/∂w as a Value whose graph can be drawn,
compiled, backpropagated, or passed to :func:`grad` again, to any order; as PyTorch's
``torch.autograd.grad(..., create_graph=True)`` does.

>>> from micrograd_cbook import Value, grad
>>> x = Value(3.0, "x")
>>> y = x ** 3; y.label = "y"
>>> (dy,) = grad(y, [x], create_graph=True)
>>> dy.label, dy.data            # 3x²
('∂y/∂x', 27.0)
>>> (d2y,) = grad(dy, [x], create_graph=True)
>>> d2y.label, d2y.data          # 6x
('∂²y/∂x²', 18.0)
>>> grad(d2y, [x])               # 6, as floats (no create_graph)
(6.0,)

Without ``create_graph`` it returns floats, bit for bit what ``backward()`` puts in ``.grad``
(the same products, added in the same order). Either way every ``.grad`` is left as it was:
:func:`grad` keeps its sums in a table of its own, never on the nodes.

What the derivative graph holds: the gradient of each labelled node is labelled ∂C/∂z (and
∂²C/∂v∂w one order up), so pictures and ``explain`` read like the chapter; a gradient that
is a node of the graph itself (∂(x·y)/∂x is y) is that node, never a copy. A slope that does
not change is a number (a :class:`~micrograd_cbook.engine.Constant`): 1 for a sum. The
slopes of ``relu`` and ``abs`` are values of their own, H(x) and sgn(x) (the table's
``heaviside`` and ``sign``, whose own derivatives are 0 wherever they exist, as in PyTorch),
so a derivative graph, compiled too, follows its inputs across each kink. A node made by
hand (``Value(data, children=..., local_grads=...)``) has numbers for local grads: they are
leaves of the derivative graph (a warning says so), so derivatives of the gradient miss how
they would change. σ's and
tanh's slopes are σ(1 − σ) and 1 − tanh², PyTorch's formulas, which lose digits where
|z| > 18 or so (``backward()``'s floats keep them).

:func:`hessian` and :func:`hvp` build on it, for small graphs: every second derivative, and
the Hessian times a vector (two passes, whatever the number of parameters).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from functools import reduce
from numbers import Real
from operator import add

from .engine import Constant, Value, sum_values, weighted_sum
from .names import after_partial, node_name
from .ops import operation_of
from .passes import topological_order
from .reals import real

__all__ = ["derivative_label", "grad", "hessian", "hvp", "local_grad_values"]

Slope = Value | float  # a local derivative in the derivative graph: a node, or a number

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_DERIVATIVE = re.compile(r"∂([⁰¹²³⁴⁵⁶⁷⁸⁹]*)([^∂/]+)/((?:∂[^∂/]+)+)")
_POWER = re.compile(r"(.*?)([⁰¹²³⁴⁵⁶⁷⁸⁹]*)")


def grad(
    root: Value, wrt: Value | Iterable[Value], create_graph: bool = False
) -> tuple[Value | float, ...]:
    """∂root/∂v for each v of ``wrt``: floats, or Values that can be differentiated again.

    Like ``torch.autograd.grad``. Without ``create_graph``: floats equal to what
    ``root.backward()`` puts in each ``v.grad`` (from zero), bit for bit. With it: Values,
    each a graph of the engine's operations (see the module). A ``v`` the root does not
    depend on gets 0. No ``.grad`` of any node changes.

    >>> from micrograd_cbook import Value
    >>> w, x = Value(0.5, "w"), Value(1.5, "x")
    >>> a = (w * x).sigmoid(); a.label = "a"
    >>> [round(g, 4) for g in grad(a, [w, x])]   # ∂a/∂w = x·σ'(z), ∂a/∂x = w·σ'(z)
    [0.3268, 0.1089]
    >>> w.grad, x.grad                   # untouched
    (0.0, 0.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"grad needs a Value as its root, got {type(root).__name__}: {root!r}")
    wrt = (wrt,) if isinstance(wrt, Value) else tuple(wrt)
    for i, v in enumerate(wrt):
        if not isinstance(v, Value):
            raise TypeError(
                f"grad: wrt must be Values (a list of them), got {type(v).__name__} "
                f"at position {i}: {v!r}"
            )
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad: create_graph must be True or False, got {create_graph!r}")
    order = topological_order(root)  # every node, each after its children; leaves too
    if not create_graph:
        grads = _float_grads(root, order)
        return tuple(grads.get(v, 0.0) for v in wrt)
    grads = _graph_grads(root, order, wrt)
    return tuple(_as_value(grads.get(v, 0.0)) for v in wrt)


def _float_grads(root: Value, order: list[Value]) -> dict[Value, float]:
    """backward()'s loop with the sums kept in a table: the same floats, nothing on the nodes."""
    grads = {root: 1.0}  # the seed ∂C/∂C = 1; every other sum starts at 0.0, as backward()'s
    get = grads.get
    for node in reversed(order):  # root first: a node's sum is final when it is reached
        if node.children:
            g = grads[node]
            for child, local_grad in zip(node.children, node.local_grads):
                grads[child] = get(child, 0.0) + local_grad * g
    return grads


def _graph_grads(root: Value, order: list[Value], wrt: Sequence[Value]) -> dict[Value, Slope]:
    """The same loop over Values: each product and sum a node of the derivative graph.

    A node's products ``slope · g`` wait until its sum is final (every node that uses it came
    before), then become one node: a weighted sum Σ slope·g (the floats of the chain of ``*``
    and ``+`` it replaces), or a sum, or one product. A sum that is a number (the seed, slopes
    that are numbers) stays a number, so no node multiplies by 1. Each final sum of a labelled
    node, or of one of ``wrt``, is labelled ∂C/∂z when it is a node this call made.
    """
    graph = set(order)  # the nodes of root's graph: never relabelled
    root_name = _name(root)
    wanted = set(wrt)
    products: dict[Value, list[tuple[Slope, Slope]]] = {root: [(1.0, 1.0)]}  # the seed
    grads: dict[Value, Slope] = {}
    by_hand: set[str] = set()
    for node in reversed(order):  # root first: every node here reaches root
        g = grads[node] = _total(products.pop(node))
        if node.children:
            if operation_of(node) is None:
                by_hand.add(node.op)
            for child, slope in zip(node.children, local_grad_values(node)):
                products.setdefault(child, []).append((slope, g))
        if root_name and (node.label or node in wanted):
            name = _name(node)
            if isinstance(g, Value) and not g.label and g not in graph and name:
                g.label = derivative_label(root_name, name)
    if by_hand:
        warnings.warn(
            f"grad(create_graph=True): the graph has nodes made by hand (op "
            f"{', '.join(sorted(map(repr, by_hand)))}); their local grads are numbers, so "
            "they are leaves of the derivative graph and derivatives of this gradient miss "
            "how they change. Build those nodes with the engine's operations (or add the "
            "operation to the table, micrograd_cbook/ops.py, with its grad_graph)",
            stacklevel=3,
        )
    return grads


def _total(products: list[tuple[Slope, Slope]]) -> Slope:
    """Σ slope·g over a node's products, added in backward()'s order, in as few nodes as that
    takes: one weighted sum where every factor is a Value."""
    if len(products) == 1:
        return _times(*products[0])
    if all(isinstance(s, Value) and isinstance(g, Value) for s, g in products):
        return weighted_sum([s for s, _ in products], [g for _, g in products])
    terms = [_times(s, g) for s, g in products]
    if all(type(t) is float for t in terms):
        return reduce(add, terms)
    return sum_values(terms)


def _times(slope: Slope, g: Slope) -> Slope:
    """slope · g as backward() multiplies them, with no node for a factor that is ±1."""
    if type(g) is float and (g == 1.0 or g == -1.0):
        return slope if g == 1.0 else -slope
    if type(slope) is float and (slope == 1.0 or slope == -1.0):
        return g if slope == 1.0 else -g
    return slope * g


def _as_value(g: Slope) -> Value:
    return g if isinstance(g, Value) else Constant(g)


def local_grad_values(node: Value) -> tuple[Slope, ...]:
    """∂node/∂child for each child, as Values of the engine's operations (numbers where a
    slope does not change), by the ``grad_graph`` of the node's operation in the table.

    A node made by hand gives its recorded local grads, numbers. An operation of the table
    without a ``grad_graph`` raises NotImplementedError naming it.

    >>> from micrograd_cbook import Value
    >>> z = Value(0.0, "z"); a = z.sigmoid(); a.label = "a"
    >>> (slope,) = local_grad_values(a)
    >>> slope.data, slope.op                 # σ(z)(1 − σ(z)) = a·(1 − a)
    (0.25, '*')
    """
    operation = operation_of(node)
    if operation is None:
        return node.local_grads
    if operation.graph_rule is None:
        raise NotImplementedError(
            f"grad(create_graph=True): the operation {operation.name!r} has no grad_graph "
            "in the table of operations (micrograd_cbook/ops.py), so its derivative cannot "
            "be differentiated again: add its slopes there as expressions over its inputs "
            "and out, or use create_graph=False for first derivatives (floats)"
        )
    return operation.graph_rule(node.children, node.op.params, node, node.local_grads)


# ----------------------------------------------------------------------- names


def _name(node: Value) -> str:
    """The node's name for a derivative's label: its label, or a short formula ("" if none)."""
    if node.label:
        return node.label
    text = node_name(node)
    return "" if text.startswith(("the ", "an unlabelled")) else text


def derivative_label(of: str, wrt: str) -> str:
    """The name of ∂(of)/∂(wrt), the orders counted: ∂C/∂w, then ∂²C/∂v∂w, ∂³C/∂w³.

    >>> derivative_label("C", "w"), derivative_label("∂C/∂w", "w")
    ('∂C/∂w', '∂²C/∂w²')
    >>> derivative_label("∂²C/∂w²", "b"), derivative_label("1 − a", "a")
    ('∂³C/∂b∂w²', '∂(1 − a)/∂a')
    """
    v = after_partial(wrt)
    match = _DERIVATIVE.fullmatch(of)
    if match is None or "∂" in v or "/" in v:
        return f"∂{after_partial(of)}/∂{v}"
    order = int(match[1].translate(_DIGITS) or 1)
    items = []  # the denominator's variables, each with its power
    for item in match[3].split("∂")[1:]:
        name, power = _POWER.fullmatch(item).groups()
        items.append([name, int(power.translate(_DIGITS) or 1)])
    if sum(p for _, p in items) != order:  # a variable whose name ends in ² (say): as written
        items = [[item, 1] for item in match[3].split("∂")[1:]]
        if len(items) != order:
            return f"∂{after_partial(of)}/∂{v}"
    if items[0][0] == v and not _POWER.fullmatch(v)[2]:  # ∂w∂w is ∂w² (but ∂x²∂x² stays)
        items[0][1] += 1
    else:
        items.insert(0, [v, 1])
    power = str(order + 1).translate(_SUPERSCRIPT)
    below = "".join(f"∂{n}{str(p).translate(_SUPERSCRIPT) if p > 1 else ''}" for n, p in items)
    return f"∂{power}{match[2]}/{below}"


# ----------------------------------------------------------------------- curvature


def hessian(root: Value, params: Sequence[Value]) -> list[list[float]]:
    """Every second derivative ∂²root/∂pᵢ∂pⱼ, as rows of floats (for small graphs).

    One derivative graph of the gradient, then one float pass over it per parameter.

    >>> from micrograd_cbook import Value
    >>> x, y = Value(1.0, "x"), Value(2.0, "y")
    >>> hessian(x * x * y, [x, y])           # x²y: [[2y, 2x], [2x, 0]]
    [[4.0, 2.0], [2.0, 0.0]]
    """
    params = _params(params, "hessian")
    first = grad(root, params, create_graph=True)
    return [list(grad(g, params)) for g in first]


def hvp(root: Value, params: Sequence[Value], vector: Sequence[float]) -> list[float]:
    """The Hessian of ``root`` times ``vector``, H·v = ∂(∇root · v)/∂p, without forming H.

    >>> from micrograd_cbook import Value
    >>> x, y = Value(1.0, "x"), Value(2.0, "y")
    >>> hvp(x * x * y, [x, y], [1.0, 0.0])   # the first column of [[4, 2], [2, 0]]
    [4.0, 2.0]
    """
    params = _params(params, "hvp")
    vector = [real(c, "hvp's vector item") for c in vector]
    if len(vector) != len(params):
        raise ValueError(
            f"hvp: the vector needs one number per parameter, got {len(vector)} for "
            f"{len(params)} parameters"
        )
    if not params:
        return []
    first = grad(root, params, create_graph=True)
    slope = weighted_sum([_as_value(g) for g in first], vector)  # ∇root · v, one node
    return list(grad(slope, params))


def _params(params: Sequence[Value], who: str) -> tuple[Value, ...]:
    if isinstance(params, (Value, Real)):
        raise TypeError(f"{who} needs a list of Values (the parameters), got {params!r}")
    params = tuple(params)
    for v in params:
        if not isinstance(v, Value):
            raise TypeError(f"{who}: parameters must be Values, got {type(v).__name__}: {v!r}")
    return params
