"""compare on learner habits found in public code after the corpus was written (a survey of blog posts, course
notebooks and repositories, 2026-11-30; ARCHITECTURE.md, "Known limits"). Each program is our own, in the habit's
style, with pairwise-distinct sizes: gradients as ``(dW_list, db_list)`` built backwards; the learning rate on
an optimizer object, or an ``alpha`` that is not one; a loss named "mse" and computed as torch does; a declared
leaky ReLU with its own slope; Adam; momentum in both forms; L2 in the course form; an unrolled ``(J, grad)``;
one output's weights kept 1-d; stale weights next to L2. Each test fails without the fix it stands for.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck import strategies as sst

SIZES = [2, 6, 5, 3]
N = 11


def _functional(bug):
    """compare's arguments for a functional tanh + softmax net whose backward returns (dW, db) last layer first."""
    rng = np.random.default_rng(51)
    X, labels = rng.standard_normal((N, SIZES[0])), rng.integers(0, SIZES[-1], size=N)
    W = [rng.standard_normal((a, b)) * 0.5 for a, b in zip(SIZES, SIZES[1:])]
    b = [np.zeros(k) for k in SIZES[1:]]

    def forward(X):
        cache = [X]
        for k, (w, c) in enumerate(zip(W, b)):
            z = cache[-1] @ w + c
            if k < len(W) - 1:
                cache.append(np.tanh(z))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                cache.append(e / e.sum(axis=1, keepdims=True))
        return cache

    def backward(X, y):
        cache, m = forward(X), len(X)
        onehot = np.eye(SIZES[-1])[y]
        dz = cache[-1] - onehot if bug != "sign-flip" else onehot - cache[-1]
        dW, db = [], []
        for k in reversed(range(len(W))):
            dW.append(cache[k].T @ dz / m)
            db.append(dz.sum(axis=0, keepdims=(bug == "db-keepdims")) / m)
            if k:
                a = cache[k]
                dz = (dz @ W[k].T) * (1 - (np.tanh(a) if bug == "derivative-at-activation" else a) ** 2)
        return dW, db

    def loss(X, y):
        return float(-np.mean(np.log(forward(X)[-1][np.arange(len(y)), y])))

    return dict(X=X, Y=labels, params=(W, b), gradients=backward, loss_fn=loss)


@pytest.mark.parametrize("bug, expected", [("correct", "match"), ("db-keepdims", "match"),
                                           ("derivative-at-activation", "derivative-at-activation"),
                                           ("sign-flip", "sign-flip")])
def test_gradients_as_a_tuple_of_lists_last_layer_first(bug, expected):
    """``(dW_list, db_list)`` crashed (np.ndim on a ragged list); (1, k) bias gradients were then paired in
    order, so with lists built backwards a right db met the wrong bias."""
    arguments = _functional(bug)
    before = [w.copy() for w in arguments["params"][0]]
    report = shapecheck.compare(**arguments)
    assert report.diagnoses[0].bug == expected, report.summary
    assert report.ok == (expected == "match")
    assert all(np.array_equal(w, c) for w, c in zip(arguments["params"][0], before))


# -- the learning rate, where learners keep it (or keep something named like it) ---------------------------

