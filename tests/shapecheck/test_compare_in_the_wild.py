"""compare() on learner code as it is written: the habits the corpus does not cover one by one, each with
no hints beyond what the code itself says."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import ShapeError, compare
from shapecheck.comparison import study
from tests.shapecheck import learner_zoo


def tanh_net(rng, d=5, h=3, t=2, scale=1.0):
    return {"W1": scale * rng.normal(size=(d, h)), "b1": np.zeros((1, h)), "W2": scale * rng.normal(size=(h, t)),
            "b2": np.zeros((1, t))}


def tanh_gradients(params, X, Y, *, at_activation=False, mean=True, l2=0.0):
    """A rows-layout learner: tanh hidden, identity output, 1/2 squared error, mean over samples."""
    n = len(X)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.tanh(Z1)
    dZ2 = (A1 @ params["W2"] + params["b2"] - Y) / (n if mean else 1)
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * (1 - np.tanh(A1 if at_activation else Z1) ** 2)
    return {"dW1": X.T @ dZ1 + l2 * params["W1"], "db1": dZ1.sum(axis=0, keepdims=True),
            "dW2": A1.T @ dZ2 + l2 * params["W2"], "db2": dZ2.sum(axis=0, keepdims=True)}


def data(rng, n=7, d=5, t=2):
    return rng.normal(size=(n, d)), rng.normal(size=(n, t))


def test_an_interrupted_step_leaves_every_array_as_it_was_and_the_interrupt_goes_through():
    rng = np.random.default_rng(0)
    params = tanh_net(rng)
    X, Y = data(rng)
    originals = dict(params)
    bits = {k: v.copy() for k, v in params.items()}

    def step(X, Y):
        params["W1"] -= 1.0                      # in place, then the list of arrays is changed, then Ctrl-C
        params["W2"] = np.zeros((3, 2))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compare(X, Y, params=params, step=step, lr=0.1)
    assert all(params[k] is originals[k] and np.array_equal(params[k], bits[k]) for k in params)


@pytest.mark.parametrize("summed", [lambda dZ: dZ.sum(), lambda dZ: dZ.sum(keepdims=True).reshape(1)])
def test_a_bias_gradient_summed_over_every_axis_is_bias_wrong_axis(summed):
    rng = np.random.default_rng(1)
    params = tanh_net(rng)
    X, Y = data(rng)

    def gradients(X, Y):
        grads = tanh_gradients(params, X, Y)
        grads["db1"] = summed(grads["db1"])
        return grads

    report = compare(X, Y, params=params, gradients=gradients)
    assert report.diagnoses[0].bug == "bias-wrong-axis", str(report)


def test_gradients_in_a_list_in_any_order_the_shapes_settle():
    rng = np.random.default_rng(2)
    params = tanh_net(rng)
    X, Y = data(rng)
    report = compare(X, Y, params=params, gradients=lambda X, Y: [tanh_gradients(params, X, Y)[k]
                                                                  for k in ("db2", "dW1", "dW2", "db1")])
    assert report.ok, str(report)


def test_integer_labels_as_a_column_for_softmax_cross_entropy():
    rng = np.random.default_rng(3)
    n, d, h, t = 9, 5, 4, 3
    W1, b1, W2, b2 = rng.normal(size=(d, h)), np.zeros(h), rng.normal(size=(h, t)), np.zeros(t)
    params = [W1, b1, W2, b2]
    X, labels = rng.normal(size=(n, d)), rng.integers(0, t, size=(n, 1))

    def gradients(X, y):
        A1 = np.maximum(X @ W1 + b1, 0)
        scores = A1 @ W2 + b2
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(n), y.ravel()] -= 1
        dscores = probs / n
        dA1 = dscores @ W2.T * (A1 > 0)
        return [X.T @ dA1, dA1.sum(axis=0), A1.T @ dscores, dscores.sum(axis=0)]

    report = compare(X, labels, params=params, gradients=gradients)
    assert report.ok, str(report)
    assert "softmax cross-entropy" in str(report)


def test_data_transposed_relative_to_the_weights_is_said():
    """W stored (out, in) for W @ X, but X and Y handed over with samples as rows (the learner's step
    transposes them): no layout fits the data as given, so it is transposed, and the report says so."""
    rng = np.random.default_rng(4)
    rows = tanh_net(rng)
    params = {k: v.T.copy() for k, v in rows.items()}               # W1 (3, 5), b1 (3, 1), ...
    X, Y = data(rng)

    def gradients(X, Y):
        as_rows = {k: v.T for k, v in params.items()}
        return {k: g.T for k, g in tanh_gradients(as_rows, X, Y).items()}

    report = compare(X, Y, params=params, gradients=gradients)
    assert report.ok and report.layout == "columns", str(report)
    assert "X and Y transposed to fit the parameters" in str(report)


def test_x_and_y_with_different_sample_counts_say_so():
    rng = np.random.default_rng(5)
    params = tanh_net(rng)
    with pytest.raises(ShapeError, match=r"X \(7, 5\) and Y \(6, 2\) share no size.*W1 \(5, 3\)"):
        compare(rng.normal(size=(7, 5)), rng.normal(size=(6, 2)), params=params,
                gradients=lambda X, Y: tanh_gradients(params, X, Y))


def test_l2_weight_decay_is_found_with_its_lambda_not_called_unknown():
    rng = np.random.default_rng(6)
    params = tanh_net(rng)
    X, Y = data(rng)
    report = compare(X, Y, params=params, gradients=lambda X, Y: tanh_gradients(params, X, Y, l2=0.03))
    assert report.ok, str(report)
    assert "your gradients add 0.03 * W" in str(report)
    buggy = compare(X, Y, params=params,
                    gradients=lambda X, Y: tanh_gradients(params, X, Y, l2=0.03, at_activation=True))
    assert buggy.diagnoses[0].bug == "derivative-at-activation", str(buggy)


def test_small_weights_do_not_hide_the_derivative_at_the_activation():
    """With 0.01 * randn weights tanh'(A) and tanh'(Z) differ by about Z**2: at the learner's own weights the
    two backward passes agree to about 1e-6, so only the probe weights tell them apart."""
    rng = np.random.default_rng(7)
    params = tanh_net(rng, scale=0.01)
    X, Y = data(rng)

    def buggy(X, Y):
        return tanh_gradients(params, X, Y, at_activation=True)

    assert compare(X, Y, params=params, gradients=buggy).diagnoses[0].bug == "derivative-at-activation"


def test_without_probe_weights_the_small_weight_case_would_be_a_false_match(monkeypatch):
    """The test above fails without probes: the learner's own point alone cannot see the bug."""
    monkeypatch.setattr(study, "PROBES", 0)
    rng = np.random.default_rng(7)
    params = tanh_net(rng, scale=0.01)
    X, Y = data(rng)
    report = compare(X, Y, params=params, gradients=lambda X, Y: tanh_gradients(params, X, Y, at_activation=True))
    assert report.diagnoses[0].bug == "match"


