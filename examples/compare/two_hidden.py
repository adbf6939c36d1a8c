"""Two hidden layers (tanh), softmax + cross-entropy, samples as rows, gradients returned as a list.

W2 is square (h1 == h2) on purpose: a transposed dW2 has the right shape, and only the values show it.
Run:  python examples/compare/two_hidden.py
"""

import numpy as np

import shapecheck


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gradients(params, X, Y, bug=None):
    W1, b1, W2, b2, W3, b3 = params
    n = X.shape[0]
    A1 = np.tanh(X @ W1 + b1)
    A2 = np.tanh(A1 @ W2 + b2)
    A3 = softmax(A2 @ W3 + b3)
    dZ3 = A3 - Y
    dZ2 = (dZ3 @ W3.T) * (1 - A2 ** 2)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 if bug == "missing-hidden-derivative" else dA1 * (1 - A1 ** 2)
    dW2 = A1.T @ dZ2 / n
    if bug == "transposed":
        dW2 = dW2.T
    return [X.T @ dZ1 / n, dZ1.sum(axis=0, keepdims=True) / n, dW2, dZ2.sum(axis=0, keepdims=True) / n,
            A2.T @ dZ3 / n, dZ3.sum(axis=0, keepdims=True) / n]


BUGS = {None: "match", "transposed": "transposed", "missing-hidden-derivative": "missing-hidden-derivative"}


def make(bug=None, d=5, h=3, t=2, n=7, seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, 0.5, size=(d, h)), rng.normal(0, 0.1, size=(1, h)),
              rng.normal(0, 0.5, size=(h, h)), rng.normal(0, 0.1, size=(1, h)),
              rng.normal(0, 0.5, size=(h, t)), rng.normal(0, 0.1, size=(1, t))]
    X, Y = rng.normal(size=(n, d)), np.eye(t)[rng.integers(0, t, n)]
    return dict(X=X, Y=Y, params=params, gradients=lambda X, Y: gradients(params, X, Y, bug),
                activation="tanh", output="softmax", loss="softmax-cross-entropy")


def factory():
    return make()


if __name__ == "__main__":
    for bug in BUGS:
        print(f"--- learner with {bug or 'no bug'}")
        print(shapecheck.compare(**make(bug)))
