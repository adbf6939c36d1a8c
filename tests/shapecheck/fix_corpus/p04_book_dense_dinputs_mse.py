"""'From scratch' book layers with a mean-squared-error loss (rows); dinputs forgets weights.T."""
import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.5 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights)  # correct: np.dot(dvalues, self.weights.T)


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Loss_MeanSquaredError:
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


np.random.seed(4)
X = np.random.randn(8, 3)
y = np.random.randn(8, 2)
dense1 = Layer_Dense(3, 6)
activation1 = Activation_ReLU()
dense2 = Layer_Dense(6, 2)
loss_function = Loss_MeanSquaredError()
dense1.forward(X)
activation1.forward(dense1.output)
dense2.forward(activation1.output)
loss_function.backward(dense2.output, y)
dense2.backward(loss_function.dinputs)
activation1.backward(dense2.dinputs)
dense1.backward(activation1.dinputs)
GRADS = {"dW1": dense1.dweights, "db1": dense1.dbiases, "dW2": dense2.dweights, "db2": dense2.dbiases}
