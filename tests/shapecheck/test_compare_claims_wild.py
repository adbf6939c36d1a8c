"""Issue 24 ("never confidently wrong") on learners written as learners write them, from a review of compare's
reports on programs in the habits of public code: a course's loss() returning (loss, grads) with an L2 term,
a blog's class that sums its loss and has no learning rate, a per-sample SGD loop. Each test is the learner's
own program and what the report said that was not true, or contradicted itself.
"""

from __future__ import annotations

import numpy as np

import shapecheck

CHECKED, POSSIBLE = "checked on your run", "possibility"


# -- an L2 term whose gradient lost its 2: reg * sum(W**2) in the loss, reg * W in the gradient ---------------

class L2Net:
    def __init__(self, seed=221, two=False):
        rng = np.random.default_rng(seed)
        self.params = {"W1": 0.4 * rng.standard_normal((6, 7)), "b1": np.zeros(7),
                       "W2": 0.4 * rng.standard_normal((7, 3)), "b2": np.zeros(3)}
        self.reg = 0.1
        self.two = two

    def loss(self, X, y):
        p = self.params
        N = len(X)
        h = np.maximum(0, X @ p["W1"] + p["b1"])
        s = h @ p["W2"] + p["b2"]
        s = s - s.max(axis=1, keepdims=True)
        prob = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
        data_loss = -np.log(prob[np.arange(N), y]).sum() / N
        reg_loss = self.reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
        ds = prob.copy()
        ds[np.arange(N), y] -= 1
        ds /= N
        dh = ds @ p["W2"].T
        dh[h <= 0] = 0
        k = 2 if self.two else 1
        grads = {"W1": X.T @ dh + k * self.reg * p["W1"],
                 "b1": dh.sum(axis=0),
                 "W2": h.T @ ds + k * self.reg * p["W2"],
                 "b2": ds.sum(axis=0)}
        return data_loss + reg_loss, grads


def _l2_compare(two=False):
    net = L2Net(two=two)
    rng = np.random.default_rng(222)
    X = rng.standard_normal((8, 6))
    y = rng.integers(0, 3, size=8)
    return shapecheck.compare(X=X, Y=y, params=net.params, gradients=net.loss,
                              loss_fn=lambda X, y: net.loss(X, y)[0])


def test_an_l2_term_of_the_wrong_size_shows_in_the_table():
    """The report said MISMATCH with every row ok at 0.0e+00, and 'at your own weights the mistake is too small
    to see': the rows were built with the learner's own L2 term, so an L2 mistake could never show."""
    report = _l2_compare()
    assert report.verdict == "mismatch" and "l2-mismatch" in report.diagnoses[0].bugs
    status = {r.reference: r.status for r in report.rows}
    assert status["W1"] == status["W2"] == "MISMATCH" and status["b1"] == status["b2"] == "ok"
    assert not any("too small to see" in note for note in report.notes)
    assert _l2_compare(two=True).verdict == "match"


# -- a blog's first network: a summed squared error without the 1/2, and no learning rate at all --------------

def sigmoid(x):
    return 1.0 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1.0 - x)


class BlogNetwork:
    def __init__(self, x, y, seed=41):
        rng = np.random.default_rng(seed)
        self.input = x
        self.weights1 = rng.random((self.input.shape[1], 4)) - 0.5
        self.weights2 = rng.random((4, 1)) - 0.5
        self.y = y
        self.output = np.zeros(self.y.shape)

    def feedforward(self):
        self.layer1 = sigmoid(np.dot(self.input, self.weights1))
        self.output = sigmoid(np.dot(self.layer1, self.weights2))

    def backprop(self):
        d_weights2 = np.dot(self.layer1.T, (2 * (self.y - self.output) * sigmoid_derivative(self.output)))
        d_weights1 = np.dot(self.input.T, (np.dot(2 * (self.y - self.output) * sigmoid_derivative(self.output),
                                                  self.weights2.T) * sigmoid_derivative(self.layer1)))
        self.weights1 += d_weights1
        self.weights2 += d_weights2

    def loss(self):
        self.feedforward()
        return np.sum((self.y - self.output) ** 2)


