"""Issue 25, habit 3: the course's L-layer network (tests/shapecheck/compare_corpus/ng_deep_layers.py), whose
``L_model_backward`` returns a dict holding more than gradients (``dA2, dW3, db3, ..., dA0``), compared through
``gradients=`` (the learner's wrapper) and ``step=`` (forward, backward, update_parameters), with the conventions
declared and with only the learner's own ``compute_cost``: correct programs MATCH, every planted mistake is
named and placed at its line in the course's helpers, and the learner's arrays are put back bit for bit."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck.comparison.collect import Slot
from shapecheck.comparison.learner import LearnerCodeError
from shapecheck.comparison.pairing import pair_gradients
from shapecheck.errors import ShapeError
from tests.shapecheck.compare_corpus import ng_deep_layers as course
from tests.shapecheck.compare_corpus._state import Snapshot

DEPTHS = [[5, 4, 3, 1], [6, 5, 4, 3, 1]]          # m = 7 differs from every size
MODES = {"hints": True, "own-loss": False}


def _cases():
    for bug in course.BUGS:
        for how in course.HOWS.get(bug, ("gradients", "step")):
            for dims in DEPTHS:
                for mode in MODES:
                    yield bug, how, dims, mode


CASES = list(_cases())


def _expected_lines(bug, how) -> set:
    lines = course.LINES.get(f"step-{bug}" if how == "step" and f"step-{bug}" in course.LINES else bug, ())
    return {(os.path.abspath(course.__file__), line) for line in lines}


@pytest.mark.parametrize("bug, how, dims, mode", CASES,
                         ids=[f"{b}-{h}-{len(d) - 1}layers-{m}" for b, h, d, m in CASES])
def test_the_course_network_is_named_and_located(bug, how, dims, mode):
    """A correct course program (a relu derivative masked with A too) MATCHes; each planted mistake is named,
    at its lines and no other, with every hint in the report; the learner's state is put back exactly."""
    kwargs = course.make(bug, dims=dims, how=how, hints=MODES[mode])
    snapshot = Snapshot({"params": kwargs["params"]})
    report = shapecheck.compare(**kwargs)
    assert report.diagnoses[0].bug == course.BUGS[bug], str(report)
    assert list(report.sizes) == dims and report.layout == "columns"
    named = {(os.path.abspath(f.path), f.line) for f in report.diagnoses[0].locations}
    assert named == _expected_lines(bug, how), str(report)
    assert all(f.hint and f.hint in str(report) for f in report.diagnoses[0].locations), str(report)
    assert snapshot.problems() == []


@pytest.mark.parametrize("dims", DEPTHS)
def test_the_activation_gradients_are_left_out_and_said(dims):
    """dA0 (X's shape) and the other dA's are left out of the comparison, in a note that names them."""
    kwargs = course.make("correct", dims=dims)
    report = shapecheck.compare(**kwargs)
    note = next(n for n in report.notes if "left out" in n)
    L = len(dims) - 1
    assert f"returned {3 * L} arrays for {2 * L} parameters" in note
    assert f"dA0 ({dims[0]}, 7), shaped like X" in note
    assert all(f"dA{k} ({dims[k]}, 7)" in note for k in range(1, L))
    assert "by its name (dW1 for W1" in note


def test_a_wrong_dA_prev_names_its_line_and_fix():
    """dA_prev = np.dot(W, dZ) cannot run with distinct sizes: the learner's error, explained at its line."""
    with pytest.raises(LearnerCodeError) as caught:
        shapecheck.compare(**course.make("dA-through-W"))
    text = str(caught.value)
    line = min(course.LINES["dA-through-W"])
    assert f"ng_deep_layers.py:{line}" in text and "`W.T @ dZ` gives" in text


@settings(max_examples=6, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=3, max_size=4, unique=True), st.integers(10, 14))
def test_any_course_network_of_distinct_sizes_matches(hidden, m):
    """Course networks of any depth and pairwise-distinct sizes (one sigmoid output) MATCH with their own cost."""
    dims = [*hidden, 1]
    report = shapecheck.compare(**course.make("correct", dims=dims, m=m))
    assert report.verdict == "match", str(report)


# -- pairing, on its own ------------------------------------------------------------------------------------------

def _slots(params: dict) -> list:
    return [Slot(params, (("item", key),), key) for key in params]


def _params():
    rng = np.random.default_rng(0)
    return {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=(4, 1)), "W2": rng.normal(size=(3, 4)),
            "b2": rng.normal(size=(3, 1))}


@pytest.mark.parametrize("spell", ["d{}", "grad_{}", "{}_grad", "nabla_{}"])
def test_gradients_are_paired_by_their_names(spell):
    """dW1, grad_W1, W1_grad, nabla_W1 go with W1, whatever else the dict holds and in whatever order."""
    params = _params()
    grads = {spell.format(k): v + 1 for k, v in reversed(list(params.items()))}
    grads["cache"] = np.zeros((4, 7))
    pairing = pair_gradients(list(grads.items()), _slots(params), range(4), x_shape=(5, 7))
    assert all(np.array_equal(g, params[k] + 1) for g, k in zip(pairing.found, params))
    assert "cache (4, 7), paired with no parameter" in pairing.note


