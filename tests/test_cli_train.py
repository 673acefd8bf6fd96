"""`micrograd-cbook train`: trains, reports, writes a loadable model and plots; one-line errors."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from cli_run import run

from micrograd_cbook import datasets, nn

SMALL = ["--samples", "40", "--hidden", "8", "--epochs", "15", "--lr", "0.1", "--no-progress"]


def test_moons_hinge_run_writes_a_loadable_model_and_plots(tmp_path, capsys):
    code, out, err = run(
        [
            "train",
            "--data",
            "moons",
            "--loss",
            "hinge",
            "--seed",
            "0",
            "--out",
            str(tmp_path),
            *SMALL,
        ],
        capsys,
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.svg", "loss.svg", "model.json"]
    match = re.search(r"final  loss (\d+\.\d+), accuracy (\d+\.\d)% \((\d+)/40\)", out)
    assert match, out
    # the saved model, reloaded, reproduces the printed numbers on the same data
    model = nn.MLP.from_file(tmp_path / "model.json")
    assert repr(model) == (
        "MLP(2, [8, 1], activation='relu', output_activation='linear', bias=True)"
    )
    X, y = datasets.moons(40, noise=0.1, seed=0)
    y = datasets.signed(y)
    scores = [model(x).data for x in X]
    hinge = sum(max(0.0, 1.0 - t * s) for s, t in zip(scores, y)) / len(y)
    right = sum((s > 0) == (t > 0) for s, t in zip(scores, y))
    assert float(match.group(1)) == pytest.approx(hinge, abs=5e-5)
    assert int(match.group(3)) == right
    for name in ("boundary.svg", "loss.svg"):
        ET.parse(tmp_path / name)
    assert "Traceback" not in err


def test_same_seed_same_model(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        code, _, _ = run(["train", "--seed", "3", "--out", str(out), *SMALL], capsys)
        assert code == 0
    assert json.loads((a / "model.json").read_text()) == json.loads((b / "model.json").read_text())


def test_bce_with_adam_and_minibatches_on_circles(tmp_path, capsys):
    code, out, err = run(
        [
            "train",
            "--data",
            "circles",
            "--loss",
            "bce",
            "--optimizer",
            "adam",
            "--batch-size",
            "10",
            "--out",
            str(tmp_path),
            *SMALL,
        ],
        capsys,
    )
    assert code == 0, err
    assert "Adam(" in out and "batches of 10" in out
    assert "output_activation='linear'" in out


def test_chapter_data_is_three_dimensional_so_no_boundary_plot(tmp_path, capsys):
    code, out, err = run(
        [
            "train",
            "--data",
            "chapter",
            "--hidden",
            "4",
            "--activation",
            "sigmoid",
            "--loss",
            "quadratic",
            "--epochs",
            "5",
            "--lr",
            "1",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.svg", "model.json"]
    assert "output_activation='sigmoid'" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--hidden", "16,x"], "argument --hidden: must be comma-separated positive layer sizes"),
        (["--hidden", "16,-2"], "argument --hidden"),
        (["--epochs", "0"], "argument --epochs: must be a positive integer"),
        (["--lr", "0"], "argument --lr: must be a number > 0"),
        (["--lr", "nan"], "argument --lr: must be a number > 0"),
        (["--noise", "-1"], "argument --noise: must be a number ≥ 0"),
        (["--loss", "foo"], "argument --loss: invalid choice: 'foo'"),
        (["--data", "mnist"], "argument --data: invalid choice: 'mnist'"),
        (["--batch-size", "-3"], "argument --batch-size: must be a positive integer"),
        (["--activation", "gelu"], "argument --activation: invalid choice"),
        (["--samples", "1"], "--samples must be an int ≥ 2"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum is for --optimizer sgd"),
        (["--data", "chapter", "--noise", "0.2"], "--noise does not apply to --data chapter"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, message, tmp_path, capsys):
    code, _, err = run(["train", "--out", str(tmp_path / "run"), "--no-progress", *args], capsys)
    assert code == 2
    assert err.startswith("micrograd-cbook train: error: ")
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "model.json").exists()


def test_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(["train", "--out", str(blocker / "run"), *SMALL], capsys)
    assert code == 2 and "cannot create the --out folder" in err


@pytest.mark.parametrize("lr", ["1e200", "1e9"])  # an overflow error, or nan/inf losses
def test_diverging_training_is_reported_not_saved(lr, tmp_path, capsys):
    code, _, err = run(
        [
            "train",
            "--loss",
            "mse",
            "--output-activation",
            "linear",
            "--lr",
            lr,
            "--epochs",
            "6",
            "--samples",
            "10",
            "--hidden",
            "4",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 2, err
    assert "training diverged" in err and "smaller --lr" in err
    assert not (tmp_path / "model.json").exists()
