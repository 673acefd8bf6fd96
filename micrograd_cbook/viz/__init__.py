"""Pictures of the graph: the chapter's tree, the cost on top and the weights and inputs below.

:func:`draw_dot` returns a :class:`graphviz.Digraph` (it shows inline in Jupyter) and
:func:`render_svg` turns it into SVG text. :func:`stepper` (inline in Jupyter),
:func:`write_frames` (SVG files and an offline page) and :func:`backward_frames` (one Digraph
per step) show the backward pass one step at a time, from empty grads. :func:`nudge` (inline
in Jupyter, or a page of its own) moves one leaf by Δw with a slider and shows the change pass
up to the cost, computed in the page by the graph's compiled JavaScript.

>>> from micrograd_cbook import Value
>>> w, x = Value(0.5, "w"), Value(1.5, "x")
>>> a = (w * x).sigmoid(); a.label = "a"
>>> a.backward()
>>> source = draw_dot(a).source
>>> "data 0.6792" in source and "grad 0.3268" in source and "rankdir=BT" in source
True

The chapter's tree. By default the values the user named (labels), the root, highlighted
values and the leaves that are not constants are boxes; a chain of unnamed operations between
two boxes is one edge whose factor is their product (``explain(labelled_only=True)`` reads
the same fold, :func:`micrograd_cbook.stepping.folded_edges`). So the quick tour draws
C₀ ← a ← z ← {w, x, b} (and y), each edge named and numbered (``∂a/∂z = 0.2098``), each box
headed by how it was made from the boxes below (``z = w·x + b``, ``a = σ(z)``, from the
table's ``show``). ``unfold=True`` draws every operation (constants too, without grads);
``style="micrograd"`` gives each operation its own small node (and unfolds).

Names are written in the chapter's notation (a⁽²⁾₀, w⁽¹⁾₀,₂, xₖ, C₀), by the one map of
:mod:`micrograd_cbook.names`; reprs, the command line and model files keep the ASCII labels.
Parameters are known by what they are: every :class:`~micrograd_cbook.engine.Parameter`
(``nn`` makes its weights and biases so), and ``parameters=model`` or a list of Values
adds more; no label decides a kind. Parameters are orange and rounded, inputs blue,
constants grey and dashed, the root green; the legend names every colour and border used,
says what an edge's number (∂upper/∂lower) and a grad (∂C₀/∂value) are, and, for one
highlighted value with one path, multiplies its factors out to its grad.

A notebook's width. A picture with more than :data:`~micrograd_cbook.viz.graph.CROWDED`
edges (a network) is drawn compactly: 8 pt text, numbers without "data"/"grad", the inputs
used by several units on a row of their own with the weights the row under them, factors
only on the edges that teach (those from a leaf or into a weighted sum z read the boxes'
data), each tied to its edge by a line. It stays a tree (root on top) while it fits 720 pt
(a 900 px column shows it at 93.75% or more: text of 10 px or more), else it is drawn
left to right; an explicit ``rankdir`` ("LR", "TB", "BT", "RL") is always honoured.

The SVG (for pages built on it, such as :func:`nudge`): each box is ``<g id="n{i}"
class="node value {kind} [highlighted] [current] [grad-final|grad-partial|grad-empty]">``,
i its place in the drawing's order (:attr:`Drawing.order`: each box after its inputs, the
inputs in their order); its texts are the header (one or two ``<text>``), then data, then
grad (a constant has no grad). Each edge is ``<g id="e{k}" class="edge [highlighted]">``,
k counting box by box in that order, one edge per input (in micrograd's style the op node
``n{i}op`` and its edge come first); its label is one ``<text>``. The stepper and the
replay prefix every id with the player's uid (``mgcb-…-n3``) and mark the parts a frame
changes: ``-n3-shape``, ``-n3-data``, ``-n3-grad``, ``-e5-path``, ``-e5-head``, ``-e5-label``.

Frames: one Graphviz run lays a graph out for all its frames, each box sized for its widest
text; a frame then only sets colours and numbers on parts with stable ids: :func:`write_frames`
and :func:`stepper` in Python and in the page's script, :func:`backward_frames` as Digraphs
pinned to that layout (Graphviz draws them with ``neato -n2``, which keeps every position).
A frame is taken at each box once the unnamed steps folded below it have passed its grad on.
:func:`snapshots` shows graphs of one shape (a cost after each epoch, say) the same way.

Sizes: an SVG's ``width`` and ``height`` are in points; a browser or a notebook shows it at
96/72 CSS pixels per point. Text is 9 pt in the boxes and 8 pt on the edges (12 and 10.7 px);
8 pt everywhere in a crowded picture. Fonts: Arial, which Graphviz measures and a browser
shows alike (Liberation Sans where there is no Arial).

No picture function changes the graph: every ``.grad`` and ``.data`` is left as it was.
"""

from __future__ import annotations

from ..notation import number
from .frames import Frame, Stepper, backward_frames, snapshots, stepper, write_frames
from .graph import (
    DEFAULT_MAX_NODES,
    TREE_MAX_NODES,
    GraphvizMissingError,
    draw_dot,
    nodes_drawn,
    render_svg,
)
from .nudge import Nudge, nudge

__all__ = [
    "DEFAULT_MAX_NODES",
    "TREE_MAX_NODES",
    "Frame",
    "GraphvizMissingError",
    "Nudge",
    "Stepper",
    "backward_frames",
    "draw_dot",
    "nodes_drawn",
    "nudge",
    "number",
    "render_svg",
    "snapshots",
    "stepper",
    "write_frames",
]