def test_dtheta_goes_with_theta():
    params = {"Theta1": np.ones((4, 6)), "Theta2": np.ones((1, 5))}
    grads = [("Theta2_grad", np.zeros((1, 5))), ("dTheta1", np.zeros((4, 6))), ("a1", np.zeros((7, 6)))]
    pairing = pair_gradients(grads, _slots(params), range(2), x_shape=(7, 6))
    assert pairing.found[0].shape == (4, 6) and "a1 (7, 6), shaped like X" in pairing.note


def test_unnamed_extras_are_paired_by_shape_when_unambiguous():
    """Keys named after no parameter: each parameter the only array of its shape is taken, the rest left out."""
    params = _params()
    grads = [(f"g{i}", v) for i, v in enumerate(params.values())] + [("extra", np.zeros((2, 7)))]
    pairing = pair_gradients(grads, _slots(params), range(4))
    assert all(g is v for g, (_, v) in zip(pairing.found, grads))
    assert "W1's as g0, the only array left of its shape" in pairing.note and "extra (2, 7)" in pairing.note


def test_ambiguous_extras_are_refused_naming_the_keys():
    """Two unnamed arrays of W2's shape: which is its gradient is not known; the refusal says what was expected."""
    params = _params()
    grads = [("dW1", params["W1"]), ("db1", params["b1"]), ("first", params["W2"]), ("second", params["W2"]),
             ("db2", params["b2"])]
    with pytest.raises(ShapeError) as caught:
        pair_gradients(grads, _slots(params), range(4))
    text = str(caught.value)
    assert "could not pair W2 (first and second share its shape" in text
    assert "dW2, grad_W2 or W2_grad, or the only array of its shape" in text
    assert "Not paired: first (3, 4), second (3, 4)" in text


def test_the_course_example_shows_the_note_and_the_helper_line():
    """examples/compare/course_deep_network.py: dA0 left out in a note, the missing relu derivative at the line
    of relu_backward that copies dA and never masks it (every hidden layer's dZ), from the command line too."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.shapecheck.test_trace_examples import run_cli

    script = Path(__file__).resolve().parents[2] / "examples" / "compare" / "course_deep_network.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "dA0 (5, 7), shaped like X" in result.stdout
    line = next(i for i, text in enumerate(script.read_text().splitlines(), 1)
                if text.strip() == "dZ = np.array(dA, copy=True)")
    assert f"at course_deep_network.py:{line}" in result.stdout
    bad = run_cli("compare", f"{script}:factory_buggy")
    assert bad.returncode == 1 and "missing-hidden-derivative" in bad.stdout


def test_compare_refuses_an_ambiguous_dict_and_puts_everything_back():
    """The course's grads with W2's gradient under two names of no parameter: compare refuses, naming the two
    keys and what it expected for W2, and the learner's dict and arrays are as they were."""
    kwargs = course.make("correct")
    parameters, backward = kwargs["params"], kwargs["gradients"]

    def gradients(X, Y):
        grads = backward(X, Y)
        grads["first"] = grads.pop("dW2")
        grads["second"] = 2 * grads["first"]
        return grads

    snapshot = Snapshot({"params": parameters})
    with pytest.raises(ShapeError) as caught:
        shapecheck.compare(kwargs["X"], kwargs["Y"], params=parameters, gradients=gradients,
                           loss_fn=kwargs["loss_fn"])
    text = str(caught.value)
    assert "could not pair W2 (first and second share its shape" in text and "a gradient named dW2" in text
    assert snapshot.problems() == []


def test_a_shared_helper_line_right_for_another_layer_is_not_named(monkeypatch):
    """relu_backward returning dA unchanged for layer 1 only: the mistake is named, but not at the line of
    linear_activation_backward that every hidden layer runs, which is right for layer 2."""
    def relu_backward(dA, cache):
        dZ = np.array(dA, copy=True)
        if dA.shape[0] == 4:                      # layer 1 only (4 units)
            return dZ
        dZ[cache <= 0] = 0
        return dZ

    monkeypatch.setattr(course, "relu_backward", relu_backward)
    report = shapecheck.compare(**course.make("correct"))
    assert report.diagnoses[0].bug == "missing-hidden-derivative", str(report)
    source = Path(course.__file__).read_text().splitlines()
    shared = next(i for i, text in enumerate(source, 1) if text.strip() == "dZ = relu_backward(dA, activation_cache)")
    copy = relu_backward.__code__.co_firstlineno + 1           # the helper's own copy line, right for layer 2 too
    named = {(os.path.abspath(f.path), f.line) for f in report.diagnoses[0].locations}
    assert (os.path.abspath(course.__file__), shared) not in named, str(report)
    assert (os.path.abspath(__file__), copy) not in named, str(report)
