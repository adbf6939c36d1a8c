"""MLP.perturbed_losses evaluates the copies that move a parameter below the output layer through each sample's loss
as a cubic in the moved unit's change (``reference_nets.series``). Those losses must be the losses of the moved
copies to the last digits, their central differences too, and a move too large for the cubic must take the full
forward pass."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_nets.perturbed as perturbed
from reference_nets import LAYOUTS, MLP, get_layout
from reference_nets.series import loss_series
from shapecheck import check_network
from tests.strategies import distinct_sizes, make_data


def softmax_net(sizes, n, activation, layout, bias, soft_targets, seed):
    rng = np.random.default_rng(seed)
    net = MLP(sizes, activation=activation, output="softmax", loss="softmax-cross-entropy", layout=layout, bias=bias,
              reduction=rng.choice(["mean", "sum"]), seed=seed)
    for name in net.params:
        net.params[name] += rng.normal(0.0, 0.3, size=net.params[name].shape)
    X, Y = make_data(rng, sizes, n, "softmax-cross-entropy")
    if soft_targets:
        Y = rng.random(Y.shape) + 0.1
        Y /= Y.sum(axis=1, keepdims=True)
    lay = get_layout(layout)
    return net, lay.from_rows(X), lay.from_rows(Y)


def moved_loss(net, X, Y, name, flat, delta):
    array = net.params[name]
    original = array.flat[flat]
    array.flat[flat] = original + delta
    try:
        return net.loss(X, Y)
    finally:
        array.flat[flat] = original


class Counting:
    """Counts the blocks below the output layer evaluated by the full forward pass (not through the series)."""

    def __init__(self, monkeypatch):
        self.blocks = 0
        full = perturbed._UnitsFirst._block_losses

        def counted(units_first, k, unit, dz, block):
            self.blocks += k < units_first.L
            return full(units_first, k, unit, dz, block)

        monkeypatch.setattr(perturbed._UnitsFirst, "_block_losses", counted)


@settings(max_examples=40, deadline=None)
@given(distinct_sizes(min_hidden=1, max_hidden=3), st.sampled_from(["tanh", "sigmoid", "identity"]),
       st.sampled_from(LAYOUTS), st.booleans(), st.booleans(), st.sampled_from([1e-7, 1e-6, 1e-5]),
       st.integers(0, 2**16))
def test_the_series_gives_the_losses_of_the_moved_copies_and_their_differences(case, activation, layout, bias,
                                                                               soft, h, seed):
    """Every entry of every parameter below the output layer moved by +h and -h (relative, as the checker moves
    them): each loss as the moved copy's own loss() gives it, and each central difference to its rounding."""
    sizes, n = case
    if sizes[-1] == 1:
        sizes = [*sizes[:-1], 8]
    net, X, Y = softmax_net(sizes, n, activation, layout, bias, soft, seed)
    names = [name for name in net.params if int(name[1:]) < net.n_layers]
    tensor, flat, delta = [], [], []
    for t, name in enumerate(names):
        for i, value in enumerate(net.params[name].reshape(-1)):
            step = h * max(1.0, abs(value))
            tensor += [t, t]
            flat += [i, i]
            delta += [step, -step]
    with pytest.MonkeyPatch.context() as monkeypatch:
        counting = Counting(monkeypatch)
        losses = net.perturbed_losses(X, Y, names, tensor, flat, delta)
    if h <= 1e-7:                       # (larger steps may reach beyond the series in a deep or large-weighted net)
        assert counting.blocks == 0     # every copy through the series
    direct = np.array([moved_loss(net, X, Y, names[t], f, d) for t, f, d in zip(tensor, flat, delta)])
    size = max(1.0, abs(net.loss(X, Y)))
    np.testing.assert_allclose(losses, direct, rtol=0, atol=1e-13 * size)
    width = np.array(delta[::2]) - np.array(delta[1::2])
    np.testing.assert_allclose((losses[::2] - losses[1::2]) / width, (direct[::2] - direct[1::2]) / width,
                               rtol=1e-6, atol=2e-13 * size / h)


@pytest.mark.parametrize("move", [1e-2, 0.5, 30.0])
def test_a_move_beyond_the_reach_of_the_series_takes_the_full_forward_pass(monkeypatch, move):
    """A move that changes a pre-activation above by more than series.REACH is evaluated block by block."""
    net, X, Y = softmax_net([5, 4, 3, 6], 7, "tanh", "rows", True, False, seed=3)
    counting = Counting(monkeypatch)
    losses = net.perturbed_losses(X, Y, ["W1", "b2"], [0, 0, 1], [2, 2, 1], [move, -move, move])
    assert counting.blocks >= 2
    expected = [moved_loss(net, X, Y, name, f, d) for name, f, d in (("W1", 2, move), ("W1", 2, -move),
                                                                      ("b2", 1, move))]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


