"""Ten outputs: argmax accuracy, predictions, the confusion matrix, training on the digits."""

import pytest

from micrograd_cbook import Value, datasets, losses, nn
from micrograd_cbook.optim import AdamW
from micrograd_cbook.training import accuracy, confusion_matrix, evaluate, fit, predict


def rows(*logits):
    return [[Value(v) for v in r] for r in logits]


# ------------------------------------------------------------------ accuracy


def test_accuracy_of_several_outputs_is_the_share_of_right_argmaxes():
    out = rows([0.1, 0.9, 0.0], [2.0, 1.0, 3.0], [5.0, -1.0, 4.0], [0.0, 0.0, 0.5])
    assert accuracy(out, [1, 2, 0, 0]) == 0.75


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


# ------------------------------------------------------------------ training


def test_fit_with_cross_entropy_reports_argmax_accuracy_each_epoch():
    X, y = datasets.spiral(30, n_classes=3, seed=0)
    model = nn.MLP(2, [8, 3], activation="tanh", output_activation="linear", seed=0)
    h = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=AdamW(model.parameters(), lr=0.05),
        epochs=3,
        progress=False,
    )
    assert len(h.accuracy) == 3
    loss, acc = evaluate(model, X, y, loss="cross_entropy")
    assert (h.final_loss, h.final_accuracy) == (loss, acc)
    assert acc == accuracy([model(x) for x in X], y)
    assert loss == losses.cross_entropy([model(x) for x in X], y).data


def test_a_short_run_on_a_digits_subset_lifts_held_out_accuracy_above_80_percent():
    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test=0.8, seed=0)
    X_test, y_test = X_test[:200], y_test[:200]
    model = nn.MLP(64, [16, 10], activation="relu", output_activation="linear", seed=0)
    _, before = evaluate(model, X_test, y_test, loss="cross_entropy")
    fit(
        model,
        X_train,
        y_train,
        loss="cross_entropy",
        optimizer=AdamW(model.parameters(), lr=0.02),
        epochs=10,
        batch_size=32,
        seed=0,
        progress=False,
    )
    _, after = evaluate(model, X_test, y_test, loss="cross_entropy")
    assert len(X_train) == 359 and before < 0.3
    assert after > 0.8
    matrix = confusion_matrix(y_test, predict(model, X_test), n_classes=10)
    assert sum(matrix[i][i] for i in range(10)) == round(after * 200)
