"""The confusion-matrix and image SVGs: well-formed XML holding the numbers they were given."""

import xml.etree.ElementTree as ET

import pytest

from micrograd_cbook import datasets
from micrograd_cbook.viz import plots

SVG = "{http://www.w3.org/2000/svg}"
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
