"""Learner programs built from layer objects, in the two styles of the best-known from-scratch books, with
the catalogue's mistakes plantable as text (issue 25, habit 5). Our own code, written to the books' habits:

- ``NNFS``: ``Layer_Dense.forward(inputs)`` / ``backward(dvalues)`` setting ``dweights``, ``dbiases`` and
  ``dinputs``; ``Activation_ReLU``; a softmax classifier fused with its categorical cross-entropy whose
  backward subtracts 1 at the labels and divides by the samples; ``Optimizer_SGD.update_params(layer)``
  adding ``-lr * dweights``; integer labels.
- ``SAITO``: ``Affine``, ``Relu``, ``Sigmoid`` and ``SoftmaxWithLoss`` layers in an ``OrderedDict``,
  ``TwoLayerNet.gradient(x, t)`` walking the layers reversed, ``SGD.update(params, grads)``; 1-d biases,
  one-hot targets.

Each source's ``factory(n, d, h, t, hints=..., step=...)`` gives compare's keyword arguments: with the
convention hints declared, or with only the learner's own ``loss_fn``. ``PLANTS[style][mistake]`` is a list
of ``(correct text, planted text)`` replacements; every planted line ends in ``# PLANTED`` (the line compare
must name), and ``PLACED`` lists the mistakes whose line is expected (the others must get no line).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys

NNFS = '''import numpy as np

HIDDEN = "relu"


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.5 * rng.normal(size=(n_inputs, n_neurons))
        self.biases = 0.1 * rng.normal(size=(1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Sigmoid:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def forward(self, inputs, y_true):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output[range(len(self.output)), y_true], 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Optimizer_SGD:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        weight_updates = -self.learning_rate * layer.dweights
        bias_updates = -self.learning_rate * layer.dbiases
        layer.weights += weight_updates
        layer.biases += bias_updates


class Model:
    def __init__(self, d, h, t, seed=0):
        rng = np.random.default_rng(seed)
        self.dense1 = Layer_Dense(d, h, rng)
        self.activation1 = Activation_ReLU() if HIDDEN == "relu" else Activation_Sigmoid()
        self.dense2 = Layer_Dense(h, t, rng)
        self.loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
        self.optimizer = Optimizer_SGD(learning_rate=0.1)

    def forward(self, X, y):
        self.dense1.forward(X)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        return self.loss_activation.forward(self.dense2.output, y)

    def backward(self, y):
        self.loss_activation.backward(self.loss_activation.output, y)
        self.dense2.backward(self.loss_activation.dinputs)
        self.activation1.backward(self.dense2.dinputs)
        self.dense1.backward(self.activation1.dinputs)

    def train_step(self, X, y):
        self.forward(X, y)
        self.backward(y)
        self.optimizer.update_params(self.dense1)
        self.optimizer.update_params(self.dense2)

    def gradients(self, X, y):
        self.forward(X, y)
        self.backward(y)
        return [self.dense1.dweights, self.dense1.dbiases, self.dense2.dweights, self.dense2.dbiases]

    def loss(self, X, y):
        return self.forward(X, y)


def factory(n=7, d=5, h=3, t=2, hints=True, step=True, seed=0):
    rng = np.random.default_rng(seed + 11)
    X, y = rng.normal(size=(n, d)), rng.integers(0, t, n)
    model = Model(d, h, t, seed)
    kwargs = dict(X=X, Y=y, params=model)
    kwargs.update(step=model.train_step) if step else kwargs.update(gradients=model.gradients)
    if hints:
        kwargs.update(activation=HIDDEN, output="softmax", loss="softmax-cross-entropy")
    else:
        kwargs.update(loss_fn=model.loss)
    return kwargs
'''

SAITO = '''from collections import OrderedDict

import numpy as np

HIDDEN = "relu"


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    batch_size = y.shape[0]
    return -np.sum(t * np.log(y + 1e-7)) / batch_size


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = None
        self.dW, self.db = None, None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class Relu:
    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx


class Sigmoid:
    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        return out

    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out
        return dx


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        dx = (self.y - self.t) / batch_size
        return dx


class SGD:
    def __init__(self, lr=0.1):
        self.lr = lr

    def update(self, params, grads):
        for key in params.keys():
            params[key] -= self.lr * grads[key]


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W1": 0.5 * rng.normal(size=(input_size, hidden_size)),
                       "b1": 0.1 * rng.normal(size=hidden_size),
                       "W2": 0.5 * rng.normal(size=(hidden_size, output_size)),
                       "b2": 0.1 * rng.normal(size=output_size)}
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Activation1"] = Relu() if HIDDEN == "relu" else Sigmoid()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = SoftmaxWithLoss()
        self.optimizer = SGD(lr=0.1)

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = 1
        dout = self.lastLayer.backward(dout)
        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)
        grads = {}
        grads["W1"], grads["b1"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W2"], grads["b2"] = self.layers["Affine2"].dW, self.layers["Affine2"].db
        return grads

    def train_step(self, x, t):
        grads = self.gradient(x, t)
        self.optimizer.update(self.params, grads)


def factory(n=7, d=5, h=3, t=2, hints=True, step=True, seed=0):
    rng = np.random.default_rng(seed + 12)
    x = rng.normal(size=(n, d))
    labels = np.eye(t)[rng.integers(0, t, n)]
    net = TwoLayerNet(d, h, t, seed)
    kwargs = dict(X=x, Y=labels, params=net.params)
    kwargs.update(step=net.train_step, lr=net.optimizer.lr) if step else kwargs.update(gradients=net.gradient)
    if hints:
        kwargs.update(activation=HIDDEN, output="softmax", loss="softmax-cross-entropy")
    else:
        kwargs.update(loss_fn=net.loss)
    return kwargs
'''

#: A whole ``fit()`` for each style, appended to its source: epochs, minibatches, a shuffle, helpers. Called
#: as compare's step with its defaults, it is one epoch of one minibatch of every sample, shuffled.
FITS = {"nnfs": '''

class Trainer:
    def __init__(self, model):
        self.model = model

    def fit(self, X, y, epochs=1, batch_size=None, shuffle=True, seed=0):
        rng = np.random.default_rng(seed)
        n = len(X)
        size = batch_size or n
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, size):
                batch = order[start:start + size]
                self._train_on(X[batch], y[batch])

    def _train_on(self, X, y):
        self.model.forward(X, y)
        self.model.backward(y)
        for layer in (self.model.dense1, self.model.dense2):
            self.model.optimizer.update_params(layer)
''', "saito": '''

class Trainer:
    def __init__(self, network, optimizer):
        self.network, self.optimizer = network, optimizer

    def _get_gradient(self, x_batch, t_batch):
        return self.network.gradient(x_batch, t_batch)

    def fit(self, x_train, t_train, epochs=1, batch_size=None, shuffle=True, seed=0):
        rng = np.random.default_rng(seed)
        train_size = x_train.shape[0]
        batch_size = batch_size or train_size
        iter_per_epoch = max(train_size // batch_size, 1)
        for epoch in range(epochs):
            mask = rng.permutation(train_size) if shuffle else np.arange(train_size)
            for i in range(iter_per_epoch):
                batch_mask = mask[i * batch_size:(i + 1) * batch_size]
                grads = self._get_gradient(x_train[batch_mask], t_train[batch_mask])
                self.optimizer.update(self.network.params, grads)
'''}


def fit_factory(module, **options):
    """compare's keyword arguments with the step a whole ``Trainer.fit`` (of a source with its FITS)."""
    kwargs = module.factory(step=True, **options)
    owner = kwargs["step"].__self__
    if hasattr(owner, "dense1"):
        trainer = module.Trainer(owner)
    else:
        trainer = module.Trainer(owner, owner.optimizer)
    kwargs["step"] = trainer.fit
    return kwargs


