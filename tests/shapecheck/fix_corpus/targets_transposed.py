"""Regression targets stored (t, n), one row per output, against (n, t) outputs of a rows network."""
import numpy as np

rng = np.random.default_rng(8)
n, d, h, t = 7, 5, 3, 2
X = rng.normal(size=(n, d))
targets = rng.normal(size=(t, n))
W1, W2 = rng.normal(size=(d, h)), rng.normal(size=(h, t))
A1 = np.tanh(X @ W1)
A2 = A1 @ W2
err = A2 - targets  # correct: A2 - targets.T
dW2 = A1.T @ err / n
GRADS = {"dW2": dW2}
