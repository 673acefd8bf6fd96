"""Networks: :class:`Neuron`, :class:`Layer` and :class:`MLP`, labelled in the chapter's notation.

A neuron computes z = Σₖ wₖ·aₖ + b and a = σ(z). Every Value a network makes is labelled
the chapter's way: the weight from input k to unit j of layer l is ``w{l}[j,k]`` (layers
numbered from 1), its bias ``b{l}[j]``, its weighted sum ``z{l}[j]`` and its activation
``a{l}[j]``; inputs given as numbers become ``x[k]`` (the chapter's a⁽⁰⁾ₖ = xₖ). Weights and
biases are :class:`~micrograd_cbook.engine.Parameter` leaves (a Value an optimiser moves), so
pictures know them by what they are; pictures write the labels in the chapter's notation
(w⁽²⁾₀,₃, a⁽¹⁾₂, xₖ: the map is in :mod:`micrograd_cbook.names`).

>>> model = MLP(3, [4, 1], activation="sigmoid", bias=False, seed=1)
>>> a = model([0, 0, 1])
>>> a.label, a.op, len(model.parameters())
('a2[0]', 'sigmoid', 16)

Initialisation: ``init="uniform"`` (the default, as micrograd) draws every weight from
U(−1, 1); ``init="uniform01"`` draws from U[0, 1), as the chapter's ``np.random.random``.
Biases start at 0 in both. Draws come from ``random.Random(seed)`` (never the global RNG),
layer by layer, unit by unit, input by input: the same seed gives the same weights.

Speed: by default a neuron's weighted sum is one n-ary node (:func:`weighted_sum`), one
node instead of 2n. ``fused=False`` builds it from plain ``*`` and ``+`` instead, so a picture
shows every multiply and add; both give bit-identical values and gradients.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

from .bridge import from_torch, to_torch
from .engine import Parameter, Value, apply, weighted_sum
from .files import write_atomic
from .modelfiles import (
    FORMAT,
    FORMAT_VERSION,
    check_header,
    checked_config,
    file_values,
    read_model_file,
)
from .ops import ACTIVATIONS, OPERATIONS

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "chapter_network",
]

INITS = ("uniform", "uniform01")


# ---------------------------------------------------------------- validation


def _check_size(name: str, n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{name} must be a positive int ({what}), got {n!r}")
    return n


def _check_activation(name: str, activation: object) -> str:
    if activation not in ACTIVATIONS:
        choices = ", ".join(repr(a) for a in ACTIVATIONS)
        raise ValueError(f"{name} must be one of {choices}, got {activation!r}")
    return activation  # type: ignore[return-value]


def _check_init(init: object) -> str:
    if init not in INITS:
        choices = ", ".join(repr(i) for i in INITS)
        raise ValueError(f"init must be one of {choices}, got {init!r}")
    return init  # type: ignore[return-value]


def _as_values(x: Sequence[Value | float], nin: int, who: object) -> list[Value]:
    """The boundary check of a forward pass: ``nin`` inputs, numbers made leaves ``x[k]``.

    ``who`` names the caller in an error (formatted only then, not on every forward pass).
    """
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{who} takes a list of {nin} numbers or Values, got {type(x).__name__}"
        ) from None
    if n != nin:
        raise ValueError(
            f"{who} takes {nin} inputs, got {n}: pass a list of {nin} numbers or Values"
        )
    # Value() checks and converts any number, or says why not.
    return [v if isinstance(v, Value) else Value(v, f"x[{k}]") for k, v in enumerate(x)]


# --------------------------------------------------------------------- Module


class Module:
    """The base of every network piece: its parameters, ``zero_grad``, ``save`` and ``load``.

    >>> n = Neuron(2, seed=0)
    >>> n.zero_grad(); [p.grad for p in n.parameters()]
    [0.0, 0.0, 0.0]
    """

    __slots__ = ()

    def parameters(self) -> list[Value]:
        """Every trainable Value once (by identity): weights then bias, unit by unit, layer by
        layer.

        A weight shared by two neurons (tied: ``n1.w[0] = n0.w[0]``) is listed once, as in
        PyTorch, so an optimiser moves it once per step. A parameter must be a leaf: a
        computed weight (``n.w[0] = s * 2``) works in the forward and backward pass, but
        ``parameters()`` refuses it, as PyTorch refuses non-leaf parameters (optimise the
        leaves it is computed from instead).

        >>> layer = Layer(1, 2, seed=0)
        >>> layer.neurons[1].w[0] = layer.neurons[0].w[0]  # tie the two neurons' weights
        >>> [p.label for p in layer.parameters()]
        ['w1[0,0]', 'b1[0]', 'b1[1]']
        """
        values = list(self._values())
        if all(type(p) is Parameter for p in values):  # the usual case, quick: leaves by type
            return list(dict.fromkeys(values))
        params: dict[Value, None] = {}
        for name, p in self._slots():  # find the slot to name in the error
            if not isinstance(p, Value):
                raise TypeError(f"parameter {name} must be a Value, got {type(p).__name__} {p!r}")
            if p.children:
                raise ValueError(
                    f"parameter {name} is computed (op {p.op!r}), not a leaf: a parameter must be "
                    "a leaf Value an optimiser can move, as in PyTorch; tie weights by sharing "
                    "one leaf (n1.w[0] = n0.w[0]), or optimise the leaves it is computed from"
                )
            params[p] = None
        return list(params)

    def _slots(self) -> Iterator[tuple[str, Value]]:
        """Each parameter slot's name (``w2[0,3]``) and its Value, a tied Value once per slot."""
        return iter(())

    def _values(self) -> Iterator[Value]:
        """The Values of the slots, in the same order, without their names (quicker)."""
        return (p for _, p in self._slots())

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0 (call it between optimisation steps)."""
        for p in self.parameters():
            p.grad = 0.0

    # How many leading _config() entries the constructor takes positionally (for the repr).
    _positional = 1

    def _config(self) -> dict[str, Any]:
        """The arguments that rebuild a model of the same shape (saved with the weights)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        """The constructor call with the model's _config(): the same arguments the file saves."""
        items = list(self._config().items())
        args = [repr(v) for _, v in items[: self._positional]]
        args += [f"{k}={v!r}" for k, v in items[self._positional :]]
        return f"{type(self).__name__}({', '.join(args)})"

    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready dict: its class, shape and every parameter slot by name.

        A tied weight is written under each slot that holds it (as PyTorch's state_dict),
        so the file loads into a tied model and into an untied one alike.

        >>> Neuron(1, bias=False, seed=0).to_dict()["parameters"]
        {'w1[0,0]': 0.6888437030500962}
        """
        self.parameters()  # every slot holds a leaf Value, or the error says which does not
        params = {}
        for name, p in self._slots():
            if not math.isfinite(p.data):
                raise ValueError(
                    f"parameter {name} is {p.data!r}: a model with non-finite weights "
                    "cannot be saved (training diverged? lower the learning rate)"
                )
            params[name] = p.data
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "class": type(self).__name__,
            "config": self._config(),
            "parameters": params,
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to ``path`` as JSON, atomically (temporary file, then rename).

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> MLP(2, [3, 1], seed=0).save(path)
        >>> m = MLP(2, [3, 1], seed=1); m.load(path)
        >>> m([1.0, 2.0]).data == MLP(2, [3, 1], seed=0)([1.0, 2.0]).data
        True
        """
        write_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")

    def load(self, path: str | os.PathLike) -> None:
        """Read weights saved by :meth:`save` into this model, which must have the same shape.

        A missing file raises OSError; a bad or mismatched one raises ValueError naming the
        file and saying what differs. Either way the model is left untouched.
        """
        self._load_data(read_model_file(path), os.fspath(path))

    def _load_data(self, data: object, name: str) -> None:
        """Set the parameters from a model file's JSON, all or none; errors name the file."""
        try:
            values = self._check_file_dict(data)
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None
        slots = [p for _, p in self._slots()]
        for p, v in zip(slots, values):
            p.data = v

    def _check_file_dict(self, data: object) -> list[float]:
        """The parameter values in ``data`` in our order, or ValueError naming the first problem."""
        kind = type(self).__name__
        self.parameters()  # every slot holds a leaf Value, or the error says which does not
        return file_values(check_header(data, kind), kind, self._config(), list(self._slots()))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> Module:
        """A new model of the saved shape with the saved weights.

        The file's config is checked (and its sizes capped: at most ``MAX_UNITS`` inputs or
        units per layer, ``MAX_LAYERS`` layers, ``MAX_PARAMETERS`` parameters) before anything
        is built; any bad file raises ValueError naming it.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
        >>> MLP(2, [3, 1], activation="relu", seed=0).save(path)
        >>> MLP.from_file(path)
        MLP(2, [3, 1], activation='relu', output_activation='relu', bias=True)
        """
        name = os.fspath(path)
        data = read_model_file(path)
        try:
            config = checked_config(cls.__name__, check_header(data, cls.__name__))
            model = cls(**config)
        except (TypeError, ValueError, AttributeError, OverflowError, RecursionError) as e:
            raise ValueError(f"{name}: bad config for {cls.__name__}: {e}") from None
        model._load_data(data, name)
        return model


# --------------------------------------------------------------------- Neuron


class Neuron(Module):
    """One unit j of layer l: z = Σₖ wₖ·aₖ + b, then a = activation(z).

    ``layer`` and ``unit`` only name its Values (``w{layer}[{unit},k]``, ...). Its ``w`` and
    ``b`` may be replaced (by Values: a weight shared with another neuron ties the two, a
    computed Value makes a weight that follows it); the next call checks them.

    >>> n = Neuron(2, activation="relu", seed=0)
    >>> [w.label for w in n.w], n.b
    (['w1[0,0]', 'w1[0,1]'], Parameter(label='b1[0]', data=0.0000, grad=0.0000))
    >>> n([1.0, -1.0])
    Value(label='a1[0]', data=0.1729, grad=0.0000, op='relu')
    """

    __slots__ = ("w", "b", "activation", "fused", "layer", "unit")

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        bias: bool = True,
        *,
        init: str = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
        fused: bool = True,
        layer: int = 1,
        unit: int = 0,
    ) -> None:
        _check_size("nin", nin, "the number of inputs")
        self.activation = _check_activation("activation", activation)
        _check_init(init)
        if rng is None:
            rng = random.Random(seed)
        draw = rng.random if init == "uniform01" else lambda: rng.uniform(-1.0, 1.0)
        self.w = [Parameter(draw(), f"w{layer}[{unit},{k}]") for k in range(nin)]
        self.b = Parameter(0.0, f"b{layer}[{unit}]") if bias else None
        self.fused = bool(fused)
        self.layer = layer
        self.unit = unit

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """The activation a for inputs ``x`` (numbers or Values, one per weight)."""
        if not isinstance(self.w, (list, tuple)):
            raise self._bad_parts(0)  # type: ignore[misc]
        return self._activate(_as_values(x, len(self.w), self))

    def _activate(self, a: Sequence[Value]) -> Value:
        """z = Σₖ wₖ·aₖ + b, then a = σ(z) (or another activation): z{l}[j] and a{l}[j]."""
        layer, j = self.layer, self.unit
        try:
            if len(self.w) != len(a):
                raise ValueError
            z = weighted_sum(self.w, a, self.b) if self.fused else self._plain_sum(a)
        except (TypeError, ValueError) as e:
            raise self._bad_parts(len(a)) or e from None
        if self.activation == "linear":  # a = z: the weighted sum is the activation
            z.label = f"a{layer}[{j}]"
            return z
        z.label = f"z{layer}[{j}]"
        out = apply(OPERATIONS[self.activation].tag, z)  # a = σ(z), or another activation
        out.label = f"a{layer}[{j}]"
        return out

    def _plain_sum(self, a: Sequence[Value]) -> Value:
        """z from plain * and + nodes, left to right: the floats of the one-node sum."""
        w, b = self.w, self.b
        if not all(isinstance(v, Value) for v in (*w, b) if v is not None):
            raise TypeError
        z = w[0] * a[0]
        for k in range(1, len(w)):
            z = z + w[k] * a[k]
        return z if b is None else z + b

    def _bad_parts(self, nin: int) -> Exception | None:
        """What is wrong with a replaced ``w`` or ``b``, as the error to raise (None: nothing)."""
        who = f"neuron a{self.layer}[{self.unit}]"
        w, b = self.w, self.b
        if not isinstance(w, (list, tuple)):
            return TypeError(f"{who}: w must be a list of Values, got {type(w).__name__}")
        if len(w) != nin:
            return ValueError(
                f"{who} has {len(w)} weights for {nin} inputs: give it a w of "
                f"{nin} Values (or feed it {len(w)} inputs)"
            )
        for k, v in enumerate(w):
            if not isinstance(v, Value):
                return TypeError(
                    f"{who}: w[{k}] must be a Value, got {type(v).__name__} {v!r} "
                    f"(wrap a number: Value({v!r}, 'w{self.layer}[{self.unit},{k}]'))"
                )
        if b is not None and not isinstance(b, Value):
            return TypeError(f"{who}: b must be a Value or None, got {type(b).__name__} {b!r}")
        return None

    def _slots(self) -> Iterator[tuple[str, Value]]:
        if not isinstance(self.w, (list, tuple)):
            raise self._bad_parts(0)  # type: ignore[misc]
        yield from ((f"w{self.layer}[{self.unit},{k}]", v) for k, v in enumerate(self.w))
        if self.b is not None:
            yield f"b{self.layer}[{self.unit}]", self.b

    def _values(self) -> Iterator[Value]:
        if not isinstance(self.w, (list, tuple)):
            raise self._bad_parts(0)  # type: ignore[misc]
        yield from self.w
        if self.b is not None:
            yield self.b

    def _config(self) -> dict[str, Any]:
        return {
            "nin": len(self.w),
            "activation": self.activation,
            "bias": self.b is not None,
            "layer": self.layer,
            "unit": self.unit,
        }


