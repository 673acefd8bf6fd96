"""micrograd 0.1.0 (Karpathy): its own MLP and its demo's loss, verbatim in substance.

For the engine sections: its leaves, a σ node written the way its relu is (it has no sigmoid
or exp), and its backward with the recursive topological sort made iterative.
"""

from __future__ import annotations

import math

from micrograd.engine import Value
from micrograd.nn import MLP
from workload import ALPHA, LR, Workload, flat

NAME = "micrograd 0.1.0"


class MicrogradStep:
    """One SGD step of micrograd's demo with micrograd's own MLP (relu hidden, linear output)."""

    name = NAME

    def __init__(self, work: Workload) -> None:
        self.model = MLP(2, work.nouts)
        self.params = self.model.parameters()
        self.start = flat(work.weights)
        self.xs, self.ys = work.xs, work.ys
        self.reset()

    def reset(self) -> None:
        for p, v in zip(self.params, self.start):
            p.data = v

    def step(self) -> float:
        inputs = [list(map(Value, row)) for row in self.xs]
        scores = list(map(self.model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in self.params)
        total = data_loss + reg_loss
        self.model.zero_grad()
        total.backward()
        for p in self.params:
            p.data -= LR * p.grad
        return total.data

    def weights(self) -> list[float]:
        return [p.data for p in self.params]


# --- the engine sections


leaf = Value


def sigmoid(x: Value) -> Value:
    """σ for micrograd 0.1.0, which has no sigmoid (nor exp): a closure node, like its relu."""
    s = 1.0 / (1.0 + math.exp(-x.data))
    out = Value(s, (x,), "sigmoid")

    def _backward():
        x.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


def chain_step(x: Value) -> Value:
    """One step of the memory section's chain: σ(x·0.5 + 0.25)."""
    return sigmoid(x * 0.5 + 0.25)


def backward_iterative(root: Value) -> None:
    """micrograd's backward with its recursive topological sort made iterative.

    It calls the same ``_backward`` closures in a valid order and leaves the same grads
    behind; needed because micrograd's own backward cannot run on a long chain (and
    tracemalloc makes very deep recursion quadratic).
    """
    topo, visited, stack = [], {root}, [(root, False)]
    while stack:
        v, expanded = stack.pop()
        if expanded:
            topo.append(v)
            continue
        stack.append((v, True))
        for child in v._prev:
            if child not in visited:
                visited.add(child)
                stack.append((child, False))
    root.grad = 1
    for v in reversed(topo):
        v._backward()


def deep_chain(depth: int) -> Value:
    """A chain of ``depth`` operations cycling through ·0.5, +0.25, σ: its root."""
    x = Value(0.1)
    for i in range(depth):
        r = i % 3
        x = x * 0.5 if r == 0 else x + 0.25 if r == 1 else sigmoid(x)
    return x


def backward_works(depth: int) -> bool:
    """Whether micrograd's own (recursive) backward runs on a chain ``depth`` operations deep."""
    root = deep_chain(depth)
    try:
        root.backward()
    except RecursionError:
        return False
    return True
