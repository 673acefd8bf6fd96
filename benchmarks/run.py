"""Benchmarks: micrograd_cbook compiled and interpreted against micrograd, PyTorch, NumPy, JAX.

Run ``make bench`` (or ``.venv/bin/python benchmarks/run.py``); ``--quick`` is a smoke run of
seconds, ``--json PATH`` also writes the figures, ``--without jax`` (or torch, numpy, sklearn)
leaves a peer out as if it were not installed. Timings are reported, never asserted.

How it is fair: every system does the same work (the same step on every point, none skipped);
the systems take turns in equal, interleaved rounds, with the garbage collector on (the main
tables) and paused; each figure is a median with its interquartile range and each ratio the
median of per-round ratios (``timing.py``); one thread for every system; setup (compiling,
planning, JIT) is reported beside the step, not hidden; every system's loss is checked against
the interpreter's.

Sections: 1. micrograd's demo step, every system; 2. the step at every scale; 3. setup; 4. a
digits epoch against PyTorch and scikit-learn; 5. the interpreter's engine figures; 6. the
compiler at scale (compile and first call against the graph's size); targets.
One file per system: compiled.py, interpreted.py, micrograd_010.py, plain_floats.py,
torch_linear.py, torch_scalars.py, numpy_by_hand.py, jax_jit.py, sklearn_mlp.py.
"""

import os
import sys

# This checkout's micrograd_cbook, whichever copy is installed: the benchmarks measure the code
# beside them (sys.path[0] is this folder; the folder above holds the package).
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One thread for every system, asked for before NumPy, PyTorch or JAX is loaded (PyTorch's
# own setting is torch.set_num_threads(1), in its modules).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse
import gc
import platform
from typing import Any

import compile_section
import digits_section
import engine_sections
import network_sections
import peers
from network_sections import Spec
from timing import fmt_ratio, met, table, write_json

import micrograd_cbook

FULL: dict[str, Any] = {
    "rounds": 21,
    "turn_s": 0.02,  # a turn: about this long, at least one step
    "setup_budget_s": 1.0,  # fresh copies built to measure setup while this lasts (≤ 5)
    "interpreter_max_width": 64,
    "workloads": [
        Spec("demo", 16, 100),
        Spec("points", 16, 1000),
        Spec("wide", 64, 100),
        Spec("widest", 256, 100),
    ],
    "digits_samples": None,  # all 1,797
    "digits_epochs": None,  # the command line's
    "wide": (1000, 20),
    "wide_rounds": 11,
    "memory_steps": 50_000,
    "deep": 1_000_000,
    "compile_chains": [2_500, 5_000, 10_000],  # steps: 5,000 of them are 10,000 operations
    "compile_network": 316,  # MLP(2, [316, 316, 1]): about 102,000 nodes, nearly all weights
    "compile_wide": (1000, 25),  # a wide graph of about 102,000 nodes
}
QUICK: dict[str, Any] = {
    "rounds": 3,
    "turn_s": 0.001,
    "setup_budget_s": 0.0,
    "interpreter_max_width": 8,
    "workloads": [
        Spec("demo", 6, 24),
        Spec("points", 6, 60),
        Spec("wide", 8, 24),
        Spec("widest", 10, 24),
    ],
    "digits_samples": 200,
    "digits_epochs": 3,
    "wide": (60, 3),
    "wide_rounds": 3,
    "memory_steps": 2_000,
    "deep": 20_000,
    "compile_chains": [100, 200],
    "compile_network": 8,
    "compile_wide": (40, 3),
}

# The targets: (key, workload key or section, what, at most?, target)
TARGETS = [
    ("demo_over_numpy", "demo", "compiled ÷ NumPy by hand", True, 1.5),
    ("demo_over_torch", "demo", "compiled ÷ torch usual", True, 0.5),
    ("points_over_torch", "points", "compiled ÷ torch usual", True, 1.0),
    ("wide_over_torch", "wide", "compiled ÷ torch usual", True, 2.5),
    ("widest_over_torch", "widest", "compiled ÷ torch usual", True, 10.0),
    ("digits_over_torch", "digits", "fit's epoch ÷ torch's", True, 2.0),
    ("digits_accuracy", "digits", "fit's test accuracy, the CLI's defaults", False, 0.97),
    ("interpreted_vs_micrograd", "demo", "micrograd 0.1.0 ÷ interpreted", False, 25.0),
]
WHERE = {"demo": "demo step", "points": "more points", "wide": "wider", "widest": "widest"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of seconds")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--without",
        metavar="LIBS",
        default="",
        help=f"comma-separated peers to leave out, as if not installed ({', '.join(peers.NAMES)})",
    )
    args = parser.parse_args(argv)
    unknown = {w for w in args.without.split(",") if w} - set(peers.NAMES)
    if unknown:
        parser.error(f"--without takes {', '.join(peers.NAMES)}; got {', '.join(sorted(unknown))}")
    peers.left_out.update(w for w in args.without.split(",") if w)
    plan = QUICK if args.quick else FULL
    info = machine(args.quick)
    print(
        "micrograd_cbook benchmarks"
        + (" (--quick: a smoke run, small sizes)" if args.quick else "")
    )
    print(
        f"Python {info['python']} ({info['implementation']}), {info['machine']}; "
        + ", ".join(f"{k} {v or 'not installed'}" for k, v in info["versions"].items())
        + f"; micrograd_cbook from {info['package']}"
    )
    print(
        f"{plan['rounds']} equal interleaved rounds per table; medians (q1–q3); one thread each; "
        "the modules' own objects frozen out of the garbage collector (gc.freeze())"
    )
    results: dict[str, Any] = {"machine": info, "plan": {k: str(v) for k, v in plan.items()}}
    roles = network_sections.available_roles(tuple(network_sections.ROLES))
    first_use = network_sections.warm_up(roles)
    results["first_use_seconds"] = first_use
    # Leave the imported modules' objects (torch alone has ~150,000) out of every collection,
    # so the gc-on figures see the heap a program of their own would have.
    gc.collect()
    gc.freeze()
    specs = plan["workloads"]
    demo = network_sections.demo_section(specs[0], plan, results)
    every = network_sections.scale_section(specs, plan, demo, results)
    network_sections.setup_section(every, results)
    note_first_use(first_use)
    del demo
    digits_section.digits_section(plan["digits_samples"], plan["digits_epochs"], results)
    width, layers = plan["wide"]
    engine_sections.wide_graph(width, layers, plan["wide_rounds"], results)
    engine_sections.memory(plan["memory_steps"], results)
    engine_sections.deep_chain(plan["deep"], results)
    compile_section.compile_section(
        plan["compile_chains"], plan["compile_network"], plan["compile_wide"], results
    )
    results["targets"] = targets(every, results)
    results["earlier_targets"] = earlier_targets(every, results)
    if args.json:
        write_json(args.json, results)
        print(f"\nwrote {args.json}")
    same = (
        results["demo_step"]["agreement"]["same_computation"]
        and results["scaling"]["same_computation"]
        and results["wide_graph"]["max_rel_diff"] <= 1e-9
        and results["digits"].get("same_as_torch", True)
    )
    return 0 if same else 1


def machine(quick: bool) -> dict[str, Any]:
    versions = {"micrograd_cbook": micrograd_cbook.__version__, "micrograd": "0.1.0"}
    for lib, module in (
        ("torch", "torch"),
        ("numpy", "numpy"),
        ("jax", "jax"),
        ("scikit-learn", "sklearn"),
    ):
        if module in peers.left_out:
            versions[lib] = "left out"
            continue
        try:
            versions[lib] = __import__(module).__version__
        except ImportError:
            versions[lib] = None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "versions": versions,
        "package": os.path.dirname(micrograd_cbook.__file__),
        "quick": quick,
    }


