"""Replay a training run epoch by epoch in one offline page: loss, boundary, weights, a graph.

``fit(model, X, y, ..., replay="run/")`` (or ``micrograd-cbook train ... --replay run/``)
records the model before training and after each epoch (at most ``max_frames`` of them,
evenly spread, the last one always) and writes ``run/index.html``: the loss curve so far,
the decision boundary for 2-D data, each layer's weights and their grads as heat maps, and
one example's graph with its numbers, with play, pause, step and a slider. The page is
self-contained: it loads nothing from the network.

The grads in the heat maps are the ones the epoch's last optimiser step used. The example's
graph is its own cost, C₀ of that one example, back-propagated apart from the training
(the model's grads are saved first and restored, so the run is the same with or without a
replay), drawn as the chapter's tree down to the last layer's weights, the path of one
weight highlighted; for several outputs (digits), only the true class's output is opened.
The example is the row, of a few spread over the data, whose weights' grads are not all 0
in the most frames (a hinge of 0 teaches nothing), unless ``example`` names one.

>>> import tempfile
>>> from micrograd_cbook import datasets, nn
>>> from micrograd_cbook.training import fit
>>> X, y = datasets.xor()
>>> model = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> folder = tempfile.mkdtemp()
>>> h = fit(model, X, y, loss="mse", epochs=5, lr=0.5, progress=False, replay=folder)
>>> sorted(p.name for p in Path(folder).iterdir())
['index.html']
"""

from __future__ import annotations

import html
import math
import os
import re
import uuid
from collections.abc import Callable, Sequence
from operator import mul
from pathlib import Path
from typing import Any

from ..engine import Parameter, Value, topological_order
from ..files import write_atomic
from ..losses import binary_cross_entropy_with_logits
from ..metrics import evaluate
from ..names import chapter_text
from ..notation import number
from ..ops import OPERATIONS
from .frames import snapshots
from .graph import GraphvizMissingError, nodes_drawn
from .palette import (
    BLUE,
    NEGATIVE,
    ORANGE,
    POSITIVE,
)
from .player import page_html, player_html
from .plots import loss_axes
from .replay_script import page_css, page_script

__all__ = ["MAX_FRAMES", "Replay", "recorder"]

MAX_FRAMES = 60  # epochs recorded at most (evenly spread): keeps the page small
GRID = 24  # cells per side of the decision boundary
GRAPH_MAX_NODES = 60  # a larger example graph is cut at the last layer's inputs
CANDIDATES = 4  # rows whose graphs are recorded; the page shows the liveliest
MAX_TERMS = 8  # a wider output sum shows its terms of largest grad, the others as one leaf
_LEVELS = 99  # heat maps store each number as an integer in −99..99 of its layer's scale


def recorder(
    replay: str | os.PathLike | Callable[[int, Any], None] | None,
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Callable[..., Value],
    *,
    epochs: int,
    threshold: float | None = None,
) -> Callable[[int, Any], None] | None:
    """What :func:`micrograd_cbook.training.fit` calls after each epoch, from its ``replay``.

    None stays None; a callable ``f(epoch, history)`` is used as it is; a folder becomes a
    :class:`Replay` writing ``folder/index.html`` after the last epoch.
    """
    if replay is None or callable(replay):
        return replay
    return Replay(replay, model, X, y, loss, epochs=epochs, threshold=threshold)


