"""Small data sets in pure Python: the chapter's table, XOR, moons, circles, spirals and digits.

Each returns ``(X, y)``: a list of rows (lists of floats) and a list of labels: 0.0 or 1.0
for the two-class sets (for the hinge loss, which wants −1 and +1, use :func:`signed`),
class indices 0, 1, … as ints for the multi-class ones (:func:`spiral`, :func:`digits`),
as :func:`~micrograd_cbook.losses.cross_entropy` wants them. Random ones take a ``seed``
for ``random.Random`` (never the global RNG): the same seed, the same data.
:func:`train_test_split` holds out a stratified test set.

>>> X, y = chapter_table()
>>> X[1], y[1]
([0.0, 1.0, 1.0], 1.0)
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import random
from collections.abc import Hashable, Sequence
from importlib import resources
from typing import Any

__all__ = [
    "DATASETS",
    "DIGITS_SHA256",
    "chapter_table",
    "circles",
    "digits",
    "moons",
    "signed",
    "spiral",
    "train_test_split",
    "xor",
]

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


def circles(n: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = None) -> Data:
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


def spiral(
    n: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> tuple[list[list[float]], list[int]]:
    """``n_classes`` interleaved spiral arms (the CS231n spiral), shuffled; labels 0, 1, ….

    Arm j has about n / n_classes points at radius r from 0 to 1 and angle
    t = 4j + 4r (radians) plus Gaussian noise of standard deviation ``noise``, at
    (r·sin t, r·cos t). No straight line separates two arms: a network needs hidden units.

    >>> X, y = spiral(9, n_classes=3, noise=0.0, seed=0)
    >>> len(X), sorted(y), max(math.hypot(*p) for p in X)
    (9, [0, 0, 0, 1, 1, 1, 2, 2, 2], 1.0)
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"spiral: n_classes must be an int ≥ 2 (the arms), got {n_classes!r}")
    _check(n, noise, "spiral", least=n_classes)
    rng = random.Random(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for j in range(n_classes):
        count = n // n_classes + (1 if j < n % n_classes else 0)
        for r in _linspace(0.0, 1.0, count):
            t = 4.0 * j + 4.0 * r + (rng.gauss(0.0, noise) if noise else 0.0)
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(j)
    return _shuffled(X, y, rng)  # type: ignore[arg-type, return-value]


# ------------------------------------------------------------------- digits

DIGITS_FILE = "digits.csv.gz"
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def digits() -> tuple[list[list[float]], list[int]]:
    """The 1,797 handwritten digits of 8×8 pixels: 64 inputs in [0, 1] and labels 0 to 9.

    Row i is an image read line by line (pixel 8·r + c is row r, column c), each pixel a
    count 0..16 of ink in a 4×4 block, divided by 16. This is the test set of the UCI
    *Optical Recognition of Handwritten Digits* (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0),
    as scikit-learn ships it; the file is in the package (``data/digits.csv.gz``, see
    ``data/README.md``), so no network is needed.

    >>> X, y = digits()
    >>> len(X), len(X[0]), y[:10]
    (1797, 64, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    raw = resources.files(__package__).joinpath("data", DIGITS_FILE).read_bytes()
    if hashlib.sha256(raw).hexdigest() != DIGITS_SHA256:
        raise OSError(
            f"micrograd_cbook/data/{DIGITS_FILE} is damaged (its SHA-256 differs from the "
            "shipped file's): reinstall micrograd_cbook"
        )
    X: list[list[float]] = []
    y: list[int] = []
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw)), encoding="ascii") as f:
        for row in csv.reader(f):
            X.append([int(v) / 16.0 for v in row[:64]])
            y.append(int(row[64]))
    return X, y


# -------------------------------------------------------------------- split


def train_test_split(
    X: Sequence[Any], y: Sequence[Hashable], test: float = 0.2, seed: int | None = 0
) -> tuple[list, list, list, list]:
    """Hold out a fraction ``test`` of the rows, stratified: each class keeps its share.

    Returns ``X_train, X_test, y_train, y_test`` (scikit-learn's order), each shuffled by
    ``random.Random(seed)``: the same seed, the same split. The test set has
    ⌈test · n⌉ rows, shared among the classes in proportion to their sizes (largest
    remainders first), so a class of 180 among 1,800 rows gives 36 of the 360 test rows.

    >>> X, y = [[i] for i in range(10)], [0] * 5 + [1] * 5
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test=0.4, seed=0)
    >>> len(X_train), sorted(y_test)
    (6, [0, 0, 1, 1])
    """
    if len(X) != len(y):
        raise ValueError(
            f"train_test_split: X has {len(X)} rows but y has {len(y)} labels; "
            "give one label per row"
        )
    n = len(X)
    if isinstance(test, bool) or not isinstance(test, (int, float)) or not 0.0 < test < 1.0:
        raise ValueError(
            f"train_test_split: test must be a fraction between 0 and 1 (e.g. 0.2), got {test!r}"
        )
    n_test = math.ceil(test * n - 1e-9)  # 0.2 · 1797 = 359.4 → 360, as scikit-learn
    if n_test < 1 or n_test >= n:
        raise ValueError(
            f"train_test_split: {n} rows cannot give both a training and a test set with "
            f"test={test}; give more rows"
        )
    by_class: dict[Hashable, list[int]] = {}
    for i, label in enumerate(y):
        by_class.setdefault(label, []).append(i)
    # each class's share of the test rows: the floors, then one more for the largest remainders
    exact = {c: n_test * len(rows) / n for c, rows in by_class.items()}
    share = {c: math.floor(e) for c, e in exact.items()}
    left = n_test - sum(share.values())
    for c in sorted(by_class, key=lambda c: share[c] - exact[c])[:left]:  # stable: ties in order
        share[c] += 1
    rng = random.Random(seed)
    train_idx: list[int] = []
    test_idx: list[int] = []
    for c, rows in by_class.items():
        rows = list(rows)
        rng.shuffle(rows)
        test_idx += rows[: share[c]]
        train_idx += rows[share[c] :]
    rng.shuffle(train_idx)
    rng.shuffle(test_idx)
    return (
        [X[i] for i in train_idx],
        [X[i] for i in test_idx],
        [y[i] for i in train_idx],
        [y[i] for i in test_idx],
    )


DATASETS = {
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "chapter": chapter_table,
    "spiral": spiral,
    "digits": digits,
}
