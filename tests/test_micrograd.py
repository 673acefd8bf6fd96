"""micrograd_cbook.micrograd against micrograd 0.1.0: its README example and its demo, with only
the import changed.

``DEMO`` is micrograd's demo.ipynb (its MLP(2, [16, 16, 1]) on two moons, the hinge loss plus
L2, SGD with the learning rate falling from 1.0 to 0.1) with its two imports left open and
scikit-learn's ``make_moons`` replaced by :func:`moons_as_sklearn` (``datasets.moons`` as NumPy
arrays, integer labels: no scikit-learn here); its plots are dropped. ``README`` is micrograd's
README example verbatim, its imports left open.

How equal: every forward value is micrograd's bit for bit (the same weights through the same
operations in the same order). A gradient is a sum of contributions from many nodes, added in
an order micrograd takes from Python sets of nodes, that is from their memory addresses: its
own gradients change in their last bits from one memory layout to another
(``test_micrograds_own_grads_change_in_their_last_bits_with_memory_layout``). So gradients,
the weights they move and the losses after them agree to ``TOL`` (1e-12 relative, about 4,500
ulps: the losses of the demo's 100 steps differ by 6e-15 at most), never bit for bit, either way.

micrograd needs about a second a step here, so it runs the first ``LIVE_STEPS`` steps side by
side; the whole 100-step run is compared with micrograd's recorded output
(``tests/data/micrograd_demo.json``; ``python tests/test_micrograd.py --record`` runs micrograd
0.1.0 again and rewrites it).
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from micrograd_cbook import datasets

micrograd = pytest.importorskip("micrograd", reason="micrograd 0.1.0 is in the dev extra")

RECORD = Path(__file__).with_name("data") / "micrograd_demo.json"
TOL = 1e-12  # relative; see the module docstring
LIVE_STEPS = 2
DEMO_STEPS = 100

README = """\
from {pkg}.engine import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
g.backward()
print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db
"""

DEMO = """\
import random
import numpy as np

from {pkg}.engine import Value
from {pkg}.nn import Neuron, Layer, MLP

np.random.seed(1337)
random.seed(1337)

# make up a dataset
X, y = moons_as_sklearn(n_samples=100, noise=0.1)

y = y*2 - 1 # make y be -1 or 1

# initialize a model
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# optimization
for k in range(STEPS):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""

MICROGRAD = "micrograd"
OURS = "micrograd_cbook.micrograd"


def moons_as_sklearn(n_samples: int, noise: float):
    """``datasets.moons`` shaped as scikit-learn's ``make_moons`` returns it: X, integer y."""
    X, y = datasets.moons(n_samples, noise=noise, seed=1337)
    return np.array(X), np.array(y, dtype=int)


def run(script: str, pkg: str, **names) -> tuple[list[str], dict]:
    """Run one of the scripts with ``pkg`` as micrograd: what it printed, line by line, and its
    globals."""
    printed: list[str] = []
    namespace = {
        "__name__": "__micrograd_script__",
        "print": lambda *args: printed.append(" ".join(map(str, args))),
        "moons_as_sklearn": moons_as_sklearn,
        **names,
    }
    exec(compile(script.replace("{pkg}", pkg), f"<{pkg}>", "exec"), namespace)
    return printed, namespace


def steps(printed: list[str]) -> list[tuple[float, str]]:
    """The (loss, accuracy) of each ``step k loss L, accuracy A%`` line the demo printed."""
    out = []
    for line in printed:
        if line.startswith("step "):
            loss, acc = line.split(" loss ", 1)[1].split(", accuracy ")
            out.append((float(loss), acc))
    return out


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


# ------------------------------------------------------------------ the README example


def test_the_readme_example_prints_micrograds_three_numbers():
    theirs, _ = run(README, MICROGRAD)
    ours, _ = run(README, OURS)
    assert theirs == ["24.7041", "138.8338", "645.5773"]  # what micrograd's README says
    assert ours == theirs


