"""Issue 24, item 8: the numbers of one report never disagree with each other, and a float32 warning
points at the learner's own call.

Fast mode measures a tensor along random directions and then checks the suspect entries one by one. A row
that names an entry (its index, analytic, numeric) must give that entry's errors, not a direction's (which
weighs the wrong entry by a random factor up to 1.7); a row with only a direction's numbers says so.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck import PrecisionWarning, check_gradients, check_network


class TwoLayerNet:
    """A learner's network as a course writes it: a params dict, forward caches on self, tanh hidden layer,
    half squared error averaged over the batch; ``planted`` adds a wrong amount to one entry of dW1."""

    def __init__(self, d, h, t, seed=0, dtype=np.float64, planted=None):
        rng = np.random.default_rng(seed)
        self.params = {"W1": (rng.standard_normal((d, h)) * 0.5).astype(dtype), "b1": np.zeros((1, h), dtype),
                       "W2": (rng.standard_normal((h, t)) * 0.5).astype(dtype), "b2": np.zeros((1, t), dtype)}
        self.planted = planted

    def forward(self, X):
        self.z1 = np.dot(X, self.params["W1"]) + self.params["b1"]
        self.a1 = np.tanh(self.z1)
        return np.dot(self.a1, self.params["W2"]) + self.params["b2"]

    def loss(self, X, Y):
        out = self.forward(X)
        return 0.5 * np.sum((out - Y) ** 2) / X.shape[0]

    def gradients(self, X, Y):
        m = X.shape[0]
        delta2 = (self.forward(X) - Y) / m
        delta1 = np.dot(delta2, self.params["W2"].T) * (1 - self.a1 ** 2)
        dW1 = np.dot(X.T, delta1)
        if self.planted is not None:
            index, amount = self.planted
            dW1[index] += amount
        return {"W1": dW1, "b1": np.sum(delta1, axis=0, keepdims=True),
                "W2": np.dot(self.a1.T, delta2), "b2": np.sum(delta2, axis=0, keepdims=True)}


def _data(n, d, t, dtype=np.float64):
    rng = np.random.default_rng(1)
    return rng.standard_normal((n, d)).astype(dtype), rng.standard_normal((n, t)).astype(dtype)


def _row_cells(report, name):
    """The text table's cells for tensor ``name``, split on runs of two or more spaces."""
    import re

    line = next(line for line in str(report).splitlines() if line.startswith(name + " "))
    return re.split(r"\s{2,}", line.strip())


def test_a_planted_entry_reads_the_same_in_every_column_of_its_fast_mode_row():
    """The learner's case: with seed 1 the direction weighs W1[2, 1] by 1.47, and max abs err said 1.03 beside
    an entry whose analytic and numeric values differ by 0.7."""
    X, Y = _data(7, 5, 2)
    net = TwoLayerNet(5, 3, 2, planted=((2, 1), 0.7))
    report = check_network(net, X, Y, mode="fast", seed=1)
    row = report["W1"]
    assert row.status == "FAIL" and row.worst_index == (2, 1) and row.measured == "entries"
    assert row.max_abs_error == pytest.approx(abs(row.analytic - row.numeric), rel=1e-9)
    assert row.max_rel_error == pytest.approx(abs(row.analytic - row.numeric)
                                              / max(abs(row.analytic), abs(row.numeric)), rel=1e-9)
    cells = _row_cells(report, "W1")
    assert cells[3] == "0.7" and cells[5] == "[2, 1]"


def test_rows_measured_only_along_directions_are_labelled_as_such():
    X, Y = _data(7, 5, 2)
    report = check_network(TwoLayerNet(5, 3, 2, planted=((2, 1), 0.7)), X, Y, mode="fast", seed=1)
    for name in ("b1", "W2", "b2"):
        assert report[name].measured == "directions" and report[name].worst_index is None
        assert _row_cells(report, name)[5] == "(a direction)"
    assert "(a direction): that row's numbers are of derivatives along random directions" in str(report)
    assert report.to_dict()["rows"][1]["measured"] == "directions"
    ok = check_network(TwoLayerNet(5, 3, 2), X, Y, mode="fast")
    assert ok.ok and "max relative error" in ok.summary and "along random directions" in ok.summary
    full = check_network(TwoLayerNet(5, 3, 2), X, Y, mode="full")
    assert "(a direction)" not in str(full) and "along random directions" not in full.summary


@settings(max_examples=25, deadline=None)
@given(n=st.integers(4, 9), d=st.integers(2, 6), h=st.integers(2, 5), t=st.integers(1, 3),
       flat=st.integers(0, 10 ** 6), amount=st.sampled_from([0.05, -0.3, 0.7, 2.0]), seed=st.integers(0, 50))
def test_a_named_entry_and_the_rows_errors_agree_at_any_sizes(n, d, h, t, flat, amount, seed):
    X, Y = _data(n, d, t)
    index = tuple(int(i) for i in np.unravel_index(flat % (d * h), (d, h)))
    report = check_network(TwoLayerNet(d, h, t, planted=(index, amount)), X, Y, mode="fast", seed=seed)
    row = report["W1"]
    assert row.status == "FAIL" and index in row.suspects
    if row.worst_index is not None:
        # the row's errors are its entries': the named entry's own gap is among them, and none is larger
        # than the largest gap between analytic and numeric among the entries checked
        assert row.measured == "entries"
        assert abs(row.analytic - row.numeric) <= row.max_abs_error * (1 + 1e-9)
        if len(row.suspects) == 1:
            assert row.max_abs_error == pytest.approx(abs(row.analytic - row.numeric), rel=1e-9)
    else:
        assert row.measured == "directions"


# -- the float32 warning points at the learner's call ------------------------------------------------------

def _precision_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if issubclass(w.category, PrecisionWarning)]


@pytest.mark.parametrize("entry", ["check_network", "check_gradients", "assert_gradients_close",
                                   "testing.assert_gradients_close"])
def test_the_float32_warning_names_the_learners_line_for_every_entry_point(entry):
    X, Y = _data(7, 5, 2, np.float32)
    net = TwoLayerNet(5, 3, 2, dtype=np.float32)
    calls = {
        "check_network": lambda: check_network(net, X, Y),
        "check_gradients": lambda: check_gradients(lambda p: net.loss(X, Y), net.params, net.gradients(X, Y)),
        "assert_gradients_close": lambda: shapecheck.assert_gradients_close(lambda p: net.loss(X, Y), net.params,
                                                                            net.gradients(X, Y)),
        "testing.assert_gradients_close": lambda: shapecheck.testing.assert_gradients_close(
            lambda p: net.loss(X, Y), net.params, net.gradients(X, Y)),
    }
    found = _precision_warnings(calls[entry])
    assert found, entry
    assert all(w.filename == __file__ for w in found), [(w.filename, w.lineno) for w in found]


def test_compare_of_a_float32_learner_shows_no_warning_from_inside_shapecheck():
    """compare checks the learner's gradients against their own loss with its own mode and tolerances: a
    precision warning there is compare's business, never a line inside shapecheck shown to the learner."""
    X, Y = _data(7, 5, 2, np.float32)
    net = TwoLayerNet(5, 3, 2, dtype=np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shapecheck.compare(X, Y, params=net.params, gradients=net.gradients, loss_fn=net.loss,
                           activation="tanh", loss="mse")
    package = shapecheck.__file__.rsplit("/", 1)[0]
    assert not [w for w in caught if issubclass(w.category, PrecisionWarning) and w.filename.startswith(package)]
