"""The benchmarks: their statistics on made-up timings, every system's numbers against the
interpreter's, and a ``--quick`` run end to end. No timing is ever asserted (the benchmarks
report their targets; they never assert them).
"""

import doctest
import gc
import importlib
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
pytest.importorskip("numpy", reason="the compiled step runs every point at once with NumPy")


@pytest.fixture(scope="module", autouse=True)
def bench_on_path():
    sys.path.insert(0, str(BENCH))
    yield
    sys.path.remove(str(BENCH))


def bench(name: str):
    return importlib.import_module(name)


# ------------------------------------------------------------ medians and spreads


def test_quartiles_interpolate_between_the_closest_ranks():
    timing = bench("timing")
    assert timing.quartiles([5.0, 1.0, 4.0, 2.0, 3.0]) == (2.0, 3.0, 4.0)
    assert timing.quartiles([3.0, 1.0, 2.0, 10.0]) == (1.75, 2.5, 4.75)
    assert timing.quartiles([7.0]) == (7.0, 7.0, 7.0)
    with pytest.raises(ValueError):
        timing.quartiles([])


def test_a_spread_holds_the_median_quartiles_extremes_and_rounds():
    s = bench("timing").spread([0.004, 0.001, 0.003, 0.002, 0.100])
    assert (s.median, s.q1, s.q3, s.lo, s.hi, s.n) == (0.003, 0.002, 0.004, 0.001, 0.100, 5)
    assert s.scaled(1e3).median == pytest.approx(3.0)


def test_a_ratio_is_the_median_of_per_round_ratios_not_the_ratio_of_medians():
    timing = bench("timing")
    t = timing.Timings(3, on={"a": [1.0, 10.0, 3.0], "b": [2.0, 4.0, 1.0]})
    t.paused = {"a": [1.0, 1.0, 1.0], "b": [1.0, 2.0, 4.0]}
    assert t.ratio("a", "b").median == 2.5  # rounds: 0.5, 2.5, 3.0
    assert t.of("a").median / t.of("b").median == 1.5  # what a ratio of medians would say
    assert (t.ratio("a", "b").q1, t.ratio("a", "b").q3) == (1.5, 2.75)
    assert t.ratio("a", "b", gc_on=False).median == 0.5


def test_rounds_that_are_not_paired_are_refused():
    with pytest.raises(ValueError, match="unpaired"):
        bench("timing").ratio_spread([1.0, 2.0], [1.0])


@pytest.fixture
def no_collections(monkeypatch):
    """timing.py's gc.collect() before each turn made a no-op: the test's heap is large."""
    monkeypatch.setattr(bench("timing").gc, "collect", lambda: 0)


@pytest.fixture
def fake_clock(monkeypatch, no_collections):
    """time.perf_counter as seen by timing.py: advanced only by the systems' runs."""
    timing = bench("timing")
    now = [0.0]
    monkeypatch.setattr(timing.time, "perf_counter", lambda: now[0])
    return now


def test_interleaved_rounds_are_equal_and_give_each_call_its_own_time(fake_clock):
    timing = bench("timing")

    def costs(seconds):
        def run(_):
            fake_clock[0] += seconds

        return (lambda: None, run)

    t = timing.interleaved({"fast": costs(0.001), "slow": costs(0.004)}, rounds=4, turn_s=0.02)
    assert t.calls == {"fast": 20, "slow": 5}  # each turn about 20 ms, at least one call
    for per_round in (t.on, t.paused):
        assert per_round["fast"] == pytest.approx([0.001] * 4)
        assert per_round["slow"] == pytest.approx([0.004] * 4)
    assert t.ratio("fast", "slow").median == pytest.approx(0.25)


