"""Per-sample SGD with column vectors (x is (n, 1)), weights (out, in): the first product has its order swapped."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


np.random.seed(15)
X = np.random.randn(6, 10)
Y = (X[0:1, :] + X[1:2, :] > 0).astype(float)
W1 = np.random.randn(4, 6) * 0.5
b1 = np.zeros((4, 1))
W2 = np.random.randn(1, 4) * 0.5
b2 = np.zeros((1, 1))
eta = 0.5

for epoch in range(2):
    for i in range(X.shape[1]):
        x = X[:, i].reshape(-1, 1)
        y = Y[:, i].reshape(-1, 1)
        z1 = np.dot(x, W1) + b1  # correct: np.dot(W1, x)
        a1 = sigmoid(z1)
        z2 = np.dot(W2, a1) + b2
        a2 = sigmoid(z2)
        delta2 = a2 - y
        delta1 = np.dot(W2.T, delta2) * a1 * (1 - a1)
        W2 = W2 - eta * np.dot(delta2, a1.T)
        b2 = b2 - eta * delta2
        W1 = W1 - eta * np.dot(delta1, x.T)
        b1 = b1 - eta * delta1

GRADS = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
