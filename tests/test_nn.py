"""Networks: shapes, labels, seeds, fused vs unfused sums, validation, save/load; and random
networks with shared nodes, checked leaf by leaf against oracles independent of ours.

The random networks (tests/strategies.py) run through ``nn``; the oracles run the same program
written out as z = w·a + b and a = act(z): PyTorch float64 (autograd) and mpmath at 50 digits
(central differences). Nothing of the engine is used by them.
"""

import copy
import json
import math
import os
import pickle
import random

import mpmath
import pytest
from helpers import assert_same_floats
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import SETTINGS, NetProgram, net_programs

from micrograd_cbook import Value, nn, sum_values, topological_order
from micrograd_cbook.engine import Parameter

# ---------------------------------------------------------------- forward values


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def hand_forward(model, x):
    """The network's output computed from its weights with plain floats (the oracle)."""
    acts = {
        "sigmoid": sigmoid,
        "relu": lambda z: max(z, 0.0),
        "tanh": math.tanh,
        "softplus": lambda z: math.log1p(math.exp(-abs(z))) + max(z, 0.0),
        "linear": lambda z: z,
    }
    a = [float(v) for v in x]
    for layer in model.layers:
        f = acts[layer.activation]
        a = [
            f(sum(w.data * ak for w, ak in zip(n.w, a)) + (n.b.data if n.b else 0.0))
            for n in layer.neurons
        ]
    return a


@pytest.mark.parametrize("activation", nn.ACTIVATIONS)
def test_forward_equals_hand_computation(activation):
    model = nn.MLP(3, [5, 4, 2], activation=activation, output_activation="tanh", seed=3)
    for n in (n for layer in model.layers for n in layer.neurons):
        if n.b is not None:
            n.b.data = 0.3  # nonzero biases, so a bias bug shows
    x = [0.5, -1.25, 2.0]
    out = model(x)
    assert [v.data for v in out] == pytest.approx(hand_forward(model, x), rel=1e-14)


def test_one_output_neuron_returns_a_value_more_return_a_list():
    assert isinstance(nn.MLP(2, [3, 1], seed=0)([1, 2]), Value)
    out = nn.MLP(2, [3, 2], seed=0)([1, 2])
    assert isinstance(out, list) and len(out) == 2


def test_accepts_values_as_inputs_and_backpropagates_into_them():
    x = [Value(1.0, "x0"), Value(-2.0, "x1")]
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    model(x).backward()
    assert x[0].grad != 0.0 and x[1].grad != 0.0


def test_numpy_floats_are_accepted_as_inputs():
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [3, 1], seed=0)
    assert model(np.array([0.5, 1.5])).data == model([0.5, 1.5]).data


# --------------------------------------------------------------------- labels


def test_labels_follow_the_chapters_notation():
    model = nn.MLP(3, [4, 1], activation="sigmoid", bias=True, seed=0)
    labels = [p.label for p in model.parameters()]
    assert labels[:4] == ["w1[0,0]", "w1[0,1]", "w1[0,2]", "b1[0]"]
    assert labels[-5:] == ["w2[0,0]", "w2[0,1]", "w2[0,2]", "w2[0,3]", "b2[0]"]
    assert len(labels) == len(set(labels)) == 4 * 4 + 5
    a2 = model([1, 2, 3])
    z2 = a2.children[0]
    assert (a2.label, z2.label) == ("a2[0]", "z2[0]")
    a1_labels = sorted(c.label for c in z2.children if c.label.startswith("a1"))
    assert a1_labels == ["a1[0]", "a1[1]", "a1[2]", "a1[3]"]
    first = model.layers[0].neurons[0]([1, 2, 3])
    assert {c.label for c in first.children[0].children} >= {"x[0]", "x[1]", "x[2]"}


def test_linear_activation_adds_no_node_and_labels_the_sum_a():
    model = nn.MLP(2, [1], activation="linear", seed=0)
    out = model([1.0, 2.0])
    assert out.op == "Σw·x+b" and out.label == "a1[0]"


def test_bias_false_has_no_bias():
    model = nn.MLP(3, [4, 1], bias=False, seed=0)
    assert all(n.b is None for layer in model.layers for n in layer.neurons)
    assert len(model.parameters()) == 16
    assert model([1, 1, 1]).children[0].op == "Σw·x"


# ---------------------------------------------------------------- initialisation


