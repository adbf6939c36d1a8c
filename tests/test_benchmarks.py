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
