"""Loss functions: the cost C that back-propagation differentiates, built from engine operations.

Each takes the network's outputs (a Value, a list of Values, or a list of such lists, one
per row) and the targets (numbers or Values, the same shape) and returns one Value
labelled ``C``, so ``C.backward()`` fills every weight's ∂C/∂w.

>>> from micrograd_cbook import Value
>>> a = Value(0.75, "a")
>>> C = quadratic_cost(a, 1.0)   # the chapter's C = ½ (y − a)²
>>> C.backward()
>>> C.data, a.grad               # ∂C/∂a = a − y, equation (1.3)
(0.03125, -0.25)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from .engine import Value, apply, sum_values
from .ops import MAX

__all__ = [
    "LOSSES",
    "PARTS",
    "Parts",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "get_loss",
    "hinge",
    "l2_penalty",
    "mse",
    "one_hot",
    "quadratic_cost",
    "softmax",
]

Outputs = Value | Sequence["Value | Sequence[Value]"]
Targets = float | Value | Sequence["float | Value | Sequence[float | Value]"]


def _flatten(x: object) -> list:
    """A Value or number stays one item; (nested) lists are flattened row by row."""
    out: list = []
    stack = [x]
    while stack:  # iterative: deep nesting cannot overflow the stack
        item = stack.pop()
        if _is_item(item):
            out.append(item)
        else:
            stack.extend(reversed(_rows(item, "value")))
    return out


def _is_item(x: object) -> bool:
    """A Value or a real number (not a bool: True is no target)."""
    return isinstance(x, Value) or (isinstance(x, Real) and not isinstance(x, bool))


def _rows(x: object, what: str) -> list:
    """The items of a list of outputs or targets; TypeError for what is no list of them."""
    if (
        isinstance(x, (str, bytes, bytearray, bool, Mapping, Set))
        or x is None
        or not (hasattr(x, "__len__") and hasattr(x, "__getitem__"))
    ):
        raise TypeError(
            f"{what} must be numbers or Values, or lists of them (one per output), "
            f"got {type(x).__name__}: {x!r:.60}"
        )
    return [x[i] for i in range(len(x))]  # type: ignore[index]


def _pairs(outputs: Outputs, targets: Targets, name: str) -> tuple[list[Value], list]:
    """The outputs and targets as two flat lists of equal, non-zero length (the boundary check).

    Their shapes must agree row by row (a single output also pairs with a one-item list).
    """
    a: list = []
    y: list = []
    stack: list[tuple[object, object, tuple[int, ...]]] = [(outputs, targets, ())]
    while stack:  # iterative: deep nesting cannot overflow the stack
        o, t, path = stack.pop()
        one_o, one_t = _is_item(o), _is_item(t)
        if one_o and one_t:
            a.append(o)
            y.append(t)
            continue
        rows_o = [o] if one_o else _rows(o, f"{name}: outputs")
        rows_t = [t] if one_t else _rows(t, f"{name}: targets")
        if len(rows_o) != len(rows_t):
            n_a, n_y = len(_flatten(rows_o)), len(_flatten(rows_t))
            if not path and n_a != n_y:
                raise ValueError(
                    f"{name}: {n_a} outputs but {n_y} targets; give one target per output"
                )
            at = f"row {', item '.join(map(str, path))}" if path else "the outputs and targets"
            raise ValueError(
                f"{name}: {at} has {len(rows_o)} outputs but {len(rows_t)} targets "
                "(shapes differ); give each row as many targets as outputs"
            )
        deeper = not (one_o or one_t)  # a single output also pairs with a one-item list
        stack.extend(
            (ro, rt, (*path, i) if deeper else path)
            for i, (ro, rt) in reversed(list(enumerate(zip(rows_o, rows_t))))
        )
    if not a:
        raise ValueError(f"{name}: no outputs; give at least one output and its target")
    for ai in a:
        if not isinstance(ai, Value):
            raise TypeError(
                f"{name}: outputs must be Values (the model's outputs), got {type(ai).__name__}"
            )
    return a, y


def _labelled(c: Value) -> Value:
    c.label = "C"
    return c


def quadratic_cost(outputs: Outputs, targets: Targets) -> Value:
    """The chapter's quadratic cost C = ½ Σ (y − a)², summed over every output and row.

    Its derivative is ∂C/∂a = a − y, equation (1.3) of the chapter. For a network with
    several outputs, e.g. the chapter's ten for digit recognition, C = ½ Σⱼ (yⱼ − aᴸⱼ)² with
    one-hot targets: y = :func:`one_hot` (the class, the number of outputs).

    >>> from micrograd_cbook import Value
    >>> quadratic_cost([Value(0.5), Value(0.25)], [1, 0]).data   # ½ (0.25 + 0.0625)
    0.15625
    >>> a = [Value(0.25), Value(0.5), Value(0.0)]
    >>> quadratic_cost(a, one_hot(1, 3)).data                    # ½ (0.0625 + 0.25 + 0)
    0.15625
    """
    a, y = _pairs(outputs, targets, "quadratic_cost")
    return _labelled(_half_sum(_squared_errors(a, y)))


def _squared_errors(a: Sequence[Value], y: Sequence[Any]) -> list[Value]:
    """(y − a)² for each output. The terms stay unlabelled: explain(C, w, labelled_only=True)
    then folds them into one factor ∂C/∂a, the chapter's chain ∂z/∂w · ∂a/∂z · ∂C/∂a."""
    return [(yi - ai) ** 2 for ai, yi in zip(a, y)]