# ---------------------------------------------------------------------- Layer


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs: layer ``layer`` of a network.

    >>> layer = Layer(3, 2, activation="tanh", layer=1, seed=0)
    >>> [a.label for a in layer([1, 2, 3])]
    ['a1[0]', 'a1[1]']
    """

    __slots__ = ("neurons", "nin", "activation", "layer")
    _positional = 2  # Layer(nin, nout, ...)

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        bias: bool = True,
        *,
        init: str = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
        fused: bool = True,
        layer: int = 1,
    ) -> None:
        _check_size("nin", nin, "the number of inputs")
        _check_size("nout", nout, "the number of neurons")
        _check_activation("activation", activation)
        _check_init(init)
        if rng is None:
            rng = random.Random(seed)
        self.nin = nin
        self.activation = activation
        self.layer = layer
        self.neurons = [
            Neuron(nin, activation, bias, init=init, rng=rng, fused=fused, layer=layer, unit=j)
            for j in range(nout)
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """The layer's activations: a list, or one Value when the layer has one neuron."""
        out = self._activate(_as_values(x, self.nin, self))
        return out[0] if len(out) == 1 else out

    def _activate(self, a: Sequence[Value]) -> list[Value]:
        """a^l from a^(l-1): each neuron's activation for the same inputs."""
        return [n._activate(a) for n in self.neurons]

    def _slots(self) -> Iterator[tuple[str, Value]]:
        for n in self.neurons:
            yield from n._slots()

    def _values(self) -> Iterator[Value]:
        for n in self.neurons:
            yield from n._values()

    def _config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": len(self.neurons),
            "activation": self.activation,
            "bias": self.neurons[0].b is not None,
            "layer": self.layer,
        }


