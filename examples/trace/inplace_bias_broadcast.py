"""A bias update whose gradient was summed over every axis, so one number updates every unit."""
import numpy as np

rng = np.random.default_rng(3)
n, d, h = 7, 5, 3
X = rng.normal(size=(n, d))
W, b = rng.normal(size=(d, h)), np.zeros((1, h))
for step in range(10):
    Z = X @ W + b
    dZ = Z - 1.0
    db = np.sum(dZ, axis=(0, 1), keepdims=True) / n   # BUG: (1, 1), should be summed over axis 0 only
    b -= 0.1 * db
print("b", b.round(3))
