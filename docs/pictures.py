"""Draw the pictures under docs/: the chapter's chain and the chapter's network, as trees.

Run from the repository's root: ``python docs/pictures.py``. Both are drawn at their natural
size; a notebook shows an SVG of width="W pt" W × 96/72 CSS pixels wide.
"""

from __future__ import annotations

from pathlib import Path

from micrograd_cbook import Value, losses, nn
from micrograd_cbook.viz import render_svg

HERE = Path(__file__).resolve().parent


def chain() -> tuple[Value, Value]:
    """The README's quick tour, the target named y: w, x, b → z → a → C."""
    w, x, b, y = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b"), Value(1.0, "y")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = 0.5 * (y - a) ** 2
    C.label = "C"
    C.backward()
    return C, w


def network() -> tuple[Value, Value]:
    """The chapter's network on the row [1, 0, 1], target y = 1, with its quadratic cost."""
    net = nn.chapter_network()
    C = losses.quadratic_cost(net([1, 0, 1]), Value(1.0, "y"))
    C.backward()
    weight = next(p for p in net.parameters() if p.label == "w1[0,0]")
    return C, weight


def main() -> None:
    for name, make in (("chain", chain), ("network", network)):
        C, weight = make()
        path = HERE / f"{name}.svg"
        render_svg(C, path, show_local_grads=True, highlight=weight)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