class _Optimizer:
    """An SGD optimizer object held by the model, its rate at ``optimizer.learning_rate``."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def update(self, layer):
        layer.weights -= self.learning_rate * layer.dweights
        layer.biases -= self.learning_rate * layer.dbiases


class _Dense:
    def __init__(self, rng, n_in, n_out):
        self.weights, self.biases = 0.5 * rng.standard_normal((n_in, n_out)), np.zeros((1, n_out))

    def forward(self, inputs):
        self.inputs = inputs
        return inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights, self.dbiases = self.inputs.T @ dvalues, dvalues.sum(axis=0, keepdims=True)
        return dvalues @ self.weights.T


class _Model:
    """Layer objects and an optimizer object (the habit of a popular book's code); ``alpha`` is a leaky-ReLU
    slope, not a rate, in the model that keeps one."""

    def __init__(self, bug, *, alpha=None, rate=0.1):
        rng = np.random.default_rng(3)
        self.dense1, self.dense2 = _Dense(rng, 5, 3), _Dense(rng, 3, 2)
        self.optimizer = _Optimizer(rate)
        if alpha is not None:
            self.alpha = alpha
        self.bug = bug

    def step(self, X, Y):
        hidden = np.tanh(self.dense1.forward(X))
        out = self.dense2.forward(hidden)
        d = (out - Y) if self.bug == "missing-mean" else (out - Y) / len(X)
        d = self.dense2.backward(d) * (1 - hidden ** 2)
        self.dense1.backward(d)
        for layer in (self.dense1, self.dense2):
            self.optimizer.update(layer)


def _model_arguments(model):
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((7, 5)), rng.standard_normal((7, 2))
    return dict(X=X, Y=Y, params=model, step=model.step, loss="half-sse", reduction="mean", output="identity",
                activation="tanh")


@pytest.mark.parametrize("bug", ["correct", "missing-mean"])
def test_the_learning_rate_is_found_on_the_models_optimizer(bug):
    """``model.optimizer.learning_rate`` was not looked at: the missing 1/n hid in the recovered rate."""
    report = shapecheck.compare(**_model_arguments(_Model(bug)))
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else "missing-mean"), report.summary
    assert "learning rate 0.1 read from the network object (optimizer.learning_rate)" in report.notes


def test_a_number_named_like_a_rate_that_the_step_never_reads_is_not_taken_for_one():
    """``alpha`` (a slope here) was read as the learning rate: a correct learner's gradients were off by 1/alpha."""
    report = shapecheck.compare(**_model_arguments(_Model("correct", alpha=0.5)))
    assert report.ok, report.summary
    assert any(note.startswith("learning rate 0.1 read from the network object (optimizer.learning_rate); "
                               "alpha = 0.5 left out: your step does not use it") for note in report.notes), report.notes


# -- a loss named one way and computed another: torch's MSELoss habit ---------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bug", ["correct", "missing-hidden-derivative"])
def test_a_declared_mse_computed_as_the_mean_over_every_entry_is_read_from_loss_fn(dtype, bug):
    """``np.mean((A - Y)**2)`` over samples AND outputs, declared loss="mse": the loss_fn's scale was refused
    for not being the declared one (a correct learner got wrong-scale 2/t), and a float32 loss_fn matched
    nothing at all."""
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((7, 5)).astype(dtype), rng.standard_normal((7, 3)).astype(dtype)
    W1, W2 = (0.5 * rng.standard_normal((5, 4))).astype(dtype), (0.5 * rng.standard_normal((4, 3))).astype(dtype)

    def loss_fn(X, Y):
        return float(np.mean((np.tanh(X @ W1) @ W2 - Y) ** 2))

    def gradients(X, Y):
        A1 = np.tanh(X @ W1)
        dA2 = 2 * (A1 @ W2 - Y) / Y.size
        dZ1 = dA2 @ W2.T if bug == "missing-hidden-derivative" else (dA2 @ W2.T) * (1 - A1 ** 2)
        return {"W1": X.T @ dZ1, "W2": A1.T @ dA2}

    report = shapecheck.compare(X, Y, params={"W1": W1, "W2": W2}, gradients=gradients, loss_fn=loss_fn,
                                activation="tanh", output="identity", loss="mse")
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else bug), report.summary
    assert any(note.startswith("your loss_fn computes np.mean((A - Y)**2) over samples and outputs, not what the "
                               "declared loss='mse' means here") for note in report.notes), report.notes


# -- a declared leaky ReLU with the learner's own slope ------------------------------------------------------

@pytest.mark.parametrize("slope", [0.01, 0.1, 0.2])
@pytest.mark.parametrize("bug", ["correct", "missing-hidden-derivative"])
def test_a_declared_leaky_relu_takes_the_learners_slope(slope, bug):
    """activation="leaky_relu" was the reference's slope 0.01 only: a correct learner with 0.1 got 'unknown'."""
    rng = np.random.default_rng(12)
    X, Y = rng.standard_normal((7, 5)), rng.standard_normal((7, 2))
    W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))

    def gradients(X, Y):
        Z1 = X @ W1
        A1 = np.where(Z1 > 0, Z1, slope * Z1)
        dZ2 = (A1 @ W2 - Y) / len(X)
        dZ1 = dZ2 @ W2.T if bug == "missing-hidden-derivative" else (dZ2 @ W2.T) * np.where(Z1 > 0, 1.0, slope)
        return {"W1": X.T @ dZ1, "W2": A1.T @ dZ2}

    report = shapecheck.compare(X, Y, params={"W1": W1, "W2": W2}, gradients=gradients, activation="leaky_relu",
                                output="identity", loss="mse")
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else bug), report.summary
    if bug == "correct":
        assert f"leaky ReLU (slope {slope:g})" in str(report), str(report)


