"""The backward pass, frame by frame, in one layout: :func:`backward_frames`, :func:`stepper`,
:func:`write_frames` and :func:`snapshots`.

One Graphviz run lays a graph out for all its frames, each box sized for its widest text; a
frame then only sets colours and numbers on parts with stable ids (``<uid>-n3-grad``, ...):
:func:`write_frames` and :func:`stepper` in Python and in the page's script,
:func:`backward_frames` as Digraphs pinned to that layout (Graphviz draws them with
``neato -n2``, which keeps every position).
"""

from __future__ import annotations

import html
import json
import os
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import graphviz

from ..engine import Constant, Value
from ..files import write_atomic
from ..notation import factor, number
from ..stepping import backward_steps, folded_edges
from .graph import (
    Drawing,
    FrameState,
    GraphvizMissingError,
    check_options,
    nodes_drawn,
    pipe,
)
from .labels import picture_name
from .layout import Frame, Layout, Widest, text_width
from .player import page_html, player_html

__all__ = ["Frame", "Stepper", "backward_frames", "snapshots", "stepper", "write_frames"]


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
    >>> frames = list(backward_frames(a))   # the tree: a ← w, one edge, one step
    >>> len(frames), w.grad, frames[0].caption.startswith("Before")
    (2, 0.0, True)
    >>> len(list(backward_frames(a, unfold=True)))   # σ, then ×
    3
    """
    graph = Drawing(root, **check_options(draw_options))
    frames = _backward(graph)
    try:
        layout = layout_of(graph, frames)
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
    graph = Drawing(roots[0], **check_options(draw_options))
    frames = []
    for k, (root, caption) in enumerate(zip(roots, captions)):
        match = _same_shape(graph, root, k)
        nodes = [match[n] for n in graph.order]
        frames.append(
            FrameState(
                k,
                caption,
                tuple(n.data for n in nodes),
                tuple(("final", n.grad) for n in nodes),
                local=_factors(graph, match),
            )
        )
    return Stepper(_Film(graph, frames, f"mgcb-{uuid.uuid4().hex[:12]}"), title)


class Stepper:
    """Frames of one picture laid out once, and the player that shows them.

    ``len(s)`` frames; ``s.captions``; ``s.frame_svgs()`` each frame as SVG text;
    ``s.html()`` the fragment Jupyter shows; ``s.page()`` a whole offline page;
    ``s.base_svg()`` and ``s.player_data()`` what :func:`micrograd_cbook.viz.player.player_html`
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
    graph = Drawing(root, **check_options(draw_options))
    frames = _backward(graph)
    if title is None:
        title = f"Back-propagation through {picture_name(root) if root.label else 'the graph'}"
    return Stepper(_Film(graph, frames, uid), title, counter="step")


def _same_shape(graph: Drawing, root: Value, k: int) -> dict[Value, Value]:
    """Where each node of ``graph`` stands in ``root``'s graph: node → node.

    The two graphs are matched node by node (every operation, folded or not), so that
    :func:`_factors` can fold ``root``'s graph where ``graph`` folds its own.
    """
    if not isinstance(root, Value):
        raise TypeError(f"snapshots: graph {k} is a {type(root).__name__}, not a Value")
    match = {graph.root: root}
    stack = [graph.root]
    while stack:
        a = stack.pop()
        b = match[a]
        kids = [] if a in graph.stops else list(a.children)
        if a.op != b.op or a.label != b.label or (kids and len(kids) != len(b.children)):
            raise ValueError(
                f"snapshots: graph {k} differs from graph 0 at {picture_name(a)} "
                f"(give graphs of one shape)"
            )
        for ca, cb in zip(kids, b.children):
            if ca not in match:
                match[ca] = cb
                stack.append(ca)
            elif match[ca] is not cb:
                raise ValueError(
                    f"snapshots: graph {k} shares its nodes differently from "
                    f"graph 0 (at {picture_name(ca)})"
                )
    return match


def _factors(graph: Drawing, match: dict[Value, Value]) -> tuple[tuple[float, ...], ...]:
    """Each box's edge factors in a graph of the same shape (``match``: where each node is)."""
    shown = {match[n] for n in graph.order}
    factors = []
    for mine in graph.order:
        theirs = match[mine]
        if mine in graph.stops or not graph.inputs(mine):
            factors.append(())
        elif graph.unfold:
            factors.append(tuple(theirs.local_grads))
        else:
            edges = folded_edges(theirs, shown.__contains__)
            factors.append(tuple(f for _, f in edges))
    return tuple(factors)


# ----------------------------------------------------------------- the backward pass


