"""Training: :func:`fit` repeats forward, ``C.backward()`` and ``optimizer.step()``.

One step is the chapter's recipe: compute the outputs, the cost C, every ∂C/∂w by
back-propagation, then W_new = W_old − learningRate · ∂C/∂W (or another optimiser's rule).

>>> from micrograd_cbook import datasets, nn
>>> X, y = datasets.xor()
>>> model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> history = fit(model, X, y, loss="mse", epochs=300, lr=0.5, progress=False)
>>> history.loss[-1] < history.loss[0], history.final_accuracy
(True, 1.0)
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

from .compiled_loss import CompiledLoss
from .engine import Value, fmt
from .losses import (
    LossFunction,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    quadratic_cost,
)
from .optim import SGD, Optimizer

__all__ = [
    "History",
    "accuracy",
    "chapter_run",
    "confusion_matrix",
    "evaluate",
    "fit",
    "predict",
]


@dataclass
class History:
    """What :func:`fit` recorded: the loss of every epoch, the accuracy where it means something.

    ``loss[e]`` is the loss before epoch e's update (full batch), or the mean of its batch
    losses (mini-batches). ``final_loss`` and ``final_accuracy`` are measured after the last
    update, on all the data. ``accuracy`` is None when the targets are not binary labels
    (0/1 or −1/+1), one-hot rows, or classes for ``cross_entropy``.

    >>> History(loss=[0.5, 0.25], accuracy=None, final_loss=0.125)
    History(2 epochs, loss 0.5000 → 0.1250)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = None
    final_loss: float = math.nan
    final_accuracy: float | None = None
    seconds: float = 0.0

    def __repr__(self) -> str:
        start = fmt(self.loss[0]) if self.loss else "?"
        text = f"History({len(self.loss)} epochs, loss {start} → {fmt(self.final_loss)}"
        if self.final_accuracy is not None:
            text += f", accuracy {self.final_accuracy:.1%}"
        return text + ")"


# ------------------------------------------------------------------ accuracy


def _scorer(
    y: Sequence[Any], loss_fn: LossFunction, threshold: float | None
) -> Callable[[Any, Any], bool] | None:
    """A function telling whether one output is right for its target, or None if that is moot."""
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
            if not isinstance(out, Value):
                return False
            t = target.data if isinstance(target, Value) else target
            return (hi if out.data > thr else lo) == t

        return right
    # one-hot rows: right when the largest output is where the target's 1 is
    if all(isinstance(t, Sequence) and t and set(t) <= {0, 1} and sum(t) == 1 for t in y):

        def right_argmax(out: Any, target: Any) -> bool:
            if not isinstance(out, list) or len(out) != len(target):
                return False
            best = max(range(len(out)), key=lambda i: out[i].data)
            return target[best] == 1

        return right_argmax
    return None


def _argmax(out: Sequence[Any]) -> int:
    """The index of the largest output (the first of equals), Values or numbers."""
    data = [o.data if isinstance(o, Value) else float(o) for o in out]
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
    right = _scorer(targets, quadratic_cost, threshold)
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


# ---------------------------------------------------------------------- fit


