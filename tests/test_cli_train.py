"""`micrograd-cbook train`: trains, reports, writes a loadable model and plots; one-line errors;
`--data digits` and `--data spiral`: ten outputs, a held-out test."""

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest
from helpers import one_line_error, run_cli

from micrograd_cbook import datasets, nn
from micrograd_cbook.training import predict

SMALL = ["--samples", "40", "--hidden", "8", "--epochs", "15", "--lr", "0.1", "--no-progress"]


def test_moons_hinge_run_writes_a_loadable_model_and_plots(tmp_path, capsys):
    code, out, err = run_cli(
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
        code, _, _ = run_cli(["train", "--seed", "3", "--out", str(out), *SMALL], capsys)
        assert code == 0
    assert json.loads((a / "model.json").read_text()) == json.loads((b / "model.json").read_text())


def test_bce_with_adam_and_minibatches_on_circles(tmp_path, capsys):
    code, out, err = run_cli(
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
    code, out, err = run_cli(
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
        (["--epochs", "1000000000000"], "argument --epochs: too many epochs: 1000000000000 (at"),
        (["--epochs", "1000001"], "too many epochs: 1000001 (at most 1,000,000 passes over"),
        (
            ["--hidden", "100000,100000"],
            "--hidden 100000,100000 makes a network of 10,000,500,001 parameters, above the "
            "cap of 2,000,000 (the most a model file may hold): give smaller layers",
        ),
        (["--data", "digits", "--hidden", "3000,1000"], "network of 3,206,010 parameters"),
        (["--data", "chapter", "--hidden", "1999996"], "network of 9,999,981 parameters"),
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
    code, _, err = run_cli(
        ["train", "--out", str(tmp_path / "run"), "--no-progress", *args], capsys
    )
    assert code == 2
    assert err.startswith("micrograd-cbook train: error: ")
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "model.json").exists()


def test_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli(["train", "--out", str(blocker / "run"), *SMALL], capsys)
    assert code == 2 and "cannot create the --out folder" in err


@pytest.mark.parametrize("lr", ["1e200", "1e9"])  # an overflow error, or nan/inf losses
def test_diverging_training_is_reported_not_saved(lr, tmp_path, capsys):
    code, _, err = run_cli(
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


# ---------------------------------------------------------------- a diverging run, a fifo, the help


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


def test_train_help_says_each_loss_and_each_optimizer():
    from micrograd_cbook.cli import build_parser

    train = build_parser().subparsers.choices["train"]
    helps = {a.dest: a.help for a in train._actions}
    assert "quadratic (hinge)" not in helps["loss"] and "(default: hinge)" in helps["loss"]
    assert "sgd" in helps["optimizer"] and "adam" in helps["optimizer"]
    assert "default: sgd" in helps["optimizer"]


# ------------------------------------------------------- several classes: the digits and the spiral


# a small, fast configuration: 300 digits (240 to train), 5 epochs
FAST = ["--samples", "300", "--hidden", "16", "--epochs", "5", "--lr", "0.02", "--no-progress"]
TEST_LINE = re.compile(r"^test accuracy (\d{1,3}\.\d)% \((\d+)/(\d+) held-out rows\)", re.M)


def test_digits_prints_the_test_accuracy_and_writes_the_model_and_pictures(tmp_path, capsys):
    code, out, err = run_cli(["train", "--data", "digits", "--out", str(tmp_path), *FAST], capsys)
    assert code == 0, err
    match = TEST_LINE.search(out)
    assert match, out
    percent, right, total = float(match.group(1)), int(match.group(2)), int(match.group(3))
    assert total == 60 and percent == round(100 * right / total, 1)
    assert percent > 50.0  # 5 epochs on 240 digits: far above chance (10%)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "confusion.svg",
        "loss.svg",
        "misclassified.svg",
        "model.json",
    ]
    for name in ("confusion.svg", "loss.svg", "misclassified.svg"):
        ET.parse(tmp_path / name)
    # the saved model, on the same held-out rows, gets the printed number right
    model = nn.MLP.from_file(tmp_path / "model.json")
    assert repr(model) == (
        "MLP(64, [16, 10], activation='relu', output_activation='linear', bias=True)"
    )
    X, y = datasets.digits()
    _, X, _, y = datasets.train_test_split(X, y, test=300 / len(X), seed=0)
    _, X_test, _, y_test = datasets.train_test_split(X, y, test=0.2, seed=0)
    assert sum(p == t for p, t in zip(predict(model, X_test), y_test)) == right
    svg = (tmp_path / "confusion.svg").read_text(encoding="utf-8")
    assert f"{right} of 60 right" in svg
    assert "Traceback" not in err


def test_digits_defaults_are_a_32_unit_network_with_cross_entropy_and_adamw(tmp_path, capsys):
    code, out, err = run_cli(
        [
            "train",
            "--data",
            "digits",
            "--samples",
            "100",
            "--epochs",
            "1",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 0, err
    assert "MLP(64, [32, 10], activation='relu', output_activation='linear'" in out
    assert "cross_entropy loss, AdamW(2410 parameters, lr=0.01" in out
    assert "batches of 32" in out and "1 epochs" in out


def test_the_chapters_quadratic_cost_trains_ten_sigmoid_outputs_on_one_hot_targets(
    tmp_path, capsys
):
    code, out, err = run_cli(
        [
            "train",
            "--data",
            "digits",
            "--loss",
            "quadratic",
            "--optimizer",
            "adam",
            "--out",
            str(tmp_path),
            *FAST,
        ],
        capsys,
    )
    assert code == 0, err
    assert "output_activation='sigmoid'" in out and TEST_LINE.search(out)


def test_spiral_trains_three_classes_and_writes_a_confusion_matrix(tmp_path, capsys):
    code, out, err = run_cli(
        [
            "train",
            "--data",
            "spiral",
            "--samples",
            "90",
            "--epochs",
            "3",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 0, err
    assert "3 classes" in out and TEST_LINE.search(out).group(3) == "18"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["confusion.svg", "loss.svg", "model.json"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "digits", "--loss", "hinge"], "--loss hinge is for two classes"),
        (["--data", "spiral", "--loss", "bce"], "--loss bce is for two classes"),
        (["--data", "moons", "--loss", "cross_entropy"], "is for several classes"),
        (["--data", "digits", "--samples", "5000"], "--samples for the digits must be"),
        (["--data", "digits", "--samples", "10"], "--samples for the digits must be"),
        (["--data", "digits", "--noise", "0.1"], "--noise does not apply to --data digits"),
        (["--data", "spiral", "--samples", "2"], "--samples must be an int ≥ 3"),
        (["--data", "spiral", "--test", "1.5"], "argument --test: must be a fraction"),
        (["--data", "moons", "--test", "0.3"], "--test applies to --data spiral and digits"),
        (["--data", "spiral", "--optimizer", "adamw", "--momentum", "0.9"], "--momentum is for"),
    ],
)
def test_bad_arguments_for_several_classes_are_one_line_and_exit_2(args, message, tmp_path, capsys):
    code, _, err = run_cli(
        ["train", "--out", str(tmp_path / "run"), "--no-progress", *args], capsys
    )
    assert code == 2
    assert err.startswith("micrograd-cbook train: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "model.json").exists()


def test_diverging_cross_entropy_is_reported_not_saved(tmp_path, capsys):
    code, _, err = run_cli(
        [
            "train",
            "--data",
            "spiral",
            "--samples",
            "60",
            "--optimizer",
            "sgd",
            "--lr",
            "1e200",
            "--epochs",
            "3",
            "--no-progress",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 2, err
    assert "training diverged" in err and "smaller --lr" in err
    assert not (tmp_path / "model.json").exists()


def _numbers(out):
    """The loss and accuracy lines, without their timings."""
    lines = [line for line in out.splitlines() if line.startswith(("final", "test accuracy"))]
    return [re.sub(r"  \(\d+\.\d s.*\)$", "", line) for line in lines]


@pytest.mark.parametrize("data", ["spiral", "moons"])
def test_no_compile_trains_through_the_interpreter_to_the_same_numbers(data, tmp_path, capsys):
    common = ["train", "--data", data, "--epochs", "5", "--samples", "60", "--no-progress"]
    code, compiled, _ = run_cli([*common, "--out", str(tmp_path / "a")], capsys)
    code2, interpreted, _ = run_cli([*common, "--out", str(tmp_path / "b"), "--no-compile"], capsys)
    assert code == code2 == 0
    assert _numbers(compiled) == _numbers(interpreted) and _numbers(compiled)


def test_replay_is_written_for_several_classes_too(tmp_path, capsys):
    code, out, _ = run_cli(
        [
            "train",
            "--data",
            "spiral",
            "--epochs",
            "3",
            "--samples",
            "60",
            "--out",
            str(tmp_path / "run"),
            "--replay",
            str(tmp_path / "replay"),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 0
    assert (tmp_path / "replay" / "index.html").exists()
    assert "index.html  (the training, epoch by epoch)" in out


@pytest.mark.parametrize("data", ["xor", "digits"])
def test_a_replay_path_that_is_a_file_is_said_before_anything_is_printed(data, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    code, out, err = run_cli(["train", "--data", data, "--epochs", "1", "--replay", str(afile),
                              "--out", str(tmp_path / "run")], capsys)  # fmt: skip
    assert code == 2 and out == ""
    assert f"--replay '{afile}' is a file, not a folder" in err and err.count("\n") == 1
    assert afile.read_text() == "mine"
