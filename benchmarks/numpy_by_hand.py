"""NumPy by hand: the demo's step as matrix products, forward and backward written out (float64).

What a programmer writes who knows the calculus and NumPy: each layer one ``@`` and a bias,
the relu masks, the deltas layer by layer, each weight's grad one ``@`` over all the points,
the L2 term's 2·ALPHA·p, then the SGD update in place. Nothing is skipped: a point whose hinge
is 0 passes back zeros through the same products. The matrix products add in an order of
their own (BLAS): the same numbers as the interpreter's to rounding, not bit for bit.
NumPy's BLAS runs one thread (``run.py`` sets it before NumPy is loaded).
"""

from __future__ import annotations

import numpy as np
from workload import ALPHA, LR, Workload

NAME = f"NumPy {np.__version__} by hand (matmuls)"


class NumpyStep:
    """One SGD step of the demo with NumPy arrays: W (out, in) and b (out,) per layer."""

    name = NAME

    def __init__(self, work: Workload) -> None:
        self.start = [
            (np.array([w for w, _ in layer]), np.array([b for _, b in layer]))
            for layer in work.weights
        ]
        self.X = np.array(work.xs)
        self.Y = np.array(work.ys)
        self.reset()

    def reset(self) -> None:
        self.layers = [(w.copy(), b.copy()) for w, b in self.start]

    def step(self) -> float:
        X, Y, n = self.X, self.Y, len(self.X)
        (W1, b1), (W2, b2), (W3, b3) = self.layers
        Z1 = X @ W1.T + b1
        H1 = np.maximum(Z1, 0.0)
        Z2 = H1 @ W2.T + b2
        H2 = np.maximum(Z2, 0.0)
        scores = H2 @ W3[0] + b3[0]
        margins = 1.0 - Y * scores
        hinge = np.maximum(margins, 0.0)
        l2 = sum(float((W * W).sum() + (b * b).sum()) for W, b in self.layers)
        loss = hinge.sum() / n + ALPHA * l2
        # backward: ∂loss/∂score per point (0 where the hinge is 0), then layer by layer
        dscores = np.where(margins > 0.0, -Y / n, 0.0)
        dZ2 = np.outer(dscores, W3[0]) * (Z2 > 0.0)
        dZ1 = (dZ2 @ W2) * (Z1 > 0.0)
        grads = (
            (dZ1.T @ X, dZ1.sum(axis=0)),
            (dZ2.T @ H1, dZ2.sum(axis=0)),
            ((dscores @ H2)[None, :], np.array([dscores.sum()])),
        )
        for (W, b), (gW, gb) in zip(self.layers, grads):
            W -= LR * (gW + 2.0 * ALPHA * W)
            b -= LR * (gb + 2.0 * ALPHA * b)
        return float(loss)

    def weights(self) -> list[float]:
        """In micrograd's order: per neuron its row of weights, then its bias."""
        out: list[float] = []
        for W, b in self.layers:
            for row, bias in zip(W.tolist(), b.tolist()):
                out += [*row, bias]
        return out
