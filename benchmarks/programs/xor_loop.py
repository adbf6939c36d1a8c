"""A learner's XOR training loop with tiny arrays: the tracer's worst case (numpy calls are cheap here)."""
import sys

import numpy as np

iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
width = int(sys.argv[2]) if len(sys.argv) > 2 else 4
rng = np.random.default_rng(0)
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])
if width > 4:                       # the (256, 256)-layer variant: the same loop with wide arrays
    X = rng.normal(size=(width, width)) / width ** 0.5
    Y = (rng.random((width, 1)) > 0.5).astype(float)
W1, b1 = rng.normal(size=(X.shape[1], width)), np.zeros((1, width))
W2, b2 = rng.normal(size=(width, 1)), np.zeros((1, 1))
n = X.shape[0]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


for i in range(iterations):
    A1 = sigmoid(X @ W1 + b1)
    A2 = sigmoid(A1 @ W2 + b2)
    dZ2 = A2 - Y
    dW2 = A1.T @ dZ2 / n
    db2 = np.sum(dZ2, axis=0, keepdims=True) / n
    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)
    dW1 = X.T @ dZ1 / n
    db1 = np.sum(dZ1, axis=0, keepdims=True) / n
    W1 -= 0.5 * dW1
    b1 -= 0.5 * db1
    W2 -= 0.5 * dW2
    b2 -= 0.5 * db2
