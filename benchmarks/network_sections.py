"""The network sections: micrograd's demo step side by side, scaling, and compile times.

Every system runs the same step (see ``workload``) from the same weights on the same points;
its loss and updated weights, computed apart from the timing, prove the same computation.
"""

from __future__ import annotations

import gc
import time
from typing import Any, Protocol

from compiled import CompiledStep, StraightLineStep
from interpreted import InterpretedStep
from micrograd_010 import MicrogradStep
from plain_floats import FloatsLoopsStep, FloatsStep
from timing import GC_NOTE, ms, rel_diff, table, time_systems, verdict
from workload import active_points, workload

try:
    from torch_linear import TorchLinearStep
    from torch_scalars import TorchScalarStep
except ImportError:  # no PyTorch: its rows are left out, with a note
    TorchLinearStep = TorchScalarStep = None  # type: ignore[assignment, misc]

TARGETS = {
    "compiled_over_floats": 0.6,  # the compiled step takes at most this share of the floats' time
    "compiled_vs_micrograd": 200.0,  # at least this many times faster than micrograd 0.1.0
    "compiled_over_torch_linear": 2.0,  # at most this many times nn.Linear's time (width 16)
    "interpreted_vs_micrograd": 25.0,  # the interpreter: at least this many times faster
    "compile_ms": 50.0,  # compiling the demo network (both graphs) takes at most this
}
LOSS_TOLERANCE = 1e-12  # relative, to the reference's loss
WEIGHT_TOLERANCE = 1e-9  # |Δw| / max(1, |w|) of the updated weights


class System(Protocol):
    name: str

    def reset(self) -> None: ...  # the starting weights again
    def step(self) -> float: ...  # one SGD step; the loss before the update
    def weights(self) -> list[float]: ...  # every parameter, in micrograd's order