def test_same_seed_same_weights_different_seed_different_weights():
    def weights(seed):
        return [p.data for p in nn.MLP(2, [8, 8, 1], seed=seed).parameters()]

    assert weights(7) == weights(7)
    assert weights(7) != weights(8)


def test_seeded_models_leave_the_global_rng_alone():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    nn.MLP(2, [8, 1], seed=0)
    nn.MLP(2, [8, 1])
    assert random.random() == expected


def test_default_init_is_uniform_minus_one_to_one_with_zero_biases():
    model = nn.MLP(4, [50, 50, 1], seed=0)
    ws = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    bs = [n.b.data for layer in model.layers for n in layer.neurons]
    assert all(-1.0 <= w < 1.0 for w in ws)
    assert min(ws) < -0.9 and max(ws) > 0.9
    assert bs == [0.0] * len(bs)
    # the documented draw order: random.Random(seed).uniform(-1, 1), weight by weight
    rng = random.Random(0)
    assert ws[:5] == [rng.uniform(-1.0, 1.0) for _ in range(5)]


def test_uniform01_is_the_chapters_init():
    model = nn.MLP(3, [4, 1], bias=False, seed=5, init="uniform01")
    rng = random.Random(5)
    assert [p.data for p in model.parameters()] == [rng.random() for _ in range(16)]


# --------------------------------------------------------- fused vs unfused sums


def test_fused_and_unfused_give_identical_values_and_grads():
    x = [0.3, -1.7, 2.2]

    def run(fused):
        model = nn.MLP(
            3, [4, 3, 2], activation="tanh", output_activation="sigmoid", seed=11, fused=fused
        )
        for i, n in enumerate(n for layer in model.layers for n in layer.neurons):
            n.b.data = 0.1 * i - 0.4
        out = model(x)
        C = (out[0] - 1.0) ** 2 + out[1] * 3.0
        C.backward()
        return [o.data for o in out], [p.grad for p in model.parameters()]

    fused, unfused = run(True), run(False)
    assert_same_floats(fused, unfused)  # bit for bit up to Python 3.11 (see helpers.py)
    assert any(g != 0.0 for g in fused[1])


# A layer's weighted sums share their groups of children (the inputs, and each neuron's
# (*w, b) across calls) and, while unchanged, the weights' data. The plain graph shares
# nothing, so equal grads bit for bit say the sharing and the backward walk over it are right.


@st.composite
def training_runs(draw):
    nin = draw(st.integers(1, 3))
    nouts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    act = draw(st.sampled_from(nn.ACTIVATIONS))
    out_act = draw(st.sampled_from(nn.ACTIVATIONS))
    bias = draw(st.booleans())
    number = st.floats(-2.0, 2.0, allow_nan=False) | st.sampled_from([0.0, -0.0])
    points = draw(st.lists(st.lists(number, min_size=nin, max_size=nin), min_size=1, max_size=4))
    weights = draw(st.lists(number, min_size=200, max_size=200))
    scales = draw(st.lists(st.sampled_from([1.0, 0.0, -0.5]), min_size=4, max_size=4))
    edits = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 199), number), max_size=3))
    return (nin, nouts, act, out_act, bias), points, weights, scales, edits


@given(training_runs())
def test_fused_and_plain_networks_give_the_same_floats_over_several_training_steps(run):
    (nin, nouts, act, out_act, bias), points, weights, scales, edits = run

    def train(fused):
        model = nn.MLP(
            nin, nouts, activation=act, output_activation=out_act, bias=bias, fused=fused
        )
        params = model.parameters()
        for p, v in zip(params, weights):
            p.data = v
        seen = []
        for step in range(3):
            terms = []
            for k, x in enumerate(points):
                for when, i, v in edits:  # a weight changed between two points of one graph
                    if when == k and step == 1:
                        params[i % len(params)].data = v
                out = model(x)
                out = out if isinstance(out, list) else [out]
                terms += [o * scales[(k + j) % 4] for j, o in enumerate(out)]  # some grads 0
            loss = sum(terms[1:], terms[0])
            model.zero_grad()
            loss.backward()
            seen.append((loss.data, [p.grad for p in params]))
            for p in params:
                p.data -= 0.1 * p.grad
        return seen

    fused, plain = train(True), train(False)
    assert_same_floats(fused, plain)  # bit for bit, nan and the sign of zero included


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("b", [-1.0, 0.0])  # z = 1·1 - 1 = 0, and z = -1·0 + 0 = -0.0
def test_activation_at_exactly_zero_matches_the_engines_own(activation, b):
    n = nn.Neuron(1, activation=activation, seed=0)
    n.w[0].data, n.b.data = (1.0 if b else -1.0), b
    a = n([1.0] if b else [0.0])
    z = a.children[0]
    expected = getattr(Value(z.data), activation)()
    assert repr((a.data, a.local_grads)) == repr((expected.data, expected.local_grads))


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copied_model_trains_like_the_original_and_apart_from_it(clone):
    model = nn.MLP(2, [3, 1], activation="relu", seed=0)
    model([1.0, 2.0]).backward()  # the neurons have shared what they share
    twin = clone(model)
    for m in (model, twin):
        m.zero_grad()
        m([0.5, -1.5]).backward()
    assert [p.grad for p in twin.parameters()] == [p.grad for p in model.parameters()]
    twin.layers[0].neurons[0].w[0].data += 1.0  # the twin's own weights, not the original's
    assert twin([1.0, 2.0]).data != model([1.0, 2.0]).data


