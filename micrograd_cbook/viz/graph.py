"""The static picture: :func:`draw_dot` draws a graph as DOT, :func:`render_svg` as SVG.

A :class:`Drawing` holds one graph's nodes in a fixed order, their kinds and highlighted
paths; :meth:`Drawing.dot` writes it as a :class:`graphviz.Digraph` for one
:class:`FrameState` (the static picture, or one frame of :mod:`micrograd_cbook.viz.frames`).

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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import graphviz

from ..engine import Constant, Value
from ..files import write_atomic
from ..notation import number
from .labels import escape, grad_html, node_name, op_text, shorten, stroke, swatch
from .layout import Frame, Layout, Widest
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
    KIND_NAMES,
    KIND_STYLE,
    NODE_FONTSIZE,
    OP_TEXT,
    PARTIAL,
)

__all__ = [
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
TREE_MAX_NODES = 100  # drawn as a tree (root on top) up to this many values; left to right above
RANKDIRS = ("LR", "RL", "TB", "BT")
STYLES = ("compact", "micrograd")
INSTALL_HINT = (
    "install it with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or `conda install -c conda-forge graphviz`, then make sure `dot` is on PATH"
)
# nn labels its weights w{layer}[j,k] and biases b{layer}[j]; a formula's w, b, w2 count too.
PARAMETER_LABEL = re.compile(r"[wb]\d*(\[\d+(,\s*\d+)*\])?")


class GraphvizMissingError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not on PATH; the message says how to install it.

    A :class:`RuntimeError` (through :class:`graphviz.ExecutableNotFound`), so code that
    catches either keeps working. ``draw_dot(...).source`` needs no Graphviz at all.
    """

    def __init__(self, hint: str = "draw_dot(...).source works without it") -> None:
        RuntimeError.__init__(
            self, f"Graphviz is missing: its `dot` program is not on PATH; {INSTALL_HINT} ({hint})"
        )


# ---------------------------------------------------------------------------- drawing