class Replay:
    """Records a model while it trains and writes the page that replays it (see the module).

    Call it after each epoch with the epoch's number (1, 2, ...) and the History so far; it
    writes ``folder/index.html`` after epoch ``epochs`` (at once when ``epochs`` is 0).
    ``example`` is the row whose graph is shown; None picks, of a few rows spread over
    ``X``, the one whose weights' grads are not all 0 in the most frames.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        model: Any,
        X: Sequence[Any],
        y: Sequence[Any],
        loss: Callable[..., Value],
        *,
        epochs: int,
        threshold: float | None = None,
        example: int | None = None,
        max_frames: int = MAX_FRAMES,
        title: str | None = None,
    ) -> None:
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be an int ≥ 0, got {epochs!r}")
        if example is not None and not 0 <= example < len(X):
            raise ValueError(f"example must be a row of X (0 to {len(X) - 1}), got {example}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)  # a bad folder fails before training
        self.model, self.X, self.y, self.loss = model, list(X), list(y), loss
        self.epochs = epochs
        n = len(self.X)
        self.candidates = (
            [example]
            if example is not None
            else sorted({round(i * (n - 1) / max(CANDIDATES - 1, 1)) for i in range(CANDIDATES)})
        )
        self.example = self.candidates[0]
        self.title = title or f"Training replay: {model!r}"
        self.threshold = _threshold(self.y, loss) if threshold is None else threshold
        count = max(2, min(max_frames, epochs + 1))
        self.wanted = {round(i * epochs / (count - 1)) for i in range(count)}
        self.frames: list[dict[str, Any]] = []
        self.graphs: dict[int, list[Value]] = {row: [] for row in self.candidates}
        self.history: Any = None
        self.final: tuple[float, float | None] | None = None  # loss, accuracy after training
        self.cut: list[Value] = []  # where the example's graph is cut (drawn as leaves)
        self._record(0)
        if epochs == 0:
            self.write()

    def __call__(self, epoch: int, history: Any) -> None:
        self.history = history
        if epoch in self.wanted:
            self._record(epoch)
        if epoch == self.epochs:
            self.final = evaluate(self.model, self.X, self.y, self.loss, self.threshold)
            self.write()

    # -------------------------------------------------------------- recording

    def _record(self, epoch: int) -> None:
        params = self.model.parameters()
        frame: dict[str, Any] = {"epoch": epoch}
        frame["layers"] = [
            ([[w.data for w in row] for row in rows], [[w.grad for w in row] for row in rows])
            for rows in self._rows()
        ]
        if self._two_d():
            frame["boundary"] = self._boundary()
        self.frames.append(frame)
        for row in self.candidates:
            graph = self._example_graph(params, row)
            if graph is not None:
                self.graphs[row].append(graph)

    def _rows(self) -> list[list[list[Value]]]:
        """Each layer's parameters as rows, one per unit: its weights, then its bias."""
        layers = getattr(self.model, "layers", None)
        if layers and all(hasattr(layer, "neurons") for layer in layers):
            return [
                [[*n.w, *([n.b] if n.b is not None else [])] for n in layer.neurons]
                for layer in layers
            ]
        return [[list(self.model.parameters())]]

    def _two_d(self) -> bool:
        labels = {t.data if isinstance(t, Value) else t for t in self.y}
        return (
            all(len(x) == 2 for x in self.X)
            and len(labels) == 2
            and all(isinstance(t, (int, float, Value)) for t in self.y)
        )

    def _scores(self, points: list[tuple[float, float]]) -> list[float]:
        """The model's output at each point, on floats when the model is an MLP (fast)."""
        layers = getattr(self.model, "layers", None)
        if not layers or not all(hasattr(layer, "neurons") for layer in layers):
            return [_data(self.model(list(p))) for p in points]
        out = []
        acts = [[_activation(n.activation) for n in layer.neurons] for layer in layers]
        weights = [
            [([w.data for w in n.w], n.b.data if n.b is not None else 0.0) for n in layer.neurons]
            for layer in layers
        ]
        for p in points:
            a = list(p)
            for layer_w, layer_f in zip(weights, acts):
                a = [f(sum(map(mul, ws, a)) + b) for (ws, b), f in zip(layer_w, layer_f)]
            out.append(a[0])
        return out

    def _extent(self) -> tuple[float, float, float, float]:
        xs = [float(p[0]) for p in self.X]
        ys = [float(p[1]) for p in self.X]

        def padded(lo: float, hi: float) -> tuple[float, float]:
            span = hi - lo if hi > lo else 2.0
            return lo - 0.1 * span, hi + 0.1 * span

        return (*padded(min(xs), max(xs)), *padded(min(ys), max(ys)))

    def grid_points(self) -> list[tuple[float, float]]:
        """The centres of the boundary's cells, row by row from the top (largest y)."""
        x0, x1, y0, y1 = self._extent()
        return [
            (x0 + (c + 0.5) * (x1 - x0) / GRID, y1 - (r + 0.5) * (y1 - y0) / GRID)
            for r in range(GRID)
            for c in range(GRID)
        ]

    def _boundary(self) -> str:
        """Which side of the threshold each cell is on, as hex digits (4 cells a digit)."""
        cells = [s > self.threshold for s in self._scores(self.grid_points())]
        cells += [False] * (-len(cells) % 4)
        return "".join(
            f"{sum(b << (3 - i) for i, b in enumerate(cells[k : k + 4])):x}"
            for k in range(0, len(cells), 4)
        )

    def _example_graph(self, params: list[Value], row: int) -> Value | None:
        """Row ``row``'s cost, back-propagated on its own; the model's grads are restored."""
        try:
            out = self.model(self.X[row])
            target = self.y[row]
            if isinstance(target, (int, float)) and isinstance(out, Value):
                target = Value(target, "y")  # the target, named in the picture
            C = self.loss([out], [target])
        except Exception:  # a loss or model the page cannot show one example of
            return None
        nodes = topological_order(C)
        saved = [(n, n.grad) for n in {*nodes, *params}]
        try:
            for n, _ in saved:
                n.grad = 0.0
            C.backward()
            snapshot = _frozen(C, nodes)
        finally:
            for n, g in saved:
                n.grad = g
        return snapshot

    # ----------------------------------------------------------------- writing

    def write(self) -> Path:
        """Write ``folder/index.html`` from what was recorded; returns its path."""
        page = self.folder / "index.html"
        write_atomic(page, self.page())
        return page

    def _losses(self) -> list[float]:
        """The loss after 0, 1, ..., E epochs (as far as recorded)."""
        h = self.history
        if h is None:
            return []
        after = list(h.loss)  # h.loss[e]: the loss at the weights after e epochs
        if self.final is not None:
            after.append(self.final[0])
        return after

    def _accuracy(self, epoch: int) -> float | None:
        h = self.history
        if h is None or h.accuracy is None:
            return None
        if epoch < len(h.accuracy):
            return h.accuracy[epoch]
        return self.final[1] if self.final is not None else None

    def page(self) -> str:
        """The whole offline page."""
        uid = f"mgcb-replay-{uuid.uuid4().hex[:8]}"
        losses = self._losses()
        epochs = [f["epoch"] for f in self.frames]
        captions = []
        for e in epochs:
            loss = f"loss {number(losses[e])}" if e < len(losses) else ""
            acc = self._accuracy(e)
            acc_text = f", accuracy {acc:.1%}" if acc is not None else ""
            when = "Before training" if e == 0 else f"After epoch {e} of {self.epochs}"
            note = " No step yet, so no grads." if e == 0 else ""
            captions.append(f"{when}: {loss}{acc_text}.{note}")
        data: dict[str, Any] = {"epochs": epochs, "captions": captions}
        panel, data["loss"] = _loss_panel(uid, losses)
        data["layers"] = _heat_data(self.frames)
        panels = [panel]
        if all("boundary" in f for f in self.frames):
            data["boundary"] = [f["boundary"] for f in self.frames]
            data["grid"] = GRID
            data["points"] = self._points()
            panels.append(_boundary_panel(uid, self.threshold))
        before = f'<div class="mgcb-panels">{"".join(panels)}</div>\n' + _heat_panel(
            uid, data["layers"]
        )
        svg, props, changes, note = "", [], [], ""
        self.example = _liveliest(self.graphs, len(self.frames)) or self.example
        if len(self.graphs[self.example]) == len(self.frames):
            try:
                show = self._graph_player()
            except GraphvizMissingError:
                note = "(Graphviz is missing: no graph; install it to see one.)"
            else:
                svg = show.base_svg()
                pdata = show.player_data()
                props, changes = pdata["props"], pdata["changes"]
        else:
            note = "(This loss gives no graph of one example.)"
        data["props"], data["changes"] = props, changes
        row = self.X[self.example]
        x = (
            f"({', '.join(number(float(v)) for v in row)})"
            if len(row) <= 8
            else f"row {self.example}'s {len(row)} inputs"
        )
        t = self.y[self.example]
        if isinstance(t, int) and not isinstance(t, bool) and len(self._outputs()) > 1:
            t_text = f"class {t}"
        elif isinstance(t, (int, float, Value)):
            t_text = number(t.data if isinstance(t, Value) else float(t))
        else:
            t_text = html.escape(str(t))
        cut = ""
        if self.cut:
            names = ", ".join(chapter_text(n.label) for n in self.cut[:3])
            more = ", …" if len(self.cut) > 3 else ""
            cut = (
                f" (drawn down to the last layer's weights; {html.escape(names + more)} as "
                "leaves: their weights are in the heat maps)"
            )
            if len(self._outputs()) > 1:
                cut = (
                    f" (one output's tree: the true class's, down to its {MAX_TERMS} weights of "
                    "largest grad, the other terms one leaf; the other outputs as leaves)"
                )
        before += (
            f'<h4 class="mgcb-graph-title">One example, x = {x}, y = {t_text}: its '
            f"cost C₀, back-propagated on its own{cut} {note}</h4>\n"
        )
        body = player_html(
            uid,
            self.title,
            svg,
            data,
            page_keys=True,
            counter="epoch",
            play=True,
            before=before,
            script=page_script(uid),
            interval=400,
        )
        return page_html(self.title, f"<style>{page_css()}</style>\n{body}")

    def _outputs(self) -> list[Value]:
        """The example's outputs as the model gives them (one Value, or a list)."""
        out = self.model(self.X[self.example])
        return out if isinstance(out, list) else [out]

    def _points(self) -> list[list[float]]:
        x0, x1, y0, y1 = self._extent()
        hi = max({t.data if isinstance(t, Value) else float(t) for t in self.y})
        return [
            [
                round((float(p[0]) - x0) / (x1 - x0), 4),
                round((y1 - float(p[1])) / (y1 - y0), 4),
                1 if (t.data if isinstance(t, Value) else float(t)) == hi else 0,
            ]
            for p, t in zip(self.X, self.y)
        ]

    def _graph_player(self) -> Any:
        """The example's graphs in one layout: the chapter's tree, all of it when small.

        A graph of more than GRAPH_MAX_NODES values is cut at the last layer's inputs (the
        previous layer's activations drawn as leaves) and, for several outputs, at every
        output but the true class's: the tree then goes from C₀ down to that output's
        weights, the first of them highlighted.
        """
        graphs = self.graphs[self.example]
        first = graphs[0]
        order = topological_order(first)
        stop_at: list[Value] = []
        layers = getattr(self.model, "layers", None)
        target = self.y[self.example]
        unit = target if isinstance(target, int) and not isinstance(target, bool) else 0
        if len(order) > GRAPH_MAX_NODES and layers:
            last = len(layers)
            stop_at = [n for n in order if n.label.startswith(f"a{last - 1}[")]
            outputs = [n for n in order if n.label.startswith(f"a{last}[")]
            if len(outputs) > 1:  # one output's tree: the others drawn as leaves
                stop_at += [n for n in outputs if n.label != f"a{last}[{unit}]"]
        if layers:
            for name in (f"z{len(layers)}[{unit}]", f"a{len(layers)}[{unit}]"):
                _keep_largest_terms(graphs, name, MAX_TERMS)
        reach = nodes_drawn(first, set(stop_at))  # the terms left out no longer reach them
        stop_at = [n for n in stop_at if n in reach]
        self.cut = stop_at
        weight = _first_weight(first, set(stop_at), unit)
        return snapshots(
            graphs,
            [""] * len(graphs),
            title="example",
            stop_at=stop_at or None,
            highlight=weight,
            max_nodes=100_000,
        )


