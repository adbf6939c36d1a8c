"""An independent learner-style MLP (one hidden layer) written without reference_nets, in any layout,
activation and loss, with each catalogue mistake switchable: the hypothesis tests of compare() draw from it.

The code is deliberately plain, the way a learner writes it: explicit formulas per layout.
"""

from __future__ import annotations

import numpy as np

ACTIVATIONS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z)))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
}
#: loss -> output activation, as the reference pairs them
LOSSES = {"bce": "sigmoid", "softmax-cross-entropy": "softmax", "mse": "sigmoid"}
BUGS = ["missing-mean", "sign-flip", "derivative-at-activation", "missing-hidden-derivative", "bias-wrong-axis",
        "stale-weights", "wrong-scale", "missing-output-derivative", "loss-mismatch"]


def applicable(bug, activation, loss) -> bool:
    if bug in ("missing-output-derivative", "loss-mismatch"):
        return loss == "mse"                       # only a non-fused output has a derivative to forget
    return True


def softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class ZooNet:
    def __init__(self, layout, d, h, t, seed):
        rng = np.random.default_rng(seed)
        self.layout = layout
        if layout == "rows":
            shapes = [(d, h), (1, h), (h, t), (1, t)]
        elif layout == "columns":
            shapes = [(h, d), (h, 1), (t, h), (t, 1)]
        else:
            shapes = [(d, h), (h, 1), (h, t), (t, 1)]
        self.params = [rng.normal(0, 0.6, size=s) for s in shapes]
        self.lr = 0.2

    def affine(self, A, W, b):
        return {"rows": lambda: A @ W + b, "columns": lambda: W @ A + b, "columns-wT": lambda: W.T @ A + b}[
            self.layout]()

    def cost(self, X, Y, activation, loss):
        """The learner's own loss (what they meant: a mean over the samples, 1/2 for the squared error)."""
        f, _ = ACTIVATIONS[activation]
        W1, b1, W2, b2 = self.params
        axis_samples, axis_units = (0, 1) if self.layout == "rows" else (1, 0)
        n = X.shape[axis_samples]
        Z2 = self.affine(f(self.affine(X, W1, b1)), W2, b2)
        if loss == "softmax-cross-entropy":
            return -np.sum(Y * np.log(softmax(Z2, axis_units))) / n
        A2 = 1 / (1 + np.exp(-Z2))
        if loss == "bce":
            return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / n
        return 0.5 * np.sum((A2 - Y) ** 2) / n

    def step(self, X, Y, activation, loss, bug):
        f, f_prime = ACTIVATIONS[activation]
        W1, b1, W2, b2 = self.params
        rows = self.layout == "rows"
        axis_samples, axis_units = (0, 1) if rows else (1, 0)
        n = X.shape[axis_samples]
        Z1 = self.affine(X, W1, b1)
        A1 = f(Z1)
        Z2 = self.affine(A1, W2, b2)
        if loss == "softmax-cross-entropy":
            A2 = softmax(Z2, axis_units)
        else:
            A2 = 1 / (1 + np.exp(-Z2))
        if loss == "mse" and bug != "loss-mismatch":
            dZ2 = (A2 - Y) * A2 * (1 - A2)
        else:
            dZ2 = A2 - Y
        if bug == "sign-flip":
            dZ2 = -dZ2  # locate: sign-flip
        if bug == "wrong-scale":
            dZ2 = 2 * dZ2
        m = 1 if bug == "missing-mean" else n
        sent_back = (A2 - Y) if bug == "missing-output-derivative" else dZ2
        grads_W2 = {"rows": lambda: A1.T @ dZ2, "columns": lambda: dZ2 @ A1.T, "columns-wT": lambda: A1 @ dZ2.T}[
            self.layout]() / m
        if bug == "bias-wrong-axis":
            db2 = np.full_like(b2, dZ2.sum() / m)  # locate: bias-wrong-axis
        else:
            db2 = dZ2.sum(axis=axis_samples, keepdims=True) / m
        W2_used = W2 - self.lr * grads_W2 if bug == "stale-weights" else W2  # locate: stale-weights
        dA1 = {"rows": lambda: sent_back @ W2_used.T, "columns": lambda: W2_used.T @ sent_back,  # locate: stale-weights, missing-output-derivative
               "columns-wT": lambda: W2_used @ sent_back}[self.layout]()  # locate: stale-weights, missing-output-derivative
        if bug == "missing-hidden-derivative":
            dZ1 = dA1  # locate: missing-hidden-derivative
        elif bug == "derivative-at-activation":
            dZ1 = dA1 * f_prime(A1)  # locate: derivative-at-activation
        else:
            dZ1 = dA1 * f_prime(Z1)
        dW1 = {"rows": lambda: X.T @ dZ1, "columns": lambda: dZ1 @ X.T, "columns-wT": lambda: X @ dZ1.T}[
            self.layout]() / m
        db1 = dZ1.sum(axis=axis_samples, keepdims=True) / m
        for param, grad in zip(self.params, (dW1, db1, grads_W2, db2)):
            param -= self.lr * grad  # locate: wrong-scale, missing-mean


def make(layout, activation, loss, bug, d, h, t, n, seed, *, hints=True, loss_fn=False):
    """compare()'s keyword arguments for one zoo learner: with the activation, output and loss declared
    (``hints``), and with the learner's own cost function (``loss_fn``)."""
    rng = np.random.default_rng(seed + 7)
    net = ZooNet(layout, d, h, t, seed)
    X = rng.normal(size=(n, d))
    if loss == "softmax-cross-entropy":
        Y = np.eye(t)[rng.integers(0, t, n)]
    elif loss == "bce":
        Y = (rng.random((n, t)) > 0.5).astype(float)
    else:
        Y = rng.random((n, t))
    if layout != "rows":
        X, Y = X.T, Y.T
    arguments = dict(X=X, Y=Y, params=net.params, step=lambda X, Y: net.step(X, Y, activation, loss, bug), lr=net.lr)
    if hints:
        arguments.update(activation=activation, output=LOSSES[loss], loss=loss)
    if loss_fn:
        arguments["loss_fn"] = lambda X, Y: net.cost(X, Y, activation, loss)
    return arguments
