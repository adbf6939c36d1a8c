"""A bias kept as a column (h, 1) in a rows network: the forward pass fails when it is added."""
import numpy as np

rng = np.random.default_rng(7)
X = rng.normal(size=(7, 5))
W1 = rng.normal(size=(5, 3))
b1 = np.zeros((3, 1)) + 0.1
W2 = rng.normal(size=(3, 2))

hidden = np.maximum(0, np.dot(X, W1) + b1)  # correct: np.dot(X, W1) + b1.T
out = np.dot(hidden, W2)
GRADS = {"out": out}
