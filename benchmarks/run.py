"""Benchmarks: micrograd_cbook compiled and interpreted, micrograd 0.1.0, PyTorch and plain floats.

Run ``make bench`` (or ``.venv/bin/python benchmarks/run.py``); ``--quick`` is a smoke run of
a few seconds, ``--json PATH`` also writes the figures. Timings are reported, never asserted.
The systems take turns in this one process, several rounds, and each figure is the best of
its repeats (``timing.py``); every ratio compares figures of this one run on this machine.

Sections: 1. micrograd's demo step side by side (1b: with a warm cache and a swept one);
2. scaling with width and points; 3. compile times; 4. the interpreter's engine figures (a wide
random graph, bytes per node, a deep chain).
One file per system: compiled.py, interpreted.py, micrograd_010.py, torch_scalars.py,
torch_linear.py, plain_floats.py; workload.py holds the demo step's data and weights.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
from typing import Any

import engine_sections
import network_sections
from timing import table, write_json

import micrograd_cbook

try:
    import torch
except ImportError:  # the torch rows are left out, with a note
    torch = None

FULL = {
    "demo_rounds": 4,
    "demo_fine_rounds": 150,
    "cache_rounds": 100,
    "widths": (16, 64, 256),
    "points": (10, 100, 1000),
    "scale_rounds": 5,
    "scale_slice": 0.2,
    "compile_repeats": {16: 10, 64: 3, 256: 1},
    "wide": (1000, 20, 3, 1.0),
    "memory_steps": 50_000,
    "deep": 1_000_000,
}
QUICK = {
    "demo_rounds": 1,
    "demo_fine_rounds": 3,
    "cache_rounds": 3,
    "widths": (16, 24),
    "points": (10, 100),
    "scale_rounds": 1,
    "scale_slice": 0.0,
    "compile_repeats": {16: 2, 24: 1},
    "wide": (200, 6, 1, 0.3),
    "memory_steps": 5_000,
    "deep": 100_000,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    info = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "torch": torch.__version__ if torch is not None else None,
        "micrograd_cbook": micrograd_cbook.__version__,
        "quick": args.quick,
    }
    print(
        "micrograd_cbook benchmarks"
        + (" (--quick: a smoke run, small sizes, one round)" if args.quick else "")
    )
    print(
        f"Python {info['python']} ({info['implementation']}), {info['machine']}, torch "
        f"{info['torch'] or 'not installed'}, micrograd 0.1.0; systems take turns, best of the "
        "repeats; ratios measured within this run"
    )
    print("the modules' own objects are frozen out of the garbage collector (gc.freeze())")
    # Leave the imported modules' objects (torch alone has ~150,000) out of every collection,
    # so the gc-on figures see the heap a program of their own would have.
    gc.collect()
    gc.freeze()
    results: dict[str, Any] = {"machine": info}
    demo = network_sections.demo_step(plan["demo_rounds"], plan["demo_fine_rounds"], results)
    network_sections.cache_effect(demo.pop("cache_systems"), plan["cache_rounds"], results)
    builds = network_sections.scaling(
        plan["widths"], plan["points"], plan["scale_rounds"], plan["scale_slice"], demo, results
    )
    del demo
    network_sections.compile_times(plan["compile_repeats"], builds, results)
    width, layers, rounds, slice_s = plan["wide"]
    engine_sections.wide_graph(width, layers, rounds, slice_s, results)
    engine_sections.memory(plan["memory_steps"], results)
    engine_sections.deep_chain(plan["deep"], 1, results)
    targets = summary(results)
    results["targets"] = targets
    if args.json:
        write_json(args.json, results)
        print(f"\nwrote {args.json}")
    same = (
        results["demo_step"]["same_computation"]
        and results["scaling"]["same_computation"]
        and results["wide_graph"]["max_rel_diff"] <= 1e-9
    )
    return 0 if same else 1


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """The targets, each with its figure of this run and whether it is met; printed as a table."""
    demo, t = results["demo_step"], network_sections.TARGETS
    compile_ms = next(r["total_ms"] for r in results["compile_times"]["rows"] if r["width"] == 16)
    memory = results["memory"][engine_sections.interpreted.NAME]
    deep = results["deep_chain"]
    rows = [  # key, what, value, ≤ or ≥, target, unit
        (
            "compiled_over_floats",
            "compiled demo step / hand-written floats",
            demo["compiled_over_floats"],
            "≤",
            t["compiled_over_floats"],
            "x",
        ),
        (
            "compiled_vs_micrograd",
            "compiled demo step: times faster than micrograd 0.1.0",
            demo["compiled_vs_micrograd"],
            "≥",
            t["compiled_vs_micrograd"],
            "x",
        ),
        (
            "straight_line_over_floats",
            "the same, straight-line only / hand-written floats",
            demo["straight_line_over_floats"],
            "≤",
            t["compiled_over_floats"],
            "x",
        ),
        (
            "compile_ms",
            "compile the demo network (both graphs)",
            compile_ms,
            "≤",
            t["compile_ms"],
            " ms",
        ),
        (
            "compiled_over_torch_linear",
            "compiled demo step / torch nn.Linear (width 16)",
            demo.get("compiled_over_torch_linear", math.nan),
            "≤",
            t["compiled_over_torch_linear"],
            "x",
        ),
        (
            "interpreted_vs_micrograd",
            "interpreted demo step: times faster than micrograd 0.1.0",
            demo["interpreted_vs_micrograd"],
            "≥",
            t["interpreted_vs_micrograd"],
            "x",
        ),
        (
            "bytes_per_node",
            "interpreter: bytes per node after backward",
            memory["bytes_per_node_after_backward"],
            "≤",
            engine_sections.BYTES_PER_NODE,
            " B",
        ),
    ]
    out: dict[str, Any] = {}
    table_rows = []
    for key, what, value, sense, target, unit in rows:
        met = value <= target if sense == "≤" else value >= target
        out[key] = {"what": what, "value": value, "target": f"{sense} {target:g}{unit}", "met": met}
        table_rows.append(
            [what, f"{value:.3g}{unit}", f"{sense} {target:g}{unit}", "met" if met else "MISSED"]
        )
    what = f"interpreter: a {deep['depth']:,}-deep chain backpropagates"
    out["deep_chain_works"] = {
        "what": what,
        "value": deep["works"],
        "target": "works",
        "met": deep["works"],
    }
    table_rows.append(
        [what, "yes" if deep["works"] else "no", "works", "met" if deep["works"] else "MISSED"]
    )
    print("\n== Targets (gc on; reported here, never asserted by the tests) ==")
    table(["", "this run", "target", ""], table_rows)
    return out


if __name__ == "__main__":
    sys.exit(main())
