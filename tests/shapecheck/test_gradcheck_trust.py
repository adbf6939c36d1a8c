"""The checker's verdict can be trusted: a correct gradient is never WRONG at any loss scale, and an error
larger than the power the report states is caught."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import check_gradients


def smooth_problem(seed, n, d, h, scale, reduction):
    """A tanh layer and a squared error, times ``scale``: the loss over {"W1", "W2"} and its exact gradient."""
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, 2))
    params = {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "W2": rng.normal(size=(h, 2)) / np.sqrt(h)}
    divisor = n if reduction == "mean" else 1

    def loss(p):
        return scale * 0.5 * np.sum((np.tanh(X @ p["W1"]) @ p["W2"] - Y) ** 2) / divisor     # complex-safe

    A = np.tanh(X @ params["W1"])
    E = (A @ params["W2"] - Y) * scale / divisor
    return loss, params, {"W1": X.T @ ((E @ params["W2"].T) * (1 - A ** 2)), "W2": A.T @ E}


problems = st.tuples(st.integers(0, 10_000), st.sampled_from([1, 7, 60, 300]), st.sampled_from([3, 11]),
                     st.sampled_from([2, 5]), st.sampled_from([1e-6, 1e-2, 1.0, 1e3, 1e8]),
                     st.sampled_from(["mean", "sum"]))


@settings(max_examples=60, deadline=None)
@given(problems, st.sampled_from(["central", "richardson", "complex"]), st.sampled_from(["full", "fast"]))
def test_a_correct_gradient_of_a_smooth_loss_is_never_wrong(problem, method, mode):
    loss, params, grads = smooth_problem(*problem)
    report = check_gradients(loss, params, grads, method=method, mode=mode)
    assert report.ok, str(report)


def plant(grads, size, pick):
    """``grads`` with one entry of median size or more (the entries the stated power covers) made ``1 + size``
    times too large; ``pick`` in [0, 1) chooses the tensor and the entry."""
    wrong = {k: v.copy() for k, v in grads.items()}
    name = sorted(wrong)[int(pick * len(wrong))]
    flat = wrong[name].reshape(-1)
    large = np.flatnonzero(np.abs(flat) >= np.median(np.abs(flat)))
    flat[large[int(pick * 997) % len(large)]] *= 1 + size
    return wrong


@settings(max_examples=80, deadline=None)
@given(problems, st.sampled_from([1e-1, 1e-2, 1e-3, 1e-4]), st.sampled_from(["central", "forward", "richardson",
       "complex"]), st.sampled_from(["full", "fast"]), st.sampled_from([np.float64, np.float32]),
       st.floats(0, 0.999))
def test_an_error_above_the_stated_power_is_caught(problem, size, method, mode, dtype, pick):
    loss, params, grads = smooth_problem(*problem)
    params = {k: v.astype(dtype) for k, v in params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # float32 precision, complex step on float32 copies
        correct = check_gradients(loss, params, grads, method=method, mode=mode)
        assert correct.ok, str(correct)
        if correct.power <= size:
            wrong = check_gradients(loss, params, plant(grads, size, pick), method=method, mode=mode)
            assert not wrong.ok, f"stated power {correct.power:.1e}, planted {size:g}\n{wrong}"


def test_the_stated_power_is_the_weakest_over_entries_of_median_size_or_more():
    """A full check's power: rtol for a float64 loss of size 1; for fast mode, coarser by about
    sqrt(entries) (one wrong entry shares a random direction with all the others)."""
    loss, params, grads = smooth_problem(3, 60, 11, 5, 1.0, "mean")
    full = check_gradients(loss, params, grads)
    fast = check_gradients(loss, params, grads, mode="fast")
    assert 1e-5 <= full.power < 2e-5
    assert full.power * np.sqrt(11 * 5) / 3 < fast.power < 1.0


def test_a_correct_summed_loss_of_size_3000_is_not_a_false_alarm():
    """The case from the issue: sum(tanh(X @ W)**2), 15,000 entries, loss about 3e3 (rounding near 5e-7)."""
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(64, 150)), rng.normal(size=(150, 100)) * 0.1
    A = np.tanh(X @ W)
    report = check_gradients(lambda p: float(np.sum(np.tanh(X @ p["W"]) ** 2)), {"W": W},
                             {"W": X.T @ (2 * A * (1 - A ** 2))})
    assert report.ok and report.power <= 1e-4, str(report)


def test_float16_parameters_are_checked_with_their_own_precision():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 3)).astype(np.float16)
    X = rng.normal(size=(6, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = check_gradients(lambda p: float(np.sum((X @ p["W"].astype(float)) ** 2)), {"W": W},
                                 {"W": 2 * X.T @ (X @ W.astype(float))})
    assert report.ok, str(report)


def test_curvature_of_a_large_summed_loss_is_not_a_kink():
    """A smooth loss of size 1e4 over 5,000 samples: its one-sided slopes differ by the step times a large
    curvature, which once passed a planted 1e-4 error as a 'kink' (central) or 'noisy' (Richardson)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 5000)), rng.normal(size=(3, 5000))          # samples as columns
    params = {"W1": rng.normal(size=(16, 20)) * 0.3, "W2": rng.normal(size=(3, 16)) * 0.3}

    def loss(p):
        return 0.5 * np.sum((p["W2"] @ np.tanh(p["W1"] @ X) - Y) ** 2)

    A = np.tanh(params["W1"] @ X)
    E = params["W2"] @ A - Y
    grads = {"W1": ((params["W2"].T @ E) * (1 - A ** 2)) @ X.T, "W2": E @ A.T}
    for method in ("central", "richardson"):
        correct = check_gradients(loss, params, grads, method=method)
        assert correct.ok, str(correct)
        wrong = {k: v.copy() for k, v in grads.items()}
        wrong["W2"].flat[10] *= 1 + 1e-4
        report = check_gradients(loss, params, wrong, method=method)
        assert report["W2"].status == "FAIL" and report["W2"].worst_index == (0, 10), str(report)


