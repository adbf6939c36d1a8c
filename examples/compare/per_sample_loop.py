"""A learner who loops over the samples one at a time, with W stored (in, out) and used as W.T @ x
(samples as columns), and puts the 1/m into the update. Correct code in this style must match.

Run:  python examples/compare/per_sample_loop.py
"""

import numpy as np

import shapecheck


class LoopNet:
    def __init__(self, d, h, t, seed=0, bug=None):
        rng = np.random.default_rng(seed)
        self.W1, self.b1 = rng.normal(0, 0.5, size=(d, h)), np.full((h, 1), 0.1)
        self.W2, self.b2 = rng.normal(0, 0.5, size=(h, t)), np.full((t, 1), -0.1)
        self.eta = 0.05
        self.bug = bug

    def step(self, X, Y):
        m = X.shape[1]
        sums = [np.zeros_like(p) for p in (self.W1, self.b1, self.W2, self.b2)]
        for i in range(m):
            x, y = X[:, i:i + 1], Y[:, i:i + 1]                   # (d, 1), (t, 1)
            z1 = self.W1.T @ x + self.b1
            a1 = np.tanh(z1)
            a2 = self.W2.T @ a1 + self.b2                         # identity output, half squared error
            dz2 = a2 - y
            da1 = self.W2 @ dz2
            dz1 = da1 if self.bug == "missing-hidden-derivative" else da1 * (1 - a1 ** 2)
            for total, grad in zip(sums, (x @ dz1.T, dz1, a1 @ dz2.T, dz2)):
                total += grad
        for param, total in zip((self.W1, self.b1, self.W2, self.b2), sums):
            param -= self.eta / m * total                         # the 1/m lives in the update


BUGS = {None: "match", "missing-hidden-derivative": "missing-hidden-derivative"}


def make(bug=None, d=5, h=3, t=2, n=7, seed=0):
    rng = np.random.default_rng(seed + 1)
    net = LoopNet(d, h, t, seed, bug)
    X, Y = rng.normal(size=(d, n)), rng.normal(size=(t, n))
    return dict(X=X, Y=Y, params=net, step=net.step, activation="tanh", output="identity", loss="mse",
                layout="columns-wT")


def factory():
    return make()


if __name__ == "__main__":
    for bug in BUGS:
        print(f"--- learner with {bug or 'no bug'}")
        print(shapecheck.compare(**make(bug)))
