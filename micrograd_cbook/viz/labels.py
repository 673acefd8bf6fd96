"""The text in a picture: names in the chapter's notation, box headers, edge factors, legends.

Every name goes through :mod:`micrograd_cbook.names` (the one map from ASCII labels to the
chapter's notation: ``a2[0]`` → a⁽²⁾₀); every operation's formula through the table's
``show`` text.

>>> from micrograd_cbook import Value
>>> y, a = Value(1.0, "y"), Value(0.5, "a2[0]")
>>> picture_name((y - a) ** 2), edge_text(a, y, "0.5000")
('(y − a⁽²⁾₀)²', '∂a⁽²⁾₀/∂y = 0.5000')
"""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Constant, Value
from ..names import (
    chapter_text,
    escape,
    formula,
    node_name,
    operation_named,
    power_text,
    shorten,
)
from .palette import INK, OP_TEXT

__all__ = [
    "d_name",
    "edge_text",
    "escape",
    "header_html",
    "legend_html",
    "node_name",
    "op_symbol",
    "operation_text",
    "picture_html",
    "picture_name",
    "shorten",
    "stroke",
    "swatch",
    "value_html",
]

MAX_HEADER = 18  # characters of a box's formula before it is shortened to its operation


def picture_name(node: Value) -> str:
    """A node's name as pictures and their captions write it: the chapter's notation."""
    return node_name(node, label=chapter_text)


def picture_html(node: Value) -> str:
    """:func:`picture_name` escaped for a Graphviz HTML label."""
    return escape(picture_name(node))


def header_html(node: Value, visible: Callable[[Value], bool] | None, has_inputs: bool) -> str:
    """A box's first row: its name in bold and, for a value made by an operation, the formula
    that made it from the boxes below (``a = σ(z)``, ``z = w·x + b``, ``C₀ = ½·(y − a)²``).

    ``visible`` tells which nodes have boxes of their own (None: every node, the unfolded
    picture); a formula longer than :data:`MAX_HEADER` shows the operation alone (``σ(…)``).
    """
    if not has_inputs:
        return f"<B>{picture_html(node)}</B>" if node.label else picture_html(node)
    text = _formula_html(node, visible)
    if not node.label:
        return text
    # a no-break space: a text's leading space is dropped in a browser's SVG
    return f'<B>{picture_html(node)}</B><FONT COLOR="{OP_TEXT}">&#160;= {text}</FONT>'


def _formula_html(node: Value, visible: Callable[[Value], bool] | None) -> str:
    def text_name(n: Value) -> str | None:
        if n.label:
            return chapter_text(n.label)
        return picture_name(n) if n.children else None  # an unlabelled box: its formula

    for depth in (3, 2, 1):
        text = formula(node, depth, text_name, visible)
        if text is not None and len(text) <= MAX_HEADER:
            return escape(text)
    return escape(operation_text(node))


def op_symbol(node: Value) -> str:
    """An operation's symbol from the table (``σ``, ``×``, ``²``): micrograd's op nodes."""
    exponent = power_text(node)
    if exponent is not None:
        return exponent
    operation = operation_named(node)
    return operation.symbol if operation is not None else node.op


def operation_text(node: Value) -> str:
    """The operation alone: its show text with … for inputs (``σ(…)``, ``(…)²``, ``Σ w·x``)."""
    exponent = power_text(node)
    if exponent is not None:
        return "(…)" + exponent
    operation = operation_named(node)
    if operation is None:
        return node.op
    if operation.arity is None:
        return operation.show
    parts = [
        f"{c.data:g}".replace("-", "−") if isinstance(c, Constant) else "…" for c in node.children
    ]
    return operation.show.format(*parts, p="…")


def value_html(header: str, data_text: str, grad: str | None, style: str) -> str:
    """A value's box: header, data and grad (``grad`` None: a constant, which has none).

    ``style="compact"`` stacks them in three rows; ``"micrograd"`` puts them in one row.
    """
    cells = [header] if header else []
    cells.append(data_text)
    if grad is not None:
        cells.append(grad)
    if style == "micrograd":
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>'
            + '<TD WIDTH="6"></TD>'.join(f'<TD ALIGN="LEFT">{c}</TD>' for c in cells)
            + "</TR></TABLE>>"
        )
    rows = [f"<TR><TD>{header}</TD></TR>"] if header else []
    rows += [f'<TR><TD ALIGN="LEFT">{c}</TD></TR>' for c in cells[len(rows) :]]
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>>"
    )


def edge_text(upper: Value, lower: Value, number_text: str, named: bool = True) -> str:
    """An edge's label: its chain-rule factor by name and number, ``∂a/∂z = 0.2098``.

    ``named=False`` writes the number alone (a crowded picture; the legend says what it is).
    One text in the SVG, so a frame changes it whole.
    """
    if not named:
        return number_text
    return f"∂{d_name(upper)}/∂{d_name(lower)} = {number_text}"


def d_name(node: Value) -> str:
    """A name as it follows ∂: in parentheses when it is a formula with spaces."""
    name = picture_name(node)
    return f"({name})" if " " in name else name


def swatch(fill: str, border: str = INK, style: str = "") -> str:
    """A small box in the legend, filled and bordered as the boxes it stands for."""
    shape = f' STYLE="{style}"' if style else ""
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" COLOR="{border}"{shape} '
        'FIXEDSIZE="TRUE" WIDTH="18" HEIGHT="11">'
        f'<TR><TD BGCOLOR="{fill}" WIDTH="14" HEIGHT="9"></TD></TR></TABLE>'
    )


def stroke(color: str) -> str:
    return f'<FONT COLOR="{color}"><B>━━</B></FONT>'


def legend_html(entries: list[tuple[str, str]], per_row: int, notes: list[str]) -> str:
    """The legend: (mark, text) entries ``per_row`` a row, then lines of notes under them."""
    rows = []
    for start in range(0, len(entries), per_row):
        cells = "".join(
            f'<TD ALIGN="RIGHT">{mark}</TD><TD ALIGN="LEFT">{text}</TD>'
            for mark, text in entries[start : start + per_row]
        )
        rows.append(f"<TR>{cells}</TR>")
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
    parts = [table + "".join(rows) + "</TABLE>"] if rows else []
    if notes:
        lines = "".join(f'<TR><TD ALIGN="LEFT">{note}</TD></TR>' for note in notes)
        parts.append(table + lines + "</TABLE>")
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
        + "".join(f'<TR><TD ALIGN="LEFT">{p}</TD></TR>' for p in parts)
        + "</TABLE>>"
    )