def test_float32_weights_in_a_float64_loss_are_checked_with_float64_rounding():
    """The closure style (loss_fn ignores its argument) with float32 weights and float64 data computes the
    loss in float64: the float32 widening once let a 5% error pass."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    W = rng.normal(size=(4, 3)).astype(np.float32)
    params = {"W": W}
    right = {"W": X.T @ (X @ W.astype(float) - Y)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        closure = check_gradients(lambda _: float(0.5 * np.sum((X @ params["W"] - Y) ** 2)), params, right)
        assert closure.ok and closure.power < 1e-3, str(closure)
        for size in (5e-2, 1e-3):
            wrong = {"W": right["W"].copy()}
            wrong["W"][1, 2] *= 1 + size
            report = check_gradients(lambda _: float(0.5 * np.sum((X @ params["W"] - Y) ** 2)), params, wrong)
            assert report["W"].status == "FAIL" and report["W"].worst_index == (1, 2), str(report)
        in_float32 = check_gradients(lambda _: float(0.5 * np.sum((X.astype(np.float32) @ params["W"]
                                                                  - Y.astype(np.float32)) ** 2)), params, right)
    assert in_float32.ok and in_float32.power > 1e-2, str(in_float32)       # a float32 loss: its own rounding


def test_a_relu_direction_that_fails_only_at_richardsons_step_is_not_a_false_alarm():
    """Fast mode, Richardson's 1e-3 step across the kinks of 1,500 ReLU units: the direction failed, its
    suspects were right, and a re-measure at 1e-6 passes: noise, not WRONG (found by false_alarms.py)."""
    rng = np.random.default_rng(874696618)
    X, Y = rng.normal(size=(100, 20)), rng.normal(size=(100, 4))
    params = {"W1": rng.normal(size=(20, 15)) / np.sqrt(20), "W2": rng.normal(size=(15, 4)) / np.sqrt(15)}

    def loss(p):
        return 0.5 * np.sum((np.maximum(X @ p["W1"], 0.0) @ p["W2"] - Y) ** 2)

    Z = X @ params["W1"]
    E = np.maximum(Z, 0.0) @ params["W2"] - Y
    grads = {"W1": X.T @ ((E @ params["W2"].T) * (Z > 0)), "W2": np.maximum(Z, 0.0).T @ E}
    report = check_gradients(loss, params, grads, mode="fast", method="richardson", seed=874696618)
    assert report.ok, str(report)
    wrong = {k: v.copy() for k, v in grads.items()}
    wrong["W1"] *= 1.5                                           # a real error still fails
    assert not check_gradients(loss, params, wrong, mode="fast", method="richardson", seed=874696618).ok


def test_a_relu_direction_with_no_suspect_is_remeasured_before_it_is_called_wrong():
    """Fast mode, Richardson's 1e-3 step, 90,000 weights feeding 300 ReLU units of 50 samples, a loss of 1e8:
    the direction fails, no single entry stands out, and its one-sided slopes do not look like a kink. At
    1e-6 with central differences it passes: noise, not WRONG (false_alarms.py --runs 600, seed 581877737,
    after the directions became 16-bit levels). The noisy row states the power an error would need to stand
    out of that noise (before, it stated none, so the report's promise was the other tensor's)."""
    rng = np.random.default_rng(581877737)
    n, d, h, t = 50, 300, 300, 2
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, t))
    params = {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "W2": rng.normal(size=(h, t)) / np.sqrt(h)}

    def loss(p):
        return 1e8 * 0.5 * np.sum((np.maximum(X @ p["W1"], 0.0) @ p["W2"] - Y) ** 2) / n

    Z = X @ params["W1"]
    E = (np.maximum(Z, 0.0) @ params["W2"] - Y) * 1e8 / n
    grads = {"W1": X.T @ ((E @ params["W2"].T) * (Z > 0)), "W2": np.maximum(Z, 0.0).T @ E}
    report = check_gradients(loss, params, grads, mode="fast", method="richardson", samples=30, seed=581877737)
    assert report.ok, str(report)
    row = report["W1"]
    assert row.status in ("noisy", "kink", "ok")
    if row.status != "ok":
        assert np.isfinite(row.power) and report.power >= row.power
    wrong = {k: v.copy() for k, v in grads.items()}
    wrong["W1"] *= 1.01                                          # a real error spread over every entry still fails
    assert not check_gradients(loss, params, wrong, mode="fast", method="richardson", seed=581877737).ok


def float32_model(seed=0):
    """float64 weights in a loss computed in float32 (float32 data and a cast, as a learner whose images are
    float32 writes it), and the exact gradient of that loss (computed in float64)."""
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(9, 5)).astype(np.float32), rng.normal(size=(9, 3)).astype(np.float32)
    params = {"W": rng.normal(size=(5, 3)), "b": np.zeros((1, 3))}

    def loss(p):
        return float(0.5 * np.sum((X @ p["W"].astype(np.float32) + p["b"].astype(np.float32) - Y) ** 2))

    E = X @ params["W"] + params["b"] - Y
    return loss, params, {"W": X.T @ E, "b": E.sum(axis=0, keepdims=True)}


def test_a_loss_computed_in_float32_with_float64_weights_is_no_false_alarm_and_says_why():
    """At eps=1e-6 a float32 loss does not move: every numeric derivative was 0 and a correct gradient was
    WRONG, its failures 'stayed put (a bug)'. Its values are float32 numbers: checked with float32's steps."""
    loss, params, right = float32_model()
    for options in ({}, {"eps": 1e-3}, {"rtol": 1e-2}):       # the quick path, and the general one
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = check_gradients(loss, params, right, **options)
        assert report.ok and report.eps == 1e-3 and "computes in float32" in report.notes[0], str(report)
        assert [w.filename for w in caught if "float32" in str(w.message)] == [__file__]      # the learner's line
    wrong = {"W": right["W"].copy(), "b": right["b"]}
    wrong["W"][2, 1] *= 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = check_gradients(loss, params, wrong)
    assert report["W"].status == "FAIL" and report["W"].worst_index == (2, 1) and report["b"].ok, str(report)


def test_a_float64_loss_with_round_values_is_still_checked_in_float64():
    """A loss whose value at the parameters is a float32 number by being round (0.0, an integer) is told apart
    from a float32 loss by one more call: checked as before, with float64 steps."""
    W0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    cases = [(lambda p: float(np.sum(p["W"] ** 2)), lambda p: {"W": 2 * p["W"]}),           # 30.0 at W0
             (lambda p: float(np.sum((p["W"] - W0) ** 2)), lambda p: {"W": 2 * (p["W"] - W0)})]      # 0.0 at W0
    for loss, grads in cases:
        report = check_gradients(loss, {"W": W0.copy()}, grads)
        assert report.ok and report.eps == 1e-6 and not report.notes, str(report)
