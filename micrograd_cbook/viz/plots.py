"""Plain SVG plots, written by hand (no matplotlib): a loss curve, a 2-D decision boundary,
a confusion matrix and small images (the 8×8 digits).

Each function returns the SVG text and, given ``path``, also writes it there atomically.

>>> svg = loss_curve_svg([0.7, 0.4, 0.2, 0.1])
>>> svg.startswith("<svg") and "<polyline" in svg
True
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, Context, Decimal, localcontext
from html import escape
from typing import Any

from ..engine import Value
from ..files import write_atomic
from .palette import (
    AXIS,
    BLUE,
    BLUE_BG,
    CELL_LINE,
    FRAME_LINE,
    GRID_LINE,
    MUTED,
    ORANGE,
    ORANGE_BG,
    PLOT_FONT,
    POINT_EDGE,
)

__all__ = [
    "confusion_matrix_svg",
    "decision_boundary_svg",
    "images_svg",
    "loss_axes",
    "loss_curve_svg",
]

_FONT = f'font-family="{PLOT_FONT}"'


def _num(x: float) -> str:
    """A coordinate with 2 decimals and no trailing zeros (smaller files, stable text)."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _tick_label(v: float | Decimal, step: float | Decimal | None = None) -> str:
    """A tick's number: 3 significant digits, more when the ticks are closer than that."""
    digits = 3
    if step is not None and v and step:
        digits = min(17, max(3, Decimal(abs(v)).adjusted() - Decimal(abs(step)).adjusted() + 2))
    x = float(v)  # a padded range may reach past the largest float: then the Decimal's digits
    text = f"{x:.{digits}g}" if math.isfinite(x) else format(Decimal(v), f".{digits}g")
    return "0" if text == "-0" else text


# Ranges and ticks are computed in Decimal: exact for every float, with no overflow (1e308
# minus −1e308), no underflow and no step too small to move a float (−1e10 and its neighbour).
_DECIMALS = Context(prec=40)


def _range(lo: float, hi: float, pad: float = 0.0) -> tuple[Decimal, Decimal]:
    """An interval from lo to hi to draw in, ``pad`` of its width added on each side.

    Equal values, or values too close to tell apart on a plot (under 1e-9 of their size),
    get an interval of ±10% of their size (±1 at 0) around them.
    """
    with localcontext(_DECIMALS):
        a, b = Decimal(lo), Decimal(hi)
        size = max(abs(a), abs(b))
        if b - a <= size * Decimal("1e-9"):
            half = size / 10 if size else Decimal(1)
            mid = (a + b) / 2
            return mid - half, mid + half
        extra = (b - a) * Decimal(pad)
        return a - extra, b + extra


def _nice_ticks(lo: float | Decimal, hi: float | Decimal, count: int = 5) -> list[Decimal]:
    """About ``count`` round numbers (1, 2 or 5 times a power of 10 apart) from lo to hi."""
    with localcontext(_DECIMALS):
        lo, hi = Decimal(lo), Decimal(hi)
        if hi <= lo:
            return [lo]
        raw = (hi - lo) / count
        power = Decimal(10) ** raw.adjusted()  # 10^floor(log10(raw)), exactly
        step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
        first = (lo / step).to_integral_value(rounding=ROUND_CEILING) * step
        ticks = []
        for i in range(4 * count + 2):  # bounded: never a loop that cannot end
            v = first + i * step
            if v > hi:
                break
            ticks.append(v)
        return ticks


def _position(v: Decimal | float, lo: Decimal, hi: Decimal, start: float, length: float) -> float:
    """Where ``v`` falls on an axis of ``length`` pixels from ``start``, lo to hi."""
    with localcontext(_DECIMALS):
        return float(Decimal(start) + Decimal(length) * (Decimal(v) - lo) / (hi - lo))


def _finite(values: Sequence[float], what: str, who: str) -> list[float]:
    """``values`` as floats, or a ValueError naming the first one that is not a finite number."""
    out = []
    for i, v in enumerate(values):
        try:
            x = float(v)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{who}: {what} {i} is {v!r}, not a number") from None
        if not math.isfinite(x):
            raise ValueError(f"{who}: {what} {i} is {x}: every {what} must be finite")
        out.append(x)
    return out


def _finish(parts: list[str], path: str | os.PathLike | None) -> str:
    svg = "\n".join(parts) + "\n"
    if path is not None:
        write_atomic(path, svg)
    return svg


