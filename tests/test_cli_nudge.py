"""`micrograd-cbook nudge`: the page it writes (atomically), its options, and one-line errors with
exit 2."""

import json
import re

import pytest
from helpers import CHAIN, VALUES, needs_dot, one_line_error, run_cli

from micrograd_cbook.cli import COMMANDS

NUDGE = ["nudge", CHAIN, *VALUES, "--wrt", "w"]


def page_data(text: str) -> dict:
    found = re.search(
        r'<script type="application/json" class="mgcb-nudge-data">(.*?)</script>', text
    )
    return json.loads(found[1])


def test_nudge_is_a_command():
    assert "nudge" in COMMANDS


@needs_dot
def test_the_example_writes_one_offline_page(tmp_path, capsys):
    path = tmp_path / "chain.html"
    code, out, err = run_cli([*NUDGE, "-o", str(path)], capsys)
    assert code == 0, err
    assert out == f"wrote {path}  (open it in a browser: move the slider to nudge w)\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    data = page_data(text)
    assert data["names"][data["wrt"]] == "w" and data["rootName"] == "C₀"  # the chapter's C₀
    assert data["params"][data["wrt"]] == 0.5 and data["spans"][data["wrt"]] == 1.0
    assert "Nudge w: z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2" in text
    assert [p.name for p in tmp_path.iterdir()] == ["chain.html"]  # no temporary file left


@needs_dot
def test_the_default_page_is_nudge_html_and_minus_writes_standard_output(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert run_cli(NUDGE, capsys)[0] == 0
    assert (tmp_path / "nudge.html").is_file()
    code, out, _ = run_cli([*NUDGE, "-o", "-"], capsys)
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "wrote" not in out


@needs_dot
def test_the_options_reach_the_picture(tmp_path, capsys):
    path = tmp_path / "lr.html"
    args = [*NUDGE, "-o", str(path), "--rankdir", "LR", "--params", "b"]
    assert run_cli(args, capsys)[0] == 0
    text = path.read_text(encoding="utf-8")
    assert "parameter (weight, bias)" in text  # b drawn as a parameter
    w_box = re.search(r'class="([^"]*)">\s*<title>click to nudge w</title>', text)[1]
    assert "input" in w_box  # w, no longer a parameter
    width, height = map(
        float, re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', text).groups()
    )
    assert width > height  # left to right


@pytest.mark.parametrize(
    "args, message",
    [
        (["nudge", "w*x", "--set", "w=1", "x=2"], "--wrt NAME is required"),
        (["nudge", "w*x", "--set", "w=1", "x=2", "--wrt", "z"], "--wrt z: not a name"),
        (["nudge", CHAIN, *VALUES, "--wrt", "a"], "--wrt a: a step, not a leaf"),
        (["nudge", "w*x", "--set", "w=1", "x=2", "--wrt", "w", "x"], "--wrt takes one NAME"),
        (["nudge", "w*", "--set", "w=1", "--wrt", "w"], "w*"),
        (["nudge", "w*x", "--set", "w=1", "--wrt", "w"], "x"),
        (["nudge", "log(w)*x", "--set", "w=-1", "x=2", "--wrt", "w"], "log is defined only"),
        (["nudge", "w*x", "--set", "w=1", "x=2", "--wrt", "w", "--max-nodes", "0"], "at least 1"),
        (["nudge", "w*x", "--set", "w=1", "x=2", "--wrt", "w", "--params", "q"], "--params q"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(args, message, capsys):
    err = one_line_error(args, capsys)
    assert err.startswith("micrograd-cbook nudge: error: ") and message in err, err


@needs_dot
def test_a_graph_too_large_names_max_nodes(capsys):
    err = one_line_error(["nudge", "w*x + w", "--set", "w=1", "x=2", "--wrt", "w",
                          "--max-nodes", "2"], capsys)  # fmt: skip
    assert "--max-nodes" in err


def test_an_output_that_cannot_be_written_is_said_first(tmp_path, capsys):
    err = one_line_error([*NUDGE, "-o", str(tmp_path / "missing" / "p.html")], capsys)
    assert "does not exist" in err
    err = one_line_error([*NUDGE, "-o", str(tmp_path)], capsys)
    assert "it is a folder" in err


def test_without_graphviz_the_error_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    err = one_line_error([*NUDGE, "-o", str(tmp_path / "p.html")], capsys)
    assert "Graphviz is missing" in err and "apt-get install graphviz" in err
    assert not (tmp_path / "p.html").exists()


def test_help_says_what_the_page_does(capsys):
    code, out, _ = run_cli(["nudge", "--help"], capsys)
    assert code == 0
    assert "--wrt NAME" in out and "slider" in out and "tangent" not in out.split("options")[1]


@needs_dot
def test_unfold_draws_every_operation(tmp_path, capsys):
    folded, unfolded = tmp_path / "folded.html", tmp_path / "unfolded.html"
    assert run_cli([*NUDGE, "-o", str(folded)], capsys)[0] == 0
    assert run_cli([*NUDGE, "-o", str(unfolded), "--unfold"], capsys)[0] == 0
    boxes = [len(page_data(p.read_text(encoding="utf-8"))["nodes"]) for p in (folded, unfolded)]
    assert boxes[0] < boxes[1]  # w·x, 1 − a, (1 − a)², ... get boxes of their own
