"""viz.nudge: the page that nudges w and shows the change pass up to C, checked in Python and in
headless Chromium.

Python: the page is self-contained, its labels are text that cannot end a script, it refuses
what it cannot nudge, and it leaves every ``.data`` and ``.grad`` as it found them. In the
browser, read from the DOM: the page loads offline with no console error and fetches nothing;
moving the slider to a Δw shows C, and every value drawn, as Python computes them at w + Δw;
the tangent's slope is w.grad; each edge on w's paths shows its factor × the change below;
the chain rule's error shrinks like Δw²; a leaf clicked is nudged instead; a point where the
graph raises reads as the engine's message; the chapter's network's page is under 300 KB.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
from html.parser import HTMLParser

import pytest
from helpers import By, Keys, browser_errors, needs_dot, require_browser, start_browser
from hypothesis import given, settings
from strategies import ENGINE, SETTINGS, programs, run

from micrograd_cbook import Value, losses, nn, topological_order
from micrograd_cbook.notation import number
from micrograd_cbook.viz import nudge
from micrograd_cbook.viz.nudge import span_of
from micrograd_cbook.viz.player import page_html


def chain(w_value: float = 0.5, x_value: float = 1.5):
    """The chapter's single path: z = w·x + b, a = σ(z), C = ½(y − a)²."""
    w, x, b, y = Value(w_value, "w"), Value(x_value, "x"), Value(0.1, "b"), Value(1.0, "y")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = 0.5 * (y - a) ** 2
    C.label = "C"
    return C, w


def network(weight: float | None = None):
    """The chapter's network on [0, 1, 1], target 1; its weight w1[1,2] (moved to ``weight``)."""
    net = nn.chapter_network()
    w = net.layers[0].neurons[1].w[2]
    if weight is not None:
        w.data = weight
    return losses.quadratic_cost(net([0, 1, 1]), Value(1.0, "y")), w


def boxes(root: Value, wrt: Value, **options) -> list[Value]:
    """The values the page draws, in the order of its boxes n0, n1, ..."""
    return nudge(root, wrt, **options).graph.order


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def snapshot(root: Value) -> list[tuple[bytes, bytes]]:
    return [(bits(n.data), bits(n.grad)) for n in topological_order(root)]


def near(a: float, b: float, ulps: int = 8) -> bool:
    """Within a few ulp: JavaScript's exp may differ from C's in its last bits."""
    return repr(a) == repr(b) or abs(a - b) <= ulps * math.ulp(max(abs(a), abs(b)))