def _half_sum(terms: list[Value]) -> Value:
    return sum_values(terms) * 0.5


def mse(outputs: Outputs, targets: Targets) -> Value:
    """Mean squared error: (1/n) Σ (a − y)² over every output and row.

    >>> from micrograd_cbook import Value
    >>> mse([Value(0.5), Value(0.25)], [1, 0]).data
    0.15625
    """
    a, y = _pairs(outputs, targets, "mse")
    return _labelled(_mean_of_squares(_squares(a, y)))


def _squares(a: Sequence[Value], y: Sequence[Any]) -> list[Value]:
    return [(ai - yi) ** 2 for ai, yi in zip(a, y)]


def _mean_of_squares(terms: list[Value]) -> Value:
    total = sum_values(terms)
    total.label = "Σ(a−y)²"
    return total * (1.0 / len(terms))


def hinge(scores: Outputs, targets: Targets) -> Value:
    """Max-margin (hinge) loss: the mean of (1 − y·score)⁺ for labels y = −1 or +1.

    A score is right with margin when y·score ≥ 1; then it costs nothing.

    >>> from micrograd_cbook import Value
    >>> hinge([Value(2.0), Value(0.5), Value(0.5)], [1, 1, -1]).data   # (0 + 0.5 + 1.5) / 3
    0.6666666666666666
    """
    s, y = _pairs(scores, targets, "hinge")
    for yi in y:
        label = yi.data if isinstance(yi, Value) else yi
        if label not in (-1, 1):
            raise ValueError(
                f"hinge needs labels -1 or +1, got {label!r}; convert 0/1 labels with 2*y - 1"
            )
    return _labelled(_mean(_margins(s, y)))


def _margins(s: Sequence[Value], y: Sequence[Any]) -> list[Value]:
    return [(1 - si * yi).relu() for si, yi in zip(s, y)]


def _mean(terms: list[Value]) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def _log1p(e: Value) -> Value:
    """ln(1 + e) for 0 ≤ e ≤ 1, to a few rounding errors also when e is tiny.

    u = 1 + e rounds; its rounding error δ = e − (u − 1) is exact in floats (u − 1 is, for
    u in [1, 2]), and ln(1 + e) = ln(u + δ) = ln u + δ/u up to (δ/u)²/2, below 1e-32. So
    the sum of ln u and δ/u is as good as a log1p, and its derivative 1/u − δ/u² too.
    """
    u = 1 + e
    return u.log() + (e - (u - 1)) / u


