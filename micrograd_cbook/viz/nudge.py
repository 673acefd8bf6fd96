"""Nudge w, watch C: the chapter's central idea, computed live in the page.

:func:`nudge` draws the graph ending at ``root`` (the tree of :func:`draw_dot`, in its
layout and notation) with a slider, a box to type Δw and a reset. As Δw moves, the page
computes the graph again at w + Δw with the graph's own JavaScript (``compile(...)``'s second
target, written from the table of operations): every box on w's paths shows its new value
and its change Δ, every edge on them how the change passes through it (× its chain-rule
factor = the change it passes up: Δz ≈ ∂z/∂w · Δw, Δa ≈ ∂a/∂z · Δz, ...), red for up, blue
for down, bolder for larger; the other boxes show their grad at the nudged point. A panel
draws C(w + Δw) over the slider's range with its tangent of slope ∂C/∂w and sets the actual
ΔC beside the chain rule's ∂C/∂w · Δw: their difference shrinks like Δw². A click on
another leaf nudges that one instead.

The page is self-contained (nothing is fetched) and its ids unique, so several live in one
notebook. Nothing in the graph is changed: every ``.data`` and ``.grad`` stays as it was.

>>> span_of(0.5), span_of(-1.5), span_of(30.0)   # the slider's Δw runs over ±span
(1.0, 2.0, 50.0)
"""

from __future__ import annotations

import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from ..engine import Constant, Value
from ..notation import number
from ..ops import apply_rule, operation_of
from ..passes import topological_order
from ..speed.compiler import compile
from .graph import Drawing, check_options, pipe
from .labels import picture_name
from .layout import Widest, text_width
from .nudge_page import nudge_html, page_html

__all__ = ["CURVE_POINTS", "SLIDER_STEPS", "Nudge", "nudge", "span_of"]

SLIDER_STEPS = 200  # positions on each side of Δw = 0
CURVE_POINTS = 161  # where the panel computes C(w + Δw)
SAMPLES = 11  # values of Δw at which each text's width is measured, to lay the boxes out

_SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_SHAPES = {f"{{{_SVG_NS}}}{t}" for t in ("polygon", "path", "ellipse", "polyline", "rect")}
_TEXT, _TITLE = f"{{{_SVG_NS}}}text", f"{{{_SVG_NS}}}title"


def nudge(root: Value, wrt: Value, *, title: str | None = None, **draw_options: Any) -> Nudge:
    """The page that nudges the leaf ``wrt`` and shows the change pass up to ``root``.

    ``draw_options`` are :func:`draw_dot`'s (the page marks w's paths itself, so
    ``highlight`` is not taken). Shown inline in
    Jupyter; ``.page()`` is a whole offline page. Raises TypeError or ValueError for a
    ``wrt`` that is no leaf of the graph (or a constant), and ValueError for a graph holding a
    node made by hand, which the page could not compute again.
    """
    if "highlight" in draw_options:
        raise TypeError("nudge: no highlight option: the page marks the paths of wrt itself")
    return Nudge(root, wrt, title, draw_options)


def span_of(x: float) -> float:
    """How far the slider moves a leaf of value ``x`` either way: at least 1, at least |x|,
    rounded up to 1, 2 or 5 × 10ᵏ."""
    size = abs(x) if math.isfinite(x) and abs(x) > 1.0 else 1.0
    power = 10.0 ** math.floor(math.log10(size))
    return next(k * power for k in (1.0, 2.0, 5.0, 10.0) if k * power >= size * (1 - 1e-12))


