"""The checker across modes and methods: correct gradients pass, planted bugs are named and located."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_nets import MLP
from shapecheck import ComplexStepWarning, PrecisionWarning, check_gradients, check_network
from tests.strategies import functional_cases, functional_mlp_grads, functional_mlp_loss, networks

MODES = ["full", "sample", "fast"]
METHODS = ["central", "forward", "richardson", "complex"]


def bitwise_copy(params):
    return {k: v.copy() for k, v in params.items()}


def assert_same_bits(params, saved):
    for k in params:
        assert params[k].tobytes() == saved[k].tobytes(), k


@settings(max_examples=30, deadline=None)
@given(functional_cases(), st.sampled_from(MODES), st.sampled_from(METHODS))
def test_correct_gradients_pass_in_every_mode_and_method(case, mode, method):
    """A loss that reads its argument is complex-safe, so every method really runs (no fallback)."""
    params, X, Y = case
    saved = bitwise_copy(params)
    report = check_gradients(functional_mlp_loss(X, Y), params, functional_mlp_grads(params, X, Y),
                             mode=mode, method=method)
    assert report.ok, str(report)
    assert report.method == method
    assert_same_bits(params, saved)


@settings(max_examples=30, deadline=None)
@given(networks(activations=["tanh", "sigmoid"]), st.sampled_from(MODES),
       st.sampled_from(["central", "forward", "richardson"]))
def test_reference_networks_pass_in_every_mode(case, mode, method):
    """Closures over the reference network (they ignore their argument) in every layout and loss."""
    net, X, Y = case
    report = check_gradients(lambda _p: net.loss(X, Y), net.params, net.gradients(X, Y), mode=mode, method=method)
    assert report.ok, str(report)
    assert check_network(net, X, Y, mode=mode, method=method).ok


def plant(grads, kind, name, index):
    """One of the planted bug kinds, applied to a copy of ``grads``."""
    bad = {k: v.copy() for k, v in grads.items()}
    if kind == "entry":
        bad[name][index] += 0.05 * max(1.0, abs(bad[name][index]))
    elif kind == "scaled":
        bad[name] *= 2.0
    elif kind == "sign":
        bad[name] = -bad[name]
    elif kind == "transposed":
        bad[name] = bad[name].T.copy()
    return bad


@settings(max_examples=40, deadline=None)
@given(functional_cases(), st.sampled_from(["full", "fast"]), st.sampled_from(["central", "richardson", "complex"]),
       st.sampled_from(["W1", "b1", "W2", "b2"]), st.data())
def test_one_wrong_entry_is_named_and_located(case, mode, method, name, data):
    params, X, Y = case
    grads = functional_mlp_grads(params, X, Y)
    index = tuple(data.draw(st.integers(0, s - 1)) for s in params[name].shape)
    report = check_gradients(functional_mlp_loss(X, Y), params, plant(grads, "entry", name, index),
                             mode=mode, method=method)
    assert not report.ok
    row = report[name]
    assert row.status == "FAIL" and row.worst_index == index
    if mode == "fast":
        assert row.suspects == (index,)
    assert [r.name for r in report.rows if not r.ok] == [name]
    assert f"gradients WRONG in {name}: {name}{list(index)}" in report.summary


@settings(max_examples=30, deadline=None)
@given(functional_cases(), st.sampled_from(MODES), st.sampled_from(["scaled", "sign"]),
       st.sampled_from(["W1", "W2"]))
def test_scaled_and_sign_flipped_tensors_are_caught_and_described(case, mode, kind, name):
    params, X, Y = case
    grads = functional_mlp_grads(params, X, Y)
    report = check_gradients(functional_mlp_loss(X, Y), params, plant(grads, kind, name, None), mode=mode,
                             samples=3)
    assert not report.ok and report[name].status == "FAIL"
    if mode != "sample":
        assert ("sign is flipped" if kind == "sign" else "2 x numeric") in report[name].detail


@settings(max_examples=20, deadline=None)
@given(functional_cases(square_w2=True), st.sampled_from(["full", "fast"]))
def test_transposed_square_tensor_is_caught(case, mode):
    params, X, Y = case
    grads = functional_mlp_grads(params, X, Y)
    if np.allclose(grads["W2"], grads["W2"].T):
        return  # a symmetric gradient is its own transpose: nothing to catch
    report = check_gradients(functional_mlp_loss(X, Y), params, plant(grads, "transposed", "W2", None), mode=mode)
    assert not report.ok and report["W2"].status == "FAIL"
    if mode == "full":
        assert "transposed" in report["W2"].detail


def test_fast_mode_costs_on_a_large_network():
    """[784, 100, 10]: 2 evaluations per correct tensor for the verdict; one wrong entry found in <= 64 more."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(16, 784)), np.eye(10)[rng.integers(0, 10, 16)]
    net = MLP([784, 100, 10], activation="tanh", output="softmax", loss="softmax-cross-entropy", seed=0)
    grads = net.gradients(X, Y)
    loss = lambda _p: net.loss(X, Y)  # noqa: E731
    clean = check_gradients(loss, net.params, grads, mode="fast")
    assert clean.ok and clean.evaluations == 1 + 2 * 4
    grads["W1"][700, 37] += 1e-4
    report = check_gradients(loss, net.params, grads, mode="fast")
    assert report["W1"].worst_index == (700, 37) and report["W1"].suspects == ((700, 37),)
    assert report.evaluations - clean.evaluations <= 64


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 70_000), st.integers(0, 2**32 - 1))
def test_fast_mode_directions_weigh_every_entry_at_least_0_48(size, seed):
    """Every entry of a random direction has magnitude in (0.48, 1.45) (so one wrong entry moves the
    directional derivative by at least about half its error, wherever it sits), random signs, and mean square
    1 (the scale the stated power is computed for)."""
    from shapecheck.gradcheck.fastmode import _direction

    v = _direction(np.random.default_rng(seed), size)
    assert v.shape == (size,) and v.dtype == np.float64
    assert np.abs(v).min() > 0.48 and np.abs(v).max() < 1.45
    if size >= 10_000:
        assert abs(np.mean(v ** 2) - 1) < 0.03 and abs(np.mean(v > 0) - 0.5) < 0.03
        assert len(np.unique(np.abs(v))) > 5_000          # many levels: an antisymmetric error does not cancel


