"""Issue 24, "never confidently wrong", for compare: every claim of a report is checked against the learner's
own run before it is printed (shapecheck/comparison/audit.py), and says how it was established.

The learners are written as learners write them: a book's layer classes whose cross-entropy adds 1e-7 inside
the log, a blog's XOR class with a squared error on d = 2 inputs and n = 4 samples, a summed squared error
whose hidden layer's backward is wrong. The property test reads every report of the learner zoo with
tests/shapecheck/claims_check.py, which knows nothing of the audit.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import shapecheck
from tests.shapecheck import claims_check, learner_zoo

CHECKED, POSSIBLE = "checked on your run", "possibility"


# -- item 3: a book's cross-entropy with 1e-7 inside the log ----------------------------------------------

def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t, delta=1e-7):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    batch_size = y.shape[0]
    return -np.sum(t * np.log(y + delta)) / batch_size


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class SoftmaxWithLoss:
    def __init__(self, delta, divide):
        self.delta, self.divide = delta, divide

    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        return cross_entropy_error(self.y, self.t, self.delta)

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.divide:
            return (self.y - self.t) / batch_size
        return self.y - self.t                     # the / batch_size forgotten


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, *, delta=1e-7, divide=True, seed=3):
        rng = np.random.default_rng(seed)
        self.params = {"W1": 0.5 * rng.standard_normal((input_size, hidden_size)), "b1": np.zeros(hidden_size),
                       "W2": 0.5 * rng.standard_normal((hidden_size, output_size)), "b2": np.zeros(output_size)}
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Sigmoid1"] = Sigmoid()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = SoftmaxWithLoss(delta, divide)

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {"W1": self.layers["Affine1"].dW, "b1": self.layers["Affine1"].db,
                "W2": self.layers["Affine2"].dW, "b2": self.layers["Affine2"].db}


def _book(n=7, d=5, h=3, t=4, **options):
    rng = np.random.default_rng(0)
    x, labels = rng.standard_normal((n, d)), np.eye(t)[rng.integers(0, t, n)]
    net = TwoLayerNet(d, h, t, **options)
    return shapecheck.compare(x, labels, params=net.params, gradients=net.gradient, loss_fn=net.loss)


def test_a_forgotten_batch_size_under_a_cross_entropy_with_1e_7_is_a_missing_mean_not_a_match():
    report = _book(divide=False)
    assert report.verdict == "mismatch" and report.diagnoses[0].bug == "missing-mean"
    assert "(your loss_fn takes the mean)" in report.diagnoses[0].message
    assert dict((a, s) for a, _, s in report.conventions)["functions"] == "read from your loss_fn's values"
    assert not any("match none of the losses" in note for note in report.notes)
    assert claims_check.contradictions(report.to_dict()) == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(delta=st.sampled_from([1e-5, 1e-7, 1e-8, 1e-10, 1e-12, 1e-15]), n=st.integers(6, 11))
def test_the_book_net_with_any_small_constant_in_its_log(delta, n):
    """Correct, it is a match whose own-loss note agrees; with the / batch_size forgotten, a missing mean."""
    right = _book(n=n, delta=delta)
    assert right.verdict == "match", str(right)
    assert not any(note.startswith(claims_check.OWN_LOSS_DISAGREES) for note in right.notes)
    wrong = _book(n=n, delta=delta, divide=False)
    assert wrong.diagnoses[0].bug == "missing-mean", str(wrong)
    assert claims_check.contradictions(wrong.to_dict()) == claims_check.contradictions(right.to_dict()) == []


def test_a_loss_fn_compare_cannot_read_never_lets_a_match_stand_against_its_finite_differences():
    """1e-3 in the log is more than a stability constant: the loss is not recognised, the gradients (without
    / batch_size) fit a summed loss; its own finite differences say 7 x: the verdict follows them."""
    report = _book(delta=1e-3, divide=False)
    assert report.verdict == "mismatch"
    assert report.diagnoses[0].message.startswith("your gradients are not those of your own loss_fn")
    assert "gradients WRONG" in report.diagnoses[0].message and "if it is a mean, divide by 7" in str(report)
    assert claims_check.contradictions(report.to_dict()) == []


# -- item 4: a blog's XOR class, squared error, d = 2 inputs and n = 4 samples ----------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


class XORNet:
    def __init__(self):
        rng = np.random.default_rng(1)
        self.hidden_weights = rng.uniform(size=(2, 3))
        self.hidden_bias = rng.uniform(size=(1, 3))
        self.output_weights = rng.uniform(size=(3, 1))
        self.output_bias = rng.uniform(size=(1, 1))
        self.lr = 0.1

    def loss(self, X, Y):
        hidden = sigmoid(np.dot(X, self.hidden_weights) + self.hidden_bias)
        return np.mean((Y - sigmoid(np.dot(hidden, self.output_weights) + self.output_bias)) ** 2)

    def train(self, X, Y):
        hidden = sigmoid(np.dot(X, self.hidden_weights) + self.hidden_bias)
        output = sigmoid(np.dot(hidden, self.output_weights) + self.output_bias)
        error = Y - output
        d_output = error
        error_hidden = d_output.dot(self.output_weights.T)
        d_hidden = error_hidden * sigmoid_derivative(hidden)
        self.output_weights += hidden.T.dot(d_output) * self.lr
        self.output_bias += np.sum(d_output, axis=0, keepdims=True) * self.lr
        self.hidden_weights += X.T.dot(d_hidden) * self.lr
        self.hidden_bias += np.sum(d_hidden, axis=0, keepdims=True) * self.lr


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


def test_the_xor_blog_gets_no_divisor_it_does_not_have_and_its_line_is_the_missing_derivative():
    net = XORNet()
    report = shapecheck.compare(XOR_X, XOR_Y, params=net, step=net.train, loss_fn=net.loss)
    first = report.diagnoses[0]
    assert report.verdict == "mismatch" and "loss-mismatch" in first.bugs
    assert "you divide by" not in first.message and "divides by" not in first.message
    assert "not of the 'mse' loss your loss_fn computes" in first.message          # was "not of the revealed by ..."
    assert "n/2 = 4/2" in first.message and "none found in your code" in first.message
    assert [cause.established for cause in first.causes] == [POSSIBLE] * len(first.causes) != []
    (line,) = first.locations
    assert line.source == "d_output = error" and line.established == CHECKED
    assert "sigmoid'(Z2)" in line.hint
    data = report.to_dict()["diagnoses"][0]
    assert {c["established"] for c in data["causes"]} == {POSSIBLE} and data["locations"][0]["established"] == CHECKED
    assert claims_check.absent_causes(report.to_dict(), present=set()) == []


class DividesByFeatures:
    """Samples as rows; the 1/n written as 1/X.shape[1], which is d here."""

    def __init__(self, d, h, t):
        rng = np.random.default_rng(2)
        self.W1, self.b1 = rng.normal(0, 0.5, (d, h)), np.zeros((1, h))
        self.W2, self.b2 = rng.normal(0, 0.5, (h, t)), np.zeros((1, t))

    def gradients(self, X, Y):
        A1 = sigmoid(X @ self.W1 + self.b1)
        dZ2 = sigmoid(A1 @ self.W2 + self.b2) - Y
        dZ1 = (dZ2 @ self.W2.T) * A1 * (1 - A1)
        m = X.shape[1]
        return {"W1": X.T @ dZ1 / m, "b1": dZ1.sum(axis=0, keepdims=True) / m,
                "W2": A1.T @ dZ2 / m, "b2": dZ2.sum(axis=0, keepdims=True) / m}


def test_a_division_by_the_number_of_inputs_is_stated_when_the_learners_run_shows_it():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(7, 5)), (rng.random((7, 2)) > 0.5).astype(float)
    net = DividesByFeatures(5, 3, 2)
    report = shapecheck.compare(X, Y, params=net, gradients=net.gradients, loss="bce", output="sigmoid")
    first = report.diagnoses[0]
    assert first.bug == "wrong-scale"
    (cause,) = first.causes
    assert cause.established == CHECKED and "divides by 5 (" in first.message and "which is also d, the number of inputs" in first.message
    assert "possibly" not in first.message and "/ m" in first.message


class TransposedFirstLayer(DividesByFeatures):
    """Its dW1 is X @ dZ1.T's transpose's shape: (h, d) for a (d, h) W1; the rest is right."""

    def gradients(self, X, Y):
        A1 = sigmoid(X @ self.W1 + self.b1)
        dZ2 = sigmoid(A1 @ self.W2 + self.b2) - Y
        dZ1 = (dZ2 @ self.W2.T) * A1 * (1 - A1)
        n = len(X)
        return {"W1": dZ1.T @ X / n, "b1": dZ1.sum(axis=0, keepdims=True) / n,
                "W2": A1.T @ dZ2 / n, "b2": dZ2.sum(axis=0, keepdims=True) / n}

    def cost(self, X, Y):
        A2 = sigmoid(sigmoid(X @ self.W1 + self.b1) @ self.W2 + self.b2)
        return -np.mean(np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2), axis=1))


def test_a_gradient_of_the_wrong_shape_stays_a_fact_when_the_others_agree_with_the_loss_fn():
    """The own-loss check skips the transposed dW1: its agreement is of the other three only, and says so."""
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(7, 5)), (rng.random((7, 2)) > 0.5).astype(float)
    net = TransposedFirstLayer(5, 3, 2)
    report = shapecheck.compare(X, Y, params=net, gradients=net.gradients, loss_fn=net.cost)
    first = report.diagnoses[0]
    assert first.bug == "transposed" and first.established == CHECKED and not first.message.startswith("possibly")
    assert any(note.endswith("W1 could not be checked") for note in report.notes), report.notes
    assert not any(note.startswith(claims_check.OWN_LOSS_AGREES) for note in report.notes)


# -- item 5: a summed squared error, the hidden layer's backward wrong ------------------------------------

class SummedNet:
    """A summed squared error whose hidden error carries a stray factor (no known mistake: "unknown")."""

    formula_at_z = False            # instead: tanh' written for A (1 - A**2), given Z (a known mistake)

    def __init__(self, d, h, t):
        rng = np.random.default_rng(5)
        self.W1, self.b1 = rng.normal(0, 0.5, (d, h)), np.zeros((1, h))
        self.W2, self.b2 = rng.normal(0, 0.5, (h, t)), np.zeros((1, t))

    def loss(self, X, Y):
        out = np.tanh(X @ self.W1 + self.b1) @ self.W2 + self.b2
        return 0.5 * np.sum((out - Y) ** 2)

    def grads(self, X, Y):
        Z1 = X @ self.W1 + self.b1
        A1 = np.tanh(Z1)
        d_out = A1 @ self.W2 + self.b2 - Y
        if self.formula_at_z:
            d_hidden = (d_out @ self.W2.T) * (1 - Z1 ** 2)       # tanh' written for A, given Z
        else:
            d_hidden = 0.5 * (d_out @ self.W2.T) * (1 - A1 ** 2)  # a stray factor
        return {"W1": X.T @ d_hidden, "b1": d_hidden.sum(axis=0, keepdims=True),
                "W2": A1.T @ d_out, "b2": d_out.sum(axis=0, keepdims=True)}


#: what the learner tells compare: a summed loss declared, its loss_fn, or every function declared
TOLD = [dict(reduction="sum"), dict(loss_fn=True), dict(activation="tanh", output="identity", loss="mse",
                                                         reduction="sum")]


def summed_report(told, formula_at_z=False):
    """compare's report on a SummedNet (5 inputs, 3 hidden units, 2 outputs, 7 samples), told ``told``."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
    net = SummedNet(5, 3, 2)
    net.formula_at_z = formula_at_z
    options = dict(told, loss_fn=net.loss) if told.get("loss_fn") else told
    return shapecheck.compare(X, Y, params=net, gradients=net.grads, **options)


