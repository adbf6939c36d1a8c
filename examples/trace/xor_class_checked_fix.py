"""The classic XOR class (4 samples, 4 hidden units, 1 output): the error is sent back untransposed.

shapecheck trace offers only the fix that fits the next line, `d_output @ self.weights_hidden_output.T`;
the (1, 1) rewrite runs on its line but the next line would stretch it silently, and is not offered."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


class NeuralNetwork:
    def __init__(self, x, y):
        self.input = x
        self.y = y
        np.random.seed(3)
        self.weights_input_hidden = np.random.uniform(size=(2, 4))
        self.weights_hidden_output = np.random.uniform(size=(4, 1))

    def feedforward(self):
        self.hidden = sigmoid(np.dot(self.input, self.weights_input_hidden))
        self.output = sigmoid(np.dot(self.hidden, self.weights_hidden_output))

    def backprop(self, lr=0.5):
        error = self.y - self.output
        d_output = error * sigmoid_derivative(self.output)
        error_hidden = d_output.dot(self.weights_hidden_output)  # BUG: needs self.weights_hidden_output.T
        d_hidden = error_hidden * sigmoid_derivative(self.hidden)
        self.weights_hidden_output += self.hidden.T.dot(d_output) * lr
        self.weights_input_hidden += self.input.T.dot(d_hidden) * lr


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([[0], [1], [1], [0]])
net = NeuralNetwork(X, y)
for epoch in range(3):
    net.feedforward()
    net.backprop()
GRADS = {"W1": net.weights_input_hidden, "W2": net.weights_hidden_output}
