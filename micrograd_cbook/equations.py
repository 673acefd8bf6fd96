"""The chapter's closed forms for a two-layer sigmoid network: equations (A) and (B), on floats.

The network is a⁽⁰⁾ → a⁽¹⁾ → a⁽²⁾ with z⁽ˡ⁾ = w⁽ˡ⁾ a⁽ˡ⁻¹⁾ (+ b⁽ˡ⁾) and a⁽ˡ⁾ = σ(z⁽ˡ⁾), and the
quadratic cost C = ½‖y − a⁽²⁾‖² (layer numbers in parentheses: a⁽²⁾ is layer 2's
activation, not a squared). These functions use no engine and no numpy, so they are an independent
check of back-propagation: the tests compare them with ``backward()``.

Weight layout (Nielsen's w⁽ˡ⁾ⱼₖ, as the chapter says, and as :mod:`micrograd_cbook.nn` labels
them ``w2[j,k]``): ``w[j][k]`` is the weight from unit k of layer l−1 to unit j of layer l,
so ``w1`` has one row per hidden unit and ``w2`` one row per output unit. The chapter's
network, ``nn.MLP(3, [4, 1], activation="sigmoid", bias=False)``, has no biases, and neither
do these functions by default; pass ``b1``, ``b2`` (one number per unit) for a network with
biases. (A) and (B) do not change with biases: they only shift z.

>>> a0, y = [1.0, 0.0], [1.0]
>>> w1 = [[0.5, -0.5], [0.25, 1.0]]          # 2 inputs → 2 hidden units
>>> w2 = [[1.0, -1.0]]                       # 2 hidden units → 1 output
>>> f = forward(a0, w1, w2)
>>> [round(a, 4) for a in f.a2]
[0.5151]
>>> [[round(g, 4) for g in row] for row in dC_dw2(a0, w1, w2, y)]   # (A)
[[-0.0754, -0.0681]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Forward",
    "cost",
    "dC_db1",
    "dC_db2",
    "dC_dw1",
    "dC_dw2",
    "forward",
    "sigmoid",
    "sigmoid_prime",
]

Vector = Sequence[float]
Matrix = Sequence[Sequence[float]]


def sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^−z), computed without overflow for any finite z.

    >>> sigmoid(0.0), round(sigmoid(1.0), 4)
    (0.5, 0.7311)
    """
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def sigmoid_prime(z: float) -> float:
    """σ′(z) = σ(z)(1 − σ(z)), the chapter's ∂a/∂z (equations 1.2 and 2.2).

    Computed as e / (1 + e)² from e = e^−|z| (σ′ is even), so the tails keep their digits
    where 1 − σ(z) would round to 0: σ′(40) is 4.2e-18, not 0.

    >>> round(sigmoid_prime(1.0), 4), f"{sigmoid_prime(40.0):.4e}"
    (0.1966, '4.2484e-18')
    """
    e = math.exp(-abs(z))
    return e / ((1.0 + e) * (1.0 + e))


@dataclass(frozen=True)
class Forward:
    """The forward pass of the two-layer network: every z and a, layer by layer."""

    a0: tuple[float, ...]
    z1: tuple[float, ...]
    a1: tuple[float, ...]
    z2: tuple[float, ...]
    a2: tuple[float, ...]


def _layer(w: Matrix, a: Vector, b: Vector | None, name: str) -> tuple[float, ...]:
    """zⱼ = Σₖ w[j][k]·a[k] (+ b[j]) for each unit j, with the shapes checked."""
    if b is not None and len(b) != len(w):
        raise ValueError(f"{name}: {len(w)} units but {len(b)} biases")
    z = []
    for j, row in enumerate(w):
        if len(row) != len(a):
            raise ValueError(
                f"{name}[{j}] has {len(row)} weights but layer {name[-1]} gets {len(a)} inputs; "
                f"w[j][k] is the weight from unit k of the previous layer to unit j"
            )
        s = sum(map(float.__mul__, map(float, row), map(float, a)), 0.0)
        z.append(s + float(b[j]) if b is not None else s)
    return tuple(z)


def forward(
    a0: Vector, w1: Matrix, w2: Matrix, b1: Vector | None = None, b2: Vector | None = None
) -> Forward:
    """The forward pass: z⁽¹⁾ = w⁽¹⁾a⁽⁰⁾ (+ b⁽¹⁾), a⁽¹⁾ = σ(z⁽¹⁾), z⁽²⁾ = w⁽²⁾a⁽¹⁾ (+ b⁽²⁾),
    a⁽²⁾ = σ(z⁽²⁾).

    >>> f = forward([1.0], [[0.0]], [[2.0]])
    >>> f.z1, f.a1, f.z2
    ((0.0,), (0.5,), (1.0,))
    """
    a0 = tuple(float(x) for x in a0)
    z1 = _layer(w1, a0, b1, "w1")
    a1 = tuple(sigmoid(z) for z in z1)
    z2 = _layer(w2, a1, b2, "w2")
    a2 = tuple(sigmoid(z) for z in z2)
    return Forward(a0, z1, a1, z2, a2)


