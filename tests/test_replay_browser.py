"""The training replay in headless Chromium: it loads with no error, and it moves.

Next, the slider and play each change what the page shows: the caption, the loss curve, the
decision boundary, the heat maps and the example graph's numbers.
"""

import pytest
from browser import errors, require_browser, start

from micrograd_cbook import datasets, nn
from micrograd_cbook.training import fit

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


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
    driver = start(tmp_path_factory.mktemp("chromium-profile"))
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
    assert errors(browser) == []
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
    assert errors(browser) == []


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
    assert errors(browser) == []


def test_the_replay_loads_nothing_from_the_network(browser, page):
    browser.get(page.as_uri())
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert urls == []