SOURCES = {"nnfs": NNFS, "saito": SAITO}
SIGMOID = ('HIDDEN = "relu"\n', 'HIDDEN = "sigmoid"\n')

PLANTS = {
    "nnfs": {
        "skipped-activation-backward": [(
            "        self.activation1.backward(self.dense2.dinputs)\n"
            "        self.dense1.backward(self.activation1.dinputs)\n",
            "        self.dense1.backward(self.dense2.dinputs)  # PLANTED\n")],
        "missing-hidden-derivative": [(
            "        self.dinputs = dvalues.copy()\n        self.dinputs[self.inputs <= 0] = 0\n",
            "        self.dinputs = dvalues.copy()  # PLANTED\n")],
        "missing-mean": [(
            "        self.dinputs[range(samples), y_true] -= 1\n        self.dinputs = self.dinputs / samples\n",
            "        self.dinputs[range(samples), y_true] -= 1  # PLANTED\n")],
        "sign-flip": [(
            "        layer.weights += weight_updates\n        layer.biases += bias_updates\n",
            "        layer.weights -= weight_updates  # PLANTED\n        layer.biases -= bias_updates  # PLANTED\n")],
        "bias-wrong-axis": [(
            "        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)\n",
            "        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)  # PLANTED\n")],
        "derivative-at-activation": [SIGMOID, (
            "        self.dinputs = dvalues * (1 - self.output) * self.output\n",
            "        s = 1 / (1 + np.exp(-self.output))\n"
            "        self.dinputs = dvalues * (1 - s) * s  # PLANTED\n")],
        "transposed": [(
            "        self.dweights = np.dot(self.inputs.T, dvalues)\n",
            "        self.dweights = np.dot(dvalues.T, self.inputs)  # PLANTED\n")],
    },
    "saito": {
        "skipped-activation-backward": [(
            "        layers = list(self.layers.values())\n        layers.reverse()\n"
            "        for layer in layers:\n            dout = layer.backward(dout)\n",
            "        dout = self.layers[\"Affine2\"].backward(dout)\n"
            "        dout = self.layers[\"Affine1\"].backward(dout)  # PLANTED\n")],
        "missing-hidden-derivative": [(
            "        dout[self.mask] = 0\n        dx = dout\n",
            "        dx = dout  # PLANTED\n")],
        "missing-mean": [(
            "        dx = (self.y - self.t) / batch_size\n",
            "        dx = (self.y - self.t)  # PLANTED\n")],
        "sign-flip": [(
            "            params[key] -= self.lr * grads[key]\n",
            "            params[key] += self.lr * grads[key]  # PLANTED\n")],
        "bias-wrong-axis": [(
            "        self.db = np.sum(dout, axis=0)\n",
            "        self.db = np.sum(dout, axis=1)  # PLANTED\n")],
        "derivative-at-activation": [SIGMOID, (
            "        dx = dout * (1.0 - self.out) * self.out\n",
            "        s = 1 / (1 + np.exp(-self.out))\n"
            "        dx = dout * (1.0 - s) * s  # PLANTED\n")],
        "transposed": [(
            "        self.dW = np.dot(self.x.T, dout)\n",
            "        self.dW = np.dot(dout.T, self.x)  # PLANTED\n")],
    },
}

