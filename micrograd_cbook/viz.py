"""Pictures of the graph: the chapter's tree, the cost on top and the weights and inputs below.

:func:`draw_dot` returns a :class:`graphviz.Digraph` (it shows inline in Jupyter) and
:func:`render_svg` turns it into SVG text. :func:`stepper` (inline in Jupyter),
:func:`write_frames` (SVG files and an offline page) and :func:`backward_frames` (one Digraph
per step) show the backward pass one step at a time, from empty grads.

>>> from micrograd_cbook import Value
>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> a = (w * x).sigmoid(); a.label = "a"
>>> a.backward()
>>> source = draw_dot(a).source
>>> "data 0.6792" in source and "grad 0.3268" in source and "rankdir=BT" in source
True

Each value is a box with its label and operation, ``data`` and ``grad`` (4 decimals, true
minus signs); each edge goes from an input up to the value made from it and, with
``show_local_grads=True``, carries its chain-rule factor, the local derivative. Graphs of up
to :data:`TREE_MAX_NODES` values are drawn as the chapter's tree, the root on top
(``rankdir="BT"``: inputs flow bottom to top); larger ones left to right (``"LR"``); an
explicit ``rankdir`` ("LR", "TB", "BT", "RL") is always honoured. ``style="micrograd"``
draws each operation as its own small node, as micrograd does.

Parameters (weights and biases) are orange, inputs blue, constants grey and dashed, the root
green; a legend under the picture names every colour used. Which leaves are parameters: pass
``parameters=model`` (anything with a ``parameters()`` method) or a list of Values; without
it, a leaf labelled the way :mod:`micrograd_cbook.nn` labels its weights and biases (``w``,
``b``, ``w2``, ``w2[0,3]``, ``b1[2]``) counts as a parameter, and ``parameters=[]`` turns
that convention off.

Frames: one Graphviz run lays a graph out for all its frames, each box sized for its widest
text; a frame then only sets colours and numbers on parts with stable ids (``<uid>-n3-grad``,
...): :func:`write_frames` and :func:`stepper` in Python and in the page's script,
:func:`backward_frames` as Digraphs pinned to that layout (Graphviz draws them with
``neato -n2``, which keeps every position). :func:`snapshots` shows graphs of one shape (a
cost after each epoch, say) the same way.

Sizes: an SVG's ``width`` and ``height`` are in points; a browser or a notebook shows it at
96/72 CSS pixels per point. Text is 9 pt in the boxes and 8 pt on the edges (12 and 10.7 px).

No picture function changes the graph: every ``.grad`` and ``.data`` is left as it was.
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from .engine import Constant, Value, fmt
from .files import write_atomic
from .player import page_html, player_html
from .stepping import backward_steps

__all__ = [
    "DEFAULT_MAX_NODES",
    "TREE_MAX_NODES",
    "Frame",
    "GraphvizMissingError",
    "Stepper",
    "backward_frames",
    "draw_dot",
    "nodes_drawn",
    "number",
    "render_svg",
    "snapshots",
    "stepper",
    "write_frames",
]

DEFAULT_MAX_NODES = 500  # the chapter's MLP(3, [4, 1]) unfused, with its cost, is about 70
TREE_MAX_NODES = 100  # drawn as a tree (root on top) up to this many values; left to right above
MAX_LABEL = 40  # characters of a label shown before it is cut with "…"
RANKDIRS = ("LR", "RL", "TB", "BT")
STYLES = ("compact", "micrograd")
INSTALL_HINT = (
    "install it with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or `conda install -c conda-forge graphviz`, then make sure `dot` is on PATH"
)
# nn labels its weights w{layer}[j,k] and biases b{layer}[j]; a formula's w, b, w2 count too.
PARAMETER_LABEL = re.compile(r"[wb]\d*(\[\d+(,\s*\d+)*\])?")

# Fill colours by kind; a colour-blind reader also has the border style and the class name.
_FILL = {
    "parameter": "#fbd9a8",
    "input": "#cfe3f7",
    "constant": "#eeeeee",
    "interior": "#ffffff",
    "output": "#d3efcf",
}
_KIND_NAMES = {
    "parameter": "parameter (weight, bias)",
    "input": "input",
    "constant": "constant",
    "interior": "intermediate value",
    "output": "output (the root)",
}
_KIND_STYLE = {"parameter": "filled,rounded", "constant": "filled,dashed"}
_INK = "#333333"  # borders and text
_EDGE = "#8a8a8a"  # plain edges: lighter than the highlighted path
_EDGE_TEXT = "#444444"
_OP_TEXT = "#6b6b6b"  # the operation, next to a value's label
_HIGHLIGHT = "#c0392b"
_CURRENT_FILL = "#fff19c"
_CURRENT_EDGE = "#b7950b"
_EMPTY = "#9a9a9a"
_PARTIAL = " +…"  # after a grad that is still a partial sum
_OP_SYMBOLS = {"*": "×", "-": "−", "/": "÷"}
_FONT = "Helvetica"
_NODE_FONTSIZE = "9"  # points: 12 px on a 96-dpi screen
_EDGE_FONTSIZE = "8"  # points: 10.7 px, the smallest text in a picture


class GraphvizMissingError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not on PATH; the message says how to install it.

    A :class:`RuntimeError` (through :class:`graphviz.ExecutableNotFound`), so code that
    catches either keeps working. ``draw_dot(...).source`` needs no Graphviz at all.
    """

    def __init__(self, hint: str = "draw_dot(...).source works without it") -> None:
        RuntimeError.__init__(
            self, f"Graphviz is missing: its `dot` program is not on PATH; {INSTALL_HINT} ({hint})"
        )


