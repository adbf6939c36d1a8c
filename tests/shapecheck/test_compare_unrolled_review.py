"""Issue 25's review of the one flat nn_params: the reviewer's learners, copied into compare_unrolled/.

- F5: labels as an (m, 1) column with t = 2 (1..2 or 0..1) were refused with an error blaming the weights:
  compare read the column of 0/1 labels as one output's targets. They are read 1-d and handed back as the
  learner's column; a real single output with a (m, 1) 0/1 target and Theta2 (1, h+1) still works.
- F9: a missing 1/m with an L2 term added afterwards was placed on the L2 lines (``G1 += k * R1``), where a
  1/n would scale the L2 term too; the lines that make the data term's unscaled gradient are named.
- F8: a ``/ m`` against a summed cost said "possibly a division by n twice (1/n): not found in your code"
  while naming that single division.
"""

from __future__ import annotations

import os

import pytest

import shapecheck
from tests.shapecheck.compare_unrolled import flat_step, octave_sum

LABELS = ("column-1", "column-0", "flat-1", "single")


def _run(module, case, hints, **options):
    kwargs = module.make(case, hints, **options)
    vector, before = kwargs["params"], kwargs["params"].copy()
    report = shapecheck.compare(**kwargs)
    assert vector.tobytes() == before.tobytes() and vector.shape == before.shape
    return report


def _named(report, module):
    return {(os.path.abspath(f.path), f.line) for f in report.diagnoses[0].locations}


def _marked(module, case):
    return {(os.path.abspath(module.__file__), line) for line in module.LINES.get(case, ())}


@pytest.mark.parametrize("hints", [True, False], ids=["hints", "own-loss-only"])
@pytest.mark.parametrize("labels", LABELS)
@pytest.mark.parametrize("case", list(flat_step.BUGS))
def test_the_flat_step_is_read_with_every_label_form(case, labels, hints):
    """Every planted mistake is named, at its marked lines or none (l2-mismatch's line is not always found),
    and the correct program MATCHes with nothing named; the learner's vector is restored bit for bit."""
    report = _run(flat_step, case, hints, labels=labels)
    t = 1 if labels == "single" else 2
    assert f"network [5, 3, {t}]" in report.summary, str(report)
    if case == "correct":
        assert report.verdict == "match" and not report.diagnoses[0].locations, str(report)
        return
    assert report.diagnoses[0].bug == flat_step.BUGS[case], str(report)
    named = _named(report, flat_step)
    assert named <= _marked(flat_step, case), str(report)
    if case != "l2-mismatch":
        assert named == _marked(flat_step, case), str(report)


@pytest.mark.parametrize("labels, words", [("column-1", "y's labels 1..2 (Octave's) as an (m, 1) column"),
                                           ("column-0", "y's labels 0..1 as an (m, 1) column")])
def test_a_label_column_with_two_classes_is_said(labels, words):
    report = _run(flat_step, "correct", False, labels=labels)
    assert report.ok and words in str(report), str(report)


def test_a_missing_mean_before_an_l2_term_names_the_data_terms_lines():
    """F9: G1 = D2.T @ A1 (no 1/m), then G1 += k * R1: the first lines are named, said to make the data term."""
    for hints in (True, False):
        report = _run(flat_step, "missing-mean", hints, labels="flat-1")
        hints_text = [f.hint for f in report.diagnoses[0].locations]
        assert [f.source.split("  #")[0] for f in report.diagnoses[0].locations] == ["G1 = D2.T @ A1",
                                                                                      "G2 = D3.T @ A2"]
        assert all("data term of the gradient" in h and "before your L2 term is added" in h for h in hints_text)


@pytest.mark.parametrize("hints", [True, False], ids=["hints", "own-loss-only"])
@pytest.mark.parametrize("case", list(octave_sum.BUGS))
def test_the_octave_loop_with_a_summed_cost(case, hints):
    report = _run(octave_sum, case, hints)
    if case == "correct":
        assert report.verdict == "match" and not report.diagnoses[0].locations, str(report)
        return
    assert report.diagnoses[0].bug == octave_sum.BUGS[case], str(report)
    assert _named(report, octave_sum) == _marked(octave_sum, case), str(report)


@pytest.mark.parametrize("hints", [True, False], ids=["hints", "own-loss-only"])
def test_a_division_by_n_against_a_summed_cost_is_said_as_one(hints):
    """F8: the single `/ m` is the cause, found in the code; no division twice is suggested."""
    report = _run(octave_sum, "wrong-scale", hints)
    message = report.diagnoses[0].message
    assert "twice" not in message and "not found in your code" not in message, message
    line = min(octave_sum.LINES["wrong-scale"])
    whose = "the declared" if hints else "your"           # reduction='sum' declared, or read from the loss_fn
    assert f"line {line} divides by 7, the number of samples (`Theta1_grad / m`): {whose} loss is a sum" in message
    assert [cause.established for cause in report.diagnoses[0].causes] == ["checked on your run"]
