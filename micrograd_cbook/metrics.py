"""How well a model does: :func:`accuracy`, :func:`predict`, :func:`confusion_matrix` and
:func:`evaluate` (the loss and accuracy on all the data, without training).

>>> confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0])
[[1, 1, 0], [0, 1, 0], [1, 0, 1]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

from .engine import Value
from .losses import (
    LossFunction,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    quadratic_cost,
)
from .reals import all_floats

__all__ = ["accuracy", "check_data", "confusion_matrix", "evaluate", "predict", "scorer"]


def scorer(
    y: Sequence[Any], loss_fn: LossFunction, threshold: float | None
) -> Callable[[Any, Any], bool] | None:
    """A function telling whether one output is right for its target, or None if that is moot.

    An output is a Value or a number (a list of them for several outputs), as a model's
    forward pass or a compiled graph gives it."""
    if loss_fn is cross_entropy:  # class indices: right when the largest logit is the class's
        return _right_class
    if all(isinstance(t, (Real, Value)) for t in y):
        labels = {t.data if isinstance(t, Value) else float(t) for t in y}
        if labels <= {0.0, 1.0}:
            lo, hi = 0.0, 1.0
        elif labels <= {-1.0, 1.0}:
            lo, hi = -1.0, 1.0
        else:
            return None
        if threshold is None:  # logits and ±1 scores split at 0; probabilities at ½
            logits = loss_fn is binary_cross_entropy_with_logits
            threshold = 0.0 if logits or lo == -1.0 else 0.5
        thr = threshold

        def right(out: Any, target: Any) -> bool:
            score = _number(out)
            if score is None:
                return False
            t = target.data if isinstance(target, Value) else target
            return (hi if score > thr else lo) == t

        return right
    # one-hot rows: right when the largest output is where the target's 1 is
    if all(isinstance(t, Sequence) and t and set(t) <= {0, 1} and sum(t) == 1 for t in y):

        def right_argmax(out: Any, target: Any) -> bool:
            if not isinstance(out, list) or len(out) != len(target):
                return False
            return target[_argmax(out)] == 1

        return right_argmax
    return None


def _number(out: Any) -> float | None:
    """One output's number (a Value's data, or a number itself); None for anything else."""
    if isinstance(out, Value):
        return out.data
    if isinstance(out, Real) and not isinstance(out, bool):
        return float(out)
    return None


def _argmax(out: Sequence[Any]) -> int:
    """The index of the largest output (the first of equals), Values or numbers."""
    data = out if all_floats(out) else [o.data if isinstance(o, Value) else float(o) for o in out]
    return max(range(len(data)), key=data.__getitem__)


def _is_class(t: object) -> bool:
    return isinstance(t, Integral) and not isinstance(t, bool)


def _right_class(out: Any, target: Any) -> bool:
    """Right when the largest of several outputs sits at the target class's index."""
    if isinstance(out, Value) or not isinstance(out, Sequence) or not out:
        return False
    return _argmax(out) == target


def accuracy(outputs: Sequence[Any], targets: Sequence[Any], threshold: float = 0.5) -> float:
    """The fraction of outputs that are right: argmax for several outputs, else a threshold.

    Several outputs per row (lists) and class indices (ints): right when the largest output
    is at the class's index. One output per row and 0/1 (or −1/+1) targets: right on the
    correct side of ``threshold``. One-hot target rows: right when the largest output is
    where the 1 is.

    >>> from micrograd_cbook import Value
    >>> accuracy([Value(0.9), Value(0.2), Value(0.6)], [1, 0, 0])
    0.6666666666666666
    >>> accuracy([[Value(0.1), Value(2.0)], [Value(3.0), Value(-1.0)]], [1, 1])   # argmax
    0.5
    """
    if len(outputs) != len(targets):
        raise ValueError(
            f"accuracy: {len(outputs)} outputs but {len(targets)} targets; "
            "give one target per output"
        )
    if not targets:
        raise ValueError("accuracy: no outputs; give at least one output and its target")
    multi = all(isinstance(o, Sequence) and not isinstance(o, Value) for o in outputs)
    if multi and all(_is_class(t) for t in targets):
        return sum(_right_class(o, t) for o, t in zip(outputs, targets)) / len(targets)
    right = scorer(targets, quadratic_cost, threshold)
    if right is None:
        raise ValueError("accuracy needs targets that are all 0/1 or all -1/+1, or one-hot rows")
    return sum(right(o, t) for o, t in zip(outputs, targets)) / len(targets)


def predict(model: Callable[[Any], Any], X: Sequence[Any]) -> list[int]:
    """The class the model gives each row: the index of its largest output (argmax).

    >>> from micrograd_cbook import nn
    >>> model = nn.MLP(2, [3], activation="linear", seed=0)
    >>> predict(model, [[1.0, 0.0], [-1.0, 0.0]])
    [0, 1]
    """
    if not X:
        raise ValueError("predict: X is empty; give at least one row")
    classes = []
    for x in X:
        out = model(x)
        if isinstance(out, Value) or not isinstance(out, Sequence):
            raise ValueError(
                "predict needs a model with several outputs (one per class); for one output, "
                "compare model(x).data with a threshold"
            )
        classes.append(_argmax(out))
    return classes


def confusion_matrix(
    y_true: Sequence[int], y_pred: Sequence[int], n_classes: int | None = None
) -> list[list[int]]:
    """Counts of each (true class, predicted class): row i, column j = true i predicted j.

    The diagonal holds the right answers (scikit-learn's layout). ``n_classes`` defaults
    to one more than the largest class seen.

    >>> confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0])
    [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    """
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"confusion_matrix: {len(y_true)} true classes but {len(y_pred)} predictions; "
            "give one prediction per row"
        )
    if not y_true:
        raise ValueError("confusion_matrix: no rows; give at least one class and prediction")
    for name, ys in (("y_true", y_true), ("y_pred", y_pred)):
        for i, c in enumerate(ys):
            if not _is_class(c) or c < 0:
                raise ValueError(
                    f"confusion_matrix: {name}[{i}] is {c!r}; classes must be ints ≥ 0"
                )
    seen = max(max(y_true), max(y_pred)) + 1
    if n_classes is None:
        n_classes = seen
    elif isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < seen:
        raise ValueError(
            f"confusion_matrix: n_classes must be an int ≥ {seen} (the classes seen), "
            f"got {n_classes!r}"
        )
    matrix = [[0] * n_classes for _ in range(n_classes)]
    for t, p in zip(y_true, y_pred):
        matrix[t][p] += 1
    return matrix


def check_data(model: Any, X: Sequence[Any], y: Sequence[Any]) -> None:
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} targets; give one target per row")
    if not X:
        raise ValueError("no data: X is empty")


def evaluate(
    model: Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFunction = "quadratic",
    threshold: float | None = None,
) -> tuple[float, float | None]:
    """The loss and accuracy (None where moot) of ``model`` on all of ``X``, without training.

    >>> from micrograd_cbook import datasets, nn
    >>> X, y = datasets.chapter_table()
    >>> loss, acc = evaluate(nn.chapter_network(), X, y)
    >>> round(loss, 4), acc
    (0.6559, 0.5)
    """
    check_data(model, X, y)
    loss_fn = get_loss(loss)
    outputs = [model(x) for x in X]
    right = scorer(y, loss_fn, threshold)
    acc = None if right is None else sum(right(o, t) for o, t in zip(outputs, y)) / len(y)
    return loss_fn(outputs, list(y)).data, acc
