"""How a value is named wherever it is shown: its label, or a small formula of its inputs.

One way for every place that names a node (pictures, captions, ``explain``, the stepper's
table): the label; a constant's number; an unlabelled value as a formula of its inputs'
names, written with its operation's symbol from the table (``(y − a)²``, ``σ(z)``), up to two
levels deep; past that, its operation's word and its place in the graph (``mul#3``).

>>> from micrograd_cbook import Value
>>> y, a = Value(1.0, "y"), Value(0.5, "a")
>>> node_name((y - a) ** 2), node_name(2 * a), node_name(a.sigmoid()), node_name(Value(3.0))
('(y − a)²', '2 × a', 'σ(a)', 'an unlabelled leaf')
"""

from __future__ import annotations

from .engine import Constant, Value
from .ops import OPERATIONS, POWER, Operation, operation_of

__all__ = [
    "MAX_LABEL",
    "atomic",
    "formula",
    "node_name",
    "operation_named",
    "power_text",
    "shorten",
]

MAX_LABEL = 40  # characters of a label shown before it is cut with "…"
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def shorten(text: str) -> str:
    """A label cut to MAX_LABEL characters, with "…" where it was cut."""
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def operation_named(node: Value) -> Operation | None:
    """The table's entry for a node: the engine's own op, or one made by hand under the name
    of a table operation (as copies of a graph are): for showing it, never for computing."""
    return operation_of(node) or OPERATIONS.get(node.op)


def power_text(node: Value) -> str | None:
    """The exponent of ``x ** p`` as a superscript (², ⁻¹, ^0.5), or None for other nodes."""
    if operation_of(node) is not POWER:
        return None
    (p,) = node.op.params
    if p.is_integer() and abs(p) < 1e6:
        return str(int(p)).translate(_SUPERSCRIPTS)
    return f"^{p:g}"


def atomic(node: Value) -> bool:
    """Whether a formula shows the node without parentheses: a label or a leaf."""
    return bool(node.label) or not node.children


def formula(node: Value, depth: int) -> str | None:
    """``node`` written as a formula of its inputs' names, or None when that gets too deep."""
    if node.label:
        return shorten(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    operation = operation_named(node)
    if not node.op or depth == 0 or operation is None or operation.arity is None:
        return None
    parts = [formula(c, depth - 1) for c in node.children]
    if any(p is None for p in parts) or len(parts) != operation.arity:
        return None
    exponent = power_text(node)
    if exponent is not None:
        return (parts[0] if atomic(node.children[0]) else f"({parts[0]})") + exponent
    if "({0})" in operation.show or "|{0}|" in operation.show:  # σ(z), |x|: no more brackets
        return operation.show.format(*parts)
    wrapped = [p if atomic(c) else f"({p})" for p, c in zip(parts, node.children)]
    return operation.show.format(*wrapped)


def node_name(node: Value, position: int | None = None, depth: int = 2) -> str:
    """A short readable name: the label, a constant's number, or a small formula; past that,
    the operation's word and ``position`` (its place in the graph) when given."""
    if node.label:
        return shorten(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if not node.op:
        return "an unlabelled leaf" if position is None else f"leaf#{position}"
    text = formula(node, depth)
    if text is not None and len(text) <= MAX_LABEL:
        return text
    operation = operation_named(node)
    word = operation.word if operation is not None else node.op
    return f"the {node.op} node" if position is None else f"{word}#{position}"