# ------------------------------------------------------------------ helpers


def _threshold(y: Sequence[Any], loss: Callable[..., Value]) -> float:
    """Where a score splits the two classes: 0 for logits and ±1 labels, ½ otherwise."""
    labels = {
        t.data if isinstance(t, Value) else t for t in y if isinstance(t, (int, float, Value))
    }
    if loss is binary_cross_entropy_with_logits or (labels and labels <= {-1, 1}):
        return 0.0
    return 0.5


def _data(out: Any) -> float:
    if isinstance(out, Value):
        return out.data
    return out[0].data if out and isinstance(out[0], Value) else math.nan


def _activation(name: str) -> Callable[[float], float]:
    """An activation on floats: its float rule's value, from the table (linear: z itself)."""
    if name == "linear":
        return lambda z: z
    rule = OPERATIONS[name].rule
    return lambda z: rule(z)[0]


def _frozen(C: Value, nodes: list[Value]) -> Value:
    """A copy of the graph of ``C`` holding today's data and grads (the weights move on)."""
    copies: dict[Value, Value] = {}
    for n in nodes:  # each node after its children
        if n.children:
            # positional: Value(data, label, children, local_grads, op), a hand-made node
            c = Value(n.data, n.label, tuple(copies[ch] for ch in n.children), n.local_grads, n.op)
        else:
            c = type(n)(n.data, n.label)  # a Value, a Constant or a Parameter
        c.grad = n.grad
        copies[n] = c
    return copies[C]


