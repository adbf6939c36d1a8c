"""Parameter sets: shapes per layout, validation messages, layout conversion, folded bias."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_nets import (
    LAYOUTS, MLP, add_ones, convert_params, fold_bias, get_layout, param_shapes, unfold_bias, validate_params,
)
from shapecheck import ConfigurationError, DTypeError, NonFiniteError, ParameterError, ShapecheckError, ShapeError
from tests.strategies import distinct_sizes


def test_documented_shapes_per_layout():
    """[5, 3, 2]: the three layouts' W and b shapes, as the module docstring tables them."""
    assert param_shapes([5, 3, 2], "rows") == {"W1": (5, 3), "b1": (1, 3), "W2": (3, 2), "b2": (1, 2)}
    assert param_shapes([5, 3, 2], "columns") == {"W1": (3, 5), "b1": (3, 1), "W2": (2, 3), "b2": (2, 1)}
    assert param_shapes([5, 3, 2], "columns-wT") == {"W1": (5, 3), "b1": (3, 1), "W2": (3, 2), "b2": (2, 1)}
    assert param_shapes([5, 3, 2], "rows", bias=False) == {"W1": (5, 3), "W2": (3, 2)}


def test_wrong_shape_names_expected_shape_and_hints_transpose():
    params = {"W1": np.zeros((5, 3)), "b1": np.zeros((1, 3)), "W2": np.zeros((2, 3)), "b2": np.zeros((1, 2))}
    with pytest.raises(ShapeError) as info:
        validate_params(params, [5, 3, 2], "rows")
    message = str(info.value)
    assert "W2 has shape (2, 3)" in message and "expects (3, 2) = (h, t)" in message
    assert "transposed" in message and "'columns'" in message
    assert info.value.name == "W2" and info.value.expected == (3, 2) and info.value.got == (2, 3)


def test_one_d_bias_gets_reshape_hint():
    params = {"W1": np.zeros((5, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 2)), "b2": np.zeros((1, 2))}
    with pytest.raises(ShapeError, match=r"b1 has shape \(3,\).*expects \(1, 3\).*b1.reshape\(1, 3\)"):
        validate_params(params, [5, 3, 2], "rows")


def test_missing_and_extra_keys():
    with pytest.raises(ParameterError, match="missing b2; unexpected W3"):
        validate_params({"W1": np.zeros((5, 3)), "b1": np.zeros((1, 3)), "W2": np.zeros((3, 2)),
                         "W3": np.zeros(1)}, [5, 3, 2])


def test_list_of_arrays_in_order_is_accepted():
    arrays = [np.ones((5, 3)), np.ones((1, 3)), np.ones((3, 2)), np.ones((1, 2))]
    assert list(validate_params(arrays, [5, 3, 2])) == ["W1", "b1", "W2", "b2"]
    with pytest.raises(ParameterError, match="expected 4 arrays"):
        validate_params(arrays[:3], [5, 3, 2])


def test_integer_and_non_array_parameters_refused():
    with pytest.raises(DTypeError, match="W1 has integer dtype int64.*astype"):
        validate_params([np.ones((5, 3), dtype=np.int64), np.ones((3, 2))], [5, 3, 2], bias=False)
    with pytest.raises(DTypeError, match="W1 must be a numeric array, got str"):
        validate_params(["abc", np.ones((3, 2))], [5, 3, 2], bias=False)
    with pytest.raises(ParameterError, match="got int"):
        validate_params(5, [5, 3, 2])


def test_nan_parameter_is_located():
    W1 = np.ones((5, 3))
    W1[2, 1] = np.nan
    with pytest.raises(NonFiniteError, match=r"W1 contains 1 non-finite value\(s\); the first is nan at index \(2, 1\)"):
        validate_params([W1, np.ones((3, 2))], [5, 3, 2], bias=False)


def test_loaded_params_are_copies_in_float64():
    W = np.ones((5, 3), dtype=np.float32)
    net = MLP([5, 3, 2], activation="tanh", output="identity", loss="mse", bias=False)
    net.load_params([W, np.ones((3, 2))])
    assert net.params["W1"].dtype == np.float64 and net.params["W1"] is not W


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="sigmod"), "unknown activation 'sigmod'; choose one of: sigmoid, tanh"),
    (dict(loss="cross-entropy"), "unknown loss 'cross-entropy'; choose one of: mse"),
    (dict(layout="row"), "unknown layout 'row'; choose one of: rows, columns, columns-wT"),
    (dict(output="identity", loss="bce"), "loss 'bce' needs output='sigmoid'"),
    (dict(reduction="avg"), "unknown reduction 'avg'"),
    (dict(init="glorot"), "unknown init 'glorot'"),
])
def test_unknown_names_and_bad_combinations(kwargs, match):
    options = dict(activation="tanh", output="sigmoid", loss="bce") | kwargs
    with pytest.raises(ConfigurationError, match=match):
        MLP([2, 3, 1], **options)


