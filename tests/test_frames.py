"""The backward pass in pictures: frames from empty grads, one layout, no side effects; and the
stepper's page in headless Chromium, from file:// and two steppers inline in one page.

Each page loads with no JavaScript error; next, the arrow keys and the slider change what is
shown; two steppers in one page (as in a notebook) never touch each other.
"""

import math
import re
import shutil
import struct
import xml.etree.ElementTree as ET

import pytest
from helpers import SVG, By, Keys, browser_errors, require_browser, start_browser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_cbook import Value, backward_steps, losses, nn
from micrograd_cbook.engine import topological_order
from micrograd_cbook.names import chapter_text
from micrograd_cbook.viz import (
    Frame,
    backward_frames,
    draw_dot,
    render_svg,
    snapshots,
    stepper,
    write_frames,
)
from micrograd_cbook.viz.player import page_html

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="needs Graphviz's dot")


def quick_tour(backward=True):
    w, x, b, y = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b"), Value(1.0, "y")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = 0.5 * (y - a) ** 2
    C.label = "C"
    if backward:
        C.backward()
    return C, w


def shared_use():
    """a is used three times (a·a + a): its grad is partial until every user has passed on."""
    w, x = Value(0.5, "w"), Value(-2.0, "x")
    a = w * x
    a.label = "a"
    sq = a * a
    C = sq + a
    C.label = "C"
    return C, a


def line_of(source: str, label: str) -> str:
    """The DOT line of the box labelled ``label`` (drawn in the chapter's notation)."""
    return next(s for s in source.splitlines() if f"<B>{chapter_text(label)}</B>" in s)


def current_node(frame: Frame) -> str | None:
    found = [s for s in frame.source.splitlines() if "current" in s and s.startswith("\tn")]
    return found[0].split(" ", 1)[0].strip() if found else None


def bits(x: float) -> bytes:
    return struct.pack("<d", x)  # nan and −0.0 compare as themselves


def snapshot(root: Value) -> list[tuple[bytes, bytes]]:
    return [(bits(n.data), bits(n.grad)) for n in topological_order(root)]


# ------------------------------------------------------------------ what frames show


def test_the_first_frame_is_the_graph_before_the_pass_then_one_per_step():
    C, _ = shared_use()
    frames = list(backward_frames(C, unfold=True))
    assert len(frames) == 1 + 3  # before, then +, *, *
    assert [f.step for f in frames] == [0, 1, 2, 3]
    first = frames[0].source
    assert "grad-final" not in first and "grad 1.0000" not in first  # no grads at all yet
    nodes = [line for line in first.splitlines() if line.startswith("\tn")]
    assert sum("grad —" in line for line in nodes) == len(topological_order(C)) == 5
    assert current_node(frames[0]) is None
    assert frames[0].caption.startswith("Before the backward pass")


def test_each_step_marks_the_node_the_engine_processes_in_its_order():
    C, _ = shared_use()
    twin, _ = shared_use()
    expected = [step.node.op for step in backward_steps(twin)]
    ops = []
    for frame in list(backward_frames(C, style="micrograd"))[1:]:
        name = current_node(frame)
        ops.append(re.search(rf"^\t{name}op \[label=<([^>]*)>", frame.source, re.M)[1])
    assert expected == ["+", "*", "*"] and ops == ["+", "×", "×"]  # the table's symbols


def test_frames_show_grads_so_far_and_unreached_ones_empty():
    C, _ = shared_use()
    _, first, second, last = (f.source for f in backward_frames(C, unfold=True))
    a_line = line_of(first, "a")
    assert "+…" in a_line and "grad-partial" in a_line  # 1 of its 3 contributions
    w_line = line_of(first, "w")
    assert "grad —" in w_line and "grad-empty" in w_line
    assert "grad 1.0000" in line_of(first, "C")
    a_line = line_of(second, "a")
    assert "grad −1.0000" in a_line and "+…" not in a_line  # 1 + 2a = 1 − 2
    nodes = [line for line in last.splitlines() if line.startswith("\tn")]
    assert not any("grad —" in line or "+…" in line for line in nodes)


