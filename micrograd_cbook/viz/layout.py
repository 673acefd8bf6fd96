"""One layout for many frames: where a single Graphviz run put every node and edge.

A :class:`Frame` is a Digraph pinned to such a layout (drawn with ``neato -n2``, which keeps
every position); :class:`Widest` holds each node's widest texts over the frames, so that one
layout fits them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphviz

__all__ = [
    "COLUMN_PT",
    "Frame",
    "GraphvizMissingError",
    "Layout",
    "Widest",
    "pipe",
    "text_width",
    "tree_width",
]

INSTALL_HINT = (
    "install it with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or `conda install -c conda-forge graphviz`, then make sure `dot` is on PATH"
)

# A notebook's column is 900 CSS px = 675 pt; a picture up to 720 pt is shown at ≥ 93.75%,
# which keeps 8 pt text (10.7 px at natural size) at 10 px or more.
COLUMN_PT = 720.0
_SCRIPTS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾₀₁₂₃₄₅₆₇₈₉")
_NARROW = set(" .,:;'!|ijlft()[]/")
_WIDE = set("mwMW—%∂")


def text_width(text: str) -> float:
    """Roughly how wide ``text`` is in Helvetica, in ems (enough to pick the widest, or to
    guess a row's width before Graphviz lays it out).

    >>> round(text_width("data 0.5000"), 2)
    5.32
    """
    return sum(
        0.33 if c in _SCRIPTS else 0.28 if c in _NARROW else 0.85 if c in _WIDE else 0.56
        for c in text
    )


def tree_width(rows: dict[int, list[float]], gap: float) -> float:
    """The width of the widest row of boxes (their widths in pt), ``gap`` pt between them."""
    return max((sum(ws) + gap * (len(ws) - 1) for ws in rows.values()), default=0.0)


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


@dataclass(frozen=True)
class Widest:
    """Each node's widest data and grad text, and each edge label's, over a film's frames."""

    data: list[str]
    grad: list[str]
    local: list[list[str]]


class Layout:
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

    def node_attrs(self, name: str) -> dict[str, str]:
        return self.nodes.get(name, {})

    def edge_attrs(self, edge_id: str) -> dict[str, str]:
        return self.edges.get(edge_id, {})


class GraphvizMissingError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not on PATH; the message says how to install it.

    A :class:`RuntimeError` (through :class:`graphviz.ExecutableNotFound`), so code that
    catches either keeps working. ``draw_dot(...).source`` needs no Graphviz at all.
    """

    def __init__(self, hint: str = "draw_dot(...).source works without it") -> None:
        RuntimeError.__init__(
            self, f"Graphviz is missing: its `dot` program is not on PATH; {INSTALL_HINT} ({hint})"
        )


def pipe(dot: graphviz.Digraph, fmt_: str) -> str:
    """Run Graphviz; a missing program becomes :class:`GraphvizMissingError`."""
    try:
        return dot.pipe(format=fmt_, encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError() from None
