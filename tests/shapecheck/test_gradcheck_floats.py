"""check_gradients on floats (issue 25, habit 2): a dict of floats and an object's float attributes are
checked as they are, put back bit for bit, and wrong input is refused with what was expected."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shapecheck
from shapecheck.errors import ParameterError, ShapeError

X, T = np.array([0.75, -1.25, 0.5]), 0.25          # one sample with 3 inputs, its target


def _bits(values) -> dict:
    return {k: (type(v), struct.pack("d", float(v))) for k, v in values.items()}


def _loss(p):
    return (np.tanh(p["a"] * X[0] + p["b"] * X[1] + p["c"] * X[2]) * p["v"] - T) ** 2


def _grads(p, wrong=False):
    h = np.tanh(p["a"] * X[0] + p["b"] * X[1] + p["c"] * X[2])
    e = 2 * (h * p["v"] - T)
    dz = e * p["v"] * (1 - (h if wrong else h ** 2))            # wrong: tanh' taken as 1 - h
    return {"a": dz * X[0], "b": dz * X[1], "c": dz * X[2], "v": e * h}


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-2, 2, allow_nan=False), min_size=4, max_size=4))
def test_a_dict_of_floats_is_checked_and_put_back(values):
    """Right gradients pass, the dict holds the same float objects afterwards."""
    params = dict(zip("abcv", values))
    objects, before = dict(params), _bits(params)
    report = shapecheck.check_gradients(_loss, params, _grads)
    assert report.ok, str(report)
    assert _bits(params) == before and all(params[k] is objects[k] for k in params)


def test_a_wrong_float_gradient_is_named():
    params = {"a": 0.5, "b": -0.75, "c": 1.5, "v": 1.25}
    report = shapecheck.check_gradients(_loss, params, lambda p: _grads(p, wrong=True))
    assert not report.ok and not report["v"].failed
    assert {"a", "b", "c"} <= {row.name for row in report.rows if row.failed}


class Neuron:
    """A learner's object: floats for weights, a learning rate that is not a parameter."""

    def __init__(self):
        self.a, self.b, self.c, self.v, self.learn_rate = 0.5, -0.75, 1.5, 1.25, 0.1

    def loss(self, _):
        return _loss(vars(self))

    def grads(self, _):
        return _grads(vars(self))


def test_an_objects_float_attributes_are_checked_and_put_back():
    net = Neuron()
    objects, before = dict(vars(net)), _bits(vars(net))
    report = shapecheck.check_gradients(net.loss, net, net.grads)
    assert report.ok and [row.name for row in report.rows] == ["a", "b", "c", "v"]     # not learn_rate
    assert _bits(vars(net)) == before and all(vars(net)[k] is objects[k] for k in objects)


@pytest.mark.parametrize("grads, error, words", [
    ({"a": 1.0, "w9": 2.0}, ParameterError, "grads names w9, which Neuron does not hold as a float; its floats are "
                                            "a, b, c, v, learn_rate"),
    ([1.0, 2.0], ParameterError, "grads must be a dict naming them ({'a': ...})"),
    ({"a": np.ones(2)}, ShapeError, "grads['a'] is array of shape (2,)"),
])
def test_wrong_input_is_refused_with_what_was_expected(grads, error, words):
    net = Neuron()
    before = _bits(vars(net))
    with pytest.raises(error) as caught:
        shapecheck.check_gradients(net.loss, net, grads)
    assert words in str(caught.value)
    assert _bits(vars(net)) == before
