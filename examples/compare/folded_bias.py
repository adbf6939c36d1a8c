"""The folded-bias style many courses teach: a column of ones appended to each layer's input, and the
bias stored as the last row of each weight matrix (W1 (d+1, h), W2 (h+1, t)); samples as rows.

Run:  python examples/compare/folded_bias.py
"""

import numpy as np

import shapecheck


def with_ones(A):
    return np.hstack([A, np.ones((A.shape[0], 1))])


def gradients(Ws, X, Y, bug=None):
    W1, W2 = Ws
    n = X.shape[0]
    X1 = with_ones(X)                         # (n, d+1)
    A1 = np.tanh(X1 @ W1)                     # (n, h)
    A1_1 = with_ones(A1)                      # (n, h+1)
    A2 = A1_1 @ W2                            # (n, t), identity output, mse
    dZ2 = A2 - Y
    dA1 = dZ2 @ W2[:-1].T                     # the bias row sends no error back
    dZ1 = dA1 * (1 - A1 ** 2)
    m = 1 if bug == "missing-mean" else n
    return [X1.T @ dZ1 / m, A1_1.T @ dZ2 / m]


BUGS = {None: "match", "missing-mean": "missing-mean"}


def make(bug=None, d=5, h=3, t=2, n=7, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(0, 0.5, size=(d + 1, h)), rng.normal(0, 0.5, size=(h + 1, t))]
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
    return dict(X=X, Y=Y, params=Ws, gradients=lambda X, Y: gradients(Ws, X, Y, bug), activation="tanh",
                output="identity", loss="mse")


def factory():
    return make()


if __name__ == "__main__":
    for bug in BUGS:
        print(f"--- learner with {bug or 'no bug'}")
        print(shapecheck.compare(**make(bug)))