def _backward(graph: Drawing) -> list[FrameState]:
    """The frames of a backward pass from zero grads: the graph before it, then each step.

    The numbers come from :func:`backward_steps`, the engine's own chain-rule loop, so the
    frames show exactly what ``backward()`` computes, in its order. That loop writes the
    grads of the user's nodes, so every grad it can touch is saved first, set to 0 (a pass
    from empty grads, whatever earlier passes left) and restored in ``finally``: when this
    returns, or fails, every ``.grad`` is as it was. (A second, private chain rule that
    never touched the nodes could drift from the engine's; this shows the engine itself.)
    A step at a box is one frame, taken once the unnamed steps folded into its edges below
    (the engine's next steps) have passed its grad on to the boxes below.
    """
    root = graph.root
    drawn = graph.index
    data = tuple(n.data for n in graph.order)
    touched = nodes_drawn(root)  # the pass also reaches the nodes hidden below stop_at
    saved = [(node, node.grad) for node in touched]
    # A box's grad is final once each of its uses has passed its share back.
    expected = dict.fromkeys(graph.order, 0)
    for node in touched:
        for child in node.children:
            if child in expected:
                expected[child] += 1
    received = dict.fromkeys(graph.order, 0)
    steps: list[tuple[Any, tuple[tuple[str, float], ...]]] = []

    def snapshot() -> tuple[tuple[str, float], ...]:
        grads = []
        for n in graph.order:
            if n is root or received[n] == expected[n]:
                state = "final" if n is root or received[n] else "empty"
            else:
                state = "partial" if received[n] else "empty"
            grads.append((state, n.grad))
        return tuple(grads)

    pending = None
    try:
        for node, _ in saved:
            node.grad = 0.0
        for step in backward_steps(root):
            if step.node in drawn and graph.inputs(step.node):
                if pending is not None:
                    steps.append((pending, snapshot()))
                pending = step
            for child, _local, _contribution in step.contributions:
                if child in received:
                    received[child] += 1
        if pending is not None:
            steps.append((pending, snapshot()))
    finally:
        for node, grad in saved:
            node.grad = grad
    n = len(steps)
    name = picture_name(root)
    if n:
        first = (
            f"Before the backward pass: no grads yet. It starts at {name} with "
            f"∂{name}/∂{name} = 1 and visits each value once every value made from it "
            f"has passed its grad back: {n} steps."
        )
    else:
        first = f"{name} is a leaf: the backward pass has no steps (its grad simply grows by 1)."
    frames = [FrameState(0, first, data, tuple(("empty", 0.0) for _ in graph.order))]
    for k, (step, grads) in enumerate(steps, start=1):
        caption = _caption(graph, step.node, step.grad, k, n)
        frames.append(FrameState(k, caption, data, grads, drawn[step.node]))
    return frames


def _caption(graph: Drawing, node: Value, grad: float, k: int, n: int) -> str:
    """What step ``k`` does, in the picture's names: each edge's factor times the grad."""
    name, top = picture_name(node), picture_name(graph.root)
    parts = "; ".join(
        f"grad of {caption_name(child)} += ∂{name}/∂{picture_name(child)} · ∂{top}/∂{name} "
        f"= {factor(f)} × {factor(grad)} = {number(f * grad)}"
        for child, f in graph.inputs(node)
    )
    return (
        f"Step {k} of {n}: {name} (data {number(node.data)}) has its final grad "
        f"{number(grad)} and passes it on by the chain rule: {parts}."
    )


def caption_name(node: Value) -> str:
    name = picture_name(node)
    return f"the constant {name}" if isinstance(node, Constant) and not node.label else name


def _widest(graph: Drawing, fs: Sequence[FrameState]) -> Widest:
    """The widest texts over the frames ``fs``: laid out with them, every frame fits."""

    def widest(texts: Iterable[str]) -> str:
        return max(sorted(set(texts)), key=text_width)

    n = len(graph.order)
    return Widest(
        [widest(graph.data_text(f, i) for f in fs) for i in range(n)],
        [widest(graph.node_look(i, f)["grad_text"] for f in fs) for i in range(n)],
        [
            [
                widest(graph.edge_label(node, child, f.local_grads(graph, i)[k]) or "" for f in fs)
                for k, (child, _) in enumerate(graph.inputs(node))
            ]
            for i, node in enumerate(graph.order)
        ],
    )


def layout_of(graph: Drawing, frames: Sequence[FrameState]) -> Layout:
    """One Graphviz run for ``frames``: every node sized for its widest text of all of them."""
    dot = graph.dot(frames[-1], widest=_widest(graph, frames), frames=True)
    return Layout(json.loads(pipe(dot, "json")))


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

    def __init__(self, graph: Drawing, frames: Sequence[FrameState], uid: str) -> None:
        self.graph = graph
        self.frames = list(frames)
        self.uid = uid
        self.steps = any(
            f.current is not None or any(s != "final" for s, _ in f.grads) for f in self.frames
        )  # a backward pass, not snapshots
        dot = graph.dot(
            self.frames[0],
            widest=_widest(graph, self.frames),
            frames=self.steps,
            equation=self.steps,  # snapshots' factors change: no one product in the legend
        )
        self.tree = ET.fromstring(pipe(dot, "svg"))
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
                # the last rows are data and grad (a constant has no grad); the header first
                rows = 1 if self.graph.kinds[int(name[1:])] == "constant" else 2
                if len(texts) >= rows:
                    parts[f"{name}-data"] = texts[-rows]
                    if rows == 2:
                        parts[f"{name}-grad"] = texts[-1]
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

    def _props(self, frame: FrameState) -> Iterator[tuple[tuple[str, str], str]]:
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
            yield (f"{name}-data", "text"), graph.data_text(frame, i)
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
                text = graph.edge_label(node, child, locals_[k])
                if text is not None:
                    yield (f"{e}-label", "fill"), look["fontcolor"]
                    yield (f"{e}-label", "text"), text
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
