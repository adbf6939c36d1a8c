"""Per-sample SGD, rank-1 sample vectors (x = X[i]), weights as (out, in): dW2 = np.dot(d2, h.T) on 1-d arrays."""
import numpy as np


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


np.random.seed(14)
X = np.random.randn(12, 5)
labels = np.random.randint(0, 3, size=12)
T = np.eye(3)[labels]
W1 = np.random.randn(7, 5) * 0.4
b1 = np.zeros(7)
W2 = np.random.randn(3, 7) * 0.4
b2 = np.zeros(3)
lr = 0.1

for epoch in range(2):
    for i in range(len(X)):
        x, t = X[i], T[i]
        h = np.tanh(W1 @ x + b1)
        p = softmax(W2 @ h + b2)
        d2 = p - t
        dW2 = np.dot(d2, h.T)  # correct: np.outer(d2, h)
        db2 = d2
        d1 = (W2.T @ d2) * (1 - h ** 2)
        dW1 = np.outer(d1, x)
        db1 = d1
        W2 -= lr * dW2
        b2 -= lr * db2
        W1 -= lr * dW1
        b1 -= lr * db1

GRADS = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
