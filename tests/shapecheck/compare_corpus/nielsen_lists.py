"""Style (1): a textbook network class with weight and bias LISTS, per-sample backprop and summed nablas.

Imitates the habits of Michael Nielsen's "Neural Networks and Deep Learning" code (network.py, and the
total_cost of network2.py; mnielsen/neural-networks-and-deep-learning and its many copies on GitHub):
``self.weights[i]`` is ``(out, in)`` and ``self.biases[i]`` ``(out, 1)``; a training sample is a pair of
column vectors ``(x, y)``; ``backprop(x, y)`` returns one sample's ``(nabla_b, nabla_w)``;
``update_mini_batch`` sums them and REASSIGNS both lists, ``self.weights = [w - (eta/len(batch)) * nw]``.
Sigmoid everywhere, the quadratic cost C = 1/(2n) * sum ||a - y||^2.

Written for this corpus (not copied). Sizes [5, 3, 2], 7 samples.

Planted bugs (each a flag on the line a learner gets wrong):
- derivative-at-activation: the hidden layer's ``sigmoid_prime`` is fed the activation, not z;
- missing-mean: ``eta`` instead of ``eta/len(mini_batch)`` in the update (the cost is a mean);
- sign-flip: ``cost_derivative`` returns ``y - a``.
"""

import numpy as np

from ._state import learner_loss, step_gradients, marked_lines

SIZES = [5, 3, 2]
N = 7
SEED = 11
CACHING = False

BUGS = {"correct": "match", "derivative-at-activation": "derivative-at-activation",
        "missing-mean": "missing-mean", "sign-flip": "sign-flip"}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid, at the weighted input z."""
    return sigmoid(z) * (1 - sigmoid(z))


class Network(object):

    def __init__(self, sizes, seed=0, bug="correct"):
        rng = np.random.default_rng(seed)
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
        self.weights = [rng.standard_normal((y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
        self._bug = bug

    def feedforward(self, a):
        for w, b in zip(self.weights, self.biases):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step on the list of (x, y) pairs ``mini_batch``."""
        sum_b = [np.zeros(b.shape) for b in self.biases]
        sum_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            nabla_b, nabla_w = self.backprop(x, y)
            sum_b = [total + nb for total, nb in zip(sum_b, nabla_b)]
            sum_w = [total + nw for total, nw in zip(sum_w, nabla_w)]
        if self._bug == "missing-mean":
            rate = eta                                   # BUG: the cost is a mean over the batch
        else:
            rate = eta / len(mini_batch)
        self.weights = [w - rate * nw for w, nw in zip(self.weights, sum_w)]  # locate: missing-mean
        self.biases = [b - rate * nb for b, nb in zip(self.biases, sum_b)]  # locate: missing-mean

    def backprop(self, x, y):
        """(nabla_b, nabla_w) of the cost of the one sample (x, y), layer by layer."""
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        activation = x
        activations = [x]
        zs = []
        for w, b in zip(self.weights, self.biases):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].T)
        for l in range(2, self.num_layers):
            if self._bug == "derivative-at-activation":
                sp = sigmoid_prime(activations[-l])      # BUG: the activation, not z; locate: derivative-at-activation
            else:
                sp = sigmoid_prime(zs[-l])
            delta = np.dot(self.weights[-l + 1].T, delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)
        return nabla_b, nabla_w

    def cost_derivative(self, output_activations, y):
        if self._bug == "sign-flip":
            return y - output_activations                # BUG; locate: sign-flip
        return output_activations - y

    def total_cost(self, data):
        """The quadratic cost over the list of (x, y) pairs ``data``."""
        cost = 0.0
        for x, y in data:
            a = self.feedforward(x)
            cost += 0.5 * np.linalg.norm(a - y) ** 2 / len(data)
        return cost


def as_pairs(X, Y):
    """The (x, y) column-vector pairs of a batch held as columns."""
    return [(X[:, [i]], Y[:, [i]]) for i in range(X.shape[1])]


def make(bug: str) -> dict:
    rng = np.random.default_rng(SEED + 1)
    X = rng.standard_normal((SIZES[0], N))
    Y = rng.random((SIZES[-1], N))
    net = Network(SIZES, seed=SEED, bug=bug)
    eta = 3.0
    return {"X": X, "Y": Y, "params": net,
            "step": lambda X, Y: net.update_mini_batch(as_pairs(X, Y), eta), "lr": eta,
            "loss_fn": lambda X, Y: net.total_cost(as_pairs(X, Y))}


PATHS = [("weights", 0), ("biases", 0), ("weights", 1), ("biases", 1)]


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    return step_gradients(kwargs["params"], PATHS, kwargs["step"], kwargs["X"], kwargs["Y"], kwargs["lr"])


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
