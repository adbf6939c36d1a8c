"""A two-layer classifier class (samples as rows, 1-d biases, softmax): db2 summed over the wrong axis."""
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, std=0.1):
        self.W1 = std * np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros(hidden_size)
        self.W2 = std * np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros(output_size)

    def train_step(self, X, y, learning_rate=0.5):
        N = X.shape[0]
        hidden = np.maximum(0, X.dot(self.W1) + self.b1)
        scores = hidden.dot(self.W2) + self.b2
        exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(N), y]))
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        dW2 = hidden.T.dot(dscores)
        db2 = np.sum(dscores, axis=1)
        dhidden = dscores.dot(self.W2.T)
        dhidden[hidden <= 0] = 0
        dW1 = X.T.dot(dhidden)
        db1 = np.sum(dhidden, axis=0)
        self.W2 = self.W2 - learning_rate * dW2
        self.b2 = self.b2 - learning_rate * db2  # correct: self.b2 - learning_rate * np.sum(dscores, axis=0)
        self.W1 = self.W1 - learning_rate * dW1
        self.b1 = self.b1 - learning_rate * db1
        return loss


np.random.seed(19)
X = np.random.randn(9, 4)
y = np.array([0, 1, 2, 0, 1, 2, 2, 1, 0])
net = TwoLayerNet(4, 6, 3)
for it in range(2):
    net.train_step(X, y)
GRADS = {"W1": net.W1, "b1": net.b1, "W2": net.W2, "b2": net.b2}
