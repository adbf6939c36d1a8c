"""Plain functions, samples as rows: the output error is multiplied by tanh' before going through W2."""
import numpy as np

rng = np.random.default_rng(5)
n, d, h, t = 7, 5, 3, 2
X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
W1, b1 = rng.normal(size=(d, h)), np.zeros((1, h))
W2, b2 = rng.normal(size=(h, t)), np.zeros((1, t))

Z1 = X @ W1 + b1
A1 = np.tanh(Z1)
A2 = A1 @ W2 + b2
dZ2 = (A2 - Y) / n
dW2 = A1.T @ dZ2
db2 = dZ2.sum(axis=0, keepdims=True)
dZ1 = dZ2 * (1 - A1 ** 2)  # correct: (dZ2 @ W2.T) * (1 - A1 ** 2)
dW1 = X.T @ dZ1
db1 = dZ1.sum(axis=0, keepdims=True)
GRADS = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
