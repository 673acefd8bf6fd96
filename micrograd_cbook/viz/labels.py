"""The text in a picture: labels, small formulas for unlabelled values, escaping for Graphviz.

>>> from micrograd_cbook import Value
>>> y, a = Value(1.0, "y"), Value(0.5, "a")
>>> node_name((y - a) ** 2), op_text(a.sigmoid())
('(y − a)²', 'σ(a)')
"""

from __future__ import annotations

import html
import unicodedata

from ..engine import Value
from ..names import formula, node_name, operation_named, power_text, shorten
from .palette import INK


def op_text(node: Value) -> str:
    """The operation in a value's box: a small formula of its inputs when it is unlabelled,
    else the operation's symbol from the table.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.5, "a")
    >>> op_text(y - a), op_text((y - a) ** 2), op_text(a.sigmoid())
    ('y − a', '(…)²', 'σ(a)')
    """
    if not node.label:
        text = formula(node, 1)
        if text is not None and len(text) <= 14:
            return text
    exponent = power_text(node)
    if exponent is not None:
        return "(…)" + exponent
    operation = operation_named(node)
    return operation.symbol if operation is not None else node.op


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


__all__ = ["escape", "grad_html", "node_name", "op_text", "shorten", "stroke", "swatch"]
