"""Style: the learner's network class lives in its own module (mynet.py) and a separate training
script imports it (train.py, `from mynet import MyNet`); rows layout with 1-d biases, the way the
"class NeuralNetwork: self.weights1 ..." tutorials and CS231n write x @ W + b.

Planted bug (broadcast): backward multiplies the output error by the hidden layer's derivative
without sending it back through W2 first: delta2 * self.a1 * (1 - self.a1) instead of
(delta2 @ self.W2.T) * self.a1 * (1 - self.a1).
"""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class MyNet:
    def __init__(self, n_in, n_hidden, n_out, seed=5):
        rng = np.random.default_rng(seed)
        self.W1 = rng.standard_normal((n_in, n_hidden)) * 0.3
        self.b1 = np.zeros(n_hidden)
        self.W2 = rng.standard_normal((n_hidden, n_out)) * 0.3
        self.b2 = np.zeros(n_out)

    def forward(self, X):
        self.X = X
        self.a1 = sigmoid(X @ self.W1 + self.b1)
        self.out = self.a1 @ self.W2 + self.b2
        return self.out

    def backward(self, Y, lr):
        delta2 = (self.out - Y) / len(Y)
        delta1 = delta2 * self.a1 * (1 - self.a1)  # BUG
        self.W2 -= lr * self.a1.T @ delta2
        self.b2 -= lr * delta2.sum(axis=0)
        self.W1 -= lr * self.X.T @ delta1
        self.b1 -= lr * delta1.sum(axis=0)
