"""An independent learner-style MLP (one hidden layer) written without reference_nets, in any layout,
activation and loss, with each catalogue mistake switchable: the hypothesis tests of compare() draw from it.

The code is deliberately plain, the way a learner writes it: explicit formulas per layout. ``style`` varies
how the loss is written (the census uses the default, "textbook": a mean over the samples, 1/2 for the
squared error): "eps-log" (a cross-entropy's logs with ``+ 1e-7``, a book's habit), "sum" (the loss summed
over the samples and the step without 1/n), "mean-all" (a squared error as ``np.mean((A - Y) ** 2)`` over
samples and outputs, and its derivative with the 2 and the 1/t). ``EXTRA_BUGS`` are mistakes outside the
catalogue, which compare must call unknown and place at their layer.
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
        "stale-weights", "wrong-scale", "missing-output-derivative", "loss-mismatch",
        "derivative-formula-at-pre-activation"]
#: each activation's derivative written in terms of its output (what a learner plugs Z into by mistake)
FROM_OUTPUT = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a ** 2}
#: Mistakes no mutant reproduces: a stray factor on the hidden layer's error alone.
EXTRA_BUGS = ["stray-hidden-factor"]
STYLES = ["textbook", "eps-log", "sum", "mean-all"]


def applicable(bug, activation, loss, style="textbook") -> bool:
    if style == "eps-log" and loss == "mse" or style == "mean-all" and loss != "mse":
        return False                               # no log to add an epsilon to; not a squared error
    if style == "sum" and bug == "missing-mean":
        return False                               # a summed loss has no 1/n to forget
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
        self.style = "textbook"

    def affine(self, A, W, b):
        return {"rows": lambda: A @ W + b, "columns": lambda: W @ A + b, "columns-wT": lambda: W.T @ A + b}[
            self.layout]()

    def cost(self, X, Y, activation, loss):
        """The learner's own loss (what they meant: a mean over the samples, 1/2 for the squared error)."""
        f, _ = ACTIVATIONS[activation]
        W1, b1, W2, b2 = self.params
        axis_samples, axis_units = (0, 1) if self.layout == "rows" else (1, 0)
        n = 1 if self.style == "sum" else X.shape[axis_samples]
        eps = 1e-7 if self.style == "eps-log" else 0.0
        Z2 = self.affine(f(self.affine(X, W1, b1)), W2, b2)
        if loss == "softmax-cross-entropy":
            return -np.sum(Y * np.log(softmax(Z2, axis_units) + eps)) / n
        A2 = 1 / (1 + np.exp(-Z2))
        if loss == "bce":
            return -np.sum(Y * np.log(A2 + eps) + (1 - Y) * np.log(1 - A2 + eps)) / n
        if self.style == "mean-all":
            return np.mean((A2 - Y) ** 2)
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
            dZ2 = A2 - Y  # locate: loss-mismatch
        if bug == "sign-flip":
            dZ2 = -dZ2  # locate: sign-flip
        if bug == "wrong-scale":
            dZ2 = 2 * dZ2  # locate: wrong-scale
        if self.style == "mean-all":
            dZ2 = dZ2 * (2 / Y.shape[axis_units])
        m = 1 if bug == "missing-mean" or self.style == "sum" else n
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
        if bug == "stray-hidden-factor":
            dA1 = 0.5 * dA1
        if bug == "missing-hidden-derivative":
            dZ1 = dA1  # locate: missing-hidden-derivative
        elif bug == "derivative-at-activation":
            dZ1 = dA1 * f_prime(A1)  # locate: derivative-at-activation
        elif bug == "derivative-formula-at-pre-activation":
            dZ1 = dA1 * FROM_OUTPUT[activation](Z1)  # locate: derivative-formula-at-pre-activation
        else:
            dZ1 = dA1 * f_prime(Z1)
        dW1 = {"rows": lambda: X.T @ dZ1, "columns": lambda: dZ1 @ X.T, "columns-wT": lambda: X @ dZ1.T}[
            self.layout]() / m
        db1 = dZ1.sum(axis=axis_samples, keepdims=True) / m
        for param, grad in zip(self.params, (dW1, db1, grads_W2, db2)):
            param -= self.lr * grad  # locate: wrong-scale, missing-mean


def make(layout, activation, loss, bug, d, h, t, n, seed, *, hints=True, loss_fn=False, style="textbook"):
    """compare()'s keyword arguments for one zoo learner: with the activation, output and loss declared
    (``hints``; a summed style declares reduction="sum" too), and with the learner's own cost function
    (``loss_fn``)."""
    rng = np.random.default_rng(seed + 7)
    net = ZooNet(layout, d, h, t, seed)
    net.style = style
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
        if style == "sum":
            arguments["reduction"] = "sum"
        if style == "mean-all":              # no loss= name means np.mean over the outputs too
            del arguments["loss"]
    if loss_fn:
        arguments["loss_fn"] = lambda X, Y: net.cost(X, Y, activation, loss)
    return arguments