def test_a_weight_computed_from_another_value_gets_the_same_grads_fused_and_plain():
    def run(fused):
        layer = nn.Layer(2, 3, activation="tanh", seed=4, fused=fused)
        shared = Value(0.7, "shared")
        for n in layer.neurons:  # one tied weight, an interior node, in every neuron
            n.w[1] = shared * 2.0
        C = sum_values([a * a for x in ([1.0, -2.0], [0.5, 3.0]) for a in layer(x)])
        C.backward()
        return [shared.grad, *(p.grad for n in layer.neurons for p in (n.w[0], n.b))]

    fused, plain = run(True), run(False)
    assert_same_floats(fused, plain)
    assert fused[0] != 0.0


def test_replacing_a_weight_or_the_bias_sends_grads_to_the_new_value():
    n = nn.Neuron(2, activation="linear", seed=0)
    n([1.0, 2.0]).backward()
    old_w, old_b = n.w[0], n.b
    n.w[0] = Value(0.5)  # the next call uses the new weight and bias
    n.b = Value(0.25)
    n.zero_grad()
    old_w.grad = old_b.grad = 0.0
    z = n([3.0, 4.0])
    z.backward()
    assert z.data == 0.5 * 3.0 + n.w[1].data * 4.0 + 0.25
    assert (n.w[0].grad, n.w[1].grad, n.b.grad) == (3.0, 4.0, 1.0)
    assert (old_w.grad, old_b.grad) == (0.0, 0.0)
    n.w = [Value(1.0), Value(1.0)]  # a new list
    assert n([3.0, 4.0]).children[:2] == tuple(n.w)


def test_each_node_keeps_the_weights_data_of_its_own_forward_pass():
    n = nn.Neuron(2, activation="linear", seed=0)
    n.w[0].data, n.w[1].data = 2.0, 0.0
    z1 = n([1.0, 1.0])
    n.w[0].data = 3.0
    z2 = n([1.0, 1.0])
    n.w[1].data = -0.0  # equal to 0.0: only its sign tells the new data from the old
    z3 = n([1.0, 1.0])
    assert z1.local_grads == (1.0, 1.0, 2.0, 0.0, 1.0)
    assert z2.local_grads == (1.0, 1.0, 3.0, 0.0, 1.0)
    assert math.copysign(1.0, z2.local_grads[3]) == 1.0
    assert math.copysign(1.0, z3.local_grads[3]) == -1.0
    assert z2.children[:2] == z3.children[:2] == tuple(n.w)
    assert z2.children[4] is z3.children[4] is n.b


def test_unfused_graph_shows_every_multiply_and_add():
    model = nn.MLP(3, [1], seed=0, fused=False)
    z = model([1.0, 2.0, 3.0]).children[0]
    assert z.label == "z1[0]" and z.op == "+"
    ops = []
    stack = [z]
    while stack:
        node = stack.pop()
        if node.op:
            ops.append(node.op)
        stack.extend(node.children)
    assert sorted(ops) == ["*", "*", "*", "+", "+", "+"]


