"""Kaggle MNIST-notebook style (samples as columns): softmax sums over the wrong axis."""
import numpy as np


def init_params():
    W1 = np.random.rand(7, 6) - 0.5
    b1 = np.random.rand(7, 1) - 0.5
    W2 = np.random.rand(3, 7) - 0.5
    b2 = np.random.rand(3, 1) - 0.5
    return W1, b1, W2, b2


def ReLU(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    expZ = np.exp(Z - np.max(Z))
    denom = np.sum(expZ, axis=1)
    return expZ / denom  # correct: expZ / np.sum(expZ, axis=0)


def forward_prop(W1, b1, W2, b2, X):
    Z1 = W1.dot(X) + b1
    A1 = ReLU(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def ReLU_deriv(Z):
    return Z > 0


def one_hot(Y):
    one_hot_Y = np.zeros((Y.size, Y.max() + 1))
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    m = Y.size
    one_hot_Y = one_hot(Y)
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return dW1, db1, dW2, db2


np.random.seed(7)
X = np.random.rand(6, 11)
Y = np.array([0, 1, 2, 2, 1, 0, 1, 2, 0, 1, 2])
W1, b1, W2, b2 = init_params()
Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
dW1, db1, dW2, db2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
GRADS = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
