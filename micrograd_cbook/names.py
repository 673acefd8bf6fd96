"""How a value is named wherever it is shown: its label, or a small formula of its inputs.

One way for every place that names a node (pictures, captions, ``explain``, the stepper's
table): the label; a constant's number; an unlabelled value as a formula of its inputs'
names, written with its operation's ``show`` from the table (``(y − a)²``, ``σ(z)``,
``w·x + b``), up to two levels deep; past that, its operation's word and its place in the
graph (``mul#3``).

>>> from micrograd_cbook import Value
>>> y, a = Value(1.0, "y"), Value(0.5, "a")
>>> node_name((y - a) ** 2), node_name(2 * a), node_name(a.sigmoid()), node_name(Value(3.0))
('(y − a)²', '2·a', 'σ(a)', 'an unlabelled leaf')

The chapter's notation. Plain-text places (reprs, the command line, model files, ``explain``)
keep ASCII labels; pictures and their captions write them as the chapter does, by one map:

====================  ===================  ==================================
ASCII label           the chapter          what it is
====================  ===================  ==================================
``a2[0]``             a⁽²⁾₀                unit 0's activation in layer 2
``z1[3]``             z⁽¹⁾₃                its weighted sum
``w2[0,3]``           w⁽²⁾₀,₃              the weight from input 3 to unit 0
``b1[2]``             b⁽¹⁾₂                a bias
``x[k]``              xₖ                   the input, the chapter's a⁽⁰⁾ₖ
``y[j]``              yⱼ                   a target
``C``                 C₀                   the cost of the one example drawn
====================  ===================  ==================================

Any other label is shown as it is (``w⁽ᴸ⁾`` typed by a user stays ``w⁽ᴸ⁾``).
:func:`chapter_text` writes the chapter's form with Unicode's superscript and subscript
characters, in pictures, captions and pages alike. (Graphviz 2.43's ``<SUP>``/``<SUB>`` draw
each piece as a text of its own, placed by Graphviz's font metrics: in a browser the pieces
drift apart. One text per label stays whole, and a frame can change it at once.)

>>> chapter_text("w2[0,3]"), chapter_text("x[1]"), chapter_text("C"), chapter_text("loss")
('w⁽²⁾₀,₃', 'x₁', 'C₀', 'loss')
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .engine import Constant, Value
from .ops import ADD, DIV, MUL, NEG, OPERATIONS, POWER, SUB, SUM, Operation, operation_of

__all__ = [
    "MAX_LABEL",
    "Chapter",
    "after_partial",
    "atomic",
    "chapter",
    "chapter_text",
    "formula",
    "node_name",
    "operation_named",
    "power_text",
    "shorten",
]

MAX_LABEL = 40  # characters of a label shown before it is cut with "…"
_SUPERSCRIPTS = str.maketrans("0123456789-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
# How tightly a formula's operator binds: a child that binds less gets parentheses
# (w·x + b, (y − a)², a − (b − c)); operations written as functions, σ(z), need none.
_BINDS = {ADD: 1, SUB: 1, SUM: 1, MUL: 2, DIV: 2, NEG: 3, POWER: 4}
_LAYERED = re.compile(r"([A-Za-z]+)(\d+)\[(\d+(?:,\s*\d+)*)\]")  # w2[0,3], a1[2]
_INDEXED = re.compile(r"([A-Za-z]+)\[(\d+(?:,\s*\d+)*)\]")  # x[0], y[1]


@dataclass(frozen=True)
class Chapter:
    """A label in the chapter's notation: its letter, its layer (a superscript), its unit
    (a subscript); ``layer`` or ``unit`` is "" when the notation has none."""

    letter: str
    layer: str = ""
    unit: str = ""

    def text(self) -> str:
        layer = f"({self.layer})".translate(_SUPERSCRIPTS) if self.layer else ""
        unit = ",".join(u.translate(_SUBSCRIPTS) for u in self.unit.split(",")) if self.unit else ""
        return self.letter + layer + unit


def chapter(label: str) -> Chapter | None:
    """The chapter's notation for an ASCII label of the map above, or None for any other."""
    if label == "C":
        return Chapter("C", unit="0")
    m = _LAYERED.fullmatch(label)
    if m:
        return Chapter(m[1], m[2], re.sub(r"\s", "", m[3]))
    m = _INDEXED.fullmatch(label)
    if m:
        return Chapter(m[1], unit=re.sub(r"\s", "", m[2]))
    return None


def chapter_text(label: str) -> str:
    """A label in the chapter's notation, in Unicode (``a2[0]`` → ``a⁽²⁾₀``); others as they are."""
    notation = chapter(label)
    return notation.text() if notation is not None else shorten(label)


