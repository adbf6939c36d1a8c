"""A network built from layer objects, the way "Neural Networks from Scratch in Python" builds one: dense
layers with forward/backward, a ReLU, a softmax fused with its cross-entropy, and an SGD optimizer whose
update_params(layer) is shared by every layer. compare names the LINE of each mistake, and never a line of the
shared code that is right for another layer.

Run:  python examples/compare/layer_objects.py
From the command line:  shapecheck compare examples/compare/layer_objects.py:factory_buggy
"""

import numpy as np

import shapecheck

MISTAKE = None        # which mistake the classes below make (set by make())


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.5 * rng.normal(size=(n_inputs, n_neurons))
        self.biases = 0.1 * rng.normal(size=(1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):                     # shared by both layers
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Softmax_CrossEntropy:
    def forward(self, inputs, y_true):
        exp_values = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.output = exp_values / exp_values.sum(axis=1, keepdims=True)
        return np.mean(-np.log(self.output[range(len(inputs)), y_true]))

    def backward(self, y_true):
        samples = len(self.output)
        self.dinputs = self.output.copy()
        self.dinputs[range(samples), y_true] -= 1  # mistake: missing-mean (the division below forgotten)
        if MISTAKE != "missing-mean":
            self.dinputs = self.dinputs / samples


class Optimizer_SGD:
    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate

    def update_params(self, layer):                  # shared by both layers
        weight_updates = -self.learning_rate * layer.dweights
        bias_updates = -self.learning_rate * layer.dbiases
        if MISTAKE == "sign-flip":
            layer.weights -= weight_updates  # mistake: sign-flip
            layer.biases -= bias_updates  # mistake: sign-flip
        else:
            layer.weights += weight_updates
            layer.biases += bias_updates


class Model:
    def __init__(self, d, h, t, seed=0):
        rng = np.random.default_rng(seed)
        self.dense1, self.activation1 = Layer_Dense(d, h, rng), Activation_ReLU()
        self.dense2, self.loss_activation = Layer_Dense(h, t, rng), Softmax_CrossEntropy()
        self.optimizer = Optimizer_SGD()

    def loss(self, X, y):
        self.dense1.forward(X)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        return self.loss_activation.forward(self.dense2.output, y)

    def train_step(self, X, y):
        self.loss(X, y)
        self.loss_activation.backward(y)
        self.dense2.backward(self.loss_activation.dinputs)
        if MISTAKE == "skipped-activation-backward":
            self.dense1.backward(self.dense2.dinputs)  # mistake: skipped-activation-backward
        else:
            self.activation1.backward(self.dense2.dinputs)
            self.dense1.backward(self.activation1.dinputs)
        self.optimizer.update_params(self.dense1)
        self.optimizer.update_params(self.dense2)


#: The mistakes this example plants, each with the id shapecheck should name.
BUGS = {None: "match", "skipped-activation-backward": "missing-hidden-derivative",
        "missing-mean": "missing-mean", "sign-flip": "sign-flip"}


def make(mistake=None, d=5, h=3, t=2, n=7, seed=0):
    """The keyword arguments of shapecheck.compare: the model, integer labels, and only its own loss."""
    global MISTAKE
    MISTAKE = mistake
    rng = np.random.default_rng(seed + 1)
    model = Model(d, h, t, seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, t, n)
    return dict(X=X, Y=y, params=model, step=model.train_step, loss_fn=model.loss)


def factory():
    return make()


def factory_buggy():
    return make("skipped-activation-backward")


if __name__ == "__main__":
    for mistake in BUGS:
        print(f"--- {mistake or 'no mistake'}")
        print(shapecheck.compare(**make(mistake)))
