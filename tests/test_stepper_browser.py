"""The HTML stepper in headless Chromium: load it from file://, press next, see the frame change."""

import shutil

import pytest

from micrograd_cbook import Value
from micrograd_cbook.viz import write_frames

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

selenium = pytest.importorskip("selenium", reason="needs selenium (pip install selenium)")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip("needs Chromium and chromedriver (apt-get install chromium chromium-driver)",
                allow_module_level=True)
if shutil.which("dot") is None:
    pytest.skip("needs Graphviz's dot to draw the frames", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The stepper of C = σ(w·x + b)²: four backward steps."""
    w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
    a = (w * x + b).sigmoid()
    a.label = "a"
    C = a**2
    C.label = "C"
    return write_frames(C, tmp_path_factory.mktemp("frames"), show_local_grads=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except Exception as e:  # a browser that cannot start here is an environment problem
        pytest.skip(f"Chromium could not start: {str(e).splitlines()[0]}")
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def shown(driver) -> list[str]:
    """The ids of the frames the reader can see."""
    return [f.get_attribute("id") for f in driver.find_elements(By.CSS_SELECTOR, ".frame")
            if f.is_displayed()]


def test_next_button_and_arrow_keys_step_through_the_frames(browser, page):
    browser.get(page.as_uri())
    counter = browser.find_element(By.ID, "counter")
    caption = browser.find_element(By.ID, "caption")
    prev, nxt = browser.find_element(By.ID, "prev"), browser.find_element(By.ID, "next")

    assert shown(browser) == ["frame-1"]
    assert counter.text == "step 1 of 4"
    assert caption.text.startswith("Step 1 of 4: C")
    assert not prev.is_enabled()
    svg = browser.find_element(By.CSS_SELECTOR, "#frame-1 svg")
    assert svg.size["width"] > 100 and "grad 1.0000" in svg.text

    nxt.click()
    assert shown(browser) == ["frame-2"]
    assert counter.text == "step 2 of 4"
    assert caption.text.startswith("Step 2 of 4: a")

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert shown(browser) == ["frame-3"]
    assert counter.text == "step 3 of 4"

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    assert shown(browser) == ["frame-2"]

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert shown(browser) == ["frame-4"]
    assert not nxt.is_enabled()
    nxt_svg = browser.find_element(By.CSS_SELECTOR, "#frame-4 svg").text
    assert "grad —" not in nxt_svg  # every grad filled at the last step

    prev.click()
    assert shown(browser) == ["frame-3"]


def test_the_page_loads_nothing_from_the_network(browser, page):
    browser.get(page.as_uri())
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert urls == []