class _StaleNet:
    """Updates W2 before sending the error back through it; its learning rate is a module constant."""

    def __init__(self, rng):
        self.W1, self.b1 = rng.normal(size=(5, 3)), np.zeros((1, 3))
        self.W2, self.b2 = rng.normal(size=(3, 2)), np.zeros((1, 2))

    def train(self, X, Y):
        n = len(X)
        A1 = np.tanh(X @ self.W1 + self.b1)
        dZ2 = (A1 @ self.W2 + self.b2 - Y) / n
        self.W2 -= STEP * A1.T @ dZ2
        self.b2 -= STEP * dZ2.sum(axis=0, keepdims=True)
        dZ1 = dZ2 @ self.W2.T * (1 - A1 ** 2)
        self.W1 -= STEP * X.T @ dZ1
        self.b1 -= STEP * dZ1.sum(axis=0, keepdims=True)


STEP = 0.3


def test_stale_weights_are_found_without_knowing_the_learning_rate():
    rng = np.random.default_rng(8)
    net = _StaleNet(rng)
    X, Y = data(rng)
    report = compare(X, Y, params=net, step=net.train)
    assert report.diagnoses[0].bug == "stale-weights", str(report)


@pytest.mark.parametrize("bug", ["derivative-at-activation", "missing-mean", None])
def test_the_same_bug_gets_the_same_diagnosis_through_gradients_and_step(bug):
    rng = np.random.default_rng(9)
    params = tanh_net(rng)
    X, Y = data(rng)
    options = dict(at_activation=bug == "derivative-at-activation", mean=bug != "missing-mean")

    def gradients(X, Y):
        return tanh_gradients(params, X, Y, **options)

    def step(X, Y):
        for name, grad in gradients(X, Y).items():
            params[name[1:]] -= 0.05 * grad

    loss_fn = (lambda X, Y: 0.5 * np.sum((np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
                                          - Y) ** 2) / len(X))
    through_gradients = compare(X, Y, params=params, gradients=gradients, loss_fn=loss_fn)
    through_step = compare(X, Y, params=params, step=step, lr=0.05, loss_fn=loss_fn)
    assert through_gradients.diagnoses[0].bug == through_step.diagnoses[0].bug == (bug or "match")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["rows", "columns", "columns-wT"]), st.sampled_from(list(learner_zoo.ACTIVATIONS)),
       st.sampled_from(list(learner_zoo.LOSSES)), st.sampled_from([None, *learner_zoo.BUGS]),
       st.lists(st.integers(3, 9), min_size=4, max_size=4, unique=True), st.integers(0, 10_000))
