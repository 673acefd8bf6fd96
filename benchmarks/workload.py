"""micrograd's demo step, the workload every network system runs: the same points, the same weights.

MLP(2, [16, 16, 1]), relu hidden layers, a linear output; 100 moons points; the loss
mean (1 − y·score)⁺ + 1e-4·Σp² (hinge and L2, as in micrograd's demo); one SGD step of
learning rate 1.0. The scaling section runs the same step with other widths and point counts.

>>> work = workload(width=4, points=6)
>>> work.sizes, len(work.xs), sorted(set(work.ys)), len(flat(work.weights))
((2, 4, 4, 1), 6, [-1.0, 1.0], 37)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from micrograd.nn import MLP as MicrogradMLP

from micrograd_cbook.datasets import moons, signed

ALPHA = 1e-4  # the L2 weight of micrograd's demo
LR = 1.0  # the learning rate of micrograd's demo at its first step
SEED = 1337  # micrograd's demo seeds the global RNG with it before building its MLP

Weights = list[list[tuple[list[float], float]]]  # per layer, per neuron: (w, b)


@dataclass(frozen=True)
class Workload:
    """One step's data and starting weights: moons points ``xs``, labels ``ys`` of ±1."""

    width: int
    points: int
    xs: list[list[float]]
    ys: list[float]
    weights: Weights

    @property
    def sizes(self) -> tuple[int, ...]:
        return (2, self.width, self.width, 1)

    @property
    def nouts(self) -> list[int]:
        return [self.width, self.width, 1]

    def describe(self) -> str:
        return f"MLP(2, [{self.width}, {self.width}, 1]), {self.points} points"


def workload(width: int = 16, points: int = 100) -> Workload:
    """The demo's step at this width and number of points (noise 0.1, seed 0).

    ``datasets.moons`` labels the upper moon 0 and the lower 1, as scikit-learn's
    ``make_moons`` does; micrograd's demo turns them into −1 and +1 (``y*2 - 1``), as
    ``datasets.signed`` does.
    """
    X, y = moons(points, noise=0.1, seed=0)
    return Workload(width, points, X, signed(y), starting_weights((2, width, width, 1)))


def starting_weights(sizes: tuple[int, ...]) -> Weights:
    """micrograd's own starting weights for MLP(sizes[0], sizes[1:]) under random.seed(1337).

    The global RNG (which micrograd draws from) is left as it was found.
    """
    state = random.getstate()
    try:
        random.seed(SEED)
        model = MicrogradMLP(sizes[0], list(sizes[1:]))
    finally:
        random.setstate(state)
    return [
        [([float(w.data) for w in n.w], float(n.b.data)) for n in layer.neurons]
        for layer in model.layers
    ]


def flat(weights: Weights) -> list[float]:
    """Every parameter in micrograd's order: layer by layer, neuron by neuron, w then b."""
    return [v for layer in weights for w, b in layer for v in (*w, b)]


def copy_weights(weights: Weights) -> Weights:
    """A copy whose lists can be changed without touching ``weights``."""
    return [[(list(w), b) for w, b in layer] for layer in weights]


def active_points(work: Workload) -> int:
    """How many points have a hinge term above 0 at the starting weights (1 − y·score > 0).

    Only those back-propagate anything (the others' hinge has slope 0); every system is given
    every point and runs its backward pass through all of them.
    """
    count = 0
    for x, y in zip(work.xs, work.ys):
        a = x
        for k, layer in enumerate(work.weights):
            z = [sum((wi * ai for wi, ai in zip(w, a)), b) for w, b in layer]
            a = z if k == len(work.weights) - 1 else [max(v, 0.0) for v in z]
        count += 1.0 - y * a[0] > 0.0
    return count


# ------------------------------------------------------------ the digits epoch


@dataclass(frozen=True)
class DigitsWork:
    """The digits as ``micrograd-cbook train --data digits`` trains them: its split, its
    defaults (hidden sizes, AdamW's lr and weight decay, epochs, batch size), seed 0, relu."""

    X_train: list[list[float]]
    X_test: list[list[float]]
    y_train: list[int]
    y_test: list[int]
    hidden: list[int]
    lr: float
    weight_decay: float
    epochs: int
    batch_size: int
    seed: int = 0  # the command line's --seed default: data split, weights and batches

    def describe(self) -> str:
        sizes = "-".join(str(n) for n in (len(self.X_train[0]), *self.hidden, 10))
        return (
            f"{sizes} relu, cross-entropy, AdamW(lr {self.lr:g}, weight decay "
            f"{self.weight_decay:g}), batches of {self.batch_size}, {len(self.X_train)} rows to "
            f"train, {len(self.X_test)} held out"
        )


def digits_work(samples: int | None = None, epochs: int | None = None) -> DigitsWork:
    """The command line's digits run: all 1,797 images (or a stratified subset of ``samples``,
    as its ``--samples`` takes), its test split and defaults (``epochs`` may shorten it)."""
    from internals import cli_digits_defaults

    from micrograd_cbook.datasets import digits, train_test_split

    d = cli_digits_defaults()
    seed = 0
    X, y = digits()
    if samples is not None and samples < len(X):
        _, X, _, y = train_test_split(X, y, test=samples / len(X), seed=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test=d["test"], seed=seed)
    return DigitsWork(
        X_train,
        X_test,
        y_train,
        y_test,
        hidden=list(d["hidden"]),
        lr=d["lr"],
        weight_decay=d["weight_decay"],
        epochs=d["epochs"] if epochs is None else epochs,
        batch_size=d["batch_size"],
        seed=seed,
    )
