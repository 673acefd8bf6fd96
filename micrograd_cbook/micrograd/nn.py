"""``micrograd.nn`` 0.1.0 on this engine: ``Module``, ``Neuron``, ``Layer``, ``MLP``.

micrograd's classes, line for line in what they do: weights drawn with
``random.uniform(-1, 1)`` from the global RNG (so ``random.seed(s)`` gives micrograd's own
weights), biases 0, ReLU neurons except in the last layer, ``parameters()`` as each neuron's
``w + [b]``, neuron by neuron, layer by layer, and micrograd's reprs. Forward values are
micrograd's bit for bit: a neuron's z is one :func:`weighted_sum` node that adds b first, as
micrograd's ``sum(w·x, b)`` does, where micrograd builds 2n nodes and closures. Gradients add
the same terms, in an order that can differ from micrograd's (which follows the nodes' memory
addresses), so they can differ in their last bits, as micrograd's own do from run to run.

>>> import random
>>> random.seed(0)
>>> MLP(3, [2, 1])
MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3)], Layer of [LinearNeuron(2)]]
>>> n = Neuron(2, nonlin=False)
>>> len(n.parameters()), n.b.data
(3, 0.0)
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .. import Constant, Value, weighted_sum

__all__ = ["MLP", "Layer", "Module", "Neuron"]


class Module:
    """The base of micrograd's network pieces: ``parameters()`` and ``zero_grad()``."""

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (call it before each ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """The trainable Values (none here; each subclass lists its own)."""
        return []


class Neuron(Module):
    """z = b + Σᵢ wᵢ·xᵢ, then ReLU (``nonlin=True``) or nothing (the linear output unit)."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron(nin): nin must be a positive int, got {nin!r}")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]  # micrograd's draws
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        # b first, times 1 (exact): the floats of micrograd's sum((wi*xi ...), self.b)
        ones_x = [Constant(1.0), *x]
        if len(ones_x) != len(self.w) + 1:
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(ones_x) - 1}")
        act = weighted_sum([self.b, *self.w], ones_x)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; one output is returned as a Value, not a list."""

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs: ReLU hidden layers, a linear output."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if isinstance(nouts, (int, str)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP(nin, nouts): nouts must list the layer sizes, got {nouts!r}")
        sz = [nin, *nouts]
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
