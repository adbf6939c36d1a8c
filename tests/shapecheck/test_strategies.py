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


def test_both_import_spellings_give_the_same_module():
    """`import shapecheck.strategies` (an older suite's spelling) works, in a fresh interpreter too, and is the
    module `from shapecheck import strategies` gives."""
    import subprocess
    import sys

    import shapecheck.strategies as dotted

    assert dotted is sst and dotted.MLPSpec is sst.MLPSpec
    code = ("import shapecheck.strategies as a; from shapecheck import strategies as b; "
            "assert a is b and a.MLPSpec.__name__ == 'MLPSpec'; print('same')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "same", result.stderr


def _simplest(strategy):
    """hypothesis's minimal example of ``strategy``: what a failing test shrinks toward."""
    from hypothesis import find

    return find(strategy, lambda _: True, settings=settings(database=None))


def test_simplest_sizes_are_small_and_distinct():
    for strategy in (sst.layer_sizes(), sst.layer_sizes(min_hidden=2, max_hidden=3, min_width=2, max_width=9)):
        sizes, n = _simplest(strategy)
        assert max(*sizes, n) <= 9 and len({*sizes, n}) == len(sizes) + 1
    spec = _simplest(sst.mlp_specs())
    assert max(*spec.sizes, spec.n) <= 8 and len({*spec.sizes, spec.n}) == len(spec.sizes) + 1


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("output, loss", sst.OUTPUT_LOSS)
def test_simplest_batch_is_a_real_batch(output, loss, layout):
    """The batch a failing test shrinks to has no all-zero X or Y (where most backprop bugs vanish from the
    weights' gradients), for every loss, with and without sample bounds."""
    sizes = (2, 3, 4) if output != "softmax" else (2, 3, 5)
    spec = sst.MLPSpec(sizes, 6, "tanh", output, loss, layout)
    for strategy in (sst.batches(spec), sst.batches(spec, min_samples=1, max_samples=7)):
        X, Y = _simplest(strategy)
        assert np.abs(X).min() > 0 and np.abs(Y).max() > 0
        assert np.unique(X).size == X.size                            # not one value repeated
        if loss == "bce":
            assert set(np.unique(Y)) <= {0.0, 1.0} and Y.size == 1 or set(np.unique(Y)) == {0.0, 1.0}


def test_simplest_one_entry_bce_target_is_one():
    spec = sst.MLPSpec((2, 3, 1), 4, "tanh", "sigmoid", "bce", "rows")
    X, Y = _simplest(sst.batches(spec, min_samples=1, max_samples=1))
    assert X.shape == (1, 2) and Y.tolist() == [[1.0]]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simplest_parameters_are_not_zero(activation):
    spec = _simplest(sst.mlp_specs(activations=[activation]))
    params = _simplest(sst.parameters(spec))
    assert all(np.abs(v).min() > 0 and np.unique(v).size == v.size for v in params.values())
    X, _ = _simplest(sst.batches(spec))
    assert not np.allclose(params["W1"].ravel(), X.ravel()[:params["W1"].size] / 2)   # not the batch's stream


@given(st.data())
def test_seeded_batches_are_reproducible_from_their_seed(data):
    spec = sst.MLPSpec((3, 4, 2), 5, "tanh", "identity", "mse", "columns")
    seed = data.draw(st.integers(0, 2**32 - 1))
    X, Y = sst.seeded_batch(spec, 5, seed)
    again = sst.seeded_batch(spec, 5, seed)
    assert np.array_equal(X, again[0]) and np.array_equal(Y, again[1]) and X.shape == (3, 5)