class Nudge:
    """One nudge page: the graph drawn once, its compiled JavaScript and the data around it.

    ``html()`` is the fragment Jupyter shows (``_repr_html_``), ``page()`` a whole offline
    page; ``javascript`` the graph's compiled function the page runs; ``span`` how far the
    slider moves w either way.
    """

    def __init__(self, root: Value, wrt: Value, title: str | None, draw_options: dict) -> None:
        graph = Picture(root, wrt, check_options(draw_options))
        order = topological_order(root)
        _check(graph, order, wrt)
        self.root, self.wrt, self.graph = root, wrt, graph
        self.uid = f"mgcb-{uuid.uuid4().hex[:12]}"
        compiled = compile(root, record=graph.order, batched=False)
        self.javascript = compiled.javascript
        self.parameters = list(compiled.parameters)
        self.span = span_of(wrt.data)
        self.title = title or f"Nudge {picture_name(wrt)}, watch {picture_name(root)}"
        self.edges = list(_edges(graph))
        base = _values_at(order, wrt, wrt.data)
        if base is None:
            raise ValueError(
                f"nudge: the graph of {picture_name(root)} cannot be computed at its leaves' "
                "values (an operation raises there): build it again from leaves where it is defined"
            )
        self._svg = self._picture(order, base)

    def __repr__(self) -> str:
        return f"<Nudge {self.title!r}: Δ{picture_name(self.wrt)} over ±{self.span:g}>"

    def html(self) -> str:
        return nudge_html(self.uid, self.title, self._svg, self.data(), self.javascript)

    def _repr_html_(self) -> str:
        return self.html()

    def page(self) -> str:
        return page_html(self.title, self.html())

    def data(self) -> dict[str, Any]:
        """What the page's script needs: the leaves' values, the drawn nodes and edges."""
        graph, index = self.graph, {p: k for k, p in enumerate(self.parameters)}
        nodes = []
        for node in graph.order:
            entry: dict[str, Any] = {"param": index.get(node, -1)}
            if node in graph.stops:  # drawn as a leaf: the leaves hidden below it move it
                below = {n for n in topological_order(node) if not n.children}
                entry["below"] = sorted(index[n] for n in below if n in index)
            nodes.append(entry)
        return {
            "uid": self.uid,
            "params": [_number(p.data) for p in self.parameters],
            "spans": [span_of(p.data) for p in self.parameters],
            "names": [picture_name(p) for p in self.parameters],
            "wrt": index[self.wrt],
            "root": graph.index[self.root],
            "rootName": picture_name(self.root),
            "nodes": nodes,
            "edges": [[e, i, j, _number(f), plain] for e, i, j, f, plain in self.edges],
            "words": {"data": self.words[0], "grad": self.words[1]},
            "opEdges": _op_edges(graph),
            "labels": graph.show_local_grads,
            "steps": SLIDER_STEPS,
            "points": CURVE_POINTS,
        }

    # ------------------------------------------------------------------ the picture

    def _picture(self, order: list[Value], base: dict[Value, float]) -> str:
        """The SVG, laid out once for the widest text any Δw of the range gives, its parts
        named ``<uid>-n3-data`` ..., its texts those of Δw = 0.

        The rows read as the picture's own (``data 0.5000``, ``grad …``; the number alone in
        a crowded picture); on w's paths the grad row gives way to the change, ``Δ +0.1000``,
        and an edge's label gains the change it passes up: ``∂a/∂z = 0.2098 → +0.0210``.
        """
        graph = self.graph
        samples = [base]
        for k in range(SAMPLES):
            d = self.span * (2 * k / (SAMPLES - 1) - 1)
            values = _values_at(order, self.wrt, self.wrt.data + d)
            if values is not None:
                samples.append(values)
        drawn, (word, grad_word) = graph.order, self.words
        data = [_widest([f"{word}−0.0000", *(f"{word}{number(v[n])}" for v in samples)])
                for n in drawn]  # fmt: skip
        changes = [[v[n] - base[n] for v in samples] for n in drawn]
        grad = [
            _widest([f"{grad_word}{number(n.grad)}", f"{grad_word}−0.0000",
                     *(f"Δ {signed(d)}" for d in ds)])
            for n, ds in zip(drawn, changes)
        ]  # fmt: skip
        local: list[list[str]] = [[] for _ in drawn]
        on = graph.nudged
        for _, i, j, f, plain in self.edges:  # the long texts on w's paths alone: narrower
            passed = [f"{plain} → {signed(f * d)}" for d in changes[j]]
            long = [f"{plain} → −0.0000", *passed] if drawn[j] in on else [plain or ""]
            local[i].append(_widest(long))
        frame = graph.final()
        tree = ET.fromstring(pipe(graph.dot(frame, widest=Widest(data, grad, local)), "svg"))
        parts = self._mark(tree, data, grad)
        for i, node in enumerate(drawn):
            if f"n{i}-data" in parts:
                parts[f"n{i}-data"].text = f"{word}{number(base[node])}"
            if f"n{i}-grad" in parts:
                still = f"{grad_word}{number(node.grad)}"
                parts[f"n{i}-grad"].text = "Δ 0.0000" if node in on else still
        for e, _, j, _, plain in self.edges:
            label = parts.get(f"{e}-label")
            if label is not None:
                label.text = f"{plain} → 0.0000" if drawn[j] in on else plain

        return ET.tostring(tree, encoding="unicode")

    @property
    def words(self) -> tuple[str, str]:
        """What the data and grad rows write before their numbers: the picture's own."""
        return ("", "") if self.graph.crowded else ("data ", "grad ")

    def _mark(self, tree: ET.Element, data: list[str], grad: list[str]) -> dict[str, ET.Element]:
        """Give every part the script changes an id; prefix every id with the page's uid;
        each box's tooltip names its value (and says a click nudges a leaf)."""
        parts: dict[str, ET.Element] = {}
        index = {p: k for k, p in enumerate(self.parameters)}
        for element in tree.iter():
            name = element.get("id")
            if name is None:
                continue
            element.set("id", f"{self.uid}-{name}")
            if not element.tag.endswith("}g"):
                continue
            shapes = [c for c in element if c.tag in _SHAPES]
            texts = [c for c in element if c.tag == _TEXT]
            if re.fullmatch(r"n\d+", name):
                i = int(name[1:])
                node = self.graph.order[i]
                if shapes:
                    parts[f"{name}-shape"] = shapes[0]
                # The data row, then the grad row (a constant's box has none): found by the
                # texts they were laid out with, the first and the last of their kind.
                rows = [("data", data[i], 0)]
                if self.graph.kinds[i] != "constant":
                    rows.append(("grad", grad[i], -1))
                for part, text, which in rows:
                    found = [t for t in texts if t.text == text]
                    if found:
                        parts[f"{name}-{part}"] = found[which]
                for title in element.iter(_TITLE):
                    clickable = node in index and node not in self.graph.stops
                    title.text = (
                        f"click to nudge {picture_name(node)}"
                        if clickable
                        else (picture_name(node))
                    )
            elif re.fullmatch(r"n\d+op", name) and shapes:
                parts[f"{name}-shape"] = shapes[0]
            elif re.fullmatch(r"e\d+", name):
                paths = [c for c in shapes if c.tag.endswith("}path")]
                heads = [c for c in shapes if c.tag.endswith("}polygon")]
                for suffix, found_ in (("path", paths), ("head", heads), ("label", texts)):
                    if found_:
                        parts[f"{name}-{suffix}"] = found_[0]
        for name, element in parts.items():
            element.set("id", f"{self.uid}-{name}")
        return parts


