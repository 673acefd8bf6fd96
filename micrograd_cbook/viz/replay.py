"""Replay a training run epoch by epoch in one offline page: loss, boundary, weights, a graph.

``fit(model, X, y, ..., replay="run/")`` (or ``micrograd-cbook train ... --replay run/``)
records the model before training and after each epoch (at most ``max_frames`` of them,
evenly spread, the last one always) and writes ``run/index.html``: the loss curve so far,
the decision boundary for 2-D data, each layer's weights and their grads as heat maps, and
one example's graph with its numbers, with play, pause, step and a slider. The page is
self-contained: it loads nothing from the network.

The grads in the heat maps are the ones the epoch's last optimiser step used. The example's
graph is its own cost, C of that one example, back-propagated apart from the training:
the model's grads are saved first and restored, so the run is the same with or without a
replay.

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

from ..engine import Value, topological_order
from ..files import write_atomic
from ..losses import binary_cross_entropy_with_logits
from ..metrics import evaluate
from ..notation import number
from ..ops import OPERATIONS
from .frames import snapshots
from .graph import GraphvizMissingError, nodes_drawn
from .player import page_html, player_html, script_json

__all__ = ["MAX_FRAMES", "Replay", "recorder"]

MAX_FRAMES = 60  # epochs recorded at most (evenly spread): keeps the page small
GRID = 24  # cells per side of the decision boundary
GRAPH_MAX_NODES = 60  # a larger example graph is cut at the last layer's inputs
TREE_MAX_LEAVES = 24  # ... and when its last layer has more leaves, at the output's sum
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
    ``example`` is the row whose graph is shown.
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
        example: int = 0,
        max_frames: int = MAX_FRAMES,
        title: str | None = None,
    ) -> None:
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be an int ≥ 0, got {epochs!r}")
        if not 0 <= example < len(X):
            raise ValueError(f"example must be a row of X (0 to {len(X) - 1}), got {example}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)  # a bad folder fails before training
        self.model, self.X, self.y, self.loss = model, list(X), list(y), loss
        self.epochs = epochs
        self.example = example
        self.title = title or f"Training replay: {model!r}"
        self.threshold = _threshold(self.y, loss) if threshold is None else threshold
        count = max(2, min(max_frames, epochs + 1))
        self.wanted = {round(i * epochs / (count - 1)) for i in range(count)}
        self.frames: list[dict[str, Any]] = []
        self.graphs: list[Value] = []
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
        graph = self._example_graph(params)
        if graph is not None:
            self.graphs.append(graph)

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

    def _example_graph(self, params: list[Value]) -> Value | None:
        """The example's cost, back-propagated on its own; the model's grads are restored."""
        try:
            out = self.model(self.X[self.example])
            target = self.y[self.example]
            if isinstance(target, (int, float)):
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
        data["loss"] = _curve_points(losses)
        data["layers"] = _heat_data(self.frames)
        panels = [_loss_panel(uid, losses)]
        if all("boundary" in f for f in self.frames):
            data["boundary"] = [f["boundary"] for f in self.frames]
            data["grid"] = GRID
            data["points"] = self._points()
            panels.append(_boundary_panel(uid, self.threshold))
        before = f'<div class="mgcb-panels">{"".join(panels)}</div>\n' + _heat_panel(
            uid, data["layers"]
        )
        svg, props, changes, note = "", [], [], ""
        if len(self.graphs) == len(self.frames):
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
        x = ", ".join(number(float(v)) for v in self.X[self.example])
        t = self.y[self.example]
        t_text = (
            number(t.data if isinstance(t, Value) else float(t))
            if isinstance(t, (int, float, Value))
            else html.escape(str(t))
        )
        cut = ""
        if self.cut:
            names = ", ".join(n.label for n in self.cut[:3]) + (", …" if len(self.cut) > 3 else "")
            cut = f" (drawn down to {html.escape(names)}; the weights below are in the heat maps)"
        before += (
            f'<h4 class="mgcb-graph-title">One example, x = ({x}), y = {t_text}: its '
            f"cost C, back-propagated on its own{cut} {note}</h4>\n"
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
            script=_script(uid),
            interval=400,
        )
        return page_html(self.title, f"<style>{_CSS}</style>\n{body}")

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
        """The example's graphs in one layout: all of it when small, else its top.

        A graph of more than GRAPH_MAX_NODES values is cut at the last layer's inputs (the
        previous layer's activations drawn as leaves), or, when that still leaves more
        than TREE_MAX_LEAVES leaves, at the output's weighted sum: the weights are in the
        heat maps.
        """
        first = self.graphs[0]
        order = topological_order(first)
        stop_at: list[Value] = []
        layers = getattr(self.model, "layers", None)
        if len(order) > GRAPH_MAX_NODES and layers:
            last = len(layers)
            stop_at = [n for n in order if n.label.startswith(f"a{last - 1}[")]
            if not stop_at or _count_leaves(first, set(stop_at)) > TREE_MAX_LEAVES:
                # the output's sum: z{L}[j], or a{L}[j] itself for a linear output (a = z)
                stop_at = [n for n in order if n.label.startswith(f"z{last}[")] or [
                    n for n in order if n.label.startswith(f"a{last}[")
                ]
        self.cut = stop_at
        weight = _first_weight(first, set(stop_at))
        return snapshots(
            self.graphs,
            [""] * len(self.graphs),
            title="example",
            stop_at=stop_at or None,
            show_local_grads=True,
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
            c = type(n)(n.data, n.label)  # a Value or a Constant
        c.grad = n.grad
        copies[n] = c
    return copies[C]


def _count_leaves(root: Value, stops: set[Value]) -> int:
    return sum(1 for n in nodes_drawn(root, stops) if n in stops or not n.children)


def _first_weight(root: Value, stops: set[Value]) -> Value | None:
    """The last layer's first weight, w{L}[0,0]: the example's graph highlights its path."""
    best, best_key = None, None
    for node in nodes_drawn(root, stops):
        m = re.fullmatch(r"w(\d+)\[(\d+),(\d+)\]", node.label)
        if m and not node.children:
            key = (-int(m[1]), int(m[2]), int(m[3]))
            if best_key is None or key < best_key:
                best, best_key = node, key
    return best


def _curve_points(losses: list[float]) -> dict[str, Any]:
    """The loss curve's points in the panel's pixels, and its axis (log when it spans > 100×)."""
    finite = [v for v in losses if math.isfinite(v)]
    if not finite:
        return {"xy": [], "ticks": [], "log": False}
    log = min(finite) > 0 and max(finite) / min(finite) > 100

    def tr(v: float) -> float:
        return math.log10(v) if log else v

    lo, hi = tr(min(finite)), tr(max(finite))
    if log:
        lo, hi = math.floor(lo), math.ceil(hi)
    else:
        lo = min(lo, 0.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    n = max(len(losses) - 1, 1)
    xy = []
    for i, v in enumerate(losses):
        if not math.isfinite(v):
            xy.append(None)
            continue
        px = _LEFT + _PW * i / n
        py = _TOP + _PH * (hi - tr(v)) / (hi - lo)
        xy.append([round(px, 1), round(py, 1)])
    if log:
        ticks = [
            (round(_TOP + _PH * (hi - e) / (hi - lo), 1), f"1e{e}")
            for e in range(int(lo), int(hi) + 1)
        ]
    else:
        ticks = [
            (round(_TOP + _PH * (hi - v) / (hi - lo), 1), f"{v:.3g}")
            for v in (lo, (lo + hi) / 2, hi)
        ]
    return {"xy": xy, "ticks": ticks, "log": log, "epochs": n}


_W, _H = 400, 240
_LEFT, _TOP, _PW, _PH = 56, 16, 330, 180


def _loss_panel(uid: str, losses: list[float]) -> str:
    curve = _curve_points(losses)
    parts = [
        f'<svg class="mgcb-loss" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="Helvetica, Arial, sans-serif">',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{_PW}" height="{_PH}" fill="white" stroke="#444"/>',
    ]
    for y, text in curve["ticks"]:
        parts.append(f'<line x1="{_LEFT}" x2="{_LEFT + _PW}" y1="{y}" y2="{y}" stroke="#e5e5e5"/>')
        parts.append(
            f'<text x="{_LEFT - 5}" y="{y + 4}" text-anchor="end" font-size="11">'
            f"{html.escape(text.replace('-', '−'))}</text>"
        )
    parts.append(f'<text x="{_LEFT}" y="{_TOP + _PH + 16}" font-size="11">0</text>')
    parts.append(
        f'<text x="{_LEFT + _PW}" y="{_TOP + _PH + 16}" text-anchor="end" '
        f'font-size="11">{curve.get("epochs", 0)}</text>'
    )
    parts.append(
        f'<text x="{_LEFT + _PW / 2}" y="{_TOP + _PH + 32}" text-anchor="middle" '
        f'font-size="12">epoch{" (loss on a log scale)" if curve["log"] else ""}</text>'
    )
    parts.append(
        f'<text x="14" y="{_TOP + _PH / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {_TOP + _PH / 2})">loss</text>'
    )
    parts.append(
        f'<polyline id="{uid}-curve" fill="none" stroke="#3182bd" stroke-width="2" points=""/>'
    )
    parts.append(f'<circle id="{uid}-dot" r="4" cx="-10" cy="-10" fill="#e6550d"/>')
    parts.append("</svg>")
    return (
        f'<figure class="mgcb-panel"><figcaption>Loss so far</figcaption>{"".join(parts)}</figure>'
    )


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
        'epoch\'s last step; <span style="color:#b2182b">red</span> positive, '
        '<span style="color:#2166ac">blue</span> negative, white 0. '
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


_CSS = """
.mgcb-panels, .mgcb-heat { display: flex; flex-wrap: wrap; gap: .8em; align-items: flex-start; }
.mgcb-panel { margin: 0 0 .6em; }
.mgcb-panel figcaption { font-size: .85em; color: #444; margin-bottom: .2em; }
.mgcb-heat-note { flex-basis: 100%; font-size: .85em; color: #444; margin: .2em 0; }
.mgcb-map, .mgcb-boundary { image-rendering: pixelated; border: 1px solid #999; }
.mgcb-hover { font-family: monospace; }
.mgcb-graph-title { font-size: .95em; font-weight: normal; margin: .6em 0 .3em; }
"""


def _script(uid: str) -> str:
    """The page's drawing: on frame k, the curve up to k, the boundary, the heat maps."""
    return _SCRIPT % {"uid": script_json(uid)}


_SCRIPT = """
window.mgcbHooks = window.mgcbHooks || {};
window.mgcbHooks[%(uid)s] = (function () {
  var root = document.getElementById(%(uid)s);
  function colour(v) {
    var t = Math.max(-1, Math.min(1, v / 99)), a = Math.abs(t);
    var end = t >= 0 ? [178, 24, 43] : [33, 102, 172], base = [247, 247, 247];
    return "rgb(" + base.map(function (b, i) { return Math.round(b + (end[i] - b) * a); })
      .join(",") + ")";
  }
  var hover = null;
  return function (k, data) {
    var xy = data.loss.xy, shown = [], last = null;
    for (var e = 0; e <= data.epochs[k] && e < xy.length; e++) {
      if (xy[e]) { shown.push(xy[e].join(",")); last = xy[e]; }
    }
    document.getElementById(%(uid)s + "-curve").setAttribute("points", shown.join(" "));
    var dot = document.getElementById(%(uid)s + "-dot");
    dot.setAttribute("cx", last ? last[0] : -10); dot.setAttribute("cy", last ? last[1] : -10);
    var canvas = document.getElementById(%(uid)s + "-boundary");
    if (canvas && data.boundary) {
      var ctx = canvas.getContext("2d"), g = data.grid, cell = canvas.width / g;
      var bits = data.boundary[k];
      for (var i = 0; i < g * g; i++) {
        var on = (parseInt(bits[i >> 2], 16) >> (3 - (i & 3))) & 1;
        ctx.fillStyle = on ? "#fdd0a2" : "#c6dbef";
        ctx.fillRect((i %% g) * cell, Math.floor(i / g) * cell, cell + 0.5, cell + 0.5);
      }
      data.points.forEach(function (p) {
        ctx.beginPath(); ctx.arc(p[0] * canvas.width, p[1] * canvas.height, 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = p[2] ? "#e6550d" : "#3182bd"; ctx.fill();
        ctx.strokeStyle = "#222"; ctx.lineWidth = 0.8; ctx.stroke();
      });
    }
    root.querySelectorAll("canvas.mgcb-map").forEach(function (map) {
      var layer = data.layers[+map.getAttribute("data-layer")], key = map.getAttribute("data-key");
      var values = layer[key][k], ctx = map.getContext("2d");
      var cw = map.width / layer.cols, ch = map.height / layer.rows;
      for (var r = 0; r < layer.rows; r++) {
        for (var c = 0; c < layer.cols; c++) {
          ctx.fillStyle = colour(values[r * layer.cols + c]);
          ctx.fillRect(c * cw, r * ch, cw + 0.5, ch + 0.5);
        }
      }
      if (!map.getAttribute("data-hover")) {
        map.setAttribute("data-hover", "1");
        map.addEventListener("mousemove", function (ev) {
          var box = map.getBoundingClientRect();
          var c = Math.floor((ev.clientX - box.left) / box.width * layer.cols);
          var r = Math.floor((ev.clientY - box.top) / box.height * layer.rows);
          var v = layer[key][hover === null ? 0 : hover][r * layer.cols + c] / 99
            * layer[key + "scale"];
          document.getElementById(%(uid)s + "-hover").textContent =
            "layer " + (+map.getAttribute("data-layer") + 1) + ", unit " + r + ", input " + c +
            ": " + (key === "w" ? "w" : "\\u2202C/\\u2202w") + " \\u2248 " +
            v.toPrecision(2).replace("-", "\\u2212");
        });
      }
    });
    hover = k;
  };
})();
"""
