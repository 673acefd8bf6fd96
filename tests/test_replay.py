"""The training replay: one offline page, sampled epochs, the run's own numbers, no side effects.

In headless Chromium the page loads with no error, and it moves: next, the slider and play
each change what the page shows: the caption, the loss curve, the decision boundary, the heat
maps and the example graph's numbers.
"""

import json
import math
import re

import pytest
from helpers import By, WebDriverWait, browser_errors, needs_dot, require_browser, start_browser

from micrograd_cbook import Value, datasets, nn
from micrograd_cbook.cli import main
from micrograd_cbook.training import fit
from micrograd_cbook.viz.replay import GRID, MAX_FRAMES, Replay


def page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    (payload,) = re.findall(
        r'<script type="application/json" class="mgcb-data">(.*?)</script>', text, re.S
    )
    return json.loads(payload.replace("<\\/", "</"))


def moons_run(epochs=100, replay=None, seed=0):
    X, y = datasets.moons(60, noise=0.1, seed=seed)
    y = datasets.signed(y)
    model = nn.MLP(2, [8, 1], activation="relu", output_activation="linear", seed=seed)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        epochs=epochs,
        lr=0.05,
        progress=False,
        threshold=0.0,
        replay=replay,
    )
    return model, history, X, y


def state(model) -> list:
    return [(p.data, p.grad) for p in model.parameters()]


@needs_dot
def test_a_replay_changes_nothing_in_the_run(tmp_path):
    plain_model, plain, _, _ = moons_run(30)
    model, history, _, _ = moons_run(30, replay=tmp_path)
    assert repr(state(model)) == repr(state(plain_model))  # weights and grads, bit for bit
    assert repr(history.loss) == repr(plain.loss) and history.final_loss == plain.final_loss
    assert (tmp_path / "index.html").exists()


@needs_dot
def test_many_epochs_are_sampled_with_the_first_and_the_last(tmp_path):
    moons_run(150, replay=tmp_path)
    data = page_data(tmp_path / "index.html")
    epochs = data["epochs"]
    assert len(epochs) == MAX_FRAMES and epochs[0] == 0 and epochs[-1] == 150
    assert epochs == sorted(set(epochs))
    assert len(data["captions"]) == len(epochs) == len(data["boundary"])
    assert data["captions"][0].startswith("Before training: loss")
    assert data["captions"][-1].startswith("After epoch 150 of 150: loss")
    assert len(data["loss"]["xy"]) == 151  # the whole curve, revealed epoch by epoch


@needs_dot
def test_the_page_shows_the_runs_own_numbers(tmp_path):
    model, history, _, _ = moons_run(40, replay=tmp_path)
    data = page_data(tmp_path / "index.html")
    # the caption of the last frame: the loss and accuracy after training
    last = data["captions"][-1]
    assert f"loss {history.final_loss:.4f}" in last
    assert f"accuracy {history.final_accuracy:.1%}" in last
    # the heat maps: the final weights, as integers of their layer's scale
    for layer, rows in zip(data["layers"], model.layers):
        flat = [v for n in rows.neurons for v in (*[w.data for w in n.w], n.b.data)]
        assert data["layers"] and len(layer["w"][-1]) == len(flat)
        assert layer["w"][-1] == [round(99 * v / layer["wscale"]) for v in flat]
        assert max(abs(v) for v in flat) <= layer["wscale"] * 1.001  # one scale for all epochs
        assert max(abs(v) for frame in layer["w"] for v in frame) == 99


