"""SVG plots: well-formed XML, points where the numbers say, regions where the model says;
the confusion-matrix and image SVGs hold the numbers they were given."""

import itertools
import math
import re
import sys
import xml.etree.ElementTree as ET

import pytest
from helpers import SVG
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cbook import datasets, nn
from micrograd_cbook.viz import plots


def parse(svg):
    return ET.fromstring(svg)


def curve_points(svg):
    (line,) = parse(svg).iter(SVG + "polyline")
    return [tuple(map(float, p.split(","))) for p in line.get("points").split()]


def test_loss_curve_is_svg_with_one_point_per_epoch():
    losses = [0.9, 0.5, 0.7, 0.2, 0.1]
    pts = curve_points(plots.loss_curve_svg(losses))
    assert len(pts) == 5
    xs = [x for x, _ in pts]
    assert xs == sorted(xs) and len(set(xs)) == 5
    ys = [y for _, y in pts]  # SVG y grows downward: the smallest loss is lowest on screen
    assert ys.index(max(ys)) == losses.index(min(losses))
    assert ys.index(min(ys)) == losses.index(max(losses))
    # linear: equal loss steps are equal pixel steps; the same losses, the same text
    svg = plots.loss_curve_svg([3.0, 2.0, 1.0])
    y0, y1, y2 = [y for _, y in curve_points(svg)]
    assert (y1 - y0) == pytest.approx(y2 - y1, abs=0.02)
    assert svg == plots.loss_curve_svg([3.0, 2.0, 1.0])


def test_log_scale_is_chosen_for_a_wide_range_and_spaces_decades_evenly():
    svg = plots.loss_curve_svg([1.0, 0.1, 0.01, 0.001])
    assert "(log scale)" in svg
    ys = [y for _, y in curve_points(svg)]
    steps = [b - a for a, b in itertools.pairwise(ys)]
    assert max(steps) - min(steps) < 0.03
    assert "(log scale)" not in plots.loss_curve_svg([1.0, 0.5])


