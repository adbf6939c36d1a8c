"""The pytest plugin, run in pytester's sandbox: the marker, --shapecheck-strict, the fixtures, -p no:, xdist."""

import numpy  # noqa: F401 - imported before pytester's in-process runs: numpy cannot be loaded twice
import pytest

NETWORK = """
import numpy as np

def residuals(X, w, y):
    return X @ w - y                      # (n, 1) - (n,) -> (n, n) when y is 1-d

def predict(X, W, b):
    return X @ W + b
"""

TESTS = """
import numpy as np
import pytest

from mynet import predict, residuals

@pytest.mark.shapecheck
def test_silent_bug():
    r = residuals(np.ones((7, 5)), np.ones((5, 1)), np.ones(7))
    assert r.size > 0

@pytest.mark.shapecheck
def test_clean():
    assert predict(np.ones((7, 5)), np.ones((5, 3)), np.ones((1, 3))).shape == (7, 3)

def test_unmarked_silent_bug():
    residuals(np.ones((7, 5)), np.ones((5, 1)), np.ones(7))
"""


@pytest.fixture
def project(pytester):
    pytester.makepyfile(mynet=NETWORK, test_net=TESTS)
    return pytester


def test_marker_fails_a_silent_shape_bug_with_the_report(project):
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_silent_bug*", "*shape problems found by the tracer*",
                                 "*mynet.py:4 [[]outer-broadcast[]]*"])


def test_strict_option_applies_to_every_test(project):
    result = project.runpytest("-p", "no:cacheprovider", "--shapecheck-strict")
    result.assert_outcomes(passed=1, failed=2)


def test_plugin_can_be_disabled(project):
    result = project.runpytest("-p", "no:cacheprovider", "-p", "no:shapecheck", "-W", "ignore::pytest.PytestUnknownMarkWarning")
    result.assert_outcomes(passed=3)


def test_fixtures(pytester):
    pytester.makepyfile(test_fixtures="""
        import numpy as np

        def test_reference(reference_mlp, gradcheck):
            net = reference_mlp([3, 4, 2], activation="tanh", output="identity", loss="mse")
            X, Y = np.ones((5, 3)), np.zeros((5, 2))
            report = gradcheck(lambda p: net.loss(X, Y), net.params, net.gradients(X, Y))
            assert report.ok

        def test_wrong_gradient_fails(gradcheck):
            params = {"w": np.array([1.0, 2.0])}
            gradcheck(lambda p: float((p["w"] ** 2).sum()), params, {"w": np.array([2.0, 5.0])})
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*gradients WRONG in w: w[[]1[]]*"])


def test_failing_test_gets_the_report_as_a_section(pytester):
    pytester.makepyfile(test_fail="""
        import numpy as np
        import pytest

        @pytest.mark.shapecheck
        def test_matmul():
            a, b = np.ones((4, 3)), np.ones((2, 3))
            a @ b
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Captured shapecheck call*", "*FAILED at test_fail.py:7 (matmul)*"])


def test_a_test_failing_for_another_reason_is_not_called_free_of_shape_problems(pytester):
    """Issue 24: the section of a marked test that failed on its own assert said 'no shape problems found'."""
    pytester.makepyfile(test_acc="""
        import numpy as np
        import pytest

        @pytest.mark.shapecheck
        def test_accuracy_is_high():
            W = np.ones((5, 3))
            scores = np.ones((7, 5)) @ W
            assert scores.mean() < 1.0
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Captured shapecheck call*",
                                 "*FAILED at test_acc.py:8 (AssertionError), not a shape error*",
                                 "the test failed at test_acc.py:8: AssertionError*"])
    result.stdout.no_fnmatch_line("*no shape problems found")


def test_runs_under_xdist(project):
    pytest.importorskip("xdist")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=2, failed=1)


def test_plugin_is_import_light():
    """Loading the plugin (as every pytest run does) imports neither numpy nor the tracer."""
    import subprocess
    import sys

    code = ("import sys, shapecheck.testing.plugin; "
            "print(sorted(m for m in ('numpy', 'shapecheck.tracing.runtime', 'IPython') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


PROFILE_TESTS = """
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

@settings(max_examples=5, deadline=None)          # the README's settings: the profile fills in the rest
@given(st.integers())
def test_drawn(x):
    pass

def test_the_profile_is_loaded():
    used = test_drawn._hypothesis_internal_use_settings
    assert settings.get_current_profile_name() == "shapecheck"
    assert Phase.explain not in used.phases and Phase.shrink in used.phases and used.max_examples == 5
"""


def test_hypothesis_profile_option_loads_the_shapecheck_profile(pytester):
    """`--hypothesis-profile=shapecheck` works before anything imports shapecheck.strategies (the plugin
    registers it), and a test's own @settings keep the profile's phases (no explain phase)."""
    pytester.makepyfile(test_profile=PROFILE_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--hypothesis-profile=shapecheck")
    result.assert_outcomes(passed=2)


def test_shapecheck_strategies_register_the_profile_for_a_conftest(pytester):
    pytester.makeconftest("import shapecheck.strategies\nfrom hypothesis import settings\n"
                          "settings.load_profile('shapecheck')\n")
    pytester.makepyfile(test_profile=PROFILE_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_without_the_option_the_plugin_does_not_import_hypothesis(pytester):
    pytester.makepyfile(test_plain="import sys\n\ndef test_plain():\n    assert 'hypothesis' not in sys.modules\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)


FAILING_ASSERTIONS = '''
import numpy as np
from shapecheck import assert_gradients_close
from shapecheck.testing import assert_matches_reference

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
P = {"W1": rng.normal(size=(5, 3)), "b1": np.zeros((1, 3)), "W2": rng.normal(size=(3, 2)), "b2": np.zeros((1, 2))}


def grads(X, Y):                       # rows layout, tanh, squared error; the 1/n forgotten
    A1 = np.tanh(X @ P["W1"] + P["b1"])
    dZ2 = A1 @ P["W2"] + P["b2"] - Y
    dZ1 = (dZ2 @ P["W2"].T) * (1 - A1 ** 2)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0, keepdims=True),
            "W2": A1.T @ dZ2, "b2": dZ2.sum(axis=0, keepdims=True)}


def test_against_the_reference():
    assert_matches_reference(X, Y, params=P, gradients=grads, activation="tanh", output="identity", loss="mse")


def test_against_finite_differences():
    w = np.array([1.0, 2.0])
    assert_gradients_close(lambda w: float(np.sum(w ** 2)), w, 3 * w)
'''


def test_a_failing_assertion_shows_its_verdict_and_the_test_line(pytester):
    """The report's first line (its verdict) is the AssertionError's first line, so pytest's summary shows
    it; and the place pytest names is the learner's test, not shapecheck's assertion."""
    pytester.makepyfile(test_failing=FAILING_ASSERTIONS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--tb=line", "-rf")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "AssertionError: MISMATCH: network [5, 3, 2], layout 'rows'; missing-mean" in out, out
    assert "AssertionError: gradients WRONG in" in out, out
    places = [line for line in out.splitlines() if line.endswith(".py") is False and ": AssertionError: " in line]
    assert places and all("test_failing.py:" in line and "shapecheck" not in line.split(":")[0] for line in places), out
