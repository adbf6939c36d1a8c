"""shapecheck.strategies: distinct sizes, valid combinations, valid data, kink-free parameters, validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_nets import MLP, get_layout, param_shapes
from shapecheck import ConfigurationError
from shapecheck import strategies as sst


@given(sst.layer_sizes(min_hidden=1, max_hidden=3, max_width=9))
def test_layer_sizes_are_pairwise_distinct_batch_size_included(drawn):
    sizes, n = drawn
    assert 3 <= len(sizes) <= 5 and len(set(sizes) | {n}) == len(sizes) + 1


@settings(max_examples=40, deadline=None)
@given(sst.mlp_specs(), st.data())
def test_specs_build_networks_and_batches_fit_them(spec, data):
    net = MLP(spec.sizes, **spec.options())
    X, Y = data.draw(sst.batches(spec))
    layout = get_layout(spec.layout)
    assert X.shape == layout.data_shape(spec.n, spec.sizes[0]) and np.isfinite(X).all()
    if spec.loss == "softmax-cross-entropy":
        assert np.array_equal(layout.to_rows(Y).sum(axis=1), np.ones(spec.n))
    if spec.loss == "bce":
        assert set(np.unique(Y)) <= {0.0, 1.0}
    assert np.isfinite(net.loss(X, Y))


@given(sst.mlp_specs(activations=["relu"]), st.data())
def test_parameters_have_the_layout_shapes_and_avoid_kinks(spec, data):
    params = data.draw(sst.parameters(spec))
    assert {k: v.shape for k, v in params.items()} == param_shapes(spec.sizes, spec.layout)
    assert all(np.abs(v).min() >= 0.05 for v in params.values())


@given(st.data())
def test_batches_with_sample_bounds(data):
    spec = sst.MLPSpec((3, 4, 2), 5, "tanh", "identity", "mse", "columns")
    X, Y = data.draw(sst.batches(spec, min_samples=2, max_samples=3))
    assert X.shape[0] == 3 and X.shape[1] in (2, 3) and Y.shape == (2, X.shape[1])


@pytest.mark.parametrize("call, message", [
    (lambda: sst.layer_sizes(min_hidden=3, max_hidden=1), "min_hidden=3 is larger than max_hidden=1"),
    (lambda: sst.layer_sizes(min_width=0), "min_width=0 must be an int >= 1"),
    (lambda: sst.layer_sizes(max_width=4), "distinct=True needs 5 different sizes"),
    (lambda: sst.layer_sizes(distinct="yes"), "distinct='yes' must be True or False"),
    (lambda: sst.mlp_specs(activations=["swish"]), "activations=\\['swish'\\]: choose from"),
    (lambda: sst.batches("spec"), "spec must be an MLPSpec"),
])
def test_bad_arguments_show_the_value(call, message):
    with pytest.raises(ConfigurationError, match=message):
        call()                                      # validated when called, before anything is drawn
