"""Issue 15 on the learner corpus: compare names exactly the lines written down for each planted bug (the
``# locate:`` comments of tests/shapecheck/compare_corpus/), and never a line of a correct learner, whichever
mistake it is made to look for."""

from __future__ import annotations

import os

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck.comparison.api import _first_sample
from shapecheck.comparison.locate import locate
from shapecheck.comparison.locate_scale import locate_scale
from shapecheck.comparison.mutants import candidate_mutants
from shapecheck.comparison.readings import readings
from shapecheck.comparison.study import Study
from tests.shapecheck import learner_zoo
from tests.shapecheck.compare_corpus import STYLES
from tests.shapecheck.compare_corpus._state import Snapshot
from tests.shapecheck.test_compare import sizes
from tests.shapecheck.test_compare_locate import _study

def _one_sample_study(learner, X, Y):
    X1, Y1 = _first_sample(X, Y, readings(X, Y, learner.shapes, learner.names, bias=None, layout=None)[0])
    study = Study(learner, X1, Y1, readings(X1, Y1, learner.shapes, learner.names, bias=None, layout=None),
                  dict(activation=None, output=None, loss=None, reduction=None, reg=None), one_sample=True)
    return learner, X1, Y1, study, study.run()


PLANTED = [(style, bug) for style, module in STYLES.items() for bug in module.BUGS if bug != "correct"]


@pytest.mark.parametrize("style, bug", PLANTED, ids=[f"{s}-{b}" for s, b in PLANTED])
def test_compare_names_the_planted_lines(style, bug):
    """Every planted single-expression mistake is named at its lines (a missing factor: the lines that
    finalise the gradients; a stale update: the update and the send-back; a sign the error line, with the
    updates when they add it), and nothing else. A mistake with no lines written down gets none."""
    module = STYLES[style]
    kwargs = module.make(bug)
    snapshot = Snapshot({"params": kwargs["params"]})
    report = shapecheck.compare(**kwargs)
    assert report.diagnoses[0].bug.split(" + ")[0] == module.BUGS[bug], str(report)
    named = {(os.path.abspath(f.path), f.line) for f in report.diagnoses[0].locations}
    assert named == {(os.path.abspath(module.__file__), line) for line in module.LINES.get(bug, ())}, str(report)
    assert all(f.hint and f.hint in str(report) for f in report.diagnoses[0].locations), str(report)
    assert snapshot.problems() == []              # the learner's state is put back exactly after the traced run


@pytest.mark.parametrize("style", list(STYLES))
def test_a_correct_learner_has_no_location_whatever_is_looked_for(style):
    """Forced to look for each mistake (every mutant, a transposed product, a bias summed the wrong way, a
    flipped sign) in a correct learner of each style, locate names no line."""
    learner, X, Y, study, report = _study(STYLES[style].make("correct"))
    if report.verdict != "match":               # a step per sample (dense_layers): compare takes one sample
        learner, X, Y, study, report = _one_sample_study(learner, X, Y)
    assert report.verdict == "match"
    net = study.setting.net
    mutants = candidate_mutants(net, lr=learner.lr if learner.step is not None else None)
    mutants += [frozenset({(kind, k)}) for kind in ("transposed", "bias-wrong-axis", "stale-weights")
                for k in range(1, net.n_layers + 1)]
    for tags in mutants:
        assert locate(learner, X, Y, study.setting, tags) == (), sorted(tags)
    assert locate_scale(learner, X, Y, study.setting, "sign-flip") == ()


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["rows", "columns", "columns-wT"]), st.sampled_from(list(learner_zoo.ACTIVATIONS)),
       st.sampled_from(list(learner_zoo.LOSSES)), sizes())
def test_a_correct_zoo_learner_has_no_location_in_any_layout(layout, activation, loss, size):
    """The zoo's correct learner, in every layout, activation and loss, pairwise-distinct sizes: made to look
    for each mistake, locate names no line."""
    size = dict(size)
    seed = size.pop("seed")
    kwargs = learner_zoo.make(layout, activation, loss, None, seed=seed, hints=False, **size)
    learner, X, Y, study, report = _study(kwargs)
    assume(report.verdict == "match")      # (without hints a few conventions are read otherwise: not this test)
    net = study.setting.net
    mutants = candidate_mutants(net, lr=learner.lr)
    mutants += [frozenset({(kind, k)}) for kind in ("transposed", "bias-wrong-axis") for k in (1, 2)]
    for tags in mutants:
        assert locate(learner, X, Y, study.setting, tags) == (), sorted(tags)
    assert locate_scale(learner, X, Y, study.setting, "sign-flip") == ()
