"""The demo step written by hand in plain Python floats: the floor for a pure-Python engine.

Two ways a programmer would write it. By hand: per point the forward pass and the deltas
of each layer, then the weight gradients as column sums over the points
(``sum(map(mul, ...))``, a loop in C). Per-point loops: the gradients accumulated point by
point in Python loops, the work an engine does per edge. Neither skips anything: a point
whose hinge term is 0 (slope 0) and a relu at 0 pass back zeros that are multiplied and added
like any other number, as PyTorch's, NumPy's and micrograd's steps do.
"""

from __future__ import annotations

from operator import mul

from workload import ALPHA, LR, Workload, copy_weights, flat

NAME = "plain floats, by hand"
NAME_LOOPS = "plain floats, per-point loops"


def columns(rows: list, n: int) -> list[tuple]:
    """The columns of a list of rows of length n (n empty columns when there are no rows)."""
    return list(zip(*rows)) if rows else [()] * n


class FloatsStep:
    """One SGD step by hand: per-point forward and deltas, weight grads as column sums."""

    name = NAME

    def __init__(self, work: Workload) -> None:
        self.start, self.xs, self.ys = work.weights, work.xs, work.ys
        self.reset()

    def reset(self) -> None:
        self.w = copy_weights(self.start)

    def weights(self) -> list[float]:
        return flat(self.w)

    def step(self) -> float:
        weights = self.w
        (w1, b1), (w2, b2), (w3, b3) = (
            ([w for w, _ in layer], [b for _, b in layer]) for layer in weights
        )
        w3r = w3[0]
        w2t = list(zip(*w2))
        scale = 1.0 / len(self.xs)
        data_loss = 0.0
        cols_x, cols_h1, cols_h2, cols_d1, cols_d2, cols_ds = [], [], [], [], [], []
        for x, yi in zip(self.xs, self.ys):
            z1 = [sum(map(mul, w, x), b) for w, b in zip(w1, b1)]
            h1 = [z if z > 0.0 else 0.0 for z in z1]
            z2 = [sum(map(mul, w, h1), b) for w, b in zip(w2, b2)]
            h2 = [z if z > 0.0 else 0.0 for z in z2]
            m = 1.0 - yi * sum(map(mul, w3r, h2), b3[0])
            data_loss += m if m > 0.0 else 0.0
            # backward: ∂loss/∂score (0 where the hinge is 0), then the deltas of layers 2, 1
            ds = -yi * scale if m > 0.0 else 0.0
            d2 = [ds * w if z > 0.0 else 0.0 for w, z in zip(w3r, z2)]
            d1 = [s if z > 0.0 else 0.0 for s, z in zip([sum(map(mul, d2, c)) for c in w2t], z1)]
            cols_x.append(x)
            cols_h1.append(h1)
            cols_h2.append(h2)
            cols_d1.append(d1)
            cols_d2.append(d2)
            cols_ds.append(ds)
        params = flat(weights)
        loss = data_loss * scale + ALPHA * sum(map(mul, params, params))
        # weight gradients summed over the points: Σ_points delta_j · input_i
        tx, th1 = columns(cols_x, len(w1[0])), columns(cols_h1, len(w1))
        th2 = columns(cols_h2, len(w2))
        td1, td2 = columns(cols_d1, len(w1)), columns(cols_d2, len(w2))
        new = []
        for layer, deltas, inputs in (
            (weights[0], td1, tx),
            (weights[1], td2, th1),
            (weights[2], [cols_ds], th2),
        ):
            out = []
            for (w, b), d in zip(layer, deltas):
                gw = [sum(map(mul, d, col)) for col in inputs]
                out.append(
                    (
                        [wi - LR * (g + 2.0 * ALPHA * wi) for wi, g in zip(w, gw)],
                        b - LR * (sum(d) + 2.0 * ALPHA * b),
                    )
                )
            new.append(out)
        weights[:] = new
        return loss


class FloatsLoopsStep(FloatsStep):
    """The same step by hand, the plain way: per point, gradients accumulated in Python loops."""

    name = NAME_LOOPS

    def step(self) -> float:
        weights = self.w
        (w1, b1), (w2, b2), (w3, b3) = (
            ([list(w) for w, _ in layer], [b for _, b in layer]) for layer in weights
        )
        g_w = [[[0.0] * len(w) for w in ws] for ws in (w1, w2, w3)]
        g_b = [[0.0] * len(bs) for bs in (b1, b2, b3)]
        n = len(self.xs)
        data_loss = 0.0
        for x, yi in zip(self.xs, self.ys):
            z1 = [sum(map(mul, w, x), b) for w, b in zip(w1, b1)]
            h1 = [z if z > 0.0 else 0.0 for z in z1]
            z2 = [sum(map(mul, w, h1), b) for w, b in zip(w2, b2)]
            h2 = [z if z > 0.0 else 0.0 for z in z2]
            m = 1.0 - yi * sum(map(mul, w3[0], h2), b3[0])
            data_loss += m if m > 0.0 else 0.0
            # backward, layer 3 to layer 1: bias and weight grads, then the delta one layer down
            d_next = [-yi / n if m > 0.0 else 0.0]  # the hinge's slope: 0 where it is 0
            for layer, inputs, zs in ((2, h2, None), (1, h1, z2), (0, x, z1)):
                deltas, d_next = d_next, [0.0] * len(inputs)
                ws = (w1, w2, w3)[layer]
                for j, d in enumerate(deltas):
                    if zs is not None and zs[j] <= 0.0:
                        d = 0.0  # a relu at 0 passes 0 back (added all the same)
                    g_b[layer][j] += d
                    gw, w = g_w[layer][j], ws[j]
                    for i in range(len(inputs)):
                        gw[i] += d * inputs[i]
                        d_next[i] += d * w[i]
        loss = data_loss * (1.0 / n) + ALPHA * sum(p * p for p in flat(weights))
        weights[:] = [
            [
                (
                    [wi - LR * (g + 2.0 * ALPHA * wi) for wi, g in zip(w, gw)],
                    b - LR * (gb + 2.0 * ALPHA * b),
                )
                for w, b, gw, gb in zip(ws, bs, gws, gbs)
            ]
            for ws, bs, gws, gbs in zip((w1, w2, w3), (b1, b2, b3), g_w, g_b)
        ]
        return loss
