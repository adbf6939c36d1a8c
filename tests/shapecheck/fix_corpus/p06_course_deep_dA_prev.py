"""Course style L-layer net: parameters and caches, samples as columns; linear_backward forgets W.T."""
import numpy as np


def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.5
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        A_prev = A
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = np.dot(W, A_prev) + b
        A = 1 / (1 + np.exp(-Z)) if l == L else np.maximum(0, Z)
        caches.append(((A_prev, W, b), Z))
    return A, caches


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1. / m * np.dot(dZ, A_prev.T)
    db = 1. / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W, dZ)  # correct: np.dot(W.T, dZ)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dZ = AL - Y
    linear_cache, Z = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(dZ, linear_cache)
    for l in reversed(range(L - 1)):
        linear_cache, Z = caches[l]
        dZ = np.array(grads["dA" + str(l + 1)], copy=True)
        dZ[Z <= 0] = 0
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_backward(dZ, linear_cache)
    return grads


np.random.seed(61)
X = np.random.randn(5, 7)
Y = (np.random.rand(1, 7) > 0.5).astype(float)
parameters = initialize_parameters_deep([5, 4, 3, 1])
AL, caches = L_model_forward(X, parameters)
grads = L_model_backward(AL, Y, caches)
GRADS = {k: v for k, v in grads.items() if k.startswith("dW") or k.startswith("db")}
