"""Issue 24 ("never confidently wrong") on learners written as learners write them, from a review of compare's
reports on programs in the habits of public code: a course's loss() returning (loss, grads) with an L2 term,
a blog's class that sums its loss and has no learning rate, a per-sample SGD loop. Each test is the learner's
own program and what the report said that was not true, or contradicted itself.
"""

from __future__ import annotations

import numpy as np

import shapecheck

CHECKED, POSSIBLE = "checked on your run", "possibility"


# -- an L2 term whose gradient lost its 2: reg * sum(W**2) in the loss, reg * W in the gradient ---------------

class L2Net:
    def __init__(self, seed=221, two=False):
        rng = np.random.default_rng(seed)
        self.params = {"W1": 0.4 * rng.standard_normal((6, 7)), "b1": np.zeros(7),
                       "W2": 0.4 * rng.standard_normal((7, 3)), "b2": np.zeros(3)}
        self.reg = 0.1
        self.two = two

    def loss(self, X, y):
        p = self.params
        N = len(X)
        h = np.maximum(0, X @ p["W1"] + p["b1"])
        s = h @ p["W2"] + p["b2"]
        s = s - s.max(axis=1, keepdims=True)
        prob = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
        data_loss = -np.log(prob[np.arange(N), y]).sum() / N
        reg_loss = self.reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
        ds = prob.copy()
        ds[np.arange(N), y] -= 1
        ds /= N
        dh = ds @ p["W2"].T
        dh[h <= 0] = 0
        k = 2 if self.two else 1
        grads = {"W1": X.T @ dh + k * self.reg * p["W1"],
                 "b1": dh.sum(axis=0),
                 "W2": h.T @ ds + k * self.reg * p["W2"],
                 "b2": ds.sum(axis=0)}
        return data_loss + reg_loss, grads


def _l2_compare(two=False):
    net = L2Net(two=two)
    rng = np.random.default_rng(222)
    X = rng.standard_normal((8, 6))
    y = rng.integers(0, 3, size=8)
    return shapecheck.compare(X=X, Y=y, params=net.params, gradients=net.loss,
                              loss_fn=lambda X, y: net.loss(X, y)[0])


def test_an_l2_term_of_the_wrong_size_shows_in_the_table():
    """The report said MISMATCH with every row ok at 0.0e+00, and 'at your own weights the mistake is too small
    to see': the rows were built with the learner's own L2 term, so an L2 mistake could never show."""
    report = _l2_compare()
    assert report.verdict == "mismatch" and "l2-mismatch" in report.diagnoses[0].bugs
    status = {r.reference: r.status for r in report.rows}
    assert status["W1"] == status["W2"] == "MISMATCH" and status["b1"] == status["b2"] == "ok"
    assert not any("too small to see" in note for note in report.notes)
    assert _l2_compare(two=True).verdict == "match"
