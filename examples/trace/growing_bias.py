"""A course-style network, samples as columns: db1 is summed over the wrong axis, so b1 = b1 - alpha * db1
turns the (3, 1) bias into (3, 7) and training goes on silently; shapecheck trace warns at the update."""
import numpy as np
np.random.seed(0)
X = np.random.randn(5, 7)
Y = (np.random.rand(2, 7) > 0.5) * 1.0
W1 = np.random.randn(3, 5) * 0.1
b1 = np.zeros((3, 1))
W2 = np.random.randn(2, 3) * 0.1
b2 = np.zeros((2, 1))
alpha = 0.5
m = X.shape[1]
for i in range(20):
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=0, keepdims=True) / m   # BUG: the samples axis is 1
    W1 = W1 - alpha * dW1
    b1 = b1 - alpha * db1
    W2 = W2 - alpha * dW2
    b2 = b2 - alpha * db2
print("done", b1.shape)
