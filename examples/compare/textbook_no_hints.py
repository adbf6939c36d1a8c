"""compare() with nothing but what a learner has: a textbook network class, its data, its training step.

The class is written the way the most copied textbook code is: weight and bias LISTS with samples as
columns, backprop one sample at a time with the nabla sums, and an update that REASSIGNS the lists
(`self.weights = [w - ... for w, nw in ...]`). Nobody tells compare the layout, the activations, the loss or
whether there are biases: it reads them from the arrays and the gradients, and says how it knows.

Run:  python examples/compare/textbook_no_hints.py
"""

import numpy as np

import shapecheck


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network:
    def __init__(self, sizes, bug=None, seed=0):
        rng = np.random.default_rng(seed)
        self.sizes = sizes
        self.biases = [rng.normal(size=(y, 1)) for y in sizes[1:]]
        self.weights = [rng.normal(size=(y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
        self.bug = bug

    def update_mini_batch(self, batch, eta):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in batch:
            delta_b, delta_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_w)]
        self.weights = [w - (eta / len(batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        activations, zs = [x], []
        for b, w in zip(self.biases, self.weights):
            zs.append(w @ activations[-1] + b)
            activations.append(sigmoid(zs[-1]))
        delta = (activations[-1] - y) * sigmoid(zs[-1]) * (1 - sigmoid(zs[-1]))   # squared error, sigmoid output
        nabla_b, nabla_w = [delta], [delta @ activations[-2].T]
        for layer in range(2, len(self.sizes)):
            at = activations[-layer] if self.bug == "derivative-at-activation" else zs[-layer]
            delta = (self.weights[-layer + 1].T @ delta) * sigmoid(at) * (1 - sigmoid(at))
            nabla_b.insert(0, delta)
            nabla_w.insert(0, delta @ activations[-layer - 1].T)
        return nabla_b, nabla_w


def make(bug=None):
    """compare's arguments, exactly as the learner has them: no layout, activation, loss or bias named."""
    rng = np.random.default_rng(1)
    net = Network([5, 3, 2], bug=bug)
    X, Y = rng.normal(size=(5, 7)), rng.random((2, 7))          # seven samples as columns
    eta = 3.0

    def step(X, Y):
        net.update_mini_batch([(X[:, [i]], Y[:, [i]]) for i in range(X.shape[1])], eta)

    return dict(X=X, Y=Y, params=net, step=step, lr=eta)


def factory():
    return make()


def factory_buggy():
    return make("derivative-at-activation")


if __name__ == "__main__":
    for bug in (None, "derivative-at-activation"):
        arguments = make(bug)
        net = arguments["params"]
        weights = net.weights                          # the list the step will replace
        report = shapecheck.compare(**arguments)
        print(f"--- learner with {bug or 'no bug'}\n{report}")
        print(f"(the learner's list is back: {net.weights is weights})\n")
