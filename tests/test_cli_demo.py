"""`micrograd-cbook demo`: no arguments, seconds, the chapter's numbers, two pictures."""

import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from micrograd_cbook.cli import main

np = pytest.importorskip("numpy")

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)


def numpy_chapter(steps):
    """The chapter's run in NumPy (the oracle): outputs before training, after, and for [1,0,1]."""

    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    state = np.random.get_state()
    np.random.seed(1)
    syn0, syn1 = np.random.random((3, 4)), np.random.random((4, 1))
    np.random.set_state(state)
    before = sigmoid(sigmoid(X @ syn0) @ syn1).ravel()
    for _ in range(steps):
        l1 = sigmoid(X @ syn0)
        l2 = sigmoid(l1 @ syn1)
        d2 = (l2 - Y) * l2 * (1 - l2)
        d1 = (d2 @ syn1.T) * l1 * (1 - l1)
        syn1 = syn1 - l1.T @ d2
        syn0 = syn0 - X.T @ d1
    after = sigmoid(sigmoid(X @ syn0) @ syn1).ravel()
    query = sigmoid(sigmoid(np.array([1.0, 0.0, 1.0]) @ syn0) @ syn1).item()
    return before, after, query


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One run of the real command in a fresh folder, as `make demo` does (no arguments)."""
    cwd = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_cbook", "demo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, cwd / "micrograd-cbook-demo", time.perf_counter() - started


def test_runs_without_arguments_in_seconds(demo):
    result, _, seconds = demo
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert seconds < 20  # about one second on a laptop; generous for a loaded CI machine


def test_gradients_equal_equations_a_and_b(demo):
    out = demo[0].stdout
    assert "engine = equations (A)/(B)" in out
    number = r"([+-]\d\.\d+)"
    row = rf"^\s+(w[12]\[\d,\d\])\s+{number}\s+{number} \((A|B)\)\s+{number}"
    rows = re.findall(row, out, re.M)
    assert len(rows) == 8
    for label, engine, equation, which, numeric in rows:
        assert which == ("A" if label.startswith("w2") else "B")
        assert float(engine) == float(equation)
        assert float(engine) == pytest.approx(float(numeric), abs=2e-10)


def test_outputs_before_and_after_match_numpy(demo):
    out = demo[0].stdout
    before, after, query = numpy_chapter(1000)
    table = re.findall(r"^\s+\[(\d), (\d), (\d)\]\s+(\d\.\d{4})\s+(\d\.\d{4})\s+(\d)$", out, re.M)
    assert len(table) == 4
    for i, (*_, b, a, target) in enumerate(table):
        assert float(b) == pytest.approx(before[i], abs=5e-5)
        assert float(a) == pytest.approx(after[i], abs=5e-5)
        assert float(target) == Y[i, 0]
    (pred,) = re.findall(r"prediction for \[1, 0, 1\]: (\d\.\d{4})", out)
    assert float(pred) == pytest.approx(query, abs=5e-5)


def test_writes_a_loss_curve(demo):
    _, folder, _ = demo
    root = ET.parse(folder / "loss.svg").getroot()
    (line,) = root.iter("{http://www.w3.org/2000/svg}polyline")
    assert len(line.get("points").split()) == 1000


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_writes_the_graph_with_a_highlighted_weight(demo):
    result, folder, _ = demo
    svg = (folder / "graph.svg").read_text()
    ET.fromstring(svg)
    for label in ("w⁽¹⁾₀,₂", "z⁽¹⁾₀", "a⁽¹⁾₀", "z⁽²⁾₀", "a⁽²⁾₀", "C₀"):  # the chapter's names
        assert label in svg
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg)[1])
    assert width * 96 / 72 <= 900 * 1.07  # a notebook's column, shown at 93.5% or more
    assert svg.count('class="node value parameter highlighted"') == 1  # the one weight's path
    assert "graph.svg" in result.stdout


def test_out_that_cannot_be_created_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--out", str(blocker / "demo"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("micrograd-cbook demo: error: cannot create the --out folder")
    assert err.count("\n") == 1


def test_epochs_option(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--epochs", "10", "--no-progress"]) == 0
    assert "10 steps of gradient descent" in capsys.readouterr().out


def test_without_graphviz_the_demo_says_so_and_goes_on(tmp_path, monkeypatch, capsys):
    from micrograd_cbook import viz
    from micrograd_cbook.cli import demo

    def missing(*args, **kwargs):
        raise viz.GraphvizMissingError()

    monkeypatch.setattr(demo, "render_svg", missing)
    assert main(["demo", "--out", str(tmp_path), "--epochs", "5", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "no graph.svg: " in out and "Graphviz" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.svg"]