def cost(a2: Vector, y: Vector) -> float:
    """The quadratic cost C = ½‖y − a⁽²⁾‖² = ½ Σⱼ (yⱼ − a⁽²⁾ⱼ)².

    >>> cost([0.5, 0.25], [1.0, 0.0])
    0.15625
    """
    _check_targets(a2, y)
    return 0.5 * sum((float(yj) - aj) ** 2 for aj, yj in zip(a2, y))


def _check_targets(a2: Vector, y: Vector) -> None:
    if len(y) != len(a2):
        raise ValueError(f"{len(a2)} outputs but {len(y)} targets: give one y per output unit")


def _delta2(f: Forward, y: Vector) -> list[float]:
    """σ′(z⁽²⁾ⱼ)·(a⁽²⁾ⱼ − yⱼ) for each output unit j: the two factors (A) and (B) share."""
    _check_targets(f.a2, y)
    return [sigmoid_prime(z) * (a - float(yj)) for z, a, yj in zip(f.z2, f.a2, y)]


def _delta1(f: Forward, w2: Matrix, y: Vector) -> list[float]:
    """σ′(z⁽¹⁾ₖ) · Σⱼ (a⁽²⁾ⱼ − yⱼ)·σ′(z⁽²⁾ⱼ)·w⁽²⁾ⱼₖ for each hidden unit k: ∂C/∂z⁽¹⁾ₖ."""
    d2 = _delta2(f, y)
    return [
        sigmoid_prime(z) * sum(d2[j] * float(w2[j][k]) for j in range(len(d2)))
        for k, z in enumerate(f.z1)
    ]


def dC_dw2(
    a0: Vector,
    w1: Matrix,
    w2: Matrix,
    y: Vector,
    b1: Vector | None = None,
    b2: Vector | None = None,
) -> list[list[float]]:
    """Equation (A) for every weight of layer 2: ∂C/∂w⁽²⁾ⱼₖ = a⁽¹⁾ₖ · σ′(z⁽²⁾ⱼ) · (a⁽²⁾ⱼ − yⱼ).

    >>> g = dC_dw2([1.0], [[0.0]], [[2.0]], [1.0])     # a⁽¹⁾ = 0.5, z⁽²⁾ = 1
    >>> round(g[0][0], 4)                               # 0.5 × 0.1966 × (−0.2689)
    -0.0264
    """
    f = forward(a0, w1, w2, b1, b2)
    d2 = _delta2(f, y)
    return [[a1k * d2[j] for a1k in f.a1] for j in range(len(d2))]


def dC_dw1(
    a0: Vector,
    w1: Matrix,
    w2: Matrix,
    y: Vector,
    b1: Vector | None = None,
    b2: Vector | None = None,
) -> list[list[float]]:
    """Equation (B) for every weight of layer 1, summed over the output units j:
    ∂C/∂w⁽¹⁾ₖᵢ = a⁽⁰⁾ᵢ · σ′(z⁽¹⁾ₖ) · Σⱼ (a⁽²⁾ⱼ − yⱼ) · σ′(z⁽²⁾ⱼ) · w⁽²⁾ⱼₖ.

    >>> g = dC_dw1([1.0], [[0.0]], [[2.0]], [1.0])
    >>> round(g[0][0], 4)                               # 1 × 0.25 × (−0.2689 × 0.1966 × 2)
    -0.0264
    """
    f = forward(a0, w1, w2, b1, b2)
    d1 = _delta1(f, w2, y)
    return [[d1[k] * a0i for a0i in f.a0] for k in range(len(d1))]


def dC_db2(
    a0: Vector,
    w1: Matrix,
    w2: Matrix,
    y: Vector,
    b1: Vector | None = None,
    b2: Vector | None = None,
) -> list[float]:
    """(A) with ∂z⁽²⁾ⱼ/∂b⁽²⁾ⱼ = 1 in place of a⁽¹⁾: ∂C/∂b⁽²⁾ⱼ = σ′(z⁽²⁾ⱼ) · (a⁽²⁾ⱼ − yⱼ).

    >>> round(dC_db2([1.0], [[0.0]], [[2.0]], [1.0])[0], 4)
    -0.0529
    """
    return _delta2(forward(a0, w1, w2, b1, b2), y)


def dC_db1(
    a0: Vector,
    w1: Matrix,
    w2: Matrix,
    y: Vector,
    b1: Vector | None = None,
    b2: Vector | None = None,
) -> list[float]:
    """(B) with ∂z⁽¹⁾ₖ/∂b⁽¹⁾ₖ = 1 in place of a⁽⁰⁾:
    ∂C/∂b⁽¹⁾ₖ = σ′(z⁽¹⁾ₖ) · Σⱼ (a⁽²⁾ⱼ − yⱼ)σ′(z⁽²⁾ⱼ)w⁽²⁾ⱼₖ.

    >>> round(dC_db1([1.0], [[0.0]], [[2.0]], [1.0])[0], 4)
    -0.0264
    """
    return _delta1(forward(a0, w1, w2, b1, b2), w2, y)
