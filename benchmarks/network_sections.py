"""The network sections: micrograd's demo step side by side, the step at every scale, setup.

Every system runs the same step (see ``workload``) from the same weights on the same points,
all of them, none skipped; its losses and updated weights, computed apart from the timing,
are compared with the interpreter's. Timing: equal, interleaved rounds (``timing``).
"""

from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

import compiled
import interpreted
import micrograd_010
import peers
import plain_floats
from internals import last_call_ran_at_once, values_in
from timing import (
    GC_NOTE,
    SPREAD_NOTE,
    Spread,
    Timings,
    fmt_ms,
    fmt_ratio,
    interleaved,
    ms,
    rel_diff,
    spread,
    table,
    verdict,
)
from workload import Workload, active_points, workload

LOSS_TOLERANCE = 1e-12  # relative, to the interpreter's loss
WEIGHT_TOLERANCE = 1e-9  # |Δw| / max(1, |w|) of the updated weights
CHECKED_STEPS = 2  # the losses of this many steps from the start are compared


class System(Protocol):
    name: str

    def reset(self) -> None: ...  # the starting weights again
    def step(self) -> float: ...  # one SGD step; the loss before the update
    def weights(self) -> list[float]: ...  # every parameter, in micrograd's order


# role → (benchmark module, class): the built-in systems, then the optional peers
ROLES: dict[str, tuple[str, str]] = {
    "compiled": ("compiled", "CompiledStep"),
    "straight_line": ("compiled", "StraightLineStep"),
    "in_arrays": ("compiled", "InArraysStep"),
    "interpreted": ("interpreted", "InterpretedStep"),
    "micrograd": ("micrograd_010", "MicrogradStep"),
    "torch_scalars": ("torch_scalars", "TorchScalarStep"),
    "floats": ("plain_floats", "FloatsStep"),
    "floats_loops": ("plain_floats", "FloatsLoopsStep"),
    "torch_usual": ("torch_linear", "TorchUsualStep"),
    "torch_lean": ("torch_linear", "TorchLeanStep"),
    "numpy": ("numpy_by_hand", "NumpyStep"),
    "jax": ("jax_jit", "JaxStep"),
}
BUILT_IN = {
    "compiled": compiled,
    "interpreted": interpreted,
    "micrograd_010": micrograd_010,
    "plain_floats": plain_floats,
}
DEMO_ONLY = ("micrograd", "torch_scalars", "floats_loops")  # seconds a step, or context
# the peers of the compiled step in the tables at every scale, in the order first
PEERS = (
    "torch_usual",
    "torch_lean",
    "numpy",
    "jax",
    "floats",
    "straight_line",
    "in_arrays",
    "interpreted",
)
# the compiled step with its parameters in arrays (fit's way) against the fastest peers
IN_ARRAYS_PEERS = ("torch_usual", "torch_lean", "numpy", "jax")
SHORT = {
    "compiled": "compiled",
    "straight_line": "straight-line",
    "in_arrays": "in arrays",
    "interpreted": "interpreted",
    "micrograd": "micrograd 0.1.0",
    "torch_scalars": "torch 0-d",
    "floats": "floats by hand",
    "floats_loops": "floats, loops",
    "torch_usual": "torch usual",
    "torch_lean": "torch lean",
    "numpy": "NumPy by hand",
    "jax": "JAX jit",
}
SETUP_ROLES = ("compiled", "straight_line", "jax", "torch_usual", "torch_lean", "numpy")


@dataclass(frozen=True)
class Spec:
    """One workload of the tables: its key (the targets name it), the width and the points."""

    key: str
    width: int
    points: int

    @property
    def label(self) -> str:
        return f"w{self.width} n{self.points}"


def system_class(role: str) -> type | None:
    """The class of a role's system, or None when its library is missing (with a note)."""
    module_name, cls = ROLES[role]
    module = BUILT_IN.get(module_name) or peers.module(module_name)
    return None if module is None else getattr(module, cls)


def available_roles(roles: tuple[str, ...]) -> list[str]:
    return [r for r in roles if system_class(r) is not None]


# ------------------------------------------------------------ building, agreeing, timing


def warm_up(roles: list[str]) -> dict[str, float]:
    """Each system built and stepped once on a tiny workload, untimed for the tables: the
    once-per-process costs (PyTorch's first optimiser loads torch._dynamo, JAX starts XLA)
    are not any one workload's setup. Returns each role's seconds for this first use."""
    tiny = workload(width=4, points=8)
    first = {}
    for role in roles:
        t0 = time.perf_counter()
        system_class(role)(tiny).step()  # type: ignore[misc]
        first[role] = time.perf_counter() - t0
    return first


