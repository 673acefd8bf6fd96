"""Section 6: the compiler at scale: ``compile`` and the first call, against the graph's size.

``compile(root, inputs)`` traces the graph and names its values; the first call writes the
straight-line code and compiles it with Python's ``compile`` (or plans the every-row-at-once
path, where the cost model says that runs it faster). Both are one-time costs, timed together
as a user meets them, on chains of ``x * 1.0001 + 0.0`` (two constants a step: the graph that
once took 13 s for 10,000 steps, each constant's name found by trying ``_2``, ``_3``, ... in
turn) and on the wide random graph of section 5a. Linear time shows as a constant µs per node.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from engine_sections import build_wide, wide_recipe
from timing import table, verdict

from micrograd_cbook import Value, compile, nn, topological_order

CHAIN_OPS_TARGET = (10_000, 0.5)  # a chain of this many operations: compile + first call, s
GRAPH_NODES_TARGET = (100_000, 6.0)  # a graph of this many nodes: compile + first call, s


def chain(steps: int) -> tuple[Value, Value]:
    """x, and x · 1.0001 + 0.0 repeated ``steps`` times (2 operations, 2 constants a step)."""
    x = Value(1.0, "x")
    y = x
    for _ in range(steps):
        y = y * 1.0001 + 0.0
    return x, y


def timed(root: Value, inputs: list[Value], row: list[float]) -> dict[str, Any]:
    """compile(root, inputs), then one call on ``row``: seconds each, and what ran."""
    gc.collect()
    t0 = time.perf_counter()
    f = compile(root, inputs, max_nodes=10**7)
    t1 = time.perf_counter()
    value = f(row)
    t2 = time.perf_counter()
    planned = f.batched is not None and f.batched.used
    return {
        "nodes": f.nodes,
        "compile_s": t1 - t0,
        "first_call_s": t2 - t1,
        "total_s": t2 - t0,
        "path": "every row at once (planned)" if planned else "straight-line (written, compiled)",
        "same_value": repr(value) == repr(root.data),
    }


def compile_section(
    chain_steps: list[int], network_width: int, wide: tuple[int, int], results: dict
) -> None:
    width, layers = wide
    print(
        "\n== 6. The compiler at scale: compile() and the first call, against the graph's size "
        "(gc on) ==\ncompile: trace and name the values; first call: write and compile the "
        "straight-line code, or plan the\nevery-row-at-once path where the cost model says it "
        "runs faster; µs/node: both over the nodes (constant when linear).\nChains of "
        "x · 1.0001 + 0.0 (2 operations and 2 constants a step); a network's hinge loss (its "
        "weights are\nleaves, a layer's sums one node each); the wide graph of 5a, "
        f"{layers} layers of {width:,} (wired at random: its packs gather their children)."
    )
    runs = []
    for steps in chain_steps:
        x, y = chain(steps)
        name = f"chain, {steps:,} steps ({2 * steps:,} ops)"
        runs.append((name, 2 * steps, timed(y, [x], [1.0])))
        del x, y
    model = nn.MLP(2, [network_width] * 2 + [1], activation="relu", output_activation="linear")
    row = [0.5, -0.25, 1.0]  # the graph is built at the row it is called on: the same value
    xs = [Value(v, name) for v, name in zip(row, ("x[0]", "x[1]", "y"))]
    loss = (1 - xs[2] * model(xs[:2])).relu() * 0.01
    ops = len(topological_order(loss, leaves=False))
    name = f"network MLP(2, [{network_width}, {network_width}, 1]), hinge"
    runs.append((name, ops, timed(loss, xs, row)))
    del model, xs, loss
    leaves_data, plan = wide_recipe(width, layers, seed=2)
    leaves = [Value(v) for v in leaves_data]
    root = build_wide(leaves, plan, Value.sigmoid)
    ops = len(topological_order(root, leaves=False))
    runs.append((f"wide graph, {layers} × {width:,}", ops, timed(root, [], [])))
    del root, leaves
    rows = []
    for name, _, r in runs:
        rows.append(
            [
                name,
                f"{r['nodes']:,}",
                f"{r['compile_s']:.3f}",
                f"{r['first_call_s']:.3f}",
                f"{r['total_s']:.3f}",
                f"{1e6 * r['total_s'] / r['nodes']:.1f}",
                r["path"],
                "yes" if r["same_value"] else "NO",
            ]
        )
    table(
        ["graph", "nodes", "compile s", "first call s", "total s", "µs/node", "first call ran",
         "value = the engine's"],
        rows,
    )  # fmt: skip
    res: dict[str, Any] = {"runs": [{"graph": name, "ops": ops, **r} for name, ops, r in runs]}
    ops_target, s_target = CHAIN_OPS_TARGET
    for name, ops, r in runs:
        if name.startswith("chain") and ops == ops_target:
            seconds = r["total_s"]
            res["chain_target"] = {"seconds": seconds, "met": seconds <= s_target}
            print(
                f"a chain of {ops_target:,} operations: compile + first call {seconds:.3f} s, "
                f"{verdict(seconds, s_target, at_most=True, unit=' s')}"
            )
    nodes_target, n_target_s = GRAPH_NODES_TARGET
    res["graph_target"] = []
    for name, _, r in runs:
        if r["nodes"] >= nodes_target:
            seconds = r["total_s"]
            ok = seconds <= n_target_s
            res["graph_target"].append(
                {"graph": name, "nodes": r["nodes"], "seconds": seconds, "met": ok}
            )
            print(
                f"{name}, {r['nodes']:,} nodes (≥ {nodes_target:,}): compile + first call "
                f"{seconds:.3f} s, {verdict(seconds, n_target_s, at_most=True, unit=' s')}"
            )
    results["compile_at_scale"] = res