@pytest.mark.parametrize("told", TOLD)
def test_a_summed_loss_with_a_wrong_hidden_backward_is_placed_at_layer_1(told):
    report = summed_report(told)
    status = {row.reference: row.status for row in report.rows}
    assert report.diagnoses[0].bug == "unknown"
    assert status == {"W1": "MISMATCH", "b1": "MISMATCH", "W2": "ok", "b2": "ok"}, str(report)
    assert "the mismatch starts at layer 1" in report.diagnoses[0].message
    assert "layers above it (2) match" in report.diagnoses[0].message
    assert dict((a, w) for a, w, _ in report.conventions)["loss scale"].startswith("the sum over the samples")
    assert claims_check.contradictions(report.to_dict()) == []


@pytest.mark.parametrize("told", TOLD)
def test_tanh_prime_written_for_a_and_given_z_is_named_at_its_line(told):
    """`(1 - Z1 ** 2)`: the derivative's formula in terms of the activation, given the pre-activation."""
    report = summed_report(told, formula_at_z=True)
    first = report.diagnoses[0]
    assert first.bug == "derivative-formula-at-pre-activation", str(report)
    assert "1 - Z**2 is not tanh'(Z)" in first.message
    assert [location.source.strip() for location in first.locations] == [
        "d_hidden = (d_out @ self.W2.T) * (1 - Z1 ** 2)       # tanh' written for A, given Z"]
    assert claims_check.contradictions(report.to_dict()) == []


