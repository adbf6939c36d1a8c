"""The checker's kept buffers (issue 16's speed-ups) never mix two checks: one started from inside another's
loss function, or on another thread, gets its own arrays; the verdicts and the restored parameters are those
of checks run one after the other."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from shapecheck import check_gradients


def _quadratic(shape, seed):
    """A loss 0.5 * sum(A * W**2) with its gradient A * W, for a (d, h) weight."""
    rng = np.random.default_rng(seed)
    W, A = rng.normal(size=shape), rng.uniform(0.5, 2.0, size=shape)
    return W, A


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_a_check_inside_a_loss_function_does_not_disturb_the_outer_one(mode):
    """The inner check runs at every outer evaluation, on a tensor of the same size (so it would want the very
    same kept buffers); the outer verdict, its evaluations and the arrays' bits are as without it."""
    W, A = _quadratic((30, 20), 1)
    V, B = _quadratic((30, 20), 2)
    W0, V0 = W.copy(), V.copy()

    def inner_loss(p):
        return 0.5 * float(np.sum(B * p["V"] ** 2))

    inner_reports = []

    def outer_loss(p):
        inner_reports.append(check_gradients(inner_loss, {"V": V}, {"V": B * V}, mode="fast"))
        return 0.5 * float(np.sum(A * p["W"] ** 2))

    alone = check_gradients(lambda p: 0.5 * float(np.sum(A * p["W"] ** 2)), {"W": W}, {"W": A * W}, mode=mode)
    nested = check_gradients(outer_loss, {"W": W}, {"W": A * W}, mode=mode)
    assert alone.ok and nested.ok and all(r.ok for r in inner_reports)
    assert nested.evaluations == alone.evaluations
    assert nested["W"].max_rel_error == pytest.approx(alone["W"].max_rel_error, rel=1e-9, abs=1e-15)
    assert np.array_equal(W, W0) and np.array_equal(V, V0)
    wrong = A * W
    wrong[3, 4] += 1.0
    found = check_gradients(outer_loss, {"W": W}, {"W": wrong}, mode=mode)
    assert not found.ok and (mode == "full" or found["W"].suspects == ((3, 4),))


def test_checks_on_two_threads_at_once_agree_with_checks_one_after_the_other():
    W, A = _quadratic((40, 25), 3)
    V, B = _quadratic((40, 25), 4)
    expected = [check_gradients(lambda p: 0.5 * float(np.sum(A * p["W"] ** 2)), {"W": W}, {"W": A * W}, mode="fast"),
                check_gradients(lambda p: 0.5 * float(np.sum(B * p["V"] ** 2)), {"V": V}, {"V": B * V}, mode="fast")]
    results = [None, None]

    def run(i, loss, params, grads):
        results[i] = [check_gradients(loss, params, grads, mode="fast") for _ in range(20)]

    threads = [threading.Thread(target=run, args=(0, lambda p: 0.5 * float(np.sum(A * p["W"] ** 2)), {"W": W},
                                                  {"W": A * W})),
               threading.Thread(target=run, args=(1, lambda p: 0.5 * float(np.sum(B * p["V"] ** 2)), {"V": V},
                                                  {"V": B * V}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in range(2):
        assert all(r.ok and r.evaluations == expected[i].evaluations for r in results[i])
        name = "W" if i == 0 else "V"
        assert {r[name].max_rel_error for r in results[i]} == {expected[i][name].max_rel_error}