def test_interleaved_rotates_the_order_and_pauses_the_collector_only_in_paused_turns(
    no_collections,
):
    timing = bench("timing")
    seen = []

    def system(name):
        return (lambda: None, lambda _: seen.append((name, gc.isenabled())))

    timing.interleaved({n: system(n) for n in "abc"}, rounds=3, turn_s=0.0)
    seen = seen[3:]  # after the first, untimed turn of each
    assert len(seen) == 3 * 2 * 3  # rounds × gc modes × systems
    leaders = [seen[i][0] for i in range(0, len(seen), 6)]
    assert leaders == ["a", "b", "c"]  # each system leads one round
    for name in "abc":
        modes = [on for n, on in seen if n == name]
        assert modes.count(True) == modes.count(False) == 3
    assert gc.isenabled()


def test_setup_is_repaid_after_the_steps_its_lead_per_step_takes():
    repay = bench("network_sections").repay
    assert repay(10.0, 1.0, 0.0, 2.0) == 10  # 10 s setup, 1 s a step saved
    assert repay(10.5, 1.0, 0.0, 2.0) == 11
    assert repay(0.0, 1.0, 5.0, 2.0) == 0  # ahead from the start
    assert repay(10.0, 2.0, 0.0, 1.0) is None  # slower per step: never


def test_figures_print_as_median_and_interquartile_range():
    timing = bench("timing")
    assert timing.fmt_ms(timing.spread([0.001, 0.002, 0.003])) == "2.00 (1.50–2.50)"
    assert timing.fmt_ratio(timing.spread([40.0, 42.0, 44.0])) == "42.0x (41.0–43.0)"
    assert timing.verdict(0.4, 0.5, at_most=True) == "target ≤ 0.5x: met"


def test_json_is_strict_even_with_infinite_figures(tmp_path):
    timing = bench("timing")
    path = tmp_path / "r.json"
    timing.write_json(str(path), {"s": timing.spread([1.0, 2.0]), "x": float("inf")})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "s": {"median": 1.5, "q1": 1.25, "q3": 1.75, "lo": 1.0, "hi": 2.0, "n": 2},
        "x": "inf",
    }


# ------------------------------------------------------------ the same computation


@pytest.fixture(scope="module")
def tiny():
    return bench("workload").workload(width=6, points=16)  # 15 of its 16 points active


def agree(roles, work):
    ns = bench("network_sections")
    systems = {r: ns.system_class(r)(work) for r in ("interpreted", *roles)}
    return ns.agreement(systems, systems["interpreted"])


def test_every_built_in_system_computes_the_interpreters_losses_and_weights(tiny):
    active = bench("workload").active_points(tiny)
    assert 0 < active < tiny.points  # points whose hinge is 0 and points whose hinge is not
    roles = ("compiled", "straight_line", "micrograd", "floats", "floats_loops", "numpy")
    proof = agree(roles, tiny)
    assert proof["same_computation"]
    assert set(proof["systems"]) == {"interpreted", *roles}
    for role in ("compiled", "straight_line"):  # the same graphs and weights: the same floats
        assert proof["systems"][role]["first_loss_bit_for_bit"], role
    assert proof["max_rel_loss_diff"] <= 1e-12
    assert len(proof["systems"]["numpy"]["losses"]) == proof["steps_checked"] == 2


def test_the_step_with_its_parameters_in_arrays_is_the_compiled_steps_bit_for_bit():
    compiled = bench("compiled")
    work = bench("workload").workload(width=16, points=100)
    values, arrays = compiled.CompiledStep(work), compiled.InArraysStep(work)
    losses = [(values.step(), arrays.step()) for _ in range(3)]
    assert all(repr(a) == repr(b) for a, b in losses)
    assert list(map(repr, values.weights())) == list(map(repr, arrays.weights()))
    assert arrays.loss.batched.used  # the points ran every row at once, on the arrays
    arrays.reset()
    assert arrays.step() == losses[0][0]


def test_pytorchs_steps_compute_the_interpreters_losses(tiny):
    pytest.importorskip("torch")
    proof = agree(("torch_usual", "torch_lean", "torch_scalars"), tiny)
    assert proof["same_computation"], proof


def test_jaxs_step_computes_the_interpreters_losses(tiny):
    pytest.importorskip("jax")
    proof = agree(("jax",), tiny)
    assert proof["same_computation"], proof


