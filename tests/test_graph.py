"""Pictures: the chapter's tree (the fold, the notation, the kinds), sizes at a notebook's width,
edge labels, escaping, determinism, highlight, legend."""

import os
import re
import time
import xml.etree.ElementTree as ET

import graphviz
import pytest
from helpers import SVG, needs_dot
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cbook import Value, losses, nn
from micrograd_cbook.engine import Parameter
from micrograd_cbook.names import chapter_text
from micrograd_cbook.viz import (
    DEFAULT_MAX_NODES,
    TREE_MAX_NODES,
    GraphvizMissingError,
    backward_frames,
    draw_dot,
    render_svg,
    write_frames,
)

PX_PER_PT = 96 / 72  # a notebook shows an SVG of width="Wpt" W × 4/3 CSS pixels wide
COLUMN = 900  # px: a notebook's column; a wider SVG is scaled down to it


def neuron():
    """The chapter's single neuron a = σ(w·x + b), its cost C = ½(a − y)², backpropagated."""
    w, x, b = Parameter(0.5, "w"), Value(1.5, "x"), Parameter(0.1, "b")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = 0.5 * (a - 1.0) ** 2
    C.label = "C"
    C.backward()
    return C, {"w": w, "x": x, "b": b, "z": z, "a": a}


def quick_tour():
    """The README's quick tour, its target named y: w, x, b → z → a → C."""
    w, x, b, y = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b"), Value(1.0, "y")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = 0.5 * (y - a) ** 2
    C.label = "C"
    C.backward()
    return C, w


def chapter_network_on_one_row():
    net = nn.chapter_network()
    C = losses.quadratic_cost(net([1, 0, 1]), Value(1.0, "y"))
    C.backward()
    return C, net


def svg_groups(svg: str, cls: str) -> list[ET.Element]:
    """The <g> elements of one Graphviz class ("node", "edge"), in document order."""
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def size_px(svg: str) -> tuple[float, float]:
    """The picture's natural size in CSS pixels, from the SVG's width and height in pt."""
    root = ET.fromstring(svg)
    w, h = root.get("width"), root.get("height")
    assert w.endswith("pt") and h.endswith("pt")
    return float(w[:-2]) * PX_PER_PT, float(h[:-2]) * PX_PER_PT


