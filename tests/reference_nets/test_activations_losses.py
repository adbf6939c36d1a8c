"""Activations and losses: derivatives, formulas, and numerical stability at extreme pre-activations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference_nets import HIDDEN_ACTIVATIONS, MLP, hidden_activation, output_activation
from reference_nets.activations import KINKED, sigmoid, softmax
from shapecheck import ConfigurationError

finite = st.floats(-20, 20, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(HIDDEN_ACTIVATIONS), arrays(np.float64, (5, 3), elements=finite))
def test_derivative_matches_finite_differences(name, z):
    """f'(z) agrees with (f(z + h) - f(z - h)) / 2h away from kinks."""
    act = hidden_activation(name)
    if name in KINKED:
        z = np.where(np.abs(z) < 1e-3, 0.5, z)
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z=z), numeric, rtol=1e-5, atol=1e-8)


def test_derivative_refuses_positional_argument():
    """derivative() only takes z= by keyword, so passing A by accident is visible (or a TypeError)."""
    with pytest.raises(TypeError):
        hidden_activation("sigmoid").derivative(np.zeros(3))


def test_sigmoid_derivative_at_z_differs_from_at_a():
    """The classic bug sigmoid'(A) gives a different number than sigmoid'(Z)."""
    act, z = hidden_activation("sigmoid"), np.array([2.0])
    assert not np.isclose(act.derivative(z=z), act.derivative(z=act(z)))
    assert np.isclose(act.derivative(z=z), act(z) * (1 - act(z)))


EXTREMES = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_activations_stable_at_extremes(name):
    """No warning (warnings are errors in this suite) and no NaN at z = +-1000."""
    act = hidden_activation(name)
    assert np.isfinite(act(EXTREMES)).all()
    assert np.isfinite(act.derivative(z=EXTREMES)).all()


def test_sigmoid_and_softmax_values():
    assert sigmoid(np.array([-1000.0]))[0] == 0.0 and sigmoid(np.array([1000.0]))[0] == 1.0
    assert np.isclose(sigmoid(np.array([0.3]))[0], 1 / (1 + np.exp(-0.3)))
    s = softmax(np.array([[1000.0, 0.0, -1000.0]]), axis=1)
    np.testing.assert_allclose(s, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(softmax(np.array([[1.0], [2.0]]), axis=0).sum(), 1.0)


@pytest.mark.parametrize("output, loss", [("sigmoid", "bce"), ("softmax", "softmax-cross-entropy"),
                                          ("identity", "mse"), ("sigmoid", "mse"), ("tanh", "half-sse")])
@pytest.mark.parametrize("layout", ["rows", "columns", "columns-wT"])
def test_network_stable_at_extreme_preactivations(output, loss, layout):
    """Pre-activations of +-1000 in every layer: finite loss and gradients, no warnings."""
    net = MLP([2, 3, 2], activation="sigmoid", output=output, loss=loss, layout=layout, seed=0)
    for name, value in net.params.items():
        value[...] = np.where(np.arange(value.size).reshape(value.shape) % 2, 1000.0, -1000.0)
    X = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    if layout != "rows":
        X, Y = X.T, Y.T
    Z = net.forward(X).Z
    assert np.abs(Z[1]).max() >= 1000 and np.abs(Z[2]).max() >= 1000
    assert np.isfinite(net.loss(X, Y))
    assert all(np.isfinite(g).all() for g in net.gradients(X, Y).values())


def test_bce_formula_matches_naive_version():
    """Stable bce from logits equals -(y log a + (1-y) log(1-a)) where the naive form is safe."""
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(7, 3)), (rng.random((7, 2)) > 0.5).astype(float)
    net = MLP([3, 5, 2], activation="tanh", output="sigmoid", loss="bce", seed=0)
    A = net.forward(X).output
    naive = np.mean(-(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(axis=1))
    assert np.isclose(net.loss(X, Y), naive)


def test_softmax_cross_entropy_formula_and_integer_labels():
    """Cross-entropy equals -mean log A[true class]; integer labels give the same as one-hot."""
    rng = np.random.default_rng(2)
    X, labels = rng.normal(size=(7, 3)), rng.integers(0, 4, size=7)
    net = MLP([3, 5, 4], activation="relu", output="softmax", loss="softmax-cross-entropy", seed=0)
    A = net.forward(X).output
    assert np.isclose(net.loss(X, labels), -np.mean(np.log(A[np.arange(7), labels])))
    assert np.isclose(net.loss(X, labels), net.loss(X, np.eye(4)[labels]))
    cols = MLP([3, 5, 4], activation="relu", output="softmax", loss="softmax-cross-entropy", layout="columns",
               seed=0)
    assert np.isfinite(cols.loss(X.T, labels))


def test_mse_is_half_squared_error_mean_over_samples():
    X, Y = np.array([[0.0], [0.0]]), np.array([[1.0, 2.0], [3.0, 0.0]])
    net = MLP([1, 2], activation="tanh", output="identity", loss="mse", seed=0)
    net.params["W1"][...] = 0.0
    assert net.loss(X, Y) == pytest.approx(0.5 * (1 + 4 + 9) / 2)


def test_softmax_not_allowed_in_hidden_layers():
    with pytest.raises(ConfigurationError, match="softmax is an output activation"):
        hidden_activation("softmax")
    assert output_activation("softmax").name == "softmax"