def test_pytorch_trains_the_digits_as_fit_does_from_the_same_weights():
    pytest.importorskip("torch")
    digits = bench("digits_section")
    work = bench("workload").digits_work(samples=100, epochs=2)
    run = digits.digits_run(work, gc_on=True, peer_modules=("torch_linear",))
    assert run["epoch_loss_rel_diff"] <= 1e-12
    assert run["final_loss_rel_diff"] <= digits.LOSS_TOLERANCE
    assert all(len(s) == 2 for s in run["seconds"].values())  # every system, every epoch


# ------------------------------------------------------------ a quick run end to end


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """``--quick`` without the optional peers (their numbers are checked above, in-process)."""
    out = tmp_path_factory.mktemp("bench") / "results.json"
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--without", "torch,jax,sklearn", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, json.loads(out.read_text(encoding="utf-8"))


def section(stdout: str, header: str) -> str:
    """The text of one section: from its header to the next one."""
    start = stdout.index(header)
    end = stdout.find("\n== ", start + len(header))
    return stdout[start:] if end < 0 else stdout[start:end]


SPREAD = r"\d[\d.]* \(\d[\d.]*–\d[\d.]*\)"  # median (q1–q3)
RATIO = r"\d[\d.]*x \(\d[\d.]*–\d[\d.]*\)"


def test_quick_run_prints_every_section(quick_run):
    stdout, _ = quick_run
    for header in (
        "== 1. micrograd's demo step, side by side ==",
        "== 2. The step at every scale ==",
        "== 3. Setup: compile and planning time, beside the step (gc on) ==",
        "== 4. A digits epoch: training.fit against PyTorch and scikit-learn ==",
        "== 5a. The interpreter: a wide random graph, forward + backward ==",
        "== 5b. The interpreter: bytes per node",
        "== 5c. The interpreter: a 20,000-deep chain",
        "== 6. The compiler at scale",
        "== Targets",
    ):
        assert header in stdout


def test_the_compiler_at_scale_times_compile_and_first_call_and_checks_the_value(quick_run):
    stdout, figures = quick_run
    runs = figures["compile_at_scale"]["runs"]
    kinds = [r["graph"].split(",")[0] for r in runs]
    assert kinds == ["chain", "chain", "network MLP(2", "wide graph"]
    for r in runs:
        assert r["same_value"] and r["total_s"] >= r["compile_s"] > 0.0
    assert "first call ran" in section(stdout, "== 6.")


def test_the_demo_tables_time_every_system_with_gc_on_then_paused(quick_run):
    demo = section(quick_run[0], "== 1.")
    on, paused = demo.split("-- gc paused --")
    assert "-- gc on (the main table) --" in on
    for part in (on, paused):
        for system in (
            "micrograd_cbook compiled",
            "micrograd_cbook compiled, straight-line only",
            "micrograd_cbook compiled, parameters in arrays",
            "micrograd_cbook interpreted",
            "micrograd 0.1.0",
            "plain floats, by hand",
            "plain floats, per-point loops",
            "NumPy 2.4.6 by hand (matmuls)",
        ):
            name = re.escape(system).replace("2\\.4\\.6", r"\S+")  # any NumPy version
            assert re.search(rf"^{name}\s+{SPREAD}\s+\d+\s", part, re.M), system
    assert "same computation: yes" in demo
    exact = r"the first step's bit for bit: compiled, straight-line, in arrays, interpreted\b"
    assert re.search(exact, demo)
    assert "the interpreter against micrograd 0.1.0, gc on for both" in demo


def test_a_peer_left_out_is_said_and_its_rows_are_missing(quick_run):
    stdout, figures = quick_run
    demo = section(stdout, "== 1.")
    assert "left out: JAX (--without jax)" in demo
    assert "left out: PyTorch (--without torch)" in demo
    assert "torch" not in figures["demo_step"]["systems"]
    assert "left out: scikit-learn (--without sklearn)" in section(stdout, "== 4.")
    assert figures["machine"]["versions"]["jax"] == "left out"