def test_a_step_without_a_learning_rate_is_not_said_to_have_one_of_12():
    """A correct summed loss with `weights += d_weights`: the report said 'the learning rate recovered from the
    step is 12' (2 for the missing 1/2 times 6 samples), marked checked, beside 'learning rate unknown'."""
    rng = np.random.default_rng(42)
    X = rng.random((6, 3))
    y = (rng.random((6, 1)) > 0.5).astype(float)
    nn = BlogNetwork(X, y)

    def step(X, Y):
        nn.input, nn.y = X, Y
        nn.feedforward()
        nn.backprop()

    def loss_fn(X, Y):
        nn.input, nn.y = X, Y
        return nn.loss()

    report = shapecheck.compare(X=X, Y=y, params=nn, step=step, loss_fn=loss_fn)
    message = report.diagnoses[0].message
    assert report.verdict == "match"
    assert "learning rate recovered" not in message and "is 12" not in message
    assert "moves the weights by 12 times the gradient of" in message and "a learning rate of 1" in message
    assert ("loss scale", "the sum of (A - Y)**2 without the 1/2", "read from your loss_fn's values") in \
        report.conventions


# -- functions on a list of weights: a stray 2 in the output error of a summed loss that has the 1/2 ----------

def forward(params, X):
    W1, b1, W2, b2 = params
    H = np.tanh(W1 @ X + b1)
    return H, W2 @ H + b2


def error(params, X, T):
    _, Yhat = forward(params, X)
    return 0.5 * np.sum((Yhat - T) ** 2)


def grads(params, X, T):
    W1, b1, W2, b2 = params
    H, Yhat = forward(params, X)
    dY = 2 * (Yhat - T)
    dW2 = dY @ H.T
    db2 = np.sum(dY, axis=1, keepdims=True)
    dH = W2.T @ dY
    dS = dH * (1 - H ** 2)
    dW1 = dS @ X.T
    db1 = np.sum(dS, axis=1, keepdims=True)
    return [dW1, db1, dW2, db2]


def test_the_line_named_for_a_stray_factor_is_the_one_that_brings_it_in():
    """The cause named `dY = 2 * (Yhat - T)`, checked, but the lines named were the four correct ones after it
    (dW2 = dY @ H.T ...), each 'its factor is not the reference's ... fix it here', marked checked."""
    rng = np.random.default_rng(151)
    params = [rng.normal(0, 0.5, (5, 3)), np.zeros((5, 1)), rng.normal(0, 0.5, (2, 5)), np.zeros((2, 1))]
    X = rng.standard_normal((3, 8))
    T = rng.standard_normal((2, 8))
    report = shapecheck.compare(X=X, Y=T, params=params, gradients=lambda X, T: grads(params, X, T),
                                loss_fn=lambda X, T: error(params, X, T))
    first = report.diagnoses[0]
    assert first.bug == "wrong-scale" and first.causes[0].established == CHECKED
    assert [location.source for location in first.locations] == ["dY = 2 * (Yhat - T)"]
    assert first.locations[0].established == CHECKED


# -- straight-line functions on a dict: db2 without the / n that every other gradient has ----------------------

def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def compute_grads(P, X, Y, db2_divisor):
    n = X.shape[0]
    A1 = 1 / (1 + np.exp(-(X @ P["W1"] + P["b1"])))
    A2 = softmax(A1 @ P["W2"] + P["b2"])
    dZ2 = A2 - Y
    dW2 = A1.T @ dZ2 / n
    db2 = np.sum(dZ2, axis=0, keepdims=True) / db2_divisor
    dZ1 = dZ2 @ P["W2"].T * A1 * (1 - A1)
    dW1 = X.T @ dZ1 / n
    db1 = np.sum(dZ1, axis=0, keepdims=True) / n
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _db2_compare(db2_divisor):
    rng = np.random.default_rng(231)
    P = {"W1": rng.normal(0, 0.6, (4, 6)), "b1": rng.normal(0, 0.1, (1, 6)),
         "W2": rng.normal(0, 0.6, (6, 3)), "b2": rng.normal(0, 0.1, (1, 3))}
    X = rng.standard_normal((13, 4))
    Y = np.eye(3)[rng.integers(0, 3, 13)]
    return shapecheck.compare(X=X, Y=Y, params=P, gradients=lambda X, Y: compute_grads(P, X, Y, db2_divisor),
                              activation="sigmoid", output="softmax", loss="softmax-cross-entropy")