# -- the whole zoo: no report contradicts itself or states an absent cause --------------------------------

SIZES = st.lists(st.integers(2, 9), min_size=4, max_size=4, unique=True).map(
    lambda s: dict(d=s[0], h=s[1], t=s[2], n=s[3] + 2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=st.sampled_from(["rows", "columns", "columns-wT"]), activation=st.sampled_from(["sigmoid", "tanh"]),
       loss=st.sampled_from(list(learner_zoo.LOSSES)),
       bug=st.sampled_from([None, *learner_zoo.BUGS, *learner_zoo.EXTRA_BUGS]),
       style=st.sampled_from(learner_zoo.STYLES), size=SIZES, seed=st.integers(0, 3),
       mode=st.sampled_from([dict(hints=True), dict(hints=False), dict(hints=False, loss_fn=True)]))
def test_no_zoo_report_contradicts_itself_or_names_an_absent_cause(layout, activation, loss, bug, style, size,
                                                                    seed, mode):
    assume(bug is None and learner_zoo.applicable("sign-flip", activation, loss, style)
           or bug is not None and learner_zoo.applicable(bug, activation, loss, style))
    assume(loss != "softmax-cross-entropy" or size["t"] > 1)
    arguments = learner_zoo.make(layout, activation, loss, bug, seed=seed, **size, **mode, style=style)
    report = shapecheck.compare(**arguments)
    data = report.to_dict()
    assert claims_check.contradictions(data) == [], str(report)
    assert claims_check.absent_causes(data, claims_check.zoo_present(bug, style, size["n"], size["t"])) == [], \
        str(report)
    assert report.diagnoses[0].established == CHECKED, str(report)    # the zoo's own loss is right: no doubt
    if bug is None:
        assert report.verdict == "match", str(report)        # a correct program is never flagged
    if bug == "stray-hidden-factor" and (mode["hints"] or mode.get("loss_fn")):
        status = {row.reference: row.status for row in report.rows}
        assert status["W2"] == status["b2"] == "ok", str(report)


def test_a_mistake_whose_value_is_all_zeros_names_no_line():
    """A bias gradient summed over every axis of a softmax cross-entropy's error is zero (each row of
    A2 - Y sums to 0): zeros match every zero value of the run, so no line can be told from them (the
    update line `param -= lr * grad` was named, with a made-up 'sums over the features axis')."""
    from shapecheck import compare
    from tests.shapecheck import learner_zoo

    arguments = learner_zoo.make("rows", "sigmoid", "softmax-cross-entropy", "bias-wrong-axis", seed=5, d=8, h=5, t=3, n=7)
    report = compare(**arguments)
    assert report.diagnoses[0].bug == "bias-wrong-axis"
    assert report.diagnoses[0].locations == ()


def test_a_factor_is_found_only_in_the_operation_that_makes_it():
    """A mean over samples and 8 outputs written `dZ2 * (2 / Y.shape[1])` scales by 1/4, and a wrong-scale
    learner whose gradients are off by 1/2: the 1/2 must not be 'found' at that line by comparing its result
    with some other array of the same shape (it was: 'line 101 multiplies by 1/2')."""
    from shapecheck import compare
    from tests.shapecheck import learner_zoo

    arguments = learner_zoo.make("rows", "sigmoid", "mse", "wrong-scale", seed=0, d=2, h=3, t=8, n=6, style="mean-all")
    report = compare(**arguments)
    assert "multiplies by 1/2" not in str(report)


# -- review 25: nnfs's binary cross-entropy backward, averaged over the outputs under a unary minus ----------

def test_a_division_under_a_unary_minus_is_found_as_the_cause():
    """``-(Y / A - (1 - Y) / (1 - A)) / outputs``: the run holds the bracket, not its negation, so the value the
    division makes is minus a half of the last one; the cause (a mean over the 2 outputs) is found there, not
    said to be absent, and being another usual scaling of the declared loss it is said to be right if that is
    the learner's loss."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(6, 3)), (rng.random((6, 2)) > 0.5).astype(float)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros((1, 4)), "W2": rng.normal(size=(4, 2)),
              "b2": np.zeros((1, 2))}

    def gradients(X, Y):
        A1 = np.tanh(X @ params["W1"] + params["b1"])
        A2 = 1 / (1 + np.exp(-(A1 @ params["W2"] + params["b2"])))
        outputs = len(A2[0])
        dA2 = -(Y / A2 - (1 - Y) / (1 - A2)) / outputs
        dZ2 = dA2 * A2 * (1 - A2) / len(X)
        dZ1 = dZ2 @ params["W2"].T * (1 - A1 ** 2)
        return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True), "W2": A1.T @ dZ2,
                "b2": dZ2.sum(axis=0, keepdims=True)}

    report = shapecheck.compare(X, Y, params=params, gradients=gradients, activation="tanh", output="sigmoid",
                                loss="bce")
    first = report.diagnoses[0]
    assert first.bug == "wrong-scale" and "none found" not in first.message, str(report)
    assert "divides by 2, the number of outputs t" in first.message and first.causes[0].established == CHECKED
    assert "if that is your loss, this factor is right" in first.message


@pytest.mark.parametrize("layout", ["rows", "columns", "columns-wT"])
def test_the_missing_mean_fix_is_written_in_the_learners_layout(layout):
    """The example a missing-mean diagnosis gives (`dW = ... / n`) runs on the layout's A and dZ and makes a
    gradient of W's shape (n = 7, a layer of 5 inputs and 3 units: a wrong transpose cannot fit)."""
    from reference_nets.layouts import get_layout
    from shapecheck.comparison.messages import MEAN_WEIGHT_GRADIENT

    n, d_in, d_out = 7, 5, 3
    shapes = get_layout(layout)
    rng = np.random.default_rng(0)
    A, dZ = rng.normal(size=shapes.data_shape(n, d_in)), rng.normal(size=shapes.data_shape(n, d_out))
    scope = {"A": A, "dZ": dZ, "n": n}
    exec(MEAN_WEIGHT_GRADIENT[layout], {}, scope)
    assert scope["dW"].shape == shapes.weight_shape(d_in, d_out)


# -- a match that holds only under the loss scale read from the gradients' size --------------------------------

@settings(max_examples=12, deadline=None)
@given(st.sampled_from(["rows", "columns", "columns-wT"]), st.sampled_from(["tanh", "sigmoid"]),
       st.sampled_from(["bce", "softmax-cross-entropy", "mse"]), st.booleans())
def test_a_match_read_under_a_summed_loss_says_so_in_its_own_line(layout, activation, loss, missing_mean):
    """With nothing declared, a summed loss and a mean missing its 1/n give the same gradients: the verdict's
    line carries the condition (a learner reading MATCH alone must not take a missing 1/n for right); with the
    loss declared there is no condition, and the missing 1/n is named."""
    bug = "missing-mean" if missing_mean else None
    size = dict(d=5, h=3, t=4, n=7)
    report = shapecheck.compare(**learner_zoo.make(layout, activation, loss, bug, seed=0, **size, hints=False))
    if missing_mean:
        assert report.diagnoses[0].bug == "match"
        assert "if your loss is the sum over the samples" in report.summary
        assert "they would be 7 times too large (pass loss_fn= to settle it)" in report.summary
    else:
        assert report.summary.endswith("your gradients agree with the reference (up to rounding)"), report.summary
    declared = shapecheck.compare(**learner_zoo.make(layout, activation, loss, bug, seed=0, **size, hints=True))
    assert declared.diagnoses[0].bug == ("missing-mean" if missing_mean else "match")
    assert "as their size says" not in declared.summary