@needs_dot
def test_the_decision_boundary_is_the_models_own(tmp_path):
    model, _, X, y = moons_run(40, replay=tmp_path)
    replay = Replay(
        tmp_path / "again", model, X, y, lambda o, t: o[0], epochs=0, threshold=0.0
    )  # records the trained model once
    bits = page_data(tmp_path / "index.html")["boundary"][-1]
    cells = [(int(bits[i // 4], 16) >> (3 - i % 4)) & 1 for i in range(GRID * GRID)]
    points = replay.grid_points()
    for (a, b), cell in zip(points, cells):
        score = model([a, b]).data  # the model itself is the oracle
        if abs(score) > 1e-9:
            assert cell == (score > 0.0), (a, b, score)
    assert 0 < sum(cells) < len(cells)  # both classes appear


@needs_dot
def test_the_example_graph_holds_its_numbers_epoch_by_epoch(tmp_path):
    net = nn.chapter_network()
    X, y = datasets.chapter_table()
    fit(net, X, y, epochs=20, lr=1.0, progress=False, replay=tmp_path)
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    data = page_data(tmp_path / "index.html")
    assert "w⁽²⁾₀,₃" in text and ">y<" in text  # the chapter's names; the target is named
    grads = [c for p, c in zip(data["props"], data["changes"]) if p[0].endswith("-grad")]
    assert grads and all(len(c) >= 4 for c in grads[:10])  # they change with the epochs
    assert not (tmp_path / "index.html").read_text().count("http://") > text.count(
        "http://www.w3.org"
    )  # nothing from the network


def graph_texts(path) -> list[str]:
    """The texts of the example's graph (the page's one Graphviz SVG)."""
    text = path.read_text(encoding="utf-8")
    svg = text[text.index('<svg xmlns="http://www.w3.org/2000/svg" width=') :]
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg[: svg.index("</svg>")])


@needs_dot
def test_the_example_is_one_whose_weights_have_grads_and_is_drawn_down_to_them(tmp_path):
    moons_run(60, replay=tmp_path)
    data = page_data(tmp_path / "index.html")
    grads = [c for p, c in zip(data["props"], data["changes"]) if p[0].endswith("-grad")]
    texts = graph_texts(tmp_path / "index.html")
    assert any(t.startswith("w⁽²⁾₀,") for t in texts)  # the last layer's weights are boxes
    live = [c for c in grads if any(v not in ("0.0000", "grad 0.0000") for v in c[1::2])]
    assert live  # its weights' grads are not all 0 frame after frame
    frames = len(data["epochs"])
    moving = {k for c in live for k in c[0::2]}
    assert len(moving) > frames // 2  # they change in most frames, not in a few


@needs_dot
def test_a_digits_replay_draws_one_outputs_tree(tmp_path):
    X, y = datasets.digits()
    X, y = X[:40], y[:40]
    model = nn.MLP(64, [10], activation="linear", seed=0)
    fit(model, X, y, loss="cross_entropy", epochs=2, lr=0.1, progress=False, replay=tmp_path)
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "64 inputs" in text and "0.0000, 0.0000, 0.0000" not in text  # no 64 pixels listed
    texts = graph_texts(tmp_path / "index.html")
    row = int(re.search(r"row (\d+)'s 64 inputs", text)[1])
    unit = y[row]
    weights = [t for t in texts if t.startswith("w⁽¹⁾")]
    assert weights and all(t.startswith(f"w⁽¹⁾{chr(0x2080 + unit)},") for t in weights)


@needs_dot
def test_a_100_epoch_moons_replay_stays_small(tmp_path):
    X, y = datasets.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    fit(
        model,
        X,
        datasets.signed(y),
        loss="hinge",
        epochs=100,
        lr=0.05,
        progress=False,
        threshold=0.0,
        replay=tmp_path,
    )
    size = (tmp_path / "index.html").stat().st_size
    assert size < 300_000, size


def test_a_function_as_replay_is_called_after_each_epoch():
    calls = []
    X, y = datasets.xor()
    model = nn.MLP(2, [3, 1], seed=0)
    fit(model, X, y, epochs=4, progress=False, replay=lambda e, h: calls.append((e, len(h.loss))))
    assert calls == [(1, 1), (2, 2), (3, 3), (4, 4)]


@needs_dot
def test_zero_epochs_write_the_model_before_training(tmp_path):
    X, y = datasets.xor()
    fit(nn.MLP(2, [3, 1], seed=0), X, y, epochs=0, progress=False, replay=tmp_path)
    data = page_data(tmp_path / "index.html")
    assert data["epochs"] == [0]


def test_a_folder_that_cannot_be_made_fails_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    X, y = datasets.xor()
    model = nn.MLP(2, [3, 1], seed=0)
    before = state(model)
    with pytest.raises(OSError):
        fit(model, X, y, epochs=3, progress=False, replay=blocker / "replay")
    assert state(model) == before


def test_a_model_that_is_not_an_mlp_still_replays(tmp_path):
    w = Value(0.3, "w")

    class Line:
        def parameters(self):
            return [w]

        def __call__(self, x):
            return w * x[0]

    fit(
        Line(),
        [[1.0], [2.0]],
        [2.0, 4.0],
        loss="mse",
        epochs=3,
        lr=0.1,
        progress=False,
        replay=tmp_path,
    )
    data = page_data(tmp_path / "index.html")
    assert len(data["layers"]) == 1 and "boundary" not in data
    assert math.isfinite(data["layers"][0]["wscale"])


# ------------------------------------------------------------------- command line


@needs_dot
def test_train_replay_writes_the_page_and_says_so(tmp_path, capsys):
    replay = tmp_path / "replay"
    args = [
        "train",
        "--data",
        "xor",
        "--hidden",
        "4",
        "--epochs",
        "5",
        "--out",
        str(tmp_path / "run"),
        "--replay",
        str(replay),
        "--no-progress",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert str(replay / "index.html") in out
    assert page_data(replay / "index.html")["epochs"] == [0, 1, 2, 3, 4, 5]


def test_train_replay_into_a_file_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = [
        "train",
        "--data",
        "xor",
        "--epochs",
        "2",
        "--out",
        str(tmp_path / "run"),
        "--replay",
        str(blocker / "replay"),
        "--no-progress",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("micrograd-cbook train: error: cannot create the --replay folder")
    assert err.count("\n") == 1


# ------------------------------------------------------------------ the page in a browser


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replay")
    X, y = datasets.moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=0)
    fit(
        model,
        X,
        datasets.signed(y),
        loss="hinge",
        epochs=30,
        lr=0.1,
        progress=False,
        threshold=0.0,
        replay=folder,
    )
    return folder / "index.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_browser()
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def look(driver) -> dict:
    """What the page shows now: caption, curve, boundary and heat-map pixels, graph numbers."""
    return driver.execute_script("""
      var root = document.querySelector(".mgcb-player");
      var maps = Array.prototype.map.call(root.querySelectorAll("canvas"),
                                          function (c) { return c.toDataURL(); });
      var texts = Array.prototype.map.call(root.querySelectorAll(".mgcb-figure svg text"),
                                           function (t) { return t.textContent; });
      return {caption: root.querySelector(".mgcb-caption").textContent,
              counter: root.querySelector(".mgcb-counter").textContent,
              curve: root.querySelector("polyline").getAttribute("points"),
              canvases: maps, graph: texts.join(" ")};
    """)


def test_the_replay_loads_and_next_and_the_slider_change_everything(browser, page):
    browser.get(page.as_uri())
    assert browser_errors(browser) == []
    first = look(browser)
    assert first["counter"] == "before training" and first["caption"].startswith("Before")
    assert len(first["canvases"]) == 1 + 2 * 2  # the boundary, then w and ∂C/∂w per layer
    assert "data" in first["graph"] and "grad" in first["graph"]

    browser.find_element(By.CSS_SELECTOR, ".mgcb-next").click()
    second = look(browser)
    assert second["counter"] == "after epoch 1 of 30"
    assert second["curve"] != first["curve"] and second["graph"] != first["graph"]
    assert second["canvases"][1:] != first["canvases"][1:]  # the weights moved

    slider = browser.find_element(By.CSS_SELECTOR, ".mgcb-slider")
    browser.execute_script(
        "arguments[0].value = arguments[0].max; arguments[0].dispatchEvent(new Event('input'));",
        slider,
    )
    last = look(browser)
    assert last["counter"] == "after epoch 30 of 30"
    assert last["caption"].startswith("After epoch 30 of 30: loss")
    assert last["canvases"][0] != first["canvases"][0]  # the boundary moved
    assert len(last["curve"].split()) == 31
    assert browser_errors(browser) == []


def test_play_steps_on_by_itself_and_pause_stops_it(browser, page):
    browser.get(page.as_uri())
    play = browser.find_element(By.CSS_SELECTOR, ".mgcb-play")
    play.click()
    WebDriverWait(browser, 10).until(
        lambda d: look(d)["counter"] not in ("before training", "after epoch 1 of 30")
    )
    assert "pause" in play.text
    play.click()
    stopped = look(browser)["counter"]
    assert "play" in play.text
    browser.execute_script("return new Promise(function (r) { setTimeout(r, 1200); });")
    assert look(browser)["counter"] == stopped
    assert browser_errors(browser) == []


def test_the_replay_loads_nothing_from_the_network(browser, page):
    browser.get(page.as_uri())
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert urls == []