def binary_cross_entropy_with_logits(logits: Outputs, targets: Targets) -> Value:
    """Binary cross-entropy from logits z (before the sigmoid), the mean over rows; any z is safe.

    Per row: −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = max(z, 0) − y·z + ln(1 + e^−|z|), the
    log-sum-exp form, so no exp overflows and no log of 0 is taken. Its derivative is
    σ(z) − y. Targets are probabilities in [0, 1] (usually 0 or 1). As PyTorch's
    ``binary_cross_entropy_with_logits``.

    Accuracy, measured against mpmath (800 digits) for |z| from 1e-8 to 3e4 and labels 0
    and 1: the loss and its gradient are within 3e-16 relative (a rounding error or two)
    wherever the true value is a normal float. For a fractional y the gradient σ(z) − y is
    a difference: within about 1e-16 of it, not relative to it.

    >>> from micrograd_cbook import Value
    >>> z = Value(0.0)
    >>> C = binary_cross_entropy_with_logits([z], [1]); C.backward()
    >>> round(C.data, 6), z.grad     # ln 2, and σ(0) − 1
    (0.693147, -0.5)
    >>> binary_cross_entropy_with_logits([Value(1000.0)], [0]).data   # no overflow
    1000.0
    """
    z, y = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    terms = []
    for zi, yi in zip(z, y):
        if zi.data >= 0.0:  # max(z, 0) − y·z = (1 − y)·z: no cancellation when y = 1
            linear = zi * (1 - yi)
            e = (-zi).exp()  # e^−z ≤ 1
        else:  # max(z, 0) − y·z = −y·z
            linear = zi * (-yi if isinstance(yi, Value) else -float(yi))
            e = zi.exp()  # e^z < 1
        terms.append(linear + _log1p(e))
    return _labelled(sum_values(terms) * (1.0 / len(z)))


def l2_penalty(params: Iterable[Value]) -> Value:
    """Σ p² over the parameters: add α times it to a loss to keep weights small.

    >>> from micrograd_cbook import Value
    >>> l2_penalty([Value(3.0), Value(-4.0)]).data
    25.0
    """
    return sum_values([p * p for p in params])


def one_hot(label: int, n_classes: int) -> list[float]:
    """The target vector y for class ``label`` of ``n_classes``: 1 at that index, 0 elsewhere.

    >>> one_hot(3, 10)
    [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, Integral) or n_classes < 1:
        raise ValueError(f"one_hot: n_classes must be a positive int, got {n_classes!r}")
    _check_class(label, int(n_classes), "one_hot", "label")
    y = [0.0] * int(n_classes)
    y[int(label)] = 1.0
    return y


def _check_class(target: object, n_classes: int, name: str, what: str) -> int:
    """A class index as an int in [0, n_classes), or a ValueError saying what is wrong."""
    if isinstance(target, bool) or not isinstance(target, Integral):
        raise ValueError(
            f"{name}: {what} must be a class index, an int from 0 to {n_classes - 1}, "
            f"got {target!r} ({type(target).__name__})"
        )
    if not 0 <= target < n_classes:
        raise ValueError(
            f"{name}: {what} {target!r} is out of range for {n_classes} classes "
            f"(give an int from 0 to {n_classes - 1})"
        )
    return int(target)


def _logit_row(row: object, name: str, where: str) -> list[Value]:
    """One example's logits as a non-empty list of finite Values, or a clear error."""
    if isinstance(row, (Value, str, bytes)) or not isinstance(row, Sequence):
        raise TypeError(
            f"{name}: {where} must be a list of Values (one logit per class, the outputs of "
            f"a model with several outputs), got {type(row).__name__}"
        )
    if not row:
        raise ValueError(f"{name}: {where} is empty; give one logit per class")
    for j, z in enumerate(row):
        if not isinstance(z, Value):
            batch = " (a batch? give a list of targets, one per row)" if isinstance(z, list) else ""
            raise TypeError(
                f"{name}: logits must be Values (the model's outputs), got "
                f"{type(z).__name__} at {where}[{j}]{batch}"
            )
        if not math.isfinite(z.data):
            raise ValueError(
                f"{name}: logit {where}[{j}] is {z.data!r}; logits must be finite "
                "(did the weights diverge?)"
            )
    return list(row)