@pytest.mark.parametrize("sizes", [[3], [], [3, 0, 1], [2.5, 3], "23", [True, 2]])
def test_bad_layer_sizes(sizes):
    with pytest.raises(ConfigurationError, match="layer_sizes must be a list of at least two positive ints"):
        MLP(sizes, activation="tanh", output="identity", loss="mse")


def test_data_errors_show_given_and_expected():
    net = MLP([5, 3, 2], activation="tanh", output="identity", loss="mse")
    X, Y = np.zeros((7, 5)), np.zeros((7, 2))
    with pytest.raises(ShapeError, match=r"X has shape \(5, 7\).*expects \(n, d\) with d=5.*looks transposed"):
        net.loss(X.T, Y)
    with pytest.raises(ShapeError, match=r"Y has shape \(6, 2\).*output has shape \(7, 2\).*different numbers of samples"):
        net.loss(X, np.zeros((6, 2)))
    one = MLP([5, 3, 1], activation="tanh", output="identity", loss="mse")
    with pytest.raises(ShapeError, match=r"Y has shape \(7,\).*Y.reshape\(-1, 1\).*\(n, n\)"):
        one.loss(X, np.zeros(7))
    X_nan = X.copy()
    X_nan[3, 4] = np.inf
    with pytest.raises(NonFiniteError, match=r"X contains 1 non-finite.*\(3, 4\)"):
        net.gradients(X_nan, Y)
    with pytest.raises(ShapecheckError, match=r"Y holds class label 4, but the network has t=4 classes \(labels 0..3\)"):
        MLP([5, 3, 4], activation="tanh", output="softmax", loss="softmax-cross-entropy").loss(X, np.arange(7))
    with pytest.raises(ConfigurationError, match="lr must be a positive, finite float, got -1"):
        net.fit(X, Y, epochs=1, lr=-1)


def test_integer_data_is_accepted():
    """Truth tables typed as ints are data, not parameters: they are converted."""
    net = MLP([2, 3, 1], activation="tanh", output="sigmoid", loss="bce")
    assert np.isfinite(net.loss(np.array([[0, 1], [1, 0]]), np.array([[1], [1]])))


@settings(max_examples=40, deadline=None)
@given(distinct_sizes(), st.sampled_from(LAYOUTS), st.sampled_from(LAYOUTS), st.integers(0, 1000))
def test_conversion_round_trip_and_forward_equivalence(case, source, target, seed):
    """Converting between layouts keeps the network's function; converting back restores the arrays."""
    sizes, n = case
    net = MLP(sizes, activation="tanh", output="identity", loss="mse", layout=source, seed=seed)
    for value in net.params.values():
        value += 0.1
    converted = convert_params(net.params, source, target)
    assert {k: v.shape for k, v in converted.items()} == param_shapes(sizes, target)
    back = convert_params(converted, target, source)
    assert all(np.array_equal(back[k], net.params[k]) for k in net.params)
    X = np.random.default_rng(seed).normal(size=(n, sizes[0]))
    other = MLP.from_params(converted, layout=target, activation="tanh", output="identity", loss="mse")
    np.testing.assert_allclose(get_layout(target).to_rows(other.forward(get_layout(target).from_rows(X)).output),
                               get_layout(source).to_rows(net.forward(get_layout(source).from_rows(X)).output))


@settings(max_examples=40, deadline=None)
@given(distinct_sizes(max_hidden=1), st.sampled_from(LAYOUTS), st.sampled_from(["first", "last"]))
def test_folded_bias_computes_the_same_layer(case, layout, position):
    """W_folded applied to the input with a ones feature equals W applied to the input plus b."""
    sizes, n = case
    lay = get_layout(layout)
    net = MLP(sizes, activation="tanh", output="identity", loss="mse", layout=layout, seed=1)
    for value in net.params.values():
        value += 0.3
    folded = fold_bias(net.params, layout, position=position)
    d, h = sizes[0], sizes[1]
    assert folded["W1"].shape == lay.weight_shape(d + 1, h)
    X = lay.from_rows(np.random.default_rng(0).normal(size=(n, d)))
    X1 = add_ones(X, layout, position=position)
    assert X1.shape == lay.data_shape(n, d + 1)
    np.testing.assert_allclose(lay.affine(X1, folded["W1"], 0.0), net.forward(X).Z[1])
    unfolded = unfold_bias(folded, layout, position=position)
    assert all(np.array_equal(unfolded[k], net.params[k]) for k in net.params)


def test_fold_bias_rows_puts_bias_in_last_row():
    params = {"W1": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "b1": np.array([[7.0, 8.0]])}
    np.testing.assert_array_equal(fold_bias(params, "rows")["W1"][-1], [7.0, 8.0])
    np.testing.assert_array_equal(fold_bias(params, "rows", position="first")["W1"][0], [7.0, 8.0])
    with pytest.raises(ConfigurationError, match="position must be 'first' or 'last'"):
        fold_bias(params, "rows", position="top")
