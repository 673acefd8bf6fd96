"""Names: the one map from ASCII labels to the chapter's notation, and formulas of the table."""

import pytest

from micrograd_cbook import Value, nn
from micrograd_cbook.names import Chapter, chapter, chapter_text, formula, node_name


@pytest.mark.parametrize(
    ("ascii", "drawn"),
    [
        ("a2[0]", "a⁽²⁾₀"),
        ("z1[3]", "z⁽¹⁾₃"),
        ("w2[0,3]", "w⁽²⁾₀,₃"),
        ("w1[0, 2]", "w⁽¹⁾₀,₂"),
        ("b1[2]", "b⁽¹⁾₂"),
        ("w12[10,3]", "w⁽¹²⁾₁₀,₃"),
        ("x[0]", "x₀"),
        ("y[1]", "y₁"),
        ("C", "C₀"),
    ],
)
def test_nn_labels_map_to_the_chapters_notation(ascii, drawn):
    assert chapter_text(ascii) == drawn


@pytest.mark.parametrize("label", ["w", "x1", "loss", "w⁽ᴸ⁾", "a2[", "a[x]", "Cost", ""])
def test_any_other_label_is_shown_as_it_is(label):
    assert chapter(label) is None and chapter_text(label) == label


def test_the_map_is_one_to_one_over_a_networks_labels():
    model = nn.MLP(3, [4, 4, 2], seed=0)
    out = model([1.0, 2.0, 3.0])
    labels = {p.label for p in model.parameters()} | {o.label for o in out}
    labels |= {f"x[{k}]" for k in range(3)}
    labels |= {f"z{layer}[{j}]" for layer in (1, 2) for j in range(4)}
    drawn = {chapter_text(label) for label in labels}
    assert len(drawn) == len(labels)  # no two labels drawn alike
    assert chapter("w3[1,2]") == Chapter("w", "3", "1,2")


def test_formulas_write_the_tables_show_with_parentheses_only_where_needed():
    w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
    y, a = Value(1.0, "y"), Value(0.7, "a")
    assert formula(w * x + b, 2) == "w·x + b"
    assert formula((y - a) ** 2, 2) == "(y − a)²"
    assert formula(w * (x + b), 2) == "w·(x + b)"
    assert formula(w - (x - b), 2) == "w − (x − b)"
    assert formula((w - x) - b, 2) == "w − x − b"
    assert formula(w / (x * b), 2) == "w ÷ (x·b)"
    assert formula((w * x + b).sigmoid(), 3) == "σ(w·x + b)"
    assert formula(0.5 * (y - a) ** 2, 3) == "0.5·(y − a)²"


def test_a_formula_stops_at_the_boxes_a_picture_draws():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    inner = w * x  # unlabelled, but drawn as a box of its own
    top = inner.sigmoid()
    assert formula(top, 3) == "σ(w·x)"
    assert formula(top, 3, visible=lambda n: n is inner) is None  # no name for that box
    named = formula(top, 3, name=lambda n: n.label or "m", visible=lambda n: n is inner)
    assert named == "σ(m)"


def test_node_names_in_pictures_use_the_chapters_notation_and_plain_text_keeps_ascii():
    y, a = Value(1.0, "y"), Value(0.5, "a2[0]")
    cost = (y - a) ** 2
    assert node_name(cost) == "(y − a2[0])²"  # explain, the command line, reprs
    assert node_name(cost, label=chapter_text) == "(y − a⁽²⁾₀)²"  # pictures, captions
    assert repr(a) == "Value(label='a2[0]', data=0.5000, grad=0.0000)"
