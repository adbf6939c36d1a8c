"""Layer objects with forward and backward, samples as rows; the input gradient forgets the transpose."""
import numpy as np


class LayerDense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.1 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights)  # correct: np.dot(dvalues, self.weights.T)


class ActivationReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


rng = np.random.default_rng(4)
X = rng.standard_normal((7, 5))
y = rng.standard_normal((7, 2))
dense1, relu, dense2 = LayerDense(5, 3, rng), ActivationReLU(), LayerDense(3, 2, rng)
dense1.forward(X)
relu.forward(dense1.output)
dense2.forward(relu.output)
dvalues = 2 * (dense2.output - y) / len(y)
dense2.backward(dvalues)
relu.backward(dense2.dinputs)
dense1.backward(relu.dinputs)
GRADS = {"dW1": dense1.dweights, "db1": dense1.dbiases, "dW2": dense2.dweights, "db2": dense2.dbiases}
