"""Training: XOR converges reliably, fit/predict behave, datasets have the documented shapes."""

import numpy as np
import pytest

from reference_nets import MLP, datasets, get_layout


@pytest.mark.slow
def test_xor_converges_for_at_least_95_percent_of_40_seeds():
    """[2, 4, 1], sigmoid, bce: 100% accuracy for >= 38 of 40 seeds (default settings of the demo)."""
    X, Y = datasets.xor()
    solved = []
    for seed in range(40):
        net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=seed)
        net.fit(X, Y, epochs=2000, lr=1.0)
        solved.append(net.accuracy(X, Y) == 1.0)
    assert sum(solved) >= 38, f"only {sum(solved)} of 40 seeds solved XOR"


@pytest.mark.parametrize("layout", ["rows", "columns", "columns-wT"])
def test_fit_lowers_the_loss_in_every_layout_with_minibatches(layout):
    X, Y = datasets.spirals(90, classes=3, seed=1)
    lay = get_layout(layout)
    net = MLP([2, 16, 3], activation="tanh", output="softmax", loss="softmax-cross-entropy", layout=layout, seed=0)
    history = net.fit(lay.from_rows(X), lay.from_rows(Y), epochs=60, lr=0.5, batch_size=16)
    assert len(history) == 60 and history[-1] < 0.8 * history[0]
    predictions = net.predict(lay.from_rows(X))
    assert predictions.shape == (90,) and set(np.unique(predictions)) <= {0, 1, 2}


def test_predict_shapes():
    X, Y = datasets.two_moons(50, seed=0)
    net = MLP([2, 3, 1], activation="relu", output="sigmoid", loss="bce", seed=0)
    assert net.predict(X).shape == (50, 1)
    assert set(np.unique(net.predict(X))) <= {0, 1}
    reg = MLP([2, 3, 1], activation="relu", output="identity", loss="mse", seed=0)
    assert reg.predict(X).dtype == np.float64


def test_forward_keeps_every_layer():
    X, _ = datasets.blobs(7, centers=2, dims=5, seed=0)
    net = MLP([5, 4, 3, 2], activation="tanh", output="softmax", loss="softmax-cross-entropy", seed=0)
    fp = net.forward(X)
    assert [fp[f"Z{k}"].shape for k in (1, 2, 3)] == [(7, 4), (7, 3), (7, 2)]
    assert fp["A0"] is fp.A[0] and fp.output is fp.A[3]
    with pytest.raises(KeyError):
        fp["Z9"]


def test_same_seed_same_network():
    a = MLP([3, 4, 2], activation="tanh", output="identity", loss="mse", seed=7)
    b = MLP([3, 4, 2], activation="tanh", output="identity", loss="mse", seed=7)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_convenience_constructors():
    one = MLP.with_one_hidden_layer(3, 4, 2, activation="tanh", output="identity", loss="mse")
    two = MLP.with_two_hidden_layers(3, 4, 5, 2, activation="tanh", output="identity", loss="mse")
    assert one.sizes == (3, 4, 2) and two.sizes == (3, 4, 5, 2)


@pytest.mark.parametrize("gate, column", [("xor", [0, 1, 1, 0]), ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]),
                                          ("nand", [1, 1, 1, 0])])
def test_truth_tables(gate, column):
    X, Y = datasets.truth_table(gate)
    assert X.shape == (4, 2) and Y.shape == (4, 1) and Y.ravel().tolist() == column


def test_dataset_shapes():
    assert [a.shape for a in datasets.two_moons(11)] == [(11, 2), (11, 1)]
    assert [a.shape for a in datasets.spirals(12, classes=4)] == [(12, 2), (12, 4)]
    assert [a.shape for a in datasets.blobs(13, centers=3, dims=5, labels=True)] == [(13, 5), (13,)]
