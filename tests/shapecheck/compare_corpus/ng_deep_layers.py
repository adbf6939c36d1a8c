"""Style (8): the course's L-layer network, "Building your Deep Neural Network: Step by Step".

Imitates the habits of Andrew Ng's deeplearning.ai assignment (and its copies on GitHub): samples as COLUMNS,
``initialize_parameters_deep(layer_dims)`` filling ``parameters["W" + str(l)]`` ``(n_l, n_{l-1})`` and
``parameters["b" + str(l)]`` ``(n_l, 1)``; ``L_model_forward`` keeping a list of caches, each
``(linear_cache, activation_cache)`` = ``((A_prev, W, b), Z)``, relu hidden layers and a sigmoid output;
``compute_cost`` the averaged binary cross-entropy; ``L_model_backward(AL, Y, caches)`` returning ``grads``
with ``"dA" + str(l - 1)``, ``"dW" + str(l)`` and ``"db" + str(l)`` (so ``dA0``, shaped like X, too), through
the shared helpers ``linear_backward``, ``linear_activation_backward``, ``relu_backward`` and
``sigmoid_backward``; ``update_parameters`` with ``learning_rate``.

Written for this corpus (not copied). ``make(bug, dims=...)``: [5, 4, 3, 1] (m=7) by default, any deeper list.

Planted bugs (the ``# locate:`` comments are the lines compare must name):
- relu-at-activation: ``relu_backward`` masks with the activation A (``dZ[A <= 0] = 0``): relu'(A) is relu'(Z),
  the same mask, so this is a correct program (the catalogue's derivative-at-activation cannot show with relu);
- missing-hidden-derivative: ``relu_backward`` returns dA unchanged (named at its copy of dA, the line every
  hidden layer's dZ is made on and never masked, ``dZ = np.array(dA, copy=True)``);
- missing-mean: ``dW = np.dot(dZ, A_prev.T)`` and ``db`` without ``1 / m``;
- bias-wrong-axis: ``db = 1 / m * np.sum(dZ, axis=0, keepdims=True)``;
- sign-flip: ``dAL = (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))``, the course's line with its minus lost;
- dA-through-W: ``dA_prev = np.dot(W, dZ)``: with pairwise-distinct sizes it raises (the tracer explains it);
- missing-output-derivative: ``dZ = dA`` for the output layer (``sigmoid_backward`` forgotten: the delta is
  dAL, the cross-entropy's own derivative);
- stale-weights (``how="layerwise"``: :class:`LayerByLayer` updates each layer as soon as its gradients are
  known): the update of ``W`` runs before the error is sent back through it.
"""

import numpy as np

from ._state import learner_loss, marked_lines

DIMS = [5, 4, 3, 1]
M = 7
SEED = 25
CACHING = True
BUG = "correct"

BUGS = {"correct": "match", "relu-at-activation": "match", "missing-hidden-derivative": "missing-hidden-derivative",
        "missing-mean": "missing-mean", "bias-wrong-axis": "bias-wrong-axis", "sign-flip": "sign-flip",
        "missing-output-derivative": "missing-output-derivative", "stale-weights": "stale-weights"}
#: How each mistake is run: "stale-weights" needs a step that updates layer by layer.
HOWS = {"stale-weights": ("layerwise",)}


def sigmoid(Z):
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)  # locate: missing-hidden-derivative
    if BUG == "relu-at-activation":
        A = np.maximum(0, Z)
        dZ[A <= 0] = 0          # relu'(A) is relu'(Z): the same mask, a correct program
    elif BUG != "missing-hidden-derivative":
        dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    dZ = dA * s * (1 - s)
    return dZ


