"""Style: the layer-object networks of "neural network from scratch" videos and repositories
(class Dense / class Sigmoid, each with forward(self, x) that caches self.input and
backward(self, grad, lr) that updates the weights and returns the gradient for the layer before),
a plain list of layers walked forwards and then in reverse. Column layout: weights (out, in),
inputs (features, samples), np.dot(self.weights, self.input).

Planted bug (matmul): Dense.backward forms the weight gradient as np.dot(grad, self.input) and
forgets to transpose the cached input (np.dot(grad, self.input.T)).
"""
import numpy as np


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.weights = rng.normal(0.0, 0.5, (n_out, n_in))
        self.bias = np.zeros((n_out, 1))

    def forward(self, x):
        self.input = x
        return np.dot(self.weights, self.input) + self.bias

    def backward(self, grad, lr):
        weights_grad = np.dot(grad, self.input)  # BUG
        input_grad = np.dot(self.weights.T, grad)
        self.weights -= lr * weights_grad
        self.bias -= lr * np.sum(grad, axis=1, keepdims=True)
        return input_grad


class Sigmoid:
    def forward(self, x):
        self.output = 1 / (1 + np.exp(-x))
        return self.output

    def backward(self, grad, lr):
        return grad * self.output * (1 - self.output)


def mse_prime(y_true, y_pred):
    return 2 * (y_pred - y_true) / y_true.size


rng = np.random.default_rng(7)
X = rng.normal(size=(5, 7))                 # 5 features, 7 samples (one per column)
Y = rng.random((2, 7))
network = [Dense(5, 3, rng), Sigmoid(), Dense(3, 2, rng), Sigmoid()]
for epoch in range(2):
    output = X
    for layer in network:
        output = layer.forward(output)
    grad = mse_prime(Y, output)
    for layer in reversed(network):
        grad = layer.backward(grad, 0.1)
print("done")
