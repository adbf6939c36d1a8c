"""Style (5): course-style functions on a ``parameters`` dict, with a ``cache``.

Imitates the habits of Andrew Ng's deeplearning.ai "planar data classification with one hidden layer"
assignment (and its many copies on GitHub): samples as COLUMNS, ``m = X.shape[1]``,
``initialize_parameters(n_x, n_h, n_y)`` with ``randn * 0.01`` and zero biases ``(n, 1)``,
``forward_propagation(X, parameters)`` returning ``(A2, cache)`` with ``Z1, A1, Z2, A2``, tanh hidden
layer and sigmoid output, ``compute_cost(A2, Y)`` (cross-entropy with ``np.multiply`` and
``np.squeeze``), ``backward_propagation(parameters, cache, X, Y)`` returning ``grads`` with ``dW1``,
``db1``, ... (``1 / m * np.dot(dZ1, X.T)``, ``np.sum(dZ1, axis=1, keepdims=True)``), and labels ``Y``
of shape ``(1, m)`` and dtype uint8, as the course's data loader gives them.

Written for this corpus (not copied). n_x=5, n_h=4, n_y=1, m=7.

Planted bugs:
- wrong-scale: ``m = len(X)``, but X is (n_x, m): every gradient is divided by n_x instead of m;
- transposed: ``dW1 = 1 / m * np.dot(X, dZ1.T)``, shape (n_x, n_h) for W1 (n_h, n_x);
- bias-wrong-axis: ``db1 = 1 / m * np.sum(dZ1, axis=0, keepdims=True)``, shape (1, m).
"""

import numpy as np

from ._state import learner_loss, marked_lines

N_X, N_H, N_Y, M = 5, 4, 1, 7
SEED = 55
CACHING = True
BUG = "correct"

BUGS = {"correct": "match", "wrong-scale": "wrong-scale", "transposed": "transposed",
        "bias-wrong-axis": "bias-wrong-axis"}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_parameters(n_x, n_h, n_y, seed=2):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_h, n_x)) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = rng.standard_normal((n_y, n_h)) * 0.01
    b2 = np.zeros((n_y, 1))
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    cost = float(np.squeeze(cost))
    return cost


def backward_propagation(parameters, cache, X, Y):
    if BUG == "wrong-scale":
        m = len(X)                                     # BUG: X is (n_x, m), len(X) is n_x
    else:
        m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)  # locate: wrong-scale
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    if BUG == "transposed":
        dW1 = 1 / m * np.dot(X, dZ1.T)                 # BUG; locate: transposed
    else:
        dW1 = 1 / m * np.dot(dZ1, X.T)  # locate: wrong-scale
    db1 = 1 / m * np.sum(dZ1, axis=0 if BUG == "bias-wrong-axis" else 1, keepdims=True)  # locate: wrong-scale, bias-wrong-axis
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads


def update_parameters(parameters, grads, learning_rate=1.2):
    """(The course's next function; compare does not need it.)"""
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}


def make(bug: str) -> dict:
    global BUG
    BUG = bug
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((N_X, M))
    Y = (rng.random((1, M)) > 0.5).astype(np.uint8)
    parameters = initialize_parameters(N_X, N_H, N_Y)
    return {"X": X, "Y": Y, "params": parameters,
            "gradients": lambda X, Y: backward_propagation(parameters, forward_propagation(X, parameters)[1],
                                                        X, Y),
            "loss_fn": lambda X, Y: compute_cost(forward_propagation(X, parameters)[0], Y)}


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    parameters = kwargs["params"]
    grads = kwargs["gradients"](kwargs["X"].copy(), kwargs["Y"].copy())
    return [(parameters[k], grads["d" + k]) for k in ("W1", "b1", "W2", "b2")]


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