def test_one_gradient_without_its_mean_is_named_alone():
    """db2 = np.sum(dZ2, axis=0) with no / n: the report said 'the mismatch starts at layer 2 (W2, b2)' while
    its table had W2 ok; only b2 was off, by exactly n = 13."""
    report = _db2_compare(1)
    first = report.diagnoses[0]
    assert first.bug == "missing-mean" and "b2 is n = 13 times too large" in first.message
    assert "W2" not in first.message
    other = _db2_compare(13 / 3).diagnoses[0]          # off by 3: no known mistake, and W2 is not named
    assert other.bug == "unknown" and "layer 2 (b2)" in other.message


# -- per-sample SGD on plain arrays, whose total_error sums over the samples --------------------------------------

def test_a_loss_read_on_one_sample_is_not_said_to_be_a_mean():
    """A per-sample step is compared on one sample, where a mean and a sum are the same number: the report said
    'the mean over the samples of 1/2 * sum((A - Y)**2)' of a total_error that sums over the samples."""
    rng = np.random.default_rng(61)
    W1, b1 = rng.standard_normal((5, 6)) * 0.5, np.zeros(6)
    W2, b2 = rng.standard_normal((6, 2)) * 0.5, np.zeros(2)
    learning_rate = 0.05

    def forward(x):
        h = np.tanh(x @ W1 + b1)
        return h, h @ W2 + b2

    def train_epoch(X, T):
        for i in range(len(X)):
            x, t = X[i], T[i]
            h, y = forward(x)
            delta2 = y - t
            delta1 = (delta2 @ W2.T) * (1 - h ** 2)
            W2[...] -= learning_rate * np.outer(h, delta2)
            b2[...] -= learning_rate * delta2
            W1[...] -= learning_rate * np.outer(x, delta1)
            b1[...] -= learning_rate * delta1

    def total_error(X, T):
        E = 0.0
        for x, t in zip(X, T):
            _, y = forward(x)
            E += 0.5 * np.sum((y - t) ** 2)
        return E

    data_rng = np.random.default_rng(62)
    X, T = data_rng.standard_normal((4, 5)), data_rng.standard_normal((4, 2))
    report = shapecheck.compare(X=X, Y=T, params=[W1, b1, W2, b2], step=train_epoch, lr=learning_rate,
                                loss_fn=total_error)
    scale = dict((a, w) for a, w, _ in report.conventions)["loss scale"]
    assert report.verdict == "match"
    assert "mean over the samples of" not in scale and "is not known" in scale


# -- a class with samples as columns whose db1 sums over the units: the update broadcasts b1 ----------------------

class ColumnsNet:
    def __init__(self, seed=241):
        rng = np.random.default_rng(seed)
        self.W1 = rng.normal(0, 0.5, (3, 4))
        self.b1 = np.zeros((3, 1))
        self.W2 = rng.normal(0, 0.5, (2, 3))
        self.b2 = np.zeros((2, 1))
        self.lr = 0.3

    def step(self, X, Y):
        m = X.shape[1]
        A1 = sigmoid(self.W1 @ X + self.b1)
        A2 = sigmoid(self.W2 @ A1 + self.b2)
        dZ2 = A2 - Y
        dZ1 = (self.W2.T @ dZ2) * A1 * (1 - A1)
        dW1, dW2 = dZ1 @ X.T / m, dZ2 @ A1.T / m
        db1 = np.sum(dZ1, axis=0, keepdims=True) / m
        db2 = np.sum(dZ2, axis=1, keepdims=True) / m
        self.W1 = self.W1 - self.lr * dW1
        self.b1 = self.b1 - self.lr * db1
        self.W2 = self.W2 - self.lr * dW2
        self.b2 = self.b2 - self.lr * db2


