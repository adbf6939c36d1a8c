"""Issue 25, habits 1 and 4: the course exercise's one flat nn_params, and L2 terms as learners write them.

The learner programs are in compare_unrolled/ex4_style.py (the exercise's nnCostFunction returning (J, grad),
Theta1 and Theta2 unrolled column- or row-major, labels 0..t-1 or 1..t, the L2 term in three forms), each
planted mistake's line marked with a ``# locate:`` comment written by reading the code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck.comparison import l2
from shapecheck.errors import ConfigurationError, ShapeError
from tests.shapecheck.compare_unrolled import ex4_style as ex4

HINTS = dict(activation="sigmoid", output="sigmoid", loss="bce")


def _cases():
    """(form, order, base, lambda_, bug): every planted mistake that applies, in every setting."""
    found = []
    for form in ("course", "plain", "half"):
        for order in ("F", "C"):
            for base in (0, 1):
                for lambda_ in ((0.0, 1.5) if form == "course" else (1.5,)):
                    for bug in ex4.BUGS:
                        if (lambda_ == 0.0 and bug in ex4.L2_BUGS) or (form != "course" and bug.startswith("lambda-")):
                            continue
                        found.append((form, order, base, lambda_, bug))
    return found


CASES = _cases()


def _kwargs(form, order, base, lambda_, bug, hints, **sizes):
    kwargs = ex4.make(bug, order=order, base=base, lambda_=lambda_, form=form, **sizes)
    if hints:
        kwargs.pop("loss_fn")
        kwargs.update(HINTS, reg=ex4.l2_declared(form, lambda_) if lambda_ else None)
    return kwargs


@pytest.mark.parametrize("hints", [False, True], ids=["own-loss-only", "hints"])
@pytest.mark.parametrize("form, order, base, lambda_, bug", CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_every_planted_mistake_is_named_at_its_line(form, order, base, lambda_, bug, hints):
    """With only the learner's own cost (J of the (J, grad) pair), or with the conventions and reg= declared in
    the learner's form: the bug is named, at exactly the marked lines, and a correct program MATCHes."""
    kwargs = _kwargs(form, order, base, lambda_, bug, hints)
    vector, before = kwargs["params"], kwargs["params"].copy()
    report = shapecheck.compare(**kwargs)
    assert report.diagnoses[0].bug.split(" + ")[0] == ex4.BUGS[bug], str(report)
    named = {(os.path.abspath(f.path), f.line) for f in report.diagnoses[0].locations}
    assert named == {(os.path.abspath(ex4.__file__), line) for line in ex4.LINES.get(bug, ())}, str(report)
    assert all(f.hint for f in report.diagnoses[0].locations), str(report)
    assert ("column-major" if order == "F" else "row-major") in str(report)
    assert np.array_equal(vector, before) and vector.tobytes() == before.tobytes()


def test_the_report_speaks_of_the_learners_theta():
    """The rows are the learner's slices (Theta1[:, 1:], Theta1[:, 0] (bias)); the bias-regularised mistake
    names the bias columns; how nn_params was read is said."""
    report = shapecheck.compare(**ex4.make("bias-regularised", order="F", base=1))
    text = str(report)
    assert [r.name for r in report.rows] == ["Theta1[:, 1:]", "Theta1[:, 0] (bias)", "Theta2[:, 1:]",
                                             "Theta2[:, 0] (bias)"]
    assert "the biases too (Theta1[:, 0], Theta2[:, 0])" in text
    assert "y's labels 1..4 (Octave's)" in text and "34 = 3*(5+1) + 4*(3+1)" in text
    assert report.to_dict()["diagnoses"][0]["bugs"] == ["l2-on-bias"]


@pytest.mark.parametrize("bug, words", [("lambda-without-m", "7 = m times too large"),
                                        ("lambda-without-2", "the 2 that sum(W**2) differentiates to is missing")])
@pytest.mark.parametrize("hints", [False, True])
def test_a_wrong_lambda_form_says_what_is_missing(bug, words, hints):
    report = shapecheck.compare(**_kwargs("course", "F", 0, 1.5, bug, hints))
    assert words in report.diagnoses[0].message
    if hints:
        assert "reg='1.5/(2*m) * sum(W**2)' you declared" in report.diagnoses[0].message


@settings(max_examples=15, deadline=None)
@given(sizes=st.permutations([2, 3, 4, 5, 6]).map(lambda p: dict(n=p[0] + 5, d=p[1], h=p[2], t=p[3])),
       order=st.sampled_from(["F", "C"]), base=st.sampled_from([0, 1]),
       form=st.sampled_from(["course", "plain", "half"]), lambda_=st.sampled_from([0.0, 0.3, 2.0]),
       hints=st.booleans(), seed=st.integers(0, 50))
