"""compare with step=: a step that is no gradient step from the current weights is refused, saying what it does,
instead of compared into a mismatch with a made-up place. Our own learner programs, in the habits of textbook
code: a ``fit()`` that draws its weights from the network's random state and trains from scratch (as the
classic NeuralNetMLP class does), a step that seeds and initialises inside itself, dropout; and, never refused,
a correct step that shuffles the whole batch with a random state of its own (the sums change order only)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck

D, H, T, N = 7, 5, 3, 8          # inputs, hidden units, classes, samples: pairwise distinct


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -250, 250)))


class TextbookMLP:
    """Samples as rows, sigmoid hidden and output layers, one-hot targets; weights drawn in fit() from the
    network's own RandomState, then one epoch of minibatch gradient descent."""

    def __init__(self, d=D, h=H, t=T, eta=0.1, seed=1, reseed=False, dropout=0.0, draw=True):
        self.random = np.random.RandomState(seed)
        self.d, self.h, self.t, self.eta, self.seed = d, h, t, eta, seed
        self.reseed, self.dropout, self.draw = reseed, dropout, draw
        self._initialise()

    def _initialise(self):
        if self.reseed:                        # the same weights at every call: seeded right here
            self.random = np.random.RandomState(self.seed)
        self.w_h = self.random.normal(0.0, 0.1, size=(self.d, self.h))
        self.b_h = np.zeros(self.h)
        self.w_out = self.random.normal(0.0, 0.1, size=(self.h, self.t))
        self.b_out = np.zeros(self.t)

    def fit(self, X, Y):
        if self.draw:
            self._initialise()
        order = np.arange(len(X))
        self.random.shuffle(order)             # the whole batch, in a random order
        X, Y = X[order], Y[order]
        a_h = _sigmoid(X @ self.w_h + self.b_h)
        if self.dropout:
            a_h = a_h * (self.random.rand(*a_h.shape) > self.dropout) / (1 - self.dropout)
        a_out = _sigmoid(a_h @ self.w_out + self.b_out)
        delta_out = a_out - Y
        delta_h = (delta_out @ self.w_out.T) * a_h * (1.0 - a_h)
        self.w_h -= self.eta * (X.T @ delta_h)
        self.b_h -= self.eta * delta_h.sum(axis=0)
        self.w_out -= self.eta * (a_h.T @ delta_out)
        self.b_out -= self.eta * delta_out.sum(axis=0)
        return self


def _data(n=N, d=D, t=T, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.eye(t)[rng.integers(0, t, size=n)]


def _compare(net, X, Y):
    return shapecheck.compare(X, Y, params=net, step=net.fit, activation="sigmoid", output="sigmoid", loss="bce",
                              reduction="sum")


def test_a_fit_that_draws_new_weights_at_every_call_is_refused():
    net, (X, Y) = TextbookMLP(), _data()
    before = [net.w_h.copy(), net.b_h.copy(), net.w_out.copy(), net.b_out.copy()]
    with pytest.raises(shapecheck.ConfigurationError, match=r"when run twice from the same weights: it draws random "
                                                            r"numbers \(weights drawn anew by each call"):
        _compare(net, X, Y)
    for now, then in zip([net.w_h, net.b_h, net.w_out, net.b_out], before):
        np.testing.assert_array_equal(now, then)                    # put back


def test_a_step_that_seeds_and_initialises_inside_itself_is_refused():
    """The same weights at every call (seeded in the step), whatever the weights were: set anew."""
    net, (X, Y) = TextbookMLP(reseed=True), _data()
    with pytest.raises(shapecheck.ConfigurationError, match=r"ends at the same w_h and w_out whatever they start "
                                                            r"from \(started 0\.1% larger"):
        _compare(net, X, Y)


def test_dropout_in_the_step_is_refused():
    net, (X, Y) = TextbookMLP(draw=False, dropout=0.3), _data()
    with pytest.raises(shapecheck.ConfigurationError, match="run twice from the same weights"):
        _compare(net, X, Y)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=4, max_size=4, unique=True), st.integers(0, 2**16))
def test_a_correct_step_that_shuffles_the_whole_batch_matches(sizes, seed):
    """The shuffled order changes the sums in the last digits only: never refused, and the verdict is MATCH."""
    n, d, h, t = sizes
    net = TextbookMLP(d=d, h=h, t=t, seed=seed, draw=False)
    X, Y = _data(n=n, d=d, t=t, seed=seed)
    report = _compare(net, X, Y)
    assert report.diagnoses[0].bug == "match", report.summary


class FailsFromOtherWeights(TextbookMLP):
    """A correct step that refuses weights it did not draw itself (a learner's own assertion)."""

    def fit(self, X, Y):
        assert abs(self.w_h[0, 0] - self.first) < 1e-12, "weights changed behind my back"
        return super().fit(X, Y)


def test_a_step_that_fails_from_other_weights_is_still_compared():
    net = FailsFromOtherWeights(draw=False)
    net.first = float(net.w_h[0, 0])
    X, Y = _data()
    assert _compare(net, X, Y).diagnoses[0].bug == "match"


def test_the_example_refuses_fit_and_names_the_mistake_of_its_train_step():
    """examples/compare/textbook_fit.py, as a learner runs it."""
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "compare" / "textbook_fit.py"
    out = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "refused: your step(X, Y) moved w_h" in out and "when run twice from the same weights" in out
    assert "MISMATCH: network [7, 5, 3], layout 'rows'; derivative-formula-at-pre-activation" in out
    assert "MATCH: network [7, 5, 3], layout 'rows'; match" in out
    assert "at textbook_fit.py:49   sigmoid_derivative_h = z_h * (1.0 - z_h)" in out
