"""`micrograd-cbook explain`: the chain rule with numbers, backward steps, one-line errors."""

import math
import subprocess
import sys

import pytest
from helpers import CHAIN, VALUES, run_cli

from micrograd_cbook.cli import main

NEURON = ["explain", "sigmoid(w*x + b)", "--set", "w=0.5", "x=1.5", "b=0.1"]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def sigma_prime(z):
    s = 1 / (1 + math.exp(-z))
    return s * (1 - s)


def test_the_neuron_example_prints_the_chain_rule_with_numbers(capsys):
    code, out, err = run([*NEURON, "--wrt", "w"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "out = sigmoid(w*x + b) = 0.7006 at w=0.5, x=1.5, b=0.1"
    expected = 1.5 * 1.0 * sigma_prime(0.85)  # ∂z/∂w · ∂(z)/∂(w·x) · σ'(z), by hand
    assert lines[2] == (
        "∂out/∂w = ∂(w * x)/∂w · ∂(w * x + b)/∂(w * x) · ∂out/∂(w * x + b) "
        f"= 1.5000 × 1.0000 × 0.2098 = {expected:.4f}"
    )
    assert lines[3] == f"  backward() gives w.grad = {expected:.4f}"
    assert len(lines) == 4


def test_without_wrt_every_name_is_explained(capsys):
    code, out, _ = run(NEURON, capsys)
    assert code == 0
    for name in ("w", "x", "b"):
        assert f"∂out/∂{name} = " in out
        assert f"backward() gives {name}.grad = " in out


def test_steps_print_one_small_table_per_backward_step(capsys):
    code, out, _ = run([*NEURON, "--steps"], capsys)
    assert code == 0
    heads = [line for line in out.splitlines() if line.startswith("step ")]
    assert heads == [
        "step 1: out = sigmoid((w * x + b))   grad 1.0000",
        "step 2: (w * x + b) = +((w * x), b)   grad 0.2098",
        "step 3: (w * x) = *(w, x)   grad 0.2098",
    ]
    assert "contribution to its grad" in out
    assert "0.3147" in out and "0.1049" in out  # w gets 1.5 × 0.2098, x gets 0.5 × 0.2098
    assert "∂out/∂w = " not in out  # only the steps, unless --wrt asks for more


def test_steps_and_wrt_together(capsys):
    code, out, _ = run([*NEURON, "--steps", "--wrt", "x"], capsys)
    assert code == 0
    assert "step 3:" in out and "∂out/∂x = " in out and "∂out/∂w = " not in out


def test_several_paths_are_summed(capsys):
    code, out, _ = run(["explain", "w*w + 2*w", "--set", "w=0.5"], capsys)
    assert code == 0
    assert "the sum over 3 paths from w to out" in out
    assert "∂out/∂w = 0.5000 + 0.5000 + 2.0000 = 3.0000" in out
    assert "backward() gives w.grad = 3.0000" in out


def test_negative_numbers_use_a_real_minus_sign(capsys):
    code, out, _ = run(["explain", "--set", "w=3", "--", "-(w*2)"], capsys)
    assert code == 0
    assert "= 2.0000 × (−1.0000) = −2.0000" in out
    assert "backward() gives w.grad = −2.0000" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain", "w*"], "cannot parse the formula"),
        (["explain", "w*x", "--set", "w=1"], "no value given for x"),
        (["explain", "w", "--set", "w=1", "v=2"], "v is set but not used"),
        (["explain", "w", "--set", "w=abc"], "'abc' is not a number"),
        (["explain", "w", "--set", "w"], "--set expects NAME=NUMBER"),
        (["explain", "w", "--set", "w=1", "--wrt", "v"], "--wrt v: not a name in the formula"),
        (["explain", "log(w)", "--set", "w=-1"], "log is defined only for x > 0"),
        (["explain", "__import__('os')"], "unknown function"),
        (["explain", "w", "--set", "w=1", "--max-paths", "0"], "--max-paths must be at least 1"),
        (
            ["explain", "w*w*w*w", "--set", "w=1", "--max-paths", "3"],
            "4 paths, more than --max-paths 3: pass a larger --max-paths, or see each backward "
            "step with --steps",
        ),
        (["explain", "1/x", "--set", "x=0"], "division by zero: 1.0 / 0.0"),
        (["explain", "w", "--set", "w=1", "--max-paths", "many"], "invalid int value"),
        (["explain", "--set", "w=1"], "required: FORMULA"),
        (["explain", "--set", "w=1", "v", "w"], "--set expects NAME=NUMBER, got 'v'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own errors (e.g. --max-paths many)
        code = e.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("micrograd-cbook explain: error: ")
    assert "Traceback" not in err


def test_a_formula_after_the_values_of_set_is_taken_as_the_formula(capsys):
    assert main(["explain", "--set", "w=0.5", "x=2", "sigmoid(w*x)", "--wrt", "w"]) == 0
    after = capsys.readouterr().out
    assert main(["explain", "sigmoid(w*x)", "--set", "w=0.5", "x=2", "--wrt", "w"]) == 0
    assert after == capsys.readouterr().out and "backward() gives w.grad = 0.3932" in after


def test_the_console_entry_point_runs_the_neuron_example():
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_cbook", *NEURON, "--wrt", "w"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "= 1.5000 × 1.0000 × 0.2098 = 0.3147" in result.stdout


def test_a_formula_of_numbers_only_steps_with_its_numbers_as_names(capsys):
    code, out, _ = run(["explain", "2 + 3*2", "--steps"], capsys)
    assert code == 0
    assert "step 1: out = +(2, (3 * 2))   grad 1.0000" in out


# ------------------------------------------------------------------ step formulas


def test_explain_reads_a_step_formula_in_the_chapters_terms(capsys):
    code, out, err = run_cli(["explain", CHAIN, *VALUES, "--wrt", "w"], capsys)
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
    code, out, _ = run_cli(["explain", CHAIN, *VALUES], capsys)
    assert code == 0
    assert [line.split(" = ")[0] for line in out.splitlines() if line.startswith("∂")] == [
        "∂C/∂w",
        "∂C/∂x",
        "∂C/∂b",
    ]
    code, out, _ = run_cli(["explain", CHAIN, *VALUES, "--wrt", "z"], capsys)
    assert "∂C/∂z = ∂a/∂z · ∂C/∂a = 0.2098 × (−0.2994) = −0.0628" in out


def test_explain_steps_of_a_step_formula_name_the_parts_then_fold_them(capsys):
    code, out, _ = run_cli(["explain", CHAIN, *VALUES, "--steps", "--wrt", "w"], capsys)
    assert code == 0
    assert "step 4: a = sigmoid(z)   grad −0.2994" in out
    assert "∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a = " in out


def test_a_user_error_names_the_options_not_the_python_api(capsys):
    main(["explain", "w*w*w*w", "--set", "w=1", "--max-paths", "3"])
    err = capsys.readouterr().err
    assert "max_paths=" not in err and "wrt.grad" not in err and "backward()" not in err


def test_a_division_by_zero_is_said_in_numbers_not_in_reprs(capsys):
    main(["explain", "1/x", "--set", "x=0"])
    assert "Value(" not in capsys.readouterr().err
