"""`micrograd-cbook graph`: the SVG it writes, its options, and one-line errors with exit 2."""

import math
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from helpers import CHAIN, SVG, VALUES, needs_dot, one_line_error, run_cli

from micrograd_cbook.cli import main

NEURON = ["graph", "sigmoid(w*x + b)", "--set", "w=0.5", "x=1.5", "b=0.1"]


def svg_text(path) -> str:
    root = ET.parse(path).getroot()
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def edge_labels(path) -> list[str]:
    root = ET.parse(path).getroot()
    return [
        t.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "edge"
        for t in g.iter(f"{SVG}text")
    ]


def fail(args, capsys) -> str:
    """Run the command expecting a user error: exit 2 and exactly one line on stderr."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("micrograd-cbook graph: error: ")
    return err


@needs_dot
def test_the_example_writes_an_svg_with_names_data_and_grads(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    assert main([*NEURON, "-o", str(path)]) == 0
    text = svg_text(path)
    z = 0.5 * 1.5 + 0.1
    a = 1 / (1 + math.exp(-z))
    for word in (
        "w",
        "x",
        "b",
        "out",
        "σ",
        "data 0.5000",
        f"data {a:.4f}",
        f"grad {1.5 * a * (1 - a):.4f}",
        f"grad {a * (1 - a):.4f}",
        "grad 1.0000",
    ):
        assert word in text
    assert f"wrote {path}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]  # no temp file left


@needs_dot
def test_default_output_is_graph_svg_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(NEURON) == 0
    ET.parse(tmp_path / "graph.svg")


@needs_dot
def test_every_edge_carries_its_factor_by_default_and_bare_leaves_them_out(tmp_path):
    shown, plain, unfolded = tmp_path / "shown.svg", tmp_path / "plain.svg", tmp_path / "u.svg"
    assert main([*NEURON, "-o", str(shown)]) == 0
    assert main([*NEURON, "-o", str(plain), "--bare"]) == 0
    assert main([*NEURON, "-o", str(unfolded), "--unfold", "--local-grads"]) == 0
    assert edge_labels(plain) == []
    a = 1 / (1 + math.exp(-(0.5 * 1.5 + 0.1)))
    slope = a * (1 - a)  # σ'(z): the unnamed w·x + b and σ folded into each edge
    assert sorted(edge_labels(shown)) == sorted(
        [f"∂out/∂w = {1.5 * slope:.4f}", f"∂out/∂x = {0.5 * slope:.4f}", f"∂out/∂b = {slope:.4f}"]
    )
    assert len(edge_labels(unfolded)) == 5  # *, +, σ: one edge per input of an operation


@needs_dot
def test_highlight_by_name(tmp_path):
    path = tmp_path / "g.svg"
    assert main([*NEURON, "-o", str(path), "--highlight", "w"]) == 0
    root = ET.parse(path).getroot()
    lit = [g for g in root.iter(f"{SVG}g") if "highlighted" in (g.get("class") or "")]
    names = {t.text for g in lit for t in g.iter(f"{SVG}text")}
    assert {"w", "out"} <= names and "x" not in names and "b" not in names


def test_params_choose_which_names_are_parameters(capsys):
    assert main([*NEURON, "--dot"]) == 0
    default = capsys.readouterr().out
    assert "value parameter" not in default  # no name is taken for a weight by its spelling
    assert re.search(r"<B>x</B>.*class=\"value input\"", default)
    assert main([*NEURON, "--dot", "--params", "x"]) == 0
    chosen = capsys.readouterr().out
    assert re.search(r"<B>x</B>.*class=\"value parameter\"", chosen)
    assert re.search(r"<B>w</B>.*class=\"value input\"", chosen)


def test_dot_prints_the_source_without_graphviz(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main([*NEURON, "--dot", "--rankdir", "TB"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph micrograd {") and "rankdir=TB" in out
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_dash_writes_the_svg_to_standard_output(capsys):
    assert main([*NEURON, "-o", "-"]) == 0
    out = capsys.readouterr().out
    ET.fromstring(out)


@needs_dot
def test_frames_folder_and_stepper_page(tmp_path, capsys):
    folder = tmp_path / "frames"
    assert main([*NEURON, "-o", str(tmp_path / "g.svg"), "--frames", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html",
        "step-00.svg",
        "step-01.svg",
    ]  # before, then out: its one box with edges below it (σ, + and * folded in)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Back-propagation through sigmoid(w*x + b)" in page
    assert "index.html" in capsys.readouterr().out
    # the final picture has every grad: the frames, which never change them, did not double them
    a = 1 / (1 + math.exp(-(0.5 * 1.5 + 0.1)))
    assert f"grad {1.5 * a * (1 - a):.4f}" in svg_text(tmp_path / "g.svg")


# ------------------------------------------------------------------- one-line errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["graph", "sigmoid(w*x", "--set", "w=1", "x=1"], "cannot parse"),
        (["graph", "__import__('os').system('true')"], "unknown function"),
        (["graph", "w*x", "--set", "w=1"], "no value given for x"),
        (["graph", "w", "--set", "w=1", "q=2"], "q is set but not used"),
        (["graph", "w", "--set", "w=abc"], "not a number"),
        (["graph", "w", "--set", "w"], "NAME=NUMBER"),
        (["graph", "log(w)", "--set", "w=0"], "cannot evaluate"),
        ([*NEURON, "--highlight", "q"], "--highlight q: not a name in the formula"),
        ([*NEURON, "--params", "q"], "--params q: not a name"),
        ([*NEURON, "--max-nodes", "3", "--dot"], "max_nodes=3"),
        ([*NEURON, "--max-nodes", "0"], "--max-nodes must be at least 1"),
        (["graph", "1if w else 2", "--set", "w=1"], "a conditional"),  # no SyntaxWarning
        (["graph", "--set", "w=1"], "required: FORMULA"),
        (["graph", "--set", "w=1", "x", "w*x"], "--set expects NAME=NUMBER, got 'x'"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(args, message, capsys):
    assert message in fail(args, capsys)


@needs_dot
def test_a_formula_after_the_values_of_set_is_taken_as_the_formula(tmp_path):
    after = tmp_path / "after.svg"
    before = tmp_path / "before.svg"
    assert (
        main(["graph", "--set", "w=0.5", "x=1.5", "b=0.1", "sigmoid(w*x + b)", "-o", str(after)])
        == 0
    )
    assert main([*NEURON, "-o", str(before)]) == 0
    assert after.read_text() == before.read_text()


def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = fail([*NEURON, "-o", str(blocker / "graph.svg")], capsys)
    assert f"cannot write {blocker / 'graph.svg'}" in err
    err = fail([*NEURON, "-o", str(tmp_path / "missing" / "graph.svg")], capsys)
    assert "does not exist" in err
    err = fail([*NEURON, "-o", str(tmp_path)], capsys)
    assert "is a folder" in err
    err = fail([*NEURON, "-o", str(tmp_path / "g.svg"), "--frames", str(blocker)], capsys)
    assert "not a folder" in err
    err = fail([*NEURON, "-o", str(tmp_path / "g.svg"), "--frames", str(blocker / "f")], capsys)
    assert "cannot write the frames" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_missing_graphviz_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    err = fail([*NEURON, "-o", str(tmp_path / "g.svg")], capsys)
    assert "Graphviz is missing" in err and "apt-get install graphviz" in err
    assert "--dot" in err
    assert list(tmp_path.iterdir()) == []


def test_the_real_program_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "micrograd_cbook",
            "graph",
            "w.__class__",
            "--set",
            "w=1",
            "-o",
            str(tmp_path / "g.svg"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "attribute access is not allowed" in result.stderr


# ------------------------------------------------------------------ -o FORMAT


@needs_dot
@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"), (".PNG", b"\x89PNG")]
)
def test_graph_writes_the_format_its_suffix_names(suffix, magic, tmp_path, capsys):
    path = tmp_path / f"graph{suffix}"
    code, _, err = run_cli(["graph", "sigmoid(w*x + b)", *VALUES, "-o", str(path)], capsys)
    assert code == 0, err
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@needs_dot
def test_a_png_has_twice_the_pixels_of_the_svg_in_a_browser(tmp_path, capsys):
    png, svg = tmp_path / "chain.png", tmp_path / "chain.svg"
    for path in (png, svg):
        code, _, err = run_cli(["graph", CHAIN, *VALUES, "-o", str(path)], capsys)
        assert code == 0, err
    width, height = struct.unpack(">II", png.read_bytes()[16:24])  # the PNG's IHDR
    root = ET.parse(svg).getroot()
    px = [float(root.get(k)[:-2]) * 96 / 72 for k in ("width", "height")]  # CSS px
    assert abs(width - 2 * px[0]) <= 3 and abs(height - 2 * px[1]) <= 3


@pytest.mark.parametrize("name", ["graph.jpg", "graph", "graph.svg.bak"])
def test_graph_refuses_a_suffix_it_cannot_write(name, tmp_path, capsys):
    err = one_line_error(
        ["graph", "w*x", "--set", "w=1", "x=2", "-o", str(tmp_path / name)], capsys
    )
    assert "name a .svg, .png or .pdf file" in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ step formulas


@needs_dot
def test_graph_labels_each_step_and_draws_the_last_as_the_root(tmp_path, capsys):
    path = tmp_path / "chain.svg"
    code, out, err = run_cli(["graph", CHAIN, *VALUES, "--highlight", "z", "-o", str(path)], capsys)
    assert code == 0, err
    assert "(C = 0.0448, with every grad)" in out
    svg = "{http://www.w3.org/2000/svg}"
    boxes = [
        [t.text for t in g.iter(svg + "text")]
        for g in ET.parse(path).getroot().iter(svg + "g")
        if "value" in g.get("class", "")
    ]
    for label, data in (("z", "0.8500"), ("a", "0.7006"), ("C", "0.0448"), ("w", "0.5000")):
        name = "C₀" if label == "C" else label  # the cost of one example, as the chapter has it
        box = next(texts for texts in boxes if texts[0] == name)  # each name labels its node
        assert f"data {data}" in box