def test_a_bias_broadcast_by_its_update_is_said_as_seen():
    """The report said 'the gradient of b1 has shape (3, 6)': the learner's db1 is (1, 6); (3, 6) is what the
    update broadcast b1 to. Its table row showed 'inf  nan'."""
    net = ColumnsNet()
    rng = np.random.default_rng(242)
    X = rng.standard_normal((4, 6))
    Y = (rng.random((2, 6)) > 0.5).astype(float)
    report = shapecheck.compare(X=X, Y=Y, params=net, step=net.step)
    first = report.diagnoses[0]
    assert first.bug == "bias-wrong-axis"
    assert first.message.startswith("after your step b1 has shape (3, 6), not its own (3, 1)")
    assert "the gradient of b1 has shape" not in first.message
    assert "line 273 (`self.b1 - self.lr * db1`) applied an update of shape (1, 6)" in first.message
    row = next(line for line in str(report).splitlines() if line.startswith("b1 "))
    assert row.split()[-3:] == ["-", "-", "shape"], row
    assert report.to_dict()["rows"][1]["rel_error"] is None


# -- the zoo's np.mean((A - Y)**2) learner: dZ2 * (2 / Y.shape[1]) is a factor 2/t, not a division by d -------

def test_a_factor_two_over_t_is_not_said_to_divide_by_d():
    """With t = 4 outputs and d = 2 inputs, `dZ2 = dZ2 * (2 / Y.shape[axis_units])` halves dZ2; the report said,
    as checked, 'line 101 divides by 2, the number of inputs d' (hypothesis found it in the claims test)."""
    from tests.shapecheck import learner_zoo
    arguments = learner_zoo.make("rows", "sigmoid", "mse", "missing-mean", seed=0, d=2, h=3, t=4, n=7, hints=True,
                                 style="mean-all")
    first = shapecheck.compare(**arguments).diagnoses[0]
    assert "divides by 2, the number of inputs" not in first.message
    assert all(cause.established == POSSIBLE for cause in first.causes)


def test_the_l2_term_is_said_in_the_learners_own_numbers():
    """self.reg = 0.1 and reg_loss = self.reg * sum(W**2): the report said 'your loss_fn has reg=0.2', and 'not
    reg * W = 0.2 * W ... (a loss reg * sum(W**2) would give 2 * reg * W)', reg meaning 0.2, then 0.1."""
    report = _l2_compare()
    message = report.diagnoses[0].message
    assert "your loss_fn adds 0.1 * sum(W**2), whose gradient is 2 * 0.1 * W = 0.2 * W" in message
    assert "reg" not in message
    l2 = next(source for aspect, _, source in report.conventions if aspect == "L2 term")
    assert l2.startswith("your loss_fn adds 0.1 * sum(W**2)") and "reg=0.2" not in l2
    right = next(source for aspect, _, source in _l2_compare(two=True).conventions if aspect == "L2 term")
    assert right == "your loss_fn adds 0.1 * sum(W**2), whose gradient is 0.2 * W"


def test_a_mistake_within_the_log_constants_allowance_is_not_doubted_by_it():
    """The zoo's stale weights under a softmax cross-entropy with 1e-7 in its logs: the own-loss check agreed only
    up to what that constant moves (3.1e-03 per entry), a larger difference than the mistake's, and the audit
    took that for 'your gradients are those of your own loss_fn' and made the diagnosis a possibility (hypothesis
    found it in the claims test)."""
    from tests.shapecheck import learner_zoo
    arguments = learner_zoo.make("rows", "sigmoid", "softmax-cross-entropy", "stale-weights", seed=3, d=2, h=6, t=7,
                                 n=10, hints=False, loss_fn=True, style="textbook")
    report = shapecheck.compare(**arguments)
    assert report.diagnoses[0].bug == "stale-weights" and report.diagnoses[0].established == CHECKED
    assert any("is not seen by that check" in note for note in report.notes)
