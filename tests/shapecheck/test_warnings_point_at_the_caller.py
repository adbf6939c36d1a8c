"""Every warning shapecheck emits names the user's own line (its ``filename`` is this test file), whichever
entry point was called: PrecisionWarning, ComplexStepWarning, SlowCheckWarning, and numpy's warnings
from a traced operation. The frictions of issue 27 item 5 are tested here too."""

import warnings

import numpy as np
import pytest

import shapecheck
import shapecheck.testing
from reference_nets import MLP
from shapecheck import ParameterError, ShapeError
from shapecheck.gradcheck import ComplexStepWarning, PrecisionWarning, SlowCheckWarning, progress

D, T, N = 3, 4, 5          # pairwise distinct


class AbsNet:
    """A network whose loss is not complex-safe (abs): method='complex' falls back, with a warning."""

    def __init__(self, dtype=np.float64):
        self.params = {"W": np.random.default_rng(0).normal(size=(D, T)).astype(dtype)}

    def loss(self, X, Y):
        return float(np.sum(np.abs(self.params["W"])))

    def gradients(self, X, Y):
        return {"W": np.sign(self.params["W"])}


def entry_points(net, **options):
    """The same check through every public entry point, each called from this file."""
    X, Y = np.ones((N, D)), np.ones((N, T))
    return {
        "check_gradients": lambda: shapecheck.check_gradients(lambda _: net.loss(X, Y), net.params,
                                                              net.gradients(X, Y), **options),
        "assert_gradients_close": lambda: shapecheck.assert_gradients_close(lambda _: net.loss(X, Y), net.params,
                                                                            net.gradients(X, Y), **options),
        "testing.assert_gradients_close": lambda: shapecheck.testing.assert_gradients_close(
            lambda _: net.loss(X, Y), net.params, net.gradients(X, Y), **options),
        "check_network": lambda: shapecheck.check_network(net, X, Y, **options),
    }


ENTRIES = ["check_gradients", "assert_gradients_close", "testing.assert_gradients_close", "check_network"]


def recorded(call, category):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    found = [w for w in caught if issubclass(w.category, category)]
    assert found, [str(w.message) for w in caught]
    return found


def assert_at_this_file(found):
    assert all(w.filename == __file__ for w in found), [(w.filename, w.lineno) for w in found]


@pytest.mark.parametrize("entry", ENTRIES)
def test_complex_step_warning_names_the_callers_line(entry):
    assert_at_this_file(recorded(entry_points(AbsNet(), method="complex")[entry], ComplexStepWarning))


@pytest.mark.parametrize("entry", ENTRIES)
def test_precision_warning_names_the_callers_line(entry):
    assert_at_this_file(recorded(entry_points(AbsNet(np.float32))[entry], PrecisionWarning))


@pytest.fixture
def slow(monkeypatch):
    """Every check counts as long (no clock is read for the verdict: the thresholds are below any time)."""
    monkeypatch.setattr(progress, "SETTLE_SECONDS", 0.0)
    monkeypatch.setattr(progress, "WARN_SECONDS", -1.0)
    monkeypatch.setattr(progress, "BAR_SECONDS", float("inf"))


@pytest.mark.parametrize("entry", ENTRIES)
def test_slow_check_warning_names_the_callers_line(slow, entry):
    assert_at_this_file(recorded(entry_points(AbsNet())[entry], SlowCheckWarning))


def test_slow_check_warning_through_the_reference_networks_batched_path(slow, monkeypatch):
    from shapecheck.gradcheck import targets

    monkeypatch.setattr(targets, "ENTRY_BATCH", 4)          # blocks of moves, as a large network's are
    net = MLP([D, 6, T], activation="tanh", output="identity", loss="mse", seed=0)
    rng = np.random.default_rng(1)
    found = recorded(lambda: shapecheck.check_network(net, rng.normal(size=(N, D)), rng.normal(size=(N, T))),
                     SlowCheckWarning)
    assert_at_this_file(found)


def divides(X, w):
    return X / w                             # a zero in w: numpy warns "divide by zero"


