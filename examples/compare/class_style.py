"""A learner's network as a class: weight and bias LISTS updated in place by train_step (samples as rows).

Run:  python examples/compare/class_style.py
It builds the correct network and one network per mistake, and prints what shapecheck.compare says.
From the command line:  shapecheck compare examples/compare/class_style.py:factory
"""

import numpy as np

import shapecheck


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class TwoLayerNet:
    """[d, h, t], sigmoid everywhere, binary cross-entropy, weights (in, out), biases (1, out)."""

    def __init__(self, d, h, t, seed=0, bug=None):
        rng = np.random.default_rng(seed)
        self.weights = [rng.normal(0, 0.5, size=(d, h)), rng.normal(0, 0.5, size=(h, t))]
        self.biases = [rng.normal(0, 0.1, size=(1, h)), rng.normal(0, 0.1, size=(1, t))]
        self.learning_rate = 0.1
        self.bug = bug

    def train_step(self, X, Y):
        W1, W2 = self.weights
        b1, b2 = self.biases
        m = X.shape[0]
        A1 = sigmoid(X @ W1 + b1)
        A2 = sigmoid(A1 @ W2 + b2)
        dZ2 = A2 - Y if self.bug != "sign-flip" else Y - A2
        scale = 1 / m if self.bug != "missing-mean" else 1.0
        dW2 = A1.T @ dZ2 * scale
        db2 = dZ2.sum(axis=0, keepdims=True) * scale
        if self.bug == "bias-wrong-axis":
            db2 = dZ2.sum() * scale * np.ones_like(b2)           # one number for every unit
        if self.bug == "stale-weights":
            self.weights[1] -= self.learning_rate * dW2           # updated too early...
            W2 = self.weights[1]                                  # ...and then used to send the error back
        dA1 = dZ2 @ W2.T
        s = sigmoid(A1) if self.bug == "derivative-at-activation" else A1
        dZ1 = dA1 * s * (1 - s)
        dW1 = X.T @ dZ1 * scale
        db1 = dZ1.sum(axis=0, keepdims=True) * scale
        self.weights[0] -= self.learning_rate * dW1
        if self.bug != "stale-weights":
            self.weights[1] -= self.learning_rate * dW2
        self.biases[0] -= self.learning_rate * db1
        self.biases[1] -= self.learning_rate * db2


#: The mistakes this style can make, each with the id shapecheck should name.
BUGS = {None: "match", "missing-mean": "missing-mean", "sign-flip": "sign-flip",
        "derivative-at-activation": "derivative-at-activation", "stale-weights": "stale-weights",
        "bias-wrong-axis": "bias-wrong-axis"}


def make(bug=None, d=5, h=3, t=2, n=7, seed=0):
    """The keyword arguments of shapecheck.compare for this learner and one batch of data."""
    rng = np.random.default_rng(seed + 1)
    net = TwoLayerNet(d, h, t, seed, bug)
    X, Y = rng.normal(size=(n, d)), (rng.random((n, t)) > 0.5).astype(float)
    return dict(X=X, Y=Y, params=net, step=net.train_step, activation="sigmoid", output="sigmoid", loss="bce")


def factory():
    return make()


def factory_buggy():
    return make("stale-weights")


if __name__ == "__main__":
    for bug in BUGS:
        print(f"--- learner with {bug or 'no bug'}")
        print(shapecheck.compare(**make(bug)))
