"""A chapter's script in a book's layout: it adds the parent folder to sys.path and imports common/.

The labels are left rank-1, y (n,), so `p - y` in the gradient and `y - t` in common/functions.py both make an
(n, n) silently; the run fails three lines later, at the update. The tracer follows the import into common/,
warns at both lines, and the failing update's explanation names the warned line as the likely cause.

Run:  shapecheck trace examples/trace/book_layout/ch04/logistic_regression.py
"""

import os
import sys

import numpy as np

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from common.functions import mean_squared_error, sigmoid  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(25, 4))
y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype(float)      # BUG: needs .reshape(-1, 1)
w = np.zeros((4, 1))

for step in range(100):
    p = sigmoid(X @ w)
    print("loss", mean_squared_error(p, y))
    dz = p - y
    dw = X.T @ dz / len(y)
    w -= 0.5 * dw