def note_first_use(first_use: dict[str, float]) -> None:
    slow = {r: t for r, t in first_use.items() if t > 0.5}
    if slow:
        print(
            "first use in this process (a tiny workload, before every table; not in any "
            "setup above): "
            + ", ".join(f"{network_sections.SHORT[r]} {t:.1f} s" for r, t in slow.items())
            + (
                " (this Python writes no bytecode caches, PYTHONDONTWRITEBYTECODE: the modules "
                "a first use loads, torch._dynamo for PyTorch's optimisers, are compiled from "
                "source each run)"
                if sys.flags.dont_write_bytecode
                else ""
            )
        )


def targets(every: list[dict[str, Any]], results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets: each figure (median and spread of the per-round ratios) and whether
    it is met; printed as a table."""
    by_key = {r["key"]: r for r in every}
    out: dict[str, Any] = {}
    rows = []
    for key, where, what, at_most, target in TARGETS:
        value, cell, rounds = _target_figure(key, where, by_key, results, at_most, target)
        label = f"{WHERE.get(where, where)}"
        if where in by_key:
            label += f" ({by_key[where]['label']})"
        sense = "≤" if at_most else "≥"
        shown_target = (
            f"{sense} {target:.0%}" if key == "digits_accuracy" else f"{sense} {target:g}x"
        )
        if value is None:
            rows.append([label, what, "not run", shown_target, "-", "-", "not run"])
            out[key] = {
                "what": f"{label}: {what}",
                "value": None,
                "target": shown_target,
                "met": None,
            }
            continue
        ok = met(value, target, at_most)
        arrays = _in_arrays_figure(key, where, by_key)
        rows.append(
            [
                label,
                what,
                cell,
                shown_target,
                rounds,
                "-" if arrays is None else fmt_ratio(arrays),
                "met" if ok else "MISSED",
            ]
        )
        out[key] = {
            "what": f"{label}: {what}",
            "value": value,
            "shown": cell,
            "target": shown_target,
            "met": ok,
            "rounds_meeting_it": rounds,
            "in_arrays": arrays,
        }
    print("\n== Targets (gc on; medians of per-round ratios; never asserted by the tests) ==")
    table(
        [
            "workload",
            "figure",
            "this run (q1–q3)",
            "target",
            "rounds meeting it",
            "in arrays (fit's way)",
            "",
        ],
        rows,
    )
    print(
        "in arrays: the same figure for the compiled step with its parameters' values and "
        "grads kept in NumPy arrays between steps\n(f.many_arrays, SGD.step_arrays: the way "
        "training.fit runs its steps), the same floats; the targets are judged on the step\n"
        "over the Values (f.many, optim.SGD.step), as a loop of one's own writes it."
    )
    return out


def _in_arrays_figure(key, where, by_key):
    """A step target's ratio for the step with its parameters in arrays, or None."""
    a, b = _step_pair(key)
    if a != "compiled" or where not in by_key:
        return None
    t = by_key[where]["timings"]
    return t.ratio("in_arrays", b) if "in_arrays" in t.on and b in t.on else None


def _step_pair(key):
    """The two systems whose times a step target divides: (a, b) for a ÷ b."""
    if key == "interpreted_vs_micrograd":
        return "micrograd", "interpreted"
    return "compiled", "numpy" if key == "demo_over_numpy" else "torch_usual"


def _target_figure(key, where, by_key, results, at_most, target):
    """(the median, its cell, the share of rounds meeting the target) or Nones if not run."""
    if key == "digits_accuracy":
        acc = results["digits"]["test_accuracy"]
        return acc, f"{acc:.1%}", "-"
    if key == "digits_over_torch":
        s = results["digits"].get("fit_over_torch")
        if s is None:
            return None, None, None
        per_epoch = results["digits"]["fit_over_torch_per_epoch"]
        return s.median, fmt_ratio(s), _share(per_epoch, target, at_most)
    res = by_key[where]
    t = res["timings"]
    a, b = _step_pair(key)
    if a not in t.on or b not in t.on:
        return None, None, None
    s = t.ratio(a, b)
    return (
        s.median,
        fmt_ratio(s),
        _share([x / y for x, y in zip(t.on[a], t.on[b])], target, at_most),
    )


def _share(ratios: list[float], target: float, at_most: bool) -> str:
    """How many of the per-round ratios meet the target, e.g. '18 of 21'."""
    return f"{sum(met(r, target, at_most) for r in ratios)} of {len(ratios)}"


def earlier_targets(every: list[dict[str, Any]], results: dict[str, Any]) -> dict[str, Any]:
    """The targets set before, still printed: the demo step against the hand-written floats
    and micrograd, compile time, bytes per node, a deep chain."""
    demo = every[0]
    t = demo["timings"]
    rows_in = [
        ("compiled_over_floats", "compiled ÷ floats by hand", ("compiled", "floats"), True, 0.6),
        (
            "straight_line_over_floats",
            "straight-line ÷ floats by hand",
            ("straight_line", "floats"),
            True,
            0.6,
        ),
        (
            "compiled_vs_micrograd",
            "micrograd 0.1.0 ÷ compiled",
            ("micrograd", "compiled"),
            False,
            200.0,
        ),
    ]
    out: dict[str, Any] = {}
    rows = []
    for key, what, (a, b), at_most, target in rows_in:
        s = t.ratio(a, b)
        ok = met(s.median, target, at_most)
        sense = "≤" if at_most else "≥"
        rows.append(
            [f"demo step: {what}", fmt_ratio(s), f"{sense} {target:g}x", "met" if ok else "MISSED"]
        )
        out[key] = {"what": what, "value": s, "target": f"{sense} {target:g}x", "met": ok}
    # compile() writes the code when first called, and the first many plans: both counted
    compile_ms = demo["setup"]["compiled"]["setup_s"] * 1e3
    ok = compile_ms <= 50.0
    rows.append(
        [
            "compile the demo network (both graphs built, compiled, written, planned)",
            f"{compile_ms:.1f} ms",
            "≤ 50 ms",
            "met" if ok else "MISSED",
        ]
    )
    out["compile_ms"] = {
        "what": "compile the demo network",
        "value": compile_ms,
        "target": "≤ 50 ms",
        "met": ok,
    }
    memory = results["memory"][engine_sections.interpreted.NAME]["bytes_per_node_after_backward"]
    ok = memory <= engine_sections.BYTES_PER_NODE
    rows.append(
        [
            "interpreter: bytes per node after backward",
            f"{memory:.0f} B",
            f"≤ {engine_sections.BYTES_PER_NODE:g} B",
            "met" if ok else "MISSED",
        ]
    )
    out["bytes_per_node"] = {
        "what": "bytes per node after backward",
        "value": memory,
        "target": "≤ 200 B",
        "met": ok,
    }
    deep = results["deep_chain"]
    rows.append(
        [
            f"interpreter: a {deep['depth']:,}-deep chain backpropagates",
            "yes" if deep["works"] else "no",
            "works",
            "met" if deep["works"] else "MISSED",
        ]
    )
    out["deep_chain_works"] = {
        "what": "deep chain",
        "value": deep["works"],
        "target": "works",
        "met": deep["works"],
    }
    print("\n-- earlier targets, still reported --")
    table(["", "this run", "target", ""], rows)
    return out


if __name__ == "__main__":
    sys.exit(main())
