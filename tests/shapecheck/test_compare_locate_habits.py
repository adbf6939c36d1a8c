"""Issue 15, learners' habits found by a black-box review: a value kept after it is made, Nielsen's unused
``sp``, a layer loop that renames the error, layers imported from another file, a 1-d bias, one hidden layer
of two with the derivative at the activation. Each learner is written to a file and loaded as a user's would
be; the line named must be the planted one (marked ``# PLANTED``), and nothing else."""

from __future__ import annotations

import importlib.util
import sys

import pytest

import shapecheck

CACHED = '''import numpy as np


class Net:
    def __init__(self):
        rng = np.random.default_rng(1)
        self.W1, self.b1 = rng.normal(size=(5, 3)), np.zeros((1, 3))
        self.W2, self.b2 = rng.normal(size=(3, 2)), np.zeros((1, 2))

    def gradients(self, X, Y):
        n = len(X)
        a1 = np.tanh(X @ self.W1 + self.b1)
        out = 1 / (1 + np.exp(-(a1 @ self.W2 + self.b2)))
        d2 = (out - Y) / n
        d1 = d2 @ self.W2.T  # PLANTED: no tanh derivative
        self.delta1 = d1
        self.cache = {"d1": d1.copy()}
        return {"W1": X.T @ self.delta1, "b1": d1.sum(axis=0, keepdims=True),
                "W2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True)}


def factory():
    rng = np.random.default_rng(2)
    net = Net()
    X, Y = rng.normal(size=(7, 5)), (rng.random((7, 2)) > 0.5).astype(float)
    return dict(X=X, Y=Y, params=net, gradients=net.gradients)
'''

NIELSEN_SP = '''import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Network:
    def __init__(self, sizes):
        rng = np.random.default_rng(3)
        self.biases = [rng.normal(size=(y, 1)) for y in sizes[1:]]
        self.weights = [rng.normal(size=(y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
        self.num_layers = len(sizes)

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            sp = sigmoid_prime(zs[-l])
            delta = np.dot(self.weights[-l + 1].transpose(), delta)  # PLANTED: * sp forgotten
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return nabla_b, nabla_w

    def gradients(self, X, Y):
        pairs = [self.backprop(X[:, [i]], Y[:, [i]]) for i in range(X.shape[1])]
        n = X.shape[1]
        return ([sum(p[1][k] for p in pairs) / n for k in range(2)]
                + [sum(p[0][k] for p in pairs) / n for k in range(2)])


def factory():
    rng = np.random.default_rng(4)
    net = Network([5, 3, 2])
    X, Y = rng.normal(size=(5, 7)), rng.random((2, 7))
    return dict(X=X, Y=Y, params=net.weights + net.biases, gradients=net.gradients)
'''

LAYER_LOOP = '''import numpy as np


def forward(params, X):
    Z, A = [None], [X]
    for l in (1, 2, 3):
        Z.append(params["W" + str(l)] @ A[-1] + params["b" + str(l)])
        A.append(np.maximum(Z[-1], 0) if l < 3 else 1 / (1 + np.exp(-Z[-1])))
    return Z, A


def grads(params, X, Y):
    Z, A = forward(params, X)
    m = X.shape[1]
    dZ = A[3] - Y
    out = {}
    for l in (3, 2, 1):
        out["W" + str(l)] = dZ @ A[l - 1].T / m
        out["b" + str(l)] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dA = params["W" + str(l)].T @ dZ
            dZ = dA  # PLANTED: * (Z[l - 1] > 0) forgotten
    return out


def factory():
    rng = np.random.default_rng(5)
    sizes = [6, 5, 4, 2]
    params = {}
    for l in (1, 2, 3):
        params["W" + str(l)] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params["b" + str(l)] = 0.1 * rng.normal(size=(sizes[l], 1))
    X, Y = rng.normal(size=(6, 7)), (rng.random((2, 7)) > 0.5).astype(float)
    return dict(X=X, Y=Y, params=params, gradients=lambda X, Y: grads(params, X, Y))
'''

LAYERS_FILE = '''import numpy as np


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W, self.b = rng.normal(size=(n_in, n_out)), np.zeros((1, n_out))

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dz):
        self.dW = self.x.T @ dz
        self.db = dz.sum(axis=1, keepdims=True)  # PLANTED: the features axis
        return dz @ self.W.T
'''

USES_LAYERS = '''import numpy as np
from layers import Dense

rng = np.random.default_rng(6)
l1, l2 = Dense(5, 4, rng), Dense(4, 2, rng)


def gradients(X, Y):
    h = np.tanh(l1.forward(X))
    out = 1 / (1 + np.exp(-l2.forward(h)))
    dz2 = (out - Y) / len(X)
    dh = l2.backward(dz2)
    l1.backward(dh * (1 - h ** 2))
    return [l1.dW, l1.db, l2.dW, l2.db]


def factory():
    r = np.random.default_rng(7)
    X, Y = r.normal(size=(9, 5)), (r.random((9, 2)) > 0.5).astype(float)
    return dict(X=X, Y=Y, params=[l1.W, l1.b, l2.W, l2.b], gradients=gradients)
'''

