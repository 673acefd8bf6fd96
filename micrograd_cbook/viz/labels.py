"""The text in a picture: labels, small formulas for unlabelled values, escaping for Graphviz.

>>> from micrograd_cbook import Value
>>> y, a = Value(1.0, "y"), Value(0.5, "a")
>>> node_name((y - a) ** 2), op_text(a.sigmoid())
('(y − a)²', 'sigmoid(a)')
"""

from __future__ import annotations

import html
import unicodedata

from ..engine import Constant, Value
from .palette import INK, OP_SYMBOLS

MAX_LABEL = 40  # characters of a label shown before it is cut with "…"


def op_text(node: Value) -> str:
    """The operation in a value's box: a small formula of its inputs when it is unlabelled.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.5, "a")
    >>> op_text(y - a), op_text((y - a) ** 2), op_text(a.sigmoid())
    ('y − a', '(…)²', 'sigmoid(a)')
    """
    if not node.label:
        text = formula(node, 1)
        if text is not None and len(text) <= 14:
            return text
    if node.op in POWERS:
        return "(…)" + POWERS[node.op]
    return OP_SYMBOLS.get(node.op, node.op)


def grad_html(text: str, look: dict) -> str:
    body = escape(text)
    if look["grad_style"] == "italic":
        body = f"<I>{body}</I>"
    if look["grad_fill"] != INK:
        body = f'<FONT COLOR="{look["grad_fill"]}">{body}</FONT>'
    return body


def swatch(fill: str, border: str = INK) -> str:
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" COLOR="{border}">'
        f'<TR><TD BGCOLOR="{fill}" WIDTH="14" HEIGHT="9"></TD></TR></TABLE>'
    )


def stroke(color: str) -> str:
    return f'<FONT COLOR="{color}"><B>━━</B></FONT>'


def shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


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


POWERS = {"**2": "²", "**3": "³", "**-1": "⁻¹"}


def node_name(node: Value, depth: int = 2) -> str:
    """A short readable name for captions: the label, a constant's number, or a small formula.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.5, "a")
    >>> node_name((y - a) ** 2), node_name(2 * a), node_name(Value(3.0))
    ('(y − a)²', '2 × a', 'an unlabelled leaf')
    """
    if node.label:
        return shorten(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if not node.op:
        return "an unlabelled leaf"
    text = formula(node, depth)
    return text if text is not None and len(text) <= MAX_LABEL else f"the {node.op} node"


def formula(node: Value, depth: int) -> str | None:
    """``node`` written as a formula of its inputs' names, or None when that gets too deep."""
    if node.label:
        return shorten(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if not node.op or depth == 0:
        return None
    parts = [formula(c, depth - 1) for c in node.children]
    if any(p is None for p in parts):
        return None
    wrapped = [p if atomic(c) else f"({p})" for p, c in zip(parts, node.children)]
    if node.op in ("+", "-", "*", "/") and len(parts) == 2:
        return f" {OP_SYMBOLS.get(node.op, node.op)} ".join(wrapped)
    if node.op in POWERS and len(parts) == 1:
        return wrapped[0] + POWERS[node.op]
    if len(parts) == 1 and node.op.isidentifier():
        return f"{node.op}({parts[0]})"
    return None


def atomic(node: Value) -> bool:
    return bool(node.label) or not node.children