def test_zoo_learners_with_only_their_own_loss_function(layout, activation, loss, bug, sizes, seed):
    """No activation, output or loss declared: the learner's own cost function settles the conventions,
    and every planted mistake is named, every correct learner a match."""
    if bug is not None and not learner_zoo.applicable(bug, activation, loss):
        return
    d, h, t, n = sizes
    arguments = learner_zoo.make(layout, activation, loss, bug, d=d, h=h, t=t, n=n, seed=seed, hints=False,
                                 loss_fn=True)
    report = compare(**arguments)
    assert report.diagnoses[0].bug == (bug or "match"), str(report)


def test_the_textbook_example_without_hints_and_its_command_line():
    import importlib.util
    from pathlib import Path

    from tests.shapecheck.test_trace_examples import run_cli

    path = Path(__file__).resolve().parents[2] / "examples" / "compare" / "textbook_no_hints.py"
    spec = importlib.util.spec_from_file_location("textbook_no_hints", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert compare(**module.make()).ok
    assert compare(**module.make("derivative-at-activation")).diagnoses[0].bug == "derivative-at-activation"
    assert run_cli("compare", f"{path}:factory").returncode == 0
    buggy = run_cli("compare", f"{path}:factory_buggy")
    assert buggy.returncode == 1 and "derivative-at-activation" in buggy.stdout
    assert "functions: sigmoid hidden, sigmoid output, squared error (inferred" in buggy.stdout


def test_a_declared_l2_coefficient_is_checked():
    rng = np.random.default_rng(6)
    params = tanh_net(rng)
    X, Y = data(rng)

    def gradients(X, Y):
        return tanh_gradients(params, X, Y, l2=0.03)

    assert compare(X, Y, params=params, gradients=gradients, reg=0.03).ok
    report = compare(X, Y, params=params, gradients=gradients, reg=0.015)
    assert report.diagnoses[0].bug == "l2-mismatch" and "reg=0.015 you declared" in report.diagnoses[0].message


class _MomentumNet:
    """Keeps the last gradients (dW1 ...) and momentum velocities (vW1 ...) on the object, shaped like the
    weights: neither are parameters."""

    def __init__(self, rng, bug=None):
        self.W1, self.b1 = rng.normal(size=(5, 3)), np.zeros((1, 3))
        self.W2, self.b2 = rng.normal(size=(3, 2)), np.zeros((1, 2))
        for name in ("W1", "b1", "W2", "b2"):
            setattr(self, "v" + name, np.zeros_like(getattr(self, name)))
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        self.lr, self.mu, self.bug = 0.1, 0.9, bug

    def train(self, X, Y):
        params = {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}
        grads = tanh_gradients(params, X, Y, at_activation=self.bug == "derivative-at-activation")
        for name in params:
            setattr(self, "d" + name, grads["d" + name])
            velocity = self.mu * getattr(self, "v" + name) - self.lr * grads["d" + name]
            setattr(self, "v" + name, velocity)
            getattr(self, name)[...] += velocity


@pytest.mark.parametrize("bug", [None, "derivative-at-activation"])
def test_kept_gradients_and_momentum_velocities_are_not_parameters_and_are_restored(bug):
    rng = np.random.default_rng(10)
    net = _MomentumNet(rng, bug)
    X, Y = data(rng)
    net.train(X, Y)                          # the kept gradients and velocities are no longer zero
    state = {k: v for k, v in vars(net).items() if isinstance(v, np.ndarray)}
    bits = {k: v.copy() for k, v in state.items()}
    report = compare(X, Y, params=net, step=net.train)
    assert report.diagnoses[0].bug == (bug or "match"), str(report)
    assert all(getattr(net, k) is state[k] and np.array_equal(state[k], bits[k]) for k in state)


def test_velocities_outside_params_are_restored_through_the_steps_object():
    rng = np.random.default_rng(11)
    net = _MomentumNet(rng)
    X, Y = data(rng)
    velocity = net.vW1
    report = compare(X, Y, params=[net.W1, net.b1, net.W2, net.b2], step=net.train)
    assert report.ok, str(report)
    assert net.vW1 is velocity and not velocity.any()


@pytest.mark.parametrize("form", ["grads, cost", "generator", "object array"])
def test_gradients_in_more_of_the_forms_learners_return(form):
    rng = np.random.default_rng(12)
    params = tanh_net(rng)
    X, Y = data(rng)

    def gradients(X, Y):
        grads = tanh_gradients(params, X, Y)
        ordered = [grads[k] for k in ("dW1", "db1", "dW2", "db2")]
        if form == "grads, cost":
            return grads, 0.5
        if form == "generator":
            return (g for g in ordered)
        array = np.empty(4, dtype=object)
        array[:] = ordered
        return array

    assert compare(X, Y, params=params, gradients=gradients).ok


def test_float32_weights_trained_with_a_small_learning_rate_are_not_a_false_alarm():
    rng = np.random.default_rng(13)
    params = {k: v.astype(np.float32) for k, v in tanh_net(rng).items()}
    X, Y = data(rng)

    def step(X, Y, at_activation=False):
        grads = tanh_gradients({k: v.astype(float) for k, v in params.items()}, X, Y, at_activation=at_activation)
        for name in params:
            params[name] -= np.float32(0.001) * grads["d" + name].astype(np.float32)

    assert compare(X, Y, params=params, step=step, lr=0.001).ok
    buggy = compare(X, Y, params=params, step=lambda X, Y: step(X, Y, True), lr=0.001)
    assert buggy.diagnoses[0].bug == "derivative-at-activation", str(buggy)


def test_one_sigmoid_output_with_the_targets_as_a_1d_vector_of_zeros_and_ones():
    rng = np.random.default_rng(14)
    X, y = rng.normal(size=(12, 3)), (rng.random(12) > 0.5).astype(float)
    net = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros((1, 4)), "W2": rng.normal(size=(4, 1)), "b2": np.zeros((1, 1))}

    def gradients(X, y):
        y = y.reshape(-1, 1)
        a1 = 1 / (1 + np.exp(-(X @ net["W1"] + net["b1"])))
        e = (1 / (1 + np.exp(-(a1 @ net["W2"] + net["b2"]))) - y) / len(X)
        dz1 = (e @ net["W2"].T) * a1 * (1 - a1)
        return {"W1": X.T @ dz1, "b1": dz1.sum(0, keepdims=True), "W2": a1.T @ e, "b2": e.sum(0, keepdims=True)}

    report = compare(X, y, params=net, gradients=gradients)
    assert report.ok and report.sizes == (3, 4, 1), str(report)


