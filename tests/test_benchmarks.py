"""The benchmarks run end to end: every table, the proofs of the same computation, the JSON.

A ``--quick`` smoke run (small sizes, one round); no timing is asserted (the benchmarks
report targets, they never assert them).
"""

import doctest
import gc
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
RUN = BENCH / "run.py"

pytest.importorskip("micrograd", reason="the benchmarks compare with micrograd 0.1.0 (dev extra)")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    return result, out


@pytest.fixture(scope="module")
def figures(quick_run):
    result, out = quick_run
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def section(stdout: str, header: str) -> str:
    """The text of one section: from its header to the next one."""
    start = stdout.index(header)
    end = stdout.find("\n== ", start + len(header))
    return stdout[start:] if end < 0 else stdout[start:end]


def test_quick_run_exits_0_without_errors(quick_run):
    result, _ = quick_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_quick_run_prints_every_section(quick_run):
    stdout = quick_run[0].stdout
    for header in (
        "== 1. micrograd's demo step, side by side ==",
        "== 1b. The cache: steps back to back, and right after a full collection ==",
        "== 2. Scaling: the demo step with wider layers and more points ==",
        "== 3. Compile times (gc on) ==",
        "== 4a. The interpreter: a wide random graph, forward + backward ==",
        "== 4b. The interpreter: bytes per node",
        "== 4c. The interpreter: a 100,000-deep chain",
        "== Targets",
    ):
        assert header in stdout


def test_the_cache_section_times_the_fast_systems_both_ways(quick_run, figures):
    cache = section(quick_run[0].stdout, "== 1b.")
    assert "micrograd_cbook compiled" in cache and "plain floats, by hand" in cache
    systems = figures["cache"]["systems"]
    assert figures["cache"]["objects_collected"] > 1000
    for name, times in systems.items():
        assert times["back_to_back_ms"] > 0 and times["after_full_collection_ms"] > 0, name
    assert len(systems) == (4 if "nn.Linear" in cache else 3)  # compiled both ways, floats


def test_the_cache_section_leaves_the_modules_objects_frozen(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import network_sections

    class Step:
        name = "a step"
        steps = 0

        def reset(self):
            pass

        def step(self):
            Step.steps += 1
            return 0.0

    results: dict = {}
    gc.collect()
    gc.freeze()
    try:
        network_sections.cache_effect([Step()], 2, results)
        assert gc.get_freeze_count() > 0  # frozen again for the sections after it
    finally:
        gc.unfreeze()
    assert Step.steps == 4  # two in a row, two after a collection each
    assert set(results["cache"]["systems"]["a step"]) == {
        "back_to_back_ms",
        "after_full_collection_ms",
    }


def test_demo_step_table_has_every_system_with_gc_on_and_paused(quick_run):
    demo = section(quick_run[0].stdout, "== 1.")
    assert "gc on: ms/step" in demo and "gc paused: ms" in demo
    for system in (
        "micrograd_cbook compiled",
        "micrograd_cbook compiled, straight-line only",
        "micrograd_cbook interpreted",
        "micrograd 0.1.0",
        "plain floats, by hand",
        "plain floats, per-point loops",
    ):
        assert re.search(rf"^{re.escape(system)}\s+\d", demo, re.M), system
    if importlib.util.find_spec("torch") is not None:
        assert re.search(r"^torch \S+ 0-d\s+\d", demo, re.M)
        assert re.search(r"^torch \S+ nn\.Linear\s+\d", demo, re.M)


def test_every_system_on_the_demo_step_computes_the_same_loss_and_weights(quick_run, figures):
    demo = section(quick_run[0].stdout, "== 1.")
    assert "same computation: yes" in demo
    step = figures["demo_step"]
    assert step["same_computation"] is True
    assert step["max_rel_loss_diff"] <= 1e-12
    assert step["max_weight_diff"] <= 1e-9
    losses = [s["loss"] for s in step["systems"].values()]
    assert len(losses) >= 5 and max(losses) - min(losses) <= 1e-12 * max(losses)


def test_scaling_rows_compute_the_same_step_in_every_system(quick_run, figures):
    text = section(quick_run[0].stdout, "== 2.")
    assert "same computation: yes in every row" in text
    assert "Where the compiled step's lead shrinks: wide layers" in text
    rows = figures["scaling"]["rows"]
    assert {(r["width"], r["points"]) for r in rows} == {(16, 100), (24, 100), (16, 10)}
    assert all(r["same_computation"] for r in rows)
    assert all("compiled" in r and "straight_line" in r and "floats" in r for r in rows)


def test_compile_times_cover_the_demo_network_and_each_width(figures):
    rows = figures["compile_times"]["rows"]
    assert [r["width"] for r in rows] == [16, 24]
    for r in rows:
        assert r["total_ms"] >= r["loss_ms"] + r["l2_ms"] > 0
        assert r["values"][0] > 0 and r["values"][1] > 0


def test_engine_sections_prove_their_computations(quick_run, figures):
    stdout = quick_run[0].stdout
    assert "same computation: root value and all leaf grads agree" in stdout
    assert "a 100,000-deep chain: backward works" in stdout
    assert "micrograd 0.1.0: backward raises RecursionError" in stdout
    assert figures["wide_graph"]["max_rel_diff"] <= 1e-9
    assert figures["deep_chain"]["works"] is True
    assert figures["memory"]["micrograd_cbook interpreted"]["bytes_per_node_after_backward"] > 0


def test_json_has_every_section_and_every_target(figures):
    assert set(figures) >= {
        "machine",
        "demo_step",
        "scaling",
        "compile_times",
        "wide_graph",
        "memory",
        "deep_chain",
        "targets",
    }
    assert set(figures["targets"]) == {
        "compiled_over_floats",
        "straight_line_over_floats",
        "compiled_vs_micrograd",
        "compile_ms",
        "compiled_over_torch_linear",
        "interpreted_vs_micrograd",
        "bytes_per_node",
        "deep_chain_works",
    }
    for target in figures["targets"].values():
        assert isinstance(target["met"], bool) and target["what"]


def test_targets_are_printed_as_verdicts(quick_run):
    targets = section(quick_run[0].stdout, "== Targets")
    assert len(re.findall(r"\s(met|MISSED)$", targets, re.M)) == 8


def test_output_names_no_issue_numbers(quick_run):
    assert not re.search(r"\bissue\b", quick_run[0].stdout, re.I)


@pytest.mark.parametrize("name", ["timing", "workload"])
def test_benchmark_helpers_doctests_pass(name, monkeypatch):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0
