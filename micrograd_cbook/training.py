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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm  # the terminal bar (tqdm.auto warns in Jupyter without ipywidgets)

from . import datasets, nn
from .losses import (
    LossFunction,
    get_loss,
    quadratic_cost,
)
from .metrics import accuracy, check_data, confusion_matrix, evaluate, predict, scorer
from .notation import fmt
from .optim import SGD, Optimizer
from .speed.compiled_loss import CompiledLoss
from .speed.in_arrays import TrainingInArrays
from .viz.replay import recorder

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
    epoch by epoch is written (see :mod:`micrograd_cbook.viz.replay`), or a function called as
    ``replay(epoch, history)`` after each epoch.

    ``compiled=True`` (the default) trains an ``nn`` model with a built-in loss whose graph
    has one shape for every row (quadratic, mse, hinge, cross_entropy) on the compiled
    graph of one row (:mod:`micrograd_cbook.speed.compiled_loss`), many times faster, with
    the interpreter's floats: the same history and weights, bit for bit, as
    ``compiled=False``, which builds each batch's graph and calls ``C.backward()``. Other
    models and losses (bce, whose graph depends on each logit's sign, or a function of your
    own) use the interpreter. A batch the compiled graph cannot run (a row that raises) runs
    through the interpreter, which then says what is wrong.

    >>> from micrograd_cbook import datasets, nn
    >>> X, y = datasets.chapter_table()
    >>> h = fit(nn.chapter_network(), X, y, epochs=10, lr=1.0, progress=False)
    >>> len(h.loss), h.loss[0] > h.final_loss
    (10, True)
    """
    check_data(model, X, y)
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
    right = scorer(y, loss_fn, threshold)
    history = History(accuracy=None if right is None else [])
    rng = random.Random(seed)
    order = list(range(n))
    mini = batch_size < n
    runner = CompiledLoss.build(model, loss_fn, X, y) if compiled else None
    # The parameters in arrays from step to step, where they may be (the same numbers)
    arrays = None if runner is None else TrainingInArrays.build(runner, optimizer)

    if replay is not None:
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
                done = None
                if arrays is not None:  # zero_grad, the batch and the step, on the arrays
                    try:
                        done = arrays.batch(idx)
                    except (ArithmeticError, ValueError):  # the interpreter says what
                        arrays.write_back()
                        arrays = runner = None
                if done is not None:
                    batch_loss, outputs = done
                    arrays.step()  # type: ignore[union-attr]
                else:
                    if arrays is not None:  # a batch that does not run at once: on the Values
                        arrays.write_back()
                        if len(idx) == batch_size:  # a full one: nor will the others
                            arrays = None
                    optimizer.zero_grad()
                    if runner is not None:
                        try:
                            batch_loss, outputs = runner.batch(idx)
                        except (ArithmeticError, ValueError):  # the interpreter says what
                            optimizer.zero_grad()
                            arrays = runner = None
                    if runner is None:
                        outputs = [model(X[i]) for i in idx]
                        C = loss_fn(outputs, targets)
                        C.backward()
                        batch_loss = C.data
                    optimizer.step()
                    if arrays is not None:  # (a last, smaller batch): back to the arrays
                        arrays.read()
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
                if arrays is not None:
                    arrays.write_back()  # the replay reads the model (and may change it)
                replay(len(history.loss), history)
                if arrays is not None:
                    arrays.read()
    finally:
        if arrays is not None:
            arrays.write_back()
        bar.close()
    history.seconds = time.perf_counter() - started
    try:  # the same numbers as evaluate(), from the compiled graphs
        final = None if runner is None else runner.evaluate()
    except (ArithmeticError, ValueError):  # the interpreter says what
        final = None
    if final is not None:
        history.final_loss, outputs = final
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
    model = nn.chapter_network()
    X, y = datasets.chapter_table()
    opt = SGD(model.parameters(), lr=lr)
    history = fit(model, X, y, loss=quadratic_cost, optimizer=opt, epochs=epochs, progress=progress)
    return model, history
