"""A two-layer network whose backward pass multiplies the output error by the hidden derivative."""
import numpy as np

rng = np.random.default_rng(0)
n, d, h, t = 7, 5, 3, 2
X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
W1, W2 = rng.normal(size=(d, h)), rng.normal(size=(h, t))

Z1 = X @ W1
A1 = np.tanh(Z1)
A2 = A1 @ W2
dZ2 = A2 - Y
dZ1 = dZ2 * (1 - A1 ** 2)          # BUG: forgot to send the error back through W2 (dZ2 @ W2.T)
dW1 = X.T @ dZ1 / n
print("never printed")
