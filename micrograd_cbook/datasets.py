"""Small data sets in pure Python: the chapter's table, XOR, two moons and circles.

Each returns ``(X, y)``: a list of rows (lists of floats) and a list of labels 0.0 or 1.0
(for the hinge loss, which wants −1 and +1, use :func:`signed`). Random ones take a
``seed`` for ``random.Random`` (never the global RNG): the same seed, the same data.

>>> X, y = chapter_table()
>>> X[1], y[1]
([0.0, 1.0, 1.0], 1.0)
"""

from __future__ import annotations

import math
import random

__all__ = ["DATASETS", "chapter_table", "circles", "moons", "signed", "xor"]

Data = tuple[list[list[float]], list[float]]


def chapter_table() -> Data:
    """The chapter's four rows: inputs with a constant-1 third column, targets 0, 1, 1, 0.

    The third column plays the part of a bias (the chapter's network has none).

    >>> chapter_table()
    ([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    X = [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    return X, [0.0, 1.0, 1.0, 0.0]


def _check(n: int, noise: float, who: str, least: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < least:
        raise ValueError(f"{who}: n must be an int ≥ {least} (the number of points), got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0.0:
        raise ValueError(f"{who}: noise must be a number ≥ 0 (a standard deviation), got {noise!r}")


def xor(n: int = 4, noise: float = 0.0, seed: int | None = None) -> Data:
    """XOR: label 1 when exactly one coordinate is 1; ``n`` points cycling through the 4 corners.

    With ``noise`` > 0 each point moves by Gaussian noise of that standard deviation.

    >>> xor()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    _check(n, noise, "xor")
    rng = random.Random(seed)
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    X, y = [], []
    for i in range(n):
        a, b = corners[i % 4]
        if noise:
            a, b = a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)
        X.append([a, b])
        y.append(1.0 if (i % 4) in (1, 2) else 0.0)
    return X, y


def _linspace(start: float, stop: float, n: int, endpoint: bool = True) -> list[float]:
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1 if endpoint else n)
    return [start + i * step for i in range(n)]


def _shuffled(X: list[list[float]], y: list[float], rng: random.Random) -> Data:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Data:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), shuffled.

    Label 0: the upper moon (cos t, sin t); label 1: the lower one (1 − cos t, ½ − sin t),
    t in [0, π]; then Gaussian noise of standard deviation ``noise``.

    >>> X, y = moons(10, noise=0.0, seed=0)
    >>> len(X), sum(y)
    (10, 5.0)
    """
    _check(n, noise, "moons", least=2)
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    X: list[list[float]] = []
    y: list[float] = []
    for t in _linspace(0.0, math.pi, n_upper):
        X.append([math.cos(t), math.sin(t)])
        y.append(0.0)
    for t in _linspace(0.0, math.pi, n_lower):
        X.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        y.append(1.0)
    if noise:
        X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X]
    return _shuffled(X, y, rng)


def circles(
    n: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = None
) -> Data:
    """A small circle inside a large one (as scikit-learn's ``make_circles``), shuffled.

    Label 0: the unit circle; label 1: the circle of radius ``factor`` (0 < factor < 1);
    then Gaussian noise of standard deviation ``noise``.

    >>> X, y = circles(8, factor=0.5, seed=0)
    >>> sorted(round(math.hypot(*p), 6) for p in X)
    [0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0]
    """
    _check(n, noise, "circles", least=2)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0.0 < factor < 1.0:
        raise ValueError(f"circles: factor must be between 0 and 1 (exclusive), got {factor!r}")
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X: list[list[float]] = []
    y: list[float] = []
    for t in _linspace(0.0, 2.0 * math.pi, n_outer, endpoint=False):
        X.append([math.cos(t), math.sin(t)])
        y.append(0.0)
    for t in _linspace(0.0, 2.0 * math.pi, n_inner, endpoint=False):
        X.append([factor * math.cos(t), factor * math.sin(t)])
        y.append(1.0)
    if noise:
        X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X]
    return _shuffled(X, y, rng)


def signed(y: list[float]) -> list[float]:
    """Labels 0/1 as −1/+1 (2y − 1), the form the hinge loss wants.

    >>> signed([0.0, 1.0, 1.0])
    [-1.0, 1.0, 1.0]
    """
    return [2.0 * v - 1.0 for v in y]


DATASETS = {"moons": moons, "circles": circles, "xor": xor, "chapter": chapter_table}