def test_the_readme_examples_value_and_grads_equal_micrograds_but_for_its_division():
    """``10.0 / f`` is one division here, ``10.0 * f**-1`` in micrograd: the last bits differ."""
    _, theirs = run(README, MICROGRAD)
    _, ours = run(README, OURS)
    for name in "abcdef":  # everything before the division: bit for bit
        assert ours[name].data == theirs[name].data, name
    for got, want in [
        (ours["g"].data, theirs["g"].data),
        (ours["a"].grad, theirs["a"].grad),
        (ours["b"].grad, theirs["b"].grad),
    ]:
        assert math.isclose(got, want, rel_tol=1e-15)  # 4 ulps at most


# ------------------------------------------------------------------------- networks


def micrograd_model(pkg: str, nin: int, nouts: list[int], seed: int):
    module = __import__(f"{pkg}.nn", fromlist=["MLP"])
    random.seed(seed)
    return module.MLP(nin, nouts)


def test_a_seeded_mlp_has_micrograds_weights_in_micrograds_order_and_reprs():
    theirs = micrograd_model(MICROGRAD, 3, [4, 4, 1], seed=7)
    ours = micrograd_model(OURS, 3, [4, 4, 1], seed=7)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == 41  # (3 + 1)·4 + (4 + 1)·4 + (4 + 1)·1
    assert repr(ours) == repr(theirs)
    assert repr(ours) == (
        "MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3)], "
        "Layer of [ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4)], "
        "Layer of [LinearNeuron(4)]]"
    )
    assert [repr(layer) for layer in ours.layers] == [repr(layer) for layer in theirs.layers]


def test_neuron_and_layer_take_micrograds_arguments():
    from micrograd_cbook.micrograd import Layer, Neuron, Value

    random.seed(0)
    n = Neuron(2, nonlin=False)
    layer = Layer(2, 3, nonlin=False)
    assert (repr(n), len(n.parameters()), n.parameters()[-1] is n.b) == ("LinearNeuron(2)", 3, True)
    assert repr(layer) == "Layer of [LinearNeuron(2), LinearNeuron(2), LinearNeuron(2)]"
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -2.0, 0.25
    out = n([Value(3.0), 1.0])  # a linear neuron: z = b + Σ w·x
    assert out.data == 0.25 + 0.5 * 3.0 - 2.0 * 1.0
    out.backward()
    assert [p.grad for p in n.parameters()] == [3.0, 1.0, 1.0]
    n.zero_grad()
    assert [p.grad for p in n.parameters()] == [0.0, 0.0, 0.0]


def test_hidden_neurons_are_relu_and_the_output_neuron_is_linear():
    from micrograd_cbook.micrograd import MLP

    random.seed(3)
    model = MLP(2, [3, 1])
    for p in model.parameters():
        p.data = -1.0  # every z of the hidden layer is negative for positive inputs
    out = model([1.0, 2.0])
    assert out.data == -1.0  # b + Σ w·relu(z) = -1 + Σ -1·0: clipped, and the output is not
    assert [n([1.0, 2.0]).op for n in model.layers[0].neurons] == ["relu"] * 3
    assert out.op != "relu" and out.children[0] is model.layers[1].neurons[0].b