def build(role: str, work: Workload, budget_s: float) -> tuple[System, list[float], list[float]]:
    """The system for the rounds, with the seconds to construct it and of its first step,
    measured again on fresh copies while ``budget_s`` lasts (at most 5 times)."""
    cls = system_class(role)
    constructs: list[float] = []
    firsts: list[float] = []
    kept: System | None = None
    spent = 0.0
    while kept is None or (spent < budget_s and len(constructs) < 5):
        gc.collect()
        t0 = time.perf_counter()
        s = cls(work)  # type: ignore[misc]
        t1 = time.perf_counter()
        s.step()
        t2 = time.perf_counter()
        constructs.append(t1 - t0)
        firsts.append(t2 - t1)
        spent += t2 - t0
        if kept is None:
            kept = s
        del s
    return kept, constructs, firsts


def agreement(systems: dict[str, System], reference: System) -> dict[str, Any]:
    """The first steps of each from the start, apart from the timing, against the reference's:
    the losses (the largest relative difference; bit for bit or not) and the updated weights."""

    def run(s: System) -> tuple[list[float], list[float]]:
        s.reset()
        losses = [s.step() for _ in range(CHECKED_STEPS)]
        weights = s.weights()
        s.reset()
        return losses, weights

    ref_losses, ref_w = run(reference)
    rows: dict[str, Any] = {}
    for role, s in systems.items():
        losses, w = run(s) if s is not reference else (ref_losses, ref_w)
        rows[role] = {
            "losses": losses,
            "max_rel_loss_diff": max(map(rel_diff, losses, ref_losses)),
            "first_loss_bit_for_bit": losses[0] == ref_losses[0],
            "max_weight_diff": max(
                (abs(a - b) / max(1.0, abs(a), abs(b)) for a, b in zip(w, ref_w)), default=0.0
            )
            if len(w) == len(ref_w)
            else math.inf,
        }
    loss_diff = max(r["max_rel_loss_diff"] for r in rows.values())
    weight_diff = max(r["max_weight_diff"] for r in rows.values())
    return {
        "reference": reference.name,
        "steps_checked": CHECKED_STEPS,
        "systems": rows,
        "max_rel_loss_diff": loss_diff,
        "max_weight_diff": weight_diff,
        "same_computation": loss_diff <= LOSS_TOLERANCE and weight_diff <= WEIGHT_TOLERANCE,
    }


def agreement_line(proof: dict[str, Any]) -> str:
    exact = [SHORT[r] for r, row in proof["systems"].items() if row["first_loss_bit_for_bit"]]
    return (
        f"same computation: {'yes' if proof['same_computation'] else 'NO'}: the losses of the "
        f"first {proof['steps_checked']} steps within {proof['max_rel_loss_diff']:.1e} of "
        f"{proof['reference']}'s (required ≤ {LOSS_TOLERANCE:g}; the first step's bit for bit: "
        f"{', '.join(exact)}), updated weights within {proof['max_weight_diff']:.1e} "
        f"(|Δw| / max(1, |w|), required ≤ {WEIGHT_TOLERANCE:g})"
    )


BIT_NOTE = (
    "The compiled step's first loss is the interpreter's bit for bit (the same graphs, the "
    "same weights); its grads agree to rounding: many\nadds each weight's contributions point "
    "after point, the interpreter's one backward() over the summed graph in its topological "
    "order,\nso later steps start from weights a few ulps apart."
)


