"""The two test files of docs/testing-in-ci.md (a learner's own network, a teacher's grading run) run as written."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_pytest(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_learner_test_file_passes():
    result = run_pytest("examples/ci")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "4 passed" in result.stdout


@pytest.mark.parametrize("parallel", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_grading_run_names_each_bug(parallel):
    pytest.importorskip("xdist") if parallel else None
    result = run_pytest("examples/grading", *parallel)
    assert result.returncode == 1
    assert "3 passed" in result.stdout and "2 failed" in result.stdout
    assert "[dan_rows]" in result.stdout and "derivative-at-activation" in result.stdout
    assert "[eva_columns]" in result.stdout and "missing-mean" in result.stdout


def test_the_guide_shows_both_files_verbatim():
    """Both test files and the conftest.py that loads the shapecheck profile are shown as they are."""
    readme = (ROOT / "docs" / "testing-in-ci.md").read_text()
    for path in ("examples/ci/test_my_network.py", "examples/grading/test_submissions.py", "examples/ci/conftest.py"):
        assert (ROOT / path).read_text().strip() in readme, path
