"""Pictures of the graph: each Value with its data and grad, each operation its own small node.

:func:`draw_dot` returns a :class:`graphviz.Digraph` (it shows inline in Jupyter),
:func:`render_svg` turns it into SVG text, :func:`backward_frames` draws the backward pass one
step at a time, and :func:`write_frames` writes those steps as numbered SVG files plus one
HTML page that steps through them offline.

>>> from micrograd_cbook import Value
>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> a = (w * x).sigmoid(); a.label = "a"
>>> a.backward()
>>> source = draw_dot(a).source
>>> "data 0.6792" in source and "grad 0.3268" in source
True

Parameters (weights and biases) are drawn orange, inputs blue, constants grey and dashed,
and the root green. Which leaves are parameters: pass ``parameters=model`` (anything with a
``parameters()`` method) or a list of Values; without it, a leaf labelled the way
:mod:`micrograd_cbook.nn` labels its weights and biases (``w``, ``b``, ``w2``, ``w2[0,3]``,
``b1[2]``) counts as a parameter, and ``parameters=[]`` turns that convention off.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import graphviz

from .engine import Constant, Value, fmt, topological_order
from .files import write_atomic
from .stepping import backward_steps

__all__ = [
    "DEFAULT_MAX_NODES",
    "GraphvizMissingError",
    "backward_frames",
    "draw_dot",
    "render_svg",
    "write_frames",
]

DEFAULT_MAX_NODES = 500  # the chapter's MLP(3, [4, 1]) unfused, with its cost, is about 70
MAX_LABEL = 40  # characters of a label shown before it is cut with "…"
RANKDIRS = ("LR", "RL", "TB", "BT")
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
_HIGHLIGHT = "#c0392b"
_CURRENT_FILL = "#fff19c"
_CURRENT_EDGE = "#b7950b"
_EMPTY = "#a0a0a0"


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
    rankdir: str = "LR",
    show_local_grads: bool = False,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Any = None,
) -> graphviz.Digraph:
    """Draw the graph ending at ``root``: labels, data and grads with 4 decimals.

    ``show_local_grads`` writes each edge's local derivative on it; ``highlight`` (a Value
    or several) emphasises every path from them to ``root``; ``parameters`` says which
    leaves are weights and biases (see the module's docstring). Nodes are named ``n0``,
    ``n1``, ... in topological order, so the same graph always gives the same source.

    >>> from micrograd_cbook import Value
    >>> x = Value(2.0, "x"); y = x * 3; y.label = "y"
    >>> print(draw_dot(y).source.count("->"))
    3
    """
    drawing = _Drawing(root, rankdir, show_local_grads, highlight, max_nodes, parameters)
    return drawing.draw()


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
    svg = _pipe_svg(dot)
    if path is not None:
        write_atomic(path, svg)
    return svg


def backward_frames(root: Value, **draw_options: Any) -> Iterator[graphviz.Digraph]:
    """Yield one picture per backward step: the node being processed marked, grads so far.

    It runs the engine's backward pass, exactly as ``root.backward()`` would (leaves
    accumulate: zero their grads first for a clean picture). A grad not reached yet shows as
    ``grad —``; one that has received only part of its sum shows ``(so far)``. A leaf
    ``root`` has no steps, so no frames.

    >>> from micrograd_cbook import Value
    >>> w = Value(0.5, "w"); a = (w * 2).sigmoid()
    >>> frames = list(backward_frames(a))
    >>> len(frames), abs(w.grad - 2 * a.data * (1 - a.data)) < 1e-15
    (2, True)
    """
    for dot, _caption in _frames(root, draw_options):
        yield dot


def write_frames(
    root: Value, folder: str | os.PathLike, *, title: str | None = None, **draw_options: Any
) -> Path:
    """Write each backward step as ``step-01.svg``, ... and ``index.html`` that steps through them.

    The page is self-contained (SVGs inline, no network: it works from ``file://``) with
    previous/next buttons and the arrow keys. Returns the page's path. Old ``step-NN.svg``
    files of an earlier, longer run in ``folder`` are removed. A leaf ``root`` has no
    backward step: the page then shows the graph alone.
    """
    folder = Path(folder)
    frames = list(_frames(root, draw_options))
    if not frames:
        frames = [(draw_dot(root, **draw_options), "No backward steps: the root is a leaf.")]
    svgs = [_pipe_svg(dot) for dot, _ in frames]  # render all first: no half-written folder
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(svgs))))
    names = [f"step-{k:0{width}d}.svg" for k in range(1, len(svgs) + 1)]
    for name, svg in zip(names, svgs):
        write_atomic(folder / name, svg)
    for old in folder.glob("step-*.svg"):
        if re.fullmatch(r"step-\d+\.svg", old.name) and old.name not in names:
            old.unlink()
    if title is None:
        title = f"Back-propagation through {_name(root) or 'the graph'}"
    page = folder / "index.html"
    write_atomic(page, _stepper_html(title, [(svg, cap) for svg, (_, cap) in zip(svgs, frames)]))
    return page


# --------------------------------------------------------------------------- internals


class _Drawing:
    """One graph's nodes, kinds and highlighted paths, drawn once or once per backward step."""

    def __init__(
        self,
        root: Value,
        rankdir: str,
        show_local_grads: bool,
        highlight: Value | Iterable[Value] | None,
        max_nodes: int,
        parameters: Any,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"draw a Value, got {type(root).__name__}: {root!r}")
        if rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
        _check_size(root, max_nodes)
        self.root = root
        self.rankdir = rankdir
        self.show_local_grads = bool(show_local_grads)
        self.order = topological_order(root)
        self.index = {node: i for i, node in enumerate(self.order)}
        self.params = self._parameter_set(parameters)
        self.on_path = self._paths_from(self._as_values(highlight, "highlight"))

    def _as_values(self, values: Any, what: str) -> list[Value]:
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

    def _parameter_set(self, parameters: Any) -> set[Value] | None:
        """The explicit parameters, or None to recognise them by their labels."""
        if parameters is None:
            return None
        if callable(getattr(parameters, "parameters", None)):
            parameters = parameters.parameters()  # a Module
        return set(self._as_values(parameters, "parameters"))

    def _paths_from(self, sources: list[Value]) -> set[Value]:
        """Every node on a path from one of ``sources`` up to the root."""
        for v in sources:
            if v not in self.index:
                raise ValueError(f"highlight: {v!r} is not in the graph of {self.root!r}")
        on = set(sources)
        for node in self.order:  # children come first, so one pass suffices
            if node not in on and any(c in on for c in node.children):
                on.add(node)
        return on

    def kind(self, node: Value) -> str:
        if node is self.root:
            return "output"
        if node.children:
            return "interior"
        if isinstance(node, Constant):
            return "constant"
        if self.params is None:
            is_param = PARAMETER_LABEL.fullmatch(node.label) is not None
        else:
            is_param = node in self.params
        return "parameter" if is_param else "input"

    def draw(
        self,
        step: int | None = None,
        current: Value | None = None,
        grads: dict[Value, str] | None = None,
    ) -> graphviz.Digraph:
        """The picture; in a frame, ``grads`` maps each node to "final", "partial" or "empty"."""
        dot = graphviz.Digraph("micrograd", format="svg")
        dot.attr(rankdir=self.rankdir, bgcolor="white", nodesep="0.25", ranksep="0.35")
        if step is not None:
            dot.attr(id=f"step{step}")  # SVG ids become step3_node1, ...: unique in one page
        dot.attr("node", fontname="Helvetica", fontsize="11")
        dot.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
        for i, node in enumerate(self.order):
            name = f"n{i}"
            kind = self.kind(node)
            lit = node in self.on_path
            is_current = node is current
            state = "final" if grads is None else grads[node]
            classes = ["value", kind]
            if lit:
                classes.append("highlighted")
            if is_current:
                classes.append("current")
            if grads is not None:
                classes.append(f"grad-{state}")
            dot.node(name, _value_label(node, kind, lit, is_current, state),
                     shape="plain", **{"class": " ".join(classes)})
            if not node.children:
                continue
            op = f"{name}_op"
            op_lit = lit and any(c in self.on_path for c in node.children)
            dot.node(op, f"<{_escape(node.op)}>", shape="ellipse", width="0.3", height="0.3",
                     margin="0.04,0.02", fontsize="10", style="filled",
                     fillcolor=_CURRENT_FILL if is_current else "#f4f4f4",
                     color=_HIGHLIGHT if op_lit else "#555555",
                     penwidth="2" if op_lit else "1", **{"class": "op"})
            dot.edge(op, name, **self._edge_style(op_lit, False))
            for child, local_grad in zip(node.children, node.local_grads):
                attrs = self._edge_style(op_lit and child in self.on_path, is_current)
                if self.show_local_grads:
                    attrs["label"] = fmt(local_grad)
                dot.edge(f"n{self.index[child]}", op, **attrs)
        return dot

    @staticmethod
    def _edge_style(lit: bool, current: bool) -> dict[str, str]:
        if current:
            return {"color": _CURRENT_EDGE, "penwidth": "2.5" if not lit else "3",
                    "fontcolor": _CURRENT_EDGE}
        if lit:
            return {"color": _HIGHLIGHT, "penwidth": "2.5", "fontcolor": _HIGHLIGHT}
        return {"color": "#555555"}


def _check_size(root: Value, max_nodes: int) -> None:
    """Refuse a graph of more than ``max_nodes`` Values, without walking all of a huge one."""
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if child not in seen:
                seen.add(child)
                if len(seen) > max_nodes:
                    raise ValueError(
                        f"the graph has more than max_nodes={max_nodes} values: pass a larger "
                        f"max_nodes to draw it anyway, or draw a smaller part"
                    )
                stack.append(child)


def _value_label(node: Value, kind: str, lit: bool, current: bool, state: str) -> str:
    """The HTML-like label of a Value: [label |] data | grad, in a table coloured by kind."""
    cells = []
    if node.label:
        cells.append(f"<B>{_escape(_shorten(node.label))}</B>")
    cells.append(f"data {fmt(node.data)}")
    if state == "final":
        cells.append(f"grad {fmt(node.grad)}")
    elif state == "partial":
        cells.append(f"<I>grad {fmt(node.grad)} (so far)</I>")
    else:
        cells.append(f'<FONT COLOR="{_EMPTY}">grad —</FONT>')
    row = "<VR/>".join(f"<TD>{c}</TD>" for c in cells)
    fill = _CURRENT_FILL if current else _FILL[kind]
    style = {"parameter": "rounded", "constant": "dashed"}.get(kind, "")
    border = 3 if lit or current else (2 if kind == "output" else 1)
    color = _HIGHLIGHT if lit else (_CURRENT_EDGE if current else "#333333")
    style_attr = f' STYLE="{style}"' if style else ""
    return (
        f'<<TABLE BORDER="{border}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{fill}" COLOR="{color}"{style_attr}><TR>{row}</TR></TABLE>>'
    )


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


def _name(node: Value) -> str:
    """A short readable name for captions: the label, or the operation."""
    if node.label:
        return _shorten(node.label)
    if isinstance(node, Constant):
        return f"the constant {fmt(node.data)}"
    return f"the {node.op} node" if node.op else "an unlabelled leaf"


def _frames(root: Value, draw_options: dict[str, Any]) -> Iterator[tuple[graphviz.Digraph, str]]:
    """The frames of :func:`backward_frames`, each with a one-line caption."""
    drawing = _Drawing(root, **_drawing_options(draw_options))
    # How many times each node is an input of an interior node: its grad is final once
    # that many contributions have arrived.
    expected = dict.fromkeys(drawing.order, 0)
    for node in drawing.order:
        for child in node.children:
            expected[child] += 1
    received = dict.fromkeys(drawing.order, 0)
    steps = sum(1 for node in drawing.order if node.children)
    for k, step in enumerate(backward_steps(root), start=1):
        node = step.node
        for child in node.children:
            received[child] += 1
        grads = {}
        for n in drawing.order:
            if n is root or received[n] == expected[n]:
                grads[n] = "final" if n is root or received[n] else "empty"
            else:
                grads[n] = "partial" if received[n] else "empty"
        parts = ", ".join(
            f"{_name(c)} += {fmt(lg)} × {fmt(node.grad)}"
            for c, lg in zip(node.children, node.local_grads)
        )
        caption = (
            f"Step {k} of {steps}: {_name(node)} (data {fmt(node.data)}) has its final grad "
            f"{fmt(node.grad)} and passes it on by the chain rule: {parts}."
        )
        yield drawing.draw(step=k, current=node, grads=grads), caption


def _drawing_options(options: dict[str, Any]) -> dict[str, Any]:
    allowed = {"rankdir", "show_local_grads", "highlight", "max_nodes", "parameters"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"unknown draw option {unknown[0]!r}: the options are {sorted(allowed)}")
    defaults: dict[str, Any] = {"rankdir": "LR", "show_local_grads": False, "highlight": None,
                                "max_nodes": DEFAULT_MAX_NODES, "parameters": None}
    return {**defaults, **options}


def _pipe_svg(dot: graphviz.Digraph) -> str:
    """Run ``dot -Tsvg``; a missing program becomes :class:`GraphvizMissingError`."""
    try:
        return dot.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError() from None


# ------------------------------------------------------------------------ the stepper

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.3em; margin: 0 0 .5em; }}
nav {{ display: flex; gap: .75em; align-items: center; margin-bottom: .5em; }}
button {{ font-size: 1em; padding: .3em .9em; cursor: pointer; }}
button:disabled {{ cursor: default; opacity: .4; }}
#caption {{ min-height: 2.6em; max-width: 70em; }}
.frame svg {{ max-width: 100%; height: auto; }}
.legend span {{ display: inline-block; padding: 0 .5em; margin-right: .3em;
  border: 1px solid #333; font-size: .85em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<nav>
<button id="prev" type="button" title="previous step (←)">&#9664; prev</button>
<span id="counter" aria-live="polite">step 1 of {count}</span>
<button id="next" type="button" title="next step (→)">next &#9654;</button>
</nav>
<p id="caption">{first_caption}</p>
<p class="legend"><span style="background:#fbd9a8;border-radius:.5em">parameter</span>
<span style="background:#cfe3f7">input</span>
<span style="background:#eeeeee;border-style:dashed">constant</span>
<span style="background:#d3efcf">output</span>
<span style="background:#fff19c">being processed</span>
&nbsp;grad — : not reached yet; arrow keys ← → step too.</p>
{frames}
<script>
(function () {{
  "use strict";
  var frames = document.querySelectorAll(".frame");
  var counter = document.getElementById("counter");
  var caption = document.getElementById("caption");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var current = 0;
  function show(i) {{
    current = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) {{ frames[k].hidden = (k !== current); }}
    counter.textContent = "step " + (current + 1) + " of " + frames.length;
    caption.textContent = frames[current].getAttribute("data-caption");
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
    document.body.setAttribute("data-current", String(current + 1));
  }}
  prev.addEventListener("click", function () {{ show(current - 1); }});
  next.addEventListener("click", function () {{ show(current + 1); }});
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight" || e.key === "ArrowDown" || e.key === "PageDown") {{
      show(current + 1); e.preventDefault();
    }} else if (e.key === "ArrowLeft" || e.key === "ArrowUp" || e.key === "PageUp") {{
      show(current - 1); e.preventDefault();
    }} else if (e.key === "Home") {{ show(0); e.preventDefault(); }}
    else if (e.key === "End") {{ show(frames.length - 1); e.preventDefault(); }}
  }});
  show(0);
}})();
</script>
</body>
</html>
"""


def _stepper_html(title: str, frames: list[tuple[str, str]]) -> str:
    """One page holding every frame's SVG inline; only the current one is shown."""
    sections = []
    for k, (svg, caption) in enumerate(frames, start=1):
        start = svg.find("<svg")
        hidden = "" if k == 1 else " hidden"
        sections.append(
            f'<section class="frame" id="frame-{k}" data-caption="{html.escape(caption)}"'
            f"{hidden}>\n{svg[start:].strip()}\n</section>"
        )
    return _PAGE.format(
        title=html.escape(title),
        count=len(frames),
        first_caption=html.escape(frames[0][1]),
        frames="\n".join(sections),
    )
