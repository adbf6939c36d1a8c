"""compare() on a textbook network class whose fit() draws its weights and trains from scratch.

The class is written the way a much-copied textbook MLP is: samples as rows, one-hot targets, sigmoid layers,
``fit()`` that draws the weights from the network's own random state and then runs its epochs, and the hidden
layer's derivative written for the activation, ``a * (1 - a)``, but given the pre-activation ``z_h``.

Given ``fit`` as its step, compare refuses: a step that draws new weights at every call is no gradient step,
and no gradient can be read from it. Given a step that takes one gradient step from the current weights (the
body of one epoch), it says MATCH for the class written right and names the mistake at its line otherwise.

Run:  python examples/compare/textbook_fit.py
"""

import numpy as np

import shapecheck


class NeuralNetMLP:
    def __init__(self, n_hidden=5, eta=0.1, seed=1, mistake=True):
        self.random = np.random.RandomState(seed)
        self.n_hidden, self.eta, self.mistake = n_hidden, eta, mistake

    @staticmethod
    def _sigmoid(z):
        return 1.0 / (1.0 + np.exp(-np.clip(z, -250, 250)))

    def _forward(self, X):
        z_h = X @ self.w_h + self.b_h
        a_h = self._sigmoid(z_h)
        z_out = a_h @ self.w_out + self.b_out
        return z_h, a_h, z_out, self._sigmoid(z_out)

    def fit(self, X, Y, epochs=1):
        """Draw the weights, then train: the textbook's fit()."""
        self.w_h = self.random.normal(0.0, 0.1, size=(X.shape[1], self.n_hidden))
        self.b_h = np.zeros(self.n_hidden)
        self.w_out = self.random.normal(0.0, 0.1, size=(self.n_hidden, Y.shape[1]))
        self.b_out = np.zeros(Y.shape[1])
        for _ in range(epochs):
            self.train_step(X, Y)
        return self

    def train_step(self, X, Y):
        """One gradient step on the whole batch, from the weights the network has."""
        z_h, a_h, z_out, a_out = self._forward(X)
        delta_out = a_out - Y
        if self.mistake:
            sigmoid_derivative_h = z_h * (1.0 - z_h)      # mistake: a * (1 - a) given z_h
        else:
            sigmoid_derivative_h = a_h * (1.0 - a_h)
        delta_h = (delta_out @ self.w_out.T) * sigmoid_derivative_h
        self.w_h -= self.eta * X.T @ delta_h
        self.b_h -= self.eta * delta_h.sum(axis=0)
        self.w_out -= self.eta * a_h.T @ delta_out
        self.b_out -= self.eta * delta_out.sum(axis=0)


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 7))                       # 8 samples, 7 features, 3 classes
    return X, np.eye(3)[rng.integers(0, 3, size=8)]


def main():
    X, Y = data()
    net = NeuralNetMLP().fit(X, Y)
    print("--- step=net.fit (draws new weights at every call)")
    try:
        shapecheck.compare(X, Y, params=net, step=net.fit)
    except shapecheck.ConfigurationError as refused:
        print(f"refused: {refused}")
    for mistake in (False, True):
        net = NeuralNetMLP(mistake=mistake).fit(X, Y)
        print(f"--- step=net.train_step (one gradient step from the current weights), {'with' if mistake else 'no'} "
              "mistake")
        print(shapecheck.compare(X, Y, params=net, step=net.train_step))


if __name__ == "__main__":
    main()