def number(x: float) -> str:
    """A number as the pictures write it: 4 decimals and a true minus sign (−0.2994).

    >>> number(-0.29943), number(0.5), number(-0.0)
    ('−0.2994', '0.5000', '0.0000')
    """
    s = fmt(x + 0.0)  # -0.0 + 0.0 is 0.0: no "−0.0000"
    return "−" + s[1:] if s.startswith("-") else s


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
    options = _options(
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
    return _Graph(root, **options).dot()


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
    svg = _pipe(dot, "svg")
    if path is not None:
        write_atomic(path, svg)
    return svg


class Frame(graphviz.Digraph):
    """One picture of the backward pass, laid out already: Graphviz draws it where it stands.

    Its nodes and edges carry the positions of one layout shared by every frame of the pass
    (``pos`` attributes), and it renders with ``neato -n2``, which keeps them: the nodes stay
    put from frame to frame. ``step`` is 0 for the graph before the pass, then 1, 2, ...;
    ``caption`` says what the step does. To render its ``source`` by hand:
    ``neato -n2 -Tsvg``.
    """

    step: int = 0
    caption: str = ""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        if self.engine == "neato":
            kwargs.setdefault("neato_no_op", 2)
        return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        if self.engine == "neato":
            kwargs.setdefault("neato_no_op", 2)
        return super().render(*args, **kwargs)


def backward_frames(root: Value, **draw_options: Any) -> Iterator[Frame]:
    """Yield one picture per backward step, from empty grads, after the graph before the pass.

    The first frame shows the graph before the pass (no grads yet); then each step marks the
    node whose grad is now final and fills in the grads passed on so far, exactly as
    ``root.backward()`` would compute them from zero grads. A grad not reached yet reads
    ``grad —``; one that has received only part of its sum ends in ``+…``. The graph
    itself is left as it was (grads included). The frames share one layout (one Graphviz
    run, on the first ``next()``): each is a :class:`Frame` with fixed positions, so the
    nodes stay put; without Graphviz they come without positions. They are the pictures
    :func:`write_frames` and :func:`stepper` show.

    >>> from micrograd_cbook import Value
    >>> w = Value(0.5, "w"); a = (w * 2).sigmoid()
    >>> frames = list(backward_frames(a))
    >>> len(frames), w.grad, frames[0].caption.startswith("Before")
    (3, 0.0, True)
    """
    graph = _Graph(root, **_options(draw_options))
    frames = _backward(graph)
    try:
        layout = _Layout.of(graph, frames)
    except (GraphvizMissingError, graphviz.CalledProcessError, ValueError):
        layout = None  # no Graphviz, or one too old for -Tjson: frames without positions
    for frame in frames:
        dot = graph.dot(frame, layout, frames=True)
        dot.step, dot.caption = frame.step, frame.caption
        yield dot


def write_frames(
    root: Value, folder: str | os.PathLike, *, title: str | None = None, **draw_options: Any
) -> Path:
    """Write the pass as ``step-00.svg`` (before it), ``step-01.svg``, ... and ``index.html``.

    ``index.html`` is the page of :func:`stepper`, self-contained (the picture inline, no
    network: it works from ``file://``), with buttons, a slider and the arrow keys. The graph
    is laid out once (one Graphviz run); each frame changes only colours and numbers.
    Returns the page's path. Old ``step-NN.svg`` files of an earlier, longer run in
    ``folder`` are removed.
    """
    folder = Path(folder)
    show = _stepper(root, title, "mgcb", draw_options)  # one player per page: a fixed id
    svgs = show.frame_svgs()  # render all first: no half-written folder
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(svgs) - 1)))
    names = [f"step-{k:0{width}d}.svg" for k in range(len(svgs))]
    for name, svg in zip(names, svgs):
        write_atomic(folder / name, svg)
    for old in folder.glob("step-*.svg"):
        if re.fullmatch(r"step-\d+\.svg", old.name) and old.name not in names:
            old.unlink()
    page = folder / "index.html"
    write_atomic(page, show.page())
    return page


