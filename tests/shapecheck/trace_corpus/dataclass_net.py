"""Style: the Andrew Ng / Coursera "shallow neural network" assignment (column layout X (n_x, m),
W1 (n_h, n_x), b1 (n_h, 1), forward_propagation returning A2 and a cache dict,
backward_propagation with (1 / m) * ... gradients), written the way some learners restructure it:
a @dataclass whose fields are the parameter arrays, with the steps as methods.

Planted bug (matmul): dW2 = (1 / m) * dZ2 @ A1, the activation not transposed (should be A1.T).
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class ShallowNet:
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    learning_rate: float = 1.2

    @classmethod
    def initialize(cls, n_x, n_h, n_y, seed=2):
        rng = np.random.default_rng(seed)
        return cls(W1=rng.normal(size=(n_h, n_x)) * 0.01, b1=np.zeros((n_h, 1)),
                   W2=rng.normal(size=(n_y, n_h)) * 0.01, b2=np.zeros((n_y, 1)))

    def forward_propagation(self, X):
        Z1 = np.dot(self.W1, X) + self.b1
        A1 = np.tanh(Z1)
        Z2 = np.dot(self.W2, A1) + self.b2
        A2 = 1 / (1 + np.exp(-Z2))
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

    def backward_propagation(self, cache, X, Y):
        m = X.shape[1]
        A1, A2 = cache["A1"], cache["A2"]
        dZ2 = A2 - Y
        dW2 = (1 / m) * dZ2 @ A1  # BUG
        db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
        dZ1 = np.dot(self.W2.T, dZ2) * (1 - np.power(A1, 2))
        dW1 = (1 / m) * np.dot(dZ1, X.T)
        db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

    def update_parameters(self, grads):
        self.W1 = self.W1 - self.learning_rate * grads["dW1"]
        self.b1 = self.b1 - self.learning_rate * grads["db1"]
        self.W2 = self.W2 - self.learning_rate * grads["dW2"]
        self.b2 = self.b2 - self.learning_rate * grads["db2"]


rng = np.random.default_rng(1)
X = rng.normal(size=(5, 7))
Y = (rng.random((2, 7)) > 0.5).astype(float)
net = ShallowNet.initialize(5, 3, 2)
for i in range(3):
    A2, cache = net.forward_propagation(X)
    cost = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    grads = net.backward_propagation(cache, X, Y)
    net.update_parameters(grads)
    print(f"iteration {i}: cost {cost:.4f}")