def test_every_system_has_equal_rounds_in_both_gc_modes(quick_run):
    _, figures = quick_run
    for work in [figures["demo_step"], *figures["scaling"]["workloads"]]:
        per_round = work["seconds_per_round"]
        rounds = work["rounds"]
        for mode in ("seconds_gc_on", "seconds_gc_paused"):
            assert {len(v) for v in per_round[mode].values()} == {rounds}, work["key"]


def test_the_scale_tables_cover_every_workload_and_peer(quick_run):
    stdout, figures = quick_run
    text = section(stdout, "== 2.")
    assert text.count("-- ms per step,") == 2 and text.count("-- compiled's time ÷") == 2
    labels = ["w6 n24", "w6 n60", "w8 n24", "w10 n24"]
    assert re.search(r"^system\s+" + r"\s+".join(labels) + "$", text, re.M)
    assert re.search(rf"^compiled ÷ NumPy by hand(\s+{RATIO}){{4}}$", text, re.M)
    assert figures["scaling"]["same_computation"] is True
    assert [w["key"] for w in figures["scaling"]["workloads"]] == ["points", "wide", "widest"]


def test_the_setup_table_puts_compile_and_planning_beside_the_step(quick_run):
    stdout, figures = quick_run
    rows = figures["setup"]["rows"]
    compiled = [r for r in rows if r["system"] == "micrograd_cbook compiled"]
    assert [r["workload"] for r in compiled] == ["demo", "points", "wide", "widest"]
    for r in compiled:
        assert r["setup_ms"] == pytest.approx(
            r["construct_ms"]["median"] + r["first_step_extra_ms"]
        )
        assert r["step_ms"] > 0
    assert "first many's extra (plans) ms" in section(stdout, "== 3.")


def test_the_digits_section_trains_the_command_lines_run(quick_run):
    _, figures = quick_run
    digits = figures["digits"]
    assert digits["epochs"] == 3
    assert 0.0 <= digits["test_accuracy"] <= 1.0
    assert digits["runs_repeat_exactly"] is True  # gc on and paused: the same numbers
    fit = digits["runs"]["gc_on"]["systems"]["micrograd_cbook training.fit"]
    assert fit["seconds_per_epoch"]["n"] == 2  # the epochs after the first


def test_the_targets_table_prints_each_target_beside_its_figure(quick_run):
    stdout, figures = quick_run
    targets = section(stdout, "== Targets")
    main = targets.split("-- earlier targets")[0]
    verdicts = re.findall(r"\s(met|MISSED|not run)$", main, re.M)
    assert len(verdicts) == 8
    assert set(figures["targets"]) == {
        "demo_over_numpy",
        "demo_over_torch",
        "points_over_torch",
        "wide_over_torch",
        "widest_over_torch",
        "digits_over_torch",
        "digits_accuracy",
        "interpreted_vs_micrograd",
    }
    assert figures["targets"]["demo_over_torch"]["met"] is None  # no PyTorch in this run
    mg = figures["targets"]["interpreted_vs_micrograd"]
    assert isinstance(mg["met"], bool) and re.fullmatch(r"\d+ of 3", mg["rounds_meeting_it"])


def test_an_unknown_peer_to_leave_out_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, str(RUN), "--without", "tensorflow"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--without takes" in result.stderr and "Traceback" not in result.stderr


def test_output_names_no_issue_numbers(quick_run):
    assert not re.search(r"\bissue\b", quick_run[0], re.I)


@pytest.mark.parametrize("name", ["timing", "workload", "peers", "internals", "network_sections"])
def test_benchmark_helpers_doctests_pass(name, monkeypatch):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0


def test_the_c_loop_of_ordered_sums_gives_numpys_floats_bit_for_bit(capsys):
    import shutil

    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler: ordered_sums.py measures NumPy alone (CI has gcc)")
    assert bench("ordered_sums").main(["--quick"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if " × (" in line][1:]
    assert len(rows) == 2 and all(line.endswith("  yes") for line in rows)
