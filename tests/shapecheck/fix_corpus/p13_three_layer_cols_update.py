"""3-layer sigmoid network, samples as columns, MSE; dW2 computed as (h1, h2) and the update then fails."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


np.random.seed(13)
m = 13
X = np.random.randn(4, m)
Y = np.random.rand(2, m)
W1, b1 = np.random.randn(9, 4) * 0.5, np.zeros((9, 1))
W2, b2 = np.random.randn(6, 9) * 0.5, np.zeros((6, 1))
W3, b3 = np.random.randn(2, 6) * 0.5, np.zeros((2, 1))
lr = 0.8

for step in range(3):
    A1 = sigmoid(np.dot(W1, X) + b1)
    A2 = sigmoid(np.dot(W2, A1) + b2)
    A3 = sigmoid(np.dot(W3, A2) + b3)
    cost = np.mean((A3 - Y) ** 2)

    dZ3 = 2 * (A3 - Y) * A3 * (1 - A3) / Y.shape[0]
    dW3 = np.dot(dZ3, A2.T) / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m
    dZ2 = np.dot(W3.T, dZ3) * A2 * (1 - A2)
    dW2 = np.dot(A1, dZ2.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    W3 = W3 - lr * dW3
    b3 = b3 - lr * db3
    W2 = W2 - lr * dW2  # correct: W2 - lr * dW2.T
    b2 = b2 - lr * db2
    W1 = W1 - lr * dW1
    b1 = b1 - lr * db1

GRADS = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
