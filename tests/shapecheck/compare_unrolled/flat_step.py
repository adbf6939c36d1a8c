"""A reviewer's learner (issue 25's review, b3_flat_step_tanh.py and its label variants), copied: a flat
``nn_params`` updated in place by a gradient-descent step; tanh hidden, sigmoid output, mean BCE, L2 written
as ``lam * sum(W**2)`` (gradient ``2*lam*W``). n=8, d=5, h=3, t=2 (t=1 for LABELS "single").

LABELS (a module global, set by :func:`make`): "column-1" (labels 1..t as an (m, 1) column, the review's
program), "column-0" (labels 0..t-1 as a column), "flat-1" (labels 1..t, 1-d), "single" (one sigmoid output,
Theta2 (1, h+1), a (m, 1) column of 0/1 targets). Each planted mistake's line carries a ``# locate:`` comment
written by reading the code; l2-mismatch's line is marked though compare may name none.
"""
import numpy as np

from tests.shapecheck.compare_corpus._state import marked_lines

LR = 0.5
LABELS = "column-1"
BUGS = {"correct": "match", "missing-mean": "missing-mean", "l2-mismatch": "l2-mismatch", "l2-on-bias": "l2-on-bias"}


def targets(y, t):
    if LABELS == "single":
        return y.astype(float)
    base = 0 if LABELS == "column-0" else 1
    return (y.reshape(-1, 1) == np.arange(base, base + t)).astype(float)


def unpack(p, d, h, t):
    return p[:h * (d + 1)].reshape(h, d + 1), p[h * (d + 1):].reshape(t, h + 1)


def cost(p, d, h, t, X, y, lam):
    T1, T2 = unpack(p, d, h, t)
    m = X.shape[0]
    A1 = np.hstack([np.ones((m, 1)), X])
    A2 = np.hstack([np.ones((m, 1)), np.tanh(A1 @ T1.T)])
    A3 = 1 / (1 + np.exp(-(A2 @ T2.T)))
    Y = targets(y, t)
    J = -np.mean(np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3), axis=1))
    return J + lam * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))


def gd_step(p, d, h, t, X, y, lam, bug=None):
    T1, T2 = unpack(p, d, h, t)
    m = X.shape[0]
    A1 = np.hstack([np.ones((m, 1)), X])
    Z2 = A1 @ T1.T
    A2 = np.hstack([np.ones((m, 1)), np.tanh(Z2)])
    A3 = 1 / (1 + np.exp(-(A2 @ T2.T)))
    Y = targets(y, t)
    D3 = A3 - Y
    D2 = (D3 @ T2[:, 1:]) * (1 - np.tanh(Z2) ** 2)
    if bug == "missing-mean":
        G1 = D2.T @ A1  # locate: missing-mean
        G2 = D3.T @ A2  # locate: missing-mean
    else:
        G1 = D2.T @ A1 / m
        G2 = D3.T @ A2 / m
    R1, R2 = T1.copy(), T2.copy()
    if bug != "l2-on-bias":
        R1[:, 0] = 0
        R2[:, 0] = 0
    k = lam if bug == "l2-mismatch" else 2 * lam  # locate: l2-mismatch
    G1 += k * R1  # locate: l2-on-bias
    G2 += k * R2  # locate: l2-on-bias
    p -= LR * np.concatenate([G1.ravel(), G2.ravel()])


def make(case, hints, labels="column-1"):
    """compare's keyword arguments: with hints (activation, output, loss, reg= in the learner's form), or with
    only the learner's own cost as loss_fn."""
    global LABELS
    LABELS = labels
    g = np.random.default_rng(17)
    n, d, h, t = 8, 5, 3, (1 if labels == "single" else 2)
    X = g.normal(size=(n, d))
    y = np.array([[1], [2], [2], [1], [1], [2], [1], [2]])
    if labels != "column-1":
        y = y - 1
    if labels == "flat-1":
        y = y.ravel() + 1
    p = g.uniform(-1, 1, size=h * (d + 1) + t * (h + 1))
    lam = 0.05
    bug = None if case == "correct" else case
    kw = dict(X=X, Y=y, params=p, step=lambda X, y: gd_step(p, d, h, t, X, y, lam, bug), lr=LR)
    if hints:
        kw.update(activation="tanh", output="sigmoid", loss="bce", reg="0.05 * sum(W**2)")
    else:
        kw["loss_fn"] = lambda X, y: cost(p, d, h, t, X, y, lam)
    return kw


LINES = marked_lines(__file__)
