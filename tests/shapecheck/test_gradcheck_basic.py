"""The gradient checker's core: correct gradients pass, planted errors are located, params are restored."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import (
    DTypeError, LossFunctionError, ParameterError, PrecisionWarning, ShapeError, assert_gradients_close, check_gradients,
    check_network,
)
from tests.strategies import networks


def quadratic(params):
    """L = sum(A * W**2) + sum(b): dL/dW = 2 A W, dL/db = 1."""
    return float(np.sum(A * params["W"] ** 2) + np.sum(params["b"]))


A = np.arange(1.0, 16.0).reshape(5, 3)


def fresh():
    rng = np.random.default_rng(0)
    return {"W": rng.normal(size=(5, 3)), "b": rng.normal(size=(1, 3))}


def true_grads(params):
    return {"W": 2 * A * params["W"], "b": np.ones((1, 3))}


def test_correct_gradient_passes_with_small_error():
    params = fresh()
    report = check_gradients(quadratic, params, true_grads)
    assert report.ok and report.evaluations == 1 + 2 * 18
    assert all(row.status == "ok" and row.max_rel_error < 1e-7 for row in report.rows)
    assert str(report).startswith("gradients OK: 2 tensors")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 14), st.sampled_from([0.5, 2.0, -1.0, 1.01]))
def test_one_wrong_entry_is_named_with_its_index(flat, factor):
    params = fresh()
    grads = true_grads(params)
    index = np.unravel_index(flat, (5, 3))
    grads["W"][index] *= factor
    report = check_gradients(quadratic, params, grads)
    assert not report.ok
    row = report["W"]
    assert row.status == "FAIL" and row.worst_index == tuple(int(i) for i in index) and row.failed == 1
    assert report["b"].status == "ok"
    assert f"gradients WRONG in W: W{[int(i) for i in index]}" in report.summary


def test_params_restored_bitwise_after_success_exception_and_nan():
    params = fresh()
    before = {k: v.copy() for k, v in params.items()}
    check_gradients(quadratic, params, true_grads)
    assert all(np.array_equal(params[k], before[k]) for k in params)

    calls = []

    def explodes(p):
        calls.append(1)
        if len(calls) == 7:
            raise RuntimeError("boom")
        return quadratic(p)

    with pytest.raises(RuntimeError, match="boom"):
        check_gradients(explodes, params, true_grads)
    assert all(np.array_equal(params[k], before[k]) for k in params)

    report = check_gradients(lambda p: np.nan, params, true_grads)
    assert report["W"].status == "nan" and not report.ok
    assert all(np.array_equal(params[k], before[k]) for k in params)


def test_closure_that_ignores_its_argument_works():
    """The learner's loss may close over their own arrays; in-place perturbation reaches it."""
    params = fresh()
    report = check_gradients(lambda _: quadratic(params), params, true_grads(params))
    assert report.ok


def test_structure_mismatch_is_a_shape_row_not_a_numeric_failure():
    params = fresh()
    grads = true_grads(params)
    grads["W"] = grads["W"].T
    report = check_gradients(quadratic, params, grads)
    assert report["W"].status == "shape" and "shape (3, 5)" in report["W"].detail
    assert "parameter has shape (5, 3)" in report.summary


def test_nested_lists_get_readable_names():
    params = {"layers": [np.ones((2, 3)), np.ones(3)]}
    loss = lambda p: float(np.sum(p["layers"][0] ** 2) + np.sum(p["layers"][1]))  # noqa: E731
    report = check_gradients(loss, params, {"layers": [2 * np.ones((2, 3)), np.ones(3)]})
    assert [row.name for row in report.rows] == ["layers[0]", "layers[1]"] and report.ok


def test_kink_is_reported_as_kink_not_fail():
    params = {"w": np.array([0.0, 1.0])}
    report = check_gradients(lambda p: float(np.abs(p["w"]).sum()), params, {"w": np.array([1.0, 1.0])})
    assert report.ok and report["w"].status == "kink" and report["w"].worst_index == (0,)


def test_sample_mode_is_reproducible():
    params = fresh()
    first = check_gradients(quadratic, params, true_grads, mode="sample", samples=4, seed=3)
    second = check_gradients(quadratic, params, true_grads, mode="sample", samples=4, seed=3)
    assert first.evaluations == second.evaluations == 1 + 2 * (4 + 3)
    assert first.to_dict() == second.to_dict()


