"""compare() on the course's L-layer network, "Building your Deep Neural Network: Step by Step" style.

The learner's ``L_model_backward`` returns a dict holding more than gradients: ``dA2, dW3, db3, dA1, dW2, db2,
dA0, dW1, db1`` for a [5, 4, 3, 1] network. compare pairs each parameter with its gradient by name (``dW1``
with ``W1``) and says in a note what it left out (``dA0`` is shaped like X: a gradient with respect to the
input). The learner passes a wrapper of their own as ``gradients=``, or a training ``step=`` (forward, backward,
update_parameters), and their ``compute_cost`` as ``loss_fn``; nothing else is declared.

Run:  python examples/compare/course_deep_network.py
      shapecheck compare examples/compare/course_deep_network.py:factory_buggy
"""

import numpy as np

import shapecheck

MISTAKE = None          # None, "missing-relu-derivative" or "missing-1/m"


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    if MISTAKE != "missing-relu-derivative":
        dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


def initialize_parameters_deep(layer_dims):
    rng = np.random.default_rng(1)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) / np.sqrt(layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_activation_forward(A_prev, W, b, activation):
    Z = np.dot(W, A_prev) + b
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, ((A_prev, W, b), activation_cache)


def L_model_forward(X, parameters):
    caches, A, L = [], X, len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    return np.squeeze(-1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    if MISTAKE == "missing-1/m":
        m = 1
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    grads, L = {}, len(caches)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads["dA" + str(L - 1)] = dA_prev
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


def update_parameters(parameters, grads, learning_rate):
    for l in range(len(parameters) // 2):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
    return parameters


def make(mistake=None, how="gradients"):
    """compare's arguments, as the learner has them: their parameters, their wrapper or step, their cost."""
    global MISTAKE
    MISTAKE = mistake
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((5, 7)), (rng.random((1, 7)) > 0.5).astype(float)    # m = 7 examples
    parameters = initialize_parameters_deep([5, 4, 3, 1])

    def my_gradients(X, Y):
        AL, caches = L_model_forward(X, parameters)
        return L_model_backward(AL, Y, caches)

    def my_step(X, Y):
        AL, caches = L_model_forward(X, parameters)
        update_parameters(parameters, L_model_backward(AL, Y, caches), learning_rate=0.0075)

    own = dict(gradients=my_gradients) if how == "gradients" else dict(step=my_step, lr=0.0075)
    return dict(X=X, Y=Y, params=parameters, loss_fn=lambda X, Y: compute_cost(L_model_forward(X, parameters)[0], Y),
                **own)


def factory():
    return make()


def factory_buggy():
    return make("missing-relu-derivative")


if __name__ == "__main__":
    for mistake, how in ((None, "gradients"), ("missing-relu-derivative", "gradients"), ("missing-1/m", "step")):
        report = shapecheck.compare(**make(mistake, how))
        print(f"--- learner with {mistake or 'no mistake'}, through {how}=\n{report}\n")
