"""Style (3): a module-level script with globals and a dict model, ``model = {'W1': ..., 'b1': ...}``.

Imitates the habits of the "neural network from scratch" notebook scripts (dennybritz/nn-from-scratch
and its many copies): sizes as globals (``nn_input_dim``, ``nn_hdim``, ``nn_output_dim``,
``num_examples``), the data ``X``, ``Y`` as globals, a global ``model`` dict the functions read,
``calculate_loss()`` reading the globals, samples as rows (``X.dot(W1) + b1``), tanh hidden layer,
``delta3``/``delta2`` names, ``np.sum(delta, axis=0, keepdims=True)``, and a training step that stores
NEW arrays in the dict (``model['W1'] = model['W1'] - learning_rate * dW1``). Here the output is a sigmoid
with binary cross-entropy, mean over the samples.

Written for this corpus (not copied). 5 inputs, 3 hidden, 2 outputs, 7 samples.

Planted bugs:
- missing-mean: the gradients are not divided by the number of samples (the loss is), as in the
  notebook this style comes from;
- bias-wrong-axis: ``db1 = np.sum(delta2)``: one number for every hidden unit;
- derivative-at-activation: ``tanh_prime(a1)`` instead of ``tanh_prime(z1)``;
- stale-weights: ``model['W2']`` is updated before delta2 is computed from it.
"""

import numpy as np

from ._state import learner_loss, step_gradients, marked_lines

nn_input_dim = 5
nn_hdim = 3
nn_output_dim = 2
num_examples = 7
learning_rate = 0.5
SEED = 33
CACHING = False
BUG = "correct"          # the planted bug; make() sets it

BUGS = {"correct": "match", "missing-mean": "missing-mean", "bias-wrong-axis": "bias-wrong-axis",
        "derivative-at-activation": "derivative-at-activation", "stale-weights": "stale-weights"}

_data = np.random.default_rng(SEED)
X = _data.standard_normal((num_examples, nn_input_dim))
Y = (_data.random((num_examples, nn_output_dim)) > 0.5).astype(float)

model = {}


def init_model(seed=SEED + 1):
    """Fill the global model dict (the same dict object every time)."""
    rng = np.random.default_rng(seed)
    model.clear()
    model['W1'] = rng.standard_normal((nn_input_dim, nn_hdim)) / np.sqrt(nn_input_dim)
    model['b1'] = np.zeros((1, nn_hdim)) + 0.1
    model['W2'] = rng.standard_normal((nn_hdim, nn_output_dim)) / np.sqrt(nn_hdim)
    model['b2'] = np.zeros((1, nn_output_dim)) - 0.1


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2


def forward(X):
    z1 = X.dot(model['W1']) + model['b1']
    a1 = np.tanh(z1)
    z2 = a1.dot(model['W2']) + model['b2']
    probs = sigmoid(z2)
    return z1, a1, z2, probs


def calculate_loss():
    """Mean over the samples of the binary cross-entropy, on the global data."""
    _, _, _, probs = forward(X)
    logprobs = Y * np.log(probs) + (1 - Y) * np.log(1 - probs)
    return -np.sum(logprobs) / num_examples


def train_step(X, Y):
    z1, a1, z2, probs = forward(X)
    m = 1 if BUG == "missing-mean" else len(X)              # BUG when 1: no mean
    delta3 = probs - Y
    dW2 = (a1.T).dot(delta3) / m
    db2 = np.sum(delta3, axis=0, keepdims=True) / m
    if BUG == "stale-weights":                               # BUG: W2 moves before delta2 uses it
        model['W2'] = model['W2'] - learning_rate * dW2  # locate: stale-weights
        model['b2'] = model['b2'] - learning_rate * db2
    if BUG == "derivative-at-activation":
        delta2 = delta3.dot(model['W2'].T) * tanh_prime(a1)  # BUG: at the activation; locate: derivative-at-activation
    else:
        delta2 = delta3.dot(model['W2'].T) * tanh_prime(z1)  # locate: stale-weights
    dW1 = np.dot(X.T, delta2) / m
    if BUG == "bias-wrong-axis":
        db1 = np.sum(delta2) / m                             # BUG: summed over every axis; locate: bias-wrong-axis
    else:
        db1 = np.sum(delta2, axis=0, keepdims=True) / m
    model['W1'] = model['W1'] - learning_rate * dW1  # locate: missing-mean
    model['b1'] = model['b1'] - learning_rate * db1  # locate: missing-mean
    if BUG != "stale-weights":
        model['W2'] = model['W2'] - learning_rate * dW2  # locate: missing-mean
        model['b2'] = model['b2'] - learning_rate * db2  # locate: missing-mean


def make(bug: str) -> dict:
    """compare's keywords, as the script's author would write them at the bottom of the script.
    (Sets the module's BUG flag and refills the global model: use the result before the next make.)"""
    global BUG
    BUG = bug
    init_model()
    return {"X": X, "Y": Y, "params": model, "step": train_step, "lr": learning_rate, "loss_fn": calculate_loss}


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    paths = [("W1",), ("b1",), ("W2",), ("b2",)]
    return step_gradients(kwargs["params"], paths, kwargs["step"], kwargs["X"], kwargs["Y"], kwargs["lr"])


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
