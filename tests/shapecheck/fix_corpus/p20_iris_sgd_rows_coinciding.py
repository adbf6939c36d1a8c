"""Iris-like per-sample SGD, one sample as a (1, 4) row, 4 features and 4 hidden units: dW1 = np.dot(dh, x)."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


np.random.seed(20)
X = np.random.rand(9, 4) * 5
labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
T = np.eye(3)[labels]
W1 = np.random.randn(4, 4) * 0.5
b1 = np.zeros((1, 4))
W2 = np.random.randn(4, 3) * 0.5
b2 = np.zeros((1, 3))
lr = 0.05

for epoch in range(2):
    for i in range(len(X)):
        x = X[i:i + 1]
        t = T[i:i + 1]
        h = sigmoid(x @ W1 + b1)
        o = softmax(h @ W2 + b2)
        do = o - t
        dW2 = h.T @ do
        dh = do @ W2.T * h * (1 - h)
        dW1 = np.dot(dh, x)  # correct: np.dot(x.T, dh)
        W2 -= lr * dW2
        b2 -= lr * do
        W1 -= lr * dW1
        b1 -= lr * dh

GRADS = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
