"""One example's cost, compiled: how :func:`training.fit` trains on straight-line code.

A built-in loss whose graph has one shape for every row (:data:`~micrograd_cbook.losses.PARTS`:
quadratic, mse, hinge, cross-entropy) is ``combine`` of per-row terms: (yⱼ − aⱼ)² for the
quadratic cost, then ½ Σ. So one row's graph, the network and its terms with their sum times
the row's share ``s``, is compiled once (:func:`micrograd_cbook.compile`) with the row's
inputs ``x[k]``, its targets ``y[j]`` and ``s`` as the compiled graph's inputs, and a batch is
one ``f.many(rows)``. It gives the interpreter's floats bit for bit, as
``C = loss(outputs, targets); C.backward()`` over the batch would:

- ``s`` is the grad that the batch's ``combine`` gives each term (½ for the quadratic cost,
  1/n for a mean), found by back-propagating ``combine`` itself once per batch size;
- the rows run in the order ``C.backward()`` reaches them, the last row first (the batch graph
  places its rows' nodes row after row, and back-propagation walks that order backwards), so
  each weight's grad adds the same contributions in the same order;
- C is ``combine`` of the terms' values, recorded row by row: the batch's own sum and mean.

Cross-entropy's class becomes its probabilities, a one-hot row of inputs (the same floats as
the class index); its shift max z is a node of the graph, so each row subtracts its own max.
A row whose logit is not finite raises ValueError, as the interpreter does.

>>> from micrograd_cbook import datasets, nn
>>> from micrograd_cbook.losses import quadratic_cost
>>> X, y = datasets.chapter_table()
>>> net = nn.chapter_network()
>>> f = CompiledLoss.build(net, quadratic_cost, X, y)
>>> loss, _ = f.batch(range(4))
>>> loss == quadratic_cost([net(x) for x in X], y).data
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..engine import Value, sum_values
from ..losses import PARTS, cross_entropy
from ..nn import Module
from .compiler import CompiledGraph, compile

__all__ = ["CompiledLoss"]


class CompiledLoss:
    """The per-row cost of ``model`` under ``loss_fn``, compiled; :meth:`batch` runs rows."""

    def __init__(
        self, model: Any, loss_fn: Any, X: Sequence[Sequence[float]], y: Sequence[Any]
    ) -> None:
        self.model, self.loss_fn, self.parts = model, loss_fn, PARTS[loss_fn]
        self.rows = [tuple(float(v) for v in x) for x in X]  # TypeError: not numbers
        self.classes = loss_fn is cross_entropy
        out = model(list(self.rows[0]))
        self.outputs = len(out) if isinstance(out, list) else 1
        if self.classes:
            if self.outputs == 1:  # one logit: cross_entropy reads the batch as one example
                raise ValueError("cross-entropy over one output")
            n = self.outputs
            self.targets: list[Any] = [tuple(float(c == t) for c in range(n)) for t in y]
        else:
            self.targets = [
                (float(t),) if not isinstance(t, Sequence) else tuple(float(v) for v in t)
                for t in y
            ]
        self.labels = list(y)
        self.graph: CompiledGraph | None = None
        self.terms: list[Value] = []  # one row's terms, in the traced graph
        self._shares: dict[int, float] = {}
        self._table: Any = None  # the rows as one array, for batch_arrays

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
        if loss_fn not in PARTS or not isinstance(model, Module):
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
        outs = [Value(0.0) for _ in range(self.outputs)]
        for t in set(self.labels if self.classes else self.targets):
            if self.classes:
                self.loss_fn(outs, t)  # an int class in range
            elif len(t) != len(outs):
                raise ValueError("targets of another shape than the outputs")
            else:
                self.loss_fn([outs], [list(t)])

    def compiled(self) -> CompiledGraph:
        """The compiled graph of one row, traced on the first: Σ of its terms, times s."""
        if self.graph is None:
            xs = [Value(v, f"x[{k}]") for k, v in enumerate(self.rows[0])]
            out = self.model(xs)
            outs = out if isinstance(out, list) else [out]
            ys = [
                Value(v, "y" if len(self.targets[0]) == 1 else f"y[{j}]")
                for j, v in enumerate(self.targets[0])
            ]
            share = Value(1.0, "s")
            self.terms = self.parts.terms(outs, ys)
            root = sum_values(self.terms) * share
            root.label = "C"
            self.graph = compile(root, inputs=[*xs, *ys, share], record=[*outs, *self.terms])
        return self.graph

    def _share(self, n: int) -> float:
        """The grad the batch's ``combine`` gives each of its n terms (½, 1/n, ...)."""
        if n not in self._shares:
            terms = [Value(0.0) for _ in range(n)]
            self.parts.combine(terms).backward()
            grads = {t.grad for t in terms}
            if len(grads) != 1:  # (never for the built-in losses: their terms are alike)
                raise ValueError("a loss whose terms get different grads")
            self._shares[n] = grads.pop()
        return self._shares[n]

    def batch(self, idx: Iterable[int]) -> tuple[float, list[Any]]:
        """The cost over rows ``idx`` with every parameter's grad added to, and each row's
        outputs' values (a float, or a list of them: the model's outputs' ``.data``)."""
        rows, seen = self._rows(idx), []
        self.compiled().many(rows, seen)  # the last row first, as C.backward() reaches them
        return self._outcome(seen)

    def batch_arrays(
        self, idx: Iterable[int], data: Any, grads: Any
    ) -> tuple[float, list[Any]] | None:
        """:meth:`batch` with the parameters' values ``data`` and the leaves' ``grads`` in
        arrays (:meth:`CompiledGraph.many_arrays`: the graph's parameters, then its
        constants); None, nothing changed, where the rows do not run at once."""
        idx = list(idx)
        f = self.compiled()
        if self._table is None:  # every row's inputs and targets, and a column for s
            import numpy as np  # (the arrays are NumPy's: it is there)

            self._table = np.array([(*x, *t, 0.0) for x, t in zip(self.rows, self.targets)])
        rows = self._table[idx[::-1]]  # the last row first, as in batch()
        rows[:, -1] = self._share(len(self.terms) * len(idx))
        seen: list[tuple[float, ...]] = []
        if f.many_arrays(rows, data, grads, seen) is None:
            return None
        return self._outcome(seen)

    def _rows(self, idx: Iterable[int]) -> list[tuple[float, ...]]:
        """The compiled graph's rows for rows ``idx`` of the data, the last first."""
        idx = list(idx)
        self.compiled()
        share = self._share(len(self.terms) * len(idx))
        return [(*self.rows[i], *self.targets[i], share) for i in reversed(idx)]

    def _outcome(self, seen: list[tuple[float, ...]]) -> tuple[float, list[Any]]:
        """The batch's cost and its rows' outputs, from the recorded values (last row first)."""
        seen.reverse()
        k = self.outputs
        logits = itertools.chain.from_iterable(values[:k] for values in seen)
        if self.classes and not all(map(math.isfinite, logits)):
            raise ValueError("a logit is not finite")  # (the interpreter says which)
        terms = [Value(v) for values in seen for v in values[k:]]
        outputs = [list(values[:k]) if k > 1 else values[0] for values in seen]
        return self.parts.combine(terms).data, outputs

    def evaluate(self) -> tuple[float, list[Any]]:
        """The cost over every row and each row's outputs; every grad left as it was."""
        params = self.compiled().parameters
        grads = [p.grad for p in params]
        try:
            return self.batch(range(len(self.rows)))
        finally:
            for p, g in zip(params, grads):
                p.grad = g