def _svg_start(width: int, height: int, title: str) -> list[str]:
    """The opening of a plot: the svg element, a white background and the centred title."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2:g}" y="24" text-anchor="middle" font-size="16" {_FONT}>'
        f"{escape(title)}</text>",
    ]


def loss_curve_svg(
    losses: Sequence[float],
    path: str | os.PathLike | None = None,
    *,
    title: str = "Training loss",
    log_y: bool | None = None,
    width: int = 640,
    height: int = 360,
) -> str:
    """The loss of each epoch as a line; ``log_y=None`` picks a log scale when it spans > 100×.

    Non-finite losses (a diverged run) break the line instead of breaking the plot.

    >>> "log scale" in loss_curve_svg([1.0, 0.1, 0.001])
    True
    """
    parts, points = loss_axes(losses, title=title, log_y=log_y, width=width, height=height)
    # the curve: one polyline per run of finite values
    run: list[str] = []
    runs: list[list[str]] = []
    for point in points:
        if point is not None:
            run.append(f"{_num(point[0])},{_num(point[1])}")
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    for r in runs:
        if len(r) == 1:
            x, y = r[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{BLUE}"/>')
        else:
            parts.append(
                f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" points="{" ".join(r)}"/>'
            )
    parts.append("</svg>")
    return _finish(parts, path)


def loss_axes(
    losses: Sequence[float],
    *,
    title: str = "Training loss",
    log_y: bool | None = None,
    width: int = 640,
    height: int = 360,
) -> tuple[list[str], list[tuple[float, float] | None]]:
    """A loss plot without its curve: the SVG's opening, axes, ticks and titles (no
    closing tag), and where each loss falls in it (None for a loss that is not finite).

    :func:`loss_curve_svg` draws the curve through those points; the training replay draws
    it epoch by epoch.

    >>> parts, points = loss_axes([1.0, 0.5], width=200, height=100)
    >>> parts[0].startswith("<svg"), len(points), points[0][1] < points[1][1]
    (True, 2, True)
    """
    values = []
    for i, v in enumerate(losses):
        try:
            values.append(float(v))
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"loss_curve_svg: loss {i} is {v!r}, not a number") from None
    if not values:
        raise ValueError("loss_curve_svg needs at least one loss (train for one epoch or more)")
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        raise ValueError("loss_curve_svg: every loss is nan or infinite; nothing to draw")
    if log_y is None:
        positive = min(finite) > 0.0
        log_y = positive and max(finite) / min(finite) > 100.0  # may be inf: still > 100
    elif log_y and min(finite) <= 0.0:
        raise ValueError("log_y=True needs every loss > 0; use log_y=False")

    def tr(v: float) -> float:
        return math.log10(v) if log_y else v  # log10 of a positive finite float: within ±324

    if log_y:  # whole decades, so that the axis reads 0.001, 0.01, 0.1, 1
        lo_e, hi_e = math.floor(tr(min(finite))), math.ceil(tr(max(finite)))
        if hi_e == lo_e:
            lo_e, hi_e = lo_e - 1, hi_e + 1
        lo, hi = Decimal(lo_e), Decimal(hi_e)
    else:  # a linear loss axis starts at 0, so the drop is seen to scale
        lo, hi = _range(min(min(finite), 0.0), max(finite))
    left, right, top, bottom = 72, 20, 40, 48
    pw, ph = width - left - right, height - top - bottom
    n = len(values)

    def px(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def py(v: float) -> float:  # the largest value at the top
        return _position(tr(v), hi, lo, top, ph)

    parts = _svg_start(width, height, title + (" (log scale)" if log_y else ""))
    # y ticks and grid lines: (position, label)
    if log_y:
        # every decade, or every 2nd, 5th, 10th, ...: at most 9 of them labelled
        every = next(m for m in (1, 2, 5, 10, 20, 25, 50, 100, 200) if (hi_e - lo_e) / m <= 8)
        yticks = [
            (_position(e, hi, lo, top, ph), _tick_label(10.0**e) if abs(e) <= 300 else f"1e{e:+d}")
            for e in range(lo_e, hi_e + 1)
            if e % every == 0
        ]
    else:
        ticks = _nice_ticks(lo, hi)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else None
        yticks = [(_position(t, hi, lo, top, ph), _tick_label(t, step)) for t in ticks]
    for y, label in yticks:
        parts.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + pw}" y2="{_num(y)}" '
            f'stroke="{GRID_LINE}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" font-size="11" {_FONT}>'
            f"{label}</text>"
        )
    # x ticks: epochs 1..n
    for t in _nice_ticks(1, n) if n > 1 else [1.0]:
        if t < 1 or t != int(t):  # whole epochs only (3 epochs would get 1.5 and 2.5)
            continue
        x = px(round(t) - 1)
        parts.append(
            f'<text x="{_num(x)}" y="{top + ph + 18}" text-anchor="middle" font-size="11" '
            f"{_FONT}>{round(t)}</text>"
        )
    parts.append(
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="{AXIS}"/>'
    )
    parts.append(
        f'<text x="{left + pw / 2:g}" y="{height - 8}" text-anchor="middle" font-size="12" '
        f"{_FONT}>epoch</text>"
    )
    parts.append(
        f'<text x="16" y="{top + ph / 2:g}" text-anchor="middle" font-size="12" {_FONT} '
        f'transform="rotate(-90 16 {top + ph / 2:g})">loss</text>'
    )
    points = [(px(i), py(v)) if math.isfinite(v) else None for i, v in enumerate(values)]
    return parts, points


def decision_boundary_svg(
    model: Callable[[Sequence[float]], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    path: str | os.PathLike | None = None,
    *,
    threshold: float | None = None,
    resolution: int = 50,
    title: str = "Decision boundary",
    size: int = 480,
) -> str:
    """The regions a one-output model assigns to each class, over a grid, with the data on top.

    A grid cell is orange where the model's output exceeds ``threshold`` (the class of the
    larger label), blue elsewhere; points are coloured by their label. The default threshold
    is the midpoint of the two labels (½ for 0/1, 0 for −1/+1); pass ``threshold=0`` for
    logits trained with 0/1 labels.

    >>> from micrograd_cbook import nn
    >>> svg = decision_boundary_svg(nn.MLP(2, [1], seed=0), [[0, 0], [1, 1]], [0, 1], resolution=4)
    >>> svg.count("<circle")
    2
    """
    if len(X) != len(y) or not X:
        raise ValueError(
            f"decision_boundary_svg needs as many labels as points (at least one), "
            f"got {len(X)} points and {len(y)} labels"
        )
    if any(len(p) != 2 for p in X):
        raise ValueError("decision_boundary_svg draws 2-D data only: every point needs 2 numbers")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int ≥ 2 (grid cells per side), got {resolution!r}")
    who = "decision_boundary_svg"
    labels = sorted(set(_finite(y, "label", who)))
    if len(labels) > 2:
        raise ValueError(f"decision_boundary_svg needs two classes, got labels {labels}")
    lo_label, hi_label = (labels[0], labels[-1]) if len(labels) == 2 else (0.0, labels[0])
    if threshold is None:
        threshold = lo_label / 2.0 + hi_label / 2.0  # halves first: no overflow
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not (math.isfinite(threshold))
    ):
        raise ValueError(
            f"decision_boundary_svg: threshold must be a finite number, got {threshold!r}"
        )

    xs = _finite([p[0] for p in X], "x coordinate of point", who)
    ys = _finite([p[1] for p in X], "y coordinate of point", who)
    x0, x1 = _range(min(xs), max(xs), pad=0.1)
    y0, y1 = _range(min(ys), max(ys), pad=0.1)
    left, top, bottom, right = 56, 40, 40, 16
    side = size - left - right
    width, height = size, top + side + bottom
    cell = side / resolution

    def centre(lo: Decimal, hi: Decimal, i: int) -> float:
        """The middle of grid cell i as a float (clamped to the largest finite floats)."""
        with localcontext(_DECIMALS):
            v = float(lo + (hi - lo) * (Decimal(i) + Decimal("0.5")) / resolution)
        return min(max(v, -sys.float_info.max), sys.float_info.max)

    def score(a: float, b: float) -> float:
        out = model([a, b])
        if not isinstance(out, Value):
            raise ValueError("decision_boundary_svg needs a model with one output")
        return out.data

    parts = _svg_start(width, height, title)
    parts.append('<g class="regions" shape-rendering="crispEdges">')
    for row in range(resolution):  # top row first: the largest y
        b = centre(y1, y0, row)
        classes = [score(centre(x0, x1, col), b) > threshold for col in range(resolution)]
        col = 0
        while col < resolution:  # one rectangle per run of equal cells: smaller files
            end = col
            while end + 1 < resolution and classes[end + 1] == classes[col]:
                end += 1
            fill = ORANGE_BG if classes[col] else BLUE_BG
            parts.append(
                f'<rect x="{_num(left + col * cell)}" y="{_num(top + row * cell)}" '
                f'width="{_num((end - col + 1) * cell + 0.3)}" height="{_num(cell + 0.3)}" '
                f'fill="{fill}"/>'
            )
            col = end + 1
    parts.append("</g>")
    parts.append(
        f'<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="none" stroke="{AXIS}"/>'
    )
    for a, b, label in zip(xs, ys, y):
        cx = _position(a, x0, x1, left, side)
        cy = _position(b, y1, y0, top, side)
        color = ORANGE if float(label) == hi_label and len(labels) == 2 else BLUE
        parts.append(
            f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="4" fill="{color}" stroke="{POINT_EDGE}" '
            f'stroke-width="0.8" data-label="{_tick_label(float(label))}"/>'
        )
    for v, anchor, x in ((x0, "start", left), (x1, "end", left + side)):
        parts.append(
            f'<text x="{x}" y="{top + side + 16}" text-anchor="{anchor}" font-size="11" {_FONT}>'
            f"{_tick_label(v, x1 - x0)}</text>"
        )
    for v, y_px in ((y1, top + 10), (y0, top + side)):
        parts.append(
            f'<text x="{left - 6}" y="{y_px}" text-anchor="end" font-size="11" {_FONT}>'
            f"{_tick_label(v, y1 - y0)}</text>"
        )
    parts.append(
        f'<text x="{left + side / 2:g}" y="{height - 6}" text-anchor="middle" font-size="11" '
        f"{_FONT}>orange: output &gt; {_tick_label(threshold)} (label {_tick_label(hi_label)})"
        f"; blue: label {_tick_label(lo_label)}</text>"
    )
    parts.append("</svg>")
    return _finish(parts, path)


# ------------------------------------------------------------- ten outputs


def _check_matrix(matrix: Sequence[Sequence[int]]) -> int:
    """The size n of a square matrix of counts (ints ≥ 0), or ValueError saying what is wrong."""
    n = len(matrix)
    if n == 0 or any(len(row) != n for row in matrix):
        raise ValueError(
            "confusion_matrix_svg needs a square matrix of counts, one row and one column per "
            "class (from training.confusion_matrix)"
        )
    for row in matrix:
        for c in row:
            if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                raise ValueError(f"confusion_matrix_svg: counts must be ints ≥ 0, got {c!r}")
    return n


def _blue(share: float) -> str:
    """White for 0, the plots' blue for 1: the colour of a cell holding that share of its row."""
    r, g, b = (round(255 + (int(BLUE[k : k + 2], 16) - 255) * share) for k in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def confusion_matrix_svg(
    matrix: Sequence[Sequence[int]],
    path: str | os.PathLike | None = None,
    *,
    labels: Sequence[str] | None = None,
    title: str = "Confusion matrix",
    cell: int = 36,
) -> str:
    """The counts of (true class, predicted class) as a grid: right answers on the diagonal.

    Row i holds the rows whose true class is i, column j those predicted as j (the layout of
    :func:`~micrograd_cbook.training.confusion_matrix`). A cell's blue is its share of its
    row; each count is written in its cell (zeros left blank), and the right-hand column
    gives the share of each class predicted right.

    >>> svg = confusion_matrix_svg([[5, 1], [0, 4]], labels=["cat", "dog"])
    >>> svg.count('class="cell"'), ">cat<" in svg
    (4, True)
    """
    n = _check_matrix(matrix)
    if labels is None:
        labels = [str(i) for i in range(n)]
    elif len(labels) != n:
        raise ValueError(
            f"confusion_matrix_svg: {len(labels)} labels for {n} classes; give one per class"
        )
    total = sum(map(sum, matrix))
    right = sum(matrix[i][i] for i in range(n))
    left, top, gap = 56, 92, 64  # room for the row labels, the titles and column labels, the %
    side = n * cell
    width = max(left + side + gap + 12, 320)
    height = top + side + 36
    subtitle = f"{right} of {total} right ({right / total:.1%})" if total else "no rows"
    parts = _svg_start(width, height, title)
    parts.append(
        f'<text x="{width / 2:g}" y="42" text-anchor="middle" font-size="12" fill="{MUTED}" '
        f"{_FONT}>{subtitle}</text>"
    )
    parts.append(
        f'<text x="{left + side / 2:g}" y="{top - 28}" text-anchor="middle" font-size="12" '
        f"{_FONT}>predicted class</text>"
    )
    parts.append(
        f'<text x="24" y="{top + side / 2:g}" text-anchor="middle" font-size="12" {_FONT} '
        f'transform="rotate(-90 24 {top + side / 2:g})">true class</text>'
    )
    font = max(9, min(13, cell // 3))
    for i, row in enumerate(matrix):
        row_total = sum(row)
        y = top + i * cell
        parts.append(
            f'<text x="{left - 8}" y="{_num(y + cell / 2 + 4)}" text-anchor="end" '
            f'font-size="{font}" {_FONT}>{escape(labels[i])}</text>'
        )
        for j, count in enumerate(row):
            x = left + j * cell
            share = count / row_total if row_total else 0.0
            diagonal = f' stroke="{POINT_EDGE}" stroke-width="1.5"'
            stroke = diagonal if i == j else f' stroke="{CELL_LINE}"'
            parts.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{_blue(share)}"{stroke} data-true="{i}" data-predicted="{j}" '
                f'data-count="{count}"/>'
            )
            if count:
                ink = "white" if share > 0.5 else POINT_EDGE
                parts.append(
                    f'<text x="{_num(x + cell / 2)}" y="{_num(y + cell / 2 + font / 3)}" '
                    f'text-anchor="middle" font-size="{font}" fill="{ink}" {_FONT}>{count}</text>'
                )
        recall = f"{matrix[i][i] / row_total:.0%}" if row_total else "–"
        parts.append(
            f'<text x="{left + side + 8}" y="{_num(y + cell / 2 + 4)}" font-size="11" '
            f'fill="{MUTED}" {_FONT}>{recall}</text>'
        )
    for j in range(n):
        parts.append(
            f'<text x="{_num(left + j * cell + cell / 2)}" y="{top - 8}" text-anchor="middle" '
            f'font-size="{font}" {_FONT}>{escape(labels[j])}</text>'
        )
    parts.append(
        f'<text x="{left + side + 8}" y="{top - 8}" font-size="11" fill="{MUTED}" '
        f"{_FONT}>right</text>"
    )
    parts.append("</svg>")
    return _finish(parts, path)


def images_svg(
    images: Sequence[Sequence[float]],
    path: str | os.PathLike | None = None,
    *,
    captions: Sequence[str] | None = None,
    wrong: Sequence[bool] | None = None,
    columns: int = 10,
    pixel: int = 7,
    title: str = "",
) -> str:
    """Square grey images (pixels in [0, 1], row by row; 1 is black ink) in a grid, captioned.

    For the digits: 64 pixels make an 8×8 image. ``wrong[i]`` True writes caption i in
    orange (a misclassified digit, say).

    >>> svg = images_svg([[0.0, 1.0, 0.5, 0.0]], captions=["a 2×2 image"], pixel=4)
    >>> svg.count('class="pixel"')   # white pixels are the background
    2
    """
    if not images:
        raise ValueError("images_svg needs at least one image")
    size = len(images[0])
    side = math.isqrt(size)
    if side * side != size or any(len(im) != size for im in images):
        raise ValueError(
            "images_svg needs square images of the same size (64 pixels for 8×8), row by row"
        )
    for name, seq in (("captions", captions), ("wrong", wrong)):
        if seq is not None and len(seq) != len(images):
            raise ValueError(
                f"images_svg: {len(seq)} {name} for {len(images)} images; give one per image"
            )
    for name, n in (("columns", columns), ("pixel", pixel)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"images_svg: {name} must be a positive int, got {n!r}")
    cols = min(columns, len(images))
    rows = -(-len(images) // cols)
    box = side * pixel
    pad, caption_h = 12, 16 if captions is not None else 0
    top = 40 if title else pad
    tile_w = max(box, 44 if captions is not None else 0) + pad
    width = pad + cols * tile_w
    if title:
        width = max(width, 8 * len(title) + 2 * pad)
    height = top + rows * (box + caption_h + pad)
    parts = _svg_start(width, height, title)
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        x0 = pad + c * tile_w + (tile_w - pad - box) / 2
        y0 = top + r * (box + caption_h + pad)
        parts.append('<g class="image" shape-rendering="crispEdges">')
        parts.append(
            f'<rect x="{_num(x0)}" y="{y0}" width="{box}" height="{box}" fill="white" '
            f'stroke="{FRAME_LINE}"/>'
        )
        for i, v in enumerate(image):
            v = min(1.0, max(0.0, float(v)))
            if v <= 0.0:
                continue
            g = round(255 * (1.0 - v))
            py, px = divmod(i, side)
            parts.append(
                f'<rect class="pixel" x="{_num(x0 + px * pixel)}" y="{y0 + py * pixel}" '
                f'width="{pixel}" height="{pixel}" fill="#{g:02x}{g:02x}{g:02x}"/>'
            )
        parts.append("</g>")
        if captions is not None:
            color = ORANGE if wrong is not None and wrong[k] else POINT_EDGE
            parts.append(
                f'<text x="{_num(x0 + box / 2)}" y="{y0 + box + 13}" text-anchor="middle" '
                f'font-size="11" fill="{color}" {_FONT}>{escape(captions[k])}</text>'
            )
    parts.append("</svg>")
    return _finish(parts, path)