def numbers_in(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


def box(element: ET.Element) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a node's shape, from its polygon points or path."""
    shape = next(c for c in element if c.tag in (f"{SVG}polygon", f"{SVG}path"))
    coords = numbers_in(shape.get("points") or shape.get("d"))
    xs, ys = coords[0::2], coords[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def centres(svg: str) -> dict[str, tuple[float, float]]:
    """Each labelled value's centre (x, y) by its name as drawn (C₀, w⁽¹⁾₀,₂), y downwards."""
    out = {}
    for g in svg_groups(svg, "node"):
        bold = [t.text for t in g.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
        if bold:
            x0, y0, x1, y1 = box(g)
            out[bold[0]] = ((x0 + x1) / 2, (y0 + y1) / 2)
    return out


def line_of(source: str, label: str) -> str:
    """The DOT line of the node labelled ``label`` (an ASCII label, drawn as the chapter's)."""
    label = chapter_text(label).replace("]", "&#93;")
    return next(s for s in source.splitlines() if f"<B>{label}</B>" in s)


def node_classes(source: str) -> dict[str, str]:
    """Node name → its class attribute, read from the DOT source."""
    found = re.findall(r'^\t(n\d+(?:op)?) \[.* class=("[^"]*"|\w+)', source, re.M)
    return {name: cls.strip('"') for name, cls in found}


# ------------------------------------------------------------------- what is drawn


@needs_dot
def test_svg_shows_labels_data_and_grads_with_4_decimals_and_true_minus_signs():
    C, v = neuron()
    svg = render_svg(C)
    words = " ".join(t for g in svg_groups(svg, "node") for t in texts(g))
    for label in ("w", "x", "b", "z", "a", "C₀"):
        assert label in words.split()
    w, a = v["w"], v["a"]
    assert w.grad < 0 and f"data {w.data:.4f}" in words
    assert f"grad −{-w.grad:.4f}" in words and f"grad {w.grad:.4f}" not in words
    assert f"data {a.data:.4f}" in words and f"grad {a.grad:.4f}".replace("-", "−") in words
    assert f"data {C.data:.4f}" in words and "grad 1.0000" in words


def test_each_box_says_how_it_was_made_from_the_boxes_below():
    C, _ = neuron()
    source = draw_dot(C).source
    assert "_op" not in source and "op\t" not in source and "ellipse" not in source
    assert "<B>z</B>" in line_of(source, "z") and "= w·x + b</FONT>" in line_of(source, "z")
    assert "= σ(z)</FONT>" in line_of(source, "a")  # the table's show text
    assert "= 0.5·(a − 1)²</FONT>" in line_of(source, "C")
    assert source.count("->") == 5  # w, x, b → z → a → C₀: the unnamed steps are folded


def test_unfold_draws_every_operation_with_constants_and_without_their_grads():
    C, _ = neuron()
    source = draw_dot(C, unfold=True).source
    assert "<TD>w·x</TD>" in source  # an unlabelled value: a small formula of its inputs
    assert "<TD>(a − 1)²</TD>" in source  # named as the captions name it, not "(…)²"
    assert source.count("->") == 10  # one edge per input of each operation
    constants = [s for s in source.splitlines() if 'class="value constant"' in s]
    assert len(constants) == 2 and not any("grad" in s for s in constants)


def test_micrograd_style_gives_every_operation_its_own_small_node():
    C, _ = neuron()
    source = draw_dot(C, style="micrograd").source
    ops = re.findall(r"^\tn\d+op \[label=<([^>]*)>", source, re.M)
    assert sorted(ops) == sorted(["×", "+", "σ", "−", "²", "×"])  # the table's symbols
    assert len(re.findall(r"^\t\S+ -> ", source, re.M)) == 10 + 6  # into ops, ops into values
    with pytest.raises(ValueError, match="style"):
        draw_dot(C, style="fancy")


# ---------------------------------------------------------------- the tree


@needs_dot
def test_the_quick_tour_is_the_chapters_tree_of_four_levels():
    C, _ = quick_tour()
    source = draw_dot(C).source
    assert "rankdir=BT" in source
    at = centres(render_svg(C))
    assert sorted(at) == sorted(["C₀", "a", "y", "z", "w", "x", "b"])  # nothing else boxed
    # SVG y grows downwards: C₀ on top, then a (and y), then z, then w, x, b
    levels = sorted({round(y) for _, y in at.values()})
    assert len(levels) == 4
    assert at["C₀"][1] < at["a"][1] < at["z"][1] < at["w"][1]
    assert at["w"][1] == at["x"][1] == at["b"][1] == max(y for _, y in at.values())
    assert at["y"][1] == at["a"][1]


def test_ws_path_has_the_chapters_three_factors_whose_product_is_its_grad():
    C, w = quick_tour()
    source = draw_dot(C, highlight=w).source
    red = re.findall(r"label=<(∂[^=]+) = ([−\d.]+)> class=highlighted", source)
    assert [name for name, _ in red] == ["∂z/∂w", "∂a/∂z", "∂C₀/∂a"]
    product = 1.0
    for _, number in reversed(red):
        product *= float(number.replace("−", "-"))
    assert product == pytest.approx(w.grad, abs=1e-4)
    assert "∂C₀/∂w = ∂z/∂w · ∂a/∂z · ∂C₀/∂a" in legend_of(source)
    assert f"−{-w.grad:.4f}, the grad of w" in legend_of(source)


def test_the_tree_is_the_default_up_to_tree_max_nodes_and_left_to_right_above():
    def chain(n):
        y = Value(1.0, "x")
        for _ in range(n - 1):
            y = y.tanh()
        return y

    assert "rankdir=BT" in draw_dot(chain(TREE_MAX_NODES), unfold=True).source
    assert "rankdir=LR" in draw_dot(chain(TREE_MAX_NODES + 1), unfold=True).source
    assert "rankdir=BT" in draw_dot(chain(TREE_MAX_NODES + 1)).source  # folded: two boxes


def test_an_explicit_rankdir_is_honoured_exactly():
    C, _ = neuron()
    for rankdir in ("LR", "TB", "BT", "RL"):
        assert f"rankdir={rankdir}" in draw_dot(C, rankdir=rankdir).source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(C, rankdir="sideways")


@needs_dot
def test_an_explicit_left_to_right_puts_the_root_on_the_right():
    C, _ = quick_tour()
    at = centres(render_svg(C, rankdir="LR"))
    assert at["w"][0] < at["z"][0] < at["a"][0] < at["C₀"][0]


@needs_dot
def test_a_networks_layers_and_weights_are_in_index_order_left_to_right():
    C, _ = chapter_network_on_one_row()
    at = centres(render_svg(C))
    for family, count in (("w1", (4, 3)), ("w2", (1, 4)), ("z1", (4,)), ("a1", (4,))):
        names = (
            [f"{family}[{j}]" for j in range(count[0])]
            if len(count) == 1
            else [f"{family}[{j},{k}]" for j in range(count[0]) for k in range(count[1])]
        )
        xs = [at[chapter_text(name)][0] for name in names]  # drawn as w⁽¹⁾₀,₀, ...
        assert xs == sorted(xs), family
    assert at["C₀"][1] < at["a⁽²⁾₀"][1] < at["z⁽²⁾₀"][1] < at["a⁽¹⁾₀"][1] < at["z⁽¹⁾₀"][1]
    assert at["y"][1] < at["z⁽²⁾₀"][1]  # the target y is named
    # the inputs a⁽⁰⁾ₖ = xₖ on a row of their own under the z⁽¹⁾, the weights under them
    assert at["z⁽¹⁾₀"][1] < at["x₀"][1] == at["x₂"][1] < at["w⁽¹⁾₀,₀"][1] == at["w⁽¹⁾₃,₂"][1]


# ------------------------------------------------------------------ sizes


@needs_dot
def test_the_chain_is_at_most_900_px_wide_at_natural_size():
    C, w = quick_tour()
    for options in ({}, {"show_local_grads": True, "highlight": w}):
        width, height = size_px(render_svg(C, **options))
        assert width <= 900 and height <= 900, (width, height)


def smallest_text_px(svg: str) -> float:
    """The smallest text in CSS px when the SVG is shown in a notebook's 900 px column."""
    root = ET.fromstring(svg)
    view = [float(v) for v in root.get("viewBox").split()]
    shown = min(COLUMN, size_px(svg)[0])  # a wider picture is scaled down to the column
    scale = shown / view[2]  # px per SVG unit
    return min(float(t.get("font-size")) * scale for t in root.iter(f"{SVG}text"))


@needs_dot
def test_the_chapters_network_fits_a_notebook_column_with_no_text_under_10_px():
    C, net = chapter_network_on_one_row()
    for weight in (None, net.layers[0].neurons[0].w[2]):
        svg = render_svg(C, highlight=weight)
        assert size_px(svg)[0] <= COLUMN, size_px(svg)
        assert smallest_text_px(svg) >= 10


@needs_dot
@pytest.mark.parametrize(
    "sizes", [(2, [3, 1]), (3, [4, 1]), (2, [4, 2]), (2, [8, 1]), (2, [2, 2, 1]), (3, [4, 4, 1])]
)
def test_any_network_of_up_to_32_weights_has_no_text_under_10_px_at_900_px(sizes):
    nin, nouts = sizes
    model = nn.MLP(nin, nouts, seed=0)
    out = model([0.5] * nin)
    C = losses.quadratic_cost(out if isinstance(out, list) else [out], [1.0] * nouts[-1])
    C.backward()
    assert smallest_text_px(render_svg(C)) >= 10


@needs_dot
def test_nn_labels_are_drawn_in_the_chapters_notation():
    C, _ = chapter_network_on_one_row()
    svg = render_svg(C)
    words = {t for g in svg_groups(svg, "node") for t in texts(g)}
    for name in ("a⁽²⁾₀", "z⁽²⁾₀", "a⁽¹⁾₃", "z⁽¹⁾₀", "w⁽²⁾₀,₃", "w⁽¹⁾₀,₂", "x₀", "C₀"):
        assert name in words
    assert not any("a2[0]" in t or "w1[" in t for t in words)  # no ASCII label left


# --------------------------------------------------------------- node kinds


def kinds_of(source: str) -> dict[str, str]:
    return {
        re.search(r"<B>([^<]+)</B>", line).group(1): re.search(r'class="([^"]+)"', line)[1]
        for line in source.splitlines()
        if "<B>" in line and "class=" in line
    }


def test_parameters_inputs_constants_and_output_are_drawn_differently():
    C, _ = neuron()
    source = draw_dot(C, unfold=True).source
    kinds = kinds_of(source)
    assert kinds["w"] == kinds["b"] == "value parameter"  # Parameters: by what they are
    assert kinds["x"] == "value input"
    assert kinds["z"] == kinds["a"] == "value interior"
    assert kinds["C₀"] == "value output"
    assert source.count('class="value constant"') == 2  # 0.5 and 1.0
    fills = set(re.findall(r'class="value[^"]*" color="[^"]+" fillcolor="(#\w+)"', source))
    assert len(fills) == 5


def test_explicit_parameters_are_drawn_as_parameters_besides_every_parameter():
    C, v = neuron()
    explicit = kinds_of(draw_dot(C, parameters=[v["x"]]).source)
    assert explicit["x"] == explicit["w"] == "value parameter"
    assert kinds_of(draw_dot(C).source)["x"] == "value input"


def test_a_label_never_decides_a_kind():
    w, x = Value(0.5, "w⁽ᴸ⁾"), Value(1.5, "w")  # labelled like weights, but Values
    p = Parameter(0.5, "w⁽ᴸ⁾")
    z = w * x + p
    z.label = "z"
    kinds = kinds_of(draw_dot(z).source)
    assert kinds["w"] == "value input"
    lines = [s for s in draw_dot(z).source.splitlines() if "<B>w⁽ᴸ⁾</B>" in s]
    assert sorted(re.search(r'class="([^"]+)"', s)[1] for s in lines) == [
        "value input",
        "value parameter",
    ]


def test_a_module_can_be_passed_as_parameters():
    model = nn.MLP(2, [1], seed=0, fused=False)
    for p in model.parameters():
        p.label = "theta"  # the convention cannot recognise these, the module can
    out = model([1.0, 2.0])
    source = draw_dot(out, parameters=model).source
    assert source.count('class="value parameter"') == len(model.parameters()) == 3
    assert source.count('class="value input"') == 2


def test_nn_weights_and_biases_are_parameters_without_the_option():
    model = nn.MLP(3, [4, 1], seed=0, fused=False)
    source = draw_dot(model([1.0, 2.0, 3.0])).source
    assert source.count('class="value parameter"') == len(model.parameters())


# ------------------------------------------------------------------ local grads


@needs_dot
def test_every_edge_names_its_factor_by_default_and_none_when_asked():
    C, v = neuron()
    assert all(texts(g) == [] for g in svg_groups(render_svg(C, show_local_grads=False), "edge"))
    labels = [t for g in svg_groups(render_svg(C), "edge") for t in texts(g)]
    a = v["a"].data
    assert sorted(labels) == sorted(
        [
            "∂z/∂w = 1.5000",
            "∂z/∂x = 0.5000",
            "∂z/∂b = 1.0000",
            f"∂a/∂z = {a * (1 - a):.4f}",
            f"∂C₀/∂a = {a - 1:.4f}".replace("-", "−"),
        ]
    )


def bezier_points(d: str) -> list[tuple[float, float]]:
    """Points along an SVG path of cubic Béziers (Graphviz's edges: M x,y C ...)."""
    xy = numbers_in(d)
    pts = list(zip(xy[0::2], xy[1::2]))
    out = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(1, 21):
            t = k / 20
            out.append(
                tuple(
                    (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c + t**3 * e
                    for a, b, c, e in zip(p0, p1, p2, p3)
                )
            )
    return out


SCRIPTS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾₀₁₂₃₄₅₆₇₈₉")


def text_width(text: str, size: float) -> float:
    """About how wide a text is in Helvetica (measured in Chromium: within 5%, a bit wider)."""
    return size * sum(0.3 if c in SCRIPTS else 0.28 if c in " ./,()" else 0.556 for c in text)


def label_distances(svg: str) -> list[tuple[float, float]]:
    """For each edge label: (distance to its own edge, to the nearest other edge), in SVG units,
    measured from the label's box (its text's extent, :func:`text_width`). A crowded
    picture ties a label to its edge by a drawn line (Graphviz's decorate): part of its edge."""
    edges = []
    for g in svg_groups(svg, "edge"):
        points = bezier_points(next(g.iter(f"{SVG}path")).get("d"))
        for line in g.iter(f"{SVG}polyline"):
            xy = numbers_in(line.get("points"))
            points += list(zip(xy[0::2], xy[1::2]))
        spot = None
        for t in g.iter(f"{SVG}text"):
            size = float(t.get("font-size"))
            width = text_width(t.text, size)
            x = float(t.get("x")) + (width / 2 if t.get("text-anchor") == "start" else 0)
            y = float(t.get("y"))
            spot = (x - width / 2, y - size, x + width / 2, y)
        edges.append((points, spot))

    def distance(points, spot):
        x0, y0, x1, y1 = spot
        return min(
            (max(x0 - px, 0, px - x1) ** 2 + max(y0 - py, 0, py - y1) ** 2) ** 0.5
            for px, py in points
        )

    return [
        (distance(own, spot), min(distance(p, spot) for j, (p, _) in enumerate(edges) if j != i))
        for i, (own, spot) in enumerate(edges)
        if spot is not None
    ]


@needs_dot
@pytest.mark.parametrize("picture", ["quick tour", "network", "network, one weight"])
def test_no_edge_label_is_nearer_another_edge_than_its_own(picture):
    if picture == "quick tour":
        C, w = quick_tour()
        svg = render_svg(C, highlight=w)
    else:
        C, net = chapter_network_on_one_row()
        svg = render_svg(C, highlight=net.layers[0].neurons[0].w[2] if "one" in picture else None)
    found = label_distances(svg)
    assert found
    for own, other in found:
        assert own < other, found


# -------------------------------------------------------------------- highlight


def test_highlight_marks_every_path_from_the_value_to_the_root_and_nothing_else():
    C, v = neuron()
    source = draw_dot(C, highlight=v["w"]).source
    lit = {name for name, cls in node_classes(source).items() if "highlighted" in cls}
    labelled = dict(re.findall(r"^\t(n\d+) \[label=<.*?<B>(\w+)</B>", source, re.M))
    assert {labelled[n] for n in lit if n in labelled} == {"w", "z", "a", "C₀"}
    assert len(lit) == 4  # w, z, a, C₀: the unnamed steps are folded into the edges
    red_edges = re.findall(r"^\t(n\d+) -> (n\d+) \[.*class=highlighted", source, re.M)
    assert len(red_edges) == 3 and all(a in lit and b in lit for a, b in red_edges)
    widths = set(re.findall(r'color="#c0392b".* penwidth=([\d.]+)', source))
    assert widths == {"2.5"}  # thicker than a plain edge's 1
    assert re.findall(r'color="#8a8a8a".* penwidth=([\d.]+)', source)[0] == "1"


def test_highlight_accepts_several_values_and_a_value_outside_is_refused():
    C, v = neuron()
    one = draw_dot(C, highlight=v["w"]).source
    both = draw_dot(C, highlight=[v["w"], v["x"]]).source
    assert both.count("highlighted") == one.count("highlighted") + 2  # x and its edge
    with pytest.raises(ValueError, match="not in the graph"):
        draw_dot(C, highlight=Value(1.0, "stranger"))
    with pytest.raises(TypeError, match="highlight"):
        draw_dot(C, highlight=[1.0])


def test_no_highlight_draws_nothing_highlighted():
    C, _ = neuron()
    assert "highlighted" not in draw_dot(C).source
    assert "#c0392b" not in draw_dot(C).source


# ---------------------------------------------------------------------- legend


def legend_of(source: str) -> str:
    return next(line for line in source.splitlines() if line.lstrip().startswith("label=<<"))


def test_the_legend_names_every_colour_the_picture_uses():
    C, v = neuron()
    source = draw_dot(C, highlight=v["w"]).source
    legend = legend_of(source)
    body = source.replace(legend, "")
    used = set(re.findall(r'fillcolor="(#\w+)"', body)) | set(re.findall(r'color="(#\w+)"', body))
    used -= {"#333333", "#8a8a8a", "#444444", "#6b6b6b"}  # ink: borders, plain edges, text
    assert used and all(colour in legend for colour in used), used
    for words in ("parameter", "input", "intermediate", "output", "the paths from w to C₀"):
        assert words in legend
    for words in ("data: the value", "grad: ∂C₀/∂(the value)", "∂upper/∂lower"):
        assert words in legend
    assert 'STYLE="rounded"' in legend  # a swatch for every border style used
    assert 'STYLE="dashed"' in legend_of(draw_dot(C, unfold=True).source)  # the constants
    assert "being processed" not in legend  # only in frames
    assert "\tlabel=<<" not in draw_dot(C, legend=False).source


def test_the_legend_of_frames_names_the_step_colours_and_the_empty_grads():
    C, v = neuron()
    frame = next(backward_frames(C, highlight=v["w"]))
    legend = legend_of(frame.source)
    for words in (
        "being processed",
        "its grad passed on",
        "not reached yet",
        "partial sum",
        "the paths from w to C₀",
        "#fff19c",
        "#b7950b",
        "#c0392b",
    ):
        assert words in legend


# ------------------------------------------------------------------- escaping

NASTY = [
    'say "hi"',
    "<b>not bold</b>",
    "a & b &amp; c",
    "{braces} [brackets] |pipes|",
    "back\\slash \\N \\G \\L \\",
    "two\nlines",
    "tab\there",
    "]]> <!-- --> <![CDATA[",
    "σ(z) ∂C/∂w ‖y−a‖²",
    "ctrl \x00\x01\x1b\x7f",
    "'single' `tick` ; -> }",
    "]",  # alone, Graphviz's HTML-label parser rejected it (found by hypothesis)
    "]]",
]


@needs_dot
@pytest.mark.parametrize("label", NASTY)
def test_any_label_is_safe_in_dot_and_svg(label):
    x = Value(1.0, label)
    y = x * 2
    y.label = label
    svg = render_svg(y)  # dot accepts the source
    shown = "".join("".join(texts(g)) for g in svg_groups(svg, "node"))  # XML parses
    label = label.replace("\n", "").replace("\t", " ")
    expected = "".join(c if c.isprintable() else "\ufffd" for c in label)
    assert expected.replace(" ", "") in shown.replace(" ", "")


@needs_dot
@settings(max_examples=25)
@given(st.text(max_size=30))
def test_random_labels_never_break_dot_or_svg(label):
    y = Value(1.5, label) * 2
    y.label = label
    svg = render_svg(y)
    ET.fromstring(svg)
    assert svg.count("data 1.5000") == 1 and svg.count("data 3.0000") == 1


def test_long_labels_are_cut():
    y = Value(1.0, "x" * 200) * 2
    line = next(s for s in draw_dot(y).source.splitlines() if "<B>" in s)
    assert "x" * 39 + "…" in line and "x" * 40 not in line


# ---------------------------------------------------------------- determinism


def test_same_graph_gives_the_same_source_with_names_in_order():
    first = draw_dot(neuron()[0], show_local_grads=True).source
    _garbage = [Value(float(i)) for i in range(100)]  # other objects, other ids
    second = draw_dot(neuron()[0], show_local_grads=True).source
    assert first == second
    names = re.findall(r"^\t(n\d+) \[", first, re.M)
    assert names == [f"n{i}" for i in range(len(names))]
    assert "0x" not in first and str(id(_garbage[0])) not in first


def test_each_node_comes_after_its_inputs_which_keep_their_order():
    C, _ = neuron()
    source = draw_dot(C).source
    order = [
        re.search(r"<B>(\w+)</B>", s)[1]
        for s in source.splitlines()
        if s.startswith("\tn") and "<B>" in s
    ]
    assert order.index("w") < order.index("x") < order.index("b") < order.index("z")
    assert order.index("z") < order.index("a") < order.index("C₀") == len(order) - 1


# ------------------------------------------------------------------ max_nodes, stop_at


def test_max_nodes_refuses_a_larger_graph_naming_it():
    x = Value(1.0, "x")
    y = x
    for _ in range(20):
        y = y + 1
    with pytest.raises(ValueError, match="max_nodes=10"):
        draw_dot(y, max_nodes=10)
    assert draw_dot(y, max_nodes=41).source  # 1 + 20 constants + 20 sums
    with pytest.raises(ValueError, match="max_nodes=40"):
        draw_dot(y, max_nodes=40)


def test_default_max_nodes_fits_the_chapters_network_unfused_with_its_cost():
    model = nn.MLP(3, [4, 1], activation="sigmoid", bias=False, seed=0, fused=False)
    a = model([0.5, -1.0, 2.0])
    C = 0.5 * (1.0 - a) ** 2
    C.backward()
    source = draw_dot(C).source
    assert source.count('class="value parameter"') == 16
    assert 2 * source.count('class="value') <= DEFAULT_MAX_NODES  # with room to spare
    biased = nn.MLP(3, [4, 1], seed=0, fused=False)
    assert draw_dot(0.5 * (1.0 - biased([0.5, -1.0, 2.0])) ** 2).source


def test_a_huge_graph_is_refused_fast_without_walking_it_all():
    y = Value(0.0)
    for _ in range(200_000):
        y = y + 1.0
    start = time.perf_counter()
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(y)
    assert time.perf_counter() - start < 0.1


def test_stop_at_draws_a_value_as_a_leaf_and_leaves_out_what_made_it():
    C, v = neuron()
    source = draw_dot(C, stop_at=[v["a"]], unfold=True).source
    assert "<B>a</B>" in source and "<B>z</B>" not in source and "<B>w</B>" not in source
    assert "value interior" in line_of(source, "a")  # drawn as a leaf, still made by σ
    assert len(re.findall(r"^\t\S+ -> ", source, re.M)) == 5  # a, 1 → a − 1 → ()² → C ← 0.5
    with pytest.raises(ValueError, match="stop_at"):
        draw_dot(C, stop_at=[Value(2.0)])


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="draw a Value"):
        draw_dot(3.0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(Value(1.0), max_nodes=0)
    with pytest.raises(TypeError, match="colour"):
        render_svg(Value(1.0), colour="red")


# --------------------------------------------------------------- missing dot


def test_missing_dot_says_how_to_install_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot anywhere
    C, _ = neuron()
    with pytest.raises(GraphvizMissingError) as info:
        render_svg(C)
    message = str(info.value)
    assert message.startswith("Graphviz is missing")
    for how in (
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install -c conda-forge graphviz",
    ):
        assert how in message
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, graphviz.ExecutableNotFound)
    assert "\n" not in message
    assert "data 0.5000" in draw_dot(C).source  # the source needs no Graphviz


def test_missing_dot_writes_no_file(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GraphvizMissingError):
        render_svg(Value(1.0) * 2, tmp_path / "g.svg")
    with pytest.raises(GraphvizMissingError):
        write_frames(Value(1.0) * 2, tmp_path / "frames")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


# -------------------------------------------------------------------- writing


@needs_dot
def test_render_svg_writes_the_file_atomically(tmp_path):
    C, _ = neuron()
    path = tmp_path / "graph.svg"
    path.write_text("old")
    svg = render_svg(C, path)
    assert path.read_text(encoding="utf-8") == svg
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temp file left


def test_written_files_get_the_usual_permissions(tmp_path, monkeypatch):
    monkeypatch.setattr("micrograd_cbook.viz.graph.pipe", lambda dot, fmt_: "<svg/>")
    old_umask = os.umask(0o022)
    try:
        render_svg(Value(1.0), tmp_path / "new.svg")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "new.svg").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    (tmp_path / "old.svg").write_text("old")
    (tmp_path / "old.svg").chmod(0o640)
    render_svg(Value(1.0), tmp_path / "old.svg")
    assert (tmp_path / "old.svg").stat().st_mode & 0o777 == 0o640


def test_an_unwritable_path_raises_oserror_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("micrograd_cbook.viz.graph.pipe", lambda dot, fmt_: "<svg/>")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError):
        render_svg(Value(1.0), blocker / "graph.svg")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@needs_dot
def test_render_svg_takes_a_drawn_digraph():
    frame = next(backward_frames((Value(2.0, "x") * 3).sigmoid()))
    assert "grad —" in render_svg(frame)
    with pytest.raises(TypeError, match="draw options"):
        render_svg(frame, rankdir="TB")
