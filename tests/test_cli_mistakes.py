"""The command line's rough edges: a formula after any option, misspellings, a diverging run,
an unwritable folder, -o's format, and help texts that fit 100 columns."""

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import pytest
from cli_run import run

from micrograd_cbook.cli import COMMANDS, main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
VALUES = ["--set", "w=0.5", "x=1.5", "b=0.1"]
CHAIN = "z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2"


def one_line_error(args, capsys) -> str:
    code, _, err = run(args, capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ------------------------------------------------------- a formula after any option's words


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "--wrt", "w", "sigmoid(w*x + b)", *VALUES],
        ["explain", *VALUES, "--wrt", "w", "sigmoid(w*x + b)"],
        ["explain", "--wrt", "w", "x", "sigmoid(w*x + b)", *VALUES],
    ],
)
def test_a_formula_written_after_wrt_is_taken_as_the_formula(args, capsys):
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "∂out/∂w = " in out and "backward() gives w.grad = " in out


@needs_dot
@pytest.mark.parametrize("option", [["--highlight", "w"], ["--params", "w", "b"]])
def test_a_formula_written_after_highlight_or_params_is_taken_as_the_formula(
    option, tmp_path, capsys
):
    after, before = tmp_path / "after.svg", tmp_path / "before.svg"
    assert main(["graph", *option, "sigmoid(w*x + b)", *VALUES, "-o", str(after)]) == 0
    assert main(["graph", "sigmoid(w*x + b)", *option, *VALUES, "-o", str(before)]) == 0
    assert after.read_text() == before.read_text()


def test_a_step_formula_after_set_is_taken_as_the_formula(capsys):
    code, out, err = run(["explain", *VALUES, CHAIN, "--wrt", "w"], capsys)
    assert code == 0, err
    assert "∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a" in out


def test_two_formulas_after_the_options_are_one_line_errors(capsys):
    err = one_line_error(["explain", "--wrt", "w", "w*x", "x*w", "--set", "w=1", "x=1"], capsys)
    assert "--wrt expects NAMEs, got 'x*w'" in err


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["graph", "w*x", "--hilight", "w"], "did you mean --highlight?"),
        (["explain", "w*x", "--wtr", "w"], "did you mean --wrt?"),
        (["train", "--epohcs", "3"], "did you mean --epochs?"),
        (["train", "--hiden=8"], "did you mean --hidden?"),
        (["trian"], "did you mean 'train'?"),
        (["train", "--loss", "hinj"], "did you mean 'hinge'?"),
    ],
)
def test_a_misspelt_option_or_choice_suggests_the_right_one(args, suggestion, capsys):
    assert suggestion in one_line_error(args, capsys)


# ----------------------------------------------------------------------------------- train


def test_train_stops_at_a_non_finite_loss_naming_the_epoch_and_the_learning_rate(tmp_path, capsys):
    out_dir = tmp_path / "run"
    err = one_line_error(["train", "--lr", "1e100", "--no-progress", "--out", str(out_dir)], capsys)
    assert "training diverged at epoch " in err and " of 100" in err
    assert "--lr 1e+100" in err and "try a smaller --lr" in err
    assert list(out_dir.iterdir()) == []  # no half-written model