@settings(max_examples=25, deadline=None)
@given(networks(activations=["tanh", "sigmoid"]))
def test_reference_network_passes_its_own_check(case):
    net, X, Y = case
    assert check_network(net, X, Y).ok


def test_assert_gradients_close_shows_the_table():
    params = fresh()
    grads = true_grads(params)
    grads["b"] = -grads["b"]
    with pytest.raises(AssertionError, match=r"gradients WRONG in b(.|\n)*tensor +shape +status"):
        assert_gradients_close(quadratic, params, grads)


@pytest.mark.parametrize("params, error, match", [
    ({"W": [1.0, 2.0]}, DTypeError, "params W is list"),
    ({"W": np.arange(3)}, DTypeError, "params W has dtype int64; expected float64"),
    ({}, ParameterError, "params is empty"),
])
def test_bad_params(params, error, match):
    with pytest.raises(error, match=match):
        check_gradients(lambda p: 0.0, params, params)


def test_loss_returning_non_scalar():
    params = fresh()
    with pytest.raises(LossFunctionError, match=r"one real number, got array of shape \(5, 3\)"):
        check_gradients(lambda p: p["W"] * 2, params, true_grads)
    assert np.array_equal(params["W"], fresh()["W"])


@pytest.mark.parametrize("as_returned", [
    lambda v: v, np.float64, np.float32, lambda v: np.array([[v]]), lambda v: np.array(v), lambda v: [v][0],
], ids=["float", "np.float64", "np.float32", "(1, 1) array", "0-d array", "list item"])
def test_every_kind_of_one_number_a_learner_returns_is_checked_without_warnings(as_returned):
    """Andrew Ng's cost is a (1, 1) array, a float32 model's an np.float32: each value is made one number before
    it is kept (numpy deprecates converting a (1, 1) array to a float implicitly). np.float32 values are a loss
    computed in float32: checked with float32's steps, its only warning the PrecisionWarning saying so."""
    params = fresh()
    loss = lambda p: as_returned(quadratic(p))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if as_returned is np.float32:
            warnings.simplefilter("ignore", PrecisionWarning)
        report = check_gradients(loss, params, true_grads)
    assert report.ok, str(report)
    if as_returned is np.float32:       # (one more call: is the value at the parameters a float32 number by chance?)
        assert report.eps == 1e-3 and report.evaluations == 2 * 18 + 2
    else:
        assert report.eps == 1e-6 and report.evaluations == 2 * 18 + 1


def test_a_loss_that_starts_returning_something_else_midway_is_refused_and_restores_the_parameters():
    params, calls = fresh(), [0]

    def loss(p):
        calls[0] += 1
        return quadratic(p) if calls[0] < 9 else (quadratic(p), "grads")

    with pytest.raises(LossFunctionError, match="got a tuple of 2"):
        check_gradients(loss, params, true_grads)
    assert np.array_equal(params["W"], fresh()["W"]) and np.array_equal(params["b"], fresh()["b"])


def test_a_loss_returning_an_int_somewhere_is_read_as_that_number():
    params, calls = fresh(), [0]

    def loss(p):
        calls[0] += 1
        return 7 if calls[0] == 5 else quadratic(p)     # one wild value, read as 7.0: that entry is off

    report = check_gradients(loss, params, true_grads)
    # (re-measured, the entry agrees: the wild value was not the gradient's fault, so it is called noise)
    assert report["W"].status == "noisy" and report["b"].status == "ok"


def test_extra_gradient_entries():
    params = fresh()
    with pytest.raises(ShapeError, match="grads has entries that are not parameters: c"):
        check_gradients(quadratic, params, dict(true_grads(params), c=np.zeros(1)))


def test_a_loss_that_is_nan_before_any_step_is_named_as_the_cause():
    for mode in ("full", "fast"):
        report = check_gradients(lambda p: float("nan"), fresh(), true_grads(fresh()), mode=mode)
        assert report["W"].status == "nan" and "loss_fn returns nan at the parameters as given" in report.summary


def test_gradients_in_another_order_than_the_parameters_are_named():
    """Nielsen's backprop returns (nabla_b, nabla_w); the network keeps [weights, biases]."""
    weights, biases = [np.ones((4, 3)), np.ones((2, 4))], [np.zeros((4, 1)), np.zeros((2, 1))]
    report = check_gradients(lambda p: 0.0, [weights, biases], [biases, weights])
    assert not report.ok
    assert "the shape of [1][0]; are the gradients in another order than the parameters" in report["[0][0]"].detail
