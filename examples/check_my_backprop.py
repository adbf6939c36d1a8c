"""Check your own backprop with finite differences, and find the wrong entry.

Run:  python examples/check_my_backprop.py
A learner's two-layer network (samples as columns, W (out, in)) with a classic bug: the hidden
error uses sigmoid'(A1) where sigmoid'(Z1) was meant. shapecheck says which tensors are wrong and
where, and the step-size sweep shows that it is a bug, not rounding noise.
"""

import numpy as np

import shapecheck

rng = np.random.default_rng(0)
d, h, t, n = 3, 4, 2, 5                                  # pairwise-distinct sizes: no shape coincides
X, Y = rng.normal(size=(d, n)), (rng.random((t, n)) > 0.5).astype(float)
params = {"W1": rng.normal(size=(h, d)), "b1": np.zeros((h, 1)),
          "W2": rng.normal(size=(t, h)), "b2": np.zeros((t, 1))}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss(p):
    A1 = sigmoid(p["W1"] @ X + p["b1"])
    A2 = sigmoid(p["W2"] @ A1 + p["b2"])
    return float(-np.mean(np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2), axis=0)))


def my_gradients(p):
    Z1 = p["W1"] @ X + p["b1"]
    A1 = sigmoid(Z1)
    A2 = sigmoid(p["W2"] @ A1 + p["b2"])
    dZ2 = A2 - Y                                           # (t, n)
    dA1 = p["W2"].T @ dZ2                                  # (h, n)
    dZ1 = dA1 * sigmoid(A1) * (1 - sigmoid(A1))            # BUG: should be sigmoid(Z1) * (1 - sigmoid(Z1))
    return {"W1": dZ1 @ X.T / n, "b1": dZ1.sum(axis=1, keepdims=True) / n,
            "W2": dZ2 @ A1.T / n, "b2": dZ2.sum(axis=1, keepdims=True) / n}


report = shapecheck.check_gradients(loss, params, my_gradients)
print(report)
print()
print(report.sweep())                                      # noise or bug? error versus step size
