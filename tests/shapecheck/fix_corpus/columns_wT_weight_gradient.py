"""Samples as columns with W (d_in, d_out) used as W.T @ X: the weight gradient's product is the wrong way round."""
import numpy as np

rng = np.random.default_rng(6)
d, h, t, n = 5, 3, 2, 7
X, Y = rng.normal(size=(d, n)), rng.normal(size=(t, n))
W1, W2 = rng.normal(size=(d, h)), rng.normal(size=(h, t))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


A1 = sigmoid(W1.T @ X)
A2 = W2.T @ A1
delta2 = (A2 - Y) / n
dW2 = A1 @ delta2  # correct: A1 @ delta2.T
delta1 = (W2 @ delta2) * A1 * (1 - A1)
dW1 = X @ delta1.T
GRADS = {"dW1": dW1, "dW2": dW2}