def test_a_checked_network_goes_through_the_series(monkeypatch):
    """check_network's own moves (1e-6 relative) on a network of usual weights: no block takes the full pass
    below the output layer."""
    net, X, Y = softmax_net([12, 9, 7, 5], 16, "tanh", "rows", True, False, seed=5)
    counting = Counting(monkeypatch)
    assert check_network(net, X, Y).ok
    assert counting.blocks == 0


def test_activations_with_a_kink_take_the_full_forward_pass(monkeypatch):
    net, X, Y = softmax_net([5, 4, 3, 6], 7, "relu", "rows", True, False, seed=4)
    counting = Counting(monkeypatch)
    net.perturbed_losses(X, Y, ["W1"], [0], [2], [1e-6])
    assert counting.blocks == 1
    assert loss_series({}, {1: np.zeros((4, 7)), 2: np.zeros((3, 7))}, 1, 3, "relu", np.zeros((6, 7)),
                       np.zeros((6, 7))) is None


class WrongFirstLayer(MLP):
    """The reference MLP with one entry of its first layer's gradient off by ``relative``."""

    wrong = (0, 0)
    relative = 0.0

    def gradients(self, X, Y):
        grads = super().gradients(X, Y)
        grads["W1"][self.wrong] *= 1 + self.relative
        return grads


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(LAYOUTS), st.sampled_from(["tanh", "sigmoid"]), st.integers(0, 2**16))
def test_a_wrong_entry_below_the_output_is_caught_through_the_series(layout, activation, seed):
    """One entry of W1 off by 1e-3 (relative): W1 fails at that entry, every other tensor passes."""
    rng = np.random.default_rng(seed)
    sizes = [6, 5, 4, 3]
    net = WrongFirstLayer(sizes, activation=activation, output="softmax", loss="softmax-cross-entropy",
                          layout=layout, seed=seed)
    X, Y = make_data(rng, sizes, 9, "softmax-cross-entropy")
    lay = get_layout(layout)
    X, Y = lay.from_rows(X), lay.from_rows(Y)
    grads = net.gradients(X, Y)["W1"]
    net.wrong = tuple(int(i) for i in np.unravel_index(np.abs(grads).argmax(), grads.shape))
    net.relative = 1e-3
    report = check_network(net, X, Y)
    assert [row.name for row in report.rows if not row.ok] == ["W1"], str(report)
    assert report["W1"].worst_index == net.wrong and report["W1"].failed == 1


def losses_above(net, A, k, Y):
    """Each sample's loss ``(n,)`` from layer k's activations ``A`` ``(n, size_k)`` (samples as rows)."""
    for m in range(k + 1, net.n_layers + 1):
        Z = A @ net.params[f"W{m}"] + net.params[f"b{m}"]
        A = net.activation(Z) if m < net.n_layers else Z
    return net.loss_fn.per_sample(Z, None, Y, axis=1)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("k", [1, 2])
def test_the_coefficients_are_the_derivatives_of_each_samples_loss(activation, k):
    """q1, q2, q3 against central differences of each sample's loss in the unit's activation (steps 1e-2 and
    2e-2: truncation near 1e-4 relative, rounding near 1e-10)."""
    net, X, Y = softmax_net([4, 5, 3, 6], 7, activation, "rows", True, True, seed=6)
    cache = net._forward(X)
    units_first = perturbed._UnitsFirst(net, cache, Y)
    q, reach = units_first._series(k)
    A = cache.A[k]
    eps = 1e-2
    for j in range(A.shape[1]):
        def g(s):
            moved = A.copy()
            moved[:, j] += s
            return losses_above(net, moved, k, Y)
        plus, minus, plus2, minus2, zero = g(eps), g(-eps), g(2 * eps), g(-2 * eps), g(0.0)
        first = (8 * (plus - minus) - (plus2 - minus2)) / (12 * eps)
        second = (-plus2 + 16 * plus - 30 * zero + 16 * minus - minus2) / (24 * eps ** 2)
        third = (plus2 - 2 * plus + 2 * minus - minus2) / (2 * eps ** 3) / 6
        np.testing.assert_allclose(q[0, j], first, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(q[1, j], second, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(q[2, j], third, rtol=2e-3, atol=1e-6)
        if k == net.n_layers - 1:       # the logits change by W_L[j, :] s
            np.testing.assert_allclose(reach[j], np.abs(net.params[f"W{k + 1}"][j]).max())