def stepper(root: Value, *, title: str | None = None, **draw_options: Any) -> Stepper:
    """The backward pass, step by step, shown inline in Jupyter (buttons, slider, ← → keys).

    Frame 0 is the graph before the pass, then one frame per step, as in
    :func:`backward_frames`. One Graphviz run lays the graph out; each step changes only
    colours and numbers, so the nodes stay put. The HTML is self-contained (nothing loaded
    from the network) and its ids are unique, so several steppers live in one notebook. The
    graph is left as it was. Click the picture, then ← → step through it.

    >>> from micrograd_cbook import Value
    >>> w = Value(0.5, "w"); a = (w * 2).sigmoid(); a.label = "a"
    >>> show = stepper(a)   # doctest: +SKIP
    >>> len(show), show.captions[1][:26]   # doctest: +SKIP
    (3, 'Step 1 of 2: a (data 0.731')
    """
    return _stepper(root, title, f"mgcb-{uuid.uuid4().hex[:12]}", draw_options)


def snapshots(
    roots: Sequence[Value],
    captions: Sequence[str],
    *,
    title: str = "Snapshots",
    **draw_options: Any,
) -> Stepper:
    """The same graph at several moments (say, after each epoch), laid out once: a player.

    ``roots`` are graphs of one shape (the same operations, labels and sharing, e.g. a
    network's cost on one example, built again after each update); frame k shows the data
    and grads of ``roots[k]`` in the picture of ``roots[0]``. ``stop_at`` (a draw option)
    names values of ``roots[0]``; the same places are cut in every graph. Nothing is changed.
    """
    roots = list(roots)
    if not roots or len(captions) != len(roots):
        raise ValueError(
            f"snapshots needs at least one graph and one caption per graph, got "
            f"{len(roots)} graphs and {len(captions)} captions"
        )
    graph = _Graph(roots[0], **_options(draw_options))
    frames = []
    for k, (root, caption) in enumerate(zip(roots, captions)):
        nodes = _same_shape(graph, root, k)
        local = tuple(
            () if mine in graph.stops else tuple(theirs.local_grads)
            for mine, theirs in zip(graph.order, nodes)
        )
        frames.append(
            _Frame(
                k,
                caption,
                tuple(n.data for n in nodes),
                tuple(("final", n.grad) for n in nodes),
                local=local,
            )
        )
    return Stepper(_Film(graph, frames, f"mgcb-{uuid.uuid4().hex[:12]}"), title)


class Stepper:
    """Frames of one picture laid out once, and the player that shows them.

    ``len(s)`` frames; ``s.captions``; ``s.frame_svgs()`` each frame as SVG text;
    ``s.html()`` the fragment Jupyter shows; ``s.page()`` a whole offline page;
    ``s.base_svg()`` and ``s.player_data()`` what :func:`micrograd_cbook.player.player_html`
    needs, for a page of one's own.
    """

    def __init__(self, film: _Film, title: str, counter: str = "frame") -> None:
        self._film = film
        self.title = title
        self.uid = film.uid
        self.counter = counter
        self.captions = [f.caption for f in film.frames]

    def __len__(self) -> int:
        return len(self.captions)

    def __repr__(self) -> str:
        return f"<Stepper {self.title!r}: {len(self)} frames>"

    def frame_svgs(self) -> list[str]:
        return [self._film.svg(k) for k in range(len(self))]

    def base_svg(self) -> str:
        return self._film.svg(0)

    def player_data(self) -> dict[str, Any]:
        return self._film.player_data()

    def html(self, *, page_keys: bool = False) -> str:
        return player_html(
            self.uid,
            self.title,
            self.base_svg(),
            self.player_data(),
            page_keys=page_keys,
            counter=self.counter,
        )

    def _repr_html_(self) -> str:
        return self.html()

    def page(self) -> str:
        return page_html(self.title, self.html(page_keys=True))


def _stepper(root: Value, title: str | None, uid: str, draw_options: dict) -> Stepper:
    graph = _Graph(root, **_options(draw_options))
    frames = _backward(graph)
    if title is None:
        title = f"Back-propagation through {_name(root) if root.label else 'the graph'}"
    return Stepper(_Film(graph, frames, uid), title, counter="step")


