"""The nudge page's HTML, style and script (see :mod:`micrograd_cbook.viz.nudge`).

The script computes everything it shows with the graph's compiled JavaScript (``_graph``,
with :data:`~micrograd_cbook.speed.javascript.RUNTIME` and the notation's ``_number``
before it): nothing is computed in Python at other values of w. All of it sits in one
function, so several pages live in one notebook; every id starts with the page's uid.

Text from the graph (labels, names) reaches the page as JSON inside ``<script
type="application/json">`` with ``<``, ``>`` and ``&`` written ``\\u003c`` ... and is put into
the page as text, never as markup; the script itself holds no ``</`` or ``<!--`` (where one
would stand in a string or a comment it is written ``<\\/``, ``<\\!--``), so nothing a label
holds can end the script element.

>>> safe_script('const s = "</script><!--";')
'const s = "<\\\\/script><\\\\!--";'
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..speed.javascript import NOTATION, RUNTIME
from .palette import DECREASE, EDGE, EDGE_TEXT, GAP, INCREASE, INK, TANGENT, UNCHANGED
from .player import page_html

__all__ = ["nudge_html", "page_html", "safe_json", "safe_script"]

PLOT = {"width": 380, "height": 230, "left": 52, "right": 12, "top": 12, "bottom": 34}

_CSS = """
.mgcb-nudge { font-family: Helvetica, Arial, sans-serif; color: #222; max-width: 100%; }
.mgcb-nudge h3 { font-size: 1.1em; margin: 0 0 .3em; }
.mgcb-nudge .mgcb-caption { margin: 0 0 .6em; line-height: 1.35; max-width: 60em; }
.mgcb-nudge .mgcb-body { display: flex; flex-wrap: wrap; gap: .6em 1.5em;
  align-items: flex-start; }
.mgcb-nudge .mgcb-side { flex: 1 1 380px; min-width: 0; display: flex; flex-wrap: wrap;
  gap: .4em 1.5em; align-content: flex-start; }
.mgcb-nudge .mgcb-numbers { flex: 1 1 340px; min-width: 0; max-width: 520px; }
.mgcb-nudge .mgcb-panel { flex: 0 1 380px; min-width: 0; }
.mgcb-nudge .mgcb-figure { min-width: 0; }
.mgcb-nudge .mgcb-controls { display: flex; gap: .4em; align-items: center; }
.mgcb-nudge .mgcb-controls label { white-space: nowrap; }
.mgcb-nudge input[type=range] { flex: 1 1 8em; min-width: 6em; }
.mgcb-nudge .mgcb-typed { width: 7.5em; font: inherit; padding: .1em .3em; }
.mgcb-nudge .mgcb-typed.mgcb-bad { outline: 2px solid #b2182b; }
.mgcb-nudge button { font: inherit; padding: .15em .7em; cursor: pointer; }
.mgcb-nudge .mgcb-range { color: #666; font-size: .85em; margin: .2em 0 0; }
.mgcb-nudge table.mgcb-readout { border-collapse: collapse; margin: .5em 0 .3em; width: 100%;
  font-variant-numeric: tabular-nums; }
.mgcb-nudge .mgcb-readout th { text-align: left; font-weight: normal; color: #555;
  padding: .12em 1em .12em 0; }
.mgcb-nudge .mgcb-readout td { text-align: right; padding: .12em 0; white-space: nowrap; }
.mgcb-nudge .mgcb-readout tr.mgcb-key-row td { font-weight: bold; }
.mgcb-nudge .mgcb-note { color: #b2182b; min-height: 1.2em; margin: .2em 0; }
.mgcb-nudge .mgcb-plot { width: 380px; max-width: 100%; height: auto; display: block; }
.mgcb-nudge .mgcb-plot text { font-size: 11px; fill: #444; }
.mgcb-nudge .mgcb-plot-key { font-size: .85em; color: #444; margin: .1em 0 0; }
.mgcb-nudge .mgcb-swatch { display: inline-block; width: 1.6em; height: 0; vertical-align: middle;
  margin: 0 .25em 0 .6em; border-top: 2px solid; }
.mgcb-nudge .mgcb-swatch:first-child { margin-left: 0; }
.mgcb-nudge .mgcb-figure svg { max-width: 100%; height: auto; }
.mgcb-nudge .mgcb-figure g.mgcb-leaf { cursor: pointer; }
.mgcb-nudge .mgcb-key { font-size: .85em; color: #444; margin: .2em 0 0; }
"""

# The page's own code: it reads the data, runs _graph at w + Δw and writes what it gives.
_SCRIPT = r"""
const data = JSON.parse(root.querySelector("script.mgcb-nudge-data").textContent);
const colors = data.colors, uid = data.uid, N = data.steps, SVG = "http://www.w3.org/2000/svg";
function num(x) { return typeof x === "string" ? Number(x) : x; }  // nan, ±inf come as text
function part(name) { return document.getElementById(uid + "-" + name); }
function el(name) { return root.querySelector(".mgcb-" + name); }
function signed(x) { return x > 0 ? "+" + _number(x) : _number(x); }
function factor(x) { const s = _number(x); return s[0] === "\u2212" ? "(" + s + ")" : s; }
function short(x) {  // an axis's number: 4 digits, in e-notation below 0.001
  const words = x === 0 || Math.abs(x) >= 1e-3 ? String(Number(x.toPrecision(4)))
                                                : x.toExponential(2);
  return words.replace("-", "\u2212");
}
function look(element) {  // an element's colour and width as drawn, to go back to
  return element && [element.getAttribute("stroke"), element.getAttribute("stroke-width"),
                     element.getAttribute("fill")];
}
function stroke(element, color, width) {
  if (element) {
    element.setAttribute("stroke", color);
    element.setAttribute("stroke-width", width);
  }
}
const params = data.params.map(num);
const nodes = data.nodes.map(function (n, i) {
  const shape = part("n" + i + "-shape"), grad = part("n" + i + "-grad");
  return {param: n.param, below: n.below || [], children: [], g: part("n" + i), shape: shape,
          data: part("n" + i + "-data"), grad: grad, op: part("n" + i + "op-shape"),
          drawn: look(shape), ink: grad && grad.getAttribute("fill")};
});
function edge(id) {
  const path = part(id + "-path"), head = part(id + "-head"), label = part(id + "-label");
  return {path: path, head: head, label: label, drawn: look(path),
          ink: label && label.getAttribute("fill")};
}
const edges = data.edges.map(function (e) {  // [id, upper box, lower box, factor, label]
  nodes[e[1]].children.push(e[2]);
  return Object.assign(edge(e[0]), {node: e[1], child: e[2], factor: num(e[3]), plain: e[4]});
});
const words = data.words;  // before a data and a grad row's number, as the picture writes them
const opEdges = data.opEdges.map(function (e) { return Object.assign(edge(e[0]), {node: e[1]}); });
const slider = el("slider"), typed = el("typed"), note = el("note"), plot = el("plot");
const out = {};
["delta", "moved", "cost", "base", "actual", "predicted", "difference", "ratio", "gradient"]
  .forEach(function (k) { out[k] = el("r-" + k); });
let leaf = -1, span = 1, base = null, onPath = [], slope = NaN, delta = 0, range = [-1, 1];

function evaluate(d) {  // the graph with the chosen leaf at its value + d, or {error}
  const p = params.slice();
  p[leaf] = params[leaf] + d;
  try { return _graph([], p); }
  catch (e) { if (e instanceof MicrogradError) { return {error: e}; } throw e; }
}
function pathOf(k) {  // the drawn values a change of leaf k reaches (inputs come first)
  const on = nodes.map(function (n) { return n.param === k || n.below.indexOf(k) >= 0; });
  nodes.forEach(function (n, i) {
    if (n.children.some(function (c) { return on[c]; })) { on[i] = true; }
  });
  return on;
}
function mix(a, b, t) {
  const x = parseInt(a.slice(1), 16), y = parseInt(b.slice(1), 16);
  let c = 0;
  for (const s of [16, 8, 0]) {
    c |= Math.round((x >> s & 255) * (1 - t) + (y >> s & 255) * t) << s;
  }
  return "#" + c.toString(16).padStart(6, "0");
}
function tone(x, scale) {  // a change's colour by its sign, bolder the larger it is
  if (x === 0 || Number.isNaN(x)) { return {color: colors.ink, t: 0}; }  // on the path, still
  const t = scale > 0 && Number.isFinite(scale) ? Math.sqrt(Math.min(1, Math.abs(x) / scale)) : 1;
  const hue = x > 0 ? colors.increase : colors.decrease;
  return {color: mix(colors.unchanged, hue, 0.35 + 0.65 * t), t: t};
}
function text(cell, words, value) {
  cell.textContent = words;
  cell.setAttribute("data-value", _repr(value));
}

function paint(r) {  // the picture at w + Δw: values, changes and what each edge passes up
  const change = nodes.map(function (n, i) { return r.recorded[i] - base.recorded[i]; });
  const passed = edges.map(function (e) { return e.factor * change[e.child]; });
  let scale = 0;
  change.forEach(function (c, i) {
    if (onPath[i] && Math.abs(c) > scale) { scale = Math.abs(c); }
  });
  passed.forEach(function (p, k) {
    if (onPath[edges[k].child] && Math.abs(p) > scale) { scale = Math.abs(p); }
  });
  nodes.forEach(function (n, i) {
    if (n.data) { n.data.textContent = words.data + _number(r.recorded[i]); }
    if (onPath[i]) {
      const c = tone(change[i], scale);
      if (n.grad) {
        n.grad.textContent = "\u0394 " + signed(change[i]);
        n.grad.setAttribute("fill", c.color);
        n.grad.setAttribute("font-weight", "bold");
      }
      stroke(n.shape, c.color, String((n.param === leaf ? 2.6 : 1.6) + 1.2 * c.t));
      stroke(n.op, c.color, String(1.4 + 1.6 * c.t));
    } else {
      const g = r.recordedGrads[i];
      if (n.grad) {
        n.grad.textContent = words.grad + (g === null ? "\u2014" : _number(g));
        n.grad.setAttribute("fill", n.ink);
        n.grad.setAttribute("font-weight", "normal");
      }
      if (n.drawn) { stroke(n.shape, n.drawn[0], n.drawn[1]); }
      stroke(n.op, colors.ink, "1");
    }
  });
  function line(e, on, c) {
    if (on) {
      stroke(e.path, c.color, String(1.8 + 3 * c.t));
      stroke(e.head, c.color, "1");
      if (e.head) { e.head.setAttribute("fill", c.color); }
    } else if (e.drawn) {
      stroke(e.path, colors.edge, "1");
      stroke(e.head, colors.edge, "1");
      if (e.head) { e.head.setAttribute("fill", colors.edge); }
    }
  }
  edges.forEach(function (e, k) {
    const on = onPath[e.child], c = tone(passed[k], scale);
    line(e, on, c);
    if (e.label) {
      e.label.textContent = on ? e.plain + " \u2192 " + signed(passed[k]) : e.plain;
      e.label.setAttribute("fill", on ? c.color : colors.edgeText);
    }
  });
  opEdges.forEach(function (e) { line(e, onPath[e.node], tone(change[e.node], scale)); });
}

function failed(error) {  // the graph raises at w + Δw: say so, in the engine's words
  note.textContent = "At this \u0394: " + error.kind + ": " + error.message;
  root.setAttribute("data-cost", "error");
  ["cost", "actual", "predicted", "difference", "ratio", "gradient"].forEach(function (k) {
    text(out[k], "\u2014", NaN);
  });
  nodes.forEach(function (n, i) {
    if (!onPath[i]) { return; }
    if (n.data) { n.data.textContent = words.data + "\u2014"; }
    if (n.grad) { n.grad.textContent = "\u0394 \u2014"; }
  });
  el("point").setAttribute("visibility", "hidden");
  el("on-tangent").setAttribute("visibility", "hidden");
  el("gap").setAttribute("visibility", "hidden");
}

function show() {
  const r = evaluate(delta), w0 = params[leaf], w1 = w0 + delta;
  root.setAttribute("data-delta", _repr(delta));
  text(out.delta, signed(delta), delta);
  text(out.moved, _number(w0) + (delta < 0 ? " \u2212 " : " + ") + _number(Math.abs(delta)) +
       " = " + _number(w1), w1);
  if (r.error) { failed(r.error); return; }
  note.textContent = "";
  const c0 = base.value, c1 = r.value, actual = c1 - c0, predicted = slope * delta;
  const gap = actual - predicted;
  root.setAttribute("data-cost", _repr(c1));
  text(out.cost, _number(c1), c1);
  text(out.base, _number(c0), c0);
  text(out.actual, signed(actual), actual);
  text(out.predicted, factor(slope) + " \u00d7 " + factor(delta) + " = " + signed(predicted),
       predicted);
  text(out.difference, signed(gap), gap);
  text(out.ratio, delta === 0 ? "\u2014" : _number(gap / (delta * delta)), gap / (delta * delta));
  text(out.gradient, _number(r.grads[leaf]), r.grads[leaf]);
  paint(r);
  point(c1, c0 + predicted);
}

// The panel: C(w + Δw) over the range, the tangent C(w) + ∂C/∂w · Δw, the current point.
const box = data.plot, inner = [box.left, box.width - box.right, box.top, box.height - box.bottom];
let X = function (d) { return d; }, Y = X;
function draw(name, attrs) {  // hidden where a coordinate is nan or infinite
  const node = el(name);
  let shown = true;
  for (const k in attrs) {
    const v = attrs[k];
    if (typeof v === "number" && !Number.isFinite(v)) {
      shown = false;
    } else {
      node.setAttribute(k, String(v));
    }
  }
  node.setAttribute("visibility", shown ? "visible" : "hidden");
  return node;
}
function curve() {
  const xs = [], ys = [];
  for (let k = 0; k < data.points; k++) {
    const d = range[0] + (range[1] - range[0]) * k / (data.points - 1), r = evaluate(d);
    xs.push(d);
    ys.push(r.error ? NaN : r.value);
  }
  const finite = ys.filter(Number.isFinite).concat([base.value]).filter(Number.isFinite);
  let lo = finite.length ? Math.min.apply(null, finite) : -1;
  let hi = finite.length ? Math.max.apply(null, finite) : 1;
  const ends = [range[0], range[1]].map(function (d) { return base.value + slope * d; });
  const reach = hi - lo;  // the tangent's ends too, as far as the curve's own height again
  ends.filter(Number.isFinite).forEach(function (t) {
    lo = Math.min(lo, Math.max(t, lo - reach));
    hi = Math.max(hi, Math.min(t, hi + reach));
  });
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1e-3);
  lo -= pad; hi += pad;
  X = function (d) {
    return inner[0] + (d - range[0]) / (range[1] - range[0]) * (inner[1] - inner[0]);
  };
  Y = function (c) { return inner[3] - (c - lo) / (hi - lo) * (inner[3] - inner[2]); };
  let path = "", pen = "M";
  xs.forEach(function (d, k) {
    if (!Number.isFinite(ys[k])) { pen = "M"; return; }  // (where the graph raises: a gap)
    path += pen + X(d).toFixed(2) + " " + Y(ys[k]).toFixed(2);
    pen = "L";
  });
  draw("curve", {d: path});
  const t0 = base.value + slope * range[0], t1 = base.value + slope * range[1];
  draw("tangent", {x1: X(range[0]), y1: Y(t0), x2: X(range[1]), y2: Y(t1),
                   "data-slope": _repr(slope), "data-x0": _repr(range[0]), "data-y0": _repr(t0),
                   "data-x1": _repr(range[1]), "data-y1": _repr(t1)});
  draw("level", {x1: inner[0], x2: inner[1], y1: Y(base.value), y2: Y(base.value)});
  draw("zero", {x1: X(0), x2: X(0), y1: inner[2], y2: inner[3]});
  const ticks = el("ticks");
  while (ticks.firstChild) { ticks.removeChild(ticks.firstChild); }
  function tick(x, y, words, anchor) {
    if (!Number.isFinite(y)) { return; }
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("text-anchor", anchor);
    t.textContent = words;
    ticks.appendChild(t);
  }
  [range[0], 0, range[1]].forEach(function (d) { tick(X(d), inner[3] + 14, short(d), "middle"); });
  [lo + pad, base.value, hi - pad].forEach(function (c) {
    tick(inner[0] - 5, Y(c) + 4, short(c), "end");
  });
  tick((inner[0] + inner[1]) / 2, box.height - 4, "\u0394" + data.names[leaf], "middle");
}
function point(c1, onTangent) {
  const x = X(delta);
  draw("point", {cx: x, cy: Y(c1)});
  draw("on-tangent", {cx: x, cy: Y(onTangent)});
  draw("gap", {x1: x, x2: x, y1: Y(c1), y2: Y(onTangent)});
}

function set(d, source) {  // Δw = d, from the slider, the box or a reset
  delta = d;
  if (source !== "slider") {
    slider.value = String(Math.max(-N, Math.min(N, Math.round(d / span * N))));
  }
  if (source !== "typed") {
    typed.value = d === 0 ? "0" : _repr(d);
    typed.classList.remove("mgcb-bad");
  }
  if (d < range[0] || d > range[1]) { range = [Math.min(-span, d), Math.max(span, d)]; curve(); }
  show();
}
function choose(k) {  // nudge the leaf params[k] from Δ = 0
  leaf = k; span = data.spans[k]; range = [-span, span]; delta = 0;
  onPath = pathOf(k);
  root.querySelectorAll(".mgcb-w").forEach(function (s) { s.textContent = data.names[k]; });
  el("range").textContent = "the slider: \u0394" + data.names[k] + " from " + short(-span) +
    " to " + short(span) + " in steps of " + short(span / N) + "; type any other value";
  nodes.forEach(function (n) { if (n.g) { n.g.classList.toggle("mgcb-chosen", n.param === k); } });
  try { base = _graph([], params); } catch (e) {
    if (!(e instanceof MicrogradError)) { throw e; }
    note.textContent = e.kind + ": " + e.message;
    return;
  }
  slope = base.grads[k];
  root.setAttribute("data-slope", _repr(slope));
  root.setAttribute("data-leaf", String(k));
  curve();
  set(0, "reset");
}

slider.addEventListener("input", function () {
  set(parseInt(slider.value, 10) * span / N, "slider");  // (an integer × span, then ÷ N: short)
});
function fromBox() {
  const words = typed.value.trim().replace("\u2212", "-");
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(words) || !Number.isFinite(Number(words))) {
    typed.classList.add("mgcb-bad");
    note.textContent = "\u0394 must be a number, such as 0.1 or -2e-3";
    return;
  }
  typed.classList.remove("mgcb-bad");
  set(Number(words), "typed");
}
typed.addEventListener("change", fromBox);
typed.addEventListener("keydown", function (e) { if (e.key === "Enter") { fromBox(); } });
el("reset").addEventListener("click", function () { set(0, "reset"); });
nodes.forEach(function (n) {
  if (n.g && n.param >= 0 && n.below.length === 0) {
    n.g.classList.add("mgcb-leaf");
    n.g.addEventListener("click", function () { choose(n.param); });
  }
});
choose(data.wrt);
"""


def nudge_html(uid: str, title: str, svg: str, data: dict[str, Any], javascript: str) -> str:
    """The page's fragment: controls, readouts and panel, the picture, the data, the script.

    ``data`` is :meth:`Nudge.data`; ``javascript`` the graph's compiled function.
    """
    c, w = _name("c", data["rootName"]), _name("w", data["names"][data["wrt"]])
    rows = [
        ("delta", f"Δ{w}", False),
        ("moved", f"{w} + Δ{w}", False),
        ("cost", f"{c}({w} + Δ{w})", True),
        ("base", f"{c}({w})", False),
        ("actual", f"actual Δ{c}", True),
        ("predicted", f"chain rule ∂{c}/∂{w} · Δ{w}", True),
        ("difference", "difference", False),
        ("ratio", f"difference ÷ Δ{w}²", False),
        ("gradient", f"∂{c}/∂{w} at {w} + Δ{w}", False),
    ]
    table = "".join(
        f"<tr{' class=mgcb-key-row' if key else ''}><th>{head}</th>"
        f'<td class="mgcb-r-{name}"></td></tr>'
        for name, head, key in rows
    )
    n, p = data["steps"], PLOT
    plot = (
        f'<svg class="mgcb-plot" viewBox="0 0 {p["width"]} {p["height"]}" width="{p["width"]}" '
        f'height="{p["height"]}" role="img" aria-label="the cost as a function of the nudge">'
        f'<defs><clipPath id="{html.escape(uid)}-clip"><rect x="{p["left"]}" y="{p["top"]}" '
        f'width="{p["width"] - p["left"] - p["right"]}" '
        f'height="{p["height"] - p["top"] - p["bottom"]}"/></clipPath></defs>'
        f'<rect x="{p["left"]}" y="{p["top"]}" width="{p["width"] - p["left"] - p["right"]}" '
        f'height="{p["height"] - p["top"] - p["bottom"]}" fill="none" stroke="#bbbbbb"/>'
        f'<g class="mgcb-ticks"></g><g clip-path="url(#{html.escape(uid)}-clip)">'
        '<line class="mgcb-zero" stroke="#dddddd"/>'
        '<line class="mgcb-level" stroke="#cccccc" stroke-dasharray="2 3"/>'
        f'<path class="mgcb-curve" fill="none" stroke="{INK}" stroke-width="2"/>'
        f'<line class="mgcb-tangent" stroke="{TANGENT}" stroke-width="1.6" '
        'stroke-dasharray="6 4"/>'
        f'<line class="mgcb-gap" stroke="{GAP}" stroke-width="3"/>'
        f'<circle class="mgcb-on-tangent" r="4" fill="white" stroke="{TANGENT}" '
        'stroke-width="1.6"/>'
        f'<circle class="mgcb-point" r="4.5" fill="{INK}"/></g></svg>'
        f'<p class="mgcb-plot-key"><span class="mgcb-swatch" style="border-color:{INK}"></span>'
        f'{c}({w} + Δ{w})<span class="mgcb-swatch" style="border-color:{TANGENT};'
        f'border-top-style:dashed"></span>tangent, slope ∂{c}/∂{w}'
        f'<span class="mgcb-swatch" style="border-color:{GAP};border-top-width:3px"></span>'
        "difference</p>"
    )
    caption = (
        f"Move the slider or type Δ{w}: {w} changes by Δ{w}, and the change passes up every "
        f"path to {c}. On those paths each box shows its new value and its change Δ, each "
        "edge its chain-rule factor → the change it passes up (the factor × the change below: "
        "the chain rule's estimate); "
        f'<span style="color:{INCREASE}"><b>red</b></span> up, '
        f'<span style="color:{DECREASE}"><b>blue</b></span> down, bolder for larger. The '
        "other boxes show their grad at the nudged point. Click a leaf to nudge it instead."
    )
    payload = {
        **data,
        "plot": PLOT,
        "colors": {
            "increase": INCREASE,
            "decrease": DECREASE,
            "unchanged": UNCHANGED,
            "ink": INK,
            "edge": EDGE,
            "edgeText": EDGE_TEXT,
        },
    }
    start = svg.find("<svg")
    code = "\n".join(
        [
            "(function () {",
            '"use strict";',
            f"const root = document.getElementById({json.dumps(uid)});",
            'if (!root || root.getAttribute("data-ready")) { return; }',
            'root.setAttribute("data-ready", "1");',
            RUNTIME,
            NOTATION,
            f"const _graph = {javascript.strip()};",
            _SCRIPT,
            "})();",
        ]
    )
    figure = svg[start:].strip() if start >= 0 else svg
    width = re.search(r'width="([\d.]+)pt"', figure[:400])  # its natural width, in CSS px:
    basis = f"{float(width[1]) * 96 / 72:.0f}px" if width else "auto"  # wider, it wraps
    return (
        f'<div class="mgcb-nudge" id="{html.escape(uid)}">\n'
        f"<style>{_CSS}</style>\n"
        f"<h3>{html.escape(title)}</h3>\n"
        f'<p class="mgcb-caption">{caption}</p>\n'
        '<div class="mgcb-body"><div class="mgcb-side"><div class="mgcb-numbers">\n'
        '<div class="mgcb-controls">'
        f'<label>Δ{w} <input type="range" class="mgcb-slider" min="{-n}" max="{n}" step="1" '
        'value="0" aria-label="Δw"></label>'
        '<input type="text" class="mgcb-typed" value="0" aria-label="Δw, typed" '
        'spellcheck="false">'
        '<button type="button" class="mgcb-reset">reset</button></div>\n'
        '<p class="mgcb-range"></p>\n'
        f'<table class="mgcb-readout">{table}</table>\n'
        '<p class="mgcb-note" role="status"></p></div>\n'
        f'<div class="mgcb-panel">{plot}</div></div>\n'
        f'<div class="mgcb-figure" style="flex: 1 1 {basis}">{figure}</div></div>\n'
        f'<script type="application/json" class="mgcb-nudge-data">{safe_json(payload)}</script>\n'
        f"<script>{safe_script(code)}</script>\n"
        "</div>\n"
    )


def _name(kind: str, name: str) -> str:
    """A name in the page's text, in a span the script renames (w when another leaf is chosen)."""
    return f'<span class="mgcb-{kind}">{html.escape(name)}</span>'


def safe_json(data: Any) -> str:
    """JSON that can stand inside a script element: ``<``, ``>`` and ``&`` (found only in its
    strings) written as ``\\u003c`` ..., which JSON.parse reads back as themselves."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def safe_script(code: str) -> str:
    """Script text that cannot end its element: ``</`` and ``<!--`` stand only in strings and
    comments of our code (never in its expressions), where ``<\\/`` and ``<\\!--`` read the same."""
    return code.replace("</", "<\\/").replace("<!--", "<\\!--")