def run_workload(
    spec: Spec, roles: list[str], plan: dict[str, Any], interpreter_max_width: int
) -> dict[str, Any]:
    """Build every system of ``roles`` for this workload, check they agree, time them in
    interleaved rounds; their figures (the systems are let go)."""
    work = workload(spec.width, spec.points)
    systems: dict[str, System] = {}
    setup: dict[str, dict[str, Any]] = {}
    timed = [r for r in roles if r != "interpreted" or spec.width <= interpreter_max_width]
    for role in roles:
        budget = plan["setup_budget_s"] if role in timed else 0.0
        s, constructs, firsts = build(role, work, budget)
        systems[role] = s
        setup[role] = {"construct_s": spread(constructs), "first_step_s": spread(firsts)}
    proof = agreement(systems, systems["interpreted"])
    timings = interleaved(
        {r: (systems[r].reset, lambda _, s=systems[r]: s.step()) for r in timed},
        plan["rounds"],
        plan["turn_s"],
    )
    for role in timed:
        step = timings.of(role).median
        first = setup[role]["first_step_s"].median
        setup[role]["first_step_extra_s"] = max(0.0, first - step)
        setup[role]["setup_s"] = (
            setup[role]["construct_s"].median + setup[role]["first_step_extra_s"]
        )
    c = systems["compiled"]
    out = {
        "key": spec.key,
        "label": spec.label,
        "workload": work.describe(),
        "width": spec.width,
        "points": spec.points,
        "weights": sum(len(w) + 1 for layer in work.weights for w, _ in layer),
        "active_points": active_points(work),
        "names": {r: s.name for r, s in systems.items()},
        "timed": timed,
        "timings": timings,
        "setup": setup,
        "compile": {
            **{f"{k}_s": v for k, v in c.compile_seconds.items()},  # type: ignore[attr-defined]
            "values": [values_in(c.loss), values_in(c.l2)],  # type: ignore[attr-defined]
            "source_lines": [c.loss.source.count("\n"), c.l2.source.count("\n")],  # type: ignore[attr-defined]
            "every_row_at_once": last_call_ran_at_once(c.loss),  # type: ignore[attr-defined]
        },
        "agreement": proof,
    }
    del systems, c
    gc.collect()
    return out


def ratio(res: dict[str, Any], a: str, b: str, gc_on: bool = True) -> Spread | None:
    """a's time over b's in this workload (median of per-round ratios), or None if not timed."""
    t: Timings = res["timings"]
    return t.ratio(a, b, gc_on) if a in t.on and b in t.on else None


# ------------------------------------------------------------ 1. the demo step

DEMO_TARGETS = {  # role → (compiled's time ÷ its, at most); the demo-step targets
    "numpy": 1.5,
    "torch_usual": 0.5,
}
INTERPRETED_VS_MICROGRAD = 25.0  # micrograd's time ÷ the interpreter's, at least (gc on)


