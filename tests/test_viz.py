"""Pictures: what each node shows, escaping, determinism, highlight, frames, missing Graphviz."""

import os
import re
import shutil
import time
import xml.etree.ElementTree as ET

import graphviz
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cbook import Value, backward_steps, nn
from micrograd_cbook.viz import (
    DEFAULT_MAX_NODES,
    GraphvizMissingError,
    backward_frames,
    draw_dot,
    render_svg,
    write_frames,
)

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


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


def svg_groups(svg: str, cls: str) -> list[ET.Element]:
    """The <g> elements of one Graphviz class ("node", "edge"), in document order."""
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def line_of(source: str, label: str) -> str:
    """The DOT line of the node labelled ``label``."""
    return next(s for s in source.splitlines() if f"<B>{label}</B>" in s)


def node_classes(source: str) -> dict[str, str]:
    """Node name → its class attribute, read from the DOT source."""
    found = re.findall(r'^\t(n\d+(?:_op)?) \[.* class=("[^"]*"|\w+)', source, re.M)
    return {name: cls.strip('"') for name, cls in found}


# ------------------------------------------------------------------- what is drawn


@needs_dot
def test_svg_parses_and_shows_labels_data_and_grads_with_4_decimals():
    C, v = neuron()
    svg = render_svg(C)
    words = " ".join(t for g in svg_groups(svg, "node") for t in texts(g))
    for label in ("w", "x", "b", "z", "a", "C"):
        assert label in words.split()
    w, a = v["w"], v["a"]
    assert f"data {w.data:.4f}" in words and f"grad {w.grad:.4f}" in words
    assert f"data {a.data:.4f}" in words and f"grad {a.grad:.4f}" in words
    assert f"data {C.data:.4f}" in words and "grad 1.0000" in words


def test_every_operation_is_its_own_small_node():
    C, _ = neuron()
    source = draw_dot(C).source
    ops = re.findall(r"^\tn\d+_op \[label=<([^>]*)>", source, re.M)
    assert sorted(ops) == sorted(["*", "+", "sigmoid", "-", "**2", "*"])