def _shifted(z: list[Value]) -> list[Value]:
    """zⱼ − max z: the same softmax and log-sum-exp, and no exp above 1 (no overflow).

    max z is a node of its own (op "max", Python's max of two), so that a compiled graph
    computes each row's own max; its local grads are 0 (the shift cancels), so every grad is
    the one a constant shift gives. The maxes are taken in pairs, a tree of ⌈log₂ n⌉ levels
    (the rows at once run a level at a time): the same max of finite logits as a chain's.
    """
    level = list(z) if len(z) > 1 else [z[0], z[0]]
    while len(level) > 1:
        pairs = [apply(MAX.tag, a, b) for a, b in zip(level[::2], level[1::2])]
        level = pairs + level[len(pairs) * 2 :]  # an odd one out: up to the next level
    m = level[0]
    return [v - m for v in z]


def softmax(values: Sequence[Value]) -> list[Value]:
    """The probabilities e^zⱼ / Σₖ e^zₖ for the logits z; stable for logits of any size.

    Computed from zⱼ − max z, which leaves the result unchanged and keeps every e^… ≤ 1.

    >>> from micrograd_cbook import Value
    >>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0), Value(3.0)])]
    [0.09, 0.2447, 0.6652]
    >>> [p.data for p in softmax([Value(1000.0), Value(0.0)])]   # no overflow
    [1.0, 0.0]
    """
    z = _logit_row(values, "softmax", "values")
    exps = [v.exp() for v in _shifted(z)]
    total = sum_values(exps)
    return [e / total for e in exps]


def _cross_entropy_one(z: list[Value], target: int | list) -> Value:
    """−ln softmax(z)[c] = log-sum-exp(z) − z_c from the shifted logits; for class
    probabilities p, Σⱼ pⱼ·(log-sum-exp(z) − zⱼ) (with a one-hot p: the same floats)."""
    s = _shifted(z)
    lse = sum_values([v.exp() for v in s]).log()  # ln Σ e^(zₖ − max z), a sum ≥ 1
    if isinstance(target, int):
        return lse - s[target]
    return sum_values([p * (lse - sj) for p, sj in zip(target, s)])


def _probabilities(row: object, n_classes: int, name: str, what: str) -> list:
    """Class probabilities (numbers ≥ 0, or Values), one per class, or a clear error."""
    if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != n_classes:
        raise ValueError(
            f"{name}: {what} must be a class index or {n_classes} class probabilities, got {row!r}"
        )
    for p in row:
        if isinstance(p, Value):
            continue
        if isinstance(p, bool) or not isinstance(p, Real) or not 0.0 <= p < math.inf:
            raise ValueError(
                f"{name}: {what} holds {p!r}; class probabilities are numbers ≥ 0 (or Values)"
            )
    return list(row)