# ------------------------------------------------------------------------ MLP


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs, numbered from 1.

    Hidden layers use ``activation``; the last uses ``output_activation`` (None: the same).

    >>> model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    >>> model
    MLP(2, [16, 16, 1], activation='relu', output_activation='linear', bias=True)
    >>> len(model.parameters()), model([0.5, -1.0]).label
    (337, 'a3[0]')
    """

    __slots__ = ("layers", "nin", "nouts", "activation", "output_activation", "bias")
    _positional = 2  # MLP(nin, nouts, ...)

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        bias: bool = True,
        seed: int | None = None,
        *,
        init: str = "uniform",
        fused: bool = True,
    ) -> None:
        _check_size("nin", nin, "the number of inputs")
        if isinstance(nouts, (int, str)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(
                f"nouts must list the layer sizes, e.g. [4, 1] for 4 hidden units and 1 output, "
                f"got {nouts!r}"
            )
        for n in nouts:
            _check_size("each layer size in nouts", n, "the number of neurons in that layer")
        _check_activation("activation", activation)
        if output_activation is None:
            output_activation = activation
        _check_activation("output_activation", output_activation)
        _check_init(init)
        rng = random.Random(seed)
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation
        self.output_activation = output_activation
        self.bias = bool(bias)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                bias,
                init=init,
                rng=rng,
                fused=fused,
                layer=i + 1,
            )
            for i in range(len(self.nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """The network's output for one input row: a Value if the last layer has one neuron."""
        a = _as_values(x, self.nin, "the model")  # a⁰ = x
        for layer in self.layers:
            a = layer._activate(a)  # a^l = σ(w^l a^(l-1) + b^l)
        return a[0] if len(a) == 1 else a

    @property
    def fused(self) -> bool:
        """True when weighted sums are single nodes; set False to draw every ``*`` and ``+``."""
        return self.layers[0].neurons[0].fused

    @fused.setter
    def fused(self, value: bool) -> None:
        for layer in self.layers:
            for n in layer.neurons:
                n.fused = bool(value)

    def _slots(self) -> Iterator[tuple[str, Value]]:
        for layer in self.layers:
            yield from layer._slots()

    def _values(self) -> Iterator[Value]:
        for layer in self.layers:
            yield from layer._values()

    def _config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "bias": self.bias,
        }

    def to_torch(self, dtype: Any = None) -> Any:
        """The same network as a ``torch.nn.Sequential`` (float64), as :func:`bridge.to_torch`.

        Needs PyTorch (``pip install torch``); without it, an ImportError saying so.
        """
        return to_torch(self, dtype)

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """A new MLP with the layers and weights of a ``torch.nn.Sequential``, as
        :func:`bridge.from_torch`."""
        return from_torch(seq, cls)


# ------------------------------------------------------------ the chapter's net


def chapter_weights() -> dict[str, Any]:
    """The chapter's 16 starting weights and where they come from (``data/chapter_weights.json``).

    >>> chapter_weights()["w2"][0][0]
    0.20445224973151743
    """
    text = (
        resources.files(__package__)
        .joinpath("data", "chapter_weights.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def chapter_network(*, fused: bool = True) -> MLP:
    """The chapter's two-layer network with its starting weights (NumPy, seed 1).

    ``MLP(3, [4, 1], activation="sigmoid", bias=False)``; w1[j,k] = syn0[k][j] and
    w2[0,j] = syn1[j][0] of ``np.random.seed(1); syn0 = np.random.random((3, 4));
    syn1 = np.random.random((4, 1))``, shipped as data so NumPy is not needed.

    >>> net = chapter_network()
    >>> round(net([0, 0, 1]).data, 6)
    0.757519
    """
    weights = chapter_weights()
    model = MLP(3, [4, 1], activation="sigmoid", bias=False, fused=fused)
    for layer, rows in zip(model.layers, (weights["w1"], weights["w2"])):
        for neuron, row in zip(layer.neurons, rows):
            for w, value in zip(neuron.w, row):
                w.data = float(value)
    return model
