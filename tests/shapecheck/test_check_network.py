"""check_network: any object with params, loss(X, Y) and gradients(X, Y); the MLP's batched path; clear errors."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_nets import LAYOUTS, MLP, get_layout
from shapecheck import NetworkError, ShapecheckError, check_gradients, check_network
from tests.strategies import distinct_sizes, make_data, networks

#: n=7 samples, d=5 inputs, h=3 hidden units, t=2 outputs: pairwise distinct, so no shape coincides
N, D, H, T = 7, 5, 3, 2


def reference_case(layout, seed=0):
    net = MLP([D, H, T], activation="tanh", output="softmax", loss="softmax-cross-entropy", layout=layout, seed=seed)
    X, Y = make_data(np.random.default_rng(seed), [D, H, T], N, "softmax-cross-entropy")
    lay = get_layout(layout)
    return net, lay.from_rows(X), lay.from_rows(Y)


class CountingMLP(MLP):
    """The reference MLP, counting its loss() calls."""

    loss_calls = 0

    def loss(self, X, Y):
        self.loss_calls += 1
        return super().loss(X, Y)


class WithoutBatchedPath:
    """The same network seen through params, loss and gradients only (no perturbed_losses)."""

    def __init__(self, net):
        self.net = net

    @property
    def params(self):
        return self.net.params

    def loss(self, X, Y):
        return self.net.loss(X, Y)

    def gradients(self, X, Y):
        return self.net.gradients(X, Y)


class LearnerNet:
    """A learner's own network: samples as columns, X (d, n), tanh hidden layer, linear output, mean of half
    the squared error. ``planted = (name, index)`` adds 0.1 to that entry of its gradient."""

    def __init__(self, d, h, t, seed=0, planted=None):
        rng = np.random.default_rng(seed)
        self.W1, self.b1 = rng.normal(size=(h, d)), rng.normal(size=(h, 1))
        self.W2, self.b2 = rng.normal(size=(t, h)), rng.normal(size=(t, 1))
        self.planted = planted

    @property
    def params(self):
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def loss(self, X, Y):
        A2 = self.W2 @ np.tanh(self.W1 @ X + self.b1) + self.b2            # (t, n)
        return float(0.5 * np.sum((A2 - Y) ** 2) / X.shape[1])

    def gradients(self, X, Y):
        n = X.shape[1]
        Z1 = self.W1 @ X + self.b1                                          # (h, n)
        A1 = np.tanh(Z1)
        dZ2 = self.W2 @ A1 + self.b2 - Y                                    # (t, n)
        dZ1 = (self.W2.T @ dZ2) * (1 - A1 ** 2)                             # (h, n)
        grads = {"W1": dZ1 @ X.T / n, "b1": dZ1.sum(axis=1, keepdims=True) / n,
                 "W2": dZ2 @ A1.T / n, "b2": dZ2.sum(axis=1, keepdims=True) / n}
        if self.planted:
            name, index = self.planted
            grads[name][index] += 0.1
        return grads


class LearnerListNet(LearnerNet):
    """The same network with its parameters as a list [W1, b1, W2, b2]."""

    @property
    def params(self):
        return [self.W1, self.b1, self.W2, self.b2]

    def gradients(self, X, Y):
        return list(super().gradients(X, Y).values())


def learner_data(d, t, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, n)), rng.normal(size=(t, n))


# -- the reference MLP ---------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_reference_mlp_passes_in_each_layout(layout):
    """n=7, d=5, h=3, t=2 in rows, columns and columns-wT: every entry checked, every tensor ok."""
    net, X, Y = reference_case(layout)
    report = check_network(net, X, Y)
    assert report.ok, str(report)
    assert [row.name for row in report.rows] == ["W1", "b1", "W2", "b2"]
    assert [row.shape for row in report.rows] == [net.params[name].shape for name in net.params]
    assert sum(row.checked for row in report.rows) == sum(p.size for p in net.params.values())


@settings(max_examples=25, deadline=None)
@given(networks(activations=["tanh", "sigmoid"]), st.sampled_from(["full", "sample", "fast"]))
def test_reference_networks_pass_with_and_without_the_batched_path(case, mode):
    """Every layout, loss and depth: the same verdict through perturbed_losses and through loss() alone."""
    net, X, Y = case
    batched = check_network(net, X, Y, mode=mode)
    plain = check_network(WithoutBatchedPath(net), X, Y, mode=mode)
    assert batched.ok and plain.ok, str(batched) + "\n" + str(plain)
    assert batched.evaluations == plain.evaluations


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_batched_path_is_used(layout):
    """With perturbed_losses the single-entry moves cost no loss() calls; without it, two per entry."""
    net, X, Y = reference_case(layout)
    counting = CountingMLP([D, H, T], activation="tanh", output="softmax", loss="softmax-cross-entropy",
                           layout=layout, seed=0)
    batched = check_network(counting, X, Y)
    batched_calls, counting.loss_calls = counting.loss_calls, 0
    plain = check_network(WithoutBatchedPath(counting), X, Y)
    P = sum(p.size for p in net.params.values())
    assert batched_calls <= 3 and counting.loss_calls >= 2 * P
    assert batched.evaluations == plain.evaluations == 2 * P + 1
    for a, b in zip(batched.rows, plain.rows):
        assert a.status == b.status == "ok" and abs(a.max_abs_error - b.max_abs_error) < 1e-8


LOSSES_WITH_OUTPUT = [("sigmoid", "bce"), ("softmax", "softmax-cross-entropy"), ("sigmoid", "mse"),
                      ("identity", "half-sse")]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(LAYOUTS), st.sampled_from(LOSSES_WITH_OUTPUT), st.sampled_from(["tanh", "sigmoid", "relu"]),
       st.booleans(), st.integers(0, 2**16))
def test_perturbed_losses_are_the_losses_of_moved_copies(layout, output_loss, activation, small_blocks, seed):
    """MLP.perturbed_losses(X, Y, names, tensor, flat, delta) against moving each entry and calling loss():
    every loss (softmax cross-entropy has a path of its own), in place activations (tanh) and others, and
    blocks of a few copies (the buffers reused, the last block partial) as well as one block for all."""
    import reference_nets.perturbed as perturbed

    output, loss = output_loss
    net = MLP([D, H, 4, T], activation=activation, output=output, loss=loss, layout=layout, seed=seed)
    X, Y = make_data(np.random.default_rng(seed), [D, H, 4, T], N, loss)
    lay = get_layout(layout)
    X, Y = lay.from_rows(X), lay.from_rows(Y)
    names = list(net.params)
    rng = np.random.default_rng(seed)
    K = 40
    tensor = rng.integers(0, len(names), size=K)
    flat = np.array([rng.integers(0, net.params[names[t]].size) for t in tensor])
    delta = rng.normal(0.0, 0.5, size=K)
    budget = perturbed.BLOCK_BYTES
    perturbed.BLOCK_BYTES = 3 * 8 * N * H if small_blocks else budget      # 3 copies a block
    try:
        batched = net.perturbed_losses(X, Y, names, tensor, flat, delta)
    finally:
        perturbed.BLOCK_BYTES = budget
    assert batched.shape == (K,)
    for c in range(K):
        array = net.params[names[tensor[c]]]
        original = array.flat[flat[c]]
        array.flat[flat[c]] = original + delta[c]
        expected = net.loss(X, Y)
        array.flat[flat[c]] = original
        assert batched[c] == pytest.approx(expected, rel=1e-12, abs=1e-14)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(LAYOUTS), st.sampled_from(["one-hot", "soft", "sums near 1"]),
       st.sampled_from([1e-6, 0.5, 2000.0]), st.booleans(), st.integers(0, 2**16))
def test_softmax_copies_are_exact_for_any_targets_and_any_move(layout, targets, size, bias, seed):
    """The copies' softmax cross-entropy is computed from logits shifted by the unmoved logits' top class,
    with the bias and the shift folded into the products: exact for one-hot and soft targets, and rows
    summing to 1 only within the network's 1e-5 (the shift's share is added back), and for moves so large
    (2000) that the shared shift overflows exp and the block is redone with each copy's own shift."""
    rng = np.random.default_rng(seed)
    net = MLP([D, H, 4, T + 2], activation="tanh", output="softmax", loss="softmax-cross-entropy", layout=layout,
              bias=bias, seed=seed)
    X, Y = make_data(rng, [D, H, 4, T + 2], N, "softmax-cross-entropy")
    if targets != "one-hot":
        Y = rng.random(Y.shape) + 0.1
        Y = Y / Y.sum(axis=1, keepdims=True)
        if targets == "sums near 1":             # the network accepts rows summing to 1 within 1e-5
            Y *= 1 + rng.uniform(-9e-6, 9e-6, size=(N, 1))
    lay = get_layout(layout)
    X, Y = lay.from_rows(X), lay.from_rows(Y)
    names = list(net.params)
    tensor = np.repeat(np.arange(len(names)), 3)
    flat = np.array([rng.integers(0, net.params[names[t]].size) for t in tensor])
    delta = rng.choice([-1.0, 1.0], size=len(tensor)) * size
    batched = net.perturbed_losses(X, Y, names, tensor, flat, delta)
    for c in range(len(tensor)):
        array = net.params[names[tensor[c]]]
        original = array.flat[flat[c]]
        array.flat[flat[c]] = original + delta[c]
        expected = net.loss(X, Y)
        array.flat[flat[c]] = original
        assert batched[c] == pytest.approx(expected, rel=1e-12, abs=1e-12), (names[tensor[c]], delta[c])


