"""Issue 25, habit 5: lines in code built from layer objects. Learners in the two book styles of
layer_learners.py (nnfs's Layer_Dense / Optimizer_SGD.update_params(layer), Saito's OrderedDict of layers and
gradient()), each compared with the convention hints and with only the learner's own loss_fn: every planted
mistake is named and located at its ``# PLANTED`` line, no correct (shared) line is named, and the learner's
arrays are put back exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck.comparison.learner import LearnerCodeError
from shapecheck.comparison.locate import locate
from shapecheck.comparison.locate_scale import locate_scale
from shapecheck.comparison.mutants import candidate_mutants
from tests.shapecheck import layer_learners as layers
from tests.shapecheck.compare_corpus._state import Snapshot
from tests.shapecheck.test_compare import sizes
from tests.shapecheck.test_compare_locate import _study

#: (mistake, step): whether compare runs the learner's train_step (with the optimizer) or its gradients.
#: A sign flipped in the optimizer is only in a step; a gradient of the wrong shape makes the step itself
#: raise (the optimizer's in-place update cannot broadcast it), so it is compared through gradients.
MODES = {"skipped-activation-backward": (True, False), "missing-hidden-derivative": (True, False),
         "missing-mean": (True, False), "sign-flip": (True,), "derivative-at-activation": (True, False),
         "bias-wrong-axis": (False,), "transposed": (False,)}
CASES = [(style, mistake, step, hints) for style in layers.SOURCES for mistake in layers.PLANTS[style]
         for step in MODES[mistake] for hints in (True, False)]


def _compare(style, mistake, tmp_path, **size):
    text = layers.planted(style, mistake)
    module = layers.load(text, tmp_path)
    kwargs = module.factory(**size)
    owner = kwargs.get("step", kwargs.get("gradients")).__self__
    snapshot = Snapshot({"learner": owner})
    report = shapecheck.compare(**kwargs)
    assert snapshot.problems() == []                # the learner's arrays are put back bit for bit
    named = {(location.path, location.line) for location in report.diagnoses[0].locations}
    return report, named, {(str(tmp_path / f"{module.__name__}.py"), line) for line in layers.planted_lines(text)}


@pytest.mark.parametrize("style, mistake, step, hints", CASES,
                         ids=[f"{s}-{m}-{'step' if st_ else 'gradients'}-{'hints' if h else 'loss_fn'}"
                              for s, m, st_, h in CASES])
def test_each_planted_mistake_is_named_at_its_line(style, mistake, step, hints, tmp_path):
    """The diagnosis is the planted mistake and the lines named are exactly the planted ones: the call that
    hands dA on (skipped activation backward), the activation's backward that never masks, the loss layer's
    line that never divides by n, the optimizer's updates, the shared line wrong for every layer."""
    report, named, planted = _compare(style, mistake, tmp_path, hints=hints, step=step)
    assert report.diagnoses[0].bug == layers.BUG[mistake], str(report)
    assert named == planted, str(report)
    assert all(location.hint and location.hint in str(report) for location in report.diagnoses[0].locations)


def test_a_skipped_activation_backward_names_the_call_as_an_argument(tmp_path):
    """``dense1.backward(dense2.dinputs)``: kind "argument", the hint in the learner's names; the shared
    ``self.dinputs = np.dot(dvalues, self.weights.T)`` is right for layer 2 and is not named."""
    report, named, planted = _compare("nnfs", "skipped-activation-backward", tmp_path)
    (location,) = report.diagnoses[0].locations
    assert location.kind == "argument" and "self.dense2.dinputs" in location.hint and "dA1" in location.hint
    assert "np.dot(dvalues, self.weights.T)" not in str(report)


def test_a_sign_flipped_through_weight_updates_names_both_update_lines(tmp_path):
    """``layer.weights -= weight_updates`` with ``weight_updates = -lr * dweights``: the weights' and the
    biases' update lines, not the correct line that negates the step."""
    report, named, planted = _compare("nnfs", "sign-flip", tmp_path)
    assert len(named) == 2 and named == planted
    assert all("+= weight_updates" in f.hint or "+= bias_updates" in f.hint for f in report.diagnoses[0].locations)


@pytest.mark.parametrize("style", list(layers.SOURCES))
@pytest.mark.parametrize("mistake", ["bias-wrong-axis", "transposed"])
def test_a_step_given_a_gradient_of_the_wrong_shape_raises_in_the_learners_update(style, mistake, tmp_path):
    """Through the step, the optimizer's in-place update cannot take the wrong shape: compare says the
    learner's step raised (no diagnosis and no line is made up)."""
    module = layers.load(layers.planted(style, mistake), tmp_path)
    with pytest.raises(LearnerCodeError, match="step"):
        shapecheck.compare(**module.factory(step=True))