@pytest.mark.parametrize("entry", ["trace", "assert_no_shape_warnings"])
def test_numpys_warning_in_a_traced_function_names_the_learners_line(entry):
    X, w = np.ones((N, D)), np.array([1.0, 0.0, 2.0])
    calls = {"trace": lambda: shapecheck.trace(divides)(X, w),
             "assert_no_shape_warnings": lambda: shapecheck.testing.assert_no_shape_warnings(divides, X, w)}
    found = recorded(calls[entry], RuntimeWarning)
    assert_at_this_file(found)
    assert {w.lineno for w in found} == {divides.__code__.co_firstlineno + 1}


def test_the_gradcheck_fixture_warns_at_the_tests_line(pytester):
    pytester.makepyfile(test_fixture="""
        import warnings
        import numpy as np
        from shapecheck.gradcheck import PrecisionWarning

        def test_float32(gradcheck):
            W = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gradcheck(lambda p: float(np.sum(p["W"] ** 2)), {"W": W}, {"W": 2 * W})
            found = [w for w in caught if issubclass(w.category, PrecisionWarning)]
            assert found and all(w.filename == __file__ for w in found), [(w.filename, w.lineno) for w in found]
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


# -- the messages of item 5 ------------------------------------------------------------------------------

def test_a_params_that_is_not_an_array_is_named_once():
    with pytest.raises(shapecheck.DTypeError) as caught:
        shapecheck.check_gradients(lambda p: 0.0, "W", lambda p: p)
    assert str(caught.value).startswith("params is str 'W'; expected a numpy float array")
    assert "params params" not in str(caught.value)


def test_an_integer_params_array_says_params_astype():
    with pytest.raises(shapecheck.DTypeError, match=r"^params has dtype int64.*Use params\.astype\(float\)"):
        shapecheck.check_gradients(lambda p: 0.0, np.arange(6).reshape(2, 3), lambda p: p)


def two_params():
    rng = np.random.default_rng(2)
    return {"W1": rng.normal(size=(D, T)), "W2": rng.normal(size=(T, N))}


def test_a_list_of_gradients_against_a_dict_says_so_and_how_to_pass_it():
    params = two_params()
    with pytest.raises(ShapeError) as caught:
        shapecheck.check_gradients(lambda p: 0.0, params, [np.ones((D, T)), np.ones((T, N))])
    message = str(caught.value)
    assert message.startswith("grads is a list of 2 but params is a dict (W1, W2): give the gradients as a dict "
                              "with the same keys, e.g. {'W1': dW1, 'W2': dW2}")
    assert "dict(zip(params, grads))" in message and "not parameters: [0]" not in message
    assert caught.value.got == ["[0]", "[1]"] and caught.value.expected == ["W1", "W2"]


def test_a_function_returning_a_list_is_named_as_the_function():
    with pytest.raises(ShapeError, match=r"^grads\(params\) returned a list of 2 but params is a dict"):
        shapecheck.check_gradients(lambda p: 0.0, two_params(), lambda p: [p["W1"], p["W2"]])


def test_a_dict_of_gradients_against_a_list_says_to_give_a_list():
    params = list(two_params().values())
    with pytest.raises(ShapeError, match=r"^grads is a dict \(W1, W2\) but params is a list of 2: give the "
                                         r"gradients as a list in the order of params.*list\(grads.values\(\)\)"):
        shapecheck.check_gradients(lambda p: 0.0, params, two_params())


def test_a_list_of_one_against_one_array_says_grads_0():
    W = two_params()["W1"]
    with pytest.raises(ShapeError, match=r"^grads is a list of 1 but params is one array: .*\(grads\[0\]\)"):
        shapecheck.check_gradients(lambda p: 0.0, W, [W.copy()])


def test_a_network_returning_a_list_against_dict_params_says_so():
    class ListNet(AbsNet):
        def gradients(self, X, Y):
            return [np.sign(self.params["W"])]

    with pytest.raises(shapecheck.NetworkError, match=r"^net.gradients\(X, Y\) returned a list of 1 but "
                                                      r"net.params is a dict \(W\): give the gradients as a dict"):
        shapecheck.check_network(ListNet(), np.ones((N, D)), np.ones((N, T)))


def test_dicts_with_other_keys_keep_the_entries_message():
    with pytest.raises(ShapeError, match=r"grads has entries that are not parameters: dW1"):
        shapecheck.check_gradients(lambda p: 0.0, two_params(), {"dW1": np.ones((D, T)), "W2": np.ones((T, N))})


def test_empty_params_still_refused():
    with pytest.raises(ParameterError, match="params is empty"):
        shapecheck.check_gradients(lambda p: 0.0, {}, {})