def escape(text: str) -> str:
    r"""Make any text safe inside a Graphviz HTML-like label (and so in the SVG).

    ``& < > " ]`` become entities; a backslash is doubled (Graphviz reads ``\N``, ``\G``, ...
    even in HTML labels); a newline becomes a line break; characters XML cannot hold become �.

    >>> escape('a<b> & "c"\\N\n{d}')
    'a&lt;b&gt; &amp; &quot;c&quot;\\\\N<BR/>{d}'
    """
    out = []
    for ch in text:
        if ch == "\n":
            out.append("<BR/>")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append(" ")
        elif ch in "&<>\"'":
            out.append(html.escape(ch))
        elif ch == "]":  # Graphviz's HTML-label parser rejects a bare "]" (label "]" or "]]")
            out.append("&#93;")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


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


def _binds(node: Value) -> int:
    """How tightly ``node`` binds in a formula (9: a name, a number or a function call)."""
    if atomic(node):
        return 9
    operation = operation_named(node)
    if operation is SUM and len(node.children) == 1:  # a sum of one term binds as the term
        return _binds(node.children[0])
    return _BINDS.get(operation, 9) if operation is not None else 9


def formula(
    node: Value,
    depth: int,
    name: Callable[[Value], str | None] | None = None,
    visible: Callable[[Value], bool] | None = None,
) -> str | None:
    """``node`` written as a formula of its inputs' names, or None when that gets too deep.

    ``name`` writes an input by name (its label, cut to MAX_LABEL, by default; None when it
    has none); ``visible`` marks the inputs always written by ``name``, never opened up (a
    picture's boxes); ``node`` itself is always opened. Parentheses only where an input binds
    less than its operation (``w·x + b``, ``(y − a)²``).

    >>> from micrograd_cbook import Value
    >>> w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
    >>> formula(w * x + b, 2), formula((w - x) * b, 2), formula(w - (x - b), 2)
    ('w·x + b', '(w − x)·b', 'w − (x − b)')
    """
    if name is None:
        name = _label_name
    return _formula(node, depth, name, visible, top=True)


def _label_name(node: Value) -> str | None:
    return shorten(node.label) if node.label else None


def _formula(
    node: Value,
    depth: int,
    name: Callable[[Value], str | None],
    visible: Callable[[Value], bool] | None,
    top: bool = False,
) -> str | None:
    if not top and (node.label or (visible is not None and visible(node))):
        return name(node)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if node.label and not node.children:
        return name(node)
    operation = operation_named(node)
    if not node.op or depth == 0 or operation is None:
        return None
    if operation.arity is None and operation is not SUM:  # Σ w·x: no formula of its own
        return None
    parts = [_formula(c, depth - 1, name, visible) for c in node.children]
    if any(p is None for p in parts) or (operation.arity and len(parts) != operation.arity):
        return None
    if operation is SUM:  # Σ of its terms, written out: the terms bind as a sum's
        return " + ".join(parts) if parts else "0"
    mine = _BINDS.get(operation, 9)
    wrapped = []
    for k, (p, c) in enumerate(zip(parts, node.children)):
        theirs = _binds(c)
        # the right side of − and ÷ needs parentheses at equal binding too: a − (b − c)
        tight = theirs < mine or (theirs == mine and k == 1 and operation in (SUB, DIV))
        wrapped.append(f"({p})" if tight and mine != 9 else p)
    exponent = power_text(node)
    if exponent is not None:
        return wrapped[0] + exponent
    return operation.show.format(*wrapped)


def node_name(
    node: Value,
    position: int | None = None,
    depth: int = 2,
    label: Callable[[str], str] = shorten,
) -> str:
    """A short readable name: the label, a constant's number, or a small formula; past that,
    the operation's word and ``position`` (its place in the graph) when given.

    ``label`` writes a label: as it is (cut to MAX_LABEL) by default, :func:`chapter_text`
    in pictures and their captions.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.5, "a2[0]")
    >>> node_name((y - a) ** 2), node_name((y - a) ** 2, label=chapter_text)
    ('(y − a2[0])²', '(y − a⁽²⁾₀)²')
    """
    if node.label:
        return label(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if not node.op:
        return "an unlabelled leaf" if position is None else f"leaf#{position}"
    text = formula(node, depth, lambda n: label(n.label) if n.label else None)
    if text is not None and len(text) <= MAX_LABEL:
        return text
    operation = operation_named(node)
    word = operation.word if operation is not None else node.op
    return f"the {node.op} node" if position is None else f"{word}#{position}"


def after_partial(name: str) -> str:
    """A name as it follows ∂: in parentheses where it is a sum, difference or product at
    its top level (``∂(1 − a)/∂a``, ``∂(w·x)/∂w``), else as it is (``∂(1 − a)²``, ``∂z``).

    >>> after_partial("1 − a"), after_partial("w·x"), after_partial("(1 − a)²"), after_partial("z")
    ('(1 − a)', '(w·x)', '(1 − a)²', 'z')
    """
    depth, top = 0, False
    for ch in name:
        depth += (ch == "(") - (ch == ")")
        top = top or (ch in " ·×÷" and depth == 0)
    return f"({name})" if top else name
