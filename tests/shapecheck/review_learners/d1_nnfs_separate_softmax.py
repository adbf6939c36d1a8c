"""nnfs style with a SEPARATE Activation_Softmax (Jacobian loop) and Loss_CategoricalCrossentropy, one-hot
labels, Optimizer_SGD with decay and momentum=0. n=9, d=4, h=6, t=3. A reviewer's program (review 25); a missing
1/n is the loss's backward that never divides by samples: its line that makes dL/dA = -Y/A is the one named."""
import numpy as np

MISTAKE = None

class Layer_Dense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.4 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = 0.2 * rng.standard_normal((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        if MISTAKE == "bias-wrong-axis":
            self.dbiases = np.sum(dvalues, axis=1, keepdims=True).sum(axis=0) * np.ones_like(self.biases)  # locate: bias-wrong-axis
        else:
            self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)

class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0

class Activation_Softmax:
    def forward(self, inputs):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(self.output, dvalues)):
            single_output = single_output.reshape(-1, 1)
            jacobian_matrix = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian_matrix, single_dvalues)

class Loss_CategoricalCrossentropy:
    def calculate(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        return np.mean(-np.log(correct_confidences))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if MISTAKE == "sign-flip":
            self.dinputs = y_true / dvalues  # locate: sign-flip
        else:
            self.dinputs = -y_true / dvalues  # locate: missing-mean
        if MISTAKE == "missing-mean":
            return
        self.dinputs = self.dinputs / samples

class Optimizer_SGD:
    def __init__(self, learning_rate=1.0, decay=0., momentum=0.):
        self.learning_rate = learning_rate
        self.current_learning_rate = learning_rate
        self.decay = decay
        self.iterations = 0
        self.momentum = momentum

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (1. / (1. + self.decay * self.iterations))

    def update_params(self, layer):
        if self.momentum:
            if not hasattr(layer, "weight_momentums"):
                layer.weight_momentums = np.zeros_like(layer.weights)
                layer.bias_momentums = np.zeros_like(layer.biases)
            weight_updates = self.momentum * layer.weight_momentums - self.current_learning_rate * layer.dweights
            layer.weight_momentums = weight_updates
            bias_updates = self.momentum * layer.bias_momentums - self.current_learning_rate * layer.dbiases
            layer.bias_momentums = bias_updates
        else:
            weight_updates = -self.current_learning_rate * layer.dweights
            bias_updates = -self.current_learning_rate * layer.dbiases
        layer.weights += weight_updates
        layer.biases += bias_updates

    def post_update_params(self):
        self.iterations += 1

class Model:
    def __init__(self, rng):
        self.dense1 = Layer_Dense(4, 6, rng)
        self.activation1 = Activation_ReLU()
        self.dense2 = Layer_Dense(6, 3, rng)
        self.activation2 = Activation_Softmax()
        self.loss_function = Loss_CategoricalCrossentropy()
        self.optimizer = Optimizer_SGD(learning_rate=0.5, decay=1e-3, momentum=0.)

    def loss(self, X, y):
        self.dense1.forward(X)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        self.activation2.forward(self.dense2.output)
        return self.loss_function.calculate(self.activation2.output, y)

    def train_step(self, X, y):
        self.loss(X, y)
        self.loss_function.backward(self.activation2.output, y)
        self.activation2.backward(self.loss_function.dinputs)
        self.dense2.backward(self.activation2.dinputs)
        self.activation1.backward(self.dense2.dinputs)
        self.dense1.backward(self.activation1.dinputs)
        self.optimizer.pre_update_params()
        self.optimizer.update_params(self.dense1)
        self.optimizer.update_params(self.dense2)
        self.optimizer.post_update_params()

CASES = {"correct": "match", "missing-mean": "missing-mean", "sign-flip": "sign-flip", "bias-wrong-axis": "bias-wrong-axis"}

def make(case, hints):
    global MISTAKE
    MISTAKE = None if case == "correct" else case
    rng = np.random.default_rng(31)
    model = Model(rng)
    X = rng.standard_normal((9, 4))
    y = np.eye(3)[np.array([0, 1, 2, 2, 1, 0, 1, 2, 0])]
    kw = dict(X=X, Y=y, params=model, step=model.train_step)
    if hints:
        kw.update(activation="relu", output="softmax", loss="softmax-cross-entropy")
    else:
        kw["loss_fn"] = model.loss
    return kw
