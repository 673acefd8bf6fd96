"""The benchmark script runs end to end: its tables and its proof of equal losses (no timings)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"

pytest.importorskip("micrograd", reason="the benchmarks compare with micrograd 0.1.0 (dev extra)")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, out


def test_quick_run_exits_0(quick_run):
    result, _ = quick_run
    assert result.returncode == 0, result.stderr


def test_quick_run_prints_every_table(quick_run):
    stdout = quick_run[0].stdout
    for header in (
        "== 1. Wide random graph",
        "== 2. Bytes per node",
        "== 3. A 100,000-deep chain",
        "== 4. micrograd's demo step",
    ):
        assert header in stdout
    assert stdout.count("ours faster by") >= 4  # the two timing tables, gc on and paused


def test_quick_run_proves_the_same_computation(quick_run):
    stdout = quick_run[0].stdout
    assert "equal losses: yes" in stdout
    assert "same computation: root value and all leaf grads agree" in stdout
    assert "micrograd 0.1.0: backward raises RecursionError" in stdout


def test_quick_run_writes_json(quick_run):
    data = json.loads(quick_run[1].read_text(encoding="utf-8"))
    assert data["mlp_step"]["equal_losses"] is True
    assert data["mlp_step"]["max_rel_loss_diff"] <= 1e-9
    assert data["wide_graph"]["max_rel_diff"] <= 1e-9
    assert set(data) >= {"machine", "wide_graph", "memory", "deep_chain", "mlp_step"}
