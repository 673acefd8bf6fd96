"""The chapter's training run, reproduced: the same outputs as the classic NumPy recipe.

The oracle is the two-layer NumPy network the chapter's next chapter writes by hand
(``l1 = sigmoid(l0 @ syn0); l2 = sigmoid(l1 @ syn1)`` and the deltas of the quadratic cost),
with its weights drawn by NumPy itself, not read from our data file.
"""

import json
from importlib import resources

import pytest

from micrograd_cbook import datasets, nn
from micrograd_cbook.training import chapter_run

np = pytest.importorskip("numpy")

X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]


def numpy_weights():
    rng_state = np.random.get_state()
    try:
        np.random.seed(1)
        syn0 = np.random.random((3, 4))
        syn1 = np.random.random((4, 1))
    finally:
        np.random.set_state(rng_state)
    return syn0, syn1


def numpy_run(steps, lr=1.0):
    """The chapter's recipe in NumPy: full batch, quadratic cost summed over rows, lr 1."""

    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    l0 = np.array(X, dtype=float)
    y = np.array(Y, dtype=float).reshape(4, 1)
    syn0, syn1 = numpy_weights()
    for _ in range(steps):
        l1 = sigmoid(l0 @ syn0)
        l2 = sigmoid(l1 @ syn1)
        l2_delta = (l2 - y) * l2 * (1 - l2)  # ∂C/∂z2 with C = ½ Σ (y − a2)²
        l1_delta = (l2_delta @ syn1.T) * l1 * (1 - l1)  # ∂C/∂z1
        syn1 = syn1 - lr * l1.T @ l2_delta
        syn0 = syn0 - lr * l0.T @ l1_delta
    l2 = sigmoid(sigmoid(l0 @ syn0) @ syn1)
    return l2.ravel(), syn0, syn1


def test_shipped_weights_are_numpys_seed_1_draws():
    syn0, syn1 = numpy_weights()
    data = json.loads(
        resources.files("micrograd_cbook").joinpath("data", "chapter_weights.json").read_text()
    )
    assert data["syn0"] == syn0.tolist()
    assert data["syn1"] == syn1.tolist()
    assert "np.random.seed(1)" in data["source"]


def test_chapter_network_maps_syn0_k_j_to_w1_j_k():
    syn0, syn1 = numpy_weights()
    net = nn.chapter_network()
    assert repr(net) == (
        "MLP(3, [4, 1], activation='sigmoid', output_activation='sigmoid', bias=False)"
    )
    for j, neuron in enumerate(net.layers[0].neurons):
        for k, w in enumerate(neuron.w):
            assert w.label == f"w1[{j},{k}]"
            assert w.data == syn0[k, j]
    assert [w.data for w in net.layers[1].neurons[0].w] == syn1.ravel().tolist()


def test_untrained_outputs_equal_numpy_forward():
    expected, _, _ = numpy_run(0)
    net = nn.chapter_network()
    assert [net(x).data for x in X] == pytest.approx(expected.tolist(), abs=1e-15)


def test_chapter_table_is_the_chapters_data():
    rows, targets = datasets.chapter_table()
    assert rows == [[float(v) for v in row] for row in X]
    assert targets == [float(v) for v in Y]


def test_1000_steps_give_numpys_outputs_and_weights():
    expected, syn0, syn1 = numpy_run(1000)
    model, history = chapter_run(epochs=1000, lr=1.0)
    outputs = [model(x).data for x in X]
    assert outputs == pytest.approx(expected.tolist(), abs=1e-9)
    w1 = [w.data for n in model.layers[0].neurons for w in n.w]
    assert w1 == pytest.approx(syn0.T.ravel().tolist(), abs=1e-9)
    assert [w.data for w in model.layers[1].neurons[0].w] == pytest.approx(
        syn1.ravel().tolist(), abs=1e-9
    )
    assert len(history.loss) == 1000
    assert history.final_loss == pytest.approx(0.5 * float(((expected - Y) ** 2).sum()), abs=1e-9)


def test_training_learns_the_table():
    _, history = chapter_run(epochs=1000)
    assert history.final_accuracy == 1.0
    assert history.loss[0] > 0.6 > 0.02 > history.final_loss
