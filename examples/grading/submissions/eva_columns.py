"""Buggy: the 1/m is missing."""
import numpy as np

LAYOUT = "columns"


def init(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    d, h, t = layer_sizes
    return {"W1": rng.normal(0, 0.5, (h, d)), "b1": np.zeros((h, 1)), "W2": rng.normal(0, 0.5, (t, h)),
            "b2": np.zeros((t, 1))}


def backward(p, X, Y):
    A1 = 1 / (1 + np.exp(-(p["W1"] @ X + p["b1"])))
    A2 = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"])))
    dZ2 = A2 - Y
    dZ1 = p["W2"].T @ dZ2 * A1 * (1 - A1)
    return {"W1": dZ1 @ X.T, "b1": dZ1.sum(axis=1, keepdims=True), "W2": dZ2 @ A1.T,
            "b2": dZ2.sum(axis=1, keepdims=True)}