def test_fused_can_be_switched_on_a_built_model():
    model = nn.MLP(2, [2, 1], seed=0)
    assert model.fused
    model.fused = False
    assert not model.fused
    assert model([1, 2]).children[0].op == "+"


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nn.MLP(0, [1]), "nin must be a positive int"),
        (lambda: nn.MLP(2, [3, 0]), "each layer size in nouts must be a positive int"),
        (lambda: nn.MLP(2, []), "nouts must list the layer sizes"),
        (lambda: nn.MLP(2, 3), "nouts must list the layer sizes"),
        (lambda: nn.MLP(2, [1], activation="sigmod"), "activation must be one of 'sigmoid'"),
        (lambda: nn.MLP(2, [1], output_activation="softmax"), "output_activation must be one of"),
        (lambda: nn.MLP(2, [1], init="zeros"), "init must be one of 'uniform', 'uniform01'"),
        (lambda: nn.Neuron(-1), "nin must be a positive int"),
        (lambda: nn.Layer(2, 0), "nout must be a positive int"),
        (lambda: nn.Layer(2.5, 1), "nin must be a positive int"),
    ],
)
def test_bad_arguments_say_what_to_do(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_input_length_is_a_clear_error():
    model = nn.MLP(3, [4, 1], seed=0)
    with pytest.raises(ValueError, match="takes 3 inputs, got 2: pass a list of 3 numbers"):
        model([1, 2])
    with pytest.raises(ValueError, match="takes 3 inputs, got 4"):
        model.layers[0]([1, 2, 3, 4])
    with pytest.raises(ValueError, match="takes 3 inputs, got 1"):
        model.layers[0].neurons[0]([1])
    with pytest.raises(TypeError, match="takes a list of 3 numbers or Values, got int"):
        model(5)
    with pytest.raises(TypeError, match="str"):
        model(["a", 1, 2])


# ---------------------------------------------------------------- reprs, grads


def test_reprs_are_readable():
    assert repr(nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear")) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear', bias=True)"
    )
    assert repr(nn.Layer(3, 4, layer=2)) == "Layer(3, 4, activation='sigmoid', bias=True, layer=2)"
    assert repr(nn.Neuron(3, "tanh", bias=False, unit=2)) == (
        "Neuron(3, activation='tanh', bias=False, layer=1, unit=2)"
    )


def test_zero_grad_clears_every_parameter():
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ----------------------------------------------------------------- save/load


def test_save_load_round_trips_exactly(tmp_path):
    path = tmp_path / "model.json"
    a = nn.MLP(2, [5, 1], activation="tanh", seed=1)
    a.save(path)
    b = nn.MLP(2, [5, 1], activation="tanh", seed=2)
    b.load(path)
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    saved = json.loads(path.read_text())
    assert saved["parameters"]["w1[0,0]"] == a.layers[0].neurons[0].w[0].data
    assert saved["config"]["nouts"] == [5, 1]


def test_from_file_builds_the_saved_shape(tmp_path):
    path = tmp_path / "m.json"
    a = nn.MLP(3, [4, 1], activation="sigmoid", bias=False, seed=4)
    a.save(path)
    b = nn.MLP.from_file(path)
    assert repr(b) == repr(a)
    assert b([1, 2, 3]).data == a([1, 2, 3]).data


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    nn.MLP(2, [2, 1], seed=0).save(path)
    before = path.read_text()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        nn.MLP(2, [2, 1], seed=1).save(path)
    assert path.read_text() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def _weights(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    "content, match",
    [
        ("{not json", "invalid JSON"),
        ('{"format": "other"}', "not a model file"),
        ("[1, 2]", "not a model file"),
    ],
)
def test_load_rejects_bad_files_and_leaves_model_untouched(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    model = nn.MLP(2, [3, 1], seed=0)
    before = _weights(model)
    with pytest.raises(ValueError, match=match):
        model.load(path)
    assert _weights(model) == before


def test_load_rejects_a_different_shape(tmp_path):
    path = tmp_path / "m.json"
    nn.MLP(2, [4, 1], seed=0).save(path)
    model = nn.MLP(2, [3, 1], seed=0)
    before = _weights(model)
    shape = r"different shape: nouts \[4, 1\] \(this model: \[3, 1\]\)"
    with pytest.raises(ValueError, match=shape):
        model.load(path)
    other = nn.MLP(2, [4, 1], activation="relu", seed=0)
    with pytest.raises(ValueError, match="activation 'sigmoid'"):
        other.load(path)
    with pytest.raises(ValueError, match="holds a MLP, not a Layer"):
        nn.Layer(2, 4).load(path)
    assert _weights(model) == before


def test_load_rejects_non_finite_or_missing_parameters(tmp_path):
    path = tmp_path / "m.json"
    nn.MLP(2, [1], seed=0).save(path)
    data = json.loads(path.read_text())
    model = nn.MLP(2, [1], seed=5)
    before = _weights(model)
    data["parameters"]["w1[0,1]"] = "0.5"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"parameter w1\[0,1\] must be a finite number"):
        model.load(path)
    del data["parameters"]["w1[0,1]"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"missing \['w1\[0,1\]'\]"):
        model.load(path)
    assert _weights(model) == before


def test_load_missing_file_is_oserror(tmp_path):
    with pytest.raises(OSError):
        nn.MLP(2, [1]).load(tmp_path / "nope.json")


def test_saving_non_finite_weights_is_refused(tmp_path):
    model = nn.MLP(2, [1], seed=0)
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match=r"w1\[0,0\] is nan"):
        model.save(tmp_path / "m.json")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------- tied, computed and replaced weights


