"""compare names the activation derivative written for the activation's output (``a * (1 - a)``, ``1 - a**2``)
and given the pre-activation z: ``sigmoid_derivative(z1)`` with a helper that computes ``x * (1 - x)``, a
blog's habit. It was "unknown" before. Our own learner program in that style, with pairwise-distinct sizes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)          # written for the activation's output


def tanh_derivative(x):
    return 1 - x ** 2           # written for the activation's output


class BlogNet:
    """Samples as rows, a squared error, each derivative through a helper written for the activation's output;
    ``given_z``: the hidden layer's helper is given z1 (the mistake) instead of a1."""

    def __init__(self, d, h, t, hidden, given_z, seed):
        rng = np.random.default_rng(seed)
        self.W1, self.b1 = rng.normal(0, 0.5, (d, h)), np.zeros((1, h))
        self.W2, self.b2 = rng.normal(0, 0.5, (h, t)), np.zeros((1, t))
        self.hidden, self.given_z, self.lr = hidden, given_z, 0.5

    def train(self, X, Y):
        z1 = X @ self.W1 + self.b1
        a1 = sigmoid(z1) if self.hidden == "sigmoid" else np.tanh(z1)
        a2 = sigmoid(a1 @ self.W2 + self.b2)
        m = X.shape[0]
        d2 = (a2 - Y) * sigmoid_derivative(a2)
        if self.hidden == "sigmoid":
            d1 = (d2 @ self.W2.T) * sigmoid_derivative(z1 if self.given_z else a1)
        else:
            d1 = (d2 @ self.W2.T) * tanh_derivative(z1 if self.given_z else a1)
        self.W2 -= self.lr * a1.T @ d2 / m
        self.b2 -= self.lr * d2.sum(axis=0, keepdims=True) / m
        self.W1 -= self.lr * X.T @ d1 / m
        self.b1 -= self.lr * d1.sum(axis=0, keepdims=True) / m


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=4, max_size=4, unique=True), st.sampled_from(["sigmoid", "tanh"]),
       st.booleans(), st.integers(0, 2**16))
def test_a_derivative_written_for_the_activation_and_given_z_is_named_at_its_line(sizes, hidden, given_z, seed):
    d, h, t, n = sizes
    rng = np.random.default_rng(seed + 1)
    X, Y = rng.normal(size=(n, d)), (rng.random((n, t)) > 0.5).astype(float)
    net = BlogNet(d, h, t, hidden, given_z, seed)
    report = shapecheck.compare(X, Y, params=net, step=net.train)
    first = report.diagnoses[0]
    if not given_z:
        assert first.bug == "match", str(report)
        return
    assert first.bug == "derivative-formula-at-pre-activation", str(report)
    form = "Z * (1 - Z)" if hidden == "sigmoid" else "1 - Z**2"
    assert f"{form} is not {hidden}'(Z)" in first.message
    helper = "sigmoid_derivative" if hidden == "sigmoid" else "tanh_derivative"
    assert [location.source.strip() for location in first.locations] == [
        f"d1 = (d2 @ self.W2.T) * {helper}(z1 if self.given_z else a1)"], str(report)
    assert first.locations[0].hint.startswith(f"{helper}(...) computes ")
    assert "the pre-activation Z1: give it A1" in first.locations[0].hint
    assert {row.reference: row.status for row in report.rows} == {"W1": "MISMATCH", "b1": "MISMATCH", "W2": "ok",
                                                                  "b2": "ok"}
