"""The training replay's page: its style and the script that draws each epoch in the page
(the loss curve so far, the decision boundary, the heat maps), in the palette's colours.

>>> "mgcbHooks" in page_script("mgcb-replay-1") and "#" in page_css()
True
"""

from __future__ import annotations

import json

from .palette import (
    AXIS,
    BLUE,
    BLUE_BG,
    MUTED,
    NEGATIVE,
    NEUTRAL,
    ORANGE,
    ORANGE_BG,
    POINT_EDGE,
    POSITIVE,
)

__all__ = ["page_css", "page_script"]

_CSS = """
.mgcb-panels, .mgcb-heat { display: flex; flex-wrap: wrap; gap: .8em; align-items: flex-start; }
.mgcb-panel { margin: 0 0 .6em; }
.mgcb-panel figcaption { font-size: .85em; color: %(muted)s; margin-bottom: .2em; }
.mgcb-heat-note { flex-basis: 100%%; font-size: .85em; color: %(muted)s; margin: .2em 0; }
.mgcb-map, .mgcb-boundary { image-rendering: pixelated; border: 1px solid %(axis)s; }
.mgcb-hover { font-family: monospace; }
.mgcb-graph-title { font-size: .95em; font-weight: normal; margin: .6em 0 .3em; }
"""


def page_css() -> str:
    """The page's style, in the palette's colours."""
    return _CSS % {"muted": MUTED, "axis": AXIS}


def page_script(uid: str) -> str:
    """The page's drawing: on frame k, the curve up to k, the boundary, the heat maps."""
    return _SCRIPT % {"uid": json.dumps(uid), **_COLOURS}


def _rgb(colour: str) -> str:
    """A palette colour as the script's [r, g, b] list."""
    return json.dumps([int(colour[k : k + 2], 16) for k in (1, 3, 5)])


_COLOURS = {
    "positive": _rgb(POSITIVE),
    "negative": _rgb(NEGATIVE),
    "neutral": _rgb(NEUTRAL),
    "orange_bg": ORANGE_BG,
    "blue_bg": BLUE_BG,
    "orange": ORANGE,
    "blue": BLUE,
    "point_edge": POINT_EDGE,
}


_SCRIPT = """
window.mgcbHooks = window.mgcbHooks || {};
window.mgcbHooks[%(uid)s] = (function () {
  var root = document.getElementById(%(uid)s);
  function colour(v) {
    var t = Math.max(-1, Math.min(1, v / 99)), a = Math.abs(t);
    var end = t >= 0 ? %(positive)s : %(negative)s, base = %(neutral)s;
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
        ctx.fillStyle = on ? "%(orange_bg)s" : "%(blue_bg)s";
        ctx.fillRect((i %% g) * cell, Math.floor(i / g) * cell, cell + 0.5, cell + 0.5);
      }
      data.points.forEach(function (p) {
        ctx.beginPath(); ctx.arc(p[0] * canvas.width, p[1] * canvas.height, 3.5, 0, 2 * Math.PI);
        ctx.fillStyle = p[2] ? "%(orange)s" : "%(blue)s"; ctx.fill();
        ctx.strokeStyle = "%(point_edge)s"; ctx.lineWidth = 0.8; ctx.stroke();
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
