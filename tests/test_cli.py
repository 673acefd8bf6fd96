"""The command line as a whole: help everywhere, one-line errors, `python -m` entry point; a
formula after any option, misspellings, an unwritable folder, and output that fits 100 columns."""

import os
import subprocess
import sys
import tempfile

import pytest
from helpers import CHAIN, VALUES, needs_dot, one_line_error, run_cli

from micrograd_cbook.cli import COMMANDS, main


def run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_cbook", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: micrograd-cbook " + command in capsys.readouterr().out


def test_unknown_command_is_one_line_and_exit_2():
    result = run_module("frobnicate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "invalid choice: 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_option_is_one_line_and_exit_2(command):
    result = run_module(command, "--no-such-option")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"micrograd-cbook {command}: error: ")
    assert "Traceback" not in result.stderr


def test_no_command_prints_help_and_exit_2(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_version_matches_package():
    from micrograd_cbook import __version__

    result = run_module("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"micrograd-cbook {__version__}"


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
    code, out, err = run_cli(args, capsys)
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
    code, out, err = run_cli(["explain", *VALUES, CHAIN, "--wrt", "w"], capsys)
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


# ------------------------------------------------------------------ formula and step mistakes


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


# ---------------------------------------------------- folders and files written before any training


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


# ------------------------------------------------------------------ help texts and the demo's lines


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_no_help_line_is_wider_than_100_columns_on_a_wide_terminal(command, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run_cli([*([command] if command else []), "--help"], capsys)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("command", ["graph", "explain", "train"])
def test_help_examples_keep_the_program_name_whole(command, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run_cli([command, "--help"], capsys)
    assert "micrograd-\n" not in out and "micrograd-" + "cbook " + command in out


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
