"""`micrograd-cbook demo`: the chapter's two-layer network, end to end, in a few seconds.

Builds ``nn.MLP(3, [4, 1], activation="sigmoid", bias=False)`` with the chapter's
starting weights, shows that ``backward()`` gives the chapter's equations (A) and (B)
for one row, trains it as the chapter does, and writes a graph and a loss curve.
"""

from __future__ import annotations

import argparse
import os
import time

from .. import equations
from ..checks import gradcheck
from ..datasets import chapter_table
from ..engine import Value
from ..losses import quadratic_cost
from ..nn import chapter_network
from ..notation import fmt
from ..optim import SGD
from ..stepping import explain
from ..training import fit
from ..viz import GraphvizMissingError, render_svg
from ..viz.plots import loss_curve_svg
from .common import UsageError, positive_int, prepare_folder

DEFAULT_OUT = "micrograd-cbook-demo"
ROW = 0  # the row whose gradients are checked and drawn
HIGHLIGHT = "w1[0,2]"  # the weight whose path w → z → a → C the picture emphasises
QUERY = [1.0, 0.0, 1.0]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="the chapter's network, end to end (no arguments needed)",
        description="Build the chapter's two-layer network, check back-propagation against "
        "its equations (A) and (B), train it, and write graph.svg and loss.svg.",
    )
    p.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for graph.svg and loss.svg (default: ./{DEFAULT_OUT}/)",
    )
    p.add_argument("--epochs", type=positive_int, default=1000, help="training steps (1000)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def _check_gradients(net, x: list[float], y: float) -> tuple[Value, Value, list[tuple]]:
    """Forward and backward one row: a2, C and (weight, engine, equation, numeric) rows."""

    a2 = net(x)
    C = quadratic_cost(a2, y)
    C.backward()
    w1 = [[w.data for w in n.w] for n in net.layers[0].neurons]
    w2 = [[w.data for w in n.w] for n in net.layers[1].neurons]
    eq_w1 = equations.dC_dw1(x, w1, w2, [y])  # (B), [unit][input]
    eq_w2 = equations.dC_dw2(x, w1, w2, [y])  # (A)
    weights = net.parameters()

    def cost_of(*ws):  # the same network with the weights as fresh leaves: for central differences
        it = iter(ws)
        for layer in net.layers:
            for n in layer.neurons:
                n.w = [next(it) for _ in n.w]
        return quadratic_cost(net(x), y)

    saved = [(n, n.w) for layer in net.layers for n in layer.neurons]
    try:
        numeric = [r.numeric for r in gradcheck(cost_of, [w.data for w in weights]).rows]
    finally:
        for n, ws in saved:
            n.w = ws
    rows = []
    for w, num in zip(weights, numeric):
        layer, j, k = int(w.label[1]), *map(int, w.label[3:-1].split(","))
        eq = (eq_w1 if layer == 1 else eq_w2)[j][k]
        rows.append((w, w.grad, eq, num))
    return a2, C, rows


def run(args: argparse.Namespace) -> int:

    started = time.perf_counter()
    out = args.out
    prepare_folder(out, "--out", ["graph.svg", "loss.svg"])  # before any work: said at once

    X, Y = chapter_table()
    net = chapter_network()
    print("micrograd-cbook demo: the chapter's two-layer network, end to end\n")
    print(f"network  {net!r}")
    print("         16 weights, drawn by NumPy: np.random.seed(1); random((3, 4)), random((4, 1))")
    rows_text = "  ".join(f"[{', '.join(f'{v:g}' for v in x)}]" for x in X)
    print(f"data     x = {rows_text}")
    print(f"         y = {', '.join(f'{v:g}' for v in Y)}   (the third input is a constant 1)\n")

    # 1. One row: backward() against equations (A) and (B)
    x, y = X[ROW], Y[ROW]
    a2, C, grads = _check_gradients(net, x, y)
    print(
        f"1. One row, x = {[int(v) for v in x]}, y = {y:g}: the output a⁽²⁾ = a2[0] = "
        f"{fmt(a2.data)},"
    )
    print(f"   C = ½(y − a⁽²⁾)² = {fmt(C.data)}; C.backward()")
    widths = [9, 14, 22, 14]
    print("   " + _row(["weight", "engine ∂C/∂w", "chapter's equation", "central diff."], widths))
    for w, engine, eq, num in grads:
        if w.label.startswith("w1") and x[int(w.label[-2])] == 0.0:
            continue  # its input is 0 in this row: every column is 0
        which = "(A)" if w.label.startswith("w2") else "(B)"
        print(
            "   "
            + _row([w.label, f"{engine:+.10f}", f"{eq:+.10f} {which}", f"{num:+.10f}"], widths)
        )
    worst_eq = max(abs(e - q) for _, e, q, _ in grads)
    worst_num = max(abs(e - n) for _, e, _, n in grads)
    same = "exactly" if worst_eq == 0.0 else f"within {worst_eq:.1e}"
    print(
        f"   all 16 weights: engine = equations (A)/(B) {same}, "
        f"= central differences within {worst_num:.1e}"
    )
    print("   (the 8 weights from inputs 0 and 1 get ∂C/∂w = 0 here: those inputs are 0)")
    weight = next(w for w, *_ in grads if w.label == HIGHLIGHT)
    print(f"\n   The chain rule for {HIGHLIGHT}, the path w → z → a → C (equation (B)):")
    print("   " + _explain_text(C, weight).replace("\n", "\n   "))
    graph_note = _write_graph(C, net, os.path.join(out, "graph.svg"))

    # 2. Train as the chapter does
    net.zero_grad()
    before = [net(x).data for x in X]
    print(
        f"\n2. Train: {args.epochs} steps of gradient descent, W ← W − 1·∂C/∂W, "
        "C = ½ Σ (y − a⁽²⁾)² over the 4 rows"
    )
    opt = SGD(net.parameters(), lr=1.0)
    history = fit(
        net,
        X,
        Y,
        loss="quadratic",
        optimizer=opt,
        epochs=args.epochs,
        progress=not args.no_progress,
    )
    print(
        f"   C: {fmt(history.loss[0])} → {fmt(history.final_loss)} "
        f"in {history.seconds:.2f} s, accuracy {history.final_accuracy:.0%}"
    )
    after = [net(x).data for x in X]

    # 3. Before and after
    print("\n3. The outputs a⁽²⁾ = a2[0]")
    widths = [12, 8, 8, 7]
    print("   " + _row(["x", "before", "after", "target"], widths))
    for row, b, a, t in zip(X, before, after, Y):
        print("   " + _row([str([int(v) for v in row]), f"{b:.4f}", f"{a:.4f}", f"{t:g}"], widths))
    print(f"   prediction for {[int(v) for v in QUERY]}: {net(QUERY).data:.4f}")

    loss_path = os.path.join(out, "loss.svg")
    try:
        loss_curve_svg(history.loss, loss_path, title="The chapter's run: C per step")
    except OSError as e:  # checked before the run; a disk that fills up now is one line too
        raise UsageError(f"cannot write {loss_path}: {e.strerror or e}") from None
    print(f"\nwrote {graph_note}")
    print(f"      {loss_path}")
    print(f"        C at each of the {args.epochs} steps")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _explain_text(C: Value, weight: Value) -> str:
    """The chapter's chain for one weight: labelled nodes only, each factor with its number."""

    return str(explain(C, weight, labelled_only=True)).replace(" = ", "\n     = ")


def _write_graph(C, net, path: str) -> str:
    """Draw one row's graph as the chapter's tree, its weight's path emphasised: the legend
    multiplies that path's factors out to the weight's grad, equation (B)."""

    weight = next(p for p in net.parameters() if p.label == HIGHLIGHT)
    try:
        render_svg(C, path, highlight=weight)
    except GraphvizMissingError as e:  # say so in one line and keep the demo going
        return f"no graph.svg: {str(e).splitlines()[0]}"
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
    return (
        f"{path}\n        row {ROW + 1}'s tree with its grads, the path of {HIGHLIGHT} = w⁽¹⁾₀,₂ "
        "highlighted"
    )
