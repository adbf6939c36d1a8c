"""A reviewer's program (review 25). nnfs style, binary logistic regression chapter: two tanh hidden layers kept in a list and run by for loops,
Activation_Sigmoid + Loss_BinaryCrossentropy (mean over outputs, then samples), 2 outputs; SGD with momentum=0.
n=10, d=3, h1=5, h2=4, t=2."""
import numpy as np

MISTAKE = None

class Layer_Dense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.6 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons)) + 0.05

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T

class Activation_Tanh:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.tanh(inputs)

    def backward(self, dvalues):
        if MISTAKE == "missing-hidden-derivative":
            self.dinputs = dvalues.copy()  # locate: missing-hidden-derivative
        else:
            self.dinputs = dvalues * (1 - self.output ** 2)

class Activation_Sigmoid:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output

class Loss_BinaryCrossentropy:
    def calculate(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        sample_losses = -(y_true * np.log(y_pred_clipped) + (1 - y_true) * np.log(1 - y_pred_clipped))
        return np.mean(np.mean(sample_losses, axis=-1))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        if MISTAKE == "wrong-scale":
            self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues))  # locate: wrong-scale
        else:
            self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues)) / outputs
        self.dinputs = self.dinputs / samples

class Optimizer_SGD:
    def __init__(self, learning_rate=0.3, momentum=0.0):
        self.learning_rate = learning_rate
        self.momentum = momentum

    def update_params(self, layer):
        if MISTAKE == "sign-flip":
            layer.weights += self.learning_rate * layer.dweights  # locate: sign-flip
            layer.biases += self.learning_rate * layer.dbiases  # locate: sign-flip
        else:
            layer.weights += -self.learning_rate * layer.dweights
            layer.biases += -self.learning_rate * layer.dbiases

class Net:
    def __init__(self, sizes, rng):
        self.dense = [Layer_Dense(a, b, rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.acts = [Activation_Tanh() for _ in sizes[1:-1]] + [Activation_Sigmoid()]
        self.loss_function = Loss_BinaryCrossentropy()
        self.optimizer = Optimizer_SGD()

    def loss(self, X, y):
        out = X
        for dense, act in zip(self.dense, self.acts):
            dense.forward(out)
            act.forward(dense.output)
            out = act.output
        return self.loss_function.calculate(out, y)

    def train_step(self, X, y):
        self.loss(X, y)
        self.loss_function.backward(self.acts[-1].output, y)
        grad = self.loss_function.dinputs
        for dense, act in zip(reversed(self.dense), reversed(self.acts)):
            act.backward(grad)
            dense.backward(act.dinputs)
            grad = dense.dinputs
        for dense in self.dense:
            self.optimizer.update_params(dense)

CASES = {"correct": "match", "missing-hidden-derivative": "missing-hidden-derivative", "wrong-scale": "wrong-scale",
         "sign-flip": "sign-flip"}

def make(case, hints):
    global MISTAKE
    MISTAKE = None if case == "correct" else case
    rng = np.random.default_rng(41)
    net = Net([3, 5, 4, 2], rng)
    X = rng.standard_normal((10, 3))
    y = (rng.random((10, 2)) > 0.5).astype(float)
    kw = dict(X=X, Y=y, params=net, step=net.train_step)
    if hints:
        kw.update(activation="tanh", output="sigmoid", loss="bce")
    else:
        kw["loss_fn"] = net.loss
    return kw