def _same_shape(graph: _Graph, root: Value, k: int) -> list[Value]:
    """The nodes of ``root`` that stand where ``graph``'s nodes stand, in ``graph``'s order."""
    if not isinstance(root, Value):
        raise TypeError(f"snapshots: graph {k} is a {type(root).__name__}, not a Value")
    match = {graph.root: root}
    stack = [graph.root]
    while stack:
        a = stack.pop()
        b = match[a]
        kids = [c for c, _ in graph.inputs(a)]
        if a.op != b.op or a.label != b.label or (kids and len(kids) != len(b.children)):
            raise ValueError(
                f"snapshots: graph {k} differs from graph 0 at {_name(a)} "
                f"(give graphs of one shape)"
            )
        for ca, cb in zip(kids, b.children):
            if ca not in match:
                match[ca] = cb
                stack.append(ca)
            elif match[ca] is not cb:
                raise ValueError(
                    f"snapshots: graph {k} shares its nodes differently from "
                    f"graph 0 (at {_name(ca)})"
                )
    return [match[n] for n in graph.order]


# --------------------------------------------------------------------------- internals


def _options(options: dict[str, Any]) -> dict[str, Any]:
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


def _as_values(values: Any, what: str) -> list[Value]:
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
class _Frame:
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

    def local_grads(self, graph: _Graph, i: int) -> Sequence[float]:
        if self.local is not None:
            return self.local[i]
        return [lg for _, lg in graph.inputs(graph.order[i])]


class _Graph:
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
        self.stops = set(_as_values(stop_at, "stop_at"))
        nodes_drawn(root, self.stops, max_nodes)  # refused above max_nodes
        self.root = root
        self.order = _order(root, self.stops)
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
        self.sources = _as_values(highlight, "highlight")
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
        return set(_as_values(parameters, "parameters"))

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

    def final(self) -> _Frame:
        """The static picture: every node's own data and grad."""
        return _Frame(
            0, "", tuple(n.data for n in self.order), tuple(("final", n.grad) for n in self.order)
        )

    # ------------------------------------------------------------------ DOT

    def dot(
        self,
        frame: _Frame | None = None,
        layout: _Layout | None = None,
        widest: _Widest | None = None,
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
            "fontname": _FONT,
            "fontsize": _EDGE_FONTSIZE,
            "nodesep": "0.06",
            "ranksep": "0.35",
            "ordering": "in",
        }
        if pinned:
            attrs = {
                "bb": layout.bb,
                "bgcolor": "white",
                "fontname": _FONT,
                "fontsize": _EDGE_FONTSIZE,
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
        dot.attr("node", fontname=_FONT, fontsize=_NODE_FONTSIZE)
        dot.attr("edge", fontname=_FONT, fontsize=_EDGE_FONTSIZE, arrowsize="0.5")
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
                "style": _KIND_STYLE.get(self.kinds[i], "filled"),
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
                dot.node(head, f"<{_escape(node.op)}>", **attrs)
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

    def node_look(self, i: int, frame: _Frame) -> dict[str, str]:
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
            color, penwidth = _CURRENT_EDGE, "3"
        elif lit:
            color, penwidth = _HIGHLIGHT, "2.5"
        else:
            color, penwidth = _INK, "1.6" if kind == "output" else "1"
        if state == "final":
            text, text_fill, italic = f"grad {number(grad)}", _INK, False
        elif state == "partial":
            text, text_fill, italic = f"grad {number(grad)}{_PARTIAL}", _INK, True
        else:
            text, text_fill, italic = "grad —", _EMPTY, False
        return {
            "class": " ".join(classes),
            "fill": _CURRENT_FILL if current else _FILL[kind],
            "color": color,
            "penwidth": penwidth,
            "grad_text": text,
            "grad_fill": text_fill,
            "grad_style": "italic" if italic else "normal",
        }

    @staticmethod
    def op_look(lit: bool, current: bool) -> dict[str, str]:
        return {
            "fillcolor": _CURRENT_FILL if current else "#f4f4f4",
            "color": _HIGHLIGHT if lit else "#555555",
            "penwidth": "2" if lit else "1",
        }

    @staticmethod
    def edge_look(lit: bool, current: bool) -> dict[str, str]:
        if current:
            return {
                "color": _CURRENT_EDGE,
                "penwidth": "3" if lit else "2.5",
                "fontcolor": _CURRENT_EDGE,
            }
        if lit:
            return {"color": _HIGHLIGHT, "penwidth": "2.5", "fontcolor": _HIGHLIGHT}
        return {"color": _EDGE, "penwidth": "1", "fontcolor": _EDGE_TEXT}

    def _header(self, node: Value) -> str:
        parts = []
        if node.label:
            parts.append(f"<B>{_escape(_shorten(node.label))}</B>")
        if self.inputs(node) and self.style == "compact":
            parts.append(f'<FONT COLOR="{_OP_TEXT}">{_escape(_op_text(node))}</FONT>')
        return "  ".join(parts)

    def _compact_label(self, node: Value, data_text: str, grad_text: str, look: dict) -> str:
        """A value as three rows: label and operation, data, grad."""
        rows = []
        header = self._header(node)
        if header:
            rows.append(f"<TR><TD>{header}</TD></TR>")
        rows.append(f'<TR><TD ALIGN="LEFT">{data_text}</TD></TR>')
        rows.append(f'<TR><TD ALIGN="LEFT">{_grad_html(grad_text, look)}</TD></TR>')
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
        cells.append(f'<TD ALIGN="LEFT">{_grad_html(grad_text, look)}</TD>')
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
                entries.append((_swatch(_FILL[kind]), _KIND_NAMES[kind]))
        if self.sources:
            names = ", ".join(_name(v) for v in self.sources[:3])
            more = ", …" if len(self.sources) > 3 else ""
            entries.append((_stroke(_HIGHLIGHT), f"path from {names}{more} to {_name(self.root)}"))
        if frames:
            entries.append((_swatch(_CURRENT_FILL, _CURRENT_EDGE), "being processed"))
            entries.append((_stroke(_CURRENT_EDGE), "its grad passed on"))
            entries.append((f'<FONT COLOR="{_EMPTY}">grad —</FONT>', "not reached yet"))
            entries.append((f"<I>{_escape(_PARTIAL.strip())}</I>", "partial sum"))
        per_row = 3 if self.rankdir in ("BT", "TB") else 4
        rows = []
        for start in range(0, len(entries), per_row):
            cells = "".join(
                f'<TD ALIGN="RIGHT">{mark}</TD><TD ALIGN="LEFT">{_escape(text)}</TD>'
                for mark, text in entries[start : start + per_row]
            )
            rows.append(f"<TR>{cells}</TR>")
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            + "".join(rows)
            + "</TABLE>>"
        )


