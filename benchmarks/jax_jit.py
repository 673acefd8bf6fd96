"""JAX: the demo's step as one ``jax.jit`` function of the parameters (CPU, float64).

As JAX's users write it: the loss as a function of a list of (W, b), ``jax.value_and_grad``,
the SGD update as a ``tree_map``, all under one ``jax.jit``; a step calls it and reads the loss
as a float (which waits for the result). The first call traces and compiles (XLA): the setup
table reports it as the first step's extra time. Optional (the ``bench`` extra): without JAX
the benchmarks leave it out, with a note. ``run.py`` asks XLA for one thread before JAX loads.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)  # float64, as every other system here

import jax.numpy as jnp  # noqa: E402  (after float64 is switched on)
from workload import ALPHA, LR, Workload  # noqa: E402

NAME = f"JAX {jax.__version__} jit"


def loss_fn(params, X, Y):
    h = X
    for k, (W, b) in enumerate(params):
        h = h @ W.T + b
        if k < len(params) - 1:
            h = jax.nn.relu(h)
    data_loss = jnp.mean(jax.nn.relu(1.0 - Y * h[:, 0]))
    reg_loss = ALPHA * sum(jnp.sum(W * W) + jnp.sum(b * b) for W, b in params)
    return data_loss + reg_loss


@jax.jit
def sgd_step(params, X, Y):
    loss, grads = jax.value_and_grad(loss_fn)(params, X, Y)
    return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), loss


class JaxStep:
    """One SGD step of the demo through the jitted ``sgd_step``."""

    name = NAME

    def __init__(self, work: Workload) -> None:
        # JAX keeps what it compiled for the whole process: forget it, so that a new system
        # traces and compiles on its first step as it would in a program of its own.
        sgd_step.clear_cache()
        self.start = [
            (
                jnp.array([w for w, _ in layer], dtype=jnp.float64),
                jnp.array([b for _, b in layer], dtype=jnp.float64),
            )
            for layer in work.weights
        ]
        self.X = jnp.array(work.xs, dtype=jnp.float64)
        self.Y = jnp.array(work.ys, dtype=jnp.float64)
        self.reset()

    def reset(self) -> None:
        self.params = list(self.start)  # arrays are immutable: each step makes new ones

    def step(self) -> float:
        self.params, loss = sgd_step(self.params, self.X, self.Y)
        return float(loss)

    def weights(self) -> list[float]:
        """In micrograd's order: per neuron its row of weights, then its bias."""
        out: list[float] = []
        for W, b in self.params:
            for row, bias in zip(W.tolist(), b.tolist()):
                out += [*row, bias]
        return out
