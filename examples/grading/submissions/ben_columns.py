"""Correct, samples as columns, weights (out, in), parameters as a list."""
import numpy as np

LAYOUT = "columns"


def init(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    d, h, t = layer_sizes
    return [rng.normal(0, 0.5, (h, d)), np.zeros((h, 1)), rng.normal(0, 0.5, (t, h)), np.zeros((t, 1))]


def backward(params, X, Y):
    W1, b1, W2, b2 = params
    m = X.shape[1]
    A1 = 1 / (1 + np.exp(-(W1 @ X + b1)))
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = A2 - Y
    dZ1 = W2.T @ dZ2 * A1 * (1 - A1)
    return [dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m, dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m]