def demo_section(spec: Spec, plan: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """Section 1: every system on micrograd's demo step; returns its figures."""
    roles = available_roles(tuple(ROLES))
    res = run_workload(spec, roles, plan, plan["interpreter_max_width"])
    c = res["setup"]["compiled"]
    print(
        "\n== 1. micrograd's demo step, side by side ==\n"
        f"{res['workload']}; relu hidden layers, a linear output; moons (noise 0.1, seed 0; "
        "labels 0/1 as −1/+1);\nloss = mean (1 − y·score)⁺ + 1e-4·Σp²; one SGD step (lr 1.0): "
        "forward, backward and update, from micrograd's starting weights\n(its MLP under "
        f"random.seed(1337)). {res['active_points']} of the {spec.points} points have a hinge "
        "term above 0 at the start; every system is given every point and\nruns "
        "its backward pass through all of them (slope 0 or not). compiled: one point's loss "
        f"graph ({res['compile']['values'][0]} values) and the L2\nterm's "
        f"({res['compile']['values'][1]}), compiled once ({ms(c['construct_s'].median)} ms; "
        f"the first call writes the code and plans: {ms(c['first_step_extra_s'])} ms more, "
        "section 3);\na step is f.many(every point) + l2([]), then optim.SGD. many ran every "
        f"point at once: {_yes(res['compile']['every_row_at_once'])}.\nstraight-line: the "
        "generated Python once per point (it skips the edges of a node whose grad is 0: its "
        "own speed,\ninside the black box). in arrays: the same graphs and plan, the "
        "parameters' values and grads in NumPy arrays between steps\n(f.many_arrays, "
        "SGD.step_arrays: training.fit's way), no pass over the Values. Turns of several "
        "steps in a row, from the start\nweights; ms per step."
    )
    for gc_on in (True, False):
        print(f"\n-- gc {'on (the main table)' if gc_on else 'paused'} --")
        demo_table(res, gc_on)
    print(GC_NOTE)
    print(SPREAD_NOTE)
    if "micrograd" in res["timings"].on:
        print(collector_line(res["timings"]))
    print(
        "floats by hand: per-point forward and deltas, weight grads as column sums in C "
        "(sum(map(mul, ...))); floats, loops: the grads\nadded point by point in Python loops "
        "(an engine's per-edge work). torch usual: nn.Sequential of nn.Linear, optim.SGD,\n"
        "zero_grad(), backward(), step(); torch lean: the same model, p.grad = None and the "
        "update by hand. float64 and one thread\nfor every system."
    )
    for note in sorted(peers.notes.values()):
        print(f"left out: {note}")
    print(agreement_line(res["agreement"]))
    print(BIT_NOTE)
    results["demo_step"] = summary_json(res)
    return res


def collector_line(t: Timings) -> str:
    """The interpreter against micrograd with the collector on for both: each one's spread
    over the rounds, min to max, and the ratio's."""
    m, i, r = t.of("micrograd"), t.of("interpreted"), t.ratio("micrograd", "interpreted")
    return (
        f"the interpreter against micrograd 0.1.0, gc on for both, {t.rounds} rounds: micrograd "
        f"{ms(m.median)} ms a step (min {ms(m.lo)}, max {ms(m.hi)}), the interpreter "
        f"{ms(i.median)} ms (min {ms(i.lo)}, max {ms(i.hi)}); micrograd's time ÷ the "
        f"interpreter's {fmt_ratio(r)}, min {r.lo:.1f}x, max {r.hi:.1f}x"
    )


def _yes(flag: bool | None) -> str:
    return "?" if flag is None else "yes" if flag else "no"


def demo_table(res: dict[str, Any], gc_on: bool) -> None:
    t: Timings = res["timings"]
    proof = res["agreement"]["systems"]
    rows = []
    for role in res["timed"]:
        loss_note = (
            "bit for bit"
            if proof[role]["first_loss_bit_for_bit"]
            else f"{rel_diff(proof[role]['losses'][0], proof['interpreted']['losses'][0]):.1e}"
        )
        r = t.ratio("compiled", role, gc_on)
        note = ""
        if gc_on and role in DEMO_TARGETS:
            note = verdict(r.median, DEMO_TARGETS[role], at_most=True)
        if role == "micrograd" and "interpreted" in t.on:
            faster = t.ratio("micrograd", "interpreted", gc_on)
            note = f"{fmt_ratio(faster)} the interpreter's time"
            if gc_on:
                note += "; " + verdict(faster.median, INTERPRETED_VS_MICROGRAD, at_most=False)
        rows.append(
            [
                res["names"][role],
                fmt_ms(t.of(role, gc_on)),
                str(t.calls[role]),
                f"{proof[role]['losses'][0]:.15f}",
                loss_note,
                fmt_ratio(r),
                note,
            ]
        )
    table(
        [
            "system",
            "ms/step (q1–q3)",
            "steps/turn",
            "loss, step 1",
            "vs the interpreter's",
            "compiled ÷ it",
            "",
        ],
        rows,
    )


def summary_json(res: dict[str, Any]) -> dict[str, Any]:
    """A workload's figures for the JSON: times in ms, ratios compiled ÷ each peer."""
    t: Timings = res["timings"]
    out = {k: res[k] for k in ("key", "workload", "width", "points", "weights", "active_points")}
    out["systems"] = {}
    for role, name in res["names"].items():
        row: dict[str, Any] = {"name": name}
        if role in t.on:
            row["ms_per_step_gc_on"] = t.of(role).scaled(1e3)
            row["ms_per_step_gc_paused"] = t.of(role, False).scaled(1e3)
            row["steps_per_turn"] = t.calls[role]
            row["compiled_over_it_gc_on"] = t.ratio("compiled", role)
            row["compiled_over_it_gc_paused"] = t.ratio("compiled", role, False)
        s = res["setup"][role]
        row["setup_ms"] = {
            "construct": s["construct_s"].scaled(1e3),
            "first_step": s["first_step_s"].scaled(1e3),
            **(
                {"first_step_extra": s["first_step_extra_s"] * 1e3, "total": s["setup_s"] * 1e3}
                if "setup_s" in s
                else {}
            ),
        }
        row.update(res["agreement"]["systems"][role])
        out["systems"][role] = row
    out["rounds"] = t.rounds
    out["seconds_per_round"] = t.as_dict()
    out["compile"] = res["compile"]
    out["agreement"] = {k: v for k, v in res["agreement"].items() if k != "systems"}
    return out


# ------------------------------------------------------------ 2. every scale


def scale_section(
    specs: list[Spec], plan: dict[str, Any], demo: dict[str, Any], results: dict[str, Any]
) -> list[dict[str, Any]]:
    """Section 2: the compiled step against its peers at every workload (the demo's is
    section 1's figures); returns every workload's figures, the demo's first."""
    print(
        "\n== 2. The step at every scale ==\n"
        f"MLP(2, [w, w, 1]) on n points ({demo['label']} is section 1's demo step): the same "
        "step, data rules and starting weights\n(micrograd's, seed 1337), the same equal "
        f"interleaved rounds. The interpreter is timed up to width {plan['interpreter_max_width']}"
        " (wider, seconds a step);\nit is every workload's reference for the losses."
    )
    roles = available_roles(tuple(r for r in ROLES if r not in DEMO_ONLY))
    all_res = [demo]
    for spec in specs:
        if spec.key != demo["key"]:
            all_res.append(run_workload(spec, roles, plan, plan["interpreter_max_width"]))
    for gc_on in (True, False):
        mode = "gc on (the main table)" if gc_on else "gc paused"
        print(f"\n-- ms per step, {mode}: median (q1–q3) --")
        scale_times(all_res, roles, gc_on)
        print(f"\n-- compiled's time ÷ each peer's, {mode}: median of per-round ratios (q1–q3) --")
        scale_ratios(all_res, gc_on)
    print(GC_NOTE)
    for res in all_res:
        print(f"{res['label']}: {agreement_line(res['agreement'])}")
    print(where_the_time_goes(all_res))
    results["scaling"] = {
        "workloads": [summary_json(r) for r in all_res[1:]],
        "same_computation": all(r["agreement"]["same_computation"] for r in all_res),
    }
    return all_res


def scale_times(all_res: list[dict[str, Any]], roles: list[str], gc_on: bool) -> None:
    rows = []
    for role in ("compiled", *PEERS):
        if role not in roles:
            continue
        cells = [SHORT[role]]
        for res in all_res:
            t: Timings = res["timings"]
            cells.append(fmt_ms(t.of(role, gc_on)) if role in t.on else "not timed")
        rows.append(cells)
    table(["system", *(r["label"] for r in all_res)], rows)


def scale_ratios(all_res: list[dict[str, Any]], gc_on: bool) -> None:
    rows = []
    for subject, others in (("compiled", PEERS), ("in_arrays", IN_ARRAYS_PEERS)):
        for role in others:
            cells = [f"{SHORT[subject]} ÷ {SHORT[role]}"]
            for res in all_res:
                r = ratio(res, subject, role, gc_on)
                cells.append("-" if r is None else fmt_ratio(r))
            if any(c != "-" for c in cells[1:]):
                rows.append(cells)
    table(["", *(r["label"] for r in all_res)], rows)


def where_the_time_goes(all_res: list[dict[str, Any]]) -> str:
    """The compiled step's and PyTorch's ns per weight and point, at each workload."""

    def ns(res: dict[str, Any], role: str) -> str:
        t: Timings = res["timings"]
        if role not in t.on:
            return "-"
        return f"{t.of(role).median * 1e9 / (res['points'] * res['weights']):.3g}"

    parts = [
        f"{r['label']}: compiled {ns(r, 'compiled')}, straight-line {ns(r, 'straight_line')}, "
        f"torch usual {ns(r, 'torch_usual')}, NumPy {ns(r, 'numpy')}"
        for r in all_res
    ]
    return (
        "ns per weight and point (gc on; a step's time over points × weights): "
        + "; ".join(parts)
        + ".\nThe compiled step does each weight's multiply and add per point in the "
        "engine's order (bit for bit: no matrix multiply,\nwhich adds in an order of its own); "
        "nn.Linear, NumPy and JAX do a layer as one matrix product, whose cost per call\n"
        "spreads over more weights as the layers widen."
    )


# ------------------------------------------------------------ 3. setup

RUN_STEPS = 100  # a 100-epoch full-batch run: 100 steps


def repay(setup_a: float, step_a: float, setup_b: float, step_b: float) -> float | None:
    """After how many steps a's setup is repaid against b's (both run from nothing):
    0 when a is ahead from the start, None when a is not faster per step.

    >>> repay(10.0, 1.0, 0.0, 2.0), repay(0.0, 1.0, 5.0, 2.0), repay(10.0, 2.0, 0.0, 1.0)
    (10, 0, None)
    """
    if step_a >= step_b:
        return None
    return max(0, math.ceil((setup_a - setup_b) / (step_b - step_a)))


def setup_section(all_res: list[dict[str, Any]], results: dict[str, Any]) -> None:
    """Section 3: what each system spends before its first step, beside the step itself."""
    print(
        "\n== 3. Setup: compile and planning time, beside the step (gc on) ==\n"
        "construct: building the system (for compiled and straight-line: the two graphs, "
        "traced and compiled); first step's extra:\nits first step's time over its median "
        "step (the compiled step's first f.many plans every point at once; JAX's first\ncall "
        "traces and compiles with XLA). setup = construct + extra, medians over fresh copies. "
        f"Repaid after: the steps after\nwhich its total (setup + steps) falls below the "
        f"interpreter's or torch usual's. {RUN_STEPS}-step run: a {RUN_STEPS}-epoch full-batch "
        "run's\ntotal, setup included, over torch usual's. (Each system was first used once "
        "in this process on a tiny workload,\nso one-time loading is in no workload's setup.)"
    )
    rows, out = [], []
    for res in all_res:
        t: Timings = res["timings"]
        torch_there = "torch_usual" in t.on
        for role in SETUP_ROLES:
            if role not in t.on:
                continue
            s = res["setup"][role]
            step = t.of(role).median
            vs = {}
            for other in ("interpreted", "torch_usual"):
                if other in t.on and other != role:
                    o = res["setup"][other]
                    vs[other] = repay(s["setup_s"], step, o["setup_s"], t.of(other).median)
            run_ratio = None
            if torch_there:
                u = res["setup"]["torch_usual"]
                run_ratio = (s["setup_s"] + RUN_STEPS * step) / (
                    u["setup_s"] + RUN_STEPS * t.of("torch_usual").median
                )
            rows.append(
                [
                    res["label"],
                    SHORT[role],
                    ms(s["construct_s"].median),
                    ms(s["first_step_extra_s"]),
                    ms(s["setup_s"]),
                    ms(step),
                    f"{s['setup_s'] / step:.3g}",
                    _repaid(vs.get("interpreted"), "interpreted" in vs),
                    _repaid(vs.get("torch_usual"), "torch_usual" in vs),
                    "-" if run_ratio is None else f"{run_ratio:.2f}x",
                ]
            )
            out.append(
                {
                    "workload": res["key"],
                    "label": res["label"],
                    "system": res["names"][role],
                    "construct_ms": s["construct_s"].scaled(1e3),
                    "first_step_extra_ms": s["first_step_extra_s"] * 1e3,
                    "setup_ms": s["setup_s"] * 1e3,
                    "step_ms": step * 1e3,
                    "repaid_after_steps_vs_interpreted": vs.get("interpreted"),
                    "repaid_after_steps_vs_torch_usual": vs.get("torch_usual"),
                    f"run_{RUN_STEPS}_steps_over_torch_usual": run_ratio,
                }
            )
    table(
        [
            "workload",
            "system",
            "construct ms",
            "first step's extra ms",
            "setup ms",
            "step ms",
            "setup in steps",
            "repaid vs interpreted after",
            "vs torch usual",
            f"{RUN_STEPS}-step run ÷ torch usual's",
        ],
        rows,
    )
    print("\n-- the compiled step's two graphs: sizes and compile times (one build) --")
    crow = []
    for res in all_res:
        c = res["compile"]
        crow.append(
            [
                res["label"],
                f"{c['values'][0]:,} + {c['values'][1]:,}" if c["values"][0] else "?",
                f"{c['source_lines'][0]:,} + {c['source_lines'][1]:,}",
                ms(c["graphs_s"]),
                ms(c["loss_s"]),
                ms(c["l2_s"]),
                ms(c["total_s"]),
                ms(res["setup"]["compiled"]["first_step_extra_s"]),
            ]
        )
    table(
        [
            "workload",
            "values (loss + L2)",
            "lines generated",
            "graphs ms",
            "compile loss ms",
            "compile L2 ms",
            "total ms",
            "first many's extra (plans) ms",
        ],
        crow,
    )
    results["setup"] = {"rows": out, "run_steps": RUN_STEPS}


def _repaid(n: int | None, there: bool) -> str:
    if not there:
        return "-"
    if n is None:
        return "never: slower per step"
    within = "" if n > RUN_STEPS else f" (within a {RUN_STEPS}-epoch run)"
    return f"{n:,} step{'s' * (n != 1)}{within}" if n else "ahead from the start"
