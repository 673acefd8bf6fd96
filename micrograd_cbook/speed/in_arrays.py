"""Training with the parameters in arrays: :func:`~micrograd_cbook.training.fit`'s steps
without a pass over the Values at each step.

A batch of a compiled loss run every row at once (:mod:`~micrograd_cbook.speed.compiled_loss`)
reads every parameter's ``.data`` and ``.grad`` and writes each ``.grad`` back; the optimiser
then reads both again and writes ``.data``: about ten passes over the parameters' Values a
step, most of a small network's step. So ``fit`` keeps the numbers in two float64 arrays from
one step to the next instead:

- a batch runs on the arrays (:meth:`CompiledGraph.many_arrays
  <micrograd_cbook.speed.compiler.CompiledGraph.many_arrays>`) and the optimiser steps on them
  (:meth:`Optimizer.step_arrays <micrograd_cbook.optim.Optimizer.step_arrays>`): the same float
  operations in the same order as on the Values, so the same numbers, bit for bit;
- the Values get their ``.data`` and ``.grad`` back (:meth:`TrainingInArrays.write_back`)
  before anything else reads them: a replay at an epoch's end, a batch that does not run at
  once, an error, the end of training. A user sees no difference.

>>> from micrograd_cbook import datasets, nn, optim
>>> from micrograd_cbook.losses import mse
>>> from micrograd_cbook.speed.compiled_loss import CompiledLoss
>>> X, y = datasets.xor()
>>> net = nn.MLP(2, [4, 1], seed=0)
>>> opt = optim.SGD(net.parameters(), lr=0.1)
>>> loss = CompiledLoss.build(net, mse, X, y)
>>> loss.compiled().batched.min_rows = 1
>>> steps = TrainingInArrays.build(loss, opt)
>>> before = net.parameters()[0].data
>>> cost, outputs = steps.batch(range(4)); steps.step()
>>> net.parameters()[0].data == before   # the Values wait for write_back
True
>>> steps.write_back(); net.parameters()[0].data == before
False
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import optim_arrays
from ..optim import Optimizer
from ..reals import all_floats
from .compiled_loss import CompiledLoss

__all__ = ["TrainingInArrays"]


class TrainingInArrays:
    """A compiled loss's parameters and their grads as arrays, stepped by ``optimizer``.

    ``data``: the graph's parameters' values; ``grads``: every leaf's grad, the parameters'
    then the constants' (the layout of ``many_arrays``). Build it with :meth:`build`.
    """

    def __init__(self, loss: CompiledLoss, optimizer: Optimizer, np: Any) -> None:
        graph = loss.compiled()
        self.loss, self.optimizer, self.np = loss, optimizer, np
        self.params, self.leaves = graph.parameters, (*graph.parameters, *graph.constants)
        at = {p: i for i, p in enumerate(self.params)}
        order = [at[p] for p in optimizer.params]  # the optimiser's order, in the graph's
        self.order = None if order == list(range(len(order))) else np.array(order, np.intp)
        self.read()

    @classmethod
    def build(cls, loss: CompiledLoss, optimizer: Optimizer) -> TrainingInArrays | None:
        """The arrays, or None where training must run on the Values: no NumPy, an optimiser
        set to its Python update (``arrays = False``), one whose parameters are not exactly
        the graph's (some left out, or one twice), numbers that are not floats, a first row
        that does not trace."""
        np = optim_arrays.numpy
        if np is None or not optimizer.arrays:
            return None
        try:
            graph = loss.compiled()
        except (ArithmeticError, ValueError):  # the first row does not trace: the Values'
            return None  # batch meets it too, and the interpreter says what is wrong
        params = graph.parameters
        if len(optimizer.params) != len(params) or set(optimizer.params) != set(params):
            return None
        leaves = (*params, *graph.constants)
        if not all_floats([p.data for p in params]) or not all_floats([p.grad for p in leaves]):
            return None
        return cls(loss, optimizer, np)

    def read(self) -> None:
        """Take the numbers from the Values (after a step that ran on them)."""
        np = self.np
        self.data = np.array([p.data for p in self.params], dtype=np.float64)
        self.grads = np.array([p.grad for p in self.leaves], dtype=np.float64)

    def write_back(self) -> None:
        """Give every Value its number: the parameters' ``.data``, every leaf's ``.grad``."""
        for p, x in zip(self.params, self.data.tolist()):
            p.data = x
        for p, g in zip(self.leaves, self.grads.tolist()):
            p.grad = g

    def batch(self, idx: Iterable[int]) -> tuple[float, list[Any]] | None:
        """``optimizer.zero_grad()`` and the loss's batch ``idx``, on the arrays: its cost and
        outputs, or None (nothing changed) where the rows do not run at once."""
        self.grads[: len(self.params)] = 0.0
        return self.loss.batch_arrays(idx, self.data, self.grads)

    def step(self) -> None:
        """``optimizer.step()`` on the arrays."""
        grad = self.grads[: len(self.params)]
        if self.order is None:
            self.optimizer.step_arrays(self.data, grad)
            return
        data = self.data[self.order]  # the optimiser's order
        self.optimizer.step_arrays(data, grad[self.order])
        self.data[self.order] = data
