"""Style: Michael Nielsen's network.py (neural-networks-and-deep-learning) and its many copies.

A Network class keeps its parameters in Python lists, self.weights[i] shaped (next, previous) and
self.biases[i] shaped (next, 1); one sample is a column vector and the net walks the lists with
zip(...) and np.dot(w, a). backprop returns the gradient lists, update_mini_batch rebuilds
self.weights / self.biases with list comprehensions.

Planted bug (matmul): when backprop sends the output error back to the hidden layer it multiplies by
the weights as stored, np.dot(self.weights[-l + 1], delta), instead of by their transpose.
"""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


class Network(object):

    def __init__(self, sizes, seed=11):
        rng = np.random.RandomState(seed)
        self.num_layers = len(sizes)
        self.biases = [rng.randn(rows, 1) for rows in sizes[1:]]
        self.weights = [rng.randn(rows, cols) for cols, rows in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def update_mini_batch(self, mini_batch, eta):
        sum_b = [np.zeros(b.shape) for b in self.biases]
        sum_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            grad_b, grad_w = self.backprop(x, y)
            sum_b = [sb + gb for sb, gb in zip(sum_b, grad_b)]
            sum_w = [sw + gw for sw, gw in zip(sum_w, grad_w)]
        step = eta / len(mini_batch)
        self.weights = [w - step * sw for w, sw in zip(self.weights, sum_w)]
        self.biases = [b - step * sb for b, sb in zip(self.biases, sum_b)]

    def backprop(self, x, y):
        grad_b = [None] * len(self.biases)
        grad_w = [None] * len(self.weights)
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
        grad_b[-1] = delta
        grad_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1], delta) * sigmoid_prime(zs[-l])  # BUG
            grad_b[-l] = delta
            grad_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return grad_b, grad_w


rng = np.random.RandomState(0)
training_data = [(rng.randn(5, 1), rng.randn(2, 1)) for _ in range(7)]
net = Network([5, 3, 2])
print("output for the first sample:", net.feedforward(training_data[0][0]).ravel())
for epoch in range(2):
    net.update_mini_batch(training_data, eta=3.0)
print("trained")
