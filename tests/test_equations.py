"""The chapter's equations (A) and (B) as closed forms agree with the engine's backward()."""

import math
import random

import pytest

from micrograd_cbook import Value, sum_values
from micrograd_cbook.equations import (
    cost,
    dC_db1,
    dC_db2,
    dC_dw1,
    dC_dw2,
    forward,
    sigmoid,
    sigmoid_prime,
)

REL = 1e-12


def close(a: float, b: float) -> bool:
    # Relative 1e-12; the tiny absolute floor only matters for gradients that cancel to ~0.
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-300)


def random_network(rng: random.Random, bias: bool):
    nin, nhidden, nout = rng.randint(1, 4), rng.randint(1, 5), rng.randint(1, 3)
    w1 = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(nhidden)]
    w2 = [[rng.uniform(-2, 2) for _ in range(nhidden)] for _ in range(nout)]
    b1 = [rng.uniform(-1, 1) for _ in range(nhidden)] if bias else None
    b2 = [rng.uniform(-1, 1) for _ in range(nout)] if bias else None
    a0 = [rng.uniform(-3, 3) for _ in range(nin)]
    y = [rng.random() for _ in range(nout)]
    return a0, w1, w2, b1, b2, y


def engine_gradients(a0, w1, w2, b1, b2, y):
    """The same network built by hand from engine Values (w[j][k]: unit k → unit j)."""
    W1 = [[Value(w, f"w1[{j},{k}]") for k, w in enumerate(row)] for j, row in enumerate(w1)]
    W2 = [[Value(w, f"w2[{j},{k}]") for k, w in enumerate(row)] for j, row in enumerate(w2)]
    B1 = [Value(b, f"b1[{j}]") for j, b in enumerate(b1)] if b1 else None
    B2 = [Value(b, f"b2[{j}]") for j, b in enumerate(b2)] if b2 else None
    x = [Value(v, f"x[{k}]") for k, v in enumerate(a0)]

    def layer(W, B, a):
        out = []
        for j, row in enumerate(W):
            z = row[0] * a[0]
            for k in range(1, len(row)):
                z = z + row[k] * a[k]
            if B:
                z = z + B[j]
            out.append(z.sigmoid())
        return out

    a2 = layer(W2, B2, layer(W1, B1, x))
    C = 0.5 * sum_values([(yj - aj) ** 2 for aj, yj in zip(a2, y)])
    C.backward()
    grads = {
        "w1": [[w.grad for w in row] for row in W1],
        "w2": [[w.grad for w in row] for row in W2],
        "b1": [b.grad for b in B1] if B1 else None,
        "b2": [b.grad for b in B2] if B2 else None,
    }
    return C.data, [a.data for a in a2], grads


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("bias", [False, True])
def test_equations_A_and_B_equal_the_engine_on_random_networks(seed, bias):
    a0, w1, w2, b1, b2, y = random_network(random.Random(seed), bias)
    C, a2, g = engine_gradients(a0, w1, w2, b1, b2, y)
    f = forward(a0, w1, w2, b1, b2)
    assert all(close(p, q) for p, q in zip(f.a2, a2))
    assert close(cost(f.a2, y), C)
    for mine, engine in zip(dC_dw2(a0, w1, w2, y, b1, b2), g["w2"]):  # (A)
        assert all(close(p, q) for p, q in zip(mine, engine)), (mine, engine)
    for mine, engine in zip(dC_dw1(a0, w1, w2, y, b1, b2), g["w1"]):  # (B)
        assert all(close(p, q) for p, q in zip(mine, engine)), (mine, engine)
    if bias:
        assert all(close(p, q) for p, q in zip(dC_db2(a0, w1, w2, y, b1, b2), g["b2"]))
        assert all(close(p, q) for p, q in zip(dC_db1(a0, w1, w2, y, b1, b2), g["b1"]))


def test_gradient_shapes_follow_the_weights_layout():
    a0, w1, w2, _, _, y = [0.1, 0.2, 0.3], [[0.0] * 3] * 4, [[0.0] * 4], None, None, [1.0]
    assert [len(r) for r in dC_dw1(a0, w1, w2, y)] == [3, 3, 3, 3]
    assert [len(r) for r in dC_dw2(a0, w1, w2, y)] == [4]