def timed(
    systems: list[System],
    rounds: int,
    slice_s: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """Best seconds per step, gc on and paused, the systems taking turns (each from the start)."""
    return time_systems(
        {s.name: (s.reset, lambda _, s=s: s.step()) for s in systems}, rounds, slice_s
    )


def agreement(systems: list[System], reference: System) -> dict[str, Any]:
    """One step of each from the start, apart from the timing: losses and weights compared."""
    out: dict[str, Any] = {}
    for s in [reference, *systems]:
        s.reset()
        out[s.name] = (s.step(), s.weights())
        s.reset()
    ref_loss, ref_w = out[reference.name]
    losses = {name: loss for name, (loss, _) in out.items()}
    loss_diff = max(rel_diff(loss, ref_loss) for loss in losses.values())
    weight_diff = max(
        abs(a - b) / max(1.0, abs(a), abs(b)) for _, w in out.values() for a, b in zip(w, ref_w)
    )
    sizes_ok = all(len(w) == len(ref_w) for _, w in out.values())
    same = loss_diff <= LOSS_TOLERANCE and weight_diff <= WEIGHT_TOLERANCE and sizes_ok
    return {
        "reference": reference.name,
        "losses": losses,
        "max_rel_loss_diff": loss_diff,
        "max_weight_diff": weight_diff,
        "same_computation": same,
    }


def agreement_line(proof: dict[str, Any]) -> str:
    return (
        f"same computation: {'yes' if proof['same_computation'] else 'NO'}: losses within "
        f"{proof['max_rel_loss_diff']:.1e} of {proof['reference']}'s (required ≤ "
        f"{LOSS_TOLERANCE:g}), updated weights within {proof['max_weight_diff']:.1e} "
        f"(|Δw| / max(1, |w|), required ≤ {WEIGHT_TOLERANCE:g})"
    )


# ------------------------------------------------------------ 1. the demo step


def demo_step(rounds: int, fine_rounds: int, results: dict[str, Any]) -> dict[str, Any]:
    """Section 1: every system on micrograd's demo step; returns its figures for later sections."""
    work = workload()
    compiled, straight = CompiledStep(work), StraightLineStep(work)
    interpreted = InterpretedStep(work)
    floats, loops = FloatsStep(work), FloatsLoopsStep(work)
    slow: list[System] = [MicrogradStep(work)]
    fast: list[System] = [compiled, straight, interpreted, floats, loops]
    linear: list[System] = []
    if TorchScalarStep is not None:
        slow.append(TorchScalarStep(work))
        linear.append(TorchLinearStep(work))
        fast += linear
    print(
        "\n== 1. micrograd's demo step, side by side ==\n"
        "MLP(2, [16, 16, 1]), relu hidden layers, linear output; 100 moons points (noise 0.1, "
        "seed 0; labels 0/1 as −1/+1);\nloss = mean (1 − y·score)⁺ + 1e-4·Σp²; one SGD step "
        "(lr 1.0): forward, backward and update, from the same starting\nweights (micrograd's "
        f"MLP under random.seed(1337)). {active_points(work)} of the {work.points} points have "
        "a hinge term above 0 at the start;\nthe straight-line code and the hand-written steps "
        "skip the backward pass of the others (their gradient is 0).\n"
        f"compiled: one example's loss graph, (1 − y·score(x)).relu() · (1/n) with x[0], x[1], "
        f"y as inputs ({compiled.loss.nodes} values),\nand the L2 term as a second graph with "
        f"no inputs ({compiled.l2.nodes} values), compiled once (section 3); a step is "
        "f.many(rows) + l2([]), then SGD.\ncompiled: many(rows) runs every point at once with "
        f"NumPy ({compiled.loss.batched.packs} packs of lanes: a layer's neurons are one), the "
        "same floats; straight-line only:\ncompile(..., batched=False), the generated Python "
        "once per point."
    )
    others = [s for s in [*slow, *fast] if s is not interpreted]
    proof = agreement(others, interpreted)
    on, off = timed([*fast, *slow], rounds, 0.3)
    # The fast systems also take turns step by step, so that each meets the same moments of
    # load as the others (this machine's speed drifts by tens of percent over seconds).
    on_fine, off_fine = timed(fast, fine_rounds, 0.0)
    for s in fast:
        on[s.name] = min(on[s.name], on_fine[s.name])
        off[s.name] = min(off[s.name], off_fine[s.name])
    c = compiled.name
    ratio_on = {n: on[n] / on[c] for n in on}
    ratio_off = {n: off[n] / off[c] for n in off}
    notes = {
        MicrogradStep.name: "compiled {:.0f}x faster; "
        + verdict(ratio_on[MicrogradStep.name], at_least=TARGETS["compiled_vs_micrograd"]),
        interpreted.name: "{:.0f}x faster than micrograd 0.1.0; "
        + verdict(
            on[MicrogradStep.name] / on[interpreted.name],
            at_least=TARGETS["interpreted_vs_micrograd"],
        ),
        floats.name: "compiled takes {:.2f}x its time; "
        + verdict(1 / ratio_on[floats.name], at_most=TARGETS["compiled_over_floats"]),
        loops.name: "compiled takes {:.2f}x its time (context, not the target)",
        straight.name: "{:.2f}x the floats' time; "
        + verdict(on[straight.name] / on[floats.name], at_most=TARGETS["compiled_over_floats"]),
    }
    values = {
        MicrogradStep.name: ratio_on[MicrogradStep.name],
        interpreted.name: on[MicrogradStep.name] / on[interpreted.name],
        floats.name: 1 / ratio_on[floats.name],
        loops.name: 1 / ratio_on[loops.name],
        straight.name: on[straight.name] / on[floats.name],
    }
    if TorchLinearStep is not None:
        notes[TorchLinearStep.name] = "compiled takes {:.2f}x its time; " + verdict(
            1 / ratio_on[TorchLinearStep.name], at_most=TARGETS["compiled_over_torch_linear"]
        )
        values[TorchLinearStep.name] = 1 / ratio_on[TorchLinearStep.name]
    order = [
        c,
        straight.name,
        interpreted.name,
        MicrogradStep.name,
        *(s.name for s in slow[1:]),
        floats.name,
        loops.name,
        *(s.name for s in linear),
    ]
    rows = []
    for name in order:
        note = notes.get(name, "").format(values.get(name, 0.0))
        rows.append(
            [
                name,
                ms(on[name]),
                f"{proof['losses'][name]:.15f}",
                f"{ratio_on[name]:.2f}x",
                ms(off[name]),
                f"{ratio_off[name]:.2f}x",
                note,
            ]
        )
    table(
        [
            "system",
            "gc on: ms/step",
            "loss",
            "time / compiled's",
            "gc paused: ms",
            "time / compiled's",
            "",
        ],
        rows,
    )
    print(GC_NOTE)
    print(
        f"the fast systems also took turns step by step, {fine_rounds} rounds; each figure is "
        "the best of both passes."
    )
    print(
        "plain floats, by hand: per-point forward and deltas, weight grads as column sums "
        "(sum(map(mul, ...)) over the points);\nper-point loops: the grads accumulated point "
        "by point in Python loops (an engine's per-edge work)."
    )
    if TorchLinearStep is not None:
        print(
            "nn.Linear: torch.nn.Sequential of Linear and ReLU over all points at once, "
            "float64, torch.set_num_threads(1)."
        )
    else:
        print("(PyTorch is not importable: no torch rows)")
    print(agreement_line(proof))
    res: dict[str, Any] = {"workload": work.describe(), "active_points": active_points(work)}
    res["systems"] = {
        n: {
            "ms_per_step_gc_on": on[n] * 1e3,
            "ms_per_step_gc_paused": off[n] * 1e3,
            "loss": proof["losses"][n],
            "over_compiled_gc_on": ratio_on[n],
            "over_compiled_gc_paused": ratio_off[n],
        }
        for n in order
    }
    res["compiled_vs_micrograd"] = ratio_on[MicrogradStep.name]
    res["compiled_vs_micrograd_gc_paused"] = ratio_off[MicrogradStep.name]
    res["interpreted_vs_micrograd"] = on[MicrogradStep.name] / on[interpreted.name]
    res["interpreted_vs_micrograd_gc_paused"] = off[MicrogradStep.name] / off[interpreted.name]
    res["compiled_over_floats"] = on[c] / on[floats.name]
    res["compiled_over_floats_gc_paused"] = off[c] / off[floats.name]
    res["straight_line_over_floats"] = on[straight.name] / on[floats.name]
    res["straight_line_over_compiled"] = on[straight.name] / on[c]
    if TorchLinearStep is not None:
        t = TorchLinearStep.name
        res["compiled_over_torch_linear"] = on[c] / on[t]
        res["compiled_over_torch_linear_gc_paused"] = off[c] / off[t]
        res["straight_line_over_torch_linear"] = on[straight.name] / on[t]
    res.update({k: v for k, v in proof.items() if k != "losses"})
    results["demo_step"] = res
    return {
        "work": work,
        "compiled": compiled,
        "on": on,
        "off": off,
        "proof": proof,
        "cache_systems": [compiled, straight, floats, *linear],
    }


# ------------------------------------------------------------ 1b. the cache


def cache_effect(systems: list[System], rounds: int, results: dict[str, Any]) -> None:
    """Section 1b: the fast systems' steps back to back, and each right after a collection of
    every object, the modules' too: where a step starts from a cache the collector has swept.
    (Not timing.best_of, which collects before every repeat.)"""

    def best(s: System, before) -> float:
        fastest = float("inf")
        for _ in range(rounds):
            s.reset()
            before()
            t0 = time.perf_counter()
            s.step()
            fastest = min(fastest, time.perf_counter() - t0)
        return fastest

    warm = {s.name: best(s, lambda: None) for s in systems}  # each system's steps in a row
    gc.unfreeze()  # now a collection walks every object, the modules' (torch's) among them
    try:
        objects = len(gc.get_objects())
        swept = {s.name: best(s, gc.collect) for s in systems}
    finally:
        gc.collect()
        gc.freeze()
    c = systems[0].name
    print(
        "\n== 1b. The cache: steps back to back, and right after a full collection ==\n"
        f"each of the fast systems {rounds} steps in a row from the start (as a training loop "
        "runs them; no collection between),\nthen each step right after gc.collect() over "
        "every object, the modules' own unfrozen (section 1 freezes them):\nthe collector "
        f"walks {objects:,} objects and the step starts from a cache it has swept. Best of "
        "the steps."
    )
    rows = [
        [
            name,
            ms(warm[name]),
            ms(swept[name]),
            f"{warm[c] / warm[name]:.2f}x",
            f"{swept[c] / swept[name]:.2f}x",
        ]
        for name in warm
    ]
    table(
        [
            "system",
            "back to back: ms",
            "after a full collection: ms",
            "compiled's time / its: back to back",
            "after a full collection",
        ],
        rows,
    )
    out = {
        name: {"back_to_back_ms": warm[name] * 1e3, "after_full_collection_ms": swept[name] * 1e3}
        for name in warm
    }
    if TorchLinearStep is not None and TorchLinearStep.name in warm:
        t = TorchLinearStep.name
        print(
            f"nn.Linear takes {swept[t] / warm[t]:.1f}x as long after a full collection, the "
            f"compiled step {swept[c] / warm[c]:.1f}x: the compiled step's time over "
            f"nn.Linear's is {warm[c] / warm[t]:.1f}x back to back and "
            f"{swept[c] / swept[t]:.1f}x after a full collection."
        )
    results["cache"] = {"rounds": rounds, "objects_collected": objects, "systems": out}


# ------------------------------------------------------------ 2. scaling


INTERPRETER_MAX_WIDTH = 64  # wider, the interpreter takes seconds a step: left out
SCALING_HEADERS = [
    "w",
    "n",
    "compiled ms",
    "straight-line ms",
    "floats ms",
    "nn.Linear ms",
    "interpreted ms",
    "compiled/floats",
    "compiled/nn.Linear",
    "straight-line/floats",
    "interpreted/compiled",
    "ns/weight: compiled",
    "straight-line",
    "floats",
    "nn.Linear",
    "same",
]


def scaling(
    widths: tuple[int, ...],
    points: tuple[int, ...],
    rounds: int,
    slice_s: float,
    demo: dict[str, Any],
    results: dict[str, Any],
) -> dict[tuple[int, int], dict]:
    """Section 2: the compiled step against the hand-written floats and nn.Linear as it grows."""
    print(
        "\n== 2. Scaling: the demo step with wider layers and more points ==\n"
        "MLP(2, [w, w, 1]) on 100 points, then MLP(2, [16, 16, 1]) on n points; the same "
        "step, weights (micrograd's, seed 1337)\nand data rules as section 1. Times per step "
        "in ms with gc on (gc paused in brackets); ns/weight: a step's time per point and\n"
        f"weight. The interpreter runs up to width {INTERPRETER_MAX_WIDTH}; the row of the "
        "demo network is section 1's."
    )
    configs = [(w, 100) for w in widths] + [(16, n) for n in points if n != 100]
    builds: dict[tuple[int, int], dict] = {}
    rows, res_rows = [], []
    all_same = True
    for width, n in configs:
        if (width, n) == (16, 100):
            work, compiled = demo["work"], demo["compiled"]
            names = [
                CompiledStep.name,
                StraightLineStep.name,
                FloatsStep.name,
                InterpretedStep.name,
            ]
            if TorchLinearStep is not None:
                names.append(TorchLinearStep.name)
            on = {k: demo["on"][k] for k in names}
            off = {k: demo["off"][k] for k in names}
            proof = demo["proof"]
        else:
            work = workload(width, n)
            compiled = CompiledStep(work)
            systems: list[System] = [compiled, StraightLineStep(work), FloatsStep(work)]
            if TorchLinearStep is not None:
                systems.append(TorchLinearStep(work))
            if width <= INTERPRETER_MAX_WIDTH:
                reference: System = InterpretedStep(work)
                systems.append(reference)
            else:
                reference = compiled
            proof = agreement([s for s in systems if s is not reference], reference)
            on, off = timed(systems, rounds, slice_s)
            del systems, reference
        builds[width, n] = {
            "compile_seconds": compiled.compile_seconds,
            "nodes": (compiled.loss.nodes, compiled.l2.nodes),
            "lines": (compiled.loss.source.count("\n"), compiled.l2.source.count("\n")),
        }
        del compiled
        gc.collect()
        all_same &= proof["same_computation"]
        n_weights = sum(len(w) + 1 for layer in work.weights for w, _ in layer)
        row_res = row_figures(width, n, n_weights, on, off, proof)
        res_rows.append(row_res)
        rows.append(scaling_row(row_res))
    keep = [
        i
        for i, h in enumerate(SCALING_HEADERS)
        if TorchLinearStep is not None or "nn.Linear" not in h
    ]
    table([SCALING_HEADERS[i] for i in keep], [[r[i] for i in keep] for r in rows])
    print(
        f"same computation: {'yes' if all_same else 'NO'} in every row (losses within "
        f"{LOSS_TOLERANCE:g} of the interpreter's, or of the compiled step's where the "
        "interpreter does not run; weights within "
        f"{WEIGHT_TOLERANCE:g})"
    )
    print(lead_text(res_rows))
    results["scaling"] = {"rows": res_rows, "same_computation": all_same}
    return builds


def row_figures(
    width: int, n: int, n_weights: int, on: dict, off: dict, proof: dict
) -> dict[str, Any]:
    """One scaling row's figures by system role (compiled, floats, nn.Linear, interpreted)."""
    roles = {
        "compiled": CompiledStep.name,
        "straight_line": StraightLineStep.name,
        "floats": FloatsStep.name,
        "interpreted": InterpretedStep.name,
    }
    if TorchLinearStep is not None:
        roles["torch_linear"] = TorchLinearStep.name
    out: dict[str, Any] = {"width": width, "points": n, "weights": n_weights}
    for role, name in roles.items():
        if name in on:
            out[role] = {
                "ms_gc_on": on[name] * 1e3,
                "ms_gc_paused": off[name] * 1e3,
                "ns_per_weight_and_point": on[name] * 1e9 / (n * n_weights),
            }
    c = on[roles["compiled"]]
    out["compiled_over_floats"] = c / on[roles["floats"]]
    out["straight_line_over_floats"] = on[roles["straight_line"]] / on[roles["floats"]]
    if "torch_linear" in out:
        out["compiled_over_torch_linear"] = c / on[roles["torch_linear"]]
    if "interpreted" in out:
        out["interpreted_over_compiled"] = on[roles["interpreted"]] / c
    out.update({k: v for k, v in proof.items() if k != "losses"})
    return out


def scaling_row(r: dict[str, Any]) -> list[str]:
    def cell(role: str) -> str:
        if role not in r:
            return "-"
        return f"{ms(r[role]['ms_gc_on'] / 1e3)} ({ms(r[role]['ms_gc_paused'] / 1e3)})"

    def ns(role: str) -> str:
        return f"{r[role]['ns_per_weight_and_point']:.3g}" if role in r else "-"

    def ratio(key: str) -> str:
        return f"{r[key]:.2f}x" if key in r else "-"

    return [
        str(r["width"]),
        str(r["points"]),
        cell("compiled"),
        cell("straight_line"),
        cell("floats"),
        cell("torch_linear"),
        cell("interpreted"),
        ratio("compiled_over_floats"),
        ratio("compiled_over_torch_linear"),
        ratio("straight_line_over_floats"),
        ratio("interpreted_over_compiled"),
        ns("compiled"),
        ns("straight_line"),
        ns("floats"),
        ns("torch_linear"),
        "yes" if r["same_computation"] else "NO",
    ]


def lead_text(rows: list[dict[str, Any]]) -> str:
    """Where the compiled step's lead shrinks, and why, from the width rows' figures."""
    wide = sorted((r for r in rows if r["points"] == 100), key=lambda r: r["width"])
    first, last = wide[0], wide[-1]
    shrinks = (
        ""
        if last["compiled_over_floats"] > first["compiled_over_floats"]
        else (" (not in this run)")
    )
    text = (
        f"Where the compiled step's lead shrinks: wide layers{shrinks}. Against the "
        f"hand-written floats it takes {first['compiled_over_floats']:.2f}x their time at "
        f"width {first['width']} and {last['compiled_over_floats']:.2f}x at width "
        f"{last['width']}"
    )
    if "compiled_over_torch_linear" in first:
        text += (
            f"; against nn.Linear {first['compiled_over_torch_linear']:.1f}x and "
            f"{last['compiled_over_torch_linear']:.0f}x"
        )

    def ns(role: str) -> str:
        return (
            f"{first[role]['ns_per_weight_and_point']:.3g} → "
            f"{last[role]['ns_per_weight_and_point']:.3g} ns"
        )

    text += (
        f".\nWhy: every weight costs the compiled step its own multiply and add per point, "
        f"in the engine's order (bit for bit:\nno matrix multiply, which adds in an order "
        f"of its own). The straight-line code runs them as a line of Python each\n"
        f"({ns('straight_line')} per weight and point); at once, a layer's are one NumPy "
        f"operation per term of its sums ({ns('compiled')}),\nand the hand-written step "
        f"sums each neuron's row in C (sum(map(mul, ...)): {ns('floats')})"
    )
    if "torch_linear" in first:
        text += (
            f", while nn.Linear does a layer as one\nmatrix multiply in vectorised C "
            f"({ns('torch_linear')}): its cost per call spreads over more weights as "
            "layers widen"
        )
    return text + "."


# ------------------------------------------------------------ 3. compile times


def compile_times(
    repeats: dict[int, int], builds: dict[tuple[int, int], dict], results: dict[str, Any]
) -> None:
    """Section 3: building and compiling the two graphs of the demo network, and of each width."""
    print(
        "\n== 3. Compile times (gc on) ==\n"
        "graphs: the model applied to input leaves x[0], x[1], y and the L2 term built; then "
        "compile() of each graph\n(trace, write the Python source, compile it with CPython). "
        "Best of the repeats; each width's step of section 2 reused one of them."
    )
    rows, res = [], []
    for width, count in sorted(repeats.items()):
        work = workload(width, 100)
        best = builds.get((width, 100))
        runs = [best] if best else []
        for _ in range(max(count - len(runs), 0)):
            gc.collect()
            c = CompiledStep(work)
            runs.append(
                {
                    "compile_seconds": c.compile_seconds,
                    "nodes": (c.loss.nodes, c.l2.nodes),
                    "lines": (c.loss.source.count("\n"), c.l2.source.count("\n")),
                }
            )
            del c
        top = min(runs, key=lambda r: r["compile_seconds"]["total"])
        t = top["compile_seconds"]
        note = ""
        if width == 16:
            note = verdict(t["total"] * 1e3, at_most=TARGETS["compile_ms"], unit=" ms")
        rows.append(
            [
                f"MLP(2, [{width}, {width}, 1])",
                f"{top['nodes'][0]:,} + {top['nodes'][1]:,}",
                f"{top['lines'][0]:,} + {top['lines'][1]:,}",
                str(len(runs)),
                ms(t["graphs"]),
                ms(t["loss"]),
                ms(t["l2"]),
                ms(t["total"]),
                note,
            ]
        )
        res.append(
            {
                "width": width,
                "repeats": len(runs),
                "values": list(top["nodes"]),
                "source_lines": list(top["lines"]),
                **{f"{k}_ms": v * 1e3 for k, v in t.items()},
            }
        )
    table(
        [
            "network",
            "values (loss + L2)",
            "lines generated",
            "repeats",
            "graphs ms",
            "compile loss ms",
            "compile L2 ms",
            "total ms",
            "",
        ],
        rows,
    )
    print(
        "The L2 graph (a square per weight and their sum) has more values and lines than one "
        "example's loss graph,\nand takes the longer to compile."
    )
    results["compile_times"] = {"rows": res}
