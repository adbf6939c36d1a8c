"""Style (4): a ``loss(X, y) -> (loss, grads)`` class with 1-d biases and L2 regularisation.

Imitates the habits of the CS231n assignment-1 ``TwoLayerNet`` (cs231n.github.io and the many
assignment solutions on GitHub): ``self.params`` dict with ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, C)``,
``b2 (C,)``, weights ``std * randn``, zero biases, affine - ReLU - affine - softmax, integer labels
``y`` of shape ``(N,)``, ``probs[np.arange(N), y]``, ``dscores /= N``, ``dhidden[hidden <= 0] = 0``,
``reg * W`` in the gradient and ``0.5 * reg * sum(W * W)`` in the loss; the toy-model test habit
``X = 10 * randn``, ``std=1e-1``, ``reg=0.05``.

Written for this corpus (not copied). D=6 inputs, H=4 hidden, C=3 classes, N=9 samples.

Planted bugs:
- missing-hidden-derivative: the ReLU mask ``dhidden[hidden <= 0] = 0`` is left out;
- bias-wrong-axis: ``grads['b1'] = np.sum(dhidden, axis=1)`` (over the units, shape (N,));
- missing-mean: ``dscores /= N`` is left out (the data loss is a mean; the reg term stays right).
"""

import numpy as np

from ._state import learner_loss, marked_lines

D, H, C, N = 6, 4, 3, 9
SEED = 44
REG = 0.05
CACHING = False
BUG = "correct"

BUGS = {"correct": "match", "missing-hidden-derivative": "missing-hidden-derivative",
        "bias-wrong-axis": "bias-wrong-axis", "missing-mean": "missing-mean"}


class TwoLayerNet(object):

    def __init__(self, input_size, hidden_size, output_size, std=1e-4, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {}
        self.params['W1'] = std * rng.standard_normal((input_size, hidden_size))
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * rng.standard_normal((hidden_size, output_size))
        self.params['b2'] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        """Scores when y is None, else (loss, grads) of the softmax loss plus the L2 penalty."""
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        hidden = np.maximum(0, X.dot(W1) + b1)                 # (N, H)
        scores = hidden.dot(W2) + b2                            # (N, C)
        if y is None:
            return scores

        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= np.sum(probs, axis=1, keepdims=True)
        data_loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        if BUG != "missing-mean":
            dscores /= N
        grads['W2'] = hidden.T.dot(dscores) + reg * W2  # locate: missing-mean
        grads['b2'] = np.sum(dscores, axis=0)  # locate: missing-mean
        dhidden = dscores.dot(W2.T)  # locate: missing-hidden-derivative
        if BUG != "missing-hidden-derivative":
            dhidden[hidden <= 0] = 0
        grads['W1'] = X.T.dot(dhidden) + reg * W1  # locate: missing-mean
        grads['b1'] = np.sum(dhidden, axis=1 if BUG == "bias-wrong-axis" else 0)  # locate: bias-wrong-axis, missing-mean
        return loss, grads


def make(bug: str) -> dict:
    global BUG
    BUG = bug
    rng = np.random.default_rng(SEED)
    X = 10 * rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    net = TwoLayerNet(D, H, C, std=1e-1, seed=SEED + 1)
    return {"X": X, "Y": y, "params": net.params,
            "gradients": lambda X, y: net.loss(X, y, reg=REG)[1],
            "loss_fn": lambda X, y: net.loss(X, y, reg=REG)[0]}


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    params = kwargs["params"]
    grads = kwargs["gradients"](kwargs["X"].copy(), kwargs["Y"].copy())
    return [(params[k], np.asarray(grads[k], dtype=float)) for k in ("W1", "b1", "W2", "b2")]


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
