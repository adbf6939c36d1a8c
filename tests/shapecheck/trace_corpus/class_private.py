"""Style: the "class NeuralNetwork" blog and student networks that keep their parameters private
(self.__w1, self.__b1 ..., name-mangled by Python), with a private __sigmoid helper, the rows layout
(one sample per row, x @ W) and in-place updates such as self.__w1 -= lr * dw1.

Planted bug (broadcast): the biases are created with the batch size as their first axis,
np.zeros((n_samples, n_hidden)) instead of np.zeros((1, n_hidden)), and the bias gradient is the
per-sample error. Training on the 7 training rows works; predicting the 4 test rows fails because a
(4, 3) hidden layer cannot be added to a (7, 3) bias.
"""
import numpy as np


class NeuralNetwork:
    def __init__(self, n_samples, n_in, n_hidden, n_out, learning_rate=0.5, seed=3):
        rng = np.random.default_rng(seed)
        self.__w1 = rng.normal(0.0, 0.5, (n_in, n_hidden))
        self.__b1 = np.zeros((n_samples, n_hidden))
        self.__w2 = rng.normal(0.0, 0.5, (n_hidden, n_out))
        self.__b2 = np.zeros((n_samples, n_out))
        self.__lr = learning_rate

    def __sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def __forward(self, x):
        self.__a1 = self.__sigmoid(x @ self.__w1 + self.__b1)  # BUG
        self.__a2 = self.__sigmoid(self.__a1 @ self.__w2 + self.__b2)
        return self.__a2

    def train(self, x, y, epochs):
        for _ in range(epochs):
            out = self.__forward(x)
            dz2 = (out - y) * out * (1 - out)
            dz1 = (dz2 @ self.__w2.T) * self.__a1 * (1 - self.__a1)
            dw2 = self.__a1.T @ dz2
            dw1 = x.T @ dz1
            self.__w2 -= self.__lr * dw2
            self.__b2 -= self.__lr * dz2
            self.__w1 -= self.__lr * dw1
            self.__b1 -= self.__lr * dz1

    def predict(self, x):
        return (self.__forward(x) > 0.5).astype(int)


rng = np.random.default_rng(0)
x_train, x_test = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
y_train = (rng.random((7, 2)) > 0.5).astype(float)
net = NeuralNetwork(7, 5, 3, 2)
net.train(x_train, y_train, epochs=3)
print("predictions:", net.predict(x_test))
