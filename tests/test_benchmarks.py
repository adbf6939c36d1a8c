"""The benchmark scripts run (once, no timing asserted), so they cannot rot."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.slow
def test_gradcheck_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "gradcheck_bench.py"), "--repeats", "1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "shapecheck fast: localise one wrong entry" in result.stdout
    assert "naive per-entry loop (CS231n)" in result.stdout


@pytest.mark.slow
def test_trace_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "trace_bench.py"), "--quick", "--repeats", "1",
                             "--skip-memory"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "XOR loop, tiny arrays" in result.stdout and "traced / untraced" in result.stdout


@pytest.mark.slow
def test_harness_quick_run(tmp_path):
    """run.py --quick: every section prints, the JSON has every table; RESULTS.md is left alone."""
    import json

    results = BENCHMARKS / "RESULTS.md"
    before = results.read_text() if results.exists() else None
    target = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--json", str(target)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for title in ("1. Full central-difference check", "1. The least numpy work", "3. The generic path",
                  "3. A fresh python -c", "4. Tracer overhead", "4. Tracer peak memory", "5. Training on",
                  "0. Targets (issue 29)"):
        assert title in result.stdout
    data = json.loads(target.read_text())
    assert data["facts"]["quick"] is True and len(data["tables"]) >= 8
    assert "generic path vs bare calls" in data["measured"] and "latency added" in data["measured"]
    assert (results.read_text() if results.exists() else None) == before


@pytest.mark.slow
def test_locate_cost_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "locate_cost.py"), "--quick"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "located / off" in result.stdout and "worst ratio on a mismatch" in result.stdout


@pytest.mark.slow
def test_floor_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "floor_bench.py"), "--quick"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "floor: W1 and W2 copies" in result.stdout and "naive loop / this" in result.stdout


def test_property_failure_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "property_failure.py"), "--quick"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--hypothesis-profile=shapecheck" in result.stdout and "W1 MISMATCH, b1 MISMATCH" in result.stdout


def test_cold_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "cold_bench.py"), "--rounds", "2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing (back to back)" in result.stdout and "time.sleep(0.008)" in result.stdout


@pytest.mark.slow
def test_generic_parts_benchmark_runs_once():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "generic_parts.py"), "--processes", "1", "--rounds", "2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for variant in ("check_gradients", "without the judgement", "a bare minimum"):
        assert variant in result.stdout