def test_left_to_right_by_default_and_rankdir_option():
    C, _ = neuron()
    assert "rankdir=LR" in draw_dot(C).source
    assert "rankdir=TB" in draw_dot(C, rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(C, rankdir="sideways")


def test_parameters_inputs_constants_and_output_are_drawn_differently():
    C, _ = neuron()
    source = draw_dot(C).source
    kinds = {re.search(r"<B>(\w+)</B>", line).group(1): re.search(r'class="([^"]+)"', line)[1]
             for line in source.splitlines() if "<B>" in line}
    assert kinds["w"] == kinds["b"] == "value parameter"  # by nn's labelling convention
    assert kinds["x"] == "value input"
    assert kinds["z"] == kinds["a"] == "value interior"
    assert kinds["C"] == "value output"
    assert source.count('class="value constant"') == 2  # 0.5 and 1.0
    fills = {re.search(r'BGCOLOR="(#\w+)"', line)[1] for line in source.splitlines()
             if "class=\"value" in line}
    assert len(fills) == 5


def test_explicit_parameters_override_the_label_convention():
    C, v = neuron()
    explicit = draw_dot(C, parameters=[v["x"]]).source
    assert re.search(r'<B>x</B>.*class="value parameter"', explicit)
    assert re.search(r'<B>w</B>.*class="value input"', explicit)
    assert "parameter" not in draw_dot(C, parameters=[]).source


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
    # ∂z/∂w = x, ∂z/∂x = w, ∂a/∂z = σ'(z), ∂(a−1)/∂a = 1
    a = v["a"].data
    for expected in ("1.5000", "0.5000", f"{a * (1 - a):.4f}", "1.0000", "-1.0000"):
        assert expected in labels
    # one label per input of each operation: 2+2+1+2+1+2 edges into op nodes
    assert len(labels) == 10


# -------------------------------------------------------------------- highlight


def test_highlight_marks_every_path_from_the_value_to_the_root_and_nothing_else():
    C, v = neuron()
    source = draw_dot(C, highlight=v["w"]).source
    lit = {name for name, cls in node_classes(source).items() if "highlighted" in cls}
    labelled = dict(re.findall(r"^\t(n\d+) \[label=<.*?<B>(\w+)</B>", source, re.M))
    assert {labelled[n] for n in lit if n in labelled} == {"w", "z", "a", "C"}
    assert "x" not in {labelled[n] for n in lit if n in labelled}
    red_edges = re.findall(r"^\t(n\d+(?:_op)?) -> (n\d+(?:_op)?) \[color=\"#c0392b\"", source,
                           re.M)
    assert len(red_edges) == 12  # w → * → + → σ → − → **2 → * → C: into and out of 6 ops
    assert all(a in lit or a.endswith("_op") for a, _ in red_edges)


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


def test_same_graph_gives_the_same_source_with_names_in_topological_order():
    first = draw_dot(neuron()[0], show_local_grads=True).source
    _garbage = [Value(float(i)) for i in range(100)]  # other objects, other ids
    second = draw_dot(neuron()[0], show_local_grads=True).source
    assert first == second
    names = re.findall(r"^\t(n\d+) \[", first, re.M)
    assert names == [f"n{i}" for i in range(len(names))]
    assert "0x" not in first and str(id(_garbage[0])) not in first


# ------------------------------------------------------------------ max_nodes


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


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="draw a Value"):
        draw_dot(3.0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(Value(1.0), max_nodes=0)


# --------------------------------------------------------------- missing dot


def test_missing_dot_says_how_to_install_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot anywhere
    C, _ = neuron()
    with pytest.raises(GraphvizMissingError) as info:
        render_svg(C)
    message = str(info.value)
    assert message.startswith("Graphviz is missing")
    for how in ("apt-get install graphviz", "brew install graphviz",
                "conda install -c conda-forge graphviz"):
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
    monkeypatch.setattr("micrograd_cbook.viz._pipe_svg", lambda dot: "<svg/>")
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
    monkeypatch.setattr("micrograd_cbook.viz._pipe_svg", lambda dot: "<svg/>")
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


# --------------------------------------------------------------------- frames


def shared_use():
    """a is used three times (a·a + a): its grad is partial until every user has passed on."""
    w, x = Value(0.5, "w"), Value(-2.0, "x")
    a = w * x
    a.label = "a"
    sq = a * a
    C = sq + a
    C.label = "C"
    return C, a


def test_one_frame_per_backward_step_in_the_engines_order():
    C, _ = shared_use()
    twin, _ = shared_use()
    expected = [step.node.op for step in backward_steps(twin)]
    frames = list(backward_frames(C))
    assert len(frames) == len(expected) == 3
    current_ops = []
    for frame in frames:
        (name,) = [n for n, cls in node_classes(frame.source).items() if "current" in cls]
        current_ops.append(re.search(rf"^\t{name}_op \[label=<([^>]*)>", frame.source, re.M)[1])
    assert current_ops == expected == ["+", "*", "*"]


def test_frames_show_grads_so_far_and_unreached_ones_empty():
    C, a = shared_use()
    first, second, last = (f.source for f in backward_frames(C))
    a_line = line_of(first, "a")
    assert "(so far)" in a_line and "grad-partial" in a_line  # 1 of its 3 contributions
    w_line = line_of(first, "w")
    assert "grad —" in w_line and "grad-empty" in w_line
    assert "grad 1.0000" in line_of(first, "C")
    a_line = line_of(second, "a")
    assert f"grad {a.grad:.4f}" in a_line and "(so far)" not in a_line
    assert "grad —" not in last and "(so far)" not in last


def test_frames_leave_the_same_grads_as_backward():
    C, _ = shared_use()
    twin, _ = shared_use()
    for _ in backward_frames(C):
        pass
    twin.backward()
    from micrograd_cbook.engine import topological_order

    assert [n.grad for n in topological_order(C)] == [n.grad for n in topological_order(twin)]


def test_frames_are_snapshots_and_carry_draw_options():
    C, a = shared_use()
    frames = list(backward_frames(C, show_local_grads=True, highlight=a, rankdir="TB"))
    assert len({f.source for f in frames}) == 3
    assert all("rankdir=TB" in f.source and "highlighted" in f.source for f in frames)
    assert 'label="-2.0000"' in frames[0].source or "label=-2.0000" in frames[0].source
    with pytest.raises(TypeError, match="unknown draw option"):
        next(backward_frames(C, colour="red"))


def test_a_leaf_root_has_no_frames():
    assert list(backward_frames(Value(1.0, "x"))) == []


@needs_dot
def test_write_frames_writes_numbered_svgs_and_one_self_contained_page(tmp_path):
    C, _ = shared_use()
    (tmp_path / "step-09.svg").write_text("stale")  # from an earlier, longer run
    (tmp_path / "notes.txt").write_text("mine")
    page = write_frames(C, tmp_path, show_local_grads=True)
    assert page == tmp_path / "index.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html", "notes.txt", "step-01.svg", "step-02.svg", "step-03.svg"]
    for k in (1, 2, 3):
        ET.parse(tmp_path / f"step-0{k}.svg")
    text = page.read_text(encoding="utf-8")
    assert text.count('<section class="frame"') == 3
    assert text.count("<svg") == 3 and "<?xml" not in text and "<!DOCTYPE svg" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # no network
    assert "<link" not in text
    assert 'id="prev"' in text and 'id="next"' in text and "ArrowRight" in text
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids))  # each frame's SVG ids are prefixed: unique in the page


@needs_dot
def test_write_frames_of_a_leaf_shows_the_graph_alone(tmp_path):
    page = write_frames(Value(1.0, "x"), tmp_path)
    assert "No backward steps" in page.read_text(encoding="utf-8")
    assert (tmp_path / "step-01.svg").exists()
