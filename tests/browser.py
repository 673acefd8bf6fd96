"""Headless Chromium for the page tests: skipped with a reason when a tool is missing."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def require_browser() -> None:
    """Skip the calling test module unless selenium, Chromium, chromedriver and dot are there."""
    pytest.importorskip("selenium", reason="needs selenium (pip install selenium)")
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "needs Chromium and chromedriver (apt-get install chromium chromium-driver)",
            allow_module_level=True,
        )
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot to draw the pictures", allow_module_level=True)


def start(profile_dir):
    """A headless Chromium at a notebook's width that keeps the page's console messages."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=900,1000",
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except Exception as e:  # a browser that cannot start here is an environment problem
        pytest.skip(f"Chromium could not start: {str(e).splitlines()[0]}")
    driver.set_page_load_timeout(20)
    return driver


def errors(driver) -> list[str]:
    """The JavaScript errors logged since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
