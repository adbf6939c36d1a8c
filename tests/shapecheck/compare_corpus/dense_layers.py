"""Style (6): layer objects with per-sample, in-place updates inside ``backward``.

Imitates the habits of the "neural network from scratch with layer classes" code (TheIndependentCode's
Neural-Network tutorial and its many copies, e.g. ``class Dense(Layer)`` repositories on GitHub): a
``Layer`` base with ``self.input``/``self.output`` set to None, ``Dense.forward`` caching ``self.input``,
``Dense.backward(output_gradient, learning_rate)`` computing ``input_gradient`` and updating
``self.weights -= learning_rate * weights_gradient`` IN PLACE, ``Activation`` layers (``Tanh``,
``Sigmoid``) with ``activation_prime(self.input)``, ``mse = np.mean(np.power(y_true - y_pred, 2))`` and
``mse_prime = 2 * (y_pred - y_true) / np.size(y_true)``, and a training loop over the samples one at a
time: ``for x, y in zip(X, Y): ... for layer in reversed(network): grad = layer.backward(grad, lr)``.
Here the weights are ``(in, out)`` and a sample is a row ``(1, d)``, as in the row-vector variants.

Written for this corpus (not copied). TWO hidden layers: [5, 4, 3, 2], 7 samples.

The learner's loss is the mean over the samples of ``mse`` (itself a mean over the outputs), as their
training loop reports it. One call of the step makes one update PER SAMPLE, so the label check reads
each sample's gradient from a one-sample step and averages them.

Planted bugs:
- stale-weights: ``Dense.backward`` updates ``self.weights`` before computing the input gradient;
- derivative-at-activation: ``Activation.backward`` uses ``activation_prime(self.output)``;
- wrong-scale: ``mse_prime`` without the ``/ np.size(y_true)`` (a factor of the number of outputs).
"""

import numpy as np

from ._state import learner_loss, step_gradients, marked_lines

SIZES = [5, 4, 3, 2]
N = 7
SEED = 66
CACHING = True
BUG = "correct"

BUGS = {"correct": "match", "stale-weights": "stale-weights",
        "derivative-at-activation": "derivative-at-activation", "wrong-scale": "wrong-scale"}


class Layer:
    def __init__(self):
        self.input = None
        self.output = None

    def forward(self, input):
        raise NotImplementedError

    def backward(self, output_gradient, learning_rate):
        raise NotImplementedError


class Dense(Layer):
    def __init__(self, input_size, output_size, rng):
        super().__init__()
        self.weights = rng.standard_normal((input_size, output_size)) * np.sqrt(1.0 / input_size)
        self.bias = rng.standard_normal((1, output_size)) * 0.1

    def forward(self, input):
        self.input = input
        return np.dot(self.input, self.weights) + self.bias

    def backward(self, output_gradient, learning_rate):
        weights_gradient = np.dot(self.input.T, output_gradient)
        if BUG == "stale-weights":
            self.weights -= learning_rate * weights_gradient  # locate: stale-weights
            self.bias -= learning_rate * output_gradient
            return np.dot(output_gradient, self.weights.T)       # BUG: the updated weights; locate: stale-weights
        input_gradient = np.dot(output_gradient, self.weights.T)
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * output_gradient
        return input_gradient


class Activation(Layer):
    def __init__(self, activation, activation_prime):
        super().__init__()
        self.activation = activation
        self.activation_prime = activation_prime

    def forward(self, input):
        self.input = input
        self.output = self.activation(self.input)
        return self.output

    def backward(self, output_gradient, learning_rate):
        if BUG == "derivative-at-activation":
            return np.multiply(output_gradient, self.activation_prime(self.output))   # BUG; locate: derivative-at-activation
        return np.multiply(output_gradient, self.activation_prime(self.input))


class Tanh(Activation):
    def __init__(self):
        super().__init__(lambda x: np.tanh(x), lambda x: 1 - np.tanh(x) ** 2)


class Sigmoid(Activation):
    def __init__(self):
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        super().__init__(sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)))


def mse(y_true, y_pred):
    return np.mean(np.power(y_true - y_pred, 2))


def mse_prime(y_true, y_pred):
    if BUG == "wrong-scale":
        return 2 * (y_pred - y_true)                              # BUG: no / np.size(y_true); locate: wrong-scale
    return 2 * (y_pred - y_true) / np.size(y_true)


def predict(network, input):
    output = input
    for layer in network:
        output = layer.forward(output)
    return output


def train_step(network, X, Y, learning_rate):
    """One pass over the batch, one sample at a time (each backward updates its layer in place)."""
    for x, y in zip(X, Y):
        x, y = x.reshape(1, -1), y.reshape(1, -1)
        output = predict(network, x)
        grad = mse_prime(y, output)
        for layer in reversed(network):
            grad = layer.backward(grad, learning_rate)


def mean_error(network, X, Y):
    error = 0.0
    for x, y in zip(X, Y):
        error += mse(y.reshape(1, -1), predict(network, x.reshape(1, -1)))
    return error / len(X)


def make(bug: str) -> dict:
    global BUG
    BUG = bug
    rng = np.random.default_rng(SEED)
    network = [Dense(SIZES[0], SIZES[1], rng), Tanh(),
               Dense(SIZES[1], SIZES[2], rng), Tanh(),
               Dense(SIZES[2], SIZES[3], rng), Sigmoid()]
    X = rng.standard_normal((N, SIZES[0]))
    Y = rng.random((N, SIZES[-1]))
    learning_rate = 0.1
    return {"X": X, "Y": Y, "params": network,
            "step": lambda X, Y: train_step(network, X, Y, learning_rate), "lr": learning_rate,
            "loss_fn": lambda X, Y: mean_error(network, X, Y)}


PATHS = [(0, "weights"), (0, "bias"), (2, "weights"), (2, "bias"), (4, "weights"), (4, "bias")]


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    """The mean over the samples of each sample's gradient, each read from a one-sample step taken from
    the same starting weights (and undone)."""
    X, Y, network = kwargs["X"], kwargs["Y"], kwargs["params"]
    per_sample = [step_gradients(network, PATHS, kwargs["step"], X[i:i + 1], Y[i:i + 1], kwargs["lr"])
                  for i in range(len(X))]
    return [(array, np.mean([sample[k][1] for sample in per_sample], axis=0))
            for k, (array, _) in enumerate(per_sample[0])]


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
