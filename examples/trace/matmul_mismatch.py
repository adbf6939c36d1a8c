"""The hidden error of a two-layer network: the weight matrix is used untransposed."""
import numpy as np

rng = np.random.default_rng(1)
n, d, h, t = 7, 5, 3, 2
X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
W1, W2 = rng.normal(size=(d, h)), rng.normal(size=(h, t))

A1 = np.tanh(X @ W1)
dZ2 = A1 @ W2 - Y
dA1 = dZ2 @ W2                      # BUG: should be dZ2 @ W2.T
