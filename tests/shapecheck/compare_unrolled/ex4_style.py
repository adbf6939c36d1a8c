"""A learner in the habit of the classic course exercise (ex4's nnCostFunction and its numpy ports).

``nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)`` returns
``(J, grad)``: both weight matrices unrolled into ONE flat vector, ``Theta1`` (h, d+1) and ``Theta2``
(t, h+1) with the bias as the first column, X without the ones column (added inside), integer labels (0..t-1,
or 1..t as in the Octave original, where ``y == k`` picks class k), sigmoid everywhere, the cross-entropy
summed over the classes and averaged over the samples, the L2 term over the non-bias columns.

Written for these tests (not copied). Settings (module globals, set by :func:`make`):
- ORDER: "F" (Octave's ``[Theta1(:); Theta2(:)]``, ``order='F'`` in the reshape) or "C" (numpy's ravel);
- BASE: 0 (labels 0..t-1) or 1 (labels 1..t);
- FORM: the L2 term as written: "course" (lambda/(2m) * sum, gradient lambda/m * W), "plain"
  (lambda * sum, gradient 2 * lambda * W: a university problem set), "half" (lambda/2 * sum, gradient lambda * W);
- BUG: a planted mistake (see BUGS); its line carries a ``# locate:`` comment.
"""

import numpy as np

from tests.shapecheck.compare_corpus._state import marked_lines

ORDER, BASE, FORM, BUG = "F", 0, "course", "correct"

#: planted mistake -> the bug id compare must name
BUGS = {"correct": "match", "derivative-at-activation": "derivative-at-activation", "missing-mean": "missing-mean",
        "sign-flip": "sign-flip", "missing-hidden-derivative": "missing-hidden-derivative",
        "bias-regularised": "l2-on-bias", "lambda-without-m": "l2-mismatch", "lambda-without-2": "l2-mismatch"}
#: mistakes that only exist with an L2 term
L2_BUGS = ("bias-regularised", "lambda-without-m", "lambda-without-2")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def l2_cost(lambda_, m, Theta1, Theta2):
    squares = np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2)
    if FORM == "plain":
        return lambda_ * squares
    if FORM == "half":
        return lambda_ / 2 * squares
    return lambda_ / (2 * m) * squares


def l2_factor(lambda_, m):
    """What the gradient adds per weight: the derivative of l2_cost."""
    if FORM == "plain":
        return 2 * lambda_
    if FORM == "half":
        return lambda_
    if BUG == "lambda-without-m":
        return lambda_
    if BUG == "lambda-without-2":
        return lambda_ / (2 * m)
    return lambda_ / m


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1), order=ORDER)
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1), order=ORDER)
    m = y.size

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)                 # (m, d+1)
    z2 = a1 @ Theta1.T                                                # (m, h)
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)       # (m, h+1)
    a3 = sigmoid(a2 @ Theta2.T)                                       # (m, t)
    y_matrix = (y.reshape(-1, 1) == np.arange(BASE, BASE + num_labels)).astype(float)

    J = -np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(1 - a3)) / m
    J = J + l2_cost(lambda_, m, Theta1, Theta2)

    delta3 = (y_matrix - a3) if BUG == "sign-flip" else (a3 - y_matrix)  # locate: sign-flip
    if BUG == "derivative-at-activation":
        delta2 = (delta3 @ Theta2[:, 1:]) * sigmoid_gradient(a2[:, 1:])  # locate: derivative-at-activation
    elif BUG == "missing-hidden-derivative":
        delta2 = delta3 @ Theta2[:, 1:]  # locate: missing-hidden-derivative
    else:
        delta2 = (delta3 @ Theta2[:, 1:]) * sigmoid_gradient(z2)
    Theta1_grad = (delta2.T @ a1) if BUG == "missing-mean" else (delta2.T @ a1) / m  # locate: missing-mean
    Theta2_grad = (delta3.T @ a2) if BUG == "missing-mean" else (delta3.T @ a2) / m  # locate: missing-mean

    reg = l2_factor(lambda_, m)
    if BUG == "bias-regularised":
        Theta1_grad = Theta1_grad + reg * Theta1  # locate: bias-regularised
        Theta2_grad = Theta2_grad + reg * Theta2  # locate: bias-regularised
    else:
        Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + reg * Theta1[:, 1:]  # locate: lambda-without-m, lambda-without-2
        Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + reg * Theta2[:, 1:]  # locate: lambda-without-m, lambda-without-2

    grad = np.concatenate([Theta1_grad.ravel(order=ORDER), Theta2_grad.ravel(order=ORDER)])
    return J, grad


def make(bug="correct", *, order="F", base=0, form="course", lambda_=1.5, n=7, d=5, h=3, t=4, seed=0):
    """compare's keyword arguments for this learner, as a learner would write them (no hints)."""
    global ORDER, BASE, FORM, BUG
    ORDER, BASE, FORM, BUG = order, base, form, bug
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.permutation(np.arange(n) % t)[:n] + base                 # every class present
    nn_params = rng.normal(scale=0.8, size=h * (d + 1) + t * (h + 1))
    return {"X": X, "Y": y, "params": nn_params,
            "gradients": lambda X, y: nn_cost_function(nn_params, d, h, t, X, y, lambda_),
            "loss_fn": lambda X, y: nn_cost_function(nn_params, d, h, t, X, y, lambda_)[0]}


def l2_declared(form, lambda_):
    """``reg=`` in the learner's own form (see shapecheck.compare's docstring)."""
    return {"course": f"{lambda_}/(2*m) * sum(W**2)", "plain": f"{lambda_} * sum(W**2)",
            "half": f"{lambda_}/2 * sum(W**2)"}[form]


LINES = marked_lines(__file__)
