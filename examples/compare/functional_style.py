"""A learner's network as functions returning a dict of gradients (samples as COLUMNS, W (out, in)).

Sigmoid hidden and output layers with a squared-error loss ("mse": mean over samples of 1/2 the
squared error), the combination where the output derivative is easy to forget.
Run:  python examples/compare/functional_style.py
"""

import numpy as np

import shapecheck


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def init(d, h, t, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 0.5, size=(h, d)), "b1": np.zeros((h, 1)) + 0.1,
            "W2": rng.normal(0, 0.5, size=(t, h)), "b2": np.zeros((t, 1)) - 0.1}


def backward(params, X, Y, bug=None):
    m = X.shape[1]
    A1 = sigmoid(params["W1"] @ X + params["b1"])                # (h, m)
    A2 = sigmoid(params["W2"] @ A1 + params["b2"])               # (t, m)
    if bug == "loss-mismatch":
        dZ2 = A2 - Y                                             # the cross-entropy delta, but the loss is mse
    else:
        dZ2 = (A2 - Y) * A2 * (1 - A2)
    if bug == "wrong-scale":
        dZ2 = 2 * dZ2                                            # derivative of (A - Y)**2 without the 1/2
    sent_back = (A2 - Y) if bug == "missing-output-derivative" else dZ2
    dZ1 = (params["W2"].T @ sent_back) * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}


BUGS = {None: "match", "loss-mismatch": "loss-mismatch", "wrong-scale": "wrong-scale",
        "missing-output-derivative": "missing-output-derivative"}


def make(bug=None, d=5, h=3, t=2, n=7, seed=0):
    rng = np.random.default_rng(seed + 1)
    params = init(d, h, t, seed)
    X, Y = rng.normal(size=(d, n)), rng.random((t, n))
    return dict(X=X, Y=Y, params=params, gradients=lambda X, Y: backward(params, X, Y, bug),
                activation="sigmoid", output="sigmoid", loss="mse")


def factory():
    return make()


if __name__ == "__main__":
    for bug in BUGS:
        print(f"--- learner with {bug or 'no bug'}")
        print(shapecheck.compare(**make(bug)))
