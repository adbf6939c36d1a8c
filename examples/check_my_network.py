"""Check a learner's own network class with shapecheck.check_network.

A class as learners write it: weights and biases as attributes, a loss and a backward pass. check_network
needs three things from it: ``params`` (the arrays themselves), ``loss(X, Y)`` and ``gradients(X, Y)``
returning the same keys. Here the backward pass takes sigmoid' at the activation A1 instead of the
pre-activation Z1, and the report names the tensor and the entry.

    python examples/check_my_network.py
"""

import numpy as np

import shapecheck


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class TwoLayerNet:
    """Samples as rows: X (n, d), W1 (d, h), W2 (h, t); sigmoid hidden layer, linear output, mean squared error."""

    def __init__(self, d, h, t, seed=0):
        rng = np.random.default_rng(seed)
        self.W1, self.b1 = rng.normal(size=(d, h)) / np.sqrt(d), np.zeros((1, h))
        self.W2, self.b2 = rng.normal(size=(h, t)) / np.sqrt(h), np.zeros((1, t))

    @property
    def params(self):                                   # the arrays themselves: the checker moves them in place
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def loss(self, X, Y):
        A1 = sigmoid(X @ self.W1 + self.b1)
        return 0.5 * np.mean(np.sum((A1 @ self.W2 + self.b2 - Y) ** 2, axis=1))

    def gradients(self, X, Y):
        n = X.shape[0]
        Z1 = X @ self.W1 + self.b1
        A1 = sigmoid(Z1)
        dZ2 = (A1 @ self.W2 + self.b2 - Y) / n
        dZ1 = (dZ2 @ self.W2.T) * sigmoid_prime(A1)    # the bug: sigmoid_prime(Z1)
        return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True),
                "W2": A1.T @ dZ2, "b2": dZ2.sum(axis=0, keepdims=True)}


rng = np.random.default_rng(1)
X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))      # n=7, d=5, h=3, t=2: no two sizes alike
report = shapecheck.check_network(TwoLayerNet(5, 3, 2), X, Y)
print(report)
