"""PyTorch with nn.Linear layers over all the points at once (float64, one thread).

Two ways to write the demo's step. As its users write it: a ``torch.nn.Sequential`` of
``nn.Linear`` and ``nn.ReLU``, ``torch.optim.SGD``, ``optimizer.zero_grad()``, ``loss.backward()``,
``optimizer.step()``. Lean: the same model, the grads dropped (``p.grad = None``) and the update
written by hand under ``torch.no_grad()``, the optimiser's bookkeeping left out. The digits
epoch (``TorchDigits``) is written the users' way. The points are one tensor, built before
timing. Imported only when PyTorch is installed.
"""

from __future__ import annotations

import random

import torch
from workload import ALPHA, LR, Workload

USUAL = f"torch {torch.__version__} nn.Linear + optim.SGD"
LEAN = f"torch {torch.__version__} nn.Linear, lean"
DIGITS = f"torch {torch.__version__} nn.Linear + optim.AdamW"
torch.set_num_threads(1)  # one thread, as every other system here


def sequential(sizes: tuple[int, ...]) -> torch.nn.Sequential:
    """Linear layers of these sizes with a ReLU between each two (float64)."""
    layers: list[torch.nn.Module] = []
    for k in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[k], sizes[k + 1], dtype=torch.float64))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class TorchUsualStep:
    """One SGD step of the demo as PyTorch's users write it."""

    name = USUAL

    def __init__(self, work: Workload) -> None:
        self.model = sequential(work.sizes)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
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
            for layer, (w0, b0) in zip(self.linears, self.start):
                layer.weight.copy_(w0)
                layer.bias.copy_(b0)

    def step(self) -> float:
        self.optimizer.zero_grad()
        scores = self.model(self.X).squeeze(1)
        data_loss = torch.relu(1.0 - self.Y * scores).mean()
        reg_loss = ALPHA * sum((p * p).sum() for p in self.model.parameters())
        loss = data_loss + reg_loss
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self) -> list[float]:
        """In micrograd's order: per neuron its row of weights, then its bias."""
        out: list[float] = []
        for layer in self.linears:
            for row, bias in zip(layer.weight.tolist(), layer.bias.tolist()):
                out += [*row, bias]
        return out


class TorchLeanStep(TorchUsualStep):
    """The same step, lean: grads dropped and the update written by hand, no optimiser."""

    name = LEAN

    def __init__(self, work: Workload) -> None:
        super().__init__(work)
        self.params = list(self.model.parameters())

    def step(self) -> float:
        for p in self.params:
            p.grad = None
        scores = self.model(self.X).squeeze(1)
        total = torch.relu(1.0 - self.Y * scores).mean() + ALPHA * sum(
            (p * p).sum() for p in self.params
        )
        total.backward()
        with torch.no_grad():
            for p in self.params:
                p -= LR * p.grad
        return total.item()


class TorchDigits:
    """The digits network as PyTorch's users train it: ``model.to_torch()`` (the same starting
    weights), ``torch.optim.AdamW``, cross-entropy, the same batches in the same order.

    ``epoch()`` trains one epoch and returns the mean of its batch losses, as ``fit`` records.
    """

    name = DIGITS

    def __init__(self, model, X, y, *, lr, weight_decay, batch_size, seed) -> None:
        self.model = model.to_torch()
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=lr, weight_decay=weight_decay
        )
        self.X = torch.tensor(X, dtype=torch.float64)
        self.y = torch.tensor(y, dtype=torch.long)
        self.batch_size = batch_size
        self.rng, self.order = random.Random(seed), list(range(len(X)))  # fit's batches

    def epoch(self) -> float:
        self.rng.shuffle(self.order)
        order = torch.tensor(self.order)
        total, batches, correct = 0.0, 0, 0
        for start in range(0, len(self.order), self.batch_size):
            idx = order[start : start + self.batch_size]
            xb, yb = self.X[idx], self.y[idx]
            self.optimizer.zero_grad()
            logits = self.model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            loss.backward()
            self.optimizer.step()
            total += loss.item()
            batches += 1
            correct += (logits.argmax(1) == yb).sum().item()  # the accuracy fit records
        return total / batches

    def loss(self) -> float:
        """The cross-entropy over every training row."""
        with torch.no_grad():
            return torch.nn.functional.cross_entropy(self.model(self.X), self.y).item()

    def accuracy(self, X, y) -> float:
        with torch.no_grad():
            predicted = self.model(torch.tensor(X, dtype=torch.float64)).argmax(1)
        return (predicted == torch.tensor(y)).double().mean().item()
