"""The static picture: :func:`draw_dot` draws a graph as DOT, :func:`render_svg` as SVG.

By default the chapter's tree: the values the user named (labels) are boxes, the root on top;
each chain of unnamed operations between them is folded into one edge whose factor is the
product of its local derivatives (:func:`micrograd_cbook.stepping.folded_edges`, which
``explain(labelled_only=True)`` reads too). ``unfold=True`` draws every operation.

A :class:`Drawing` holds one graph's boxes in a fixed order, the edges between them, their
kinds and highlighted paths; :meth:`Drawing.dot` writes it as a :class:`graphviz.Digraph`
for one :class:`FrameState` (the static picture, or one frame of
:mod:`micrograd_cbook.viz.frames`).

>>> from micrograd_cbook import Value
>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> a = (w * x).sigmoid(); a.label = "a"
>>> a.backward()
>>> source = draw_dot(a).source
>>> "data 0.6792" in source and "grad 0.3268" in source and "rankdir=BT" in source
True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import graphviz

from ..engine import Constant, Parameter, Value
from ..files import write_atomic
from ..notation import number
from ..ops import WEIGHTED_SUM, WEIGHTED_SUM_BIAS, operation_of
from ..stepping import folded_edges
from .labels import edge_text, escape, header_html, op_symbol, picture_name, value_html
from .layout import (
    COLUMN_PT,
    Frame,
    GraphvizMissingError,
    Layout,
    Widest,
    pipe,
    text_width,
    tree_width,
)
from .legend import legend
from .palette import (
    CURRENT_EDGE,
    CURRENT_FILL,
    EDGE,
    EDGE_FONTSIZE,
    EDGE_TEXT,
    EMPTY,
    FILL,
    FONT,
    HIGHLIGHT,
    INK,
    KIND_STYLE,
    NODE_FONTSIZE,
    OP_FILL,
    OP_INK,
    PARTIAL,
)
from .walk import as_values, drawn_order, nodes_drawn

__all__ = [
    "CROWDED",
    "DEFAULT_MAX_NODES",
    "TREE_MAX_NODES",
    "Drawing",
    "FrameState",
    "GraphvizMissingError",
    "draw_dot",
    "nodes_drawn",
    "render_svg",
]

DEFAULT_MAX_NODES = 500  # the chapter's MLP(3, [4, 1]) unfused, with its cost, is about 70
TREE_MAX_NODES = 100  # drawn as a tree (root on top) up to this many boxes; left to right above
# Above this many edges a picture is crowded: its boxes write their numbers without the words
# "data" and "grad", inputs used by several boxes sit on a row of their own at the bottom, and
# only the edges that teach carry their factor: those between made values and the highlighted.
CROWDED = 12
CROWDED_SEPS = ("0.25", "0.15", "0.1", "0.04")  # inches between a crowded row's boxes: tried
RANKDIRS = ("LR", "RL", "TB", "BT")
STYLES = ("compact", "micrograd")
OPTIONS: dict[str, Any] = {
    "rankdir": None,
    "show_local_grads": True,
    "highlight": None,
    "max_nodes": DEFAULT_MAX_NODES,
    "parameters": None,
    "style": "compact",
    "legend": True,
    "stop_at": None,
    "unfold": False,
}


# ---------------------------------------------------------------------------- drawing


def draw_dot(
    root: Value,
    *,
    rankdir: str | None = None,
    show_local_grads: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Any = None,
    style: str = "compact",
    legend: bool = True,
    stop_at: Iterable[Value] | None = None,
    unfold: bool = False,
) -> graphviz.Digraph:
    """Draw the graph ending at ``root`` as the chapter's tree: each box a value's name, data
    and grad (4 decimals), each edge its chain-rule factor, ∂upper/∂lower.

    The named values (labels), the root and the leaves are boxes; a chain of unnamed
    operations between them is one edge carrying their product (``unfold=True`` draws every
    operation, constants included). ``rankdir=None`` draws the tree (root on top) up to
    :data:`TREE_MAX_NODES` boxes, left to right above; ``show_local_grads=False`` leaves the
    edges bare; ``highlight`` (a Value or several) emphasises every path from them to
    ``root`` and the legend multiplies one path's factors out to its grad; ``parameters``
    (a model, or Values) are drawn as weights and biases, as every
    :class:`~micrograd_cbook.engine.Parameter` is; ``style="micrograd"`` gives each
    operation its own small node (it implies ``unfold``); ``legend=False`` drops the
    legend; ``stop_at`` lists values drawn as leaves, their inputs left out. Boxes are named
    ``n0``, ``n1``, ... in a fixed order (each box's inputs first, in their order), edges
    ``e0``, ``e1``, ..., so the same graph always gives the same source.

    >>> from micrograd_cbook import Value
    >>> x = Value(2.0, "x"); y = x * 3; y.label = "y"
    >>> print(draw_dot(y).source.count("->"))
    1
    >>> print(draw_dot(y, unfold=True).source.count("->"))
    2
    """
    options = check_options(
        {
            "rankdir": rankdir,
            "show_local_grads": show_local_grads,
            "highlight": highlight,
            "max_nodes": max_nodes,
            "parameters": parameters,
            "style": style,
            "legend": legend,
            "stop_at": stop_at,
            "unfold": unfold,
        }
    )
    return Drawing(root, **options).dot()


def render_svg(
    root: Value | graphviz.Digraph, path: str | os.PathLike | None = None, **draw_options: Any
) -> str:
    """Return the SVG text of :func:`draw_dot`'s picture, also written to ``path`` when given.

    ``root`` may also be a Digraph already drawn (e.g. one of :func:`backward_frames`).
    The file is written atomically: a temporary file in the same folder, then renamed.
    Without Graphviz's ``dot`` this raises :class:`GraphvizMissingError`.
    """
    if isinstance(root, graphviz.Digraph):
        if draw_options:
            raise TypeError("render_svg: draw options apply to a Value, not to a drawn Digraph")
        dot = root
    else:
        dot = draw_dot(root, **draw_options)
    svg = pipe(dot, "svg")
    if path is not None:
        write_atomic(path, svg)
    return svg


# --------------------------------------------------------------------------- internals


def check_options(options: dict[str, Any]) -> dict[str, Any]:
    """The draw options with their defaults, or TypeError naming an unknown one."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(f"unknown draw option {unknown[0]!r}: the options are {sorted(OPTIONS)}")
    return {**OPTIONS, **options}


@dataclass(frozen=True)
class FrameState:
    """What one picture shows: per box (in the drawing's order) its data and its grad's state.

    ``grads[i]`` is ("final" | "partial" | "empty", value); ``current`` the index of the box
    being processed, or None; ``local[i]`` box i's edge factors, when they differ from the
    drawn graph's own (snapshots of other graphs), else None.
    """

    step: int
    caption: str
    data: tuple[float, ...]
    grads: tuple[tuple[str, float], ...]
    current: int | None = None
    local: tuple[tuple[float, ...], ...] | None = None

    def local_grads(self, graph: Drawing, i: int) -> Sequence[float]:
        if self.local is not None:
            return self.local[i]
        return [f for _, f in graph.inputs(graph.order[i])]


class Drawing:
    """One graph's boxes in order, the edges between them, their kinds and highlighted paths.

    ``order`` lists the boxes (each after its inputs), ``inputs(box)`` the (box below, factor)
    pairs of its edges, ``kinds[i]`` what box i is ("parameter", "input", "constant",
    "interior", "output"), ``on_path`` the boxes on a highlighted path.
    """

    def __init__(
        self,
        root: Value,
        rankdir: str | None,
        show_local_grads: bool,
        highlight: Value | Iterable[Value] | None,
        max_nodes: int,
        parameters: Any,
        style: str,
        legend: bool,
        stop_at: Iterable[Value] | None,
        unfold: bool,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"draw a Value, got {type(root).__name__}: {root!r}")
        if rankdir is not None and rankdir not in RANKDIRS:
            raise ValueError(
                f"rankdir must be one of {', '.join(RANKDIRS)} or None (the tree "
                f"for small graphs), got {rankdir!r}"
            )
        if style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
        self.stops = set(as_values(stop_at, "stop_at"))
        everything = nodes_drawn(root, self.stops, max_nodes)  # refused above max_nodes
        self.root = root
        self.style = style
        self.unfold = bool(unfold) or style == "micrograd"
        self.sources = as_values(highlight, "highlight")
        for what, values in (("stop_at", self.stops), ("highlight", self.sources)):
            for v in values:
                if v not in everything:
                    raise ValueError(f"{what}: {v!r} is not in the graph of {root!r}")
        self._shown = set(self.sources) | self.stops
        self._edges: dict[Value, tuple[tuple[Value, float], ...]] = {}
        self.order = drawn_order(root, self.children)
        self.index = {node: i for i, node in enumerate(self.order)}
        self.show_local_grads = bool(show_local_grads)
        self.legend = bool(legend)
        self.params = self._parameter_set(parameters)
        self.on_path = self._paths_from(self.sources)
        self.kinds = [self._kind(node) for node in self.order]
        self.n_edges = sum(len(self.inputs(n)) for n in self.order)
        self.crowded = self.n_edges > CROWDED
        self.nodesep = "0.1" if self.crowded else "0.35"  # inches between boxes of a row
        # In a crowded picture an input used by several boxes (a network's x) has the
        # parameters beside it drawn a row below it: its edges stay short, and the weights'
        # edges pass a row of a few boxes only. (Invisible edges weight → input put them there.)
        uses: dict[Value, list[Value]] = {n: [] for n in self.order}
        for node in self.order:
            for child, _ in self.inputs(node):
                uses[child].append(node)
        self.below: list[tuple[int, int]] = []
        if self.crowded:
            for node in self.order:
                kids = [c for c, _ in self.inputs(node)]
                shared = next((c for c in kids if not c.children and len(uses[c]) > 1), None)
                if shared is None:
                    continue
                for c in kids:
                    if self.kinds[self.index[c]] == "parameter" and len(uses[c]) == 1:
                        self.below.append((self.index[c], self.index[shared]))
        if self.crowded:  # the most room between boxes that still fits a notebook's column
            for sep in CROWDED_SEPS:
                self.nodesep = sep
                if self.guessed_width() * 1.25 <= COLUMN_PT:  # edges and labels need room too
                    break
        if rankdir is None:  # the tree while it fits a notebook's column, else left to right
            tree = len(self.order) <= TREE_MAX_NODES and self.guessed_width() <= COLUMN_PT
            rankdir = "BT" if tree else "LR"
        self.rankdir = rankdir
        if rankdir not in ("BT", "TB"):
            self.below = []  # left to right, the weights stand in a column: no row to move to

    def guessed_width(self) -> float:
        """The tree's width in pt before Graphviz lays it out: its widest row of boxes.

        A box's row is its longest path up to the root; a leaf sits just under its highest
        user, a weight moved under a shared input one row under that input.
        """
        level = {self.root: 0}
        for node in reversed(self.order):  # users first
            for child, _ in self.inputs(node):
                level[child] = max(level.get(child, 0), level[node] + 1)
        for low, high in self.below:
            level[self.order[low]] = level[self.order[high]] + 1
        size = float(EDGE_FONTSIZE if self.crowded else NODE_FONTSIZE)
        rows: dict[int, list[float]] = {}
        frame = self.final()
        for i, node in enumerate(self.order):
            look = self.node_look(i, frame)
            texts = [picture_name(node), self.data_text(frame, i), look["grad_text"]]
            width = size * max(text_width(t) for t in texts) + 10  # margins and border
            rows.setdefault(level[node], []).append(width)
        gap = 72 * float(self.nodesep)
        return tree_width(rows, gap)

    def visible(self, node: Value) -> bool:
        """Whether ``node`` has a box: every node unfolded; else a named value, the root, a
        highlighted or stop_at value, or a leaf that is not a constant."""
        if self.unfold or node is self.root or node.label or node in self._shown:
            return True
        return not node.children and not isinstance(node, Constant)

    def inputs(self, node: Value) -> Sequence[tuple[Value, float]]:
        """The (box below, factor) pairs of ``node``'s edges: none for a leaf or a stop."""
        edges = self._edges.get(node)
        if edges is None:
            if node in self.stops:
                edges = ()
            elif self.unfold:
                edges = tuple(zip(node.children, node.local_grads))
            else:
                edges = tuple(folded_edges(node, self.visible))
            self._edges[node] = edges
        return edges

    def children(self, node: Value) -> list[Value]:
        return [c for c, _ in self.inputs(node)]

    def _parameter_set(self, parameters: Any) -> set[Value]:
        """The leaves drawn as parameters besides every Parameter: a model's, or Values."""
        if parameters is None:
            return set()
        if callable(getattr(parameters, "parameters", None)):
            parameters = parameters.parameters()  # a Module
        return set(as_values(parameters, "parameters"))

    def _paths_from(self, sources: list[Value]) -> set[Value]:
        """Every box on a path from one of ``sources`` up to the root."""
        on = set(sources)
        for node in self.order:  # inputs come first, so one pass suffices
            if node not in on and any(c in on for c, _ in self.inputs(node)):
                on.add(node)
        return on

    def _kind(self, node: Value) -> str:
        if node is self.root:
            return "output"
        if node.children:  # a stop_at value too: drawn as a leaf, still made by an operation
            return "interior"
        if isinstance(node, Constant):
            return "constant"
        if isinstance(node, Parameter) or node in self.params:
            return "parameter"
        return "input"

    def edge_label(self, node: Value, child: Value, f: float) -> str | None:
        """The text on the edge from ``child`` up to ``node`` for factor ``f``: its name and
        number (``∂a/∂z = 0.2098``); in a crowded picture the number alone (the legend names
        the highlighted path's factors), and None on an edge from a leaf or into a weighted
        sum z off that path (∂z/∂w is the input's data, ∂z/∂a the weight's: in their boxes)."""
        if not self.show_local_grads:
            return None
        lit = child in self.on_path and node in self.on_path
        if self.crowded and not lit and (not child.children or weighted_sum(node)):
            return None
        return edge_text(node, child, number(f), named=not self.crowded)

    def data_text(self, frame: FrameState, i: int) -> str:
        """Box i's data row in ``frame``: ``data 0.5000`` (a crowded picture: the number)."""
        text = number(frame.data[i])
        return text if self.crowded else f"data {text}"

    def final(self) -> FrameState:
        """The static picture: every box's own data and grad."""
        return FrameState(
            0, "", tuple(n.data for n in self.order), tuple(("final", n.grad) for n in self.order)
        )

    # ------------------------------------------------------------------ DOT

    def dot(
        self,
        frame: FrameState | None = None,
        layout: Layout | None = None,
        widest: Widest | None = None,
        frames: bool = False,
        equation: bool = True,
    ) -> graphviz.Digraph:
        """The DOT picture of ``frame`` (the final grads by default).

        ``layout`` pins every node and edge where one earlier layout put them; ``widest``
        gives each node's widest texts, so one layout fits every frame; ``frames`` adds
        the frames' entries to the legend; ``equation`` the highlighted path's product.
        """
        frame = frame or self.final()
        pinned = layout is not None
        dot = (Frame if pinned or frames else graphviz.Digraph)(
            "micrograd", format="svg", engine="neato" if pinned else "dot"
        )
        attrs = {
            "rankdir": self.rankdir,
            "bgcolor": "white",
            "fontname": FONT,
            "fontsize": EDGE_FONTSIZE,
            "nodesep": self.nodesep,
            "ranksep": "0.5" if self.crowded and self.rankdir in ("BT", "TB") else "0.3",
            "ordering": "in",
        }
        if pinned:
            attrs = {
                "bb": layout.bb,
                "bgcolor": "white",
                "fontname": FONT,
                "fontsize": EDGE_FONTSIZE,
                "splines": "true",
                **layout.graph,
            }
        dot.attr(**attrs)
        if self.legend:
            steps = frames or frame.current is not None or any(s != "final" for s, _ in frame.grads)
            dot.attr(label=legend(self, steps, equation), labelloc="b", labeljust="c")
        dot.attr("node", fontname=FONT, fontsize=EDGE_FONTSIZE if self.crowded else NODE_FONTSIZE)
        dot.attr("edge", fontname=FONT, fontsize=EDGE_FONTSIZE, arrowsize="0.5")
        current = frame.current
        edge_no = 0
        for i, node in enumerate(self.order):
            name = f"n{i}"
            look = self.node_look(i, frame)
            inputs = self.inputs(node)
            grad_text = widest.grad[i] if widest is not None else look["grad_text"]
            data_text = widest.data[i] if widest is not None else self.data_text(frame, i)
            attrs = {
                "id": name,
                "class": look["class"],
                "fillcolor": look["fill"],
                "color": look["color"],
                "penwidth": look["penwidth"],
                "style": KIND_STYLE.get(self.kinds[i], "filled"),
                "shape": "box",
                "margin": "0.06,0.02",
                "width": "0",
                "height": "0",
            }
            if pinned:
                attrs.update(layout.node_attrs(name))
            formula = bool(inputs) and self.style == "compact" and not self.crowded
            header = header_html(node, None if self.unfold else self.visible, formula)
            grad = None if self.kinds[i] == "constant" else grad_row(grad_text, look)
            dot.node(name, value_html(header, data_text, grad, self.style), **attrs)
            if not inputs:
                continue
            head = name
            if self.style == "micrograd":
                head = f"{name}op"
                op_lit = node in self.on_path and any(c in self.on_path for c, _ in inputs)
                attrs = {
                    "id": head,
                    "class": "op",
                    "style": "filled",
                    "shape": "ellipse",
                    "width": "0.3",
                    "height": "0.3",
                    "margin": "0.04,0.02",
                    **self.op_look(op_lit, current == i),
                }
                if pinned:
                    attrs.update(layout.node_attrs(head))
                dot.node(head, f"<{escape(op_symbol(node))}>", **attrs)
                edge = {"id": f"e{edge_no}", "class": "op", **self.edge_look(op_lit, False)}
                if pinned:
                    edge.update(layout.edge_attrs(edge["id"]))
                dot.edge(head, name, **edge)
                edge_no += 1
            factors = frame.local_grads(self, i)
            for k, (child, _) in enumerate(inputs):
                lit = child in self.on_path and node in self.on_path
                edge = {"id": f"e{edge_no}", **self.edge_look(lit, current == i)}
                if lit:  # Graphviz writes class="edge highlighted" in the SVG
                    edge["class"] = "highlighted"
                text = self.edge_label(node, child, factors[k])
                if text is not None:
                    edge["label"] = f"<{escape(widest.local[i][k] if widest else text)}>"
                    if self.crowded:  # a line from the label to its edge: whose it is, at a glance
                        edge["decorate"] = "true"
                if pinned:
                    edge.update(layout.edge_attrs(edge["id"]))
                dot.edge(f"n{self.index[child]}", head, **edge)
                edge_no += 1
        for k, (low, high) in enumerate(self.below):  # after every box: the ids above stay
            dot.edge(f"n{low}", f"n{high}", id=f"i{k}", style="invis", arrowhead="none")
        return dot

    def node_look(self, i: int, frame: FrameState) -> dict[str, str]:
        """The colours, border and grad text of box ``i`` in ``frame``."""
        kind = self.kinds[i]
        lit = self.order[i] in self.on_path
        current = frame.current == i
        state, grad = frame.grads[i]
        classes = ["value", kind]
        if lit:
            classes.append("highlighted")
        if current:
            classes.append("current")
        if frame.step or frame.current is not None or state != "final":
            classes.append(f"grad-{state}")
        if current:
            color, penwidth = CURRENT_EDGE, "3"
        elif lit:
            color, penwidth = HIGHLIGHT, "2.5"
        else:
            color, penwidth = INK, "1.6" if kind == "output" else "1"
        word = "" if self.crowded else "grad "
        if state == "final":
            text, text_fill, italic = f"{word}{number(grad)}", INK, False
        elif state == "partial":
            text, text_fill, italic = f"{word}{number(grad)}{PARTIAL}", INK, True
        else:
            text, text_fill, italic = f"{word}—", EMPTY, False
        return {
            "class": " ".join(classes),
            "fill": CURRENT_FILL if current else FILL[kind],
            "color": color,
            "penwidth": penwidth,
            "grad_text": text,
            "grad_fill": text_fill,
            "grad_style": "italic" if italic else "normal",
        }

    @staticmethod
    def op_look(lit: bool, current: bool) -> dict[str, str]:
        return {
            "fillcolor": CURRENT_FILL if current else OP_FILL,
            "color": HIGHLIGHT if lit else OP_INK,
            "penwidth": "2" if lit else "1",
        }

    @staticmethod
    def edge_look(lit: bool, current: bool) -> dict[str, str]:
        if current:
            return {
                "color": CURRENT_EDGE,
                "penwidth": "3" if lit else "2.5",
                "fontcolor": CURRENT_EDGE,
            }
        if lit:
            return {"color": HIGHLIGHT, "penwidth": "2.5", "fontcolor": HIGHLIGHT}
        return {"color": EDGE, "penwidth": "1", "fontcolor": EDGE_TEXT}


def weighted_sum(node: Value) -> bool:
    """Whether ``node`` is one of the table's weighted sums, z = Σ w·a (+ b)."""
    return operation_of(node) in (WEIGHTED_SUM, WEIGHTED_SUM_BIAS)


def grad_row(text: str, look: dict[str, str]) -> str:
    """The grad row's HTML: italic while a partial sum, grey while not reached yet."""
    body = escape(text)
    if look["grad_style"] == "italic":
        body = f"<I>{body}</I>"
    if look["grad_fill"] != INK:
        body = f'<FONT COLOR="{look["grad_fill"]}">{body}</FONT>'
    return body