def test_captions_name_values_as_the_picture_does_and_write_true_minus_signs():
    C, _ = quick_tour()
    captions = [f.caption for f in backward_frames(C, unfold=True)]
    assert captions[1].startswith("Step 1 of 6: C₀ (data 0.0448) has its final grad 1.0000")
    assert "grad of the constant 0.5 += ∂C₀/∂0.5 · ∂C₀/∂C₀ = 0.0897 × 1.0000" in captions[1]
    assert "grad of (y − a)² += ∂C₀/∂(y − a)² · ∂C₀/∂C₀ = 0.5000 × 1.0000" in captions[1]
    a_step = next(c for c in captions if c.startswith("Step 4 of 6: a"))
    assert "has its final grad −0.2994" in a_step
    assert "grad of z += ∂a/∂z · ∂C₀/∂a = 0.2098 × (−0.2994) = −0.0628" in a_step
    assert not any(re.search(r"(?<![\w.])-\d", c) for c in captions)  # no hyphen minus


def test_the_folded_tree_steps_through_its_boxes_with_their_folded_factors():
    C, w = quick_tour()
    frames = list(backward_frames(C, highlight=w))
    captions = [f.caption for f in frames]
    assert len(frames) == 1 + 3  # C₀, a, z: the boxes with edges below them
    assert captions[1].startswith("Step 1 of 3: C₀")
    assert "grad of a += ∂C₀/∂a · ∂C₀/∂C₀ = (−0.2994) × 1.0000 = −0.2994" in captions[1]
    assert "grad of z += ∂a/∂z · ∂C₀/∂a = 0.2098 × (−0.2994) = −0.0628" in captions[2]
    assert "grad of w += ∂z/∂w · ∂C₀/∂z = 1.5000 × (−0.0628) = −0.0942" in captions[3]
    # each frame is taken once the unnamed steps below the box have passed its grad on
    assert "grad −0.2994" in line_of(frames[1].source, "a")
    assert "grad —" in line_of(frames[1].source, "z")
    assert "grad −0.0628" in line_of(frames[2].source, "z")
    assert "grad −0.0942" in line_of(frames[3].source, "w")


def test_frames_carry_the_draw_options():
    C, a = shared_use()
    frames = list(backward_frames(C, show_local_grads=True, highlight=a, rankdir="TB", unfold=True))
    assert len({f.source for f in frames}) == 4
    assert all("highlighted" in f.source for f in frames)
    assert all("label=<∂a/∂x = 0.5000>" in f.source for f in frames)
    with pytest.raises(TypeError, match="unknown draw option"):
        next(backward_frames(C, colour="red"))


def test_a_leaf_root_has_one_frame_saying_there_is_no_step():
    (frame,) = backward_frames(Value(1.0, "x"))
    assert "no steps" in frame.caption


# ------------------------------------------------------------------ side effects


def test_frames_after_a_backward_show_the_true_grads_and_leave_the_accumulated_ones():
    """The frames run their own pass from zero grads: the user's w.grad is not doubled."""
    C, w = quick_tour()
    assert w.grad == pytest.approx(-0.0942, abs=5e-5)
    *_, last = backward_frames(C)
    assert f"grad {w.grad:.4f}".replace("-", "−") in line_of(last.source, "w")
    assert w.grad == pytest.approx(-0.0942, abs=5e-5)  # not −0.1884
    C.backward()  # the user accumulates on purpose: the frames still show one pass
    accumulated = w.grad
    *_, last = backward_frames(C)
    assert "grad −0.0942" in line_of(last.source, "w")
    assert w.grad == accumulated


def test_the_grads_are_restored_even_when_drawing_fails():
    C, _ = quick_tour()
    before = snapshot(C)
    with pytest.raises(ValueError, match="highlight"):
        next(backward_frames(C, highlight=Value(9.0, "stranger")))
    assert snapshot(C) == before