def tied_mlp():
    model = nn.MLP(2, [2, 1], activation="tanh", seed=7)
    a, b = model.layers[0].neurons
    b.w[0] = a.w[0]  # one weight in two neurons
    return model, a.w[0]


def test_parameters_list_a_tied_weight_once_by_identity():
    model, tied = tied_mlp()
    params = model.parameters()
    assert len(params) == 9 - 1
    assert sum(p is tied for p in params) == 1
    assert len({id(p) for p in params}) == len(params)


def test_sgd_moves_a_tied_weight_once_per_step_by_its_summed_grad():
    from micrograd_cbook.optim import SGD

    model, tied = tied_mlp()
    out = model([1.0, -0.5])
    (out * out).backward()
    before, grad = tied.data, tied.grad
    SGD(model.parameters(), lr=0.1).step()
    assert tied.data == before - 0.1 * grad


def test_a_tied_model_loads_its_own_file(tmp_path):
    model, tied = tied_mlp()
    path = tmp_path / "tied.json"
    model.save(path)
    saved = json.loads(path.read_text())["parameters"]
    assert saved["w1[0,0]"] == saved["w1[1,0]"] == tied.data  # each slot, as PyTorch saves it
    tied.data = 123.0
    model.load(path)
    assert tied.data == saved["w1[0,0]"]
    assert model.layers[0].neurons[1].w[0] is tied  # still one weight


def test_a_tied_models_file_loads_into_an_untied_model_with_equal_weights(tmp_path):
    model, tied = tied_mlp()
    path = tmp_path / "tied.json"
    model.save(path)
    fresh = nn.MLP.from_file(path)
    a, b = fresh.layers[0].neurons
    assert a.w[0] is not b.w[0] and a.w[0].data == b.w[0].data == tied.data
    assert fresh([0.3, 0.4]).data == model([0.3, 0.4]).data


def test_loading_two_values_into_one_tied_weight_is_refused_and_changes_nothing(tmp_path):
    path = tmp_path / "untied.json"
    nn.MLP(2, [2, 1], activation="tanh", seed=8).save(path)  # w1[0,0] != w1[1,0]
    model, _ = tied_mlp()
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"w1\[0,0\] and w1\[1,0\] are one tied weight"):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


def test_a_computed_weight_works_in_the_graph_but_is_not_a_parameter():
    n = nn.Neuron(2, activation="linear", seed=0)
    s = Value(0.5, "s")
    n.w[1] = s * 2.0
    z = n([1.0, 3.0])
    z.backward()
    assert s.grad == 6.0
    with pytest.raises(
        ValueError,
        match=r"parameter w1\[0,1\] is computed \(op '\*'\), not a "
        r"leaf.*PyTorch",
    ):
        n.parameters()
    with pytest.raises(ValueError, match="not a leaf"):
        n.zero_grad()


@pytest.mark.parametrize("fused", [True, False])
def test_a_weight_list_of_the_wrong_length_in_a_layer_names_the_neuron(fused):
    layer = nn.Layer(3, 2, seed=0, fused=fused)
    layer.neurons[1].w = layer.neurons[1].w[:2]
    with pytest.raises(ValueError, match=r"neuron a1\[1\] has 2 weights for 3 inputs"):
        layer([1.0, 2.0, 3.0])


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize(
    "replace, match",
    [
        (lambda n: setattr(n, "w", [0.5, 0.25]), r"w\[0\] must be a Value, got float 0.5"),
        (lambda n: n.w.__setitem__(1, "x"), r"w\[1\] must be a Value, got str"),
        (lambda n: setattr(n, "b", 1.0), "b must be a Value or None, got float"),
        (lambda n: setattr(n, "w", Value(1.0)), "w must be a list of Values, got Value"),
    ],
)
def test_weights_replaced_by_something_not_a_value_are_a_type_error_naming_the_neuron(
    fused, replace, match
):
    n = nn.Neuron(2, seed=0, fused=fused, layer=2, unit=3)
    replace(n)
    with pytest.raises(TypeError, match=r"neuron a2\[3\]: " + match):
        n([1.0, 2.0])


