"""A correct two-layer training loop (samples as rows, distinct sizes): the tracer finds nothing wrong."""
import sys

import numpy as np

rng = np.random.default_rng(5)
n, d, h, t = 7, 5, 3, 2
X = rng.normal(size=(n, d))
Y = np.eye(t)[rng.integers(0, t, n)]
W1, b1 = rng.normal(0, 0.5, size=(d, h)), np.zeros((1, h))
W2, b2 = rng.normal(0, 0.5, size=(h, t)), np.zeros((1, t))
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


for step in range(steps):
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    A2 = softmax(A1 @ W2 + b2)
    loss = -np.mean(np.sum(Y * np.log(A2), axis=1))
    dZ2 = A2 - Y
    dW2 = A1.T @ dZ2 / n
    db2 = np.sum(dZ2, axis=0, keepdims=True) / n
    dZ1 = (dZ2 @ W2.T) * (1 - A1 ** 2)
    dW1 = X.T @ dZ1 / n
    db1 = np.sum(dZ1, axis=0, keepdims=True) / n
    W1 -= 0.5 * dW1
    b1 -= 0.5 * db1
    W2 -= 0.5 * dW2
    b2 -= 0.5 * db2
print(f"loss after {steps} steps: {loss:.4f}")
