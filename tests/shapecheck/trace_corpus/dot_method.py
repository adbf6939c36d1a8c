"""Style: the CS231n two-layer net (class TwoLayerNet, parameters in a self.params dict,
loss(X, y) returning the loss and a grads dict, softmax on integer labels) written with the .dot
method: X.dot(W1), hidden.T.dot(dscores), dscores.dot(W2.T).

Planted bug (matmul): the first layer's weight gradient is X.dot(dhidden), without transposing X
(X.T.dot(dhidden)).
"""
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, std=1e-1):
        np.random.seed(0)
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, D = X.shape
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        if y is None:
            return scores
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(N), y])) + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = hidden.T.dot(dscores) + 2 * reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[hidden <= 0] = 0
        grads["W1"] = X.dot(dhidden) + 2 * reg * W1  # BUG
        grads["b1"] = np.sum(dhidden, axis=0)
        return loss, grads

    def train_step(self, X, y, learning_rate=1e-1, reg=1e-3):
        loss, grads = self.loss(X, y, reg=reg)
        for name in self.params:
            self.params[name] -= learning_rate * grads[name]
        return loss


np.random.seed(1)
X = np.random.randn(7, 5)
y = np.array([0, 1, 1, 0, 1, 0, 0])
net = TwoLayerNet(5, 3, 2)
print("scores shape:", net.loss(X).shape)
for it in range(2):
    print("loss", net.train_step(X, y))