# -- an adaptive optimizer inside step= ----------------------------------------------------------------------

class _AdamNet:
    """A network whose step is Adam (bias-corrected, its moments kept beside the weights as m_W1, v_W1...)."""

    def __init__(self, bias_summed_whole=False, adam=True):
        rng = np.random.default_rng(21)
        self.W1, self.b1 = rng.standard_normal((5, 4)), np.zeros((1, 4))
        self.W2, self.b2 = rng.standard_normal((4, 3)), np.zeros((1, 3))
        for name in ("W1", "b1", "W2", "b2"):
            setattr(self, "m_" + name, np.zeros_like(getattr(self, name)))
            setattr(self, "v_" + name, np.zeros_like(getattr(self, name)))
        self.t, self.lr, self.adam, self.bias_summed_whole = 0, 0.01, adam, bias_summed_whole

    def step(self, X, Y):
        A1 = np.tanh(X @ self.W1 + self.b1)
        dZ2 = (A1 @ self.W2 + self.b2 - Y) / len(X)
        dZ1 = (dZ2 @ self.W2.T) * (1 - A1 ** 2)
        db2 = np.full((1, 3), dZ2.sum()) if self.bias_summed_whole else dZ2.sum(axis=0, keepdims=True)
        grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True), "W2": A1.T @ dZ2, "b2": db2}
        self.t += 1
        for name, g in grads.items():
            if not self.adam:
                getattr(self, name)[...] -= self.lr * g
                continue
            m, v = getattr(self, "m_" + name), getattr(self, "v_" + name)
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g * g
            m_hat, v_hat = m / (1 - 0.9 ** self.t), v / (1 - 0.999 ** self.t)
            getattr(self, name)[...] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def _adam_data():
    rng = np.random.default_rng(22)
    return rng.standard_normal((7, 5)), rng.standard_normal((7, 3))


def test_an_adam_step_is_refused_with_what_to_pass_instead():
    """Adam's first update moves every entry by about lr: a correct learner got 'unknown'."""
    net = _AdamNet()
    X, Y = _adam_data()
    with pytest.raises(shapecheck.ConfigurationError, match=r"moved every entry of W1, b1 and W2 by the same "
                                                            r"amount \(0\.01\): an adaptive optimizer's first update"):
        shapecheck.compare(X, Y, params=net, step=net.step)
    assert net.t == 0 and not net.m_W1.any()                 # everything put back


@pytest.mark.parametrize("bias_summed_whole", [False, True])
def test_a_plain_step_is_not_taken_for_an_adaptive_one(bias_summed_whole):
    """A bias gradient summed to one number moves that bias evenly: the step is still compared."""
    net = _AdamNet(bias_summed_whole=bias_summed_whole, adam=False)
    X, Y = _adam_data()
    report = shapecheck.compare(X, Y, params=net, step=net.step, lr=net.lr, activation="tanh", output="identity",
                                loss="mse")
    assert report.diagnoses[0].bug == ("bias-wrong-axis" if bias_summed_whole else "match"), report.summary


# -- L2 regularisation in the course form: lambd / (2m) * sum(W**2) -------------------------------------------

