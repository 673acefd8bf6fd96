"""Small helpers the tests share: floats bit for bit, the command line in-process, dot and SVG,
a headless browser."""

import shutil

import pytest

from micrograd_cbook.cli import main

try:  # the page tests skip without selenium: require_browser() says how to install it
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    By = Keys = WebDriverWait = None

__all__ = [
    "CHAIN",
    "SVG",
    "VALUES",
    "By",
    "Keys",
    "WebDriverWait",
    "assert_same_floats",
    "browser_errors",
    "needs_dot",
    "one_line_error",
    "require_browser",
    "run_cli",
    "run_javascript",
    "start_browser",
]

SVG = "{http://www.w3.org/2000/svg}"  # the namespace of every tag ElementTree reads in an SVG
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")

# ------------------------------------------------------------------ floats bit for bit


def assert_same_floats(a, b) -> None:
    """``a`` and ``b`` (floats, or nested lists and tuples of them) are the same floats, bit
    for bit: nan and the sign of zero included (``repr`` tells -0.0 from 0.0).

    Used to compare a one-node sum against the chain of plain + nodes it replaces: the
    engine's sums add left to right (not with ``sum()``, which Python 3.12 made compensated),
    so on every Python they give exactly the floats of the plain graph.
    """
    assert repr(a) == repr(b)


# ------------------------------------------------------------------ the command line


VALUES = ["--set", "w=0.5", "x=1.5", "b=0.1"]  # the neuron's numbers, as --set takes them
CHAIN = "z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2"  # the neuron as step formulas


def run_cli(args, capsys):
    """main(args) → (exit code, stdout, stderr), whether it returns or raises SystemExit."""
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(args, capsys) -> str:
    """Run a command expecting a user error: exit 2 and exactly one line on stderr."""
    code, _, err = run_cli(args, capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------ headless Chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def require_browser() -> None:
    """Skip the calling test unless selenium, Chromium, chromedriver and dot are there."""
    pytest.importorskip("selenium", reason="needs selenium (pip install selenium)")
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "needs Chromium and chromedriver (apt-get install chromium chromium-driver)",
            allow_module_level=True,
        )
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot to draw the pictures", allow_module_level=True)


def start_browser(profile_dir):
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


def browser_errors(driver) -> list[str]:
    """The JavaScript errors logged since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


# ------------------------------------------------------------------ JavaScript in Node

NODE = shutil.which("node")


def run_javascript(source: str) -> str:
    """Run a script in Node.js and return what it printed; skip the test where Node is
    missing (CI has it: it is on this project's machines)."""
    import subprocess

    if NODE is None:
        pytest.skip("needs Node.js to run the compiled JavaScript (apt-get install nodejs)")
    result = subprocess.run(  # the script on stdin: a long one does not fit in an argument
        [NODE, "-"], input=source, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
