"""Property-based tests of a learner's own network: run with `pytest examples/ci`."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from my_network import MyNetwork
from shapecheck import strategies as sst
from shapecheck.testing import assert_gradients_close, assert_matches_reference, assert_no_shape_warnings

SPECS = sst.mlp_specs(min_hidden=1, max_hidden=1, activations=["tanh"], output_loss=[("identity", "mse")],
                      layouts=["rows"])


@settings(max_examples=25)
@given(spec=SPECS, seed=st.integers(0, 999), data=st.data())
def test_gradients_match_finite_differences(spec, seed, data):
    net = MyNetwork(*spec.sizes, seed=seed)
    X, Y = data.draw(sst.batches(spec))
    assert_gradients_close(lambda _: net.loss(X, Y), net.params, net.gradients(X, Y))


@settings(max_examples=25)
@given(spec=SPECS, seed=st.integers(0, 999), data=st.data())
def test_gradients_match_the_reference(spec, seed, data):
    net = MyNetwork(*spec.sizes, seed=seed)
    X, Y = data.draw(sst.batches(spec))
    assert_matches_reference(X, Y, params=net.params, gradients=net.gradients, **spec.options())


@given(spec=SPECS, data=st.data())
def test_no_silent_broadcasts(spec, data):
    net = MyNetwork(*spec.sizes)
    X, Y = data.draw(sst.batches(spec))
    assert_no_shape_warnings(net.gradients, X, Y)


@pytest.mark.shapecheck          # the whole test runs traced: a silent shape bug fails it
def test_one_training_step_is_shape_clean():
    import numpy as np

    net = MyNetwork(5, 3, 2)
    X, Y = np.ones((7, 5)), np.zeros((7, 2))
    for name, grad in net.gradients(X, Y).items():
        net.params[name] -= 0.1 * grad
