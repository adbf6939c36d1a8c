"""Style: learners who write the forward pass as a recursive function over the list of layers
(the first (W, b) pair is applied, the rest of the list is handled by the recursive call), as in
"neural networks and recursion" repositories; rows layout, x @ W + b, layers as a list of tuples.

Planted bug (matmul): the list of layers mixes two conventions: the first weight matrix is
(inputs, outputs) as the rows layout needs, the second was written (outputs, inputs) as in a
column-layout tutorial. The first level of the recursion works, the second fails on the same line:
(7, 3) @ (2, 3).
"""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def feed(a, layers, activations):
    activations.append(a)
    if not layers:
        return a
    W, b = layers[0]
    return feed(sigmoid(a @ W + b), layers[1:], activations)  # BUG


def train_step(X, Y, layers, lr):
    activations = []
    out = feed(X, layers, activations)
    delta = (out - Y) * out * (1 - out)
    for i in reversed(range(len(layers))):
        W, b = layers[i]
        a = activations[i]
        grad_W, grad_b = a.T @ delta, delta.sum(axis=0)
        delta = (delta @ W.T) * a * (1 - a)
        layers[i] = (W - lr * grad_W, b - lr * grad_b)
    return float(np.mean((out - Y) ** 2))


rng = np.random.default_rng(9)
X, Y = rng.normal(size=(7, 5)), rng.random((7, 2))
layers = [(rng.normal(size=(5, 3)), np.zeros(3)),
          (rng.normal(size=(2, 3)), np.zeros(2))]
for step in range(2):
    print("loss", train_step(X, Y, layers, 0.5))
