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

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from numbers import Real

from .engine import Value, sum_values

__all__ = [
    "LOSSES",
    "binary_cross_entropy_with_logits",
    "get_loss",
    "hinge",
    "l2_penalty",
    "mse",
    "quadratic_cost",
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
    if isinstance(x, (str, bytes, bytearray, bool, Mapping, Set)) or x is None or not (
            hasattr(x, "__len__") and hasattr(x, "__getitem__")):
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
        stack.extend((ro, rt, (*path, i) if deeper else path)
                     for i, (ro, rt) in reversed(list(enumerate(zip(rows_o, rows_t)))))
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

    Its derivative is ∂C/∂a = a − y, equation (1.3) of the chapter.

    >>> from micrograd_cbook import Value
    >>> quadratic_cost([Value(0.5), Value(0.25)], [1, 0]).data   # ½ (0.25 + 0.0625)
    0.15625
    """
    a, y = _pairs(outputs, targets, "quadratic_cost")
    # The terms stay unlabelled: explain(C, w, labelled_only=True) then folds them into
    # one factor ∂C/∂a, the chapter's three-factor chain ∂z/∂w · ∂a/∂z · ∂C/∂a.
    total = sum_values([(yi - ai) ** 2 for ai, yi in zip(a, y)])
    return _labelled(total * 0.5)


def mse(outputs: Outputs, targets: Targets) -> Value:
    """Mean squared error: (1/n) Σ (a − y)² over every output and row.

    >>> from micrograd_cbook import Value
    >>> mse([Value(0.5), Value(0.25)], [1, 0]).data
    0.15625
    """
    a, y = _pairs(outputs, targets, "mse")
    total = sum_values([(ai - yi) ** 2 for ai, yi in zip(a, y)])
    total.label = "Σ(a−y)²"
    return _labelled(total * (1.0 / len(a)))


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
    terms = [(1 - si * yi).relu() for si, yi in zip(s, y)]
    return _labelled(sum_values(terms) * (1.0 / len(s)))


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


LOSSES: dict[str, Callable[[Outputs, Targets], Value]] = {
    "quadratic": quadratic_cost,
    "mse": mse,
    "hinge": hinge,
    "bce": binary_cross_entropy_with_logits,
}


LossFunction = Callable[[Outputs, Targets], Value]


def get_loss(loss: str | LossFunction) -> LossFunction:
    """The loss function named ``loss`` ("quadratic", "mse", "hinge", "bce"), or ``loss`` itself.

    >>> get_loss("hinge").__name__
    'hinge'
    """
    if callable(loss):
        return loss
    if loss not in LOSSES:
        choices = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"unknown loss {loss!r}: choose one of {choices}, or pass a function")
    return LOSSES[loss]
