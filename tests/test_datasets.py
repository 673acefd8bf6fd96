"""Data sets: the shapes, labels and geometry each promises, and seeding."""

import math
import random

import pytest

from micrograd_cbook import datasets


def test_chapter_table_is_the_chapters_four_rows():
    X, y = datasets.chapter_table()
    assert X == [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
    assert y == [0, 1, 1, 0]
    assert all(isinstance(v, float) for row in X for v in row)


def test_xor_labels_are_exclusive_or_of_the_corners():
    X, y = datasets.xor(12)
    assert len(X) == 12
    for (a, b), label in zip(X, y):
        assert label == float((a == 1.0) != (b == 1.0))


def test_noisy_xor_stays_near_its_corners():
    X, y = datasets.xor(40, noise=0.05, seed=1)
    for (a, b), label in zip(X, y):
        ca, cb = round(a), round(b)
        assert label == float(ca != cb)
        assert math.hypot(a - ca, b - cb) < 0.4


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = datasets.moons(50, noise=0.0, seed=0)
    assert len(X) == 50 and y.count(0.0) == 25 and y.count(1.0) == 25
    for (a, b), label in zip(X, y):
        if label == 0.0:  # upper moon: unit circle around (0, 0), upper half
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: unit circle around (1, 0.5), lower half
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_moons_noise_has_the_requested_spread():
    X1, y1 = datasets.moons(2000, noise=0.1, seed=3)
    # the distance to its half circle is about |N(0, 0.1²)| (noise is small against radius 1)
    r = [
        math.hypot(a, b) - 1.0 if label == 0.0 else math.hypot(a - 1.0, b - 0.5) - 1.0
        for (a, b), label in zip(X1, y1)
    ]
    spread = math.sqrt(sum(d * d for d in r) / len(r))
    assert 0.08 < spread < 0.12


def test_circles_have_the_requested_radii():
    X, y = datasets.circles(30, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(0.3 if label == 1.0 else 1.0)
    assert y.count(0.0) == 15


@pytest.mark.parametrize("make", [datasets.moons, datasets.circles, datasets.xor])
def test_same_seed_same_data_and_global_rng_untouched(make):
    random.seed(99)
    expected = random.random()
    random.seed(99)
    a = make(20, noise=0.2, seed=5)
    b = make(20, noise=0.2, seed=5)
    c = make(20, noise=0.2, seed=6)
    assert a == b and a != c
    assert random.random() == expected


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: datasets.moons(1), "n must be an int ≥ 2"),
        (lambda: datasets.moons(10, noise=-0.1), "noise must be a number ≥ 0"),
        (lambda: datasets.circles(10, factor=1.5), "factor must be between 0 and 1"),
        (lambda: datasets.xor(0), "n must be an int ≥ 1"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_signed_maps_zero_one_to_minus_plus_one():
    assert datasets.signed([0.0, 1.0]) == [-1.0, 1.0]