def signed(x: float) -> str:
    """A change as the page writes it: :func:`number` with a + before a positive one.

    >>> signed(0.25), signed(-0.25), signed(0.0)
    ('+0.2500', '−0.2500', '0.0000')
    """
    return f"+{number(x)}" if x > 0 else number(x)


class Picture(Drawing):
    """The nudge page's picture: :class:`Drawing`'s, with a label on every edge of the nudged
    leaf's paths (a crowded picture leaves some out), for the change it passes up.

    ``nudged`` holds the boxes on the paths from ``wrt`` up (those a change of it moves).
    """

    def __init__(self, root: Value, wrt: Any, options: dict[str, Any]) -> None:
        super().__init__(root, **options)
        self.nudged = _paths(self, wrt) if isinstance(wrt, Value) and wrt in self.index else set()

    def edge_label(self, node: Value, child: Value, f: float) -> str | None:
        text = super().edge_label(node, child, f)
        if text is None and self.show_local_grads and child in self.nudged:
            return number(f)
        return text


# ------------------------------------------------------------------ internals


def _check(graph: Drawing, order: list[Value], wrt: Any) -> None:
    """Refuse a ``wrt`` the page cannot nudge, and a graph it cannot compute again."""
    who = picture_name(wrt) if isinstance(wrt, Value) else None
    if not isinstance(wrt, Value):
        raise TypeError(
            f"nudge: wrt must be a leaf Value of the graph (a weight, a bias, an input), "
            f"got {type(wrt).__name__}: {wrt!r}"
        )
    if wrt not in set(order):
        raise ValueError(f"nudge: {who} is not in the graph of {picture_name(graph.root)}")
    if wrt.children:
        raise ValueError(
            f"nudge: {who} is computed (op {wrt.op!r}), not a leaf: nudge one of the leaves "
            "it is made from"
        )
    if type(wrt) is Constant:
        raise ValueError(
            f"nudge: {who} is a constant, a number written into the formula: nudge a leaf "
            "Value (make it Value(...) to move it)"
        )
    if wrt not in graph.index:
        raise ValueError(f"nudge: {who} lies below stop_at, so it is not drawn: nudge one drawn")
    made = sorted({repr(n.op) for n in order if n.children and operation_of(n) is None})
    if made:
        raise ValueError(
            f"nudge: the graph holds nodes made by hand (op {', '.join(made)}), which the page "
            "cannot compute again: build them with the engine's operations (micrograd_cbook/ops.py)"
        )