def test_non_finite_losses_break_the_line():
    svg = plots.loss_curve_svg([1.0, 0.8, math.nan, 0.5, 0.4])
    lines = list(parse(svg).iter(SVG + "polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2, 2]


def test_loss_curve_rejects_nothing_to_draw():
    with pytest.raises(ValueError, match="at least one loss"):
        plots.loss_curve_svg([])
    with pytest.raises(ValueError, match="every loss is nan"):
        plots.loss_curve_svg([math.nan])


def test_title_is_escaped():
    svg = plots.loss_curve_svg([1.0, 0.5], title="a < b & c")
    assert "a &lt; b &amp; c" in svg
    parse(svg)


def test_write_to_path_is_the_returned_text(tmp_path):
    path = tmp_path / "loss.svg"
    svg = plots.loss_curve_svg([1.0, 0.5], path)
    assert path.read_text() == svg
    assert [p.name for p in tmp_path.iterdir()] == ["loss.svg"]  # no temporary left behind


def half_plane_model():
    """Output x − y: the class of label +1 exactly where x > y."""
    model = nn.MLP(2, [1], activation="linear", seed=0)
    n = model.layers[0].neurons[0]
    n.w[0].data, n.w[1].data, n.b.data = 1.0, -1.0, 0.0
    return model


def test_decision_regions_follow_the_model():
    X = [[-1.0, 1.0], [1.0, -1.0], [0.5, 0.0], [-0.5, 0.2]]
    y = [-1, 1, 1, -1]
    svg = plots.decision_boundary_svg(half_plane_model(), X, y, resolution=20)
    root = parse(svg)
    (regions,) = [g for g in root.iter(SVG + "g") if g.get("class") == "regions"]
    # every row of cells: blue (x < y) left of orange (x > y); going down (y smaller)
    # the orange part starts further left
    rows = {}
    for rect in regions:
        rows.setdefault(float(rect.get("y")), []).append(rect)
    assert len(rows) == 20
    orange_starts = []
    for top in sorted(rows):
        cells = sorted(rows[top], key=lambda r: float(r.get("x")))
        fills = [r.get("fill") for r in cells]
        assert fills in (["#c6dbef", "#fdd0a2"], ["#c6dbef"], ["#fdd0a2"])
        orange = [float(r.get("x")) for r in cells if r.get("fill") == "#fdd0a2"]
        orange_starts.append(orange[0] if orange else math.inf)
    assert orange_starts == sorted(orange_starts, reverse=True)
    assert orange_starts[0] > orange_starts[-1]
    circles = list(root.iter(SVG + "circle"))
    assert [c.get("fill") for c in circles] == ["#3182bd", "#e6550d", "#e6550d", "#3182bd"]
    # the point (1, −1) is right of and below (−1, 1)
    assert float(circles[1].get("cx")) > float(circles[0].get("cx"))
    assert float(circles[1].get("cy")) > float(circles[0].get("cy"))


def test_threshold_defaults_to_the_label_midpoint_and_can_be_set():
    model = nn.MLP(2, [1], activation="linear", seed=0)
    n = model.layers[0].neurons[0]
    n.w[0].data, n.w[1].data, n.b.data = 0.0, 0.0, 0.3  # constant output 0.3
    X, y = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
    svg = plots.decision_boundary_svg(model, X, y, resolution=4)  # threshold 0.5: all blue
    assert "#fdd0a2" not in svg
    svg = plots.decision_boundary_svg(model, X, y, resolution=4, threshold=0.0)
    assert "#c6dbef" not in svg


@pytest.mark.parametrize(
    "X, y, match",
    [
        ([[0.0, 0.0, 0.0]], [1], "2-D data only"),
        ([[0.0, 0.0]], [1, 0], "as many labels as points"),
        ([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], [0, 1, 2], "two classes"),
    ],
)
def test_decision_boundary_rejects_bad_data(X, y, match):
    with pytest.raises(ValueError, match=match):
        plots.decision_boundary_svg(half_plane_model(), X, y)


def test_decision_boundary_needs_one_output():
    with pytest.raises(ValueError, match="one output"):
        plots.decision_boundary_svg(nn.MLP(2, [2], seed=0), [[0.0, 0.0]], [1])


# ------------------------------------------------ any finite data gives a picture, quickly

FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def awkward_floats(draw) -> list[float]:
    """Lists that broke the plots: huge, tiny, equal, and neighbouring floats."""
    v = draw(FLOATS)
    kind = draw(st.sampled_from(["any", "equal", "neighbours", "opposite", "extremes"]))
    if kind == "equal":
        return [v] * draw(st.integers(1, 4))
    if kind == "neighbours":
        w = math.nextafter(v, draw(st.sampled_from([0.0, math.inf, -math.inf])))
        return [v, w] if math.isfinite(w) else [v, v]
    if kind == "opposite":
        return [v, -v]
    if kind == "extremes":
        return draw(
            st.lists(
                st.sampled_from(
                    [
                        sys.float_info.max,
                        -sys.float_info.max,
                        5e-324,
                        -5e-324,
                        0.0,
                        -0.0,
                        1e-308,
                        2.5e16,
                        -1e10,
                        math.nextafter(-1e10, 0),
                    ]
                ),
                min_size=1,
                max_size=5,
            )
        )
    return draw(st.lists(FLOATS, min_size=1, max_size=6))


def numbers_in(svg: str) -> list[float]:
    """Every number in the picture's coordinates (x, y, width, height, points, cx, cy ...)."""
    root = parse(svg)
    out = []
    for el in root.iter():
        for key in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"):
            if el.get(key) is not None:
                out.append(float(el.get(key)))
        if el.get("points"):
            out += [float(c) for p in el.get("points").split() for c in p.split(",")]
    return out


@settings(max_examples=300, deadline=None)
@given(awkward_floats(), st.sampled_from([None, False]))
def test_any_finite_losses_give_a_picture_inside_its_frame(losses, log_y):
    svg = plots.loss_curve_svg(losses, log_y=log_y)
    coords = numbers_in(svg)
    assert all(math.isfinite(c) and -1 <= c <= 641 for c in coords)
    for x, y in curve_points(svg) if len(losses) > 1 else []:
        assert 72 - 0.01 <= x <= 620.01 and 40 - 0.01 <= y <= 312.01


def test_a_loss_curve_of_two_neighbouring_floats_draws_a_few_distinct_ticks():
    svg = plots.loss_curve_svg([-1e10, math.nextafter(-1e10, 0)])
    labels = [t.text for t in parse(svg).iter(SVG + "text")]
    assert len(labels) < 40  # a few ticks, not an endless loop
    assert curve_points(svg)


@pytest.mark.parametrize("losses", [[5e-324, 1.0], [1e-320, 1e300], [sys.float_info.max, 1e-300]])
def test_log_scale_over_hundreds_of_decades_labels_a_few_of_them(losses):
    svg = plots.loss_curve_svg(losses)
    assert "(log scale)" in svg
    ticks = [t.text for t in parse(svg).iter(SVG + "text") if t.get("text-anchor") == "end"]
    assert 2 <= len(ticks) <= 10


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_loss_curve_of_only_non_finite_losses_is_a_value_error(bad):
    with pytest.raises(ValueError, match="every loss is nan or infinite"):
        plots.loss_curve_svg([bad, bad])


def test_loss_curve_of_something_not_a_number_is_a_value_error():
    with pytest.raises(ValueError, match="loss 1 is 'abc', not a number"):
        plots.loss_curve_svg([1.0, "abc"])
    with pytest.raises(ValueError, match="not a number"):
        plots.loss_curve_svg([10**400])


def _linear(p):
    from micrograd_cbook import Value

    return Value(p[0]) * 1e-300 - Value(p[1]) * 1e-300  # never overflows for finite p


@settings(max_examples=150, deadline=None)
@given(awkward_floats(), awkward_floats(), st.data())
def test_any_finite_points_give_a_decision_boundary_inside_its_frame(xs, ys, data):
    n = min(len(xs), len(ys))
    X = [[xs[i], ys[i]] for i in range(n)]
    y = data.draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
    svg = plots.decision_boundary_svg(_linear, X, y, resolution=3)
    coords = numbers_in(svg)
    assert all(math.isfinite(c) and -1 <= c <= 488 for c in coords)  # a 480 × 488 picture
    circles = list(parse(svg).iter(SVG + "circle"))
    assert len(circles) == n
    for c in circles:
        assert 56 - 0.01 <= float(c.get("cx")) <= 464.01
        assert 40 - 0.01 <= float(c.get("cy")) <= 448.01


def test_one_point_at_2_5e16_gives_a_picture():
    svg = plots.decision_boundary_svg(_linear, [[2.5e16, 2.5e16]], [1], resolution=2)
    (circle,) = parse(svg).iter(SVG + "circle")
    assert (float(circle.get("cx")), float(circle.get("cy"))) == (260.0, 244.0)  # the middle


@pytest.mark.parametrize(
    ("X", "y", "threshold", "match"),
    [
        ([[math.nan, 0.0]], [1], None, "x coordinate of point 0 is nan"),
        ([[0.0, 0.0], [1.0, math.inf]], [0, 1], None, "y coordinate of point 1 is inf"),
        ([[0.0, 0.0]], [math.nan], None, "label 0 is nan"),
        ([[0.0, 0.0]], [1], math.inf, "threshold must be a finite number, got inf"),
        ([["a", 0.0]], [1], None, "'a', not a number"),
    ],
)
def test_non_finite_points_labels_or_threshold_are_value_errors(X, y, threshold, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        plots.decision_boundary_svg(_linear, X, y, threshold=threshold, resolution=2)


# ------------------------------------------------------------------ the confusion matrix


MATRIX = [[8, 1, 1], [0, 5, 0], [2, 0, 3]]


def cells(svg):
    return [r for r in ET.fromstring(svg).iter(SVG + "rect") if r.get("class") == "cell"]


def texts(svg):
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text")]


def test_confusion_matrix_svg_has_one_cell_per_pair_holding_its_count():
    svg = plots.confusion_matrix_svg(MATRIX)
    found = {
        (int(c.get("data-true")), int(c.get("data-predicted"))): int(c.get("data-count"))
        for c in cells(svg)
    }
    assert found == {(i, j): MATRIX[i][j] for i in range(3) for j in range(3)}


def test_confusion_matrix_cells_sit_in_rows_of_true_and_columns_of_predicted_classes():
    svg = plots.confusion_matrix_svg(MATRIX)
    xy = {
        (int(c.get("data-true")), int(c.get("data-predicted"))): (
            float(c.get("x")),
            float(c.get("y")),
        )
        for c in cells(svg)
    }
    assert xy[(0, 0)][0] < xy[(0, 1)][0] < xy[(0, 2)][0]  # predicted: left to right
    assert xy[(0, 0)][1] < xy[(1, 0)][1] < xy[(2, 0)][1]  # true: top to bottom


def test_confusion_matrix_writes_counts_the_accuracy_and_each_class_share():
    t = texts(plots.confusion_matrix_svg(MATRIX, labels=["cat", "dog", "<fox>"]))
    assert "16 of 20 right (80.0%)" in t
    assert [s for s in t if s.endswith("%") and "right" not in s] == ["80%", "100%", "60%"]
    assert {"8", "5", "3", "2"} <= set(t) and "0" not in t  # zeros left blank
    assert "<fox>" in t  # escaped in the file, read back as written


def test_a_darker_cell_holds_a_larger_share_of_its_row():
    fills = {
        (c.get("data-true"), c.get("data-predicted")): c.get("fill")
        for c in cells(plots.confusion_matrix_svg(MATRIX))
    }

    def darkness(fill):
        return -sum(int(fill[k : k + 2], 16) for k in (1, 3, 5))

    assert darkness(fills["1", "1"]) > darkness(fills["0", "0"]) > darkness(fills["2", "0"])
    assert fills["1", "0"] == "#ffffff"


def test_confusion_matrix_svg_is_written_to_its_path(tmp_path):
    path = tmp_path / "confusion.svg"
    svg = plots.confusion_matrix_svg(MATRIX, path)
    assert path.read_text(encoding="utf-8") == svg


@pytest.mark.parametrize(
    "matrix, kwargs, match",
    [
        ([], {}, "square matrix"),
        ([[1, 2], [3]], {}, "square matrix"),
        ([[1, -1], [0, 0]], {}, "ints ≥ 0"),
        ([[1.5, 0], [0, 0]], {}, "ints ≥ 0"),
        ([[1, 0], [0, 1]], {"labels": ["a"]}, "1 labels for 2 classes"),
    ],
)
def test_bad_confusion_matrices_are_clear_errors(matrix, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.confusion_matrix_svg(matrix, **kwargs)


# -------------------------------------------------------------------- images


def test_images_svg_draws_each_inked_pixel_of_each_digit_where_it_belongs():
    X, y = datasets.digits()
    svg = plots.images_svg(X[:3], captions=[str(c) for c in y[:3]], pixel=5)
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(SVG + "g") if g.get("class") == "image"]
    assert len(groups) == 3
    for g, image in zip(groups, X[:3]):
        frame, *pixels = list(g)
        assert len(pixels) == sum(v > 0 for v in image)
        x0, y0 = float(frame.get("x")), float(frame.get("y"))
        inked = [i for i, v in enumerate(image) if v > 0]
        for rect, i in zip(pixels, inked):
            row, col = divmod(i, 8)
            assert (float(rect.get("x")), float(rect.get("y"))) == (x0 + 5 * col, y0 + 5 * row)
            grey = int(rect.get("fill")[1:3], 16)
            assert grey == round(255 * (1 - image[i]))  # full ink is black
    assert texts(svg)[1:] == ["0", "1", "2"]


def test_wrong_captions_are_orange():
    X, _ = datasets.digits()
    svg = plots.images_svg(X[:2], captions=["3 → 8", "4"], wrong=[True, False])
    fills = {t.text: t.get("fill") for t in ET.fromstring(svg).iter(SVG + "text")}
    assert fills["3 → 8"] != fills["4"]


def test_images_wrap_after_the_given_number_of_columns():
    X, _ = datasets.digits()
    svg = plots.images_svg(X[:7], columns=3)
    frames = [next(iter(g)) for g in ET.fromstring(svg).iter(SVG + "g")]
    ys = sorted({float(f.get("y")) for f in frames})
    assert len(ys) == 3  # 3 + 3 + 1


@pytest.mark.parametrize(
    "images, kwargs, match",
    [
        ([], {}, "at least one image"),
        ([[0.0] * 63], {}, "square images"),
        ([[0.0] * 4, [0.0] * 9], {}, "square images of the same size"),
        ([[0.0] * 4], {"captions": ["a", "b"]}, "2 captions for 1 images"),
        ([[0.0] * 4], {"columns": 0}, "columns must be a positive int"),
    ],
)
def test_bad_images_are_clear_errors(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.images_svg(images, **kwargs)