def test_a_correct_exercise_matches_at_any_sizes(sizes, order, base, form, lambda_, hints, seed):
    """Pairwise-distinct n, d, h, t, either order, either label base, every L2 form: MATCH, the vector and the
    learner's lambda left as they were."""
    kwargs = _kwargs(form, order, base, lambda_, "correct", hints, seed=seed, **sizes)
    before = kwargs["params"].copy()
    report = shapecheck.compare(**kwargs)
    assert report.verdict == "match", str(report)
    assert f"network [{sizes['d']}, {sizes['h']}, {sizes['t']}]" in report.summary
    assert kwargs["params"].tobytes() == before.tobytes()


def test_a_vector_of_no_exercise_size_says_what_was_expected():
    kwargs = ex4.make("correct")
    kwargs["params"] = kwargs["params"][:-1].copy()
    with pytest.raises(ShapeError) as caught:
        shapecheck.compare(**kwargs)
    message = str(caught.value)
    assert "one flat vector of 33 numbers" in message and "P = h*(d+1) + t*(h+1)" in message
    assert "d = 5 from X (7, 5)" in message and "t = 4 (labels 0..3)" in message
    assert "Y is 1-d" not in message


def test_a_gradient_of_another_length_says_what_was_expected():
    kwargs = ex4.make("correct")
    full = kwargs["gradients"]
    kwargs["gradients"] = lambda X, y: (full(X, y)[0], full(X, y)[1][:-2])
    with pytest.raises(ShapecheckErrorOrLearner) as caught:
        shapecheck.compare(**kwargs)
    assert "expected the gradient of nn_params unrolled like it, 34 numbers" in str(caught.value)


ShapecheckErrorOrLearner = (ShapeError, shapecheck.ShapecheckError)


def test_the_exercise_with_separate_weights_is_unchanged():
    """Theta1 and Theta2 passed as matrices (no flat vector) are read as before."""
    kwargs = ex4.make("correct", order="C")
    vector = kwargs["params"]
    d, h, t = 5, 3, 4
    kwargs["params"] = {"Theta1": vector[:h * (d + 1)].reshape(h, d + 1), "Theta2": vector[h * (d + 1):].reshape(t, h + 1)}
    assert shapecheck.compare(**kwargs).ok


# -- reg= in the learner's own form --------------------------------------------------------------------------

@pytest.mark.parametrize("text, m, term", [("1.5/(2*m) * sum(W**2)", 7, 1.5 / 14), ("1.5/(2m) * np.sum(W ** 2)", 7, 1.5 / 14),
                                           ("1.5 * sum(W**2)", 7, 1.5), ("1.5/2 * np.sum(W * W)", 3, 0.75),
                                           ("0.5 * 0.05 * np.sum(np.square(W))", 9, 0.025),
                                           ("sum(W**2) * 3 / n", 6, 0.5)])
def test_reg_forms_are_read(text, m, term):
    form = l2.parse(text)
    assert form.term(m) == pytest.approx(term) and form.gradient(m) == pytest.approx(2 * term)


@pytest.mark.parametrize("text", ["1.5", "lambda_/(2*m) * sum(W**2)", "1.5 * sum(W)", "__import__('os')",
                                  "1.5 * sum(W**2) + sum(W**2)", "-1 * sum(W**2)"])
def test_a_reg_form_compare_cannot_read_is_refused_with_the_forms(text):
    kwargs = ex4.make("correct")
    with pytest.raises(ConfigurationError) as caught:
        shapecheck.compare(**kwargs, reg=text)
    assert "lambda_/(2*m) * sum(W**2)" in str(caught.value) and caught.value.name == "reg"


def test_a_number_keeps_its_meaning():
    """reg=lambda_/m (compare's own reg / 2 * sum(W**2) form) still MATCHes the course's term."""
    kwargs = _kwargs("course", "F", 0, 1.5, "correct", True)
    kwargs["reg"] = 1.5 / 7
    assert shapecheck.compare(**kwargs).ok


def test_a_found_l2_term_is_said_in_the_learners_forms():
    report = shapecheck.compare(**_kwargs("plain", "C", 0, 0.3, "correct", False))
    line = next(what for aspect, what, _ in report.conventions if aspect == "L2 term")
    assert "lambda_ * sum(W**2) with lambda_ = 0.3" in line and "lambda_/(2m) * sum(W**2) with lambda_ = 4.2" in line


# -- the bias regularised, with separate biases (a CS231n-style dict) ------------------------------------------