#: The diagnosis each planted mistake must get.
BUG = {"skipped-activation-backward": "missing-hidden-derivative", "missing-hidden-derivative":
       "missing-hidden-derivative", "missing-mean": "missing-mean", "sign-flip": "sign-flip",
       "bias-wrong-axis": "bias-wrong-axis", "derivative-at-activation": "derivative-at-activation",
       "transposed": "transposed"}

#: Mistakes planted in the ReLU layer's backward: their learner keeps the ReLU.
RELU_ONLY = {"missing-hidden-derivative"}

_counter = itertools.count()


def planted(style: str, mistake: str | None, *, sigmoid: bool = False, fit: bool = False) -> str:
    """The source of ``style`` with ``mistake`` planted (None: the correct program); ``fit``: with its
    ``Trainer.fit`` appended."""
    text = SOURCES[style] + (FITS[style] if fit else "")
    changes = list(PLANTS[style][mistake]) if mistake else []
    if sigmoid and SIGMOID not in changes and mistake not in RELU_ONLY:
        changes.insert(0, SIGMOID)
    for old, new in changes:
        assert text.count(old) == 1, (style, mistake, old)
        text = text.replace(old, new)
    return text


def load(text: str, directory):
    """The module of ``text``, written to a file in ``directory`` and loaded as a learner's script is."""
    name = f"layer_learner_{next(_counter)}"
    path = directory / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def planted_lines(text: str) -> set:
    """The line numbers marked ``# PLANTED``."""
    return {i for i, line in enumerate(text.splitlines(), 1) if "# PLANTED" in line}
