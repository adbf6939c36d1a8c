"""A failing property test shrinks to an example that still shows the bug: a backprop with a planted bug,
checked against the reference on drawn specs, parameters and batches, fails, and the shrunk example's
report has a MISMATCH row for every tensor the bug affects (not `0.0e+00 ok` at an all-zero batch)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import compare
from shapecheck import strategies as sst

SPECS = sst.mlp_specs(min_hidden=1, max_hidden=1, activations=["tanh"], output_loss=[("identity", "mse")],
                      layouts=["rows"])


def backward(params, X, Y, bug):
    """A learner's backprop, samples as rows, tanh hidden, identity output, mean half squared error."""
    n = X.shape[0]
    Z1 = X @ params["W1"] + params["b1"]                       # (n, h)
    A1 = np.tanh(Z1)
    dZ2 = A1 @ params["W2"] + params["b2"] - Y                 # (n, t)
    dA1 = dZ2 @ params["W2"].T                                 # (n, h)
    if bug == "derivative-at-activation":
        dZ1 = dA1 * (1 - np.tanh(A1) ** 2)
    elif bug == "missing-hidden-derivative":
        dZ1 = dA1
    else:
        dZ1 = dA1 * (1 - A1 ** 2)
    per = 1 if bug == "missing-mean" else n
    return {"W1": X.T @ dZ1 / per, "b1": dZ1.sum(axis=0, keepdims=True) / per,
            "W2": A1.T @ dZ2 / per, "b2": dZ2.sum(axis=0, keepdims=True) / per}


class Mismatch(Exception):
    def __init__(self, report):
        super().__init__(str(report))
        self.report = report


def shrunk_failure(bug):
    """The report of the example hypothesis shrinks a failing property test to (profile 'shapecheck')."""

    @settings(settings.get_profile(sst.PROFILE), max_examples=25, database=None, derandomize=True)
    @given(spec=SPECS, data=st.data())
    def property_test(spec, data):
        params = data.draw(sst.parameters(spec))
        X, Y = data.draw(sst.batches(spec))
        report = compare(X, Y, params=params, gradients=lambda X, Y: backward(params, X, Y, bug), **spec.options())
        if not report.ok:
            raise Mismatch(report)

    with pytest.raises(Mismatch) as caught:
        property_test()
    return caught.value.report


@pytest.mark.parametrize("bug, affected", [
    ("derivative-at-activation", {"W1", "b1"}),
    ("missing-hidden-derivative", {"W1", "b1"}),
    ("missing-mean", {"W1", "b1", "W2", "b2"}),
])
def test_the_shrunk_failing_example_shows_the_bug_in_every_tensor_it_affects(bug, affected):
    report = shrunk_failure(bug)
    statuses = {row.name: row.status for row in report.rows}
    assert {name for name, status in statuses.items() if status == "MISMATCH"} == affected, str(report)
    assert all(row.rel_error > 1e-6 for row in report.rows if row.name in affected), str(report)
    assert report.diagnoses[0].bug == bug, str(report)
    assert max(report.sizes) <= 8                              # shrunk to small sizes, still distinct


def test_a_correct_backprop_passes_the_same_property_test():
    @settings(settings.get_profile(sst.PROFILE), max_examples=10, database=None, derandomize=True)
    @given(spec=SPECS, data=st.data())
    def property_test(spec, data):
        params = data.draw(sst.parameters(spec))
        X, Y = data.draw(sst.batches(spec))
        assert compare(X, Y, params=params, gradients=lambda X, Y: backward(params, X, Y, None),
                       **spec.options()).ok

    property_test()


def test_the_checker_on_the_shrunk_example_fails_every_affected_tensor():
    """The same with the gradient checker (the README's finite-difference property test): the shrunk example's
    table has FAIL in W1 and b1, not an ok row at an all-zero batch."""
    from shapecheck import check_gradients
    from reference_nets import MLP

    class Failed(Exception):
        def __init__(self, report):
            super().__init__(str(report))
            self.report = report

    @settings(settings.get_profile(sst.PROFILE), max_examples=25, database=None, derandomize=True)
    @given(spec=SPECS, data=st.data())
    def property_test(spec, data):
        params = data.draw(sst.parameters(spec))
        X, Y = data.draw(sst.batches(spec))
        net = MLP(spec.sizes, **spec.options())
        net.params.update({name: array.copy() for name, array in params.items()})
        report = check_gradients(lambda p: net.loss(X, Y), net.params,
                                 backward(net.params, X, Y, "derivative-at-activation"))
        if not report.ok:
            raise Failed(report)

    with pytest.raises(Failed) as caught:
        property_test()
    report = caught.value.report
    assert {row.name for row in report.rows if row.status == "FAIL"} == {"W1", "b1"}, str(report)
