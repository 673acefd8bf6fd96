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