def cross_entropy(logits: Sequence[Any], targets: int | Sequence[int]) -> Value:
    """The cross-entropy −ln softmax(z)[c] of logits z for class c, the mean over a batch.

    One example: ``logits`` a list of Values (one per class), ``targets`` an int class.
    A batch: a list of such lists and a list of ints. As in PyTorch, a target may also be
    the class probabilities (one per class: numbers, or Values), e.g. a one-hot row.
    Computed as log-sum-exp(z) − z_c from z − max z, so logits of ±700 (or ±1e300) are fine.
    Its derivative is softmax(z) − one-hot(c). As PyTorch's ``F.cross_entropy`` (reduction
    "mean").

    >>> from micrograd_cbook import Value
    >>> z = [Value(0.0), Value(0.0)]
    >>> C = cross_entropy(z, 1); C.backward()
    >>> round(C.data, 6), [v.grad for v in z]        # ln 2; softmax − one-hot
    (0.693147, [0.5, -0.5])
    >>> cross_entropy([[Value(700.0), Value(-700.0)]], [1]).data
    1400.0
    """
    name = "cross_entropy"
    if isinstance(targets, (Integral, bool)) or not isinstance(targets, Sequence):
        z = _logit_row(logits, name, "logits")
        return _labelled(_cross_entropy_one(z, _check_class(targets, len(z), name, "target")))
    if (
        isinstance(logits, Sequence)
        and logits
        and isinstance(logits[0], Value)
        and not isinstance(targets, (str, bytes))
    ):
        z = _logit_row(logits, name, "logits")  # one example and its class probabilities
        return _labelled(_cross_entropy_one(z, _probabilities(targets, len(z), name, "target")))
    if isinstance(logits, Value) or not isinstance(logits, Sequence):
        raise TypeError(
            f"{name}: a batch of targets needs a list of logit rows, got {type(logits).__name__}"
        )
    if isinstance(targets, (str, bytes)):
        raise ValueError(f"{name}: targets must be ints (class indices), got {targets!r}")
    if len(logits) != len(targets):
        raise ValueError(
            f"{name}: {len(logits)} rows of logits but {len(targets)} targets; "
            "give one class per row"
        )
    if not logits:
        raise ValueError(f"{name}: no examples; give at least one row of logits and its class")
    rows = [_logit_row(row, name, f"logits[{i}]") for i, row in enumerate(logits)]
    n_classes = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != n_classes:
            raise ValueError(
                f"{name}: logits[{i}] has {len(row)} logits but logits[0] has {n_classes}; "
                "every row needs one logit per class"
            )
    classes = [
        _check_class(t, n_classes, name, f"targets[{i}]")
        if isinstance(t, Integral) or not isinstance(t, Sequence)
        else _probabilities(t, n_classes, name, f"targets[{i}]")
        for i, t in enumerate(targets)
    ]
    return _labelled(_mean_of_rows([_cross_entropy_one(z, c) for z, c in zip(rows, classes)]))


def _mean_of_rows(terms: list[Value]) -> Value:
    """The batch's mean, Σ / n as PyTorch divides it (one example: its own cost)."""
    return terms[0] if len(terms) == 1 else sum_values(terms) / len(terms)


def _cross_entropy_row(z: Sequence[Value], probabilities: Sequence[Any]) -> list[Value]:
    return [_cross_entropy_one(list(z), list(probabilities))]


@dataclass(frozen=True)
class Parts:
    """A built-in loss whose graph has one shape for every row, as ``combine(terms)``.

    ``terms(a, y)``: one row's terms from its outputs a (a list of Values) and targets y
    (numbers or Values; cross-entropy's class as its probabilities, one per output), e.g.
    (yⱼ − aⱼ)² for the quadratic cost; ``combine``: every row's terms, row after row, to C.
    The loss over a batch is exactly ``combine`` of its rows' terms (the function is written
    so), which is how fit's compiled path (:mod:`micrograd_cbook.speed.compiled_loss`) gets
    the interpreter's floats while it runs one row's graph at a time.

    >>> from micrograd_cbook import Value
    >>> a, y = [Value(0.5), Value(0.25)], [1.0, 0.0]
    >>> p = PARTS[quadratic_cost]
    >>> p.combine(p.terms(a, y)).data == quadratic_cost(a, y).data
    True
    """

    terms: Callable[[Sequence[Value], Sequence[Any]], list[Value]]
    combine: Callable[[list[Value]], Value]


LOSSES: dict[str, Callable[[Outputs, Targets], Value]] = {
    "quadratic": quadratic_cost,
    "mse": mse,
    "hinge": hinge,
    "bce": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
}


LossFunction = Callable[[Outputs, Targets], Value]

PARTS: dict[Callable[..., Value], Parts] = {
    quadratic_cost: Parts(_squared_errors, _half_sum),
    mse: Parts(_squares, _mean_of_squares),
    hinge: Parts(_margins, _mean),
    cross_entropy: Parts(_cross_entropy_row, _mean_of_rows),
}


def get_loss(loss: str | LossFunction) -> LossFunction:
    """The loss function named ``loss`` (a key of :data:`LOSSES`), or ``loss`` itself.

    >>> get_loss("hinge").__name__
    'hinge'
    """
    if callable(loss):
        return loss
    if loss not in LOSSES:
        choices = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"unknown loss {loss!r}: choose one of {choices}, or pass a function")
    return LOSSES[loss]
