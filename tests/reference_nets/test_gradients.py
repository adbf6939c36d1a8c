"""The reference gradients agree with finite differences everywhere."""

import numpy as np
from hypothesis import assume, given, settings

from reference_nets import MLP, convert_params
from reference_nets.activations import KINKED
from tests.strategies import min_abs_hidden_preactivation, networks, numeric_gradients, relative_error


@settings(max_examples=150, deadline=None)
@given(networks())
def test_gradients_match_central_differences(case):
    """Every layout, activation, output/loss pair, reduction and bias setting: relative error < 1e-6."""
    net, X, Y = case
    if net.activation.name in KINKED:
        assume(min_abs_hidden_preactivation(net, X) > 1e-3)  # stay away from the kink at 0
    if net.output.name in KINKED:
        assume(float(np.abs(net.forward(X).Z[net.n_layers]).min()) > 1e-3)
    analytic = net.gradients(X, Y)
    numeric = numeric_gradients(lambda: net.loss(X, Y), net.params)
    assert list(analytic) == list(net.params)
    for name in net.params:
        assert analytic[name].shape == net.params[name].shape
        scale = max(np.abs(numeric[name]).max(), 1.0)
        # norm-relative error, with an absolute floor of 1e-9 for tensors whose gradient is ~0
        err = np.linalg.norm(analytic[name] - numeric[name])
        assert err <= 1e-6 * np.linalg.norm(numeric[name]) or err < 1e-9 * scale, (
            name, relative_error(analytic[name], numeric[name]))


def test_gradients_of_a_known_tiny_case():
    """Hand-derived: one linear unit, mse, rows: dW = X.T (A - Y) / n."""
    net = MLP([2, 1], activation="tanh", output="identity", loss="mse", seed=0)
    net.load_params({"W1": np.array([[0.5], [-1.0]]), "b1": np.array([[0.25]])})
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]])
    Y = np.array([[1.0], [0.0], [2.0]])
    A = X @ net.params["W1"] + 0.25
    grads = net.gradients(X, Y)
    np.testing.assert_allclose(grads["W1"], X.T @ (A - Y) / 3)
    np.testing.assert_allclose(grads["b1"], (A - Y).sum(axis=0, keepdims=True) / 3)
    assert net.loss(X, Y) == np.mean(0.5 * ((A - Y) ** 2).sum(axis=1))


def test_sum_reduction_is_n_times_mean():
    """reduction='sum' drops the 1/n: gradients exactly n times larger."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
    mean = MLP([5, 3, 2], activation="tanh", output="identity", loss="mse", seed=1)
    total = MLP([5, 3, 2], activation="tanh", output="identity", loss="mse", reduction="sum", seed=1)
    for name, grad in mean.gradients(X, Y).items():
        np.testing.assert_allclose(total.gradients(X, Y)[name], 7 * grad)
    half_sse = MLP([5, 3, 2], activation="tanh", output="identity", loss="half-sse", seed=1)
    assert np.isclose(half_sse.loss(X, Y), 7 * mean.loss(X, Y))


def test_derivative_is_taken_at_preactivation():
    """Sigmoid hidden layer: dZ1 uses sigmoid'(Z1) = A1 (1 - A1), not sigmoid'(A1)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 4)), (rng.random((6, 1)) > 0.5).astype(float)
    net = MLP([4, 3, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=2)
    fp = net.forward(X)
    dZ2 = fp.A[2] - Y
    dZ1 = (dZ2 @ net.params["W2"].T) * fp.A[1] * (1 - fp.A[1])
    np.testing.assert_allclose(net.gradients(X, Y)["W1"], X.T @ dZ1 / 6)


def test_the_forward_pass_reads_as_a_mapping_of_its_quantities():
    """``list(net.forward(X))`` raised TypeError (the old iteration protocol called cache[0])."""
    import pytest

    X = np.random.default_rng(1).normal(size=(7, 5))
    fp = MLP([5, 3, 4, 2], seed=0).forward(X)
    assert list(fp) == ["A0", "Z1", "A1", "Z2", "A2", "Z3", "A3"] and len(fp) == 7
    assert {name: value.shape for name, value in dict(fp).items()} == {
        "A0": (7, 5), "Z1": (7, 3), "A1": (7, 3), "Z2": (7, 4), "A2": (7, 4), "Z3": (7, 2), "A3": (7, 2)}
    with pytest.raises(KeyError, match="use Z1..Z3 or A0..A3"):
        fp[0]


@settings(max_examples=60, deadline=None)
@given(networks(layouts=["rows"]))
def test_layouts_agree(case):
    """The same weights in the three layouts: the same loss and the corresponding (transposed) gradients."""
    rows, X, Y = case
    expected_loss, expected_grads = rows.loss(X, Y), rows.gradients(X, Y)
    for layout in ("columns", "columns-wT"):
        other = MLP.from_params(convert_params(rows.params, "rows", layout), layout=layout,
                                activation=rows.activation.name, output=rows.output.name, loss=rows.loss_fn.name,
                                reduction=rows.reduction)
        assert other.layout.name == layout
        assert np.isclose(other.loss(X.T, Y.T), expected_loss, rtol=1e-12)
        back = convert_params(other.gradients(X.T, Y.T), layout, "rows")
        for name in expected_grads:
            np.testing.assert_allclose(back[name], expected_grads[name], rtol=1e-10, atol=1e-14)
