"""Correct, samples as columns, W stored (in, out) and used as W.T @ X."""
import numpy as np

LAYOUT = "columns-wT"


def init(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    d, h, t = layer_sizes
    return {"W1": rng.normal(0, 0.5, (d, h)), "b1": np.zeros((h, 1)), "W2": rng.normal(0, 0.5, (h, t)),
            "b2": np.zeros((t, 1))}


def backward(p, X, Y):
    m = X.shape[1]
    A1 = 1 / (1 + np.exp(-(p["W1"].T @ X + p["b1"])))
    A2 = 1 / (1 + np.exp(-(p["W2"].T @ A1 + p["b2"])))
    dZ2 = A2 - Y
    dZ1 = (p["W2"] @ dZ2) * A1 * (1 - A1)
    return {"W1": X @ dZ1.T / m, "b1": dZ1.mean(axis=1, keepdims=True),
            "W2": A1 @ dZ2.T / m, "b2": dZ2.mean(axis=1, keepdims=True)}
