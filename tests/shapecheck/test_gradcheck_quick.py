"""The usual full check (``gradcheck.quick``) gives the report the general path gives, field for field: correct,
wrong, kinked and non-finite cases, dict and list parameters, every kind of number a loss returns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import LossFunctionError, ParameterError, check_gradients
from shapecheck.gradcheck.check import _make_sweeper
from shapecheck.gradcheck.quick import plain_problem, quick_check

N, D, H, T = 7, 5, 3, 2          # pairwise distinct: a transposed or misplaced gradient cannot fit by chance


def network(seed, as_list):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=(1, H)), "W2": rng.normal(size=(H, T))}
    return [params["W1"], params["b1"], params["W2"]] if as_list else params


def unpack(params):
    return params if isinstance(params, dict) else dict(zip(("W1", "b1", "W2"), params))


X = np.random.default_rng(1).normal(size=(N, D))
Y = np.random.default_rng(2).normal(size=(N, T))


def loss_and_grads(params, activation):
    """Squared error of a one-hidden-layer net in rows layout, and its gradients (in the structure of params)."""
    p = unpack(params)
    Z = X @ p["W1"] + p["b1"]
    A = np.tanh(Z) if activation == "tanh" else np.maximum(Z, 0)
    E = A @ p["W2"] - Y
    dA = E @ p["W2"].T
    dZ = dA * ((1 - A ** 2) if activation == "tanh" else (Z > 0))
    grads = {"W1": X.T @ dZ, "b1": dZ.sum(axis=0, keepdims=True), "W2": A.T @ E}
    loss = 0.5 * float(np.sum(E ** 2))
    return loss, (grads if isinstance(params, dict) else [grads["W1"], grads["b1"], grads["W2"]])


BUGS = {
    "none": lambda g: g,
    "scaled W2": lambda g: {**g, "W2": 2 * g["W2"]},
    "one entry of W1": lambda g: {**g, "W1": g["W1"] + np.eye(D, H) * 1e-3},
    "b1 summed over every axis": lambda g: {**g, "b1": np.full((1, H), g["b1"].sum())},
    "NaN in b1": lambda g: {**g, "b1": np.full((1, H), np.nan)},
}
RETURNS = {"float": float, "np.float64": np.float64, "(1, 1) array": lambda v: np.array([[v]]),
           "np.float32 (a float32 loss)": np.float32}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.booleans(), st.sampled_from(["tanh", "relu"]), st.sampled_from(sorted(BUGS)),
       st.sampled_from(sorted(RETURNS)))
@pytest.mark.filterwarnings("ignore::shapecheck.PrecisionWarning")
def test_the_quick_report_is_the_general_report(seed, as_list, activation, bug, returns):
    params = network(seed, as_list)
    before = [array.copy() for array in (params.values() if isinstance(params, dict) else params)]
    _, grads = loss_and_grads(params, activation)
    grads = BUGS[bug](unpack(grads))
    grads = grads if not as_list else [grads["W1"], grads["b1"], grads["W2"]]
    loss = lambda p: RETURNS[returns](loss_and_grads(p, activation)[0])  # noqa: E731
    assert plain_problem(params, grads) is not None
    quick = quick_check(loss, params, grads, _make_sweeper)
    general = check_gradients(loss, params, grads, progress=False)    # (an option given: the general path)
    assert quick.to_dict() == general.to_dict() and str(quick) == str(general)
    if bug != "NaN in b1":              # the step-size sweep reads the same gradient (the quick one lazily)
        assert str(quick.sweep()) == str(general.sweep())
    after = params.values() if isinstance(params, dict) else params
    assert all(np.array_equal(a, b) for a, b in zip(after, before))


def test_a_loss_that_is_not_finite_at_the_start_is_named_as_the_cause_on_the_quick_path():
    params = network(0, as_list=False)
    report = quick_check(lambda p: float("nan"), params, loss_and_grads(params, "tanh")[1], _make_sweeper)
    assert not report.ok and "before any step" in report["W1"].detail


@pytest.mark.parametrize("case", ["nested dict", "float32", "transposed view", "grads missing one", "callable grads",
                                  "a list of numbers", "empty", "infinite parameter", "read-only"])
def test_anything_unusual_goes_the_general_way(case):
    params = network(0, as_list=False)
    grads = loss_and_grads(params, "tanh")[1]
    if case == "nested dict":
        params, grads = {"layer": params}, {"layer": grads}
    elif case == "float32":
        params = {k: v.astype(np.float32) for k, v in params.items()}
    elif case == "transposed view":
        params["W1"] = np.asfortranarray(params["W1"])
    elif case == "grads missing one":
        del grads["b1"]
    elif case == "callable grads":
        grads = {k: (lambda p: v) for k, v in grads.items()}
    elif case == "a list of numbers":
        params, grads = [1.0, 2.0], [0.0, 0.0]
    elif case == "empty":
        params, grads = {}, {}
    elif case == "infinite parameter":
        params["W2"][0, 0] = np.inf
    elif case == "read-only":
        params["W2"].flags.writeable = False
    assert plain_problem(params, grads) is None


def test_a_loss_that_raises_leaves_the_parameters_as_they_were():
    params, calls = network(3, as_list=True), [0]
    before = [array.copy() for array in params]

    def loss(p):
        calls[0] += 1
        if calls[0] == 20:
            raise ZeroDivisionError("the learner's own bug")
        return loss_and_grads(p, "tanh")[0]

    with pytest.raises(ZeroDivisionError):
        check_gradients(loss, params, loss_and_grads(params, "tanh")[1])
    assert all(np.array_equal(a, b) for a, b in zip(params, before))


def test_a_loss_returning_a_tuple_is_refused_on_the_quick_path():
    params = network(0, as_list=False)
    with pytest.raises(LossFunctionError, match="tuple"):
        check_gradients(lambda p: loss_and_grads(p, "tanh"), params, loss_and_grads(params, "tanh")[1])


def test_a_loss_taking_two_arguments_is_named_and_a_type_error_of_its_own_is_left_alone():
    params = network(0, as_list=False)
    grads = loss_and_grads(params, "tanh")[1]
    with pytest.raises(ParameterError, match=r"loss_fn must take one argument .*got loss\(params, X\)"):
        def loss(params, X):
            return 0.0
        check_gradients(loss, params, grads)

    def typo(p):
        return float(np.sum(p["W1"])) + "0.5"          # the learner's own TypeError, with its own message

    with pytest.raises(TypeError, match="unsupported operand"):
        check_gradients(typo, params, grads)
    assert np.array_equal(params["W1"], network(0, as_list=False)["W1"])