UNARY = ("sigmoid", "tanh", "relu", "square", "neg")
BINARY = ("+", "*", "-")


@st.composite
def graphs(draw):
    """A random graph of 1 to 4 leaves and up to 8 operations, nodes often used twice."""
    nodes = [
        Value(draw(st.floats(-2, 2, allow_nan=False)), f"x{i}")
        for i in range(draw(st.integers(1, 4)))
    ]
    for _ in range(draw(st.integers(1, 8))):
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        if draw(st.booleans()):
            op = draw(st.sampled_from(UNARY))
            out = {
                "sigmoid": Value.sigmoid,
                "tanh": Value.tanh,
                "relu": Value.relu,
                "square": lambda v: v**2,
                "neg": lambda v: -v,
            }[op](a)
        else:
            b = nodes[draw(st.integers(0, len(nodes) - 1))]
            op = draw(st.sampled_from(BINARY))
            out = {"+": a + b, "*": a * b, "-": a - b}[op]
        nodes.append(out)
    root = nodes[-1]
    leaf = next(n for n in topological_order(root) if not n.children)
    if draw(st.booleans()):
        root.backward()  # leaves hold grads from an earlier pass
    if draw(st.booleans()):
        root.backward()  # ... accumulated twice
    for node in nodes:
        if not node.children and draw(st.booleans()):
            node.grad = draw(st.floats(allow_nan=True, allow_infinity=True))
    return root, leaf


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_drawing_and_frames_leave_every_grad_and_data_as_they_were(graph):
    root, leaf = graph
    before = snapshot(root)
    draw_dot(root, show_local_grads=True, highlight=leaf)
    draw_dot(root, style="micrograd")
    frames = list(backward_frames(root, highlight=leaf, unfold=True))
    assert snapshot(root) == before
    assert len(frames) == 1 + sum(1 for n in topological_order(root) if n.children)


@needs_dot
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(graphs())
def test_render_write_frames_and_the_stepper_leave_every_grad_and_data(tmp_path, graph):
    root, leaf = graph
    before = snapshot(root)
    render_svg(root, show_local_grads=True)
    write_frames(root, tmp_path / "frames", highlight=leaf)
    stepper(root)._repr_html_()
    assert snapshot(root) == before


def test_the_frames_numbers_are_a_backward_pass_from_zero_grads():
    C, w = quick_tour(backward=False)
    w.grad = 100.0  # left over from something else: the frames start from empty grads
    twin, _ = quick_tour()
    *_, last = backward_frames(C, unfold=True)
    for node, other in zip(topological_order(C), topological_order(twin)):
        if node.label:
            want = f"grad {other.grad:.4f}".replace("-", "−")
            assert want in line_of(last.source, node.label), node.label
    assert w.grad == 100.0


# ----------------------------------------------------------------- one layout


