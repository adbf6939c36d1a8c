"""A learner's layer helpers, imported by train.py from the same folder."""
import numpy as np


def dense_backward(dZ, A_prev, W):
    """Gradients of a dense layer, samples as rows: dZ (n, out), A_prev (n, in), W (in, out)."""
    n = dZ.shape[0]
    dW = A_prev.T @ dZ / n
    db = dZ.sum(axis=0, keepdims=True) / n
    dA_prev = dZ @ W                  # BUG: should be dZ @ W.T
    return dW, db, dA_prev
