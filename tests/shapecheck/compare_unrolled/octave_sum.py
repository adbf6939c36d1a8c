"""A reviewer's learner (issue 25's review, b2_flat_octave_sum.py), copied: nnCostFunction with Octave's
Theta(:) order, one-hot targets, a SUMMED cost (no 1/m anywhere), no L2, and a for loop over the samples for
the gradient (the exercise's 'for t = 1:m' hint). n=7, d=3, h=5, t=4. Each planted mistake's line carries a
``# locate:`` comment written by reading the code.
"""
import numpy as np

from tests.shapecheck.compare_corpus._state import marked_lines

BUGS = {"correct": "match", "sign-flip": "sign-flip", "derivative-at-activation": "derivative-at-activation",
        "wrong-scale": "wrong-scale"}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, Y, bug=None):
    Theta1 = nn_params[:hidden_layer_size * (input_layer_size + 1)].reshape(hidden_layer_size, input_layer_size + 1, order="F")
    Theta2 = nn_params[hidden_layer_size * (input_layer_size + 1):].reshape(num_labels, hidden_layer_size + 1, order="F")
    m = X.shape[0]
    J = 0.0
    Theta1_grad = np.zeros_like(Theta1)
    Theta2_grad = np.zeros_like(Theta2)
    for t in range(m):
        a1 = np.concatenate(([1.0], X[t]))
        z2 = Theta1 @ a1
        a2 = np.concatenate(([1.0], sigmoid(z2)))
        a3 = sigmoid(Theta2 @ a2)
        J += -np.sum(Y[t] * np.log(a3) + (1 - Y[t]) * np.log(1 - a3))
        if bug == "sign-flip":
            delta3 = Y[t] - a3  # locate: sign-flip
        else:
            delta3 = a3 - Y[t]
        if bug == "derivative-at-activation":
            delta2 = (Theta2[:, 1:].T @ delta3) * sigmoidGradient(a2[1:])  # locate: derivative-at-activation
        else:
            delta2 = (Theta2[:, 1:].T @ delta3) * sigmoidGradient(z2)
        Theta1_grad += np.outer(delta2, a1)
        Theta2_grad += np.outer(delta3, a2)
    if bug == "wrong-scale":
        Theta1_grad = Theta1_grad / m  # locate: wrong-scale
        Theta2_grad = Theta2_grad / m  # locate: wrong-scale
    grad = np.concatenate([Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")])
    return J, grad


def make(case, hints):
    """compare's keyword arguments: with hints (reduction='sum' declared), or with only the learner's own J."""
    g = np.random.default_rng(13)
    n, d, h, t = 7, 3, 5, 4
    X = g.normal(size=(n, d))
    labels = np.array([0, 1, 2, 3, 1, 2, 3])
    Y = np.eye(t)[labels]
    nn_params = g.uniform(-1.2, 1.2, size=h * (d + 1) + t * (h + 1))
    bug = None if case == "correct" else case
    grads = lambda X, Y: nnCostFunction(nn_params, d, h, t, X, Y, bug)  # noqa: E731
    kw = dict(X=X, Y=Y, params=nn_params, gradients=grads)
    if hints:
        kw.update(activation="sigmoid", output="sigmoid", loss="bce", reduction="sum")
    else:
        kw["loss_fn"] = lambda X, Y: grads(X, Y)[0]
    return kw


LINES = marked_lines(__file__)
