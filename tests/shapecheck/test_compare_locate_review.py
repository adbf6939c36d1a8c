"""Lines in a reviewer's learner programs (review 25, tests/shapecheck/review_learners/): each planted
mistake is named at its ``# locate:`` lines, with the convention hints and with only the learner's own
loss_fn, and never at a correct line; the correct version names nothing."""

from __future__ import annotations

import importlib
import os
import re

import pytest

import shapecheck
from tests.shapecheck.compare_corpus._state import Snapshot

#: (program, case, modes): the findings of the review. d3's loss takes a mean over its 2 outputs as well, so
#: under the hints (bce: a mean over the samples only) its correct loss backward is the reference's / 2.
FINDINGS = [
    ("c1_course_loop", "missing-hidden-derivative", ("hints", "own")),     # F4: relu_backward never masks
    ("d3_nnfs_bce_loop", "missing-hidden-derivative", ("hints", "own")),   # F4: Activation_Tanh.backward
    ("d1_nnfs_separate_softmax", "missing-mean", ("hints", "own")),        # F2: the loss never divides by n
    ("d3_nnfs_bce_loop", "sign-flip", ("hints", "own")),                   # F3: the optimizer adds lr * dW
    ("d3_nnfs_bce_loop", "wrong-scale", ("own",)),                         # F7: the loss never divides by t
]
#: Findings where no line is named, honestly: the factor's origin is not established (the shared optimizer
#: only applies the rate to a gradient that had the factor already), so no line rather than a right one.
UNPLACED = {("d3_nnfs_bce_loop", "wrong-scale")}
CASES = [(program, case, mode) for program, case, modes in FINDINGS for mode in modes]
CORRECT = sorted({(program, mode) for program, _, mode in CASES})


def _declared_factor_lines(module, program, mode) -> set:
    """Under the hints d3's loss (a mean over its 2 outputs too) differs from the declared bce by 1/2, and the
    line that divides by its outputs is named as where that factor enters: a fact on the run, said beside
    'if that is your loss, this factor is right'."""
    if (program, mode) != ("d3_nnfs_bce_loop", "hints"):
        return set()
    path = os.path.abspath(module.__file__)
    with open(path, encoding="utf-8") as handle:
        return {(path, i) for i, line in enumerate(handle, 1) if line.rstrip().endswith("/ outputs")}


def _module(program):
    return importlib.import_module(f"tests.shapecheck.review_learners.{program}")


def _compare(program, case, mode):
    module = _module(program)
    kwargs = module.make(case, hints=mode == "hints")
    snapshot = Snapshot({"params": kwargs["params"]})
    report = shapecheck.compare(**kwargs)
    assert snapshot.problems() == []              # the learner's state is put back exactly
    named = {(os.path.abspath(f.path), f.line) for f in (report.diagnoses[0].locations if report.diagnoses else ())}
    return module, report, named


def marked(module, case) -> set:
    """The lines of ``module`` marked ``# locate: <case>``."""
    path = os.path.abspath(module.__file__)
    with open(path, encoding="utf-8") as handle:
        return {(path, i) for i, line in enumerate(handle, 1) if re.search(rf"# locate: {re.escape(case)}\b", line)}


@pytest.mark.parametrize("program, case, mode", CASES, ids=[f"{p}-{c}-{m}" for p, c, m in CASES])
def test_the_planted_line_is_named(program, case, mode):
    module, report, named = _compare(program, case, mode)
    assert report.diagnoses[0].bug.split(" + ")[0] == module.CASES[case], str(report)
    expected = set() if (program, case) in UNPLACED else marked(module, case)
    assert named == expected | _declared_factor_lines(module, program, mode), str(report)
    assert all(f.hint and f.hint in str(report) for f in report.diagnoses[0].locations), str(report)


@pytest.mark.parametrize("program, mode", CORRECT, ids=[f"{p}-{m}" for p, m in CORRECT])
def test_the_correct_version_names_nothing(program, mode):
    """No line on a correct program; under the hints d3's correct loss (a mean over its outputs too) is the
    declared bce's / 2, said as possibly right, with the line that divides by its outputs (never the shared
    optimizer's updates, which are right)."""
    module, report, named = _compare(program, "correct", mode)
    factor_lines = _declared_factor_lines(module, program, mode)
    assert named == factor_lines, str(report)
    if factor_lines:
        assert "if that is your loss, this factor is right" in report.diagnoses[0].message, str(report)