def _keep_largest_terms(graphs: list[Value], label: str, k: int) -> None:
    """In each (frozen) graph, the weighted sum labelled ``label`` keeps its ``k`` terms
    w·a of largest weight grad in the last graph, and its bias; the other terms become one
    leaf holding their sum ("the other n terms"), its grad the sum's. The copies are the
    replay's own, so nothing of the model changes."""
    nodes = [next((n for n in topological_order(g) if n.label == label), None) for g in graphs]
    if any(n is None or not str(n.op).startswith("Σw·x") for n in nodes):
        return
    n_terms = (len(nodes[0].children) - str(nodes[0].op).endswith("+b")) // 2
    if n_terms <= k:
        return
    last = nodes[-1]
    order = sorted(range(n_terms), key=lambda j: -abs(last.children[j].grad))[:k]
    keep = sorted(order)
    for z in nodes:
        kids, slopes = z.children, z.local_grads
        bias = [len(kids) - 1] if len(kids) > 2 * n_terms else []
        chosen = [*keep, *(n_terms + j for j in keep), *bias]
        shown = sum(kids[j].data * kids[n_terms + j].data for j in keep)
        rest = Value(z.data - shown - sum(kids[j].data for j in bias), f"the other {n_terms - k}")
        rest.grad = z.grad
        z.children = (*(kids[j] for j in chosen), rest)
        z.local_grads = (*(slopes[j] for j in chosen), 1.0)


