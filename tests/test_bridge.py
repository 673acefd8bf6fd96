"""The PyTorch bridge: to_torch and from_torch give the same network, outputs and gradients."""

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cbook import losses, nn

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

SHAPES = [
    (3, [4, 1], "sigmoid", None, False),  # the chapter's network
    (3, [4, 2], "tanh", "linear", True),
    (64, [32, 10], "relu", "linear", True),
    (2, [5, 5, 3], "relu", "sigmoid", True),
    (4, [3], "linear", None, True),
]


def make(nin, nouts, act, out_act, bias, seed=0):
    return nn.MLP(nin, nouts, activation=act, output_activation=out_act, bias=bias, seed=seed)


def ours(model, x):
    out = model(x)
    return [out.data] if not isinstance(out, list) else [a.data for a in out]


@needs_torch
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}-{s[1]}-{s[2]}")
def test_to_torch_gives_the_same_outputs_to_1e_12(shape):
    model = make(*shape)
    seq = model.to_torch()
    X = [[((7 * i + 3 * k) % 11 - 5) / 4 for k in range(shape[0])] for i in range(6)]
    theirs = seq(torch.tensor(X, dtype=torch.float64)).tolist()  # a batch at once
    for x, row in zip(X, theirs):
        assert ours(model, x) == pytest.approx(row, rel=1e-12, abs=1e-12)


@needs_torch
@given(st.lists(st.floats(-10, 10), min_size=3, max_size=3))
def test_to_torch_outputs_agree_for_any_input(x):
    model = make(3, [5, 4], "tanh", "sigmoid", True, seed=3)
    theirs = model.to_torch()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert ours(model, x) == pytest.approx(theirs, rel=1e-12, abs=1e-12)


@needs_torch
def test_to_torch_copies_each_weight_exactly_in_float64():
    model = make(3, [4, 2], "tanh", "linear", True)
    seq = model.to_torch()
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear"]
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        assert linear.weight.dtype == torch.float64
        for j, neuron in enumerate(layer.neurons):
            assert linear.weight[j].tolist() == [w.data for w in neuron.w]  # weight[j, k] = w[j,k]
            assert linear.bias[j].item() == neuron.b.data


@needs_torch
def test_the_torch_copy_is_independent_of_the_model():
    model = make(2, [3, 1], "relu", "linear", True)
    seq = model.to_torch()
    before = seq[0].weight.tolist()
    model.layers[0].neurons[0].w[0].data += 1.0
    assert seq[0].weight.tolist() == before


@needs_torch
def test_cross_entropy_gradients_agree_with_torch_autograd():
    model = make(5, [6, 4], "sigmoid", "linear", True, seed=2)
    seq = model.to_torch()
    x, c = [0.5, -1.0, 0.25, 2.0, 0.0], 2
    C = losses.cross_entropy(model(x), c)
    C.backward()
    tC = torch.nn.functional.cross_entropy(
        seq(torch.tensor([x], dtype=torch.float64)), torch.tensor([c])
    )
    tC.backward()
    assert C.data == pytest.approx(tC.item(), rel=1e-12)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears):
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(
                linear.weight.grad[j].tolist(), rel=1e-10, abs=1e-14
            )
            assert neuron.b.grad == pytest.approx(linear.bias.grad[j].item(), rel=1e-10, abs=1e-14)


@needs_torch
def test_from_torch_builds_the_same_network_labelled_the_chapters_way():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(3, 4, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 2, dtype=torch.float64),
    )
    model = nn.MLP.from_torch(seq)
    assert repr(model) == (
        "MLP(3, [4, 2], activation='relu', output_activation='linear', bias=True)"
    )
    assert model.layers[1].neurons[1].w[3].label == "w2[1,3]"
    assert model.layers[1].neurons[1].w[3].data == seq[2].weight[1, 3].item()
    x = [0.5, -0.25, 1.0]
    out = model(x)
    assert [a.label for a in out] == ["a2[0]", "a2[1]"]
    theirs = seq(torch.tensor(x, dtype=torch.float64)).tolist()
    assert [a.data for a in out] == pytest.approx(theirs, rel=1e-12, abs=1e-12)


@needs_torch
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}-{s[1]}-{s[2]}")
def test_to_torch_then_from_torch_is_the_same_model(shape):
    model = make(*shape)
    back = nn.MLP.from_torch(model.to_torch())
    assert repr(back) == repr(model)
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]


@needs_torch
def test_from_torch_reads_float32_layers_and_a_lone_linear():
    linear = torch.nn.Linear(2, 3)  # float32
    model = nn.MLP.from_torch(linear)
    assert model.nouts == [3] and model.output_activation == "linear"
    assert model.layers[0].neurons[2].w[1].data == float(linear.weight[2, 1].item())


@pytest.mark.parametrize(
    "modules, error, match",
    [
        (
            lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)],
            ValueError,
            "module 1 is a Dropout",
        ),
        (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], ValueError, "takes 4 inputs"),
        (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 1)], ValueError, "must follow a Linear"),
        (
            lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh()],
            ValueError,
            "must follow a Linear",
        ),
        (
            lambda: [
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 1),
            ],
            ValueError,
            "different activations",
        ),
        (
            lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(3, 1, bias=False)],
            ValueError,
            "some Linear layers have a bias",
        ),
        (lambda: [], ValueError, "no Linear layer"),
    ],
)
@needs_torch
def test_a_sequential_that_is_not_an_mlp_is_a_clear_error(modules, error, match):
    with pytest.raises(error, match=match):
        nn.MLP.from_torch(torch.nn.Sequential(*modules()))


@needs_torch
def test_from_torch_of_something_else_is_a_type_error():
    with pytest.raises(TypeError, match=r"needs a torch\.nn\.Sequential"):
        nn.MLP.from_torch(torch.nn.Conv1d(1, 1, 1))


def test_without_torch_to_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ImportError, match=r"pip install torch"):
        nn.MLP(2, [1], seed=0).to_torch()


def test_a_float32_input_is_a_type_error_that_says_what_to_do():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")
    seq = nn.MLP(2, [3, 1], seed=0).to_torch()
    with pytest.raises(TypeError, match=r"input is torch.float32: pass torch.tensor\(\.\.\., "):
        seq(torch.tensor([1.0, 2.0]))
    assert seq(torch.tensor([1.0, 2.0], dtype=torch.float64)).dtype == torch.float64
    seq32 = nn.MLP(2, [3, 1], seed=0).to_torch(dtype=torch.float32)
    assert seq32(torch.tensor([1.0, 2.0])).dtype == torch.float32


def test_the_torch_model_pickles_with_its_dtype_check(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")
    seq = nn.MLP(2, [3, 1], seed=0).to_torch()
    torch.save(seq, tmp_path / "m.pt")
    back = torch.load(tmp_path / "m.pt", weights_only=False)
    with pytest.raises(TypeError, match="float64"):
        back(torch.tensor([1.0, 2.0]))