def test_the_chapters_single_chain_numbers():
    # a¹ = σ(1) = 0.7311 and z² = 1, y = 1: (A) is 0.7311 × 0.1966 × (−0.2689) = −0.0387.
    a0, w1, w2, y = [1.0], [[1.0]], [[1.0 / sigmoid(1.0)]], [1.0]
    f = forward(a0, w1, w2)
    assert (round(f.a1[0], 4), round(f.z2[0], 12)) == (0.7311, 1.0)
    assert round(sigmoid_prime(f.z2[0]), 4) == 0.1966
    assert round(f.a2[0] - y[0], 4) == -0.2689
    assert round(dC_dw2(a0, w1, w2, y)[0][0], 4) == -0.0387


def test_sigmoid_never_overflows_and_its_derivative_is_the_textbook_one():
    assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0
    h = 1e-6
    for z in (-3.0, -0.5, 0.0, 0.7, 4.0):
        numeric = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)
        assert math.isclose(sigmoid_prime(z), numeric, rel_tol=1e-8)


def test_mismatched_shapes_raise_value_errors_that_name_the_layout():
    with pytest.raises(ValueError, match=r"w\[j\]\[k\]"):
        forward([1.0, 2.0], [[1.0]], [[1.0]])
    with pytest.raises(ValueError, match="targets"):
        dC_dw2([1.0], [[1.0]], [[1.0]], [1.0, 0.0])
    with pytest.raises(ValueError, match="biases"):
        forward([1.0], [[1.0]], [[1.0]], b1=[0.0, 0.0])


def test_equations_equal_the_chapters_network_from_nn():
    nn = pytest.importorskip("micrograd_cbook.nn")
    losses = pytest.importorskip("micrograd_cbook.losses")
    for seed in range(5):
        model = nn.MLP(3, [4, 1], activation="sigmoid", bias=False, seed=seed)
        rng = random.Random(100 + seed)
        a0, y = [rng.uniform(-2, 2) for _ in range(3)], [rng.random()]
        C = losses.quadratic_cost(model(a0), y[0])
        C.backward()
        layer1, layer2 = model.layers
        w1 = [[w.data for w in n.w] for n in layer1.neurons]
        w2 = [[w.data for w in n.w] for n in layer2.neurons]
        assert layer2.neurons[0].w[3].label == "w2[0,3]"  # w[j][k]: unit k → unit j
        for mine, neuron in zip(dC_dw2(a0, w1, w2, y), layer2.neurons):  # (A)
            assert all(close(p, w.grad) for p, w in zip(mine, neuron.w))
        for mine, neuron in zip(dC_dw1(a0, w1, w2, y), layer1.neurons):  # (B)
            assert all(close(p, w.grad) for p, w in zip(mine, neuron.w))


def test_sigmoid_prime_keeps_its_digits_in_the_tails_as_mpmath_says():
    """σ′(40) is 4.2e-18, not the 0 of σ(1 − σ); against 50-digit mpmath, both tails."""
    mpmath = pytest.importorskip("mpmath")
    assert sigmoid_prime(40.0) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    with mpmath.workdps(50):
        for z in [-700.0, -300.5, -40.0, -9.21, -1.0, 0.0, 1e-8, 2.5, 36.0, 40.0, 80.0, 700.0]:
            e = mpmath.exp(-abs(mpmath.mpf(z)))
            exact = float(e / (1 + e) ** 2)
            assert sigmoid_prime(z) == pytest.approx(exact, rel=4e-16), z
            assert sigmoid_prime(z) == sigmoid_prime(-z)


def test_equations_equal_the_engine_for_saturated_units():
    """Units with z near 40: (A) and (B) are about 1e-18 there, equal to backward()'s."""
    nn = pytest.importorskip("micrograd_cbook.nn")
    losses = pytest.importorskip("micrograd_cbook.losses")
    model = nn.MLP(2, [2, 1], activation="sigmoid", bias=False, seed=0)
    w1 = [[20.0, 20.0], [-20.0, 19.0]]
    w2 = [[38.0, 3.0]]
    for neuron, row in zip([*model.layers[0].neurons, *model.layers[1].neurons], [*w1, *w2]):
        for w, v in zip(neuron.w, row):
            w.data = v
    a0, y = [1.0, 1.0], [0.0]
    C = losses.quadratic_cost(model(a0), y[0])
    C.backward()
    grads_a = dC_dw2(a0, w1, w2, y)[0]
    grads_b = dC_dw1(a0, w1, w2, y)
    assert all(g != 0.0 for g in grads_a) and grads_b[0][0] != 0.0
    for mine, w in zip(grads_a, model.layers[1].neurons[0].w):
        assert mine == pytest.approx(w.grad, rel=1e-12)
    for row, neuron in zip(grads_b, model.layers[0].neurons):
        for mine, w in zip(row, neuron.w):
            assert mine == pytest.approx(w.grad, rel=1e-12)