def _liveliest(graphs: dict[int, list[Value]], frames: int) -> int | None:
    """The row whose graphs have weights with a grad other than 0 in the most frames."""

    def alive(root: Value) -> bool:
        return any(n.grad != 0.0 for n in topological_order(root) if isinstance(n, Parameter))

    scores = {row: sum(alive(g) for g in gs) for row, gs in graphs.items() if len(gs) == frames}
    return max(scores, key=lambda row: (scores[row], -row)) if scores else None


def _first_weight(root: Value, stops: set[Value], unit: int = 0) -> Value | None:
    """The last layer's first weight into output ``unit``, w{L}[unit,0]: the example's
    graph highlights its path (nn's labels say where a weight stands, not what it is)."""
    best, best_key = None, None
    for node in nodes_drawn(root, stops):
        m = re.fullmatch(r"w(\d+)\[(\d+),(\d+)\]", node.label)
        if m and isinstance(node, Parameter):
            key = (-int(m[1]), int(m[2]) != unit, int(m[2]), int(m[3]))
            if best_key is None or key < best_key:
                best, best_key = node, key
    return best


_W, _H = 400, 240


def _loss_panel(uid: str, losses: list[float]) -> tuple[str, dict[str, Any]]:
    """The loss panel (plots' axes, an empty curve the page draws epoch by epoch) and the
    curve's points for the page's data."""
    finite = [v for v in losses if math.isfinite(v)]
    if finite:
        parts, points = loss_axes(losses, title="", width=_W, height=_H)
    else:
        parts, points = loss_axes([1.0], title="", width=_W, height=_H)  # axes, no curve
        points = [None] * len(losses)
    parts.append(
        f'<polyline id="{uid}-curve" fill="none" stroke="{BLUE}" stroke-width="2" points=""/>'
    )
    parts.append(f'<circle id="{uid}-dot" r="4" cx="-10" cy="-10" fill="{ORANGE}"/>')
    parts.append("</svg>")
    parts[0] = parts[0].replace("<svg ", '<svg class="mgcb-loss" ', 1)
    xy = [None if p is None else [round(p[0], 1), round(p[1], 1)] for p in points]
    panel = (
        '<figure class="mgcb-panel"><figcaption>Loss so far</figcaption>'
        + "".join(parts)
        + "</figure>"
    )
    return panel, {"xy": xy}