def test_perturbed_losses_refuses_bad_moves():
    net, X, Y = reference_case("rows")
    with pytest.raises(ShapecheckError, match="W9 is not a parameter; parameters are W1, b1, W2, b2"):
        net.perturbed_losses(X, Y, ["W9"], [0], [0], [1e-3])
    with pytest.raises(ShapecheckError, match=r"an index is outside its parameter.*sizes \[15\]"):
        net.perturbed_losses(X, Y, ["W1"], [0], [15], [1e-3])
    with pytest.raises(ShapecheckError, match=r"must be \(K,\) arrays"):
        net.perturbed_losses(X, Y, ["W1"], [0, 0], [1], [1e-3])


# -- a learner's own class -----------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(distinct_sizes(max_hidden=1), st.sampled_from(["W1", "b1", "W2", "b2"]), st.integers(0, 2**16),
       st.booleans())
def test_a_planted_wrong_entry_in_a_learners_class_is_located(case, name, seed, as_list):
    """One wrong entry: that tensor alone fails, at that index; the parameters come back bitwise."""
    (d, h, t), n = case
    cls = LearnerListNet if as_list else LearnerNet
    net = cls(d, h, t, seed=seed)
    index = tuple(int(i) for i in np.random.default_rng(seed).integers(0, net.__dict__[name].shape))
    net.planted = (name, index)
    X, Y = learner_data(d, t, n, seed)
    saved = [p.copy() for p in (net.W1, net.b1, net.W2, net.b2)]
    report = check_network(net, X, Y)
    label = f"[{['W1', 'b1', 'W2', 'b2'].index(name)}]" if as_list else name
    assert [row.name for row in report.rows if not row.ok] == [label], str(report)
    assert report[label].worst_index == index and report[label].failed == 1
    assert all(a.tobytes() == b.tobytes() for a, b in zip((net.W1, net.b1, net.W2, net.b2), saved))