def test_a_weight_replaced_between_calls_is_used_from_the_next_call_on():
    n = nn.Neuron(1, activation="linear", seed=0)
    first = n([2.0])
    n.w[0] = Value(10.0)
    second = n([2.0])
    assert second.data == 20.0 + n.b.data and first.data != second.data
    first.backward()
    assert n.w[0].grad == 0.0  # the first node still holds the old weight


@pytest.mark.parametrize(
    "replace, error, match",
    [
        (lambda n: setattr(n, "w", Value(1.0)), TypeError, r"neuron a1\[0\]: w must be a list"),
        (lambda n: setattr(n, "w", [0.5, Value(1.0)]), TypeError, r"parameter w1\[0,0\] must be"),
        (lambda n: setattr(n, "b", "x"), TypeError, r"parameter b1\[0\] must be a Value"),
    ],
)
def test_parameters_name_a_slot_that_holds_no_value(replace, error, match):
    n = nn.Neuron(2, seed=0)
    replace(n)
    with pytest.raises(error, match=match):
        n.parameters()


# ------------------------------------- random networks that share nodes, against PyTorch and mpmath


def run_engine(prog: NetProgram):
    """Leaves in creation order, and the leaf grads after the program's backward passes."""
    model = [
        nn.Layer(prog.d, prog.d, act, bias, fused=fused, layer=li + 1)
        for li, (act, bias, fused) in enumerate(prog.layers)
    ]

    def get(li, j, k):
        n = model[li].neurons[j]
        return n.b if k == prog.d else n.w[k]

    def put(li, j, k, v):
        n = model[li].neurons[j]
        if k == prog.d:
            n.b = v
        else:
            n.w[k] = v

    leaves = []
    for where, v in zip(prog.slots(), prog.weights):
        leaf = get(*where)
        leaf.data = v
        leaves.append(leaf)
    extra = [Value(v, f"s{i}") for i, v in enumerate(prog.extra)]
    leaves += extra
    a: list = list(prog.x)
    first = None
    for kind, *args in prog.steps:
        if kind == "apply":
            out = model[args[0]](a)
            a = out if isinstance(out, list) else [out]
            first = a[0] if first is None else first
        elif kind == "tie":
            put(*args[0], get(*args[1]))
        elif kind == "derive":
            put(*args[0], extra[args[1]] * args[2])
        elif kind == "derive layer":  # every weight of a layer computed from one leaf
            for j in range(prog.d):
                for k in range(prog.d):
                    put(args[0], j, k, extra[args[1]] * (args[2] + k - j))
        elif kind == "replace":
            leaf = Value(args[1], "new")
            leaves.append(leaf)
            put(*args[0], leaf)
        elif kind == "mix":
            u, v = a[0], a[-1]
            c1, c2 = args
            a[0] = Value(c1 * u.data + c2 * v.data, "mix", (u, v), (c1, c2), "mix")
    C = sum_values([v * v for v in a])
    kinks = [n.children[0].data for n in topological_order(C) if n.op == "relu"]
    assume(all(abs(z) > 1e-6 for z in kinks))  # away from relu's kink: one derivative there
    C.backward()
    first.backward()
    if prog.repeat:
        C.backward()
    return leaves, [leaf.grad for leaf in leaves], C.data


# ------------------------------------------------------------------ the same program, written out


