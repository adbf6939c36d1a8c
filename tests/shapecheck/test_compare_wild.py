"""compare on learner habits found in public code after the corpus was written (a survey of blog posts and
course repositories, 2026-11-30); each program is our own, in the habit's style, with pairwise-distinct sizes.

- functional style: ``backward`` returns a tuple ``(dW_list, db_list)`` built from the LAST layer back, biases
  1-d ``(k,)`` and, in one variant, their gradients ``(1, k)`` (``keepdims=True``); integer class labels.
"""

import numpy as np
import pytest

import shapecheck

SIZES = [2, 6, 5, 3]
N = 11


def _functional(bug):
    """compare's arguments for a functional tanh + softmax net whose backward returns (dW, db) last layer first."""
    rng = np.random.default_rng(51)
    X, labels = rng.standard_normal((N, SIZES[0])), rng.integers(0, SIZES[-1], size=N)
    W = [rng.standard_normal((a, b)) * 0.5 for a, b in zip(SIZES, SIZES[1:])]
    b = [np.zeros(k) for k in SIZES[1:]]

    def forward(X):
        cache = [X]
        for k, (w, c) in enumerate(zip(W, b)):
            z = cache[-1] @ w + c
            if k < len(W) - 1:
                cache.append(np.tanh(z))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                cache.append(e / e.sum(axis=1, keepdims=True))
        return cache

    def backward(X, y):
        cache, m = forward(X), len(X)
        onehot = np.eye(SIZES[-1])[y]
        dz = cache[-1] - onehot if bug != "sign-flip" else onehot - cache[-1]
        dW, db = [], []
        for k in reversed(range(len(W))):
            dW.append(cache[k].T @ dz / m)
            db.append(dz.sum(axis=0, keepdims=(bug == "db-keepdims")) / m)
            if k:
                a = cache[k]
                dz = (dz @ W[k].T) * (1 - (np.tanh(a) if bug == "derivative-at-activation" else a) ** 2)
        return dW, db

    def loss(X, y):
        return float(-np.mean(np.log(forward(X)[-1][np.arange(len(y)), y])))

    return dict(X=X, Y=labels, params=(W, b), gradients=backward, loss_fn=loss)


@pytest.mark.parametrize("bug, expected", [("correct", "match"), ("db-keepdims", "match"),
                                           ("derivative-at-activation", "derivative-at-activation"),
                                           ("sign-flip", "sign-flip")])
def test_gradients_as_a_tuple_of_lists_last_layer_first(bug, expected):
    """``(dW_list, db_list)`` crashed (np.ndim on a ragged list); (1, k) bias gradients were then paired in
    order, so with lists built backwards a right db met the wrong bias."""
    arguments = _functional(bug)
    before = [w.copy() for w in arguments["params"][0]]
    report = shapecheck.compare(**arguments)
    assert report.diagnoses[0].bug == expected, report.summary
    assert report.ok == (expected == "match")
    assert all(np.array_equal(w, c) for w, c in zip(arguments["params"][0], before))