class Scripts(HTMLParser):
    """The script elements of a page, as a browser's parser splits them."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def scripts_of(page: str) -> list[tuple[dict, str]]:
    parser = Scripts()
    parser.feed(page)
    return parser.scripts


# ------------------------------------------------------------------ in Python


def test_the_slider_runs_over_a_round_range_from_ws_scale():
    assert [span_of(x) for x in (0.0, 0.5, -1.0, 1.5, -3.0, 7.0, 20.0, 1e3)] == [
        1.0, 1.0, 1.0, 2.0, 5.0, 10.0, 20.0, 1000.0,
    ]  # fmt: skip
    assert span_of(math.nan) == span_of(math.inf) == 1.0


@needs_dot
def test_the_page_is_self_contained_and_its_ids_are_its_own():
    C, w = chain()
    one, two = nudge(C, w), nudge(C, w)
    text = one._repr_html_()
    assert one.uid != two.uid
    assert re.findall(r"https?://[^\s\"']+", text) == ["http://www.w3.org/2000/svg"] * len(
        re.findall("http://www.w3.org/2000/svg", text)
    )  # only the SVG namespace: nothing to fetch
    assert not re.search(r"\b(src|href)=", text.replace('xlink:href="#', ""))
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert ids and all(i.startswith(one.uid) for i in ids) and len(ids) == len(set(ids))
    assert one.page().startswith("<!DOCTYPE html>")


EVIL = '</script><script>hit=1</script><!--&"\u2028'  # 38 characters: shown whole


@needs_dot
def test_labels_reach_the_page_as_text_that_cannot_end_a_script():
    C, w = chain()
    w.label = EVIL
    page = nudge(C, w).page()
    scripts = scripts_of(page)
    assert len(scripts) == 2  # the data and the code: no label opened or closed another
    data = json.loads(scripts[0][1])
    assert EVIL in data["names"] and "</" not in scripts[0][1] and "<!--" not in scripts[0][1]
    assert "</" not in scripts[1][1] and "<!--" not in scripts[1][1]


@needs_dot
def test_the_network_page_is_under_300_kb_and_computes_in_the_page():
    C, w = network()
    page = nudge(C, w).page()
    assert len(page.encode()) < 300_000
    code = scripts_of(page)[1][1]
    assert "const _graph = function (_inputs, _params)" in code
    assert "_sigmoid" not in code and "_exp(" in code  # the table's source, written out


@needs_dot
@pytest.mark.parametrize("make", [chain, network])
def test_the_page_leaves_every_data_and_grad_as_it_was(make):
    C, w = make()
    C.backward()
    w.grad += 1.5  # an accumulated grad, kept as it is
    before = snapshot(C)
    nudge(C, w).page()
    assert snapshot(C) == before


@needs_dot
@settings(max_examples=25, **SETTINGS)
@given(programs(max_steps=6))
def test_a_random_graphs_page_leaves_every_data_and_grad_as_it_was(prog):
    leaves = [Value(v, f"x{i}") for i, v in enumerate(prog.leaves)]
    root = run(prog, leaves, ENGINE)[-1]
    before = snapshot(root)
    wrt = next(n for n in topological_order(root) if not n.children and type(n) is Value)
    nudge(root, wrt).html()
    assert snapshot(root) == before


def test_what_cannot_be_nudged_is_refused_with_a_reason():
    C, w = chain()
    z = C.children[1].children[0].children[1]  # a, below (y − a)
    with pytest.raises(TypeError, match="leaf Value"):
        nudge(C, 0.5)
    with pytest.raises(ValueError, match="not in the graph"):
        nudge(C, Value(1.0, "elsewhere"))
    with pytest.raises(ValueError, match=r"computed .*not a leaf"):
        nudge(C, z)
    with pytest.raises(ValueError, match="constant"):
        nudge(C, C.children[0])  # the ½
    with pytest.raises(TypeError, match="highlight"):
        nudge(C, w, highlight=w)
    with pytest.raises(TypeError, match="unknown draw option"):
        nudge(C, w, colour="red")
    with pytest.raises(ValueError, match="below stop_at"):
        nudge(C, w, stop_at=[z])
    mine = Value(w.data**3, "cube", children=(w,), local_grads=(3 * w.data**2,), op="cube")
    with pytest.raises(ValueError, match="made by hand"):
        nudge(mine * 2, w)


# ------------------------------------------------------------------ in the browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_browser()
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def open_page(browser, tmp_path, page, name="nudge.html"):
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    browser.get(path.as_uri())
    assert browser_errors(browser) == []
    return browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")


def slide(browser, root, position: int) -> float:
    """Move the slider to ``position`` (of ±200); the Δw the page shows."""
    slider = root.find_element(By.CSS_SELECTOR, ".mgcb-slider")
    browser.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));",
        slider,
        position,
    )
    return float(root.get_attribute("data-delta"))


def type_delta(root, words: str) -> None:
    box = root.find_element(By.CSS_SELECTOR, ".mgcb-typed")
    box.clear()
    box.send_keys(words, Keys.ENTER)


def readout(root, name: str) -> tuple[str, float]:
    cell = root.find_element(By.CSS_SELECTOR, f".mgcb-r-{name}")
    return cell.text, float(cell.get_attribute("data-value"))


def drawn_texts(browser, uid: str, n: int, part: str) -> list[str | None]:
    """The text of part ``part`` ("data", "grad") of each drawn box n0, n1, ..."""
    return browser.execute_script(
        "var uid = arguments[0], part = arguments[2];"
        "return Array.from({length: arguments[1]}, function (_, i) {"
        "  var e = document.getElementById(uid + '-n' + i + '-' + part);"
        "  return e ? e.textContent : null; });",
        uid,
        n,
        part,
    )


@pytest.fixture(scope="module")
def chain_page(tmp_path_factory):
    C, w = chain()
    show = nudge(C, w)
    path = tmp_path_factory.mktemp("nudge") / "chain.html"
    path.write_text(show.page(), encoding="utf-8")
    return path, show


def test_the_page_loads_offline_with_no_console_error_and_fetches_nothing(browser, chain_page):
    path, _ = chain_page
    browser.get(path.as_uri())
    assert browser_errors(browser) == []
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert urls == []
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    assert root.get_attribute("data-ready") == "1"
    assert root.find_element(By.CSS_SELECTOR, ".mgcb-figure svg").size["width"] > 200


def test_moving_the_slider_shows_c_and_every_value_at_w_plus_delta(browser, chain_page):
    path, show = chain_page
    browser.get(path.as_uri())
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    _, c0 = readout(root, "cost")
    for position in (160, -37, 5, 200):
        delta = slide(browser, root, position)
        assert delta == position * show.span / 200
        moved, _ = chain(0.5 + delta)
        shown, value = readout(root, "cost")
        assert near(value, moved.data) and shown == number(moved.data)
        assert near(float(root.get_attribute("data-cost")), moved.data)
        _, actual = readout(root, "actual")
        assert near(actual, moved.data - c0, 64)
        new = boxes(*chain(0.5 + delta))
        data = drawn_texts(browser, show.uid, len(new), "data")
        assert data == [f"data {number(n.data)}" for n in new]
        old = show.graph.order
        changes = drawn_texts(browser, show.uid, len(new), "grad")
        on_path = [n for n, t in zip(new, changes) if t.startswith("Δ")]
        assert [n.label for n in on_path if n.label] == ["w", "z", "a", "C"]
        for n, before, t in zip(new, old, changes):
            if t.startswith("Δ"):
                d = n.data - before.data
                assert t in (f"Δ +{number(d)}" if d > 0 else f"Δ {number(d)}",), (n, t)
    assert browser_errors(browser) == []


def test_the_tangents_slope_is_w_grad(browser, chain_page):
    path, _ = chain_page
    browser.get(path.as_uri())
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    C, w = chain()
    C.backward()
    tangent = root.find_element(By.CSS_SELECTOR, ".mgcb-tangent")
    slope = float(tangent.get_attribute("data-slope"))
    assert near(slope, w.grad, 4) and near(float(root.get_attribute("data-slope")), w.grad, 4)
    x0, y0, x1, y1 = (float(tangent.get_attribute(f"data-{k}")) for k in ("x0", "y0", "x1", "y1"))
    assert math.isclose((y1 - y0) / (x1 - x0), w.grad, rel_tol=1e-12)
    assert math.isclose(y0, C.data + w.grad * x0, rel_tol=1e-12)  # through (0, C(w))
    delta = slide(browser, root, 80)
    _, predicted = readout(root, "predicted")
    assert predicted == slope * delta  # the chain rule's ∂C/∂w · Δw, as the page multiplied it
    assert readout(root, "gradient")[0] == number(grad_at(delta))  # recomputed there


def grad_at(delta: float) -> float:
    """∂C/∂w at w + Δw, by backward()."""
    C, w = chain(0.5 + delta)
    C.backward()
    return w.grad


def test_each_edge_on_ws_path_shows_its_factor_times_the_change_below(browser, chain_page):
    path, show = chain_page
    browser.get(path.as_uri())
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    labelled = [(e, i, j, f, plain) for e, i, j, f, plain in show.edges if plain is not None]

    def labels() -> dict[str, str]:
        return {e: browser.find_element(By.ID, f"{show.uid}-{e}-label").text for e, *_ in labelled}

    drawn = labels()
    delta = slide(browser, root, 120)
    old, new = show.graph.order, boxes(*chain(0.5 + delta))
    on_path = {
        i for i, t in enumerate(drawn_texts(browser, show.uid, len(old), "grad")) if "Δ" in t
    }
    shown, checked = labels(), set()
    for e, i, j, f, plain in labelled:
        d = new[j].data - old[j].data  # the change below the edge
        if j in on_path:  # its factor as drawn → the change it passes up, factor × change
            assert shown[e] == f"{plain} → {'+' if f * d > 0 else ''}{number(f * d)}", shown[e]
            checked.add(old[i].label)
        else:
            assert shown[e] == drawn[e] == plain  # off w's paths: as drawn
    assert {"z", "a", "C"} <= checked
    a = next(i for i, n in enumerate(old) if n.label == "a")
    (into_a,) = [f for _, i, _, f, _ in show.edges if i == a]  # Δa ≈ ∂a/∂z · Δz = σ'(z) · Δz
    assert math.isclose(into_a, old[a].data * (1 - old[a].data), rel_tol=1e-12)
    assert "∂a/∂z = " in shown[next(e for e, i, *_ in labelled if i == a)]  # the chapter's name


def test_typing_a_delta_and_reset(browser, chain_page):
    path, _ = chain_page
    browser.get(path.as_uri())
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    type_delta(root, "0.25")
    assert root.get_attribute("data-delta") == "0.25"
    assert near(readout(root, "cost")[1], chain(0.75)[0].data)
    type_delta(root, "−3")  # a true minus sign, beyond the slider's range
    assert root.get_attribute("data-delta") == "-3.0"
    assert near(readout(root, "cost")[1], chain(-2.5)[0].data)
    type_delta(root, "abc")
    box = root.find_element(By.CSS_SELECTOR, ".mgcb-typed")
    assert "mgcb-bad" in box.get_attribute("class")
    assert "must be a number" in root.find_element(By.CSS_SELECTOR, ".mgcb-note").text
    assert root.get_attribute("data-delta") == "-3.0"  # unchanged
    root.find_element(By.CSS_SELECTOR, ".mgcb-reset").click()
    assert root.get_attribute("data-delta") == "0.0"
    assert near(readout(root, "cost")[1], chain()[0].data)
    assert readout(root, "actual")[1] == 0.0
    assert browser_errors(browser) == []


def test_the_chain_rules_error_shrinks_like_delta_squared(browser, chain_page):
    path, _ = chain_page
    browser.get(path.as_uri())
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    differences, ratios = [], []
    for words in ("0.2", "0.1", "0.05", "0.025"):
        type_delta(root, words)
        delta = float(words)
        actual, predicted = readout(root, "actual")[1], readout(root, "predicted")[1]
        difference = readout(root, "difference")[1]
        assert difference == actual - predicted
        assert abs(difference) < abs(actual)  # the tangent is close: more so for smaller Δw
        differences.append(difference)
        ratios.append(readout(root, "ratio")[1])
        assert ratios[-1] == difference / (delta * delta)
    for big, small in itertools.pairwise(differences):
        assert 3.5 < big / small < 4.5  # halve Δw: a quarter of the difference
    # ½ ∂²C/∂w², by central differences of the chain's own grads: what the ratio settles to
    h = 1e-4
    second = (grad_at(h) - grad_at(-h)) / (2 * h)
    assert math.isclose(ratios[-1], second / 2, rel_tol=0.05)


def test_clicking_a_leaf_nudges_it_instead(browser, chain_page):
    path, show = chain_page
    browser.get(path.as_uri())
    root = browser.find_element(By.CSS_SELECTOR, ".mgcb-nudge")
    x_index = next(i for i, n in enumerate(show.graph.order) if n.label == "x")
    browser.find_element(By.ID, f"{show.uid}-n{x_index}").click()
    names = {s.text for s in root.find_elements(By.CSS_SELECTOR, ".mgcb-w")}
    assert names == {"x"}
    C, _ = chain()
    x = next(n for n in topological_order(C) if n.label == "x")
    C.backward()
    assert near(float(root.get_attribute("data-slope")), x.grad, 4)
    delta = slide(browser, root, 100)
    assert delta == span_of(1.5) / 2
    assert near(readout(root, "cost")[1], chain(0.5, 1.5 + delta)[0].data)
    assert browser_errors(browser) == []


def test_a_point_where_the_graph_raises_reads_as_the_engines_message(browser, tmp_path):
    w, x = Value(0.5, "w"), Value(3.0, "x")
    C = w.log() * x
    C.label = "C"
    root = open_page(browser, tmp_path, nudge(C, w).page())
    type_delta(root, "-0.75")
    with pytest.raises(ValueError) as raised:
        Value(-0.25).log()
    note = root.find_element(By.CSS_SELECTOR, ".mgcb-note").text
    assert note.endswith(f"ValueError: {raised.value}")
    assert root.get_attribute("data-cost") == "error"
    type_delta(root, "0.5")  # defined again
    assert near(readout(root, "cost")[1], math.log(1.0) * 3.0)
    assert browser_errors(browser) == []


def test_the_networks_page_shows_a_layer_1_weights_nudge_through_layer_2(browser, tmp_path):
    C, w = network()
    show = nudge(C, w)
    page = show.page()
    assert len(page.encode()) < 300_000
    root = open_page(browser, tmp_path, page)
    delta = slide(browser, root, -150)
    moved, moved_w = network(w.data + delta)
    new = boxes(moved, moved_w)
    moved.backward()
    data_word, grad_word = show.words  # (a crowded picture writes the numbers alone)
    assert drawn_texts(browser, show.uid, len(new), "data") == [
        f"{data_word}{number(n.data)}" for n in new
    ]
    changes = dict(zip(new, drawn_texts(browser, show.uid, len(new), "grad")))
    by_label = {n.label: n for n in new}
    for name in ("w1[1,2]", "z1[1]", "a1[1]", "z2[0]", "a2[0]", "C"):  # equation (B)'s path
        assert changes[by_label[name]].startswith("Δ "), name
    for name in ("w1[0,2]", "a1[0]", "w2[0,1]"):  # off it: their grads at the nudged point
        n = by_label[name]
        assert changes[n] == f"{grad_word}{number(n.grad)}", name
    assert near(readout(root, "cost")[1], moved.data)
    assert browser_errors(browser) == []


def test_two_pages_in_one_notebook_move_on_their_own(browser, tmp_path):
    C, w = chain()
    one, two = nudge(C, w), nudge(C, w)
    page = page_html("two", one._repr_html_() + two._repr_html_())
    open_page(browser, tmp_path, page)
    first, second = browser.find_elements(By.CSS_SELECTOR, ".mgcb-nudge")
    slide(browser, second, 100)
    assert first.get_attribute("data-delta") == "0.0"
    assert second.get_attribute("data-delta") == "0.5"
    assert browser_errors(browser) == []


def test_a_label_holding_a_script_end_is_shown_as_text(browser, tmp_path):
    C, w = chain()
    w.label = EVIL
    root = open_page(browser, tmp_path, nudge(C, w).page())
    assert browser.execute_script("return window.hit === undefined")
    assert browser.execute_script("return document.scripts.length") == 2
    names = {s.get_attribute("textContent") for s in root.find_elements(By.CSS_SELECTOR, ".mgcb-w")}
    assert names == {EVIL}
    slide(browser, root, 50)
    assert near(readout(root, "cost")[1], chain(0.5 + 0.25)[0].data)
    assert browser_errors(browser) == []


@pytest.mark.parametrize("style", ["micrograd", "compact"])
def test_every_style_and_a_nan_value_load_with_no_console_error(browser, tmp_path, style):
    w, q = Value(0.5, "w"), Value(math.nan, "q")
    C = (w * 3.0).tanh() + q * w
    C.label = "C"
    root = open_page(browser, tmp_path, nudge(C, w, style=style).page())
    slide(browser, root, 120)
    assert root.get_attribute("data-cost") == "nan"
    assert root.find_element(By.CSS_SELECTOR, ".mgcb-point").get_attribute("visibility") == "hidden"
    assert browser_errors(browser) == []  # no nan coordinate was set


def test_the_micrograd_style_shows_the_change_on_every_value(browser, tmp_path):
    C, w = chain()
    show = nudge(C, w, style="micrograd")
    root = open_page(browser, tmp_path, show.page())
    delta = slide(browser, root, 100)
    new = boxes(*chain(0.5 + delta), style="micrograd")
    assert drawn_texts(browser, show.uid, len(new), "data") == [
        f"data {number(n.data)}" for n in new
    ]
    assert browser_errors(browser) == []
