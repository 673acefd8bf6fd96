"""micrograd_cbook's interpreter: a graph of Value nodes built each step, then ``backward()``.

The network system is micrograd's demo step written with micrograd_cbook's nn.MLP and its
engine's operations; the engine sections use its leaves, σ and chains.
"""

from __future__ import annotations

from workload import ALPHA, LR, Workload, flat

from micrograd_cbook import Value, nn, optim, sum_values

NAME = "micrograd_cbook interpreted"


class InterpretedStep:
    """One SGD step of the demo: forward through nn.MLP, the loss, backward(), the update.

    The loss is built as the compiled step composes it, so the two compute the same floats:
    each point's (1 − y·score).relu() · (1/n), their sum, then + ALPHA · Σp² (micrograd's demo
    takes the mean of the sum instead: the same to rounding).
    """

    name = NAME

    def __init__(self, work: Workload) -> None:
        self.model = nn.MLP(2, work.nouts, activation="relu", output_activation="linear")
        self.params = self.model.parameters()
        self.optimizer = optim.SGD(self.params, lr=LR)
        self.start = flat(work.weights)
        self.xs, self.ys = work.xs, work.ys
        self.reset()

    def reset(self) -> None:
        for p, v in zip(self.params, self.start):
            p.data = v

    def step(self) -> float:
        share = 1.0 / len(self.xs)
        losses = [(1 - y * self.model(x)).relu() * share for x, y in zip(self.xs, self.ys)]
        total = sum_values(losses) + ALPHA * sum_values(p * p for p in self.params)
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()  # p.data -= lr · p.grad
        return total.data

    def weights(self) -> list[float]:
        return [p.data for p in self.params]


# --- the engine sections: a leaf, σ and the chains


leaf = Value
sigmoid = Value.sigmoid
backward = Value.backward


def chain_step(x: Value) -> Value:
    """One step of the memory section's chain: σ(x·0.5 + 0.25)."""
    return (x * 0.5 + 0.25).sigmoid()


def deep_chain(depth: int) -> Value:
    """A chain of ``depth`` operations cycling through ·0.5, +0.25, σ: its root."""
    x = Value(0.1)
    for i in range(depth):
        r = i % 3
        x = x * 0.5 if r == 0 else x + 0.25 if r == 1 else x.sigmoid()
    return x
