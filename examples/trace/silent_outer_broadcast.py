"""A regression error computed with a 1-d target: (n, 1) - (n,) silently becomes (n, n)."""
import numpy as np

rng = np.random.default_rng(2)
n, d = 7, 5
X = rng.normal(size=(n, d))
y = rng.normal(size=n)              # shape (n,), not (n, 1)
w = np.zeros((d, 1))
for step in range(100):
    error = X @ w - y               # BUG: (7, 1) - (7,) -> (7, 7)
    w -= 0.01 * X.T @ error.mean(axis=1, keepdims=True)
print("final loss", float((error ** 2).mean()))