@pytest.mark.parametrize("bug, expected", [
    ("correct", "match"),
    ("missing-mean", "missing-mean"),            # 1/m forgotten on the data term only: the L2 term is right
    ("missing-mean-everywhere", "missing-mean"),  # forgotten on both
    ("l2-no-m", "l2-mismatch"),                  # the L2 term without its 1/m
])
def test_l2_in_the_course_form_with_a_missing_mean(bug, expected):
    """A missing 1/m on the data term alone was diagnosed 'missing-mean + l2-mismatch', the right L2 term
    blamed for the data term's scale."""
    rng = np.random.default_rng(30)
    m, lambd = 7, 0.7
    X, Y = rng.standard_normal((m, 5)), rng.standard_normal((m, 2))
    W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))

    def loss_fn(X, Y):
        A1 = np.tanh(X @ W1)
        return float(0.5 * np.sum((A1 @ W2 - Y) ** 2) / m + lambd / (2 * m) * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))

    def gradients(X, Y):
        A1 = np.tanh(X @ W1)
        dZ2 = A1 @ W2 - Y
        dZ1 = (dZ2 @ W2.T) * (1 - A1 ** 2)
        data = 1.0 if bug.startswith("missing-mean") else 1.0 / m
        l2 = lambd if bug in ("l2-no-m", "missing-mean-everywhere") else lambd / m
        return {"W1": data * X.T @ dZ1 + l2 * W1, "W2": data * A1.T @ dZ2 + l2 * W2}

    report = shapecheck.compare(X, Y, params={"W1": W1, "W2": W2}, gradients=gradients, loss_fn=loss_fn)
    assert report.diagnoses[0].bug == expected, report.summary


# -- the unrolled parameter vector of a course's nnCostFunction ----------------------------------------------

def _nn_cost_function(seed, lambd=0.0):
    """A course's nnCostFunction: data, Theta1 (h, d + 1) and Theta2 (t, h + 1) with the bias folded in as the
    first column, and ``cost(X, y) -> (J, [grad1, grad2])``; ``lambd`` adds an L2 term to the gradients that
    also covers the bias column (the classic mistake)."""
    rng = np.random.default_rng(seed)
    m, d, h, t = 11, 3, 6, 4
    X, labels = rng.standard_normal((m, d)), rng.integers(0, t, size=m)
    Theta1, Theta2 = rng.standard_normal((h, d + 1)), rng.standard_normal((t, h + 1))

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def cost(X, y):
        a1 = np.hstack([np.ones((m, 1)), X])
        a2 = np.hstack([np.ones((m, 1)), sigmoid(a1 @ Theta1.T)])
        a3 = sigmoid(a2 @ Theta2.T)
        Y = np.eye(t)[y]
        J = float(-np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m)
        d3 = a3 - Y
        d2 = (d3 @ Theta2[:, 1:]) * a2[:, 1:] * (1 - a2[:, 1:])
        return J, [d2.T @ a1 / m + lambd / m * Theta1, d3.T @ a2 / m + lambd / m * Theta2]

    return X, labels, Theta1, Theta2, cost


def test_a_cost_function_returning_the_unrolled_gradient_is_read():
    """``return J, grad`` with ``grad`` every gradient flattened into one vector (bias folded in as the first
    column of each Theta): refused as ambiguous, with advice (pass layout=) that did not help."""
    X, labels, Theta1, Theta2, cost = _nn_cost_function(40)

    def unrolled(X, y):
        J, grads = cost(X, y)
        return J, np.concatenate([g.ravel() for g in grads])

    report = shapecheck.compare(X, labels, params={"Theta1": Theta1, "Theta2": Theta2}, gradients=unrolled,
                                loss_fn=lambda X, y: cost(X, y)[0])
    assert report.ok, report.summary


# -- one output kept 1-d: a course notebook's weights_hidden_output (h,) and targets (n,) ----------------------

