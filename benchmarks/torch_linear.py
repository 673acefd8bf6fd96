"""PyTorch as it is meant to be used: nn.Linear layers over all the points at once (float64).

One thread (``torch.set_num_threads(1)``), the points as one tensor, built before timing.
Imported only when PyTorch is installed.
"""

from __future__ import annotations

import torch
from workload import ALPHA, LR, Workload

NAME = f"torch {torch.__version__} nn.Linear"
torch.set_num_threads(1)


class TorchLinearStep:
    """One SGD step of the demo with a torch.nn.Sequential of Linear and ReLU layers."""

    name = NAME

    def __init__(self, work: Workload) -> None:
        sizes = work.sizes
        layers: list[torch.nn.Module] = []
        for k in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[k], sizes[k + 1], dtype=torch.float64))
            if k < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.params = list(self.model.parameters())  # weight, bias of each Linear
        self.start = [
            (
                torch.tensor([w for w, _ in layer], dtype=torch.float64),
                torch.tensor([b for _, b in layer], dtype=torch.float64),
            )
            for layer in work.weights
        ]
        self.X = torch.tensor(work.xs, dtype=torch.float64)
        self.Y = torch.tensor(work.ys, dtype=torch.float64)
        self.reset()

    def reset(self) -> None:
        with torch.no_grad():
            for (w, b), (w0, b0) in zip(zip(self.params[::2], self.params[1::2]), self.start):
                w.copy_(w0)
                b.copy_(b0)

    def step(self) -> float:
        for p in self.params:
            p.grad = None
        scores = self.model(self.X).squeeze(1)
        data_loss = torch.relu(1.0 - self.Y * scores).mean()
        total = data_loss + ALPHA * sum((p * p).sum() for p in self.params)
        total.backward()
        with torch.no_grad():
            for p in self.params:
                p -= LR * p.grad
        return total.item()

    def weights(self) -> list[float]:
        """In micrograd's order: per neuron its row of weights, then its bias."""
        out: list[float] = []
        for w, b in zip(self.params[::2], self.params[1::2]):
            for row, bias in zip(w.tolist(), b.tolist()):
                out += [*row, bias]
        return out