def test_a_learners_correct_class_passes_and_fast_mode_finds_the_wrong_entry():
    X, Y = learner_data(D, T, N)
    assert check_network(LearnerNet(D, H, T), X, Y).ok
    report = check_network(LearnerNet(D, H, T, planted=("W1", (2, 4))), X, Y, mode="fast")
    assert not report.ok and report["W1"].suspects == ((2, 4),)


def test_a_gradient_of_the_wrong_shape_is_a_shape_row():
    class Transposed(LearnerNet):
        def gradients(self, X, Y):
            grads = super().gradients(X, Y)
            return dict(grads, W2=grads["W2"].T)

    report = check_network(Transposed(D, H, T), *learner_data(D, T, N))
    assert report["W2"].status == "shape" and "shape (3, 2)" in report["W2"].detail
    assert report["W1"].ok


# -- objects that are not networks ---------------------------------------------------------------------

class NoParams:
    def __init__(self):
        self.W1, self.b1 = np.ones((3, 5)), np.zeros((3, 1))

    def loss(self, X, Y):
        return 0.0

    def gradients(self, X, Y):
        return {}


class NoGradients(LearnerNet):
    gradients = None

    def backward(self, X, Y):
        return {}


class LossTakesParams(LearnerNet):
    def loss(self, params):
        return 0.0


class LossWithCache(LearnerNet):
    def loss(self, X, Y):
        return super().loss(X, Y), {"Z1": X}


class GradientsWithLoss(LearnerNet):
    def gradients(self, X, Y):
        return super().gradients(X, Y), self.loss(X, Y)


class GradientsRenamed(LearnerNet):
    def gradients(self, X, Y):
        return {f"d{k}": v for k, v in super().gradients(X, Y).items()}


class CopiedParams(LearnerNet):
    @property
    def params(self):
        return {"W1": self.W1.copy(), "b1": self.b1.copy(), "W2": self.W2.copy(), "b2": self.b2.copy()}


class StepsInGradients(LearnerNet):
    def gradients(self, X, Y):
        grads = super().gradients(X, Y)
        self.W1 -= 0.1 * grads["W1"]
        return grads


class ParamsMethod(LearnerNet):
    def params(self):
        return [self.W1]


class BadBatchedPath(LearnerNet):
    def perturbed_losses(self, X, Y, names, tensor, flat, delta):
        return np.zeros(3)


