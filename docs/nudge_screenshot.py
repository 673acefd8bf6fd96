"""Take docs/nudge.png: the nudge page of the chapter's chain at 900 px, w nudged by Δw = 0.8.

The PNG has twice the page's pixels (as docs/pictures.py's): shown 900 px wide, it is sharp.

Run from the repository's root: ``python docs/nudge_screenshot.py``. It needs Graphviz,
selenium, Chromium and chromedriver (as the browser tests do).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from selenium import webdriver

from micrograd_cbook import Value
from micrograd_cbook.engine import Parameter
from micrograd_cbook.files import write_atomic
from micrograd_cbook.viz import nudge

HERE = Path(__file__).resolve().parent
WIDTH = 900  # the width of a notebook's page, as the browser tests see it
POSITION = 160  # of the slider's ±200: Δw = 0.8, far enough for the tangent to part


def chain() -> tuple[Value, Value]:
    """The README's quick tour: w, x, b → z → a → C₀ = ½(y − a)², w and b parameters."""
    w, x, b, y = Parameter(0.5, "w"), Value(1.5, "x"), Parameter(0.1, "b"), Value(1.0, "y")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = 0.5 * (y - a) ** 2
    C.label = "C"
    return C, w


def main() -> None:
    C, w = chain()
    folder = Path(tempfile.mkdtemp())
    page, profile = folder / "nudge.html", folder / "profile"
    write_atomic(page, nudge(C, w).page())
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_window_size(WIDTH, 1000)
        driver.get(page.as_uri())
        driver.execute_script(
            "var s = document.querySelector('.mgcb-slider'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input'));",
            POSITION,
        )
        height = driver.execute_script("return document.documentElement.scrollHeight")
        metrics = {"width": WIDTH, "height": height, "deviceScaleFactor": 2, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # the whole page
        time.sleep(0.2)
        driver.save_screenshot(str(HERE / "nudge.png"))
    finally:
        driver.quit()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote {HERE / 'nudge.png'}")


if __name__ == "__main__":
    main()
