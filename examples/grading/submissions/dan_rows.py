"""Buggy: the sigmoid derivative is evaluated at the activation, sigmoid'(A1)."""
import numpy as np

LAYOUT = "rows"


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def init(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    d, h, t = layer_sizes
    return {"W1": rng.normal(0, 0.5, (d, h)), "b1": np.zeros((1, h)), "W2": rng.normal(0, 0.5, (h, t)),
            "b2": np.zeros((1, t))}


def backward(params, X, Y):
    n = X.shape[0]
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    A2 = sigmoid(A1 @ params["W2"] + params["b2"])
    dZ2 = A2 - Y
    dZ1 = (dZ2 @ params["W2"].T) * sigmoid_prime(A1)
    return {"W1": X.T @ dZ1 / n, "b1": dZ1.sum(0, keepdims=True) / n,
            "W2": A1.T @ dZ2 / n, "b2": dZ2.sum(0, keepdims=True) / n}