def node_boxes(svg: str) -> dict[str, tuple[float, ...]]:
    """Each node's shape coordinates, keyed by the node's name."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if "node" in (g.get("class") or "").split():
            name = g.find(f"{SVG}title").text
            shape = next(c for c in g if c.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse"))
            nums = re.findall(
                r"-?\d+(?:\.\d+)?",
                shape.get("points") or shape.get("d") or f"{shape.get('cx')} {shape.get('cy')}",
            )
            out[name] = tuple(round(float(v), 1) for v in nums)
    return out


@needs_dot
@pytest.mark.parametrize("style", ["compact", "micrograd"])
def test_every_written_frame_has_every_node_in_the_same_place(tmp_path, style):
    C, w = quick_tour()
    write_frames(C, tmp_path, show_local_grads=True, highlight=w, style=style)
    files = sorted(tmp_path.glob("step-*.svg"))
    assert len(files) == (4 if style == "compact" else 7)  # micrograd's style: unfolded
    boxes = [node_boxes(f.read_text(encoding="utf-8")) for f in files]
    assert len(boxes[0]) == (7 if style == "compact" else 11 + 6)
    assert all(b == boxes[0] for b in boxes)
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert len(set(texts)) == len(files)  # ... while what they show changes
    for svg, want in ((texts[0], "grad —"), (texts[-1], "grad −0.0942")):
        (w_node,) = [
            g
            for g in ET.fromstring(svg).iter(f"{SVG}g")
            if "node" in g.get("class", "").split()
            and any(t.text == "w" for t in g.iter(f"{SVG}text"))
        ]
        shown = [t.text for t in w_node.iter(f"{SVG}text")]
        assert shown == ["w", "data 0.5000", want]


@needs_dot
def test_rendered_backward_frames_keep_every_node_in_the_same_place():
    C, w = quick_tour()
    frames = list(backward_frames(C, show_local_grads=True, highlight=w))
    boxes = [node_boxes(render_svg(f)) for f in frames]
    assert len(boxes[0]) == 7 and all(b == boxes[0] for b in boxes)
    assert all(f.engine == "neato" and 'pos="' in f.source for f in frames)


@needs_dot
def test_backward_frames_are_the_pictures_the_stepper_shows(tmp_path):
    """The Digraphs, rendered with neato -n2, put each node where the stepper's frames do."""
    C, w = quick_tour()
    frames = list(backward_frames(C, highlight=w))
    write_frames(C, tmp_path, highlight=w)
    for k in (0, 2, 3):
        mine = node_boxes(render_svg(frames[k]))
        theirs = node_boxes((tmp_path / f"step-0{k}.svg").read_text(encoding="utf-8"))
        assert mine.keys() == theirs.keys()
        for name in mine:  # the same layout, up to the page's margin
            dx = [a - b for a, b in zip(mine[name][0::2], theirs[name][0::2])]
            dy = [a - b for a, b in zip(mine[name][1::2], theirs[name][1::2])]
            assert max(dx) - min(dx) < 1.5 and max(dy) - min(dy) < 1.5


@pytest.fixture
def graphviz_runs(tmp_path, monkeypatch):
    """Count Graphviz runs: `dot` and `neato` on PATH log each call, then run the real one."""
    if DOT is None:
        pytest.skip("needs Graphviz's dot")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "runs.log"
    for name in ("dot", "neato"):
        real = shutil.which(name)
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexec "{real}" "$@"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    log.write_text("")
    return lambda: log.read_text().splitlines()


def long_sum(terms: int) -> Value:
    """Σ σ(wₖ·xₖ + bₖ): 4 steps a term."""
    total = None
    for k in range(terms):
        t = (Value(0.1 * k, f"w{k}") * Value(1.5, f"x{k}") + Value(-0.2, f"b{k}")).sigmoid()
        total = t if total is None else total + t
    total.label = "out"
    return total


def test_the_frames_of_a_long_formula_cost_one_graphviz_run(tmp_path, graphviz_runs):
    root = long_sum(12)
    page = write_frames(root, tmp_path / "frames", show_local_grads=True, unfold=True)
    assert len(list((tmp_path / "frames").glob("step-*.svg"))) == 1 + 47
    assert len(graphviz_runs()) == 1
    assert page.exists()
    stepper(root)._repr_html_()
    assert len(graphviz_runs()) == 2
    frames = list(backward_frames(root, unfold=True))
    assert len(frames) == 48 and len(graphviz_runs()) == 3  # one layout for all of them
    render_svg(frames[5])
    assert re.search(r"-Kneato .*-n2|neato .*-n2", graphviz_runs()[-1])


def test_without_graphviz_backward_frames_still_yield_their_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    C, _ = shared_use()
    frames = list(backward_frames(C, unfold=True))
    assert len(frames) == 4 and all(isinstance(f, Frame) for f in frames)
    assert all("pos=" not in f.source for f in frames)


# ---------------------------------------------------------------- write_frames


