"""A reviewer's program (review 25). Deep-learning course style, [4, 6, 3] (n=9 examples as columns), relu hidden, softmax? no: sigmoid output
with t=3 independent sigmoids, BCE mean; L_model_backward with a for loop, @ instead of np.dot, grads dict with
dA keys; gradients= wrapper."""
import numpy as np

BUG = None

def relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)  # locate: missing-hidden-derivative
    if BUG != "missing-hidden-derivative":
        dZ[Z <= 0] = 0
    return dZ

def sigmoid_backward(dA, Z):
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)

def forward(X, params):
    caches, A = [], X
    L = len(params) // 2
    for l in range(1, L + 1):
        W, b = params["W%d" % l], params["b%d" % l]
        Z = W @ A + b
        caches.append((A, W, b, Z))
        A = np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))
    return A, caches

def cost(AL, Y):
    m = Y.shape[1]
    return -np.sum(Y * np.log(AL + 1e-8) + (1 - Y) * np.log(1 - AL + 1e-8)) / m

def linear_backward(dZ, cache):
    A_prev, W, b, _ = cache
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m
    if BUG == "bias-wrong-axis":
        db = np.sum(dZ, axis=0, keepdims=True) / m  # locate: bias-wrong-axis
        db = db.sum(axis=1, keepdims=True) * np.ones_like(b)
    else:
        db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    if BUG == "sign-flip":
        dAL = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)  # locate: sign-flip
    else:
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA = dAL
    for l in reversed(range(L)):
        Z = caches[l][3]
        dZ = sigmoid_backward(dA, Z) if l == L - 1 else relu_backward(dA, Z)
        dA_prev, grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_backward(dZ, caches[l])
        grads["dA" + str(l)] = dA_prev
        dA = dA_prev
    return grads

CASES = {"correct": "match", "missing-hidden-derivative": "missing-hidden-derivative",
         "bias-wrong-axis": "bias-wrong-axis", "sign-flip": "sign-flip"}

def make(case, hints):
    global BUG
    BUG = None if case == "correct" else case
    g = np.random.default_rng(4)
    dims = [4, 6, 3]
    params = {}
    for l in range(1, len(dims)):
        params["W%d" % l] = g.normal(size=(dims[l], dims[l - 1])) * 0.8
        params["b%d" % l] = g.normal(size=(dims[l], 1)) * 0.1
    X = g.normal(size=(4, 9))
    Y = (g.random((3, 9)) > 0.5).astype(float)

    def grads_fn(X, Y):
        AL, caches = forward(X, params)
        return L_model_backward(AL, Y, caches)
    kw = dict(X=X, Y=Y, params=params, gradients=grads_fn)
    if hints:
        kw.update(activation="relu", output="sigmoid", loss="bce")
    else:
        kw["loss_fn"] = lambda X, Y: cost(forward(X, params)[0], Y)
    return kw
