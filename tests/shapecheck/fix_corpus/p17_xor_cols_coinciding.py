"""XOR with samples as columns (2 inputs, 4 samples, 4 hidden units): dW1 multiplies by X instead of X.T."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


np.random.seed(17)
X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
Y = np.array([[0, 1, 1, 0]])
m = X.shape[1]
W1 = np.random.randn(4, 2)
b1 = np.zeros((4, 1))
W2 = np.random.randn(1, 4)
b2 = np.zeros((1, 1))
learning_rate = 1.0

for i in range(3):
    Z1 = np.dot(W1, X) + b1
    A1 = sigmoid(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)
    dW1 = np.dot(dZ1, X) / m  # correct: np.dot(dZ1, X.T)
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    W1 = W1 - learning_rate * dW1
    b1 = b1 - learning_rate * db1
    W2 = W2 - learning_rate * dW2
    b2 = b2 - learning_rate * db2

GRADS = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