@needs_dot
def test_write_frames_writes_numbered_svgs_and_one_self_contained_page(tmp_path):
    C, _ = shared_use()
    (tmp_path / "step-09.svg").write_text("stale")  # from an earlier, longer run
    (tmp_path / "notes.txt").write_text("mine")
    page = write_frames(C, tmp_path, show_local_grads=True, unfold=True)
    assert page == tmp_path / "index.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "notes.txt",
        "step-00.svg",
        "step-01.svg",
        "step-02.svg",
        "step-03.svg",
    ]
    for k in range(4):
        ET.parse(tmp_path / f"step-0{k}.svg")
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 1 and "<?xml" not in text and "<!DOCTYPE svg" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # no network
    assert "<link" not in text
    assert "mgcb-prev" in text and "mgcb-next" in text and "mgcb-slider" in text
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    assert write_frames(C, tmp_path).read_text(encoding="utf-8") == write_frames(
        C, tmp_path
    ).read_text(encoding="utf-8")  # the same graph, the same page


@needs_dot
def test_write_frames_of_a_leaf_shows_the_graph_alone(tmp_path):
    page = write_frames(Value(1.0, "x"), tmp_path)
    assert "no steps" in page.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == ["step-00.svg"]


# ---------------------------------------------------------------------- stepper


@needs_dot
def test_two_steppers_share_no_id_and_load_nothing_from_the_network():
    C, w = quick_tour()
    one, two = stepper(C, highlight=w)._repr_html_(), stepper(C)._repr_html_()
    ids_one = set(re.findall(r' id="([^"]+)"', one))
    ids_two = set(re.findall(r' id="([^"]+)"', two))
    assert ids_one and not ids_one & ids_two
    for html in (one, two):
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        assert "<link" not in html and "<script src" not in html
        assert html.startswith('<div class="mgcb-player"')


@needs_dot
def test_the_stepper_knows_its_frames_and_captions():
    C, _ = quick_tour()
    show = stepper(C, show_local_grads=True)
    assert len(show) == 4 and show.captions[0].startswith("Before")
    svgs = show.frame_svgs()
    first, last = (ET.fromstring(svg) for svg in (svgs[0], svgs[-1]))
    grads = [
        [t.text for t in svg.iter(f"{SVG}text") if (t.get("id") or "").endswith("-grad")]
        for svg in (first, last)
    ]
    assert len(grads[0]) == 7 and set(grads[0]) == {"grad —"}
    assert "grad —" not in grads[1] and "grad −0.0942" in grads[1]


# -------------------------------------------------------------------- snapshots


@needs_dot
def test_snapshots_show_graphs_of_one_shape_in_one_layout():
    graphs = []
    for k in range(3):
        w = Value(0.5 + k, "w")
        a = (w * 2).sigmoid()
        a.label = "a"
        a.backward()
        graphs.append(a)
    show = snapshots(graphs, ["one", "two", "three"], title="w grows")
    assert len(show) == 3
    svgs = show.frame_svgs()
    assert "data 0.5000" in svgs[0] and "data 2.5000" in svgs[2]
    assert node_boxes(svgs[0]) == node_boxes(svgs[2])
    with pytest.raises(ValueError, match="differs"):
        snapshots([graphs[0], Value(1.0, "w").tanh()], ["a", "b"])
    with pytest.raises(ValueError, match="one caption per graph"):
        snapshots(graphs, ["a"])


def test_a_nan_grad_is_drawn_and_kept():
    x = Value(-1.0, "x")
    y = x.relu()
    x.grad = math.nan
    before = bits(x.grad)
    list(backward_frames(y))
    assert bits(x.grad) == before


# ------------------------------------------------------------------ the stepper's page in a browser


def stepper_graph():
    """C = σ(w·x + b)²: four backward steps."""
    w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
    a = (w * x + b).sigmoid()
    a.label = "a"
    C = a**2
    C.label = "C"
    return C, w


