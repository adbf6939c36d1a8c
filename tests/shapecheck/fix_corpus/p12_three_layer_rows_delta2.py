"""Vectorised 3-layer network, two hidden ReLU layers, samples as rows: delta3 goes back through W3, not W3.T."""
import numpy as np


def relu(z):
    return np.maximum(0, z)


def relu_grad(z):
    return (z > 0).astype(float)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


np.random.seed(12)
n_samples, n_in, n_h1, n_h2, n_out = 10, 6, 8, 5, 3
X = np.random.randn(n_samples, n_in)
labels = np.random.randint(0, n_out, n_samples)
Y = np.eye(n_out)[labels]
W1 = np.random.randn(n_in, n_h1) * 0.3
b1 = np.zeros((1, n_h1))
W2 = np.random.randn(n_h1, n_h2) * 0.3
b2 = np.zeros((1, n_h2))
W3 = np.random.randn(n_h2, n_out) * 0.3
b3 = np.zeros((1, n_out))

# forward
z1 = X @ W1 + b1
a1 = relu(z1)
z2 = a1 @ W2 + b2
a2 = relu(z2)
z3 = a2 @ W3 + b3
probs = softmax(z3)

# backward
delta3 = (probs - Y) / n_samples
dW3 = a2.T @ delta3
db3 = delta3.sum(axis=0, keepdims=True)
delta2 = np.dot(delta3, W3) * relu_grad(z2)  # correct: np.dot(delta3, W3.T)
dW2 = a1.T @ delta2
db2 = delta2.sum(axis=0, keepdims=True)
delta1 = np.dot(delta2, W2.T) * relu_grad(z1)
dW1 = X.T @ delta1
db1 = delta1.sum(axis=0, keepdims=True)
GRADS = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}
