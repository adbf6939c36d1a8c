"""Issue 12: ``shapecheck.compare`` on learner code AS WRITTEN, with no hints.

The corpus (compare_corpus/) holds seven public styles of hand-written numpy backprop, each correct and
with 3 or 4 planted bugs. ``make(bug)`` gives compare only what a learner has: X and Y in their own
orientation and dtype, their object/dict/list, their step or gradients function, the lr their step uses
(when it is not on the object) and their own cost function as ``loss_fn`` (when their code has one).
Never activation=, output=, loss=, layout=, bias= or reduction=.

Every label is checked by central finite differences of the learner's OWN loss: the correct variant
agrees, every planted bug disagrees. Then compare must name every planted bug first, call every correct
program a match, and put every learner array back (same object, same bits).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import shapecheck
from tests.shapecheck.compare_corpus import STYLES
from tests.shapecheck.compare_corpus._state import Snapshot, takes_no_arguments

CASES = [pytest.param(style, bug, expected, id=f"{style}-{bug}")
         for style, module in STYLES.items() for bug, expected in module.BUGS.items()]
CACHING_CASES = [case for case in CASES if STYLES[case.values[0]].CACHING]
LEARNER_KEYWORDS = {"X", "Y", "params", "gradients", "step", "lr", "loss_fn"}
EPS = 1e-6
AGREE = 1e-6            # relative error of a correct program's gradients against finite differences
DISAGREE = 1e-3         # a planted bug must be at least this far off (or have the wrong shape)


def finite_differences(loss, arrays, eps=EPS):
    """Central differences of ``loss()`` with respect to every entry of ``arrays`` (perturbed in place,
    then put back bit for bit)."""
    numeric = []
    for array in arrays:
        assert array.dtype == np.float64
        g = np.zeros(array.shape)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + eps
            up = loss()
            array[index] = old - eps
            down = loss()
            array[index] = old
            g[index] = (up - down) / (2 * eps)
        numeric.append(g)
    return numeric


def label_error(pairs, numeric) -> float:
    """The relative error of the learner's gradients against finite differences over all parameters;
    inf when a gradient does not even have its parameter's shape."""
    if any(np.shape(g) != a.shape for (a, g) in pairs):
        return float("inf")
    mine = np.concatenate([np.ravel(g) for _, g in pairs])
    true = np.concatenate([g.ravel() for g in numeric])
    return float(np.linalg.norm(mine - true) / max(np.linalg.norm(mine), np.linalg.norm(true), 1e-300))


def snapshot_of(kwargs) -> Snapshot:
    return Snapshot({"params": kwargs["params"], "X": kwargs["X"], "Y": kwargs["Y"]})


# -- the corpus itself ----------------------------------------------------------------------------------

@pytest.mark.parametrize("style, bug, expected", CASES)
def test_labels_by_finite_differences_of_the_learners_own_loss(style, bug, expected):
    module = STYLES[style]
    kwargs = module.make(bug)
    loss = module.own_loss(kwargs)
    at_start = loss()
    pairs = module.own_gradients(kwargs)
    assert loss() == at_start, "own_gradients did not put the learner's arrays back"
    numeric = finite_differences(loss, [array for array, _ in pairs])
    assert loss() == at_start
    error = label_error(pairs, numeric)
    if expected == "match":
        assert error < AGREE, f"the correct {style} disagrees with finite differences of its loss: {error:.2e}"
    else:
        assert error > DISAGREE, f"{style} with {bug} agrees with finite differences of its loss: {error:.2e}"


@pytest.mark.parametrize("style, bug, expected", CASES)
def test_the_corpus_passes_only_what_a_learner_has(style, bug, expected):
    kwargs = STYLES[style].make(bug)
    assert set(kwargs) <= LEARNER_KEYWORDS, sorted(set(kwargs) - LEARNER_KEYWORDS)
    assert ("gradients" in kwargs) != ("step" in kwargs)
    assert isinstance(kwargs["X"], np.ndarray) and isinstance(kwargs["Y"], np.ndarray)
    if "loss_fn" in kwargs:
        function = kwargs["loss_fn"]
        value = function() if takes_no_arguments(function) else function(kwargs["X"], kwargs["Y"])
        assert np.isfinite(value)


@pytest.mark.parametrize("style, bug, expected", CASES)
def test_the_corpus_helpers_put_the_learner_arrays_back(style, bug, expected):
    module = STYLES[style]
    kwargs = module.make(bug)
    snapshot = snapshot_of(kwargs)
    module.own_gradients(kwargs)
    assert snapshot.problems() == []


def test_the_corpus_covers_every_bug_id():
    named = {expected for module in STYLES.values() for expected in module.BUGS.values()}
    assert named == {"match", "missing-mean", "wrong-scale", "sign-flip", "derivative-at-activation",
                     "missing-output-derivative", "missing-hidden-derivative", "bias-wrong-axis", "transposed",
                     "stale-weights", "loss-mismatch"}
    assert all(module.BUGS.get("correct") == "match" and 3 <= len(module.BUGS) - 1 <= 4
               for module in STYLES.values())


# -- compare on the corpus --------------------------------------------------------------------------------

@pytest.mark.parametrize("style, bug, expected", CASES)
def test_compare_names_the_planted_bug_without_hints(style, bug, expected):
    report = shapecheck.compare(**STYLES[style].make(bug))
    first = report.diagnoses[0]
    assert first.bug.split(" + ")[0] == expected or expected in first.bugs, str(report)
    assert report.ok == (expected == "match"), str(report)


@pytest.mark.parametrize("style, bug, expected", CASES)
def test_learner_arrays_are_restored(style, bug, expected):
    kwargs = STYLES[style].make(bug)
    snapshot = snapshot_of(kwargs)
    error = None
    try:
        shapecheck.compare(**kwargs)
    except Exception as exc:     # noqa: BLE001 - restoration is checked whatever compare did...
        error = exc
    assert snapshot.problems() == []
    if error is not None:        # ...and a corpus program is valid code: compare must not fail on it
        raise error


@pytest.mark.parametrize("style, bug, expected", CACHING_CASES)
def test_a_second_compare_on_the_same_object_gives_the_same_report(style, bug, expected):
    kwargs = STYLES[style].make(bug)
    first = shapecheck.compare(**kwargs)
    second = shapecheck.compare(**kwargs)
    assert json.dumps(second.to_dict(), sort_keys=True) == json.dumps(first.to_dict(), sort_keys=True), \
        f"first:\n{first}\nsecond:\n{second}"