def _course_notebook(bug, n=9, d=4, h=3, seed=50):
    """Weights (d, h) and a 1-d (h,) for the single output, no biases, 1-d 0/1 targets, a loop over the
    samples accumulating the updates, divided by the number of records at the end."""
    rng = np.random.default_rng(seed)
    features, targets = rng.standard_normal((n, d)), (rng.random(n) > 0.5).astype(float)
    weights = {"weights_input_hidden": rng.normal(scale=d ** -0.5, size=(d, h)),
               "weights_hidden_output": rng.normal(scale=d ** -0.5, size=h)}

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def train_epoch(features, targets):
        w_ih, w_ho = weights["weights_input_hidden"], weights["weights_hidden_output"]
        del_ih, del_ho = np.zeros(w_ih.shape), np.zeros(w_ho.shape)
        for x, y in zip(features, targets):
            hidden = sigmoid(np.dot(x, w_ih))
            output = sigmoid(np.dot(hidden, w_ho))
            error_term = (y - output) * output * (1 - output)
            back = (y - output) if bug == "missing-output-derivative" else error_term
            del_ho += error_term * hidden
            del_ih += (back * w_ho * hidden * (1 - hidden)) * x[:, None]
        records = 1 if bug == "missing-mean" else len(features)
        w_ih += 0.5 * del_ih / records
        w_ho += 0.5 * del_ho / records

    def loss(features, targets):                        # printed every few epochs in the notebook
        hidden = sigmoid(np.dot(features, weights["weights_input_hidden"]))
        return float(0.5 * np.mean((sigmoid(np.dot(hidden, weights["weights_hidden_output"])) - targets) ** 2))

    return dict(X=features, Y=targets, params=weights, step=train_epoch, lr=0.5, loss_fn=loss)


@pytest.mark.parametrize("bug", ["correct", "missing-output-derivative", "missing-mean"])
@pytest.mark.parametrize("hints", [False, True])
def test_one_output_kept_as_a_1d_weight_vector(bug, hints):
    """The (h,) output weights were read as a bias of a [4, 3] network: a correct learner got 'unknown'."""
    declared = dict(activation="sigmoid", output="sigmoid", loss="mse") if hints else {}
    report = shapecheck.compare(**_course_notebook(bug), **declared)
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else bug), report.summary
    assert "network [4, 3, 1]" in report.summary


@settings(max_examples=20, deadline=None)
@given(drawn=sst.layer_sizes(min_hidden=1, max_hidden=1, min_width=2, max_width=9),
       bug=st.sampled_from(["correct", "missing-output-derivative", "missing-mean"]), seed=st.integers(0, 99))
def test_one_output_kept_1d_at_any_sizes(drawn, bug, seed):
    (d, h, _), n = drawn
    report = shapecheck.compare(**_course_notebook(bug, n=n, d=d, h=h, seed=seed))
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else bug), report.summary
    assert f"network [{d}, {h}, 1]" in report.summary


# -- momentum as a deep-learning course writes it: v = beta * v + (1 - beta) * dW ------------------------------

class _MomentumNet:
    """Velocities kept beside the weights (v_W1, v_b1, ...), zero at the start, in one of two forms."""

    def __init__(self, form, bug="correct"):
        rng = np.random.default_rng(60)
        self.W1, self.b1 = rng.standard_normal((5, 3)), np.zeros((1, 3))
        self.W2, self.b2 = rng.standard_normal((3, 2)), np.zeros((1, 2))
        for name in ("W1", "b1", "W2", "b2"):
            setattr(self, "v_" + name, np.zeros_like(getattr(self, name)))
        self.learning_rate, self.beta, self.form, self.bug = 0.1, 0.9, form, bug

    def step(self, X, Y):
        A1 = np.tanh(X @ self.W1 + self.b1)
        dZ2 = (A1 @ self.W2 + self.b2 - Y) / (1 if self.bug == "missing-mean" else len(X))
        dZ1 = (dZ2 @ self.W2.T) * (1 - A1 ** 2)
        grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True), "W2": A1.T @ dZ2,
                 "b2": dZ2.sum(axis=0, keepdims=True)}
        for name, g in grads.items():
            v = getattr(self, "v_" + name)
            v[...] = self.beta * v + ((1 - self.beta) * g if self.form == "moving-average" else g)
            getattr(self, name)[...] -= self.learning_rate * v


@pytest.mark.parametrize("form", ["moving-average", "classic"])
@pytest.mark.parametrize("bug", ["correct", "missing-mean"])
def test_momentum_in_either_form_is_compared_from_its_first_step(form, bug):
    """The moving-average form's first step is (1 - beta) * lr * g: a correct learner was wrong-scale 0.1."""
    net = _MomentumNet(form, bug)
    rng = np.random.default_rng(61)
    X, Y = rng.standard_normal((7, 5)), rng.standard_normal((7, 2))
    report = shapecheck.compare(X, Y, params=net, step=net.step, activation="tanh", output="identity", loss="mse")
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else bug), report.summary
    said = any(note.startswith("momentum in the moving-average form") for note in report.notes)
    assert said == (form == "moving-average"), report.notes


