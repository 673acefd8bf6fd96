"""An offline HTML player: one SVG whose parts change from frame to frame, with controls.

The stepper (:func:`micrograd_cbook.viz.stepper`) and the training replay
(:mod:`micrograd_cbook.viz.replay`) are players. A frame is one value for each changing part of
the picture: ``props`` lists (element id, attribute) pairs, ``attribute`` being an SVG
attribute or ``"text"`` for the element's text, and ``changes[i]`` says when part i changes,
``[0, value, k, value from frame k, ...]`` (small: most parts change a few times). The
page's script sets those values, so a frame costs a few attribute writes, never a new layout.

Controls: first, previous, (play/pause), next, last, a slider, and the keys ← → Home End
(and space to play). The HTML is self-contained (no network) and every id in it starts with
the player's ``uid``, so several players live in one notebook page.

>>> data = {"props": [["p-t", "text"]], "changes": [[0, "one", 1, "two"]], "captions": ["1", "2"]}
>>> html = player_html("p", "Two frames", '<svg><text id="p-t">one</text></svg>', data)
>>> html.count('class="mgcb-player"'), "http" in html.replace("http://www.w3.org", "")
(1, False)
"""

from __future__ import annotations

import html
import json
from typing import Any

__all__ = ["page_html", "player_html", "script_json"]


