"""Pictures: what each node shows, the tree, sizes, escaping, determinism, highlight, legend."""

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


def neuron():
    """The chapter's single neuron a = σ(w·x + b), its cost C = ½(a − y)², backpropagated."""
    w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
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
    """Each labelled value's centre (x, y), y growing downwards as on the screen."""
    out = {}
    for g in svg_groups(svg, "node"):
        bold = [t.text for t in g.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
        if bold:
            x0, y0, x1, y1 = box(g)
            out[bold[0]] = ((x0 + x1) / 2, (y0 + y1) / 2)
    return out


def line_of(source: str, label: str) -> str:
    """The DOT line of the node labelled ``label``."""
    label = label.replace("]", "&#93;")
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
    for label in ("w", "x", "b", "z", "a", "C"):
        assert label in words.split()
    w, a = v["w"], v["a"]
    assert w.grad < 0 and f"data {w.data:.4f}" in words
    assert f"grad −{-w.grad:.4f}" in words and f"grad {w.grad:.4f}" not in words
    assert f"data {a.data:.4f}" in words and f"grad {a.grad:.4f}".replace("-", "−") in words
    assert f"data {C.data:.4f}" in words and "grad 1.0000" in words


def test_the_operation_is_written_in_its_value_box_by_default():
    C, _ = neuron()
    source = draw_dot(C).source
    assert "_op" not in source and "op\t" not in source and "ellipse" not in source
    assert "<B>z</B>" in line_of(source, "z") and "+</FONT>" in line_of(source, "z")
    assert "σ</FONT>" in line_of(source, "a")  # the table's symbol
    assert "w × x</FONT>" in source  # an unlabelled value: a small formula of its inputs
    assert source.count("->") == 10  # one edge per input of each operation


def test_micrograd_style_gives_every_operation_its_own_small_node():
    C, _ = neuron()
    source = draw_dot(C, style="micrograd").source
    ops = re.findall(r"^\tn\d+op \[label=<([^>]*)>", source, re.M)
    assert sorted(ops) == sorted(["*", "+", "sigmoid", "-", "**2", "*"])
    assert len(re.findall(r"^\t\S+ -> ", source, re.M)) == 10 + 6  # into ops, ops into values
    with pytest.raises(ValueError, match="style"):
        draw_dot(C, style="fancy")


# ---------------------------------------------------------------- the tree


@needs_dot
def test_the_chain_is_a_tree_with_the_root_on_top_and_the_weights_at_the_bottom():
    C, _ = quick_tour()
    source = draw_dot(C).source
    assert "rankdir=BT" in source
    at = centres(render_svg(C))
    # SVG y grows downwards: C on top, then a, then z, with w, x at the bottom
    assert at["C"][1] < at["a"][1] < at["z"][1] < at["w"][1]
    assert at["w"][1] == at["x"][1] == max(y for _, y in at.values())
    assert at["z"][1] < at["b"][1]


def test_the_tree_is_the_default_up_to_tree_max_nodes_and_left_to_right_above():
    def chain(n):
        y = Value(1.0, "x")
        for _ in range(n - 1):
            y = y.tanh()
        return y

    assert "rankdir=BT" in draw_dot(chain(TREE_MAX_NODES)).source
    assert "rankdir=LR" in draw_dot(chain(TREE_MAX_NODES + 1)).source


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
    assert at["w"][0] < at["z"][0] < at["a"][0] < at["C"][0]


@needs_dot
def test_a_networks_layers_and_weights_are_in_index_order_left_to_right():
    C, _ = chapter_network_on_one_row()
    at = centres(render_svg(C, show_local_grads=True))
    for family in ("w1", "w2", "z1", "a1"):
        labels = [label for label in at if label.startswith(family + "[")]
        assert len(labels) in (4, 12)
        by_index = sorted(labels, key=lambda s: [int(i) for i in re.findall(r"\d+", s[2:])])
        assert sorted(labels, key=lambda s: at[s][0]) == by_index
    assert at["C"][1] < at["a2[0]"][1] < at["z2[0]"][1] < at["a1[0]"][1] < at["z1[0]"][1]
    assert at["y"][1] < at["z2[0]"][1]  # the target y is named


# ------------------------------------------------------------------ sizes


@needs_dot
def test_the_chain_is_at_most_900_px_wide_at_natural_size():
    C, w = quick_tour()
    for options in ({}, {"show_local_grads": True, "highlight": w}):
        width, height = size_px(render_svg(C, **options))
        assert width <= 900 and height <= 900, (width, height)


@needs_dot
def test_the_chapters_network_is_at_most_1600_px_on_its_longer_side():
    C, net = chapter_network_on_one_row()
    weight = net.layers[0].neurons[0].w[0]
    width, height = size_px(render_svg(C, show_local_grads=True, highlight=weight))
    assert max(width, height) <= 1600, (width, height)


@needs_dot
def test_no_text_is_smaller_than_10_px():
    C, net = chapter_network_on_one_row()
    svg = render_svg(C, show_local_grads=True, highlight=net.layers[0].neurons[0].w[0])
    root = ET.fromstring(svg)
    view = [float(v) for v in root.get("viewBox").split()]
    scale = size_px(svg)[0] / view[2]  # px per SVG unit
    sizes = {float(t.get("font-size")) * scale for t in root.iter(f"{SVG}text")}
    assert min(sizes) >= 10, sorted(sizes)


# --------------------------------------------------------------- node kinds


def kinds_of(source: str) -> dict[str, str]:
    return {
        re.search(r"<B>([^<]+)</B>", line).group(1): re.search(r'class="([^"]+)"', line)[1]
        for line in source.splitlines()
        if "<B>" in line and "class=" in line
    }


def test_parameters_inputs_constants_and_output_are_drawn_differently():
    C, _ = neuron()
    source = draw_dot(C).source
    kinds = kinds_of(source)
    assert kinds["w"] == kinds["b"] == "value parameter"  # by nn's labelling convention
    assert kinds["x"] == "value input"
    assert kinds["z"] == kinds["a"] == "value interior"
    assert kinds["C"] == "value output"
    assert source.count('class="value constant"') == 2  # 0.5 and 1.0
    fills = set(re.findall(r'class="value[^"]*" color="[^"]+" fillcolor="(#\w+)"', source))
    assert len(fills) == 5


def test_explicit_parameters_override_the_label_convention():
    C, v = neuron()
    explicit = kinds_of(draw_dot(C, parameters=[v["x"]]).source)
    assert explicit["x"] == "value parameter" and explicit["w"] == "value input"
    assert "value parameter" not in draw_dot(C, parameters=[]).source


def test_a_module_can_be_passed_as_parameters():
    model = nn.MLP(2, [1], seed=0, fused=False)
    for p in model.parameters():
        p.label = "theta"  # the convention cannot recognise these, the module can
    out = model([1.0, 2.0])
    source = draw_dot(out, parameters=model).source
    assert source.count('class="value parameter"') == len(model.parameters()) == 3
    assert source.count('class="value input"') == 2


def test_nn_labels_are_recognised_as_parameters_without_the_option():
    model = nn.MLP(3, [4, 1], seed=0, fused=False)
    source = draw_dot(model([1.0, 2.0, 3.0])).source
    assert source.count('class="value parameter"') == len(model.parameters())


# ------------------------------------------------------------------ local grads


@needs_dot
def test_local_grads_appear_on_edges_only_when_asked():
    C, v = neuron()
    plain = render_svg(C)
    assert all(texts(g) == [] for g in svg_groups(plain, "edge"))
    shown = render_svg(C, show_local_grads=True)
    labels = [t for g in svg_groups(shown, "edge") for t in texts(g)]
    # ∂z/∂w = x, ∂z/∂x = w, ∂a/∂z = σ'(z), ∂(a−1)/∂a = 1, ∂(a−1)/∂1 = −1
    a = v["a"].data
    for expected in ("1.5000", "0.5000", f"{a * (1 - a):.4f}", "1.0000", "−1.0000"):
        assert expected in labels
    assert len(labels) == 10  # one label per edge, one edge per input of an operation


@needs_dot
def test_each_local_grad_sits_on_its_own_edge_between_its_two_ends():
    C, _ = chapter_network_on_one_row()
    svg = render_svg(C, show_local_grads=True)
    spots = []
    for g in svg_groups(svg, "edge"):
        (label,) = [t for t in g.iter(f"{SVG}text")]
        path = numbers_in(next(g.iter(f"{SVG}path")).get("d"))
        ys = path[1::2]
        y = float(label.get("y"))
        assert min(ys) - 2 <= y <= max(ys) + 12  # along its edge, not by an arrowhead
        spots.append((round(float(label.get("x"))), round(y)))
    assert len(set(spots)) == len(spots)  # no two labels on the same spot


# -------------------------------------------------------------------- highlight


def test_highlight_marks_every_path_from_the_value_to_the_root_and_nothing_else():
    C, v = neuron()
    source = draw_dot(C, highlight=v["w"]).source
    lit = {name for name, cls in node_classes(source).items() if "highlighted" in cls}
    labelled = dict(re.findall(r"^\t(n\d+) \[label=<.*?<B>(\w+)</B>", source, re.M))
    assert {labelled[n] for n in lit if n in labelled} == {"w", "z", "a", "C"}
    assert len(lit) == 7  # w, w·x, z, a, a − 1, (a − 1)², C
    red_edges = re.findall(r'^\t(n\d+) -> (n\d+) \[color="#c0392b"', source, re.M)
    assert len(red_edges) == 6 and all(a in lit and b in lit for a, b in red_edges)
    widths = set(re.findall(r'color="#c0392b".* penwidth=([\d.]+)', source))
    assert widths == {"2.5"}  # thicker than a plain edge's 1
    assert re.findall(r'color="#8a8a8a".* penwidth=([\d.]+)', source)[0] == "1"


def test_highlight_accepts_several_values_and_a_value_outside_is_refused():
    C, v = neuron()
    one = draw_dot(C, highlight=v["w"]).source
    both = draw_dot(C, highlight=[v["w"], v["x"]]).source
    assert both.count("highlighted") == one.count("highlighted") + 1
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
    for words in ("parameter", "input", "constant", "intermediate", "output", "path from w to C"):
        assert words in legend
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
        "path from w to C",
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
    assert order.index("z") < order.index("a") < order.index("C") == len(order) - 1


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
    source = draw_dot(C, stop_at=[v["a"]]).source
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
