"""Shared hypothesis strategies and numeric helpers for the tests.

Architectures always have pairwise-distinct sizes, batch size included, so that a transposed weight or
a wrongly oriented bias cannot pass by coincidence.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from reference_nets import HIDDEN_ACTIVATIONS, LAYOUTS, MLP, get_layout

#: (output activation, loss) pairs that are valid together.
OUTPUT_LOSS = [
    ("sigmoid", "bce"),
    ("softmax", "softmax-cross-entropy"),
    ("identity", "mse"), ("identity", "half-sse"),
    ("sigmoid", "mse"), ("tanh", "half-sse"), ("softmax", "mse"), ("leaky_relu", "mse"),
]


@st.composite
def distinct_sizes(draw, *, min_hidden=1, max_hidden=2, max_width=7):
    """``(layer_sizes, n)`` with every number pairwise different."""
    hidden = draw(st.integers(min_hidden, max_hidden))
    values = draw(st.lists(st.integers(1, max_width), min_size=hidden + 3, max_size=hidden + 3, unique=True))
    n, sizes = values[0], values[1:]
    return sizes, n


@st.composite
def networks(draw, *, activations=HIDDEN_ACTIVATIONS, output_loss=OUTPUT_LOSS, layouts=LAYOUTS, max_hidden=2):
    """``(net, X, Y)``: a random reference MLP with data in its layout."""
    sizes, n = draw(distinct_sizes(max_hidden=max_hidden))
    activation = draw(st.sampled_from(activations))
    output, loss = draw(st.sampled_from(output_loss))
    if output == "softmax" and sizes[-1] == 1:       # a softmax over one output is constant: not a network
        output, loss = "sigmoid", "bce"
    layout = draw(st.sampled_from(layouts))
    reduction = draw(st.sampled_from([None, "mean", "sum"]))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    net = MLP(sizes, activation=activation, output=output, loss=loss, reduction=reduction, layout=layout,
              bias=bias, seed=seed)
    rng = np.random.default_rng(seed)
    for name in net.params:  # non-zero biases, so a missing or misplaced bias term shows
        net.params[name] += rng.normal(0.0, 0.3, size=net.params[name].shape)
    X, Y = make_data(rng, sizes, n, loss)
    lay = get_layout(layout)
    return net, lay.from_rows(X), lay.from_rows(Y)


def make_data(rng, sizes, n, loss):
    """Samples-as-rows data valid for ``loss``: X (n, d), Y (n, t)."""
    d, t = sizes[0], sizes[-1]
    X = rng.normal(0.0, 1.0, size=(n, d))
    if loss == "softmax-cross-entropy":
        Y = np.eye(t)[rng.integers(0, t, size=n)]
    elif loss == "bce":
        Y = (rng.random(size=(n, t)) > 0.5).astype(float)
    else:
        Y = rng.normal(0.0, 1.0, size=(n, t))
    return X, Y


def numeric_gradients(loss, params, eps=1e-4):
    """Richardson-extrapolated central differences of ``loss()`` for every entry of every array in
    ``params``: error O(eps**4) plus rounding of about 1e-16 * |loss| / eps, near 1e-12 here, so the
    tests can ask for a relative error of 1e-6 even where a gradient is small."""

    def central(array, index, step):
        original = array[index]
        array[index] = original + step
        plus = loss()
        array[index] = original - step
        minus = loss()
        array[index] = original
        return (plus - minus) / (2 * step)

    grads = {}
    for name, array in params.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            grad[index] = (4 * central(array, index, eps / 2) - central(array, index, eps)) / 3
        grads[name] = grad
    return grads


def relative_error(a, b):
    """||a - b|| / max(||a||, ||b||, 1e-12): the CS231n-style relative error of a whole tensor."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12))


def min_abs_hidden_preactivation(net, X):
    fp = net.forward(X)
    return min(float(np.abs(fp.Z[k]).min()) for k in range(1, net.n_layers))


def functional_mlp_loss(X, Y):
    """A loss that READS its params argument and is complex-safe: tanh hidden, identity output, mse.

    Rows layout; params ``{"W1": (d, h), "b1": (1, h), "W2": (h, t), "b2": (1, t)}``.
    """

    def loss(params):
        A1 = np.tanh(X @ params["W1"] + params["b1"])
        A2 = A1 @ params["W2"] + params["b2"]
        return 0.5 * ((A2 - Y) ** 2).sum() / X.shape[0]

    return loss


def functional_mlp_grads(params, X, Y):
    """The exact gradients of :func:`functional_mlp_loss`."""
    n = X.shape[0]
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.tanh(Z1)
    dZ2 = A1 @ params["W2"] + params["b2"] - Y
    dZ1 = (dZ2 @ params["W2"].T) * (1 - A1 ** 2)
    return {"W1": X.T @ dZ1 / n, "b1": dZ1.sum(0, keepdims=True) / n,
            "W2": A1.T @ dZ2 / n, "b2": dZ2.sum(0, keepdims=True) / n}


@st.composite
def functional_cases(draw, *, square_w2=False):
    """``(params, X, Y)`` for :func:`functional_mlp_loss` with pairwise-distinct sizes (or W2 square)."""
    sizes, n = draw(distinct_sizes(min_hidden=1, max_hidden=1))
    d, h, t = sizes
    if square_w2:
        t = h
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=(1, h)),
              "W2": rng.normal(size=(h, t)), "b2": rng.normal(size=(1, t))}
    return params, rng.normal(size=(n, d)), rng.normal(size=(n, t))
