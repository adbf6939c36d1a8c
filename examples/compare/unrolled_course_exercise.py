"""The classic course exercise: nnCostFunction(nn_params, ...) returns (J, grad), both weight matrices
unrolled into ONE flat vector, Octave's column-major order, labels 1..t, sigmoid everywhere, and the L2 term
lambda_/(2m) * sum(Theta**2) over the non-bias columns.

compare is given the flat vector itself, the learner's own (J, grad) function and, as loss_fn, its J; the
sizes come from X, y and the vector's length. The second learner regularises the bias column too; the
third forgets the 1/m of lambda_/m in the gradient, and declares reg= in its own form.

Run:  python examples/compare/unrolled_course_exercise.py
"""

import numpy as np

import shapecheck


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_, bug=None):
    Theta1 = nn_params[:hidden_layer_size * (input_layer_size + 1)].reshape(
        (hidden_layer_size, input_layer_size + 1), order="F")
    Theta2 = nn_params[hidden_layer_size * (input_layer_size + 1):].reshape(
        (num_labels, hidden_layer_size + 1), order="F")
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])                        # (m, d+1)
    z2 = a1 @ Theta1.T                                          # (m, h)
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])              # (m, h+1)
    a3 = sigmoid(a2 @ Theta2.T)                                 # (m, t)
    Y = np.eye(num_labels)[y - 1]                               # labels 1..t, as in Octave
    J = np.sum(-Y * np.log(a3) - (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta3 = a3 - Y                                             # (m, t)
    delta2 = (delta3 @ Theta2[:, 1:]) * sigmoid_gradient(z2)    # (m, h)
    Theta1_grad = delta2.T @ a1 / m                             # (h, d+1)
    Theta2_grad = delta3.T @ a2 / m                             # (t, h+1)
    if bug == "bias regularised":
        Theta1_grad += lambda_ / m * Theta1                     # the bias column too
        Theta2_grad += lambda_ / m * Theta2
    elif bug == "lambda without 1/m":
        Theta1_grad[:, 1:] += lambda_ * Theta1[:, 1:]
        Theta2_grad[:, 1:] += lambda_ * Theta2[:, 1:]
    else:
        Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
        Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    grad = np.concatenate([Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")])
    return J, grad


rng = np.random.default_rng(4)
input_layer_size, hidden_layer_size, num_labels, m = 4, 5, 3, 8
X = rng.normal(size=(m, input_layer_size))
y = np.array([1, 2, 3, 1, 2, 3, 1, 2])
Theta1 = rng.uniform(-0.12, 0.12, size=(hidden_layer_size, input_layer_size + 1)) * 8
Theta2 = rng.uniform(-0.12, 0.12, size=(num_labels, hidden_layer_size + 1)) * 8
nn_params = np.concatenate([Theta1.ravel(order="F"), Theta2.ravel(order="F")])     # [Theta1(:); Theta2(:)]
lambda_ = 1.0

for bug in (None, "bias regularised", "lambda without 1/m"):
    def cost(X, y, bug=bug):
        return nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_, bug)

    declared = {"reg": f"{lambda_}/(2*m) * sum(W**2)"} if bug == "lambda without 1/m" else {}
    report = shapecheck.compare(X, y, params=nn_params, gradients=cost, loss_fn=lambda X, y: cost(X, y)[0],
                                **declared)
    print(f"--- {bug or 'a correct nnCostFunction'}")
    print(report)
