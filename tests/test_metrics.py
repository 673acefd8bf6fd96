"""Metrics: accuracy (a threshold for one output, the argmax for several), evaluate, predict
and the confusion matrix."""

import math

import pytest

from micrograd_cbook import Value, nn
from micrograd_cbook.losses import cross_entropy, quadratic_cost
from micrograd_cbook.metrics import accuracy, confusion_matrix, evaluate, predict, scorer
from micrograd_cbook.training import fit


def rows(*logits):
    return [[Value(v) for v in r] for r in logits]


# ------------------------------------------------------------------ accuracy


def test_accuracy_thresholds_and_moot_cases():
    out = [Value(0.7), Value(0.4), Value(-0.2)]
    assert accuracy(out, [1, 0, 0]) == 1.0
    assert accuracy(out, [1, -1, -1], threshold=0.0) == pytest.approx(2 / 3)
    model = nn.MLP(1, [1], activation="linear", seed=0)
    h = fit(model, [[0.0], [1.0], [2.0]], [0.5, 1.5, 2.5], loss="mse", epochs=2, progress=False)
    assert h.accuracy is None and h.final_accuracy is None  # real-valued targets: no accuracy
    with pytest.raises(ValueError, match="accuracy needs targets"):
        accuracy(out, [0.5, 1.5, 2.5])


def test_one_hot_targets_use_argmax_accuracy():
    model = nn.MLP(2, [3, 2], activation="tanh", output_activation="linear", seed=0)
    X = [[0.0, 1.0], [1.0, 0.0]]
    Y = [[1, 0], [0, 1]]
    loss, acc = evaluate(model, X, Y, loss="mse")
    outs = [model(x) for x in X]
    expected = sum((o[0].data > o[1].data) == (t[0] == 1) for o, t in zip(outs, Y)) / 2
    assert acc == expected
    assert math.isfinite(loss)


def test_accuracy_of_several_outputs_is_the_share_of_right_argmaxes():
    out = rows([0.1, 0.9, 0.0], [2.0, 1.0, 3.0], [5.0, -1.0, 4.0], [0.0, 0.0, 0.5])
    assert accuracy(out, [1, 2, 0, 0]) == 0.75


def test_outputs_as_numbers_score_as_the_values_do():
    # fit's compiled path hands the scorers its outputs' floats, not Values
    cases = [
        ([[0.7], [0.4], [-0.2], [0.5]], [1, 0, 0, 1], 0.5),  # 0/1 labels, a threshold
        ([[0.7], [0.4], [-0.2], [0.0]], [1, -1, -1, 1], 0.0),  # ±1 labels
        ([[0.1, 0.9], [2.0, 1.0], [3.0, 3.0], [0.0, 0.5]], [[0, 1], [0, 1], [1, 0], [0, 1]], 0.5),
    ]
    for outs, targets, threshold in cases:
        as_values = [[Value(v) for v in o] if len(o) > 1 else Value(o[0]) for o in outs]
        as_numbers = [list(o) if len(o) > 1 else o[0] for o in outs]
        right = scorer(targets, quadratic_cost, threshold)
        got = [right(o, t) for o, t in zip(as_numbers, targets)]
        assert got == [right(o, t) for o, t in zip(as_values, targets)]
        assert 0 < sum(got) < len(got)  # (each case has right and wrong rows)
    classes = scorer([1, 0], cross_entropy, None)
    assert [classes([0.2, 0.9], 1), classes([0.2, 0.9], 0)] == [True, False]
    assert classes(Value(0.9), 0) is False  # one output is no argmax over classes


def test_accuracy_with_mismatched_lengths_is_a_clear_error():
    with pytest.raises(ValueError, match="3 outputs but 2 targets"):
        accuracy([Value(0.9), Value(0.2), Value(0.6)], [1, 0])


def test_accuracy_of_nothing_is_a_clear_error_not_a_division_by_zero():
    with pytest.raises(ValueError, match="no outputs"):
        accuracy([], [])


def test_binary_accuracy_is_unchanged_by_the_argmax_rule():
    assert accuracy([Value(0.7), Value(0.2)], [1, 0]) == 1.0


# ------------------------------------------------------- predict and matrix


def test_predict_gives_the_index_of_the_largest_output():
    model = nn.MLP(2, [4], activation="linear", bias=False, seed=0)
    for layer in model.layers:
        for j, n in enumerate(layer.neurons):
            n.w[0].data, n.w[1].data = float(j), float(-j)  # output j = j·(x0 − x1)
    assert predict(model, [[1.0, 0.0], [0.0, 1.0]]) == [3, 0]


def test_predict_needs_several_outputs():
    with pytest.raises(ValueError, match="several outputs"):
        predict(nn.MLP(2, [1], seed=0), [[0.0, 1.0]])


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    y_true = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 0, 2, 1, 0, 2, 2, 2, 1]
    m = confusion_matrix(y_true, y_pred)
    assert m == [[2, 0, 1], [1, 1, 0], [0, 1, 3]]
    assert sum(map(sum, m)) == len(y_true)
    assert sum(m[i][i] for i in range(3)) == sum(t == p for t, p in zip(y_true, y_pred))


def test_confusion_matrix_has_a_row_for_every_class_asked_for():
    assert confusion_matrix([0, 1], [1, 1], n_classes=4) == [
        [0, 1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
    ]


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, match",
    [
        ([0, 1], [1], {}, "2 true classes but 1 predictions"),
        ([], [], {}, "no rows"),
        ([0, 1.0], [0, 1], {}, r"y_true\[1\] is 1.0"),
        ([0, 1], [0, -1], {}, r"y_pred\[1\] is -1"),
        ([0, 1], [0, True], {}, r"y_pred\[1\] is True"),
        ([0, 3], [0, 1], {"n_classes": 3}, "n_classes must be an int ≥ 4"),
    ],
)
def test_bad_confusion_matrix_input_is_a_clear_error(y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(y_true, y_pred, **kwargs)
