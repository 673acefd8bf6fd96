"""micrograd_cbook's compiler: one example's loss graph traced once into straight-line Python.

The graph of ``(1 − y·score(x)).relu() · (1/n)`` with x[0], x[1] and y as input leaves is
compiled once; a step calls ``f.many(rows)`` over every point, plus a second compiled graph
for the L2 term (no inputs: it reads the weights), then ``optim.SGD`` updates the weights: the
interpreter's step (``interpreted.py``), the same graphs, bit for bit. Compiling is timed apart
from the step (``compile_seconds``); the first ``many`` also plans the every-row-at-once path,
which the setup table reports as the first step's extra time.

Two systems: ``CompiledStep`` as ``compile()`` makes it (``many`` runs every point at once
with NumPy: the same floats), and ``StraightLineStep``, kept to the straight-line code: the
generated Python's lines run once per point. What the generated code does inside is its own
business (it skips the chain-rule edges of a node whose grad is 0: the system's own speed);
what it is given is every point, as every other system is.
"""

from __future__ import annotations

import time

from internals import compile_straight_line
from workload import ALPHA, LR, DigitsWork, Workload, flat

from micrograd_cbook import Value, compile, nn, optim, sum_values, training

NAME = "micrograd_cbook compiled"
STRAIGHT_NAME = "micrograd_cbook compiled, straight-line only"


def l2_term(params: list[Value]) -> Value:
    """ALPHA · Σ p² as a graph (one sum node: compile() writes a long sum in pieces)."""
    return ALPHA * sum_values(p * p for p in params)


class CompiledStep:
    """One SGD step of the demo through the compiled loss and L2 graphs (built on creation).

    ``compile_seconds``: the time to build the two graphs, and to compile each.
    """

    name = NAME
    batched = True

    def __init__(self, work: Workload) -> None:
        self.model = nn.MLP(2, work.nouts, activation="relu", output_activation="linear")
        self.params = self.model.parameters()
        self.optimizer = optim.SGD(self.params, lr=LR)
        self.start = flat(work.weights)
        self.reset()
        t0 = time.perf_counter()
        x0, x1, y = Value(0.0, "x[0]"), Value(0.0, "x[1]"), Value(0.0, "y")
        loss = (1 - y * self.model([x0, x1])).relu() * (1.0 / work.points)
        loss.label = "C"
        t1 = time.perf_counter()
        make = compile if self.batched else compile_straight_line
        self.loss = make(loss, [x0, x1, y])
        t2 = time.perf_counter()
        l2 = l2_term(self.params)
        t3 = time.perf_counter()
        self.l2 = make(l2, [])
        t4 = time.perf_counter()
        self.compile_seconds = {
            "graphs": (t1 - t0) + (t3 - t2),
            "loss": t2 - t1,
            "l2": t4 - t3,
            "total": t4 - t0,
        }
        self.rows = [(a, b, yi) for (a, b), yi in zip(work.xs, work.ys)]

    def reset(self) -> None:
        for p, v in zip(self.params, self.start):
            p.data = v

    def step(self) -> float:
        self.optimizer.zero_grad()
        total = self.loss.many(self.rows) + self.l2([])
        self.optimizer.step()  # p.data -= lr · p.grad
        return total

    def weights(self) -> list[float]:
        return [p.data for p in self.params]


class StraightLineStep(CompiledStep):
    """The same step with ``batched=False``: the generated lines once per point, no NumPy."""

    name = STRAIGHT_NAME
    batched = False


ARRAYS_NAME = "micrograd_cbook compiled, parameters in arrays"


class InArraysStep(CompiledStep):
    """The same step with the parameters' values and grads kept in NumPy arrays between
    steps, as ``training.fit`` keeps them (:mod:`micrograd_cbook.speed.in_arrays`):
    ``f.many_arrays`` for the points and for the L2 term, then ``SGD.step_arrays``. The same
    float operations in the same order as :class:`CompiledStep`, without its passes over the
    Values (each graph reads every ``.data`` and ``.grad`` and writes each ``.grad``; SGD
    reads both and writes ``.data``): what those passes cost is the difference. A graph
    whose plan does not pay for its rows (the L2 term of a narrow network, one call) runs
    its straight-line code on its Values, as ``fit`` runs such a batch."""

    name = ARRAYS_NAME

    def __init__(self, work: Workload) -> None:
        import numpy as np

        super().__init__(work)
        at = {p: i for i, p in enumerate(self.params)}
        # each graph's parameters, as positions in the optimiser's list; its leaves' count
        self.graphs = [
            (f, np.array([at[p] for p in f.parameters], dtype=np.intp),
             len(f.parameters) + len(f.constants))
            for f in (self.loss, self.l2)
        ]  # fmt: skip
        self.x = np.array(self.rows, dtype=np.float64)  # (self.data: reset, from __init__)

    def reset(self) -> None:
        import numpy as np

        super().reset()
        self.data = np.array([p.data for p in self.params], dtype=np.float64)

    def step(self) -> float:
        import numpy as np

        grad = np.zeros(len(self.params))  # zero_grad
        total = -0.0
        for (f, at, leaves), rows in zip(self.graphs, (self.x, [()])):
            g = np.zeros(leaves)
            g[: len(at)] = grad[at]  # the grads so far: the L2 term adds to the points'
            value = f.many_arrays(rows, self.data[at], g)
            if value is None:  # too few rows for the plan to pay (the L2 term of a narrow
                # network): the straight-line code, on the Values of this graph
                for p, d, dp in zip(f.parameters, self.data[at].tolist(), g.tolist()):
                    p.data, p.grad = d, dp
                value = f.many(rows)
                g[: len(at)] = [p.grad for p in f.parameters]
            total += value
            grad[at] = g[: len(at)]
        self.optimizer.step_arrays(self.data, grad)  # p.data -= lr · p.grad, in the array
        return total

    def weights(self) -> list[float]:
        return self.data.tolist()


# ------------------------------------------------------------ the digits epoch

FIT_NAME = "micrograd_cbook training.fit"


def digits_model(work: DigitsWork) -> nn.MLP:
    """The command line's digits network: its sizes, relu, a linear output, its seed and init."""
    return nn.MLP(
        len(work.X_train[0]),
        [*work.hidden, 10],
        activation="relu",
        output_activation="linear",
        seed=work.seed,
        init="uniform",
    )


def fit_digits(model: nn.MLP, work: DigitsWork, after_epoch) -> training.History:
    """``training.fit`` as ``train --data digits`` calls it, ``after_epoch(epoch, history)``
    called after each epoch (its ``replay`` hook: the peers train their epoch there)."""
    opt = optim.AdamW(model.parameters(), lr=work.lr, weight_decay=work.weight_decay)
    return training.fit(
        model,
        work.X_train,
        work.y_train,
        loss="cross_entropy",
        optimizer=opt,
        epochs=work.epochs,
        batch_size=work.batch_size,
        seed=work.seed,
        progress=False,
        replay=after_epoch,
    )


def test_accuracy(model: nn.MLP, work: DigitsWork) -> float:
    predicted = training.predict(model, work.X_test)
    return sum(p == t for p, t in zip(predicted, work.y_test)) / len(work.y_test)