def _boundary_panel(uid: str, threshold: float) -> str:
    t = f"{threshold:g}".replace("-", "−")
    return (
        f'<figure class="mgcb-panel"><figcaption>Decision boundary: orange where the '
        f"output &gt; {t}</figcaption>"
        f'<canvas id="{uid}-boundary" class="mgcb-boundary" width="240" height="240">'
        "</canvas></figure>"
    )


def _heat_data(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per layer: its shape, a scale for weights and one for grads, and per frame integers."""
    out = []
    for li in range(len(frames[0]["layers"])):
        rows = len(frames[0]["layers"][li][0])
        cols = max(len(r) for r in frames[0]["layers"][li][0])
        layer: dict[str, Any] = {"rows": rows, "cols": cols, "w": [], "g": []}
        for key, index in (("w", 0), ("g", 1)):
            values = [
                v for f in frames for r in f["layers"][li][index] for v in r if math.isfinite(v)
            ]
            scale = max((abs(v) for v in values), default=0.0) or 1.0
            layer[f"{key}scale"] = scale
            for f in frames:
                flat = []
                for r in f["layers"][li][index]:
                    flat += [round(_LEVELS * v / scale) if math.isfinite(v) else 0 for v in r]
                    flat += [0] * (cols - len(r))
                layer[key].append(flat)
        out.append(layer)
    return out


def _heat_panel(uid: str, layers: list[dict[str, Any]]) -> str:
    parts = [
        '<div class="mgcb-heat"><p class="mgcb-heat-note">Each layer\'s weights w '
        "(a row per unit: its weights, then its bias) and the grads ∂C/∂w of the "
        f'epoch\'s last step; <span style="color:{POSITIVE}">red</span> positive, '
        f'<span style="color:{NEGATIVE}">blue</span> negative, white 0. '
        f'<span id="{uid}-hover" class="mgcb-hover"></span></p>'
    ]
    for li, layer in enumerate(layers, start=1):
        cell = max(4, min(24, 180 // max(layer["cols"], 1)))
        width, height = cell * layer["cols"], max(cell * layer["rows"], 14)
        for key, name in (("w", "w"), ("g", "∂C/∂w")):
            scale = f"{layer[key + 'scale']:.3g}".replace("-", "−")
            parts.append(
                f'<figure class="mgcb-panel"><figcaption>layer {li}: {name} '
                f"({layer['rows']}×{layer['cols']}, |·| ≤ {scale})</figcaption>"
                f'<canvas class="mgcb-map" data-layer="{li - 1}" data-key="{key}" '
                f'width="{width}" height="{height}"></canvas></figure>'
            )
    parts.append("</div>")
    return "".join(parts)