@pytest.fixture(scope="module")
def stepper_page(tmp_path_factory):
    C, w = stepper_graph()
    return write_frames(
        C, tmp_path_factory.mktemp("frames"), show_local_grads=True, highlight=w, unfold=True
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_browser()
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def page_grads(driver, player) -> list[str]:
    """The grad texts a player's picture shows now."""
    return [
        t.text
        for t in player.find_elements(By.CSS_SELECTOR, "svg text")
        if (t.get_attribute("id") or "").endswith("-grad")
    ]


def test_the_page_steps_with_buttons_keys_and_the_slider(browser, stepper_page):
    browser.get(stepper_page.as_uri())
    assert browser_errors(browser) == []
    player = browser.find_element(By.CSS_SELECTOR, ".mgcb-player")
    counter = player.find_element(By.CSS_SELECTOR, ".mgcb-counter")
    caption = player.find_element(By.CSS_SELECTOR, ".mgcb-caption")
    prev = player.find_element(By.CSS_SELECTOR, ".mgcb-prev")
    nxt = player.find_element(By.CSS_SELECTOR, ".mgcb-next")
    slider = player.find_element(By.CSS_SELECTOR, ".mgcb-slider")

    assert counter.text == "before the pass"
    assert caption.text.startswith("Before the backward pass")
    assert not prev.is_enabled()
    before = page_grads(browser, player)
    assert len(before) == 7 and set(before) == {"grad —"}  # w, x, w·x, b, +, a, C
    assert player.find_element(By.TAG_NAME, "svg").size["width"] > 200

    nxt.click()
    assert counter.text == "step 1 of 4"
    assert caption.text.startswith("Step 1 of 4: C")
    assert page_grads(browser, player) != before and "grad 1.0000" in page_grads(browser, player)

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert counter.text == "step 2 of 4" and caption.text.startswith("Step 2 of 4: a")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert counter.text == "step 1 of 4"

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert counter.text == "step 4 of 4" and not nxt.is_enabled()
    assert "grad —" not in page_grads(browser, player)  # every grad filled at the last step

    browser.execute_script(
        "arguments[0].value = 2; arguments[0].dispatchEvent(new Event('input'));", slider
    )
    assert counter.text == "step 2 of 4"
    assert player.get_attribute("data-current") == "2"
    assert browser_errors(browser) == []


def test_the_page_loads_nothing_from_the_network(browser, stepper_page):
    browser.get(stepper_page.as_uri())
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert urls == []


def test_two_inline_steppers_in_one_page_step_on_their_own(browser, tmp_path):
    C, w = stepper_graph()
    one, two = stepper(C, highlight=w, unfold=True), stepper(C, unfold=True)
    path = tmp_path / "notebook.html"
    path.write_text(
        page_html("two steppers", one._repr_html_() + two._repr_html_()), encoding="utf-8"
    )
    browser.get(path.as_uri())
    assert browser_errors(browser) == []
    first, second = browser.find_elements(By.CSS_SELECTOR, ".mgcb-player")
    second.find_element(By.CSS_SELECTOR, ".mgcb-next").click()
    second.find_element(By.CSS_SELECTOR, ".mgcb-next").click()
    assert second.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "step 2 of 4"
    assert first.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "before the pass"
    assert set(page_grads(browser, first)) == {"grad —"}
    assert set(page_grads(browser, second)) != {"grad —"}
    first.click()  # inline, the keys work once a stepper has focus: only that one moves
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert first.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "step 1 of 4"
    assert second.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "step 2 of 4"
    assert browser_errors(browser) == []


@needs_dot
def test_the_networks_stepper_fits_a_notebook_column_with_no_text_under_10_px():
    net = nn.chapter_network()
    C = losses.quadratic_cost(net([1, 0, 1]), Value(1.0, "y"))
    C.backward()
    show = stepper(C, highlight=net.layers[0].neurons[0].w[2])
    assert len(show) == 1 + 11  # C₀, a⁽²⁾₀, z⁽²⁾₀, four a⁽¹⁾ and four z⁽¹⁾ boxes with edges
    for svg in show.frame_svgs()[::4]:
        root = ET.fromstring(svg)
        width_px = float(root.get("width")[:-2]) * 96 / 72
        assert width_px <= 900
        assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) * 96 / 72 >= 10
