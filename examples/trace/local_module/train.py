"""Calls a helper with a shape bug; the tracer points at the helper's own line."""
import numpy as np

from layers import dense_backward

rng = np.random.default_rng(4)
n, d, h, t = 7, 5, 3, 2
X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
W1, W2 = rng.normal(size=(d, h)), rng.normal(size=(h, t))
A1 = np.tanh(X @ W1)
A2 = A1 @ W2
dW2, db2, dA1 = dense_backward(A2 - Y, A1, W2)