def script_json(value: Any) -> str:
    r"""``value`` as JSON that can stand anywhere inside a ``<script>`` element.

    Every ``<``, ``>`` and ``&`` is written as its escape ``\u003c``, ``\u003e``, ``\u0026``
    (the same string to JSON and to JavaScript), so no text of a label, ``</``, ``<!--`` or
    ``<script``, can end the element or change how the page reads it.

    >>> print(script_json({"label": "</script><!--<script>"}))
    {"label":"\u003c/script\u003e\u003c!--\u003cscript\u003e"}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}  # fmt: skip

_CSS = """
.mgcb-player { font-family: Helvetica, Arial, sans-serif; color: #222; max-width: 100%; }
.mgcb-player:focus { outline: 2px solid #9ab; outline-offset: 2px; }
.mgcb-player h3 { font-size: 1.1em; margin: 0 0 .4em; }
.mgcb-player nav { display: flex; flex-wrap: wrap; gap: .4em; align-items: center;
  margin: 0 0 .4em; }
.mgcb-player button { font-size: .95em; padding: .2em .7em; cursor: pointer; }
.mgcb-player button:disabled { cursor: default; opacity: .4; }
.mgcb-player input[type=range] { flex: 1 1 8em; min-width: 6em; }
.mgcb-player .mgcb-caption { min-height: 2.6em; margin: .2em 0 .5em; line-height: 1.35; }
.mgcb-player .mgcb-figure svg { max-width: 100%; height: auto; }
"""

# `page_keys`: in a page of its own the keys work anywhere; inline (a notebook) only once the
# player has focus (click it), so they never fight the notebook's own keys.
_JS = """
(function () {
  "use strict";
  var root = document.getElementById(%(uid)s);
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.mgcb-data").textContent);
  var parts = data.props.map(function (p) { return [document.getElementById(p[0]), p[1]]; });
  var n = data.captions.length;
  function el(name) { return root.querySelector(".mgcb-" + name); }
  var slider = el("slider"), counter = el("counter"), caption = el("caption");
  var first = el("first"), prev = el("prev"), next = el("next"), last = el("last");
  var play = el("play"), timer = null, current = 0;
  var hooks = window.mgcbHooks && window.mgcbHooks[%(uid)s];
  function label(k) { return %(counter)s; }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (play) { play.textContent = "\\u25B6 play"; }
  }
  function show(k) {
    current = Math.max(0, Math.min(n - 1, k));
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i][0], attr = parts[i][1], when = data.changes[i], j = 0;
      if (!part) { continue; }
      while (j + 2 < when.length && when[j + 2] <= current) { j += 2; }
      if (attr === "text") { part.textContent = when[j + 1]; }
      else { part.setAttribute(attr, when[j + 1]); }
    }
    slider.value = String(current);
    counter.textContent = label(current);
    caption.textContent = data.captions[current];
    first.disabled = prev.disabled = current === 0;
    next.disabled = last.disabled = current === n - 1;
    root.setAttribute("data-current", String(current));
    if (hooks) { hooks(current, data); }
    if (current === n - 1) { stop(); }
  }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (current === n - 1) { show(0); }
    play.textContent = "\\u25A0 pause";
    timer = setInterval(function () { show(current + 1); }, %(interval)d);
  }
  first.addEventListener("click", function () { stop(); show(0); });
  prev.addEventListener("click", function () { stop(); show(current - 1); });
  next.addEventListener("click", function () { stop(); show(current + 1); });
  last.addEventListener("click", function () { stop(); show(n - 1); });
  if (play) { play.addEventListener("click", toggle); }
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  function onKey(e) {
    var steps = {ArrowRight: 1, ArrowLeft: -1, PageDown: 1, PageUp: -1};
    if (e.key in steps) { stop(); show(current + steps[e.key]); }
    else if (e.key === "Home") { stop(); show(0); }
    else if (e.key === "End") { stop(); show(n - 1); }
    else if (e.key === " " && play) { toggle(); }
    else { return; }
    e.preventDefault(); e.stopPropagation();
  }
  (%(page_keys)s ? document : root).addEventListener("keydown", onKey);
  show(0);
})();
"""

_COUNTERS = {
    "step": '(k === 0 ? "before the pass" : "step " + k + " of " + (n - 1))',
    "frame": '"frame " + (k + 1) + " of " + n',
    "epoch": '(data.epochs[k] === 0 ? "before training" : '
    '"after epoch " + data.epochs[k] + " of " + data.epochs[n - 1])',
}


def player_html(
    uid: str,
    title: str,
    svg: str,
    data: dict[str, Any],
    *,
    page_keys: bool = False,
    counter: str = "frame",
    play: bool = False,
    before: str = "",
    extra: str = "",
    script: str = "",
    interval: int = 700,
) -> str:
    """The HTML of a player: title, controls, caption, ``before``, the ``svg``, ``extra``.

    ``data`` holds ``props``, ``changes`` and ``captions`` (one per frame), and anything the
    page's own ``script`` needs; ``counter`` is "frame", "step" (0 is "before the pass") or
    "epoch" (from ``data["epochs"]``). ``script`` runs before the player starts and may set
    ``window.mgcbHooks[uid] = function (k, data) {...}``, called on every frame.
    """
    if counter not in _COUNTERS:
        raise ValueError(f"counter must be one of {', '.join(_COUNTERS)}, got {counter!r}")
    n = len(data["captions"])
    if n == 0 or len(data["changes"]) != len(data["props"]):
        raise ValueError("a player needs at least one frame (caption) and changes for each prop")
    start = svg.find("<svg")
    code = _JS % {
        "uid": script_json(uid),
        "page_keys": "true" if page_keys else "false",
        "counter": _COUNTERS[counter],
        "interval": interval,
    }
    payload = script_json(data)
    play_button = (
        (
            '<button type="button" class="mgcb-play" title="play / pause (space)">'
            "&#9654; play</button>"
        )
        if play
        else ""
    )
    return (
        f'<div class="mgcb-player" id="{html.escape(uid)}" tabindex="0">\n'
        f"<style>{_CSS}</style>\n"
        f"<h3>{html.escape(title)}</h3>\n"
        "<nav>"
        '<button type="button" class="mgcb-first" title="first (Home)">&#171; first</button>'
        '<button type="button" class="mgcb-prev" title="previous (←)">&#9664; prev</button>'
        f"{play_button}"
        '<button type="button" class="mgcb-next" title="next (→)">next &#9654;</button>'
        '<button type="button" class="mgcb-last" title="last (End)">last &#187;</button>'
        f'<input type="range" class="mgcb-slider" min="0" max="{n - 1}" value="0" '
        'aria-label="frame">'
        '<span class="mgcb-counter" aria-live="polite"></span>'
        "</nav>\n"
        f'<p class="mgcb-caption">{html.escape(data["captions"][0])}</p>\n'
        f"{before}"
        f'<div class="mgcb-figure">{svg[start:].strip() if start >= 0 else svg}</div>\n'
        f"{extra}"
        f'<script type="application/json" class="mgcb-data">{payload}</script>\n'
        f"<script>{script}{code}</script>\n"
        "</div>\n"
    )


def page_html(title: str, body: str) -> str:
    """A whole offline HTML page around ``body`` (a player).

    >>> page_html("T", "<p>hi</p>").startswith("<!DOCTYPE html>")
    True
    """
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>body { margin: 1.2em; }</style>\n"
        f"</head>\n<body>\n{body}</body>\n</html>\n"
    )