def _op_text(node: Value) -> str:
    """The operation in a value's box: a small formula of its inputs when it is unlabelled.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.5, "a")
    >>> _op_text(y - a), _op_text((y - a) ** 2), _op_text(a.sigmoid())
    ('y − a', '(…)²', 'sigmoid(a)')
    """
    if not node.label:
        formula = _formula(node, 1)
        if formula is not None and len(formula) <= 14:
            return formula
    if node.op in _POWERS:
        return "(…)" + _POWERS[node.op]
    return _OP_SYMBOLS.get(node.op, node.op)


def _grad_html(text: str, look: dict) -> str:
    body = _escape(text)
    if look["grad_style"] == "italic":
        body = f"<I>{body}</I>"
    if look["grad_fill"] != _INK:
        body = f'<FONT COLOR="{look["grad_fill"]}">{body}</FONT>'
    return body


def _swatch(fill: str, border: str = _INK) -> str:
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" COLOR="{border}">'
        f'<TR><TD BGCOLOR="{fill}" WIDTH="14" HEIGHT="9"></TD></TR></TABLE>'
    )


def _stroke(color: str) -> str:
    return f'<FONT COLOR="{color}"><B>━━</B></FONT>'


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


def _order(root: Value, stops: set[Value]) -> list[Value]:
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


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _escape(text: str) -> str:
    r"""Make any text safe inside a Graphviz HTML-like label (and so in the SVG).

    ``& < > " ]`` become entities; a backslash is doubled (Graphviz reads ``\N``, ``\G``, ...
    even in HTML labels); a newline becomes a line break; characters XML cannot hold become �.

    >>> _escape('a<b> & "c"\\N\n{d}')
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


_POWERS = {"**2": "²", "**3": "³", "**-1": "⁻¹"}


def _name(node: Value, depth: int = 2) -> str:
    """A short readable name for captions: the label, a constant's number, or a small formula.

    >>> from micrograd_cbook import Value
    >>> y, a = Value(1.0, "y"), Value(0.5, "a")
    >>> _name((y - a) ** 2), _name(2 * a), _name(Value(3.0))
    ('(y − a)²', '2 × a', 'an unlabelled leaf')
    """
    if node.label:
        return _shorten(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if not node.op:
        return "an unlabelled leaf"
    text = _formula(node, depth)
    return text if text is not None and len(text) <= MAX_LABEL else f"the {node.op} node"


def _formula(node: Value, depth: int) -> str | None:
    """``node`` written as a formula of its inputs' names, or None when that gets too deep."""
    if node.label:
        return _shorten(node.label)
    if isinstance(node, Constant):
        return f"{node.data:g}".replace("-", "−")
    if not node.op or depth == 0:
        return None
    parts = [_formula(c, depth - 1) for c in node.children]
    if any(p is None for p in parts):
        return None
    wrapped = [p if _atomic(c) else f"({p})" for p, c in zip(parts, node.children)]
    if node.op in ("+", "-", "*", "/") and len(parts) == 2:
        return f" {_OP_SYMBOLS.get(node.op, node.op)} ".join(wrapped)
    if node.op in _POWERS and len(parts) == 1:
        return wrapped[0] + _POWERS[node.op]
    if len(parts) == 1 and node.op.isidentifier():
        return f"{node.op}({parts[0]})"
    return None