def initialize_parameters_deep(layer_dims, seed=3):
    rng = np.random.default_rng(seed)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
        parameters["b" + str(l)] = rng.standard_normal((layer_dims[l], 1)) * 0.1
    return parameters


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    else:
        A, activation_cache = relu(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    cost = np.squeeze(cost)
    return cost


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    if BUG == "missing-mean":
        dW = np.dot(dZ, A_prev.T)  # locate: missing-mean
        db = np.sum(dZ, axis=1, keepdims=True)  # locate: missing-mean
    else:
        dW = 1 / m * np.dot(dZ, A_prev.T)
        db = 1 / m * np.sum(dZ, axis=0 if BUG == "bias-wrong-axis" else 1, keepdims=True)  # locate: bias-wrong-axis
    if BUG == "dA-through-W":
        dA_prev = np.dot(W, dZ)  # locate: dA-through-W
    else:
        dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif BUG == "missing-output-derivative":
        dZ = dA  # locate: missing-output-derivative
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    if BUG == "sign-flip":
        dAL = (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))  # locate: sign-flip
    else:
        dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, "sigmoid")
    grads["dA" + str(L - 1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


def update_parameters(params, grads, learning_rate):
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]  # locate: step-missing-mean
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]  # locate: step-missing-mean
    return parameters


class Model:
    """The course's training loop body, one iteration: forward, cost, backward, update."""

    def __init__(self, parameters, learning_rate=0.0075):
        self.parameters = parameters
        self.learning_rate = learning_rate

    def step(self, X, Y):
        AL, caches = L_model_forward(X, self.parameters)
        grads = L_model_backward(AL, Y, caches)
        self.parameters = update_parameters(self.parameters, grads, self.learning_rate)


class LayerByLayer(Model):
    """A learner's step that updates each layer as soon as its gradients are known (stale-weights: before the
    error is sent back through the layer's weights)."""

    def step(self, X, Y):
        AL, caches = L_model_forward(X, self.parameters)
        L = len(caches)
        dA = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        for l in reversed(range(1, L + 1)):
            (A_prev, W, b), activation_cache = caches[l - 1]
            dZ = sigmoid_backward(dA, activation_cache) if l == L else relu_backward(dA, activation_cache)
            m = A_prev.shape[1]
            dW = 1 / m * np.dot(dZ, A_prev.T)
            db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
            if BUG == "stale-weights":
                self.parameters["W" + str(l)] = W - self.learning_rate * dW  # locate: stale-weights
                dA = np.dot(self.parameters["W" + str(l)].T, dZ)  # locate: stale-weights
            else:
                dA = np.dot(W.T, dZ)
                self.parameters["W" + str(l)] = W - self.learning_rate * dW
            self.parameters["b" + str(l)] = b - self.learning_rate * db


def make(bug: str, dims=None, m=None, how="gradients", hints=False) -> dict:
    """compare's arguments for the learner with ``bug``: ``how`` is "gradients" (the learner's wrapper around
    L_model_forward and L_model_backward), "step" (forward, backward and update_parameters) or "layerwise"
    (:class:`LayerByLayer`); ``hints``: the conventions declared (relu hidden, sigmoid output, a mean bce) and
    no loss_fn; without them, the learner's own compute_cost is the loss_fn and nothing is declared."""
    global BUG
    BUG = bug
    dims = list(dims or DIMS)
    m = m or M
    rng = np.random.default_rng(SEED + len(dims))
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((dims[-1], m)) > 0.5).astype(float)
    parameters = initialize_parameters_deep(dims)
    kwargs = {"X": X, "Y": Y, "params": parameters,
              "loss_fn": lambda X, Y: compute_cost(L_model_forward(X, parameters)[0], Y)}
    if how in ("step", "layerwise"):
        model = Model(parameters) if how == "step" else LayerByLayer(parameters, learning_rate=0.5)
        kwargs.update(params=model, step=model.step,
                      loss_fn=lambda X, Y: compute_cost(L_model_forward(X, model.parameters)[0], Y))
    else:
        kwargs["gradients"] = lambda X, Y: L_model_backward(L_model_forward(X, parameters)[0], Y,
                                                            L_model_forward(X, parameters)[1])
    if hints:                                   # the conventions declared in place of the learner's compute_cost
        del kwargs["loss_fn"]
        kwargs.update(activation="relu", output="sigmoid", loss="bce", reduction="mean")
    return kwargs


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    parameters = kwargs["params"]
    grads = kwargs["gradients"](kwargs["X"].copy(), kwargs["Y"].copy())
    return [(parameters[k], grads["d" + k]) for k in parameters]


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