@settings(max_examples=40, deadline=None)
@given(st.integers(8_193, 120_000), st.sampled_from(["lognormal", "zeros", "ties", "rows of zeros"]),
       st.integers(0, 2**32 - 1))
def test_fast_modes_sampled_median_is_never_above_the_true_one(size, shape, seed):
    """Above 8,192 entries fast mode takes the median of |g| from a sample, low: never above the exact median,
    so the entries its stated power covers include every entry of median size or more."""
    from shapecheck.gradcheck.fastmode import _median_or_below

    rng = np.random.default_rng(seed)
    g = np.abs(rng.lognormal(0, 3, size))
    if shape == "zeros":
        g[rng.random(size) < 0.45] = 0.0
    elif shape == "ties":
        g[rng.random(size) < 0.3] = float(np.median(g))
    elif shape == "rows of zeros":                   # MNIST's border pixels: whole rows of W1's gradient are 0
        g[: size // 3] = 0.0
    exact = float(np.partition(g, size // 2)[size // 2])
    assert _median_or_below(g.copy()) <= exact


def relu_net_at_a_kink():
    """A ReLU network where hidden pre-activation Z1[0, 1] is exactly 0."""
    net = MLP([2, 3, 1], activation="relu", output="identity", loss="mse", seed=0)
    net.params["W1"][...] = [[1.0, 0.5, -1.0], [2.0, -1.0, 0.5]]
    net.params["b1"][...] = [[0.1, 0.0, 0.2]]
    X = np.array([[1.0, 0.5], [0.3, -0.2], [-1.0, 0.4], [0.7, 0.9]])   # X[0] @ W1[:, 1] = 0
    Y = np.array([[1.0], [0.0], [0.5], [-0.5]])
    assert net.forward(X).Z[1][0, 1] == 0.0
    return net, X, Y


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_kink_is_reported_as_kink_not_fail(method):
    net, X, Y = relu_net_at_a_kink()
    report = check_gradients(lambda _p: net.loss(X, Y), net.params, net.gradients(X, Y), method=method)
    assert report.ok
    assert report["b1"].status == "kink" and report["b1"].worst_index == (0, 1)
    assert "kinks (one-sided differences disagree) in W1, b1" in report.summary


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", METHODS)
def test_params_restored_after_exception_nan_and_interrupt(mode, method):
    rng = np.random.default_rng(1)
    params = {"W": rng.normal(size=(5, 3)), "b": rng.normal(size=(1, 3))}
    saved = bitwise_copy(params)
    grads = {"W": 3 * params["W"] ** 2, "b": np.ones((1, 3))}

    def failing(after, error):
        calls = []

        def loss(p):
            calls.append(1)
            if len(calls) >= after:
                raise error
            return float(np.sum(params["W"] ** 3) + np.sum(params["b"]))

        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ComplexStepWarning)
        for error in (RuntimeError("boom"), KeyboardInterrupt()):
            with pytest.raises(type(error)):
                check_gradients(failing(3, error), params, grads, mode=mode, method=method)  # during a move
            assert_same_bits(params, saved)
        report = check_gradients(lambda p: float("nan"), params, grads, mode=mode, method=method)
    assert not report.ok and report["W"].status == "nan"
    assert_same_bits(params, saved)


def test_float32_parameters_warn_and_do_not_fail_a_correct_gradient():
    rng = np.random.default_rng(2)
    params64 = {"W1": rng.normal(size=(5, 3)), "b1": rng.normal(size=(1, 3)), "W2": rng.normal(size=(3, 2)),
                "b2": rng.normal(size=(1, 2))}
    X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
    params = {k: v.astype(np.float32) for k, v in params64.items()}
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    grads = functional_mlp_grads(params, X32, Y32)
    closure = lambda _p: float(functional_mlp_loss(X32, Y32)(params))  # noqa: E731 - in float32 throughout
    for loss in (functional_mlp_loss(X32, Y32), closure):
        saved = bitwise_copy(params)
        with pytest.warns(PrecisionWarning, match="float32 parameters carry about 7 significant digits"):
            report = check_gradients(loss, params, grads)
        assert report.ok, str(report)
        assert_same_bits(params, saved)
        bad = plant(grads, "entry", "W1", (1, 2))
        bad["W1"][1, 2] += 0.2
        with pytest.warns(PrecisionWarning):
            assert check_gradients(loss, params, bad)["W1"].worst_index == (1, 2)


def test_complex_step_falls_back_with_a_warning_when_the_loss_is_not_complex_safe():
    rng = np.random.default_rng(3)
    params = {"w": rng.normal(size=4)}
    with pytest.warns(ComplexStepWarning, match="complex-step derivative .* disagrees"):
        report = check_gradients(lambda p: float(np.abs(p["w"]).sum()), params,
                                 {"w": np.sign(params["w"])}, method="complex")
    assert report.ok and report.method == "central"
    assert any("complex step not used" in note for note in report.notes)


def test_complex_step_is_exact_where_it_applies():
    params, X, Y = functional_cases().example() if False else _fixed_case()
    report = check_gradients(functional_mlp_loss(X, Y), params, functional_mlp_grads(params, X, Y), method="complex")
    assert report.method == "complex" and max(r.max_rel_error for r in report.rows) < 1e-12


def _fixed_case():
    rng = np.random.default_rng(4)
    params = {"W1": rng.normal(size=(5, 3)), "b1": rng.normal(size=(1, 3)), "W2": rng.normal(size=(3, 2)),
              "b2": rng.normal(size=(1, 2))}
    return params, rng.normal(size=(7, 5)), rng.normal(size=(7, 2))


def test_sweep_tells_noise_from_a_bug():
    params, X, Y = _fixed_case()
    grads = functional_mlp_grads(params, X, Y)
    good = check_gradients(functional_mlp_loss(X, Y), params, grads).sweep("W1", (1, 2))
    assert good.correct and 1.5 < good.slope() < 2.5 and "noise, not a bug" in good.summary
    bad = check_gradients(functional_mlp_loss(X, Y), params, plant(grads, "entry", "W1", (1, 2))).sweep()
    assert not bad.correct and bad.index == (1, 2) and "a floor" in bad.summary
    assert len(str(bad).splitlines()) == 2 + 1 + 12 and bad.to_dict()["correct"] is False


def test_batched_reference_path_locates_a_planted_bug():
    """check_network takes the MLP's vectorised path; a wrong backward pass is still located exactly."""

    class Buggy(MLP):
        def _backward(self, fp, Y):
            grads = super()._backward(fp, Y)
            index = (3, 1) if self.layout.weight_is_in_out else (1, 3)   # W2[in=3, out=1]
            grads["W2"][index] *= 1.5
            return grads

    rng = np.random.default_rng(5)
    for layout in ("rows", "columns", "columns-wT"):
        net = Buggy([5, 4, 3, 2], activation="tanh", output="softmax", loss="softmax-cross-entropy", seed=1,
                    layout=layout)
        X, Y = rng.normal(size=(7, 5)), np.eye(2)[rng.integers(0, 2, 7)]
        if layout != "rows":
            X, Y = X.T, Y.T
        report = check_network(net, X, Y)
        expected = (3, 1) if layout != "columns" else (1, 3)
        assert [r.name for r in report.rows if not r.ok] == ["W2"]
        assert report["W2"].worst_index == expected and report["W2"].failed == 1


def test_batched_and_in_place_paths_agree_numerically():
    rng = np.random.default_rng(6)
    net = MLP([5, 4, 3, 2], activation="sigmoid", output="sigmoid", loss="bce", seed=2)
    X, Y = rng.normal(size=(7, 5)), (rng.random((7, 2)) > 0.5) * 1.0
    batched = check_network(net, X, Y)
    plain = check_gradients(lambda _p: net.loss(X, Y), net.params, net.gradients(X, Y))
    assert batched.evaluations == plain.evaluations
    for a, b in zip(batched.rows, plain.rows):
        assert abs(a.max_abs_error - b.max_abs_error) < 1e-8


def test_user_declared_batched_loss():
    """A loss declaring a batched form is evaluated through it, with the same verdicts."""
    from shapecheck import batched_loss

    params, X, Y = _fixed_case()

    def batched(tree):
        W1, b1, W2, b2 = tree["W1"], tree["b1"], tree["W2"], tree["b2"]
        A1 = np.tanh(X @ W1 + b1)
        A2 = A1 @ W2 + b2
        return 0.5 * ((A2 - Y) ** 2).sum(axis=(-1, -2)) / X.shape[0]

    calls = []

    @batched_loss(lambda tree: calls.append(1) or batched(tree))
    def loss(p):
        return functional_mlp_loss(X, Y)(p)

    grads = functional_mlp_grads(params, X, Y)
    assert check_gradients(loss, params, grads).ok and calls
    bad = plant(grads, "entry", "b1", (0, 2))
    assert check_gradients(loss, params, bad)["b1"].worst_index == (0, 2)


def test_ok_rows_built_without_init_are_the_rows_init_builds():
    """entries.judge_many builds its ok rows with report.ok_row (no frozen-dataclass __init__, ~3 us a row):
    they must stay equal, field for field, to GradientRow(...) as fields are added to it."""
    from dataclasses import fields

    from shapecheck.gradcheck.report import GradientRow, ok_row

    args = ("W1", (5, 3), 1e-9, 2e-8, (2, 1), 0.25, 0.2500001, 15)
    fast = ok_row(*args, power=1e-5)
    slow = GradientRow(args[0], args[1], "ok", *args[2:], power=1e-5)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow) and str(fast) == str(slow)
    assert [getattr(fast, f.name) for f in fields(GradientRow)] == [getattr(slow, f.name) for f in fields(GradientRow)]
