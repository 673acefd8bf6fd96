"""Draw the pictures under docs/: the chapter's chain and the chapter's network, as trees.

Run from the repository's root: ``python docs/pictures.py``. Each is written as SVG and as a
PNG of twice its pixels (192 dpi, the same font): a page shows an SVG of width="W pt" at
W × 96/72 CSS pixels, and the PNG at half its width in pixels, the same size. Both fit a
notebook's 900 px column.
"""

from __future__ import annotations

from pathlib import Path

from micrograd_cbook import Value, losses, nn
from micrograd_cbook.engine import Parameter
from micrograd_cbook.files import write_atomic
from micrograd_cbook.viz import draw_dot, render_svg

HERE = Path(__file__).resolve().parent


def chain() -> tuple[Value, Value]:
    """The README's quick tour, the target named y: w, x, b → z → a → C₀, w and b parameters."""
    w, x, b, y = Parameter(0.5, "w"), Value(1.5, "x"), Parameter(0.1, "b"), Value(1.0, "y")
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
    weight = next(p for p in net.parameters() if p.label == "w1[0,2]")
    return C, weight


def main() -> None:
    for name, make in (("chain", chain), ("network", network)):
        C, weight = make()
        path = HERE / f"{name}.svg"
        svg = render_svg(C, path, highlight=weight)
        dot = draw_dot(C, highlight=weight)
        dot.attr(dpi="192")
        write_atomic(path.with_suffix(".png"), dot.pipe(format="png", renderer="cairo"))
        size = svg.split('width="', 1)[1].split('"', 1)[0]
        print(f"wrote {path} ({size}) and {path.with_suffix('.png').name}")


if __name__ == "__main__":
    main()