def _atomic(node: Value) -> bool:
    return bool(node.label) or not node.children


# ----------------------------------------------------------------- the backward pass


def _backward(graph: _Graph) -> list[_Frame]:
    """The frames of a backward pass from zero grads: the graph before it, then each step.

    The numbers come from :func:`backward_steps`, the engine's own chain-rule loop, so the
    frames show exactly what ``backward()`` computes, in its order. That loop writes the
    grads of the user's nodes, so every grad it can touch is saved first, set to 0 (a pass
    from empty grads, whatever earlier passes left) and restored in ``finally``: when this
    returns, or fails, every ``.grad`` is as it was. (A second, private chain rule that
    never touched the nodes could drift from the engine's; this shows the engine itself.)
    """
    root = graph.root
    drawn = graph.index
    data = tuple(n.data for n in graph.order)
    touched = nodes_drawn(root)  # the pass also reaches the nodes hidden below stop_at
    saved = [(node, node.grad) for node in touched]
    # A node's grad is final once each of its uses has passed its share back.
    expected = dict.fromkeys(graph.order, 0)
    for node in touched:
        for child in node.children:
            if child in expected:
                expected[child] += 1
    received = dict.fromkeys(graph.order, 0)
    steps = []
    try:
        for node, _ in saved:
            node.grad = 0.0
        for step in backward_steps(root):
            for child, _local, _contribution in step.contributions:
                if child in received:
                    received[child] += 1
            if step.node not in drawn:
                continue  # below a stop_at value: not drawn
            grads = []
            for n in graph.order:
                if n is root or received[n] == expected[n]:
                    state = "final" if n is root or received[n] else "empty"
                else:
                    state = "partial" if received[n] else "empty"
                grads.append((state, n.grad))
            steps.append((step, tuple(grads)))
    finally:
        for node, grad in saved:
            node.grad = grad
    n = len(steps)
    name = _name(root)
    if n:
        first = (
            f"Before the backward pass: no grads yet. It starts at {name} with "
            f"∂{name}/∂{name} = 1 and visits each value once every value made from it "
            f"has passed its grad back: {n} steps."
        )
    else:
        first = f"{name} is a leaf: the backward pass has no steps (its grad simply grows by 1)."
    frames = [_Frame(0, first, data, tuple(("empty", 0.0) for _ in graph.order))]
    for k, (step, grads) in enumerate(steps, start=1):
        frames.append(_Frame(k, _caption(step, k, n), data, grads, drawn[step.node]))
    return frames


def _caption(step: Any, k: int, n: int) -> str:
    node = step.node
    name = _name(node)
    parts = "; ".join(
        f"grad of {_caption_name(child)} += {_factor(local)} × {_factor(step.grad)} "
        f"= {number(contribution)}"
        for child, local, contribution in step.contributions
    )
    return (
        f"Step {k} of {n}: {name} (data {number(node.data)}) has its final grad "
        f"{number(step.grad)} and passes it on by the chain rule: {parts}."
    )


def _caption_name(node: Value) -> str:
    name = _name(node)
    return f"the constant {name}" if isinstance(node, Constant) and not node.label else name


def _factor(x: float) -> str:
    """A factor in a product: negative numbers in parentheses, as in ``0.2098 × (−0.2994)``."""
    s = number(x)
    return f"({s})" if s.startswith("−") else s


# ------------------------------------------------------------------ one layout


