"""The engine sections: the plain interpreter's figures against micrograd 0.1.0 and PyTorch.

5a. a wide random graph of ``+ * ** σ`` nodes, forward + backward: operations per second;
5b. bytes per node (tracemalloc) of a long chain σ(x·0.5 + 0.25), after forward and backward;
5c. a 1,000,000-deep chain: our time; the depth at which micrograd's recursive backward fails.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import interpreted
import micrograd_010
import peers
from timing import (
    GC_NOTE,
    SPREAD_NOTE,
    fmt_ms,
    fmt_ratio,
    interleaved,
    once,
    rel_diff,
    table,
    verdict,
)

BYTES_PER_NODE = 200.0  # the target: at most this many bytes per node after backward


# ------------------------------------------------------------ 5a. wide random graph


def wide_recipe(width: int, layers: int, seed: int) -> tuple[list[float], list]:
    """Leaves and wiring of the wide graph: each layer's node i is σ(a·b + c**p).

    a, b, c come from three random permutations of the previous layer (so every node
    reaches the root), p is 2 or 3. Values stay in (0, 1); depth is 3 per layer.
    """
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(width)]
    plan = []
    for _ in range(layers):
        perms = []
        for _ in range(3):
            p = list(range(width))
            rng.shuffle(p)
            perms.append(p)
        powers = [rng.choice((2, 3)) for _ in range(width)]
        plan.append(list(zip(*perms, powers)))
    return leaves, plan


def build_wide(leaves: list, plan: list, sigmoid: Callable) -> Any:
    """The same graph in any system: the layers, then a balanced tree of + (shallow)."""
    prev = leaves
    for layer in plan:
        prev = [sigmoid(prev[a] * prev[b] + prev[c] ** p) for a, b, c, p in layer]
    while len(prev) > 1:
        nxt = [prev[i] + prev[i + 1] for i in range(0, len(prev) - 1, 2)]
        if len(prev) % 2:
            nxt.append(prev[-1])
        prev = nxt
    return prev[0]


def wide_graph(width: int, layers: int, rounds: int, results: dict[str, Any]) -> None:
    leaves_data, plan = wide_recipe(width, layers, seed=2)
    n_ops = 4 * width * layers + (width - 1)
    depth = 3 * layers + math.ceil(math.log2(width))
    print(
        "\n== 5a. The interpreter: a wide random graph, forward + backward ==\n"
        f"width {width}, {layers} layers of σ(a·b + c**p) with random wiring (seed 2), then a "
        f"tree of +: {n_ops:,} operations, {width:,} leaves, depth {depth}.\nBuilt and "
        "run once: the interpreter's job (compiling pays only for a graph run many times)."
    )
    makers: dict[str, tuple[Callable[[float], Any], Callable]] = {
        interpreted.NAME: (interpreted.leaf, interpreted.sigmoid),
        micrograd_010.NAME: (micrograd_010.leaf, micrograd_010.sigmoid),
    }
    torch_scalars = peers.module("torch_scalars")
    if torch_scalars is not None:
        makers[torch_scalars.NAME] = (torch_scalars.leaf_with_grad, torch_scalars.sigmoid)

    def run(args: tuple[list, Callable]) -> tuple[Any, list]:
        leaves, sigmoid = args
        root = build_wide(leaves, plan, sigmoid)
        root.backward()
        return root, leaves

    def setup(leaf: Callable, sigmoid: Callable) -> Callable[[], tuple[list, Callable]]:
        return lambda: ([leaf(x) for x in leaves_data], sigmoid)

    systems = {name: (setup(leaf, sigmoid), run) for name, (leaf, sigmoid) in makers.items()}
    # The same computation: the root and every leaf's grad, from one run of each, untimed.
    found = {}
    for name, (make, go) in systems.items():
        root, leaves = go(make())
        found[name] = (float(root.data), [float(v.grad) for v in leaves])
        del root, leaves
    ref_root, ref_grads = found[interpreted.NAME]
    worst = max(max(rel_diff(r, ref_root), *map(rel_diff, g, ref_grads)) for r, g in found.values())
    t = interleaved(systems, rounds, turn_s=0.0)  # a turn: one graph built and run
    ours = interpreted.NAME
    rows = []
    for gc_on in (True, False):
        for name in systems:
            s = t.of(name, gc_on)
            rows.append(
                [
                    name,
                    "on" if gc_on else "paused",
                    fmt_ms(s),
                    f"{n_ops / s.median / 1e6:.3f}",
                    fmt_ratio(t.ratio(name, ours, gc_on)),
                ]
            )
    table(["system", "gc", "ms (q1–q3)", "M ops/s", "its time ÷ the interpreter's"], rows)
    print(GC_NOTE)
    print(SPREAD_NOTE + f" {rounds} rounds.")
    if torch_scalars is None:
        print(f"left out: {peers.notes.get('torch', 'PyTorch')}")
    print("micrograd 0.1.0 has no sigmoid or exp: its σ node is written here the way its relu is.")
    print(f"same computation: root value and all leaf grads agree, max relative diff {worst:.1e}")
    res: dict[str, Any] = {"width": width, "layers": layers, "operations": n_ops, "depth": depth}
    res["rounds"] = rounds
    for name in systems:
        res[name] = {
            "ms_gc_on": t.of(name).scaled(1e3),
            "ms_gc_paused": t.of(name, False).scaled(1e3),
            "ops_per_second_gc_on": n_ops / t.of(name).median,
        }
    res["vs_micrograd"] = t.ratio(micrograd_010.NAME, ours)
    res["vs_micrograd_gc_paused"] = t.ratio(micrograd_010.NAME, ours, False)
    if torch_scalars is not None:
        res["vs_torch"] = t.ratio(torch_scalars.NAME, ours)
        res["vs_torch_gc_paused"] = t.ratio(torch_scalars.NAME, ours, False)
    res["max_rel_diff"] = worst
    results["wide_graph"] = res


# ------------------------------------------------------------ 5b. bytes per node


def memory(steps: int, results: dict[str, Any]) -> None:
    nodes = 5 * steps  # per step: *, +, σ and the two constants 0.5 and 0.25
    print(
        f"\n== 5b. The interpreter: bytes per node, a chain of {steps:,} steps x = σ(x·0.5 + "
        f"0.25) ==\ntracemalloc: every byte still allocated, divided by all {nodes:,} nodes "
        "(3 operations + 2 constants per step):\nthe node objects, their children and "
        "local-derivative tuples, their floats (micrograd: __dict__, _prev set, _backward "
        "closure\nand cells). After backward adds the grads (new floats). micrograd's recursive "
        "backward cannot run this deep:\nthe same closures run in an iterative order."
    )
    res: dict[str, Any] = {"steps": steps, "nodes": nodes}
    rows = []
    for name, leaf, step, backward in (
        (interpreted.NAME, interpreted.leaf, interpreted.chain_step, interpreted.backward),
        (
            micrograd_010.NAME,
            micrograd_010.leaf,
            micrograd_010.chain_step,
            micrograd_010.backward_iterative,
        ),
    ):
        gc.collect()
        gc.disable()  # nothing to collect while the chain is alive; keeps tracemalloc quick
        tracemalloc.start()
        try:
            x0 = leaf(0.1)
            base = tracemalloc.get_traced_memory()[0]
            x = x0
            for _ in range(steps):
                x = step(x)
            forward = tracemalloc.get_traced_memory()[0] - base
            tracemalloc.reset_peak()
            backward(x)
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            gc.enable()
        after, peak = current - base, peak - base
        del x, x0
        ours = name == interpreted.NAME
        rows.append(
            [
                name,
                f"{forward / nodes:.0f}",
                f"{after / nodes:.0f}",
                f"{peak / nodes:.0f}" if ours else "(not its own backward)",
            ]
        )
        res[name] = {
            "bytes_per_node_after_forward": forward / nodes,
            "bytes_per_node_after_backward": after / nodes,
        }
        if ours:
            res[name]["bytes_per_node_peak_in_backward"] = peak / nodes
    table(["system", "B/node after forward", "after backward", "peak during backward"], rows)
    ours = res[interpreted.NAME]["bytes_per_node_after_backward"]
    theirs = res[micrograd_010.NAME]["bytes_per_node_after_backward"]
    print(
        f"the interpreter after backward: {ours:.0f} B/node, "
        f"{verdict(ours, BYTES_PER_NODE, at_most=True, unit=' B')}; micrograd uses "
        f"{theirs / ours:.1f}x as much"
    )
    results["memory"] = res


# ------------------------------------------------------------ 5c. deep chain


def deep_chain(depth: int, results: dict[str, Any]) -> None:
    print(f"\n== 5c. The interpreter: a {depth:,}-deep chain (·0.5, +0.25, σ in turn) ==")

    def run() -> tuple[float, Any]:
        root = interpreted.deep_chain(depth)
        t0 = time.perf_counter()
        root.backward()
        return time.perf_counter() - t0, root

    res: dict[str, Any] = {"depth": depth}
    try:
        for gc_on in (True, False):
            total, (bwd, root) = once(run, gc_on=gc_on)
            del root
            mode = "gc on" if gc_on else "gc paused"
            print(
                f"{interpreted.NAME}, {mode}: forward + backward {total:.2f} s (backward "
                f"{bwd:.2f} s), {depth / total / 1e6:.2f} M ops/s"
            )
            key = "gc_on" if gc_on else "gc_paused"
            res[f"seconds_{key}"] = total
            res[f"backward_seconds_{key}"] = bwd
        res["works"] = True
    except RecursionError:  # the engine's walk is iterative: this would be a regression
        res["works"] = False
    outcome = "works" if res["works"] else "FAILS (RecursionError)"
    print(f"a {depth:,}-deep chain: backward {outcome}")
    # micrograd: binary search for the first depth whose backward raises RecursionError.
    lo, hi = 1, 1
    while micrograd_010.backward_works(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if micrograd_010.backward_works(mid):
            lo = mid
        else:
            hi = mid
    print(
        f"{micrograd_010.NAME}: backward raises RecursionError from a chain {hi:,} operations "
        f"deep ({lo:,} works), at Python's default recursion limit {sys.getrecursionlimit()}"
    )
    res.update(
        micrograd_fails_at_depth=hi, micrograd_max_depth=lo, recursion_limit=sys.getrecursionlimit()
    )
    results["deep_chain"] = res
