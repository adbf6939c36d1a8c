"""Style (7): a folded-bias class with ``self.eta``: a column of ones appended to each layer's input and
one weight matrix per layer whose extra row is the bias.

Imitates the habits of the classic multilayer-perceptron classes with a folded bias unit (Raschka's
``NeuralNetMLP`` in rasbt/python-machine-learning-book and its copies; the ``self.eta``,
``_add_bias_unit``, ``_feedforward``, ``_get_cost``-style names, ``sigmoid_gradient(z)``, uniform(-1, 1)
weights, one-hot targets, a logistic cost SUMMED over the samples and unscaled ``grad = a.T.dot(sigma)``),
written with samples as rows and the ones column appended LAST, so ``w1`` is ``(d + 1, h)`` and ``w2``
``(h + 1, t)``. The forward pass keeps its intermediate arrays on ``self`` (``self.a0``, ``self.z1``,
``self.a1`` ...), a habit of many class-based learners.

Written for this corpus (not copied). d=4 inputs, h=6 hidden, t=3 outputs, 9 samples.

Planted bugs:
- derivative-at-activation: ``sigmoid_gradient`` of the hidden activation instead of z1;
- loss-mismatch: the squared-error delta ``(a - y) * a * (1 - a)`` with the logistic cost;
- missing-hidden-derivative: the hidden error is sent back without ``sigmoid_gradient(z1)``.
"""

import numpy as np

from ._state import learner_loss, step_gradients, marked_lines

D, H, T, N = 4, 6, 3, 9
SEED = 77
CACHING = True

BUGS = {"correct": "match", "derivative-at-activation": "derivative-at-activation",
        "loss-mismatch": "loss-mismatch", "missing-hidden-derivative": "missing-hidden-derivative"}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    sg = sigmoid(z)
    return sg * (1.0 - sg)


class NeuralNetMLP(object):

    def __init__(self, n_output, n_features, n_hidden=30, eta=0.001, random_state=None, bug="correct"):
        rng = np.random.default_rng(random_state)
        self.n_output = n_output
        self.n_features = n_features
        self.n_hidden = n_hidden
        self.w1 = rng.uniform(-1.0, 1.0, size=(n_features + 1, n_hidden))
        self.w2 = rng.uniform(-1.0, 1.0, size=(n_hidden + 1, n_output))
        self.eta = eta
        self._bug = bug

    def _add_bias_unit(self, X):
        """X with a column of ones appended."""
        return np.hstack([X, np.ones((X.shape[0], 1))])

    def _feedforward(self, X):
        self.a0 = self._add_bias_unit(X)
        self.z1 = self.a0.dot(self.w1)
        self.a1 = self._add_bias_unit(sigmoid(self.z1))
        self.z2 = self.a1.dot(self.w2)
        self.a2 = sigmoid(self.z2)
        return self.a2

    def _get_cost(self, X, y_enc):
        """Logistic cost, summed over the samples and the outputs."""
        output = self._feedforward(X)
        return np.sum(-y_enc * np.log(output) - (1.0 - y_enc) * np.log(1.0 - output))

    def _get_gradient(self, X, y_enc):
        output = self._feedforward(X)
        if self._bug == "loss-mismatch":
            sigma2 = (output - y_enc) * output * (1.0 - output)     # BUG: the squared-error delta
        else:
            sigma2 = output - y_enc
        sigma1 = sigma2.dot(self.w2.T)[:, :-1]                      # the bias row sends nothing back; locate: missing-hidden-derivative
        if self._bug == "derivative-at-activation":
            sigma1 = sigma1 * sigmoid_gradient(self.a1[:, :-1])     # BUG: at the activation; locate: derivative-at-activation
        elif self._bug != "missing-hidden-derivative":               # (BUG when skipped)
            sigma1 = sigma1 * sigmoid_gradient(self.z1)
        grad1 = self.a0.T.dot(sigma1)
        grad2 = self.a1.T.dot(sigma2)
        return grad1, grad2

    def partial_fit(self, X, y_enc):
        grad1, grad2 = self._get_gradient(X, y_enc)
        self.w1 -= self.eta * grad1
        self.w2 -= self.eta * grad2
        return self


def make(bug: str) -> dict:
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((N, D))
    y_enc = np.eye(T)[rng.integers(0, T, N)]
    nn = NeuralNetMLP(n_output=T, n_features=D, n_hidden=H, eta=0.05, random_state=SEED + 1, bug=bug)
    return {"X": X, "Y": y_enc, "params": nn, "step": nn.partial_fit, "loss_fn": nn._get_cost}


def own_loss(kwargs):
    return learner_loss(kwargs)


def own_gradients(kwargs):
    nn = kwargs["params"]
    return step_gradients(nn, [("w1",), ("w2",)], kwargs["step"], kwargs["X"], kwargs["Y"], nn.eta)


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
