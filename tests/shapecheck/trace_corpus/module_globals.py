"""Style: module-level "MNIST from scratch" notebooks turned into scripts: parameters and activations
are module globals, camelCase functions forwardProp() / backProp() / updateParams() take no
arguments and hand their results to each other through `global` statements. Column layout
(X is (features, samples)); the labels were loaded one row per sample.

Planted bug (broadcast): backProp computes dZ2 = A2 - Y, where A2 (2, 7) was set by forwardProp via
`global` and the labels Y are (7, 2): they were never transposed to the column layout.
"""
import numpy as np

np.random.seed(4)
X = np.random.randn(5, 7)                   # one column per sample
Y = np.random.rand(7, 2)                    # one row per sample, as read from the file
W1, b1 = np.random.randn(3, 5) * 0.5, np.zeros((3, 1))
W2, b2 = np.random.randn(2, 3) * 0.5, np.zeros((2, 1))


def ReLU(Z):
    return np.maximum(Z, 0)


def forwardProp():
    global Z1, A1, Z2, A2
    Z1 = np.dot(W1, X) + b1
    A1 = ReLU(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = 1 / (1 + np.exp(-Z2))


def backProp():
    global dW1, db1, dW2, db2
    m = X.shape[1]
    dZ2 = A2 - Y  # BUG
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)


def updateParams(alpha):
    global W1, b1, W2, b2
    W1 = W1 - alpha * dW1
    b1 = b1 - alpha * db1
    W2 = W2 - alpha * dW2
    b2 = b2 - alpha * db2


for i in range(3):
    forwardProp()
    backProp()
    updateParams(0.1)
    print("iteration", i)
