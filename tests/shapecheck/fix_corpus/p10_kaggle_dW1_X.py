"""Kaggle MNIST-notebook as a script (samples as columns, one-hot (k, m)): dW1 uses X instead of X.T."""
import numpy as np


def init_params():
    W1 = np.random.rand(8, 12) - 0.5
    b1 = np.random.rand(8, 1) - 0.5
    W2 = np.random.rand(5, 8) - 0.5
    b2 = np.random.rand(5, 1) - 0.5
    return W1, b1, W2, b2


def ReLU(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    A = np.exp(Z) / sum(np.exp(Z))
    return A


def one_hot(Y):
    one_hot_Y = np.zeros((Y.size, Y.max() + 1))
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def gradient_descent(X, Y, alpha, iterations):
    W1, b1, W2, b2 = init_params()
    m = Y.size
    for i in range(iterations):
        Z1 = W1.dot(X) + b1
        A1 = ReLU(Z1)
        Z2 = W2.dot(A1) + b2
        A2 = softmax(Z2)
        dZ2 = A2 - one_hot(Y)
        dW2 = 1 / m * dZ2.dot(A1.T)
        db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
        dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
        dW1 = 1 / m * dZ1.dot(X)  # correct: dZ1.dot(X.T)
        db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
        W1 = W1 - alpha * dW1
        b1 = b1 - alpha * db1
        W2 = W2 - alpha * dW2
        b2 = b2 - alpha * db2
    return W1, b1, W2, b2


np.random.seed(10)
X_train = np.random.rand(12, 9)
Y_train = np.array([0, 1, 2, 3, 4, 4, 3, 2, 1])
W1, b1, W2, b2 = gradient_descent(X_train, Y_train, 0.10, 3)
GRADS = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