ONE_OF_TWO = '''import numpy as np


def sig(z):
    return 1 / (1 + np.exp(-z))


def factory():
    rng = np.random.default_rng(8)
    W1, W2, W3 = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    b1, b2, b3 = np.zeros((1, 4)), np.zeros((1, 3)), np.zeros((1, 2))
    X, Y = rng.normal(size=(7, 5)), rng.random((7, 2))

    def gradients(X, Y):
        n = len(X)
        z1 = X @ W1 + b1
        a1 = sig(z1)
        z2 = a1 @ W2 + b2
        a2 = sig(z2)
        a3 = sig(a2 @ W3 + b3)
        d3 = (a3 - Y) * a3 * (1 - a3) / n
        d2 = d3 @ W3.T * sig(a2) * (1 - sig(a2))  # PLANTED: at the activation, this layer only
        d1 = d2 @ W2.T * sig(z1) * (1 - sig(z1))
        return [X.T @ d1, d1.sum(axis=0, keepdims=True), a1.T @ d2, d2.sum(axis=0, keepdims=True),
                a2.T @ d3, d3.sum(axis=0, keepdims=True)]

    return dict(X=X, Y=Y, params=[W1, b1, W2, b2, W3, b3], gradients=gradients)
'''

ONE_D_BIAS = '''import numpy as np


def factory():
    rng = np.random.default_rng(9)
    p = {"W1": rng.normal(size=(6, 4)), "b1": 0.1 * rng.normal(size=4),
         "W2": rng.normal(size=(4, 3)), "b2": 0.1 * rng.normal(size=3)}
    X, Y = rng.normal(size=(8, 6)), np.eye(3)[rng.integers(0, 3, 8)]

    def gradients(X, Y):
        z1 = X @ p["W1"] + p["b1"]
        a1 = np.tanh(z1)
        z2 = a1 @ p["W2"] + p["b2"]
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        dz2 = (e / e.sum(axis=1, keepdims=True) - Y) / len(X)
        dz1 = dz2 @ p["W2"].T * (1 - a1 ** 2)
        return {"W1": X.T @ dz1, "b1": np.sum(dz1, axis=1),  # PLANTED: axis=1
                "W2": a1.T @ dz2, "b2": dz2.sum(axis=0)}

    return dict(X=X, Y=Y, params=p, gradients=gradients)
'''

CASES = {"cached": ({"learner.py": CACHED}, "missing-hidden-derivative"),
         "nielsen-sp-unused": ({"learner.py": NIELSEN_SP}, "missing-hidden-derivative"),
         "layer-loop": ({"learner.py": LAYER_LOOP}, "missing-hidden-derivative"),
         "layers-from-another-file": ({"learner.py": USES_LAYERS, "layers.py": LAYERS_FILE}, "bias-wrong-axis"),
         "one-hidden-layer-of-two": ({"learner.py": ONE_OF_TWO}, "derivative-at-activation"),
         "1-d-bias": ({"learner.py": ONE_D_BIAS}, "bias-wrong-axis")}


def _factory(tmp_path, files, tag):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    sys.path.insert(0, str(tmp_path))
    sys.modules.pop("layers", None)
    try:
        spec = importlib.util.spec_from_file_location(f"habit_{tag}", tmp_path / "learner.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.factory()
    finally:
        sys.path.remove(str(tmp_path))


@pytest.mark.parametrize("case", list(CASES))
def test_the_planted_line_and_only_it(case, tmp_path):
    files, bug = CASES[case]
    report = shapecheck.compare(**_factory(tmp_path, files, case.replace("-", "_")))
    assert report.diagnoses[0].bug == bug, str(report)
    planted = {(name, i) for name, text in files.items()
               for i, line in enumerate(text.splitlines(), 1) if "# PLANTED" in line}
    named = {(location.path.rsplit("/", 1)[-1], location.line) for location in report.diagnoses[0].locations}
    assert named == planted, str(report)


def test_a_1d_bias_is_told_to_sum_without_keepdims(tmp_path):
    """The learner's b1 is (4,): the message and the hint give the learner's shape and no keepdims."""
    report = shapecheck.compare(**_factory(tmp_path, {"learner.py": ONE_D_BIAS}, "bias_message"))
    assert "but the bias is (4,)" in report.diagnoses[0].message and "keepdims" not in report.diagnoses[0].message
    (location,) = report.diagnoses[0].locations
    assert location.hint.endswith("`.sum(axis=0)`"), location.hint
