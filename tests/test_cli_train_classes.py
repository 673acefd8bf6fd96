"""`micrograd-cbook train --data digits` and `--data spiral`: ten outputs, a held-out test."""

import re
import xml.etree.ElementTree as ET

import pytest
from cli_run import run

from micrograd_cbook import datasets, nn
from micrograd_cbook.training import predict

# a small, fast configuration: 300 digits (240 to train), 5 epochs
FAST = ["--samples", "300", "--hidden", "16", "--epochs", "5", "--lr", "0.02", "--no-progress"]
TEST_LINE = re.compile(r"^test accuracy (\d{1,3}\.\d)% \((\d+)/(\d+) held-out rows\)", re.M)


def test_digits_prints_the_test_accuracy_and_writes_the_model_and_pictures(tmp_path, capsys):
    code, out, err = run(["train", "--data", "digits", "--out", str(tmp_path), *FAST], capsys)
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
    code, out, err = run(
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
    code, out, err = run(
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
    code, out, err = run(
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
    code, _, err = run(["train", "--out", str(tmp_path / "run"), "--no-progress", *args], capsys)
    assert code == 2
    assert err.startswith("micrograd-cbook train: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "model.json").exists()


def test_diverging_cross_entropy_is_reported_not_saved(tmp_path, capsys):
    code, _, err = run(
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
    code, compiled, _ = run([*common, "--out", str(tmp_path / "a")], capsys)
    code2, interpreted, _ = run([*common, "--out", str(tmp_path / "b"), "--no-compile"], capsys)
    assert code == code2 == 0
    assert _numbers(compiled) == _numbers(interpreted) and _numbers(compiled)


def test_replay_is_written_for_several_classes_too(tmp_path, capsys):
    code, out, _ = run(
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