def draw_dot(
    root: Value,
    *,
    rankdir: str | None = None,
    show_local_grads: bool = False,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Any = None,
    style: str = "compact",
    legend: bool = True,
    stop_at: Iterable[Value] | None = None,
) -> graphviz.Digraph:
    """Draw the graph ending at ``root``: each value's label, data and grad with 4 decimals.

    ``rankdir=None`` draws the tree (root on top) up to :data:`TREE_MAX_NODES` values, left
    to right above; ``show_local_grads`` writes each edge's local derivative on it;
    ``highlight`` (a Value or several) emphasises every path from them to ``root``;
    ``parameters`` says which leaves are weights and biases (see the module's docstring);
    ``style="micrograd"`` gives each operation its own small node; ``legend=False`` drops the
    legend; ``stop_at`` lists values drawn as leaves, their inputs left out (the last layer
    of a big network, say). Nodes are named ``n0``, ``n1``, ... in a fixed order (each
    node's inputs first, in their order), so the same graph always gives the same source.

    >>> from micrograd_cbook import Value
    >>> x = Value(2.0, "x"); y = x * 3; y.label = "y"
    >>> print(draw_dot(y).source.count("->"))
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
    allowed = {
        "rankdir",
        "show_local_grads",
        "highlight",
        "max_nodes",
        "parameters",
        "style",
        "legend",
        "stop_at",
    }
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"unknown draw option {unknown[0]!r}: the options are {sorted(allowed)}")
    defaults: dict[str, Any] = {
        "rankdir": None,
        "show_local_grads": False,
        "highlight": None,
        "max_nodes": DEFAULT_MAX_NODES,
        "parameters": None,
        "style": "compact",
        "legend": True,
        "stop_at": None,
    }
    return {**defaults, **options}


def as_values(values: Any, what: str) -> list[Value]:
    if values is None:
        return []
    if isinstance(values, Value):
        return [values]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(
            f"{what} must be a Value or a list of Values, got {type(values).__name__}"
        ) from None
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"{what} must hold Values, got {type(v).__name__}: {v!r}")
    return values


@dataclass(frozen=True)
class FrameState:
    """What one picture shows: per node (in the graph's order) its data and its grad's state.

    ``grads[i]`` is ("final" | "partial" | "empty", value); ``current`` the index of the node
    being processed, or None; ``local[i]`` node i's local grads, when they differ from the
    drawn graph's own (snapshots of other graphs), else None.
    """

    step: int
    caption: str
    data: tuple[float, ...]
    grads: tuple[tuple[str, float], ...]
    current: int | None = None
    local: tuple[tuple[float, ...], ...] | None = None

    def data_text(self, i: int) -> str:
        return f"data {number(self.data[i])}"

    def local_grads(self, graph: Drawing, i: int) -> Sequence[float]:
        if self.local is not None:
            return self.local[i]
        return [lg for _, lg in graph.inputs(graph.order[i])]


class Drawing:
    """One graph's nodes in order, their kinds and highlighted paths, drawn as DOT."""

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
        nodes_drawn(root, self.stops, max_nodes)  # refused above max_nodes
        self.root = root
        self.order = drawn_order(root, self.stops)
        self.index = {node: i for i, node in enumerate(self.order)}
        for v in self.stops:
            if v not in self.index:
                raise ValueError(f"stop_at: {v!r} is not in the graph of {root!r}")
        if rankdir is None:
            rankdir = "BT" if len(self.order) <= TREE_MAX_NODES else "LR"
        self.rankdir = rankdir
        self.style = style
        self.show_local_grads = bool(show_local_grads)
        self.legend = bool(legend)
        self.params = self._parameter_set(parameters)
        self.sources = as_values(highlight, "highlight")
        self.on_path = self._paths_from(self.sources)
        self.kinds = [self._kind(node) for node in self.order]

    def inputs(self, node: Value) -> Sequence[tuple[Value, float]]:
        """The (child, local grad) pairs drawn below ``node``: none for a leaf or a stop."""
        if node in self.stops:
            return ()
        return tuple(zip(node.children, node.local_grads))

    def _parameter_set(self, parameters: Any) -> set[Value] | None:
        """The explicit parameters, or None to recognise them by their labels."""
        if parameters is None:
            return None
        if callable(getattr(parameters, "parameters", None)):
            parameters = parameters.parameters()  # a Module
        return set(as_values(parameters, "parameters"))

    def _paths_from(self, sources: list[Value]) -> set[Value]:
        """Every node on a path from one of ``sources`` up to the root."""
        for v in sources:
            if v not in self.index:
                raise ValueError(f"highlight: {v!r} is not in the graph of {self.root!r}")
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
        if self.params is None:
            is_param = PARAMETER_LABEL.fullmatch(node.label) is not None
        else:
            is_param = node in self.params
        return "parameter" if is_param else "input"

    def final(self) -> FrameState:
        """The static picture: every node's own data and grad."""
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
    ) -> graphviz.Digraph:
        """The DOT picture of ``frame`` (the final grads by default).

        ``layout`` pins every node and edge where one earlier layout put them; ``widest``
        gives each node's widest texts, so one layout fits every frame; ``frames`` adds
        the frames' entries to the legend.
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
            "nodesep": "0.06",
            "ranksep": "0.35",
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
            dot.attr(
                label=self._legend(
                    frames or frame.current is not None or any(s != "final" for s, _ in frame.grads)
                ),
                labelloc="b",
                labeljust="c",
            )
        dot.attr("node", fontname=FONT, fontsize=NODE_FONTSIZE)
        dot.attr("edge", fontname=FONT, fontsize=EDGE_FONTSIZE, arrowsize="0.5")
        current = frame.current
        edge_no = 0
        for i, node in enumerate(self.order):
            name = f"n{i}"
            look = self.node_look(i, frame)
            grad_text = widest.grad[i] if widest is not None else look["grad_text"]
            data_text = widest.data[i] if widest is not None else frame.data_text(i)
            attrs = {
                "id": name,
                "class": look["class"],
                "fillcolor": look["fill"],
                "color": look["color"],
                "penwidth": look["penwidth"],
                "style": KIND_STYLE.get(self.kinds[i], "filled"),
                "shape": "box",
                "margin": "0.04,0.02",
                "width": "0",
                "height": "0",
            }
            if pinned:
                attrs.update(layout.node_attrs(name))
            label = (self._compact_label if self.style == "compact" else self._micrograd_label)(
                node, data_text, grad_text, look
            )
            dot.node(name, label, **attrs)
            inputs = self.inputs(node)
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
                dot.node(head, f"<{escape(node.op)}>", **attrs)
                edge = {"id": f"e{edge_no}", **self.edge_look(op_lit, False)}
                if pinned:
                    edge.update(layout.edge_attrs(edge["id"]))
                dot.edge(head, name, **edge)
                edge_no += 1
            locals_ = frame.local_grads(self, i)
            for k, (child, _) in enumerate(inputs):
                lit = child in self.on_path
                edge = {"id": f"e{edge_no}", **self.edge_look(lit, current == i)}
                if self.show_local_grads:
                    edge["label"] = widest.local[i][k] if widest else number(locals_[k])
                if pinned:
                    edge.update(layout.edge_attrs(edge["id"]))
                dot.edge(f"n{self.index[child]}", head, **edge)
                edge_no += 1
        return dot

    def node_look(self, i: int, frame: FrameState) -> dict[str, str]:
        """The colours, border and grad text of node ``i`` in ``frame``."""
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
        if state == "final":
            text, text_fill, italic = f"grad {number(grad)}", INK, False
        elif state == "partial":
            text, text_fill, italic = f"grad {number(grad)}{PARTIAL}", INK, True
        else:
            text, text_fill, italic = "grad —", EMPTY, False
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
            "fillcolor": CURRENT_FILL if current else "#f4f4f4",
            "color": HIGHLIGHT if lit else "#555555",
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

    def _header(self, node: Value) -> str:
        parts = []
        if node.label:
            parts.append(f"<B>{escape(shorten(node.label))}</B>")
        if self.inputs(node) and self.style == "compact":
            parts.append(f'<FONT COLOR="{OP_TEXT}">{escape(op_text(node))}</FONT>')
        return "  ".join(parts)

    def _compact_label(self, node: Value, data_text: str, grad_text: str, look: dict) -> str:
        """A value as three rows: label and operation, data, grad."""
        rows = []
        header = self._header(node)
        if header:
            rows.append(f"<TR><TD>{header}</TD></TR>")
        rows.append(f'<TR><TD ALIGN="LEFT">{data_text}</TD></TR>')
        rows.append(f'<TR><TD ALIGN="LEFT">{grad_html(grad_text, look)}</TD></TR>')
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows)
            + "</TABLE>>"
        )

    def _micrograd_label(self, node: Value, data_text: str, grad_text: str, look: dict) -> str:
        """A value as micrograd draws it: one row, label | data | grad."""
        cells = []
        header = self._header(node)
        if header:
            cells.append(f"<TD>{header}</TD>")
        cells.append(f'<TD ALIGN="LEFT">{data_text}</TD>')
        cells.append(f'<TD ALIGN="LEFT">{grad_html(grad_text, look)}</TD>')
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>'
            + '<TD WIDTH="6"></TD>'.join(cells)
            + "</TR></TABLE>>"
        )

    def _legend(self, frames: bool) -> str:
        """Every colour the picture uses, with what it means, as a table under the picture."""
        entries = []
        for kind in ("parameter", "input", "constant", "interior", "output"):
            if kind in self.kinds:
                entries.append((swatch(FILL[kind]), KIND_NAMES[kind]))
        if self.sources:
            names = ", ".join(node_name(v) for v in self.sources[:3])
            more = ", …" if len(self.sources) > 3 else ""
            entries.append(
                (stroke(HIGHLIGHT), f"path from {names}{more} to {node_name(self.root)}")
            )
        if frames:
            entries.append((swatch(CURRENT_FILL, CURRENT_EDGE), "being processed"))
            entries.append((stroke(CURRENT_EDGE), "its grad passed on"))
            entries.append((f'<FONT COLOR="{EMPTY}">grad —</FONT>', "not reached yet"))
            entries.append((f"<I>{escape(PARTIAL.strip())}</I>", "partial sum"))
        per_row = 3 if self.rankdir in ("BT", "TB") else 4
        rows = []
        for start in range(0, len(entries), per_row):
            cells = "".join(
                f'<TD ALIGN="RIGHT">{mark}</TD><TD ALIGN="LEFT">{escape(text)}</TD>'
                for mark, text in entries[start : start + per_row]
            )
            rows.append(f"<TR>{cells}</TR>")
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            + "".join(rows)
            + "</TABLE>>"
        )


def nodes_drawn(
    root: Value,
    stops: Iterable[Value] = (),
    max_nodes: int | None = None,
) -> set[Value]:
    """The Values a picture of ``root`` shows when ``stops`` are drawn as leaves.

    Above ``max_nodes`` a ValueError, raised before all of a huge graph is walked.

    >>> x = Value(2.0, "x"); y = x * 3.0 + 1.0
    >>> len(nodes_drawn(y)), len(nodes_drawn(y, stops=[y.children[0]]))
    (5, 3)
    """
    stops = set(stops)
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        if node in stops:
            continue
        for child in node.children:
            if child not in seen:
                seen.add(child)
                if max_nodes is not None and len(seen) > max_nodes:
                    raise ValueError(
                        f"the graph has more than max_nodes={max_nodes} values: pass a larger "
                        f"max_nodes to draw it anyway, or draw a smaller part (stop_at=...)"
                    )
                stack.append(child)
    return seen


def drawn_order(root: Value, stops: set[Value]) -> list[Value]:
    """Every node reaching ``root``, each after its inputs, the inputs in their own order.

    A depth-first walk that takes a node's children first to last, so a layer's weights
    come as w[0,0], w[0,1], ... and the picture lists them left to right.
    """
    order: list[Value] = []
    seen = {root}
    stack = [(root, iter(() if root in stops else root.children))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(() if child in stops else child.children)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def pipe(dot: graphviz.Digraph, fmt_: str) -> str:
    """Run Graphviz; a missing program becomes :class:`GraphvizMissingError`."""
    try:
        return dot.pipe(format=fmt_, encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError() from None