def _pipe(dot: graphviz.Digraph, fmt_: str) -> str:
    """Run Graphviz; a missing program becomes :class:`GraphvizMissingError`."""
    try:
        return dot.pipe(format=fmt_, encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError() from None


@dataclass(frozen=True)
class _Widest:
    """Each node's widest data and grad text, and each edge label's, over a film's frames."""

    data: list[str]
    grad: list[str]
    local: list[list[str]]


def _widest(graph: _Graph, frames: Sequence[_Frame]) -> _Widest:
    """The widest texts over ``frames``: laid out with them, every frame fits."""

    def widest(texts: Iterable[str]) -> str:
        return max(sorted(set(texts)), key=_text_width)

    n = len(graph.order)
    return _Widest(
        [widest(f.data_text(i) for f in frames) for i in range(n)],
        [widest(graph.node_look(i, f)["grad_text"] for f in frames) for i in range(n)],
        [
            [
                widest(number(f.local_grads(graph, i)[k]) for f in frames)
                for k in range(len(graph.inputs(graph.order[i])))
            ]
            for i in range(n)
        ],
    )


def _text_width(text: str) -> float:
    """Roughly how wide ``text`` is in Helvetica, in ems (enough to pick the widest)."""
    narrow, wide = set(" .,:;'!|ijlft()[]"), set("mwMW—%")
    return sum(0.28 if c in narrow else 0.85 if c in wide else 0.56 for c in text)


class _Layout:
    """Where one Graphviz run put every node and edge: the positions the frames share."""

    def __init__(self, laid_out: dict) -> None:
        self.bb = laid_out.get("bb", "0,0,0,0")
        self.graph = {"lp": laid_out["lp"]} if "lp" in laid_out else {}
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: dict[str, dict[str, str]] = {}
        for obj in laid_out.get("objects", []):
            if "pos" in obj:
                self.nodes[obj["name"]] = {
                    "pos": obj["pos"] + "!",
                    "width": obj["width"],
                    "height": obj["height"],
                    "fixedsize": "true",
                }
        for edge in laid_out.get("edges", []):
            attrs = {"pos": edge["pos"]}
            if "lp" in edge:
                attrs["lp"] = edge["lp"]
            self.edges[edge["id"]] = attrs

    @classmethod
    def of(cls, graph: _Graph, frames: Sequence[_Frame]) -> _Layout:
        dot = graph.dot(frames[-1], widest=_widest(graph, frames), frames=True)
        return cls(json.loads(_pipe(dot, "json")))

    def node_attrs(self, name: str) -> dict[str, str]:
        return self.nodes.get(name, {})

    def edge_attrs(self, edge_id: str) -> dict[str, str]:
        return self.edges.get(edge_id, {})


_SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_SHAPES = {f"{{{_SVG_NS}}}{t}" for t in ("polygon", "path", "ellipse", "polyline", "rect")}
_TEXT = f"{{{_SVG_NS}}}text"


class _Film:
    """One SVG laid out once, and for each frame the values of the parts that change.

    Graphviz draws the graph once, each node sized for its widest grad of all frames. Every
    part a frame may change (a node's fill and border, its data and grad text, an edge's
    colour and width) gets an id ``<uid>-n3-grad``, ...; a frame is then one value per part,
    set by Python (the SVG files) or by the page's script (the stepper), never a new layout.
    """

    def __init__(self, graph: _Graph, frames: Sequence[_Frame], uid: str) -> None:
        self.graph = graph
        self.frames = list(frames)
        self.uid = uid
        self.steps = any(
            f.current is not None or any(s != "final" for s, _ in f.grads) for f in self.frames
        )  # a backward pass, not snapshots
        dot = graph.dot(self.frames[0], widest=_widest(graph, self.frames), frames=self.steps)
        self.tree = ET.fromstring(_pipe(dot, "svg"))
        self.parts = self._mark_parts()
        self.props = [prop for prop, _ in self._props(self.frames[0])]
        self.values = [[v for _, v in self._props(f)] for f in self.frames]
        self._cut: tuple[list[str], list[int]] | None = None
        self._escaped: dict[str, str] = {}

    def _mark_parts(self) -> dict[str, ET.Element]:
        """Give every element a frame may change an id; prefix every id with the film's uid."""
        parts: dict[str, ET.Element] = {}
        for element in self.tree.iter():
            name = element.get("id")
            if name is None:
                continue
            element.set("id", f"{self.uid}-{name}")
            if not element.tag.endswith("}g"):
                continue
            shapes = [c for c in element if c.tag in _SHAPES]
            texts = [c for c in element if c.tag == _TEXT]
            if re.fullmatch(r"n\d+", name):
                parts[name] = element
                if shapes:
                    parts[f"{name}-shape"] = shapes[0]
                # the last two rows (cells) are "data …" and "grad …"; a label comes first
                data = [t for t in texts if (t.text or "").startswith("data ")]
                grad = [t for t in texts if (t.text or "").startswith("grad ")]
                if data and grad:
                    parts[f"{name}-data"], parts[f"{name}-grad"] = data[-1], grad[-1]
            elif re.fullmatch(r"n\d+op", name) and shapes:
                parts[f"{name}-shape"] = shapes[0]
            elif re.fullmatch(r"e\d+", name):
                paths = [c for c in shapes if c.tag.endswith("}path")]
                heads = [c for c in shapes if c.tag.endswith("}polygon")]
                if paths:
                    parts[f"{name}-path"] = paths[0]
                if heads:
                    parts[f"{name}-head"] = heads[0]
                if texts:
                    parts[f"{name}-label"] = texts[0]
        for name, element in parts.items():
            element.set("id", f"{self.uid}-{name}")
        return parts

    def _props(self, frame: _Frame) -> Iterator[tuple[tuple[str, str], str]]:
        """((part, attribute), value) for every changing part of ``frame``, in a fixed order."""
        graph = self.graph
        edge_no = 0
        for i, node in enumerate(graph.order):
            name = f"n{i}"
            look = graph.node_look(i, frame)
            yield (name, "class"), f"node {look['class']}"
            yield (f"{name}-shape", "fill"), look["fill"]
            yield (f"{name}-shape", "stroke"), look["color"]
            yield (f"{name}-shape", "stroke-width"), look["penwidth"]
            yield (f"{name}-data", "text"), frame.data_text(i)
            yield (f"{name}-grad", "text"), look["grad_text"]
            yield (f"{name}-grad", "fill"), look["grad_fill"]
            yield (f"{name}-grad", "font-style"), look["grad_style"]
            inputs = graph.inputs(node)
            if not inputs:
                continue
            current = frame.current == i
            if graph.style == "micrograd":
                op_lit = node in graph.on_path and any(c in graph.on_path for c, _ in inputs)
                op = graph.op_look(op_lit, current)
                yield (f"{name}op-shape", "fill"), op["fillcolor"]
                edge_no += 1  # the op → value edge never changes
            locals_ = frame.local_grads(graph, i)
            for k, (child, _) in enumerate(inputs):
                look = graph.edge_look(child in graph.on_path, current)
                e = f"e{edge_no}"
                yield (f"{e}-path", "stroke"), look["color"]
                yield (f"{e}-path", "stroke-width"), look["penwidth"]
                yield (f"{e}-head", "fill"), look["color"]
                yield (f"{e}-head", "stroke"), look["color"]
                yield (f"{e}-head", "stroke-width"), look["penwidth"]
                if graph.show_local_grads:
                    yield (f"{e}-label", "fill"), look["fontcolor"]
                    yield (f"{e}-label", "text"), number(locals_[k])
                edge_no += 1

    def _template(self) -> tuple[list[str], list[int]]:
        """The SVG text cut around every changing value: frame k is one join of its values.

        Each part's value is replaced by a marker (characters of Unicode's private use area,
        never in our text), the tree is serialised once, and the text is split at the
        markers: a frame then costs one string join instead of a serialisation.
        """
        if self._cut is None:
            for j, (part, attr) in enumerate(self.props):
                element = self.parts.get(part)
                if element is None:
                    continue
                marker = f"\ue000{j}\ue001"
                if attr == "text":
                    element.text = marker
                else:
                    element.set(attr, marker)
            pieces = re.split("\ue000(\\d+)\ue001", ET.tostring(self.tree, encoding="unicode"))
            self._cut = (pieces[0::2], [int(j) for j in pieces[1::2]])
        return self._cut

    def svg(self, k: int) -> str:
        """Frame ``k`` as a whole SVG document."""
        texts, slots = self._template()
        values = self.values[k]
        escaped = self._escaped
        out = [texts[0]]
        for j, text in zip(slots, texts[1:]):
            value = values[j]
            if value not in escaped:
                escaped[value] = html.escape(value)
            out.append(escaped[value])
            out.append(text)
        return "".join(out) + "\n"

    def player_data(self) -> dict[str, Any]:
        """What the page's script needs: each part that changes, and when it changes to what."""
        props, changes = [], []
        for j, (part, attr) in enumerate(self.props):
            if part not in self.parts:
                continue
            when = [0, self.values[0][j]]
            for k, row in enumerate(self.values):
                if row[j] != when[-1]:
                    when += [k, row[j]]
            if len(when) > 2:
                props.append([f"{self.uid}-{part}", attr])
                changes.append(when)
        return {"props": props, "changes": changes, "captions": [f.caption for f in self.frames]}
