"""Data sets: the shapes, labels and geometry each promises, and seeding; the shipped digits,
the spiral and the stratified split."""

import configparser
import fnmatch
import hashlib
import math
import random
from collections import Counter
from importlib import resources
from pathlib import Path

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


# -------------------------------------------------- the digits, the spiral and the stratified split


ROOT = Path(__file__).resolve().parent.parent

# scikit-learn's load_digits(): np.bincount(target)
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


# -------------------------------------------------------------------- digits


def test_the_shipped_digits_file_has_its_published_checksum():
    raw = resources.files("micrograd_cbook").joinpath("data", "digits.csv.gz").read_bytes()
    assert (
        hashlib.sha256(raw).hexdigest()
        == datasets.DIGITS_SHA256
        == ("09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22")
    )


def test_digits_are_1797_images_of_64_pixels_in_0_to_1(digits):
    X, y = digits
    assert len(X) == len(y) == 1797
    assert all(len(row) == 64 for row in X)
    pixels = {v for row in X for v in row}
    assert pixels <= {k / 16 for k in range(17)} and 0.0 in pixels and 1.0 in pixels


def test_digits_have_labels_0_to_9_as_ints_with_scikit_learns_class_counts(digits):
    _, y = digits
    assert all(type(label) is int for label in y)
    counts = Counter(y)
    assert [counts[d] for d in range(10)] == DIGIT_COUNTS


def test_the_first_digit_is_the_zero_of_the_first_line_of_the_file(digits):
    X, y = digits
    first = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]  # its first two pixel rows
    assert y[0] == 0 and [round(v * 16) for v in X[0][:16]] == first


def test_the_decoded_digits_written_back_as_csv_are_the_files_text(digits):
    X, y = digits
    text = "\n".join(",".join(str(round(v * 16)) for v in row) + f",{c}" for row, c in zip(X, y))
    assert sum(round(v * 16) for row in X for v in row) == 561718
    # SHA-256 of the decompressed file without its last newline (zcat digits.csv.gz)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "63e266dec490e75e"


def test_each_call_returns_fresh_lists():
    X, _ = datasets.digits()
    X[0][0] = 99.0
    assert datasets.digits()[0][0][0] == 0.0


def test_a_damaged_digits_file_is_an_error_saying_to_reinstall(monkeypatch):
    monkeypatch.setattr(datasets, "DIGITS_SHA256", "0" * 64)
    with pytest.raises(OSError, match=r"damaged.*reinstall micrograd_cbook"):
        datasets.digits()


def test_setup_cfg_ships_the_data_files_in_the_package():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in cfg["options.package_data"]["micrograd_cbook"].split(",")]
    for name in ("digits.csv.gz", "README.md", "chapter_weights.json"):
        assert any(fnmatch.fnmatch(f"data/{name}", p) for p in patterns), name


def test_the_data_readme_names_the_source_and_the_licence():
    text = (ROOT / "micrograd_cbook" / "data" / "README.md").read_text(encoding="utf-8")
    for must in ("Alpaydin", "Kaynak", "CC BY 4.0", "10.24432/C50P49", datasets.DIGITS_SHA256):
        assert must in text


# -------------------------------------------------------------------- spiral


def test_spiral_splits_its_points_among_the_arms():
    X, y = datasets.spiral(301, n_classes=4, seed=0)
    assert len(X) == 301 and all(len(p) == 2 for p in X)
    assert sorted(Counter(y).values()) == [75, 75, 75, 76]
    assert set(y) == {0, 1, 2, 3} and all(type(c) is int for c in y)


def test_spiral_without_noise_lies_on_its_arms():
    X, y = datasets.spiral(60, n_classes=3, noise=0.0, seed=0)
    for (a, b), j in zip(X, y):
        r = math.hypot(a, b)
        assert r <= 1.0 + 1e-12
        if r > 1e-9:  # t = 4j + 4r: the angle of (sin t, cos t) is π/2 − t
            t = 4 * j + 4 * r
            assert (a, b) == pytest.approx((r * math.sin(t), r * math.cos(t)), abs=1e-12)


def test_spiral_is_seeded():
    assert datasets.spiral(50, seed=3) == datasets.spiral(50, seed=3)
    assert datasets.spiral(50, seed=3) != datasets.spiral(50, seed=4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_classes": 1}, "n_classes must be an int ≥ 2"),
        ({"n": 2}, "n must be an int ≥ 3"),
        ({"noise": -1.0}, "noise must be"),
        ({"n_classes": 2.0}, "n_classes must be"),
    ],
)
def test_bad_spiral_arguments_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.spiral(**kwargs)


# --------------------------------------------------------------------- split


def test_a_stratified_split_of_the_digits_keeps_each_class_share(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test=0.2, seed=0)
    assert len(X_test) == len(y_test) == 360 and len(X_train) == len(y_train) == 1437
    test_counts = Counter(y_test)
    for d in range(10):
        assert abs(test_counts[d] - 0.2 * DIGIT_COUNTS[d]) < 1.0  # within one of its share
        assert test_counts[d] + Counter(y_train)[d] == DIGIT_COUNTS[d]


def test_a_split_keeps_every_row_once_with_its_label():
    X = [[float(i)] for i in range(50)]
    y = [i % 3 for i in range(50)]
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test=0.3, seed=1)
    rows = sorted(int(r[0]) for r in X_train + X_test)
    assert rows == list(range(50))
    for r, label in zip(X_train + X_test, y_train + y_test):
        assert label == int(r[0]) % 3


def test_a_split_is_determined_by_its_seed():
    X, y = datasets.spiral(90, seed=0)
    assert datasets.train_test_split(X, y, seed=5) == datasets.train_test_split(X, y, seed=5)
    assert datasets.train_test_split(X, y, seed=5) != datasets.train_test_split(X, y, seed=6)


def test_a_split_shuffles_the_classes_together():
    X = [[float(i)] for i in range(100)]
    y = [0] * 50 + [1] * 50
    _, _, y_train, _ = datasets.train_test_split(X, y, seed=0)
    assert y_train != sorted(y_train)


def test_a_rare_class_still_gets_its_share_of_the_test_set():
    y = [0] * 90 + [1] * 10
    _, _, _, y_test = datasets.train_test_split([[0.0]] * 100, y, test=0.2, seed=0)
    assert Counter(y_test) == {0: 18, 1: 2}


@pytest.mark.parametrize(
    "X, y, test, match",
    [
        ([[0.0]] * 3, [0, 1], 0.2, "3 rows but y has 2 labels"),
        ([[0.0]] * 4, [0] * 4, 0.0, "test must be a fraction between 0 and 1"),
        ([[0.0]] * 4, [0] * 4, 1.0, "test must be a fraction"),
        ([[0.0]] * 4, [0] * 4, True, "test must be a fraction"),
        ([[0.0]], [0], 0.5, "1 rows cannot give both"),
        ([], [], 0.2, "0 rows cannot give both"),
    ],
)
def test_bad_split_arguments_are_clear_errors(X, y, test, match):
    with pytest.raises(ValueError, match=match):
        datasets.train_test_split(X, y, test=test)