def test_train_names_the_first_epoch_whose_loss_is_not_finite(tmp_path, capsys):
    """bce with lr 1e100 in batches of 10: the weights overflow within the first epoch."""
    err = one_line_error(
        [
            "train",
            "--lr",
            "1e100",
            "--loss",
            "bce",
            "--batch-size",
            "10",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert "training diverged at epoch 1 of 100" in err


def _unwritable_folder(tmp_path) -> str:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:  # root writes anyway: then a folder of a read-only file system, if there is one
        fd, probe = tempfile.mkstemp(dir=folder)
    except OSError:
        return str(folder)
    os.close(fd)
    os.unlink(probe)
    for candidate in ("/sys", "/proc"):
        try:
            fd, probe = tempfile.mkstemp(dir=candidate)
        except OSError:
            return candidate
        os.close(fd)
        os.unlink(probe)
    pytest.skip("no unwritable folder here (root, and no read-only file system)")


@pytest.mark.parametrize("command", [["train", "--epochs", "100000"], ["demo"]])
def test_an_unwritable_out_folder_is_said_before_any_training(command, tmp_path, capsys):
    """100000 epochs would take minutes: the error comes at once."""
    folder = _unwritable_folder(tmp_path)
    err = one_line_error([*command, "--no-progress", "--out", folder], capsys)
    assert f"cannot write into the --out folder {folder!r}" in err


# ------------------------------------------------------------------------- graph -o FORMAT


@needs_dot
@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"), (".PNG", b"\x89PNG")]
)
def test_graph_writes_the_format_its_suffix_names(suffix, magic, tmp_path, capsys):
    path = tmp_path / f"graph{suffix}"
    code, _, err = run(["graph", "sigmoid(w*x + b)", *VALUES, "-o", str(path)], capsys)
    assert code == 0, err
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("name", ["graph.jpg", "graph", "graph.svg.bak"])
def test_graph_refuses_a_suffix_it_cannot_write(name, tmp_path, capsys):
    err = one_line_error(
        ["graph", "w*x", "--set", "w=1", "x=2", "-o", str(tmp_path / name)], capsys
    )
    assert "name a .svg, .png or .pdf file" in err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- steps in the CLI


def test_explain_reads_a_step_formula_in_the_chapters_terms(capsys):
    code, out, err = run(["explain", CHAIN, *VALUES, "--wrt", "w"], capsys)
    assert code == 0, err
    assert out.splitlines()[:4] == [
        "with w=0.5, x=1.5, b=0.1:",
        "  z = w*x + b = 0.8500",
        "  a = sigmoid(z) = 0.7006",
        "  C = (1 - a)**2 / 2 = 0.0448",
    ]
    assert "∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a = 1.5000 × 0.2098 × (−0.2994) = −0.0942" in out
    assert "backward() gives w.grad = −0.0942" in out


def test_explain_of_a_step_formula_defaults_to_every_leaf_and_accepts_a_step(capsys):
    code, out, _ = run(["explain", CHAIN, *VALUES], capsys)
    assert code == 0
    assert [line.split(" = ")[0] for line in out.splitlines() if line.startswith("∂")] == [
        "∂C/∂w",
        "∂C/∂x",
        "∂C/∂b",
    ]
    code, out, _ = run(["explain", CHAIN, *VALUES, "--wrt", "z"], capsys)
    assert "∂C/∂z = ∂a/∂z · ∂C/∂a = 0.2098 × (−0.2994) = −0.0628" in out


def test_explain_steps_of_a_step_formula_name_the_parts_then_fold_them(capsys):
    code, out, _ = run(["explain", CHAIN, *VALUES, "--steps", "--wrt", "w"], capsys)
    assert code == 0
    assert "step 4: a = sigmoid(z)   grad −0.2994" in out
    assert "∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a = " in out


@needs_dot
def test_graph_labels_each_step_and_draws_the_last_as_the_root(tmp_path, capsys):
    path = tmp_path / "chain.svg"
    code, out, err = run(["graph", CHAIN, *VALUES, "--highlight", "z", "-o", str(path)], capsys)
    assert code == 0, err
    assert "(C = 0.0448, with every grad)" in out
    svg = "{http://www.w3.org/2000/svg}"
    boxes = [
        [t.text for t in g.iter(svg + "text")]
        for g in ET.parse(path).getroot().iter(svg + "g")
        if "value" in g.get("class", "")
    ]
    for label, data in (("z", "0.8500"), ("a", "0.7006"), ("C", "0.0448"), ("w", "0.5000")):
        box = next(texts for texts in boxes if texts[0] == label)  # each name labels its node
        assert f"data {data}" in box


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["explain", "a = sigmoid(z); z = w*x", "--set", "w=1", "x=1"],
            "z is used before it is assigned",
        ),
        (["explain", "z = w*x; z = z*2", "--set", "w=1", "x=1"], "z is assigned twice"),
        (["explain", CHAIN, *VALUES, "z=1"], "z is assigned in the formula and also given"),
        (["graph", "z, a = w, x", "--set", "w=1", "x=1"], "assigns a tuple"),
        (["graph", "z = w*x;; C = z", "--set", "w=1", "x=1"], "empty statement"),
        (["graph", CHAIN, *VALUES, "--params", "z"], "--params z: a step, not a leaf"),
        (["explain", "x^2", "--set", "x=1"], "use ** for powers"),
        (["explain", "2x", "--set", "x=1"], "write 2*x"),
        (["graph", "1" * 401], "401-digit integer is too large"),
    ],
)
def test_step_and_formula_mistakes_are_one_line_and_exit_2(args, message, capsys):
    assert message in one_line_error(args, capsys)


# ------------------------------------------------------------------------------ help texts


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_no_help_line_is_wider_than_100_columns_on_a_wide_terminal(command, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run([*([command] if command else []), "--help"], capsys)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("command", ["graph", "explain", "train"])
def test_help_examples_keep_the_program_name_whole(command, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run([command, "--help"], capsys)
    assert "micrograd-\n" not in out and "micrograd-" + "cbook " + command in out


def test_train_help_says_each_loss_and_each_optimizer():
    from micrograd_cbook.cli import build_parser

    train = build_parser().subparsers.choices["train"]
    helps = {a.dest: a.help for a in train._actions}
    assert "quadratic (hinge)" not in helps["loss"] and "(default: hinge)" in helps["loss"]
    assert "sgd" in helps["optimizer"] and "adam" in helps["optimizer"]
    assert "default: sgd" in helps["optimizer"]


def test_no_line_of_the_demo_is_wider_than_100_columns(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_cbook", "demo", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    widest = max(result.stdout.splitlines(), key=len)
    assert len(widest) <= 100, widest
    assert "a2" not in result.stdout.replace("a2[0]", "")  # layer 2's output is a⁽²⁾ in words
    assert "a⁽²⁾" in result.stdout


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["train", "--epochs", "100000"], "model.json"),
        (["train"], "boundary.svg"),
        (["demo"], "loss.svg"),
    ],
)
def test_an_output_file_that_is_a_folder_is_said_before_any_training(
    command, name, tmp_path, capsys
):
    (tmp_path / name).mkdir()
    err = one_line_error([*command, "--no-progress", "--out", str(tmp_path)], capsys)
    assert f"cannot write {tmp_path / name}: it is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_output_file_that_is_a_fifo_is_refused_before_training(tmp_path, capsys):
    os.mkfifo(tmp_path / "loss.svg")
    err = one_line_error(["train", "--no-progress", "--out", str(tmp_path)], capsys)
    assert "loss.svg: it is not a regular file" in err


def test_train_on_the_digits_names_the_epoch_of_a_nan_logit(tmp_path, capsys):
    err = one_line_error(
        [
            "train",
            "--data",
            "digits",
            "--samples",
            "200",
            "--lr",
            "1e100",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert "training diverged at epoch " in err and " of 20" in err and "--lr 1e+100" in err