def _check_data(model: Any, X: Sequence[Any], y: Sequence[Any]) -> None:
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
    _check_data(model, X, y)
    loss_fn = get_loss(loss)
    outputs = [model(x) for x in X]
    right = _scorer(y, loss_fn, threshold)
    acc = None if right is None else sum(right(o, t) for o, t in zip(outputs, y)) / len(y)
    return loss_fn(outputs, list(y)).data, acc


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def fit(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFunction = "quadratic",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    *,
    lr: float = 0.1,
    progress: bool = True,
    shuffle: bool = True,
    seed: int | None = None,
    threshold: float | None = None,
    compiled: bool = True,
    replay: Any = None,
) -> History:
    """Train ``model`` on rows ``X`` and targets ``y`` for ``epochs`` passes; returns a History.

    ``loss``: a name ("quadratic", "mse", "hinge", "bce", "cross_entropy") or a function
    (outputs, targets) → Value. ``optimizer``: any :mod:`micrograd_cbook.optim` optimiser over
    ``model.parameters()``; None means ``SGD(model.parameters(), lr)``. ``batch_size=None``
    takes one full-batch step per epoch; otherwise mini-batches of that size, shuffled by
    ``random.Random(seed)`` unless ``shuffle=False``. ``progress=True`` shows a tqdm bar
    on stderr when it is a terminal (never in a pipe or a log); ``progress=False`` never.
    ``threshold`` splits outputs into classes for the accuracy (default: 0 for logits and
    ±1 labels, ½ otherwise). ``replay``: a folder, where an offline page replaying the run
    epoch by epoch is written (see :mod:`micrograd_cbook.replay`), or a function called as
    ``replay(epoch, history)`` after each epoch.

    ``compiled=True`` (the default) trains an ``nn`` model with a built-in loss whose graph
    has one shape for every row (quadratic, mse, hinge, cross_entropy) on the compiled
    graph of one row (:mod:`micrograd_cbook.compiled_loss`): the same losses and grads up to
    rounding, many times faster. Other models and losses (bce, whose graph depends on each
    logit's sign, or a function of your own) use the interpreter, as ``compiled=False`` does.

    >>> from micrograd_cbook import datasets, nn
    >>> X, y = datasets.chapter_table()
    >>> h = fit(nn.chapter_network(), X, y, epochs=10, lr=1.0, progress=False)
    >>> len(h.loss), h.loss[0] > h.final_loss
    (10, True)
    """
    _check_data(model, X, y)
    loss_fn = get_loss(loss)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int ≥ 0, got {epochs!r}")
    n = len(X)
    if batch_size is None:
        batch_size = n
    elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(
            f"batch_size must be a positive int or None (full batch), got {batch_size!r}"
        )
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=lr)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(
            "optimizer must be an optimiser from micrograd_cbook.optim, e.g. "
            f"SGD(model.parameters(), lr=0.1); got {type(optimizer).__name__}"
        )
    y = list(y)
    right = _scorer(y, loss_fn, threshold)
    history = History(accuracy=None if right is None else [])
    rng = random.Random(seed)
    order = list(range(n))
    mini = batch_size < n
    runner = CompiledLoss.build(model, loss_fn, X, y) if compiled else None

    from tqdm import tqdm  # the terminal bar (tqdm.auto warns in Jupyter without ipywidgets)

    if replay is not None:
        from .replay import recorder

        replay = recorder(replay, model, X, y, loss_fn, epochs=epochs, threshold=threshold)

    show = bool(progress) and _isatty(sys.stderr)
    bar = tqdm(
        range(epochs),
        disable=not show,
        file=sys.stderr,
        desc="training",
        unit="epoch",
        leave=True,
        dynamic_ncols=True,
    )
    started = time.perf_counter()
    try:
        for _epoch in bar:
            if mini and shuffle:
                rng.shuffle(order)
            total = 0.0
            batches = 0
            correct = 0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                targets = [y[i] for i in idx]
                optimizer.zero_grad()
                if runner is not None:
                    try:
                        batch_loss, outputs = runner.batch(idx)
                    except (ArithmeticError, ValueError):  # (a shift of cross-entropy's
                        optimizer.zero_grad()  # log-sum-exp outgrown): the interpreter
                        runner = None
                if runner is None:
                    outputs = [model(X[i]) for i in idx]
                    C = loss_fn(outputs, targets)
                    C.backward()
                    batch_loss = C.data
                optimizer.step()
                total += batch_loss
                batches += 1
                if right is not None:
                    correct += sum(right(o, t) for o, t in zip(outputs, targets))
            history.loss.append(total / batches)
            if history.accuracy is not None:
                history.accuracy.append(correct / n)
            if show:
                bar.set_postfix_str(f"loss {fmt(history.loss[-1])}", refresh=False)
            if replay is not None:
                replay(len(history.loss), history)
    finally:
        bar.close()
    history.seconds = time.perf_counter() - started
    if runner is not None:  # the same numbers as evaluate(), from the compiled graphs
        history.final_loss, outputs = runner.evaluate()
        if right is not None:
            history.final_accuracy = sum(right(o, t) for o, t in zip(outputs, y)) / n
    else:
        history.final_loss, history.final_accuracy = evaluate(model, X, y, loss_fn, threshold)
    return history


# ---------------------------------------------------------- the chapter's run


def chapter_run(
    epochs: int = 1000, lr: float = 1.0, *, progress: bool = False
) -> tuple[Any, History]:
    """The chapter's training run: its network and table, lr 1, full-batch gradient descent.

    ``nn.chapter_network()`` (NumPy seed-1 starting weights), the four rows of
    ``datasets.chapter_table()``, the quadratic cost summed over the rows, ``SGD(lr=1)``;
    returns the trained model and its History.

    >>> model, history = chapter_run(epochs=1000)
    >>> [round(model(x).data, 3) for x in ([0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1])]
    [0.028, 0.925, 0.925, 0.09]
    """
    from . import datasets, nn

    model = nn.chapter_network()
    X, y = datasets.chapter_table()
    opt = SGD(model.parameters(), lr=lr)
    history = fit(model, X, y, loss=quadratic_cost, optimizer=opt, epochs=epochs, progress=progress)
    return model, history