def test_a_wrong_number_of_inputs_is_an_error_naming_the_neuron():
    from micrograd_cbook.micrograd import MLP

    random.seed(0)
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\) takes 2 inputs, got 3"):
        MLP(2, [2, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="nin must be a positive int"):
        MLP(0, [1])
    with pytest.raises(ValueError, match="nouts must list the layer sizes"):
        MLP(2, 1)


def test_the_graphs_are_this_librarys_own_pictures_and_explanations_included():
    """micrograd's README draws ``nn.Neuron(2)(x)``; here draw_dot and explain read it."""
    import micrograd_cbook
    from micrograd_cbook import draw_dot, explain
    from micrograd_cbook.micrograd import Value, nn

    assert Value is micrograd_cbook.Value
    random.seed(1)
    n = nn.Neuron(2)
    x = [Value(1.0, "x0"), Value(-2.0, "x1")]
    y = n(x)
    y.backward()
    assert "digraph" in draw_dot(y).source
    assert explain(y, x[0]).total == x[0].grad == (n.w[0].data if y.data > 0 else 0.0)


# ---------------------------------------------------------------------- the demo


def test_micrograds_own_grads_change_in_their_last_bits_with_memory_layout():
    """Why gradients are compared to TOL: micrograd does not repeat its own last bits."""
    from micrograd.engine import Value

    X, y = moons_as_sklearn(100, 0.1)
    y = y * 2 - 1

    def grads(spacers: int) -> tuple[float, list[float]]:
        keep = [Value(0) for _ in range(spacers)]  # moves the graph's nodes in memory
        model = micrograd_model(MICROGRAD, 2, [16, 16, 1], seed=1337)
        scores = [model(list(map(Value, row))) for row in X]
        losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        total.backward()
        del keep
        return total.data, [p.grad for p in model.parameters()]

    runs = [grads(0), grads(12_345)]
    assert len({loss for loss, _ in runs}) == 1  # the forward pass: always the same bits
    assert any(a[1] != b[1] for a in runs for b in runs)  # the grads: not
    for _, g in runs[1:]:
        assert all(close(u, v) for u, v in zip(g, runs[0][1]))


def test_the_demo_runs_step_for_step_as_micrograds_side_by_side():
    theirs, their_ns = run(DEMO, MICROGRAD, STEPS=LIVE_STEPS)
    ours, our_ns = run(DEMO, OURS, STEPS=LIVE_STEPS)
    assert ours[:2] == theirs[:2]  # the model's repr, "number of parameters 337"
    # The first forward pass, before any gradient: the same bits.
    assert steps(ours)[0] == steps(theirs)[0]
    for (loss, acc), (their_loss, their_acc) in zip(steps(ours), steps(theirs), strict=True):
        assert close(loss, their_loss) and acc == their_acc
    our_params = [p.data for p in our_ns["model"].parameters()]
    their_params = [float(p.data) for p in their_ns["model"].parameters()]
    assert all(close(a, b) for a, b in zip(our_params, their_params, strict=True))
    start = [p.data for p in micrograd_model(OURS, 2, [16, 16, 1], seed=1337).parameters()]
    assert our_params != start  # the steps moved the weights

    # From micrograd's weights after those steps, the forward pass gives its bits again.
    for ours_p, theirs_p in zip(our_ns["model"].parameters(), their_ns["model"].parameters()):
        ours_p.data = float(theirs_p.data)
    (our_loss, our_acc), (their_loss, their_acc) = our_ns["loss"](), their_ns["loss"]()
    assert (our_loss.data, our_acc) == (their_loss.data, their_acc)
    for x in our_ns["X"]:  # and every score: biases are no longer 0 here
        our_score = our_ns["model"]([our_ns["Value"](v) for v in x])
        assert our_score.data == their_ns["model"]([their_ns["Value"](v) for v in x]).data


def test_the_demo_learns_as_micrograds_did_over_its_100_steps():
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    assert record["steps"] == DEMO_STEPS
    ours, _ = run(DEMO, OURS, STEPS=DEMO_STEPS)
    theirs = record["printed"]
    assert ours[:2] == theirs[:2]
    ours_steps, theirs_steps = steps(ours), steps(theirs)
    assert len(ours_steps) == len(theirs_steps) == DEMO_STEPS
    for k, ((loss, acc), (their_loss, their_acc)) in enumerate(zip(ours_steps, theirs_steps)):
        assert close(loss, their_loss), (k, loss, their_loss)
        assert acc == their_acc, (k, acc, their_acc)
    assert ours_steps[0][1] == "50.0%"
    assert ours_steps[-1][1] == theirs_steps[-1][1] == record["final_accuracy"]
    assert float(record["final_accuracy"].rstrip("%")) >= 95.0


def record() -> None:
    """Run micrograd 0.1.0's demo for its 100 steps and write what it printed to RECORD."""
    from importlib.metadata import version

    printed, _ = run(DEMO, MICROGRAD, STEPS=DEMO_STEPS)
    RECORD.parent.mkdir(exist_ok=True)
    data = {
        "what": "micrograd 0.1.0's demo.ipynb loop on datasets.moons(100, noise=0.1, seed=1337)",
        "micrograd": version("micrograd"),
        "steps": DEMO_STEPS,
        "final_accuracy": steps(printed)[-1][1],
        "printed": printed,
    }
    RECORD.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RECORD}: final {steps(printed)[-1]}")


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    record()
