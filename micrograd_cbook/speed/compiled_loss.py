"""One example's cost, compiled: how :func:`training.fit` trains on straight-line code.

A network's cost over a batch is the sum (quadratic cost) or the mean (mse, hinge,
cross-entropy) over its rows of one per-row graph: the network, then the loss of one
output. Its shape is the same for every row, so it is compiled once
(:func:`micrograd_cbook.compile`) with the row's inputs ``x[k]``, its targets ``y[j]`` and
the row's share ``s`` (1, or 1/len(batch) for a mean) as the compiled graph's inputs; a batch
is then one ``f.many(rows)``, adding each parameter's ∂C/∂w into its ``.grad`` as
``C.backward()`` would (the same sums, added row after row rather than in the batch graph's
order: equal to rounding).

Cross-entropy's class becomes its probabilities, a one-hot row of inputs (the same floats as
the class index). Its log-sum-exp subtracts the max logit of the row it was traced on, a
number from then on: the same function of the logits (the shift cancels), and should a row's
logits ever exceed it by 700, the batch runs through the interpreter.

>>> from micrograd_cbook import datasets, nn
>>> from micrograd_cbook.losses import quadratic_cost
>>> X, y = datasets.chapter_table()
>>> net = nn.chapter_network()
>>> f = CompiledLoss.build(net, quadratic_cost, X, y)
>>> loss, _ = f.batch(range(4))
>>> abs(loss - quadratic_cost([net(x) for x in X], y).data) < 1e-15
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..engine import Value
from ..losses import cross_entropy, hinge, mse, quadratic_cost
from ..nn import Module
from .compiler import CompiledGraph, compile

__all__ = ["STATIC_LOSSES", "CompiledLoss"]

# The built-in losses whose per-row graph has one shape, and how a batch combines the rows.
STATIC_LOSSES = {quadratic_cost: "sum", mse: "mean", hinge: "mean", cross_entropy: "mean"}


class CompiledLoss:
    """The per-row cost of ``model`` under ``loss_fn``, compiled; :meth:`batch` runs rows."""

    def __init__(
        self, model: Any, loss_fn: Any, X: Sequence[Sequence[float]], y: Sequence[Any]
    ) -> None:
        self.model, self.loss_fn, self.mean = model, loss_fn, STATIC_LOSSES[loss_fn] == "mean"
        self.rows = [tuple(float(v) for v in x) for x in X]  # TypeError: not numbers
        self.classes = loss_fn is cross_entropy
        if self.classes:
            out = model(list(self.rows[0]))
            n = len(out) if isinstance(out, list) else 1
            self.targets: list[Any] = [tuple(float(c == t) for c in range(n)) for t in y]
        else:
            self.targets = [
                (float(t),) if not isinstance(t, Sequence) else tuple(float(v) for v in t)
                for t in y
            ]
        self.labels = list(y)
        self.graph: CompiledGraph | None = None

    @classmethod
    def build(
        cls,
        model: Any,
        loss_fn: Any,
        X: Sequence[Any],
        y: Sequence[Any],
    ) -> CompiledLoss | None:
        """The compiled cost, or None where the graph is not static or the data not numbers
        (a loss of your own, targets that are Values, a model that is not an ``nn`` one)."""
        if loss_fn not in STATIC_LOSSES or not isinstance(model, Module):
            return None
        try:
            model.parameters()  # every parameter a leaf
            made = cls(model, loss_fn, X, y)
            made._check_targets()
        except (TypeError, ValueError, OverflowError):
            return None  # the interpreter then runs, and says what is wrong
        return made

    def _check_targets(self) -> None:
        """Every distinct target through the loss once (its checks see each), or ValueError."""
        out = self.model(list(self.rows[0]))
        outs = out if isinstance(out, list) else [out]
        for t in set(self.labels if self.classes else self.targets):
            if self.classes:
                self.loss_fn([Value(0.0) for _ in outs], t)  # an int class in range
            elif len(t) != len(outs):
                raise ValueError("targets of another shape than the outputs")
            else:
                self.loss_fn([[Value(0.0) for _ in outs]], [list(t)])

    def _graph(self) -> CompiledGraph:
        """The compiled graph of one row, traced on the first."""
        if self.graph is None:
            xs = [Value(v, f"x[{k}]") for k, v in enumerate(self.rows[0])]
            out = self.model(xs)
            outs = out if isinstance(out, list) else [out]
            ys = [
                Value(v, "y" if len(self.targets[0]) == 1 else f"y[{j}]")
                for j, v in enumerate(self.targets[0])
            ]
            share = Value(1.0, "s")
            if self.classes:
                cost = cross_entropy(outs, ys)  # the class as probabilities: one-hot
            else:
                cost = self.loss_fn([out], [ys[0] if len(ys) == 1 else ys])
            root = cost * share
            root.label = "C"
            self.graph = compile(root, inputs=[*xs, *ys, share], record=outs)
        return self.graph

    def batch(self, idx: Iterable[int]) -> tuple[float, list[Any]]:
        """The cost over rows ``idx`` with every parameter's grad added to, and each row's
        outputs (a Value, or a list of them), as the model's forward pass gives them."""
        idx = list(idx)
        share = 1.0 / len(idx) if self.mean else 1.0
        seen: list[tuple[float, ...]] = []
        total = self._graph().many([(*self.rows[i], *self.targets[i], share) for i in idx], seen)
        outputs = []
        for values in seen:
            outs = [Value(v) for v in values]
            outputs.append(outs if len(outs) > 1 else outs[0])
        return total, outputs

    def evaluate(self) -> tuple[float, list[Any]]:
        """The cost over every row and each row's outputs; every grad left as it was."""
        params = self._graph().parameters
        grads = [p.grad for p in params]
        try:
            return self.batch(range(len(self.rows)))
        finally:
            for p, g in zip(params, grads):
                p.grad = g