def _values_at(order: list[Value], leaf: Value, value: float) -> dict[Value, float] | None:
    """Every value of the graph with ``leaf`` at ``value``, by the table's float rules (the
    page's texts are measured with them); None where an operation raises there."""
    values: dict[Value, float] = {}
    try:
        for n in order:
            if not n.children:
                values[n] = value if n is leaf else n.data
            else:
                values[n] = apply_rule(n.op, [values[c] for c in n.children])[0]
    except (ArithmeticError, ValueError):
        return None
    return values


def _edges(graph: Drawing) -> Iterator[tuple[str, int, int, float, str | None]]:
    """Every drawn edge from an input up: (its id, the upper box's index, the lower's, the
    edge's factor, its label as drawn or None), numbered as :meth:`Drawing.dot` numbers them."""
    edge_no = 0
    for i, node in enumerate(graph.order):
        inputs = graph.inputs(node)
        if not inputs:
            continue
        if graph.style == "micrograd":
            edge_no += 1  # the op → value edge, drawn first
        for child, f in inputs:
            yield f"e{edge_no}", i, graph.index[child], f, graph.edge_label(node, child, f)
            edge_no += 1


def _op_edges(graph: Drawing) -> list[list[Any]]:
    """In the micrograd style, each op → value edge: [its id, the value's index]."""
    out, edge_no = [], 0
    for i, node in enumerate(graph.order):
        inputs = graph.inputs(node)
        if not inputs:
            continue
        if graph.style == "micrograd":
            out.append([f"e{edge_no}", i])
            edge_no += 1
        edge_no += len(inputs)
    return out


def _paths(graph: Drawing, leaf: Value) -> set[Value]:
    """The drawn values on a path from ``leaf`` up (a stop_at value above it included)."""
    on = {leaf}
    for node in graph.order:  # inputs come first, so one pass suffices
        moved = any(c in on for c, _ in graph.inputs(node))
        hidden = node in graph.stops and leaf in set(topological_order(node))  # below a stop
        if moved or hidden:
            on.add(node)
    return on


def _number(x: float) -> float | str:
    """A float for JSON, which has no nan or infinities: those as text (Number() reads it)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _widest(texts: Any) -> str:
    return max(sorted(set(texts)), key=text_width)
