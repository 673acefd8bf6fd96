"""The legend under a picture: what each colour and border means, what an edge's number and a
grad are, and, for one highlighted value, its path's factors multiplied out to its grad.

>>> from micrograd_cbook import Value
>>> from micrograd_cbook.viz.graph import Drawing, OPTIONS
>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> z = w * x; z.label = "z"
>>> a = z.sigmoid(); a.label = "a"; a.backward()
>>> print(path_equation(Drawing(a, **{**OPTIONS, "highlight": w}))[1])
= 1.5000 × 0.2179 = 0.3268, the grad of w
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..names import chapter
from ..notation import factor, number
from .labels import d_name, escape, legend_html, operation_text, picture_html, stroke, swatch
from .palette import CURRENT_EDGE, CURRENT_FILL, EMPTY, FILL, HIGHLIGHT, INK, KIND_NAMES, PARTIAL

if TYPE_CHECKING:
    from .graph import Drawing

__all__ = ["legend", "path_equation"]

BORDERS = {"parameter": "rounded", "constant": "dashed"}  # the swatch's shape, as the boxes'
MAX_EQUATION = 110  # characters of a line of the path's product before it is left out


def legend(drawing: Drawing, steps: bool, equation: bool = True) -> str:
    """The legend's HTML label: a swatch for every kind and border used, then notes."""
    entries = []
    for kind in ("parameter", "input", "constant", "interior", "output"):
        if kind in drawing.kinds:
            entries.append((swatch(FILL[kind], INK, BORDERS.get(kind, "")), KIND_NAMES[kind]))
    root = picture_html(drawing.root)
    if drawing.sources:
        names = ", ".join(picture_html(v) for v in drawing.sources[:3])
        more = ", …" if len(drawing.sources) > 3 else ""
        entries.append((stroke(HIGHLIGHT), f"the paths from {names}{more} to {root}"))
    if steps:
        entries.append((swatch(CURRENT_FILL, CURRENT_EDGE), "being processed"))
        entries.append((stroke(CURRENT_EDGE), "its grad passed on"))
        empty = "—" if drawing.crowded else "grad —"
        entries.append((f'<FONT COLOR="{EMPTY}">{empty}</FONT>', "not reached yet"))
        entries.append((f"<I>{escape(PARTIAL.strip())}</I>", "partial sum"))
    grad = f"∂{root}/∂(the value), filled in by backward()"
    if drawing.crowded:
        notes = [f"in each box: its name, its data (the value) and its grad, {grad}"]
        made = sorted({_made(drawing, n) for n in drawing.order if drawing.inputs(n)} - {""})
        if made:  # the boxes' own headers leave their formulas out: too wide for a network
            notes.append(escape("the boxes: " + "; ".join(made)))
    else:
        notes = [f"data: the value;  grad: {grad}"]
    if drawing.show_local_grads and drawing.n_edges:
        if drawing.crowded:
            notes.append("on an edge: its chain-rule factor ∂upper/∂lower, the number alone")
        else:
            notes.append("on an edge: ∂upper/∂lower, its chain-rule factor")
        if drawing.crowded:
            notes.append(
                "(left out on an edge from a leaf or into a weighted sum z: ∂z/∂w is the "
                "input's data, ∂z/∂a the weight's)"
            )
        if not drawing.unfold:
            notes.append("(a chain of unnamed steps is one edge, their factors multiplied)")
    if equation and drawing.show_local_grads:
        notes += path_equation(drawing)
    per_row = 3 if drawing.rankdir in ("BT", "TB") else 4
    return legend_html(entries, per_row, notes)


def path_equation(drawing: Drawing) -> list[str]:
    """For one highlighted value: ∂root/∂it as its path's factors, multiplied out to its grad.

    Two lines (the symbols, then the numbers) when there is one path; one line naming the
    number of paths when there are several; nothing for several highlighted values.
    """
    if len(drawing.sources) != 1 or drawing.sources[0] is drawing.root:
        return []
    source = drawing.sources[0]
    counts = {source: 1}
    for node in drawing.order:
        if node is not source:
            c = sum(counts.get(child, 0) for child, _ in drawing.inputs(node))
            if c:
                counts[node] = c
    n = counts.get(drawing.root, 0)
    d = escape(f"∂{d_name(drawing.root)}/∂{d_name(source)}")
    grad = f"{number(source.grad)}, the grad of {picture_html(source)}"
    if n != 1:
        return [f"{d} = the sum over its {n} paths of their factors' products = {grad}"]

    path, node = [], drawing.root  # the one path, from the root down
    while node is not source:
        child, f = next((c, f) for c, f in drawing.inputs(node) if c in counts)
        path.append((node, child, f))
        node = child
    symbols = escape(" · ".join(f"∂{d_name(u)}/∂{d_name(v)}" for u, v, _ in reversed(path)))
    product = 1.0
    for _, _, f in path:  # root down, as backward() multiplies
        product = f * product
    numbers = " × ".join(factor(f) for _, _, f in reversed(path))
    if number(product) != number(source.grad):  # grads of several passes, say
        grad = f"{number(product)} (the grad of {picture_html(source)} reads {number(source.grad)})"
    lines = [f"{d} = {symbols}", f"= {numbers} = {grad}"]
    if any(len(line) > MAX_EQUATION for line in lines):
        return [f"{d} = the product of the {len(path)} factors on its path = {grad}"]
    return lines


def _made(drawing: Drawing, node) -> str:
    """How a box of a crowded picture was made, by the letters of the chapter (a = σ(z)),
    or "" when its label is not one of the chapter's."""
    mine = chapter(node.label)
    if mine is None or node is drawing.root:
        return ""
    text = operation_text(node)
    kids = [chapter(c.label) for c, _ in drawing.inputs(node)]
    if len(kids) == 1 and kids[0] is not None:
        text = text.replace("…", kids[0].letter)
    return f"{mine.letter} = {text}"