def run_math(prog: NetProgram, leaf, act):
    """The program with the leaves made by ``leaf(value)`` and activations ``act[name]``:
    returns the leaves (in the engine's order) and the two roots."""
    table = {}
    leaves = []
    for where, v in zip(prog.slots(), prog.weights):
        table[where] = leaf(v)
        leaves.append(table[where])
    extra = [leaf(v) for v in prog.extra]
    leaves += extra
    a = [c for c in prog.x]
    first = None
    for kind, *args in prog.steps:
        if kind == "apply":
            li = args[0]
            name, bias, _ = prog.layers[li]
            out = []
            for j in range(prog.d):
                z = table[li, j, 0] * a[0]
                for k in range(1, prog.d):
                    z = z + table[li, j, k] * a[k]
                if bias:
                    z = z + table[li, j, prog.d]
                out.append(act[name](z))
            a = out
            first = a[0] if first is None else first
        elif kind == "tie":
            table[args[0]] = table[args[1]]
        elif kind == "derive":
            table[args[0]] = extra[args[1]] * args[2]
        elif kind == "derive layer":
            for j in range(prog.d):
                for k in range(prog.d):
                    table[args[0], j, k] = extra[args[1]] * (args[2] + k - j)
        elif kind == "replace":
            table[args[0]] = leaf(args[1])
            leaves.append(table[args[0]])
        elif kind == "mix":
            a[0] = args[0] * a[0] + args[1] * a[-1]
    C = a[0] * a[0]
    for v in a[1:]:
        C = C + v * v
    return leaves, C, first


def mp_act():
    return {
        "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
        "tanh": mpmath.tanh,
        "relu": lambda z: z if z > 0 else mpmath.mpf(0),
        "linear": lambda z: z,
    }


def assert_close(got: list[float], exact: list[float], what: str, prog: NetProgram) -> None:
    scale = 1.0 + max(abs(e) for e in exact)
    for i, (g, e) in enumerate(zip(got, exact)):
        assert abs(g - e) <= 1e-9 * max(abs(e), 1e-3 * scale), (
            f"leaf {i}: engine {g!r}, {what} {e!r}\n{prog}"
        )


@settings(max_examples=150, **SETTINGS)
@given(net_programs())
def test_network_grads_match_fifty_digit_central_differences(prog):
    _, got, cost = run_engine(prog)
    with mpmath.workdps(50):
        at = [mpmath.mpf(v) for v in (*prog.weights, *prog.extra)]
        replaced = [mpmath.mpf(s[2]) for s in prog.steps if s[0] == "replace"]
        values = at + replaced

        def total(i, h):
            it = iter(values[j] + (h if j == i else 0) for j in range(len(values)))
            _, C, first = run_math(prog, lambda _v: next(it), mp_act())
            return (2 if prog.repeat else 1) * C + first

        exact = []
        for i, v in enumerate(values):
            h = mpmath.mpf("1e-20") * max(1, abs(v))
            exact.append(float((total(i, h) - total(i, -h)) / (2 * h)))
        _, C, _ = run_math(prog, mpmath.mpf, mp_act())
        assert math.isclose(cost, float(C), rel_tol=1e-12, abs_tol=1e-12)
    assert_close(got, exact, "central differences", prog)


@settings(max_examples=150, **SETTINGS)
@given(net_programs())
def test_network_grads_match_pytorch_float64(prog):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")

    def leaf(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}
    _, got, _ = run_engine(prog)
    leaves, C, first = run_math(prog, leaf, act)
    total = (2 if prog.repeat else 1) * C + first
    grads = torch.autograd.grad(total, leaves, allow_unused=True)
    exact = [0.0 if g is None else g.item() for g in grads]
    assert_close(got, exact, "PyTorch", prog)


def test_the_generator_makes_every_kind_of_step_and_reuses_layers():
    kinds, reused = set(), False
    for prog in _examples(300):
        kinds |= {s[0] for s in prog.steps}
        applied = [s[1] for s in prog.steps if s[0] == "apply"]
        reused = reused or len(applied) > len(set(applied))
    assert kinds == {"apply", "tie", "derive", "derive layer", "replace", "mix"}
    assert reused


def _examples(n: int) -> list[NetProgram]:
    found: list[NetProgram] = []

    @settings(max_examples=n, database=None, derandomize=True, **SETTINGS)
    @given(net_programs())
    def collect(prog):
        found.append(prog)

    collect()
    return found


def test_weights_and_biases_are_parameters_and_say_so_in_their_repr():
    model = nn.MLP(2, [3, 1], seed=0)
    assert all(type(p) is Parameter for p in model.parameters())
    neuron = model.layers[0].neurons[0]
    assert repr(neuron.b) == "Parameter(label='b1[0]', data=0.0000, grad=0.0000)"
    assert type(model([1.0, 2.0])) is Value  # what the network computes stays a Value