# -- weights updated before the error goes back through them, with an L2 term ---------------------------------

class _L2Net:
    """Samples as columns, L2 in the course form (lambd / m * W in each weight gradient), one update per call."""

    def __init__(self, bug):
        rng = np.random.default_rng(70)
        self.W1, self.b1 = rng.standard_normal((4, 5)), np.zeros((4, 1))
        self.W2, self.b2 = rng.standard_normal((2, 4)), np.zeros((2, 1))
        self.learning_rate, self.lambd, self.bug = 0.3, 0.7, bug

    def step(self, X, Y):
        m = X.shape[1]
        A1 = np.tanh(self.W1 @ X + self.b1)
        dZ2 = (self.W2 @ A1 + self.b2 - Y) / m
        dW2 = dZ2 @ A1.T + self.lambd / m * self.W2
        if self.bug == "stale-weights":
            self.W2 -= self.learning_rate * dW2                  # updated before the error goes back
        dZ1 = (self.W2.T @ dZ2) * (1 - A1 ** 2)
        if self.bug != "stale-weights":
            self.W2 -= self.learning_rate * dW2
        self.b2 -= self.learning_rate * dZ2.sum(axis=1, keepdims=True)
        self.W1 -= self.learning_rate * (dZ1 @ X.T + self.lambd / m * self.W1)
        self.b1 -= self.learning_rate * dZ1.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("bug", ["correct", "stale-weights"])
def test_stale_weights_are_found_next_to_an_l2_term(bug):
    """The stale weight was replayed as W - lr * (the reference's gradient), without the learner's L2 term:
    no mistake explained the gradients ('unknown: the mismatch starts at layer 1')."""
    net = _L2Net(bug)
    rng = np.random.default_rng(71)
    X, Y = rng.standard_normal((5, 7)), rng.standard_normal((2, 7))
    report = shapecheck.compare(X, Y, params=net, step=net.step, activation="tanh", output="identity", loss="mse",
                                reg=net.lambd / 7)
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else "stale-weights"), report.summary


# -- the update rule, at any sizes ------------------------------------------------------------------------------

class _RuleNet:
    """Weights W1 (d, h), W2 (h, t) as attributes, with a learning rate, maybe an unused ``alpha``, and a
    momentum in one of the forms (or none)."""

    def __init__(self, sizes, rate, beta, form, alpha, bug, seed):
        rng = np.random.default_rng(seed)
        d, h, t = sizes
        self.W1, self.W2 = rng.standard_normal((d, h)), rng.standard_normal((h, t))
        self.v_W1, self.v_W2 = np.zeros((d, h)), np.zeros((h, t))
        self.lr, self.beta, self.form, self.bug = rate, beta, form, bug
        if alpha is not None:
            self.alpha = alpha                     # a slope, say: never read by the step

    def step(self, X, Y):
        A1 = np.tanh(X @ self.W1)
        dZ2 = (A1 @ self.W2 - Y) / (1 if self.bug == "missing-mean" else len(X))
        grads = {"W1": X.T @ ((dZ2 @ self.W2.T) * (1 - A1 ** 2)), "W2": A1.T @ dZ2}
        for name, g in grads.items():
            v = getattr(self, "v_" + name)
            if self.form == "none":
                v[...] = g
            else:
                v[...] = self.beta * v + ((1 - self.beta) * g if self.form == "moving-average" else g)
            getattr(self, name)[...] -= self.lr * v


@settings(max_examples=25, deadline=None)
@given(drawn=sst.layer_sizes(min_hidden=1, max_hidden=1, min_width=2, max_width=9),
       rate=st.sampled_from([0.01, 0.1, 0.5]), beta=st.sampled_from([0.5, 0.9, 0.99]),
       form=st.sampled_from(["none", "classic", "moving-average"]), alpha=st.sampled_from([None, 0.2]),
       bug=st.sampled_from(["correct", "missing-mean"]), seed=st.integers(0, 99))