BAD_NETWORKS = [
    (NoParams(), re.escape("NoParams has no attribute 'params'; it holds W1, b1: add `@property def params(self): "
                           "return {'W1': self.W1, 'b1': self.b1}`, and let gradients(X, Y) return the same keys")),
    (NoGradients(D, H, T), r"needs net.gradients\(X, Y\); NoGradients has gradients = NoneType None, which is "
                           r"not a method \(its methods: backward, loss\)"),
    (LossTakesParams(D, H, T), r"calls net.loss\(X, Y\), but LossTakesParams.loss takes \(params\)"),
    (LossWithCache(D, H, T), r"net.loss\(X, Y\) must return one real number, got tuple .*; if it returns "
                             r"\(loss, cache\)"),
    (GradientsWithLoss(D, H, T), r"structure of net.params \(W1, b1, W2, b2\), got a tuple of 2 holding "
                                 r"\[0\].W1, .*; element 0 of the tuple it returned is: return only that"),
    (GradientsRenamed(D, H, T), r"structure of net.params \(W1, b1, W2, b2\), got a dict holding dW1, db1, dW2, db2; "
                                r"name them as the parameters are named \(dW1 -> W1, db1 -> b1, dW2 -> W2, db2 -> b2\)"),
    (CopiedParams(D, H, T), r"net.params gives new arrays at every read \(copies; W1 is one\)"),
    (StepsInGradients(D, H, T), r"changed net.params W1 \(restored now\): they must only compute"),
    (ParamsMethod(D, H, T), r"net.params must be the parameter arrays themselves, got method"),
    (BadBatchedPath(D, H, T), r"net.perturbed_losses\(X, Y, names, tensor, flat, delta\) must return 52 losses "
                              r"\(one per moved copy\), got array of shape \(3,\)"),
    (lambda X, Y: 0.0, r"check_network checks a network object with params .*; got function .*"
                       r"use shapecheck.check_gradients\(loss_fn, params, grads\)"),
    ({"W1": np.ones(3)}, r"got dict"),
]


@pytest.mark.parametrize("net, message", BAD_NETWORKS, ids=lambda v: type(v).__name__ if not isinstance(v, str) else "")
def test_objects_that_are_not_networks_get_a_clear_error(net, message):
    """A NetworkError (a ShapecheckError and a TypeError) naming what is missing or wrong, raised from
    check_network itself, not from deep inside the checker."""
    X, Y = learner_data(D, T, N)
    with pytest.raises(NetworkError, match=message) as caught:
        check_network(net, X, Y)
    assert isinstance(caught.value, (ShapecheckError, TypeError))
    assert caught.value.__cause__ is None and (caught.value.__context__ is None or caught.value.__suppress_context__)
    assert caught.value.to_dict()["error"] == "NetworkError"


def test_parameters_that_are_not_float_arrays_get_the_checkers_own_errors():
    net = LearnerNet(D, H, T)
    net.W1 = net.W1.astype(int)
    with pytest.raises(ShapecheckError, match=r"net.params W1 has dtype int64; expected float64"):
        check_network(net, *learner_data(D, T, N))


def test_bad_options_are_refused_before_anything_runs():
    net = CountingMLP([D, H, T], activation="tanh", output="sigmoid", loss="bce", seed=0)
    with pytest.raises(ShapecheckError, match="unknown mode 'quick'"):
        check_network(net, np.zeros((N, D)), np.zeros((N, T)), mode="quick")
    assert net.loss_calls == 0


def test_check_network_agrees_with_check_gradients_on_a_closure():
    net, X, Y = reference_case("columns", seed=3)
    network = check_network(WithoutBatchedPath(net), X, Y, method="richardson")
    closure = check_gradients(lambda _p: net.loss(X, Y), net.params, net.gradients(X, Y), method="richardson")
    assert network.to_dict() == closure.to_dict()


def test_the_guides_example_of_a_learners_class_runs(capsys):
    """docs/checker.md's check_network snippet (a learner's MyNet, then the reference MLP) runs and passes."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent.parent / "docs" / "checker.md").read_text()
    at = readme.index("class MyNet:")
    start, end = readme.rindex("```python", 0, at) + len("```python"), readme.index("```", at)
    exec(compile(readme[start:end], "docs/checker.md", "exec"), {})  # noqa: S102 - our own guide
    printed = capsys.readouterr().out
    assert printed.startswith("True\ngradients OK: 4 tensors"), printed


class ListsAndCaches:
    """Nielsen's lists of weights and biases, and a cached forward pass on self: the suggested params property
    takes the lists and leaves the caches out."""

    def __init__(self):
        self.weights = [np.ones((H, D)), np.ones((T, H))]
        self.biases = [np.zeros((H, 1)), np.zeros((T, 1))]
        self.Z1, self.A1 = np.ones((H, 7)), np.ones((H, 7))


def test_the_params_hint_takes_weight_lists_and_leaves_cached_values_out():
    with pytest.raises(NetworkError) as caught:
        check_network(ListsAndCaches(), np.ones((D, 7)), np.ones((T, 7)))
    message = str(caught.value)
    assert "return {'weights': self.weights, 'biases': self.biases}" in message
    assert "left out as cached values, not parameters: Z1, A1" in message
    assert "it also needs net.loss(X, Y) and net.gradients(X, Y)" in message