@pytest.mark.parametrize("style", list(layers.SOURCES))
@pytest.mark.parametrize("sigmoid", [False, True])
@pytest.mark.parametrize("step", [True, False])
def test_a_correct_layer_learner_has_no_location_whatever_is_looked_for(style, sigmoid, step, tmp_path):
    """Correct programs match; made to look for every mistake (each mutant, a transposed product, a bias
    summed the wrong way, a flipped sign), locate names no line of their shared code."""
    module = layers.load(layers.planted(style, None, sigmoid=sigmoid), tmp_path)
    kwargs = module.factory(step=step)
    assert shapecheck.compare(**kwargs).ok
    learner, X, Y, study, report = _study(module.factory(step=step))
    assert report.verdict == "match"
    net = study.setting.net
    mutants = candidate_mutants(net, lr=learner.lr if learner.step is not None else None)
    mutants += [frozenset({(kind, k)}) for kind in ("transposed", "bias-wrong-axis") for k in (1, 2)]
    for tags in mutants:
        assert locate(learner, X, Y, study.setting, tags) == (), sorted(tags)
    assert locate_scale(learner, X, Y, study.setting, "sign-flip") == ()


PLANTABLE = [(style, mistake, step) for style in layers.SOURCES for mistake in layers.PLANTS[style]
             for step in MODES[mistake]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(PLANTABLE), size=sizes(), hints=st.booleans(), sigmoid=st.booleans())
def test_any_planted_mistake_at_any_size_is_named_at_its_line_or_none(case, size, hints, sigmoid, tmp_path):
    """Hypothesis draws the style, the mistake, the sizes (pairwise distinct), the hints and the hidden
    activation: the diagnosis is the planted mistake, and every line named is a planted one; a line is never
    a correct one."""
    style, mistake, step = case
    size = dict(size)
    seed = size.pop("seed") % 50
    text = layers.planted(style, mistake, sigmoid=sigmoid)
    module = layers.load(text, tmp_path)
    kwargs = module.factory(**size, seed=seed, hints=hints, step=step)
    report = shapecheck.compare(**kwargs)
    assert report.diagnoses[0].bug == layers.BUG[mistake], str(report)
    named = {location.line for location in report.diagnoses[0].locations
             if location.path == str(tmp_path / f"{module.__name__}.py")}
    assert len(named) == len(report.diagnoses[0].locations), str(report)
    assert named <= layers.planted_lines(text), str(report)
    assert named == layers.planted_lines(text), str(report)       # and here, every one of them is placed


FIT_CASES = [(style, mistake) for style in layers.SOURCES for mistake in [None, *layers.PLANTS[style]]
             if mistake is None or True in MODES[mistake]]


@pytest.mark.parametrize("style, mistake", FIT_CASES, ids=[f"{s}-{m or 'correct'}" for s, m in FIT_CASES])
def test_a_step_that_is_a_whole_fit_still_gets_its_line(style, mistake, tmp_path):
    """``step=trainer.fit``: epochs, minibatches, a shuffle of the samples and helpers (``_train_on``,
    ``_get_gradient``) around the step; the planted line is named as for the bare step, a correct one is
    not, and the learner's arrays are put back exactly."""
    text = layers.planted(style, mistake, fit=True)
    module = layers.load(text, tmp_path)
    kwargs = layers.fit_factory(module)
    snapshot = Snapshot({"learner": kwargs["step"].__self__})
    report = shapecheck.compare(**kwargs)
    assert snapshot.problems() == []
    assert report.diagnoses[0].bug == (layers.BUG[mistake] if mistake else "match"), str(report)
    named = {(location.path, location.line) for location in report.diagnoses[0].locations}
    assert named == {(str(tmp_path / f"{module.__name__}.py"), line) for line in layers.planted_lines(text)}, \
        str(report)


def test_the_learners_data_is_not_changed(tmp_path):
    """compare leaves X and the integer labels as they were."""
    module = layers.load(layers.planted("nnfs", "skipped-activation-backward"), tmp_path)
    kwargs = module.factory()
    X, y = kwargs["X"].copy(), kwargs["Y"].copy()
    shapecheck.compare(**kwargs)
    assert np.array_equal(kwargs["X"], X) and np.array_equal(kwargs["Y"], y)


@pytest.mark.parametrize("mistake", ["skipped-activation-backward", "missing-mean", "sign-flip"])
def test_the_layer_objects_example_names_its_marked_lines(mistake):
    """examples/compare/layer_objects.py: each mistake is named at the lines marked ``# mistake: <it>``."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "compare" / "layer_objects.py"
    spec = importlib.util.spec_from_file_location("layer_objects_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    report = shapecheck.compare(**example.make(mistake))
    assert report.diagnoses[0].bug == example.BUGS[mistake]
    marked = {i for i, line in enumerate(path.read_text().splitlines(), 1) if f"# mistake: {mistake}" in line}
    assert {(location.path, location.line) for location in report.diagnoses[0].locations} == \
        {(str(path), line) for line in marked}, str(report)
