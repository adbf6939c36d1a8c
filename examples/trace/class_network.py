"""A textbook-style network class: weight and bias lists, private attributes, a backprop method.

Samples are columns (x is (d, n)), the weights are (out, in) as in most textbooks, and the learner keeps
the learning rate and the layer sizes in private attributes. The bug: the error is sent back through a
weight matrix that was not transposed.

    shapecheck trace examples/trace/class_network.py
"""
import numpy as np


class Network:
    def __init__(self, sizes, learning_rate=0.5, seed=0):
        rng = np.random.default_rng(seed)
        self.__sizes = sizes
        self.__eta = learning_rate
        self.weights = [rng.normal(size=(out, inp)) for inp, out in zip(sizes[:-1], sizes[1:])]
        self.biases = [np.zeros((out, 1)) for out in sizes[1:]]

    @staticmethod
    def __sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def feedforward(self, x):
        activations = [x]
        for w, b in zip(self.weights, self.biases):
            activations.append(self.__sigmoid(np.dot(w, activations[-1]) + b))
        return activations

    def backprop(self, x, y):
        activations = self.feedforward(x)
        delta = (activations[-1] - y) * activations[-1] * (1 - activations[-1])
        nabla_w = [np.dot(delta, activations[-2].T)]
        for layer in range(2, len(self.__sizes)):
            a = activations[-layer]
            delta = np.dot(self.weights[-layer + 1], delta) * a * (1 - a)   # BUG: needs self.weights[-layer + 1].T
            nabla_w.insert(0, np.dot(delta, activations[-layer - 1].T))
        return nabla_w

    def update(self, x, y):
        nabla_w = self.backprop(x, y)
        self.weights = [w - self.__eta * nw / x.shape[1] for w, nw in zip(self.weights, nabla_w)]


rng = np.random.default_rng(1)
net = Network([5, 3, 2])
net.update(rng.normal(size=(5, 7)), rng.random((2, 7)))
print("never printed")
