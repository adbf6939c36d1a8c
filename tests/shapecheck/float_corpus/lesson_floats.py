"""A lesson's network of floats with three inputs: the derivatives written inline from the activations
(o * (1 - o)), a learning rate on the object, the epochs a parameter of train, a 1/2 in the loss."""

import math

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def half_mse(targets, outputs):
    return 0.5 * np.mean((np.asarray(outputs) - np.asarray(targets)) ** 2)


class ThreeInputNet:
    def __init__(self, seed=3):
        rng = np.random.default_rng(seed)
        self.w1, self.w2, self.w3 = (float(v) for v in rng.normal(size=3))     # inputs -> h1
        self.w4, self.w5, self.w6 = (float(v) for v in rng.normal(size=3))     # inputs -> h2
        self.v1, self.v2 = float(rng.normal()), float(rng.normal())          # h1, h2 -> out
        self.b1, self.b2, self.c = 0.0, 0.0, 0.0
        self.learn_rate = 0.05

    def predict(self, x):
        h1 = sigmoid(x[0] * self.w1 + x[1] * self.w2 + x[2] * self.w3 + self.b1)
        h2 = sigmoid(x[0] * self.w4 + x[1] * self.w5 + x[2] * self.w6 + self.b2)
        return sigmoid(h1 * self.v1 + h2 * self.v2 + self.c)

    def train(self, X, y, epochs=500):
        for _ in range(epochs):
            for x, target in zip(X, y):
                h1 = sigmoid(x[0] * self.w1 + x[1] * self.w2 + x[2] * self.w3 + self.b1)
                h2 = sigmoid(x[0] * self.w4 + x[1] * self.w5 + x[2] * self.w6 + self.b2)
                out = sigmoid(h1 * self.v1 + h2 * self.v2 + self.c)

                error = out - target                                   # PLANT:error
                delta_out = error * out * (1 - out)                    # PLANT:delta-out
                delta_h1 = delta_out * self.v1 * h1 * (1 - h1)         # PLANT:delta-h1
                delta_h2 = delta_out * self.v2 * h2 * (1 - h2)         # PLANT:delta-h2

                self.v1 -= self.learn_rate * delta_out * h1
                self.v2 -= self.learn_rate * delta_out * h2            # PLANT:update-v2
                self.c -= self.learn_rate * delta_out
                self.w1 -= self.learn_rate * delta_h1 * x[0]
                self.w2 -= self.learn_rate * delta_h1 * x[1]
                self.w3 -= self.learn_rate * delta_h1 * x[2]
                self.b1 -= self.learn_rate * delta_h1
                self.w4 -= self.learn_rate * delta_h2 * x[0]
                self.w5 -= self.learn_rate * delta_h2 * x[1]
                self.w6 -= self.learn_rate * delta_h2 * x[2]
                self.b2 -= self.learn_rate * delta_h2
        return math.nan if not len(X) else half_mse(y, [self.predict(x) for x in X])