def _dict_net(bug, reg=0.05, n=9, d=6, h=4, t=3):
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((n, d)), rng.integers(0, t, n)
    params = {"W1": 0.5 * rng.standard_normal((d, h)), "b1": 0.1 * rng.standard_normal(h),
              "W2": 0.5 * rng.standard_normal((h, t)), "b2": 0.1 * rng.standard_normal(t)}

    def loss(X, y):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        hidden = np.tanh(X @ W1 + b1)
        scores = hidden @ W2 + b2
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        J = -np.log(probs[np.arange(n), y]).mean() + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dscores = probs.copy()
        dscores[np.arange(n), y] -= 1
        dscores /= n
        dhidden = (dscores @ W2.T) * (1 - hidden ** 2)
        grads = {"W1": X.T @ dhidden + reg * W1, "W2": hidden.T @ dscores + reg * W2,
                 "b1": dhidden.sum(axis=0), "b2": dscores.sum(axis=0)}
        if bug:
            grads["b1"] = grads["b1"] + reg * b1     # the mistake: the bias regularised too
            grads["b2"] = grads["b2"] + reg * b2
        return J, grads

    return dict(X=X, Y=y, params=params, gradients=lambda X, y: loss(X, y)[1], loss_fn=lambda X, y: loss(X, y)[0])


def test_a_regularised_bias_is_found_with_separate_biases_too():
    report = shapecheck.compare(**_dict_net(True))
    assert report.diagnoses[0].bug == "l2-on-bias", str(report)
    lines = {f.source for f in report.diagnoses[0].locations}
    assert lines == {"grads[\"b1\"] = grads[\"b1\"] + reg * b1     # the mistake: the bias regularised too",
                     "grads[\"b2\"] = grads[\"b2\"] + reg * b2"}, str(report)
    assert shapecheck.compare(**_dict_net(False)).ok


# -- the example -------------------------------------------------------------------------------------------------

def test_the_example_shows_the_exercise():
    script = Path(__file__).resolve().parents[2] / "examples" / "compare" / "unrolled_course_exercise.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "MATCH: network [4, 5, 3]" in result.stdout
    assert "l2-on-bias" in result.stdout and "l2-mismatch" in result.stdout
    assert "unrolled column-major" in result.stdout


# -- the other ways learners hold y, and a gradient-descent step on the vector ---------------------------------

def test_octave_column_labels_and_one_hot_rows_are_read():
    kwargs = ex4.make("correct", order="F", base=1)
    full = kwargs["gradients"]
    report = shapecheck.compare(kwargs["X"], kwargs["Y"].reshape(-1, 1), params=kwargs["params"],
                                gradients=lambda X, y: full(X, y.ravel()))
    assert report.ok and "labels 1..4" in str(report), str(report)
    kwargs = ex4.make("missing-hidden-derivative", order="C", base=0)
    full = kwargs["gradients"]
    report = shapecheck.compare(kwargs["X"], np.eye(4)[kwargs["Y"]], params=kwargs["params"],
                                gradients=lambda X, Y: full(X, Y.argmax(axis=1)))
    assert report.diagnoses[0].bug == "missing-hidden-derivative", str(report)
    assert [f.line for f in report.diagnoses[0].locations] == sorted(ex4.LINES["missing-hidden-derivative"])


def test_a_step_on_the_flat_vector_is_compared_and_put_back():
    kwargs = ex4.make("derivative-at-activation", order="F", base=0)
    vector, before = kwargs["params"], kwargs["params"].copy()
    full = kwargs.pop("gradients")

    def step(X, y):
        J, grad = full(X, y)
        vector[:] = vector - 0.5 * grad

    report = shapecheck.compare(**kwargs, step=step, lr=0.5)
    assert report.diagnoses[0].bug == "derivative-at-activation", str(report)
    assert {f.line for f in report.diagnoses[0].locations} == ex4.LINES["derivative-at-activation"]
    assert vector.tobytes() == before.tobytes()


def test_when_no_order_explains_the_report_says_so():
    kwargs = ex4.make("correct")
    full = kwargs.pop("gradients")
    report = shapecheck.compare(**kwargs, gradients=lambda X, y: np.sin(full(X, y)[1]) * 3)
    assert report.verdict == "mismatch"
    assert "no order explains your gradients: this one is shown" in str(report)
    assert any("no order of nn_params explains your gradients" in note for note in report.notes)


def test_a_loss_fn_that_regularises_the_biases_too_makes_it_a_possibility():
    """Gradients that are those of the learner's own loss_fn, which adds reg/2 * b**2 too: no mistake in the
    backprop, so l2-on-bias is said as a possibility, with why."""
    kwargs = _dict_net(True)
    params, full = kwargs["params"], kwargs["loss_fn"]
    kwargs["loss_fn"] = lambda X, y: full(X, y) + 0.5 * 0.05 * (np.sum(params["b1"] ** 2) + np.sum(params["b2"] ** 2))
    report = shapecheck.compare(**kwargs)
    assert report.diagnoses[0].bug == "l2-on-bias"
    assert "a mistake only if you did not mean to regularise the biases" in report.diagnoses[0].message
    assert report.diagnoses[0].established == "possibility"
    assert any("your loss_fn regularises the biases too" in note for note in report.notes), str(report)