def test_a_tanh_output_derivative_left_out_everywhere_is_named():
    rng = np.random.default_rng(15)
    n, d, h, t = 8, 3, 5, 2
    W1, W2 = rng.normal(0, 0.5, size=(h, d)), rng.normal(0, 0.5, size=(t, h))
    X, Y = rng.normal(size=(d, n)), np.tanh(rng.normal(size=(t, n)))

    def gradients(X, Y):
        H = np.tanh(W1 @ X)
        out = np.tanh(W2 @ H)
        delta = (out - Y) / n                    # tanh'(Z2) forgotten, here and in the error sent back
        return [(W2.T @ delta * (1 - H ** 2)) @ X.T, delta @ H.T]

    report = compare(X, Y, params=[W1, W2], gradients=gradients,
                     loss_fn=lambda X, Y: 0.5 * np.sum((np.tanh(W2 @ np.tanh(W1 @ X)) - Y) ** 2) / n)
    assert report.diagnoses[0].bug == "missing-output-derivative", str(report)
    assert "left out everywhere" in report.diagnoses[0].message


def test_a_step_that_dies_of_a_shape_error_is_explained_in_the_error():
    from shapecheck.comparison.learner import LearnerCodeError

    rng = np.random.default_rng(16)
    params = tanh_net(rng)
    X, Y = data(rng)

    def step(X, Y):
        activations = [X, np.tanh(X @ params["W1"])]
        return np.array(activations)             # layers of different widths: one array cannot hold them

    with pytest.raises(LearnerCodeError, match=r"(?s)raised ValueError.*ragged error.*keep `activations` a Python"):
        compare(X, Y, params=params, step=step, lr=0.1)
