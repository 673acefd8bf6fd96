"""The next step, PyTorch: an MLP as a ``torch.nn.Sequential`` with the same weights, and back.

Layer l of the MLP becomes a ``torch.nn.Linear`` whose ``weight[j, k]`` is our ``w{l}[j,k]``
and whose ``bias[j]`` is ``b{l}[j]``, followed by its activation (``Sigmoid``, ``ReLU``,
``Tanh``; none for "linear"). In float64 both give the same outputs, to rounding.
PyTorch is optional: it is imported only here, on first use.

>>> from micrograd_cbook import nn
>>> model = nn.MLP(3, [4, 2], activation="tanh", output_activation="linear", seed=0)
>>> seq = model.to_torch()
>>> seq
Sequential(
  (0): Linear(in_features=3, out_features=4, bias=True)
  (1): Tanh()
  (2): Linear(in_features=4, out_features=2, bias=True)
)
>>> import torch
>>> out = seq(torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)).tolist()
>>> ours = [a.data for a in model([0.5, -1.0, 2.0])]
>>> max(abs(p - q) for p, q in zip(out, ours)) < 1e-12
True
>>> back = nn.MLP.from_torch(seq)
>>> [a.data for a in back([0.5, -1.0, 2.0])] == ours
True
"""

from __future__ import annotations

from typing import Any

from .ops import OPERATIONS

__all__ = ["DtypeCheck", "from_torch", "to_torch"]

INSTALL = (
    "PyTorch is not installed; install it with `pip install torch` (the CPU build is "
    "enough: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
)

# activation → torch.nn class, from the table of operations
_MODULES = {name: op.torch for name, op in OPERATIONS.items() if op.activation and op.torch}
_ACTIVATIONS = {name: act for act, name in _MODULES.items()}


def _torch() -> Any:
    """The torch module, or an ImportError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(INSTALL) from None
    return torch


def to_torch(model: Any, dtype: Any = None) -> Any:
    """The MLP ``model`` as a ``torch.nn.Sequential`` with the same weights (float64 default).

    Reads only the model's public attributes: ``layers``, each layer's ``neurons``, each
    neuron's ``w`` and ``b``, and the model's ``activation`` and ``output_activation``.
    The result is independent of the model: training one leaves the other as it was.
    """
    torch = _torch()
    if dtype is None:
        dtype = torch.float64
    modules = []
    last = len(model.layers) - 1
    for i, layer in enumerate(model.layers):
        neurons = layer.neurons
        bias = neurons[0].b is not None
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), bias=bias, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=dtype))
            if bias:
                linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=dtype))
        modules.append(linear)
        activation = model.output_activation if i == last else model.activation
        if activation != "linear":
            modules.append(getattr(torch.nn, _MODULES[activation])())
    seq = torch.nn.Sequential(*modules)
    seq.register_forward_pre_hook(DtypeCheck(dtype))
    return seq


class DtypeCheck:
    """A forward pre-hook that refuses inputs of another dtype with a message saying what to
    do (torch's own says "mat1 and mat2 must have the same dtype"); it pickles with the model
    (``torch.save``)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def __call__(self, module: Any, inputs: tuple) -> None:
        for x in inputs:
            if getattr(x, "dtype", self.dtype) != self.dtype and x.is_floating_point():
                raise TypeError(
                    f"this network's weights are {self.dtype} (micrograd_cbook's floats are "
                    f"float64) but the input is {x.dtype}: pass torch.tensor(..., "
                    f"dtype={self.dtype}), or build it with model.to_torch(dtype={x.dtype})"
                )


def _layers(seq: Any) -> list[tuple[Any, str]]:
    """(Linear, activation name) for each layer of ``seq``; ValueError naming what does not fit."""
    torch = _torch()
    if isinstance(seq, torch.nn.Linear):
        seq = [seq]
    elif not isinstance(seq, torch.nn.Sequential):
        raise TypeError(
            f"from_torch needs a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(seq).__name__}"
        )
    layers: list[tuple[Any, str]] = []
    for k, module in enumerate(seq):
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            layers.append((module, "linear"))
        elif kind in _ACTIVATIONS or isinstance(module, torch.nn.Identity):
            if not layers or layers[-1][1] != "linear":
                raise ValueError(
                    f"from_torch: module {k} ({kind}) must follow a Linear layer "
                    "(one activation per layer)"
                )
            if kind in _ACTIVATIONS:
                layers[-1] = (layers[-1][0], _ACTIVATIONS[kind])
        else:
            choices = ", ".join(["Linear", *_MODULES.values(), "Identity"])
            raise ValueError(f"from_torch: module {k} is a {kind}; an MLP has only {choices}")
    if not layers:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    return layers


def from_torch(seq: Any, cls: Any) -> Any:
    """A new ``cls`` (an MLP class) with the layers, activations and weights of ``seq`` (a
    ``torch.nn.Sequential``); ``nn.MLP.from_torch(seq)`` calls it.

    Every hidden layer must share one activation (the MLP's ``activation``); the last may
    have another (``output_activation``). All layers have biases or none do. The new
    model's Values are labelled the chapter's way (``w2[j,k]``, ``b2[j]``, ``a2[j]``).
    """
    layers = _layers(seq)
    nin = layers[0][0].in_features
    nouts = []
    for i, (linear, _) in enumerate(layers):
        expected = nin if i == 0 else nouts[-1]
        if linear.in_features != expected:
            raise ValueError(
                f"from_torch: Linear layer {i + 1} takes {linear.in_features} inputs but the "
                f"layer before it gives {expected}"
            )
        nouts.append(linear.out_features)
    hidden = {act for _, act in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: the hidden layers have different activations {sorted(hidden)}; "
            "an MLP has one activation for every hidden layer"
        )
    biases = {linear.bias is not None for linear, _ in layers}
    if len(biases) > 1:
        raise ValueError("from_torch: some Linear layers have a bias and some do not")
    output_activation = layers[-1][1]
    activation = hidden.pop() if hidden else output_activation
    model = cls(
        nin, nouts, activation=activation, output_activation=output_activation, bias=biases.pop()
    )
    for layer, (linear, _) in zip(model.layers, layers):
        weights = linear.weight.detach().double().tolist()
        bias = linear.bias.detach().double().tolist() if linear.bias is not None else None
        for j, neuron in enumerate(layer.neurons):
            for w, value in zip(neuron.w, weights[j]):
                w.data = value
            if bias is not None:
                neuron.b.data = bias[j]
    return model
