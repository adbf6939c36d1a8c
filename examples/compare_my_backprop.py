"""Name the bug in your backprop: python examples/compare_my_backprop.py"""
import numpy as np
import shapecheck

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))       # 7 samples, 5 inputs, 2 outputs
params = {"W1": rng.normal(size=(5, 3)), "b1": np.zeros((1, 3)),
          "W2": rng.normal(size=(3, 2)), "b2": np.zeros((1, 2))}

def my_gradients(X, Y):                        # your backprop: a tanh hidden layer, a squared error
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    dZ2 = (A1 @ params["W2"] + params["b2"] - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (1 - np.tanh(A1) ** 2)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True),
            "W2": A1.T @ dZ2, "b2": dZ2.sum(axis=0, keepdims=True)}

print(shapecheck.compare(X, Y, params=params, gradients=my_gradients))
