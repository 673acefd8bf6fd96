"""The stepper in headless Chromium: the page from file://, two steppers inline in one page.

Each page loads with no JavaScript error; next, the arrow keys and the slider change what is
shown; two steppers in one page (as in a notebook) never touch each other.
"""

import pytest
from browser import errors, require_browser, start

from micrograd_cbook import Value
from micrograd_cbook.viz import stepper, write_frames
from micrograd_cbook.viz.player import page_html

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


def graph():
    """C = σ(w·x + b)²: four backward steps."""
    w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
    a = (w * x + b).sigmoid()
    a.label = "a"
    C = a**2
    C.label = "C"
    return C, w


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    C, w = graph()
    return write_frames(C, tmp_path_factory.mktemp("frames"), show_local_grads=True, highlight=w)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def grads(driver, player) -> list[str]:
    """The grad texts a player's picture shows now."""
    return [
        t.text
        for t in player.find_elements(By.CSS_SELECTOR, "svg text")
        if (t.get_attribute("id") or "").endswith("-grad")
    ]


def test_the_page_steps_with_buttons_keys_and_the_slider(browser, page):
    browser.get(page.as_uri())
    assert errors(browser) == []
    player = browser.find_element(By.CSS_SELECTOR, ".mgcb-player")
    counter = player.find_element(By.CSS_SELECTOR, ".mgcb-counter")
    caption = player.find_element(By.CSS_SELECTOR, ".mgcb-caption")
    prev = player.find_element(By.CSS_SELECTOR, ".mgcb-prev")
    nxt = player.find_element(By.CSS_SELECTOR, ".mgcb-next")
    slider = player.find_element(By.CSS_SELECTOR, ".mgcb-slider")

    assert counter.text == "before the pass"
    assert caption.text.startswith("Before the backward pass")
    assert not prev.is_enabled()
    before = grads(browser, player)
    assert len(before) == 7 and set(before) == {"grad —"}  # w, x, w·x, b, +, a, C
    assert player.find_element(By.TAG_NAME, "svg").size["width"] > 200

    nxt.click()
    assert counter.text == "step 1 of 4"
    assert caption.text.startswith("Step 1 of 4: C")
    assert grads(browser, player) != before and "grad 1.0000" in grads(browser, player)

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert counter.text == "step 2 of 4" and caption.text.startswith("Step 2 of 4: a")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert counter.text == "step 1 of 4"

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert counter.text == "step 4 of 4" and not nxt.is_enabled()
    assert "grad —" not in grads(browser, player)  # every grad filled at the last step

    browser.execute_script(
        "arguments[0].value = 2; arguments[0].dispatchEvent(new Event('input'));", slider
    )
    assert counter.text == "step 2 of 4"
    assert player.get_attribute("data-current") == "2"
    assert errors(browser) == []


def test_the_page_loads_nothing_from_the_network(browser, page):
    browser.get(page.as_uri())
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert urls == []


def test_two_inline_steppers_in_one_page_step_on_their_own(browser, tmp_path):
    C, w = graph()
    one, two = stepper(C, highlight=w), stepper(C)
    path = tmp_path / "notebook.html"
    path.write_text(
        page_html("two steppers", one._repr_html_() + two._repr_html_()), encoding="utf-8"
    )
    browser.get(path.as_uri())
    assert errors(browser) == []
    first, second = browser.find_elements(By.CSS_SELECTOR, ".mgcb-player")
    second.find_element(By.CSS_SELECTOR, ".mgcb-next").click()
    second.find_element(By.CSS_SELECTOR, ".mgcb-next").click()
    assert second.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "step 2 of 4"
    assert first.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "before the pass"
    assert set(grads(browser, first)) == {"grad —"}
    assert set(grads(browser, second)) != {"grad —"}
    first.click()  # inline, the keys work once a stepper has focus: only that one moves
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert first.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "step 1 of 4"
    assert second.find_element(By.CSS_SELECTOR, ".mgcb-counter").text == "step 2 of 4"
    assert errors(browser) == []
