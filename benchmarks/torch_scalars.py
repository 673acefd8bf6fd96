"""PyTorch with 0-d float64 tensors: the same scalar graph as micrograd's, one tensor per number.

Imported only when PyTorch is installed (``import torch`` fails otherwise).
"""

from __future__ import annotations

import torch
from workload import ALPHA, LR, Workload

NAME = f"torch {torch.__version__} 0-d"
torch.set_num_threads(1)  # one thread, as every other system here


def scalar(x: float, grad: bool = False) -> torch.Tensor:
    """A 0-d float64 tensor."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


class TorchScalarStep:
    """One SGD step of the demo with every weight, input and intermediate a 0-d tensor."""

    name = NAME

    def __init__(self, work: Workload) -> None:
        self.start = work.weights
        self.xs, self.ys = work.xs, work.ys
        self.reset()

    def reset(self) -> None:
        self.model = [
            [([scalar(v, True) for v in w], scalar(b, True)) for w, b in layer]
            for layer in self.start
        ]
        self.params = [p for layer in self.model for w, b in layer for p in (*w, b)]

    def step(self) -> float:
        for p in self.params:
            p.grad = None
        last = len(self.model) - 1
        scores = []
        for x in self.xs:
            for i, layer in enumerate(self.model):
                acts = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
                x = acts if i == last else [a.relu() for a in acts]
            scores.append(x[0])
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.ys, scores)]
        total = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in self.params)
        total.backward()
        with torch.no_grad():
            for p in self.params:
                p -= LR * p.grad
        return total.item()

    def weights(self) -> list[float]:
        return [p.item() for p in self.params]


leaf = scalar  # the engine sections' wide graph


def leaf_with_grad(x: float) -> torch.Tensor:
    return scalar(x, grad=True)


sigmoid = torch.Tensor.sigmoid