def test_the_update_rule_is_read_at_any_sizes(drawn, rate, beta, form, alpha, bug, seed):
    """Whatever the sizes, rate, momentum form and an unused ``alpha``: a correct step matches and a missing
    1/n is named (the rate is read from ``lr``, never from ``alpha``)."""
    sizes, n = drawn
    net = _RuleNet(sizes, rate, beta, form, alpha, bug, seed)
    rng = np.random.default_rng(seed + 1)
    X, Y = rng.standard_normal((n, sizes[0])), rng.standard_normal((n, sizes[-1]))
    before = (net.W1.copy(), net.W2.copy())
    report = shapecheck.compare(X, Y, params=net, step=net.step, activation="tanh", output="identity", loss="mse")
    assert report.diagnoses[0].bug == ("match" if bug == "correct" else "missing-mean"), report.summary
    assert any(note.startswith(f"learning rate {rate:g} read from the network object (lr)") for note in report.notes)
    assert np.array_equal(net.W1, before[0]) and np.array_equal(net.W2, before[1])


def test_regularising_the_folded_bias_column_is_named_not_a_tie():
    """Regularising the folded bias column (a classic mistake in a course's nnCostFunction) left two readings
    that differ only in where the bias is folded, refused as a tie; it is l2-on-bias (issue 25), at its line."""
    X, labels, Theta1, Theta2, cost = _nn_cost_function(41, lambd=0.9)
    report = shapecheck.compare(X, labels, params=[Theta1, Theta2], gradients=lambda X, y: cost(X, y)[1])
    assert report.diagnoses[0].bug == "l2-on-bias", str(report)
    assert [f.line for f in report.diagnoses[0].locations] == [306], str(report)
    assert "pass layout=" not in str(report)


# -- the example of these habits: examples/compare/course_notebook.py ---------------------------------------

def test_the_course_notebook_example_and_its_command_line():
    """1-d output weights, a moving-average momentum, ``learnrate`` beside an ``alpha``; and the report's
    notes speak only of the reading it kept (a note from another reading, 'your loss_fn's values match none of
    the losses', contradicted 'functions: ... read from your loss_fn's values')."""
    import importlib.util
    from pathlib import Path

    from tests.shapecheck.test_trace_examples import run_cli

    path = Path(__file__).resolve().parents[2] / "examples" / "compare" / "course_notebook.py"
    spec = importlib.util.spec_from_file_location("course_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    good, bad = shapecheck.compare(**module.make()), shapecheck.compare(**module.make("missing-output-derivative"))
    assert good.ok and bad.diagnoses[0].bug == "missing-output-derivative", bad.summary
    for report in (good, bad):
        assert "learning rate 0.5 read from the network object (learnrate)" in report.notes
        assert any(note.startswith("momentum in the moving-average form") for note in report.notes)
        assert ("functions", "sigmoid hidden, sigmoid output, squared error",
                "read from your loss_fn's values") in report.conventions
        assert not any("match none of the losses" in note for note in report.notes), report.notes
        assert sum(note.startswith("the optimiser's state") for note in report.notes) == 1, report.notes
    assert run_cli("compare", f"{path}:factory").returncode == 0
    buggy = run_cli("compare", f"{path}:factory_buggy")
    assert buggy.returncode == 1 and "missing-output-derivative" in buggy.stdout


def test_a_network_of_neuron_dicts_is_refused_naming_what_it_holds():
    """A blog's network of layers of neuron dicts holding Python float lists (``neuron['weights']``) is no
    form compare reads: the refusal says what was found, in the learner's own indexing."""
    network = [[{"weights": [0.1, 0.2, 0.3], "output": 0.5, "delta": 0.0} for _ in range(3)],
               [{"weights": [0.4, 0.5, 0.6, 0.7], "output": 0.5, "delta": 0.0} for _ in range(2)]]
    X, Y = np.ones((5, 2)), np.eye(2)[[0, 1, 0, 1, 1]]
    with pytest.raises(shapecheck.ShapecheckError) as caught:
        shapecheck.compare(X, Y, params=network, step=lambda X, Y: None, lr=0.5)
    assert ("found: params is a list of 2; params[0] is a list of 3; params[0][0] is a dict ('weights', 'output', "
            "'delta'); params[0][0]['weights'] is a list of 3; params[0][0]['weights'][0] is a float") \
        in str(caught.value)
