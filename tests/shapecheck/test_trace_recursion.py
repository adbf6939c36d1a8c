"""Recursive code is traced like any code: a function calling itself (by its name, as ``self.method``, through
another function, as a closure), or mentioning its own class, runs with the same result as untraced, every
depth's products are recorded at their line, and a shape bug deep in the recursion is reported there.

Sizes are pairwise distinct (n=7 samples, d=5 inputs, h=3 hidden, t=2 outputs), so no product can pass
by coincidence.
"""

import importlib.util
import inspect
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import trace, trace_script
from shapecheck.tracing import function_copy, runner
from shapecheck.tracing.runner import trace_function_target

N, D, H, T = 7, 5, 3, 2
RNG = np.random.default_rng(0)
X = RNG.normal(size=(N, D))
LAYERS = [RNG.normal(size=(D, H)), RNG.normal(size=(H, T))]


# -- the learner's recursive code (module level, as in a learner's file) ---------------------------------

def forward(layers, x):
    return x if not layers else forward(layers[1:], np.tanh(x @ layers[0]))


def ping(layers, x):
    return x if not layers else pong(layers[1:], x @ layers[0])


def pong(layers, x):
    return x if not layers else ping(layers[1:], np.tanh(x @ layers[0]))


def residual(layers, x, y):
    if not layers:
        return x - y
    return residual(layers[1:], x @ layers[0], y)


class Net:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x, k=0):
        if k == len(self.layers):
            return x
        return self.forward(np.tanh(x @ self.layers[k]), k + 1)

    @staticmethod
    def _plain(value):
        """Nested tuples of arrays as nested lists of shapes (it mentions its own class: ``Net._plain``)."""
        if isinstance(value, tuple):
            return [Net._plain(v) for v in value]
        return list(value.shape)

    def deeper(self, width):
        return Net([*self.layers, np.ones((self.layers[-1].shape[1], width))])   # mentions its class


def make_forward():
    def run(layers, x):                      # recursion through a closure cell of make_forward
        return x if not layers else run(layers[1:], np.tanh(x @ layers[0]))
    return run


def line_of(function, text):
    """The line number of the first line of ``function`` containing ``text``."""
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def products(report):
    """[(line, shapes, result, count)] of the report's matrix products, sorted."""
    return sorted((site.line, tuple(tuple(s) for s in sig["shapes"]), tuple(sig["result"]), sig["count"])
                  for site in report.matrix_products() for sig in site.signatures)


def chain(line, n, widths):
    """What ``products`` gives for a forward pass through ``widths`` (n samples), each product once at ``line``:
    (n, w0) @ (w0, w1) -> (n, w1), (n, w1) @ (w1, w2) -> (n, w2), ..."""
    return sorted((line, ((n, a), (a, b)), (n, b), 1) for a, b in zip(widths, widths[1:]))


# -- trace(fn) ----------------------------------------------------------------------------------------

class TestTraceFunction:
    def test_a_recursive_function_is_traced_at_every_depth(self):
        """Each depth's product is recorded at the line of ``@``; the value is the untraced one."""
        original = forward.__code__
        report = trace(forward)(LAYERS, X)
        assert report.ok and report.exception is None and not report.internal_errors
        np.testing.assert_array_equal(report.value, forward(LAYERS, X))
        line = line_of(forward, "x @ layers[0]")
        assert products(report) == chain(line, N, [D, H, T])
        assert forward.__code__ is original            # after the call, the function is the learner's again

    def test_a_recursive_method_is_traced_at_every_depth(self):
        net = Net(LAYERS)
        report = trace(net.forward)(X)
        assert report.ok
        np.testing.assert_array_equal(report.value, net.forward(X))
        assert products(report) == chain(line_of(Net.forward, "x @ self.layers[k]"), N, [D, H, T])

    def test_functions_that_mention_their_own_class(self):
        """``Net._plain`` calls itself through its class, ``deeper`` builds a ``Net``: both ran into a
        KeyError for the class's name before."""
        nested = (X, (LAYERS[0], (LAYERS[1],)))
        report = trace(Net._plain)(nested)
        assert report.ok and report.value == [[N, D], [[D, H], [[H, T]]]]
        report = trace(Net(LAYERS).deeper)(4)
        assert report.ok and [w.shape for w in report.value.layers] == [(D, H), (H, T), (T, 4)]

    def test_mutual_recursion_traces_every_run_of_the_traced_function(self):
        """trace(ping) instruments ping's body only (as for any function it calls): ping's product is
        recorded at each depth where ping runs, even when pong called it; pong's is not."""
        layers = [*LAYERS, RNG.normal(size=(T, 4))]
        report = trace(ping)(layers, X)
        assert report.ok
        np.testing.assert_array_equal(report.value, ping(layers, X))
        line = line_of(ping, "x @ layers[0]")
        assert products(report) == sorted([*chain(line, N, [D, H]), *chain(line, N, [T, 4])])   # depths 1, 3

    def test_a_recursive_closure_is_traced_at_every_depth(self):
        run = make_forward()
        report = trace(run)(LAYERS, X)
        assert report.ok
        np.testing.assert_array_equal(report.value, run(LAYERS, X))
        assert products(report) == chain(line_of(make_forward, "x @ layers[0]"), N, [D, H, T])

    def test_a_recursive_helper_in_another_module(self, tmp_path):
        """trace() of a recursive function of another module of the project, and of a function calling it
        (which instruments the caller's body only, as documented)."""
        (tmp_path / "helpers_rec.py").write_text(textwrap.dedent("""
            import numpy as np

            def forward(layers, x):
                return x if not layers else forward(layers[1:], np.tanh(x @ layers[0]))
        """))
        spec = importlib.util.spec_from_file_location("helpers_rec", tmp_path / "helpers_rec.py")
        helpers = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(helpers)
        report = trace(helpers.forward)(LAYERS, X)
        assert report.ok
        np.testing.assert_array_equal(report.value, forward(LAYERS, X))
        assert products(report) == chain(5, N, [D, H, T])
        assert [s.file for s in report.matrix_products()] == ["helpers_rec.py"]

        def caller(layers, x):
            return helpers.forward(layers, x.T.T)

        report = trace(caller)(LAYERS, X)
        assert report.ok and report.matrix_products() == [] and not report.internal_errors
        np.testing.assert_array_equal(report.value, forward(LAYERS, X))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), depth=st.integers(0, 4), route=st.sampled_from(["function", "method", "closure"]))
def test_traced_recursion_equals_untraced_and_records_each_depth(data, depth, route):
    """Any depth, any pairwise-distinct sizes, three ways of recursing: the traced value is the untraced
    one exactly, and the recorded products are exactly the chain of the layers, each once, at the line."""
    sizes = data.draw(st.lists(st.integers(1, 9), min_size=depth + 2, max_size=depth + 2, unique=True))
    n, widths = sizes[0], sizes[1:]
    rng = np.random.default_rng(depth)
    layers = [rng.normal(size=(a, b)) for a, b in zip(widths, widths[1:])]
    x = rng.normal(size=(n, widths[0]))
    function, line = {"function": (forward, line_of(forward, "x @ layers[0]")),
                      "method": (Net(layers).forward, line_of(Net.forward, "x @ self.layers[k]")),
                      "closure": (make_forward(), line_of(make_forward, "x @ layers[0]"))}[route]
    args = (x,) if route == "method" else (layers, x)
    report = trace(function)(*args)
    untraced = function(*args)
    assert report.ok and report.exception is None
    np.testing.assert_array_equal(report.value, untraced)
    assert products(report) == chain(line, n, widths)


class TestShapeBugsInsideTheRecursion:
    def test_a_transposed_weight_at_depth_two_is_reported_at_its_line(self):
        """The error is numpy's own, as untraced; the explanation names the ``@`` line and both shapes."""
        layers = [LAYERS[0], LAYERS[1].T]                  # (T, H) where (H, T) belongs
        original = forward.__code__
        report = trace(forward)(layers, X)
        with pytest.raises(ValueError) as untraced:
            forward(layers, X)
        assert type(report.exception) is ValueError and str(report.exception) == str(untraced.value)
        assert report.error["line"] == line_of(forward, "x @ layers[0]") and report.error["kind"] == "matmul"
        assert [o["shape"] for o in report.error["operands"]] == [[N, H], [T, H]]
        assert forward.__code__ is original

    def test_an_outer_broadcast_in_the_base_case_is_reported_at_its_line(self):
        """``(n, 1) - (n,)`` reached only after two recursive calls: the silent (n, n) result is flagged."""
        layers = [LAYERS[0], RNG.normal(size=(H, 1))]
        report = trace(residual)(layers, X, np.ones(N))
        assert report.value.shape == (N, N)
        line = line_of(residual, "x - y")
        assert {(w.line, w.kind) for w in report.warnings} == {(line, "outer-broadcast"), (line, "rank-1")}


# -- the other ways the tracer runs code ------------------------------------------------------------------

RECURSIVE_MODULE = """\
import numpy as np

def forward(layers, x):
    return x if not layers else forward(layers[1:], np.tanh(x @ layers[0]))

def ping(layers, x):
    return x if not layers else pong(layers[1:], x @ layers[0])

def pong(layers, x):
    return x if not layers else ping(layers[1:], np.tanh(x @ layers[0]))

def residual(layers, x, y):
    if not layers:
        return x - y
    return residual(layers[1:], x @ layers[0], y)

class Net:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x, k=0):
        return x if k == len(self.layers) else self.forward(np.tanh(x @ self.layers[k]), k + 1)

    @staticmethod
    def _plain(value):
        return [Net._plain(v) for v in value] if isinstance(value, tuple) else list(value.shape)

def main():
    rng = np.random.default_rng(0)
    layers = [rng.normal(size=(5, 3)), rng.normal(size=(3, 2))]
    x = rng.normal(size=(7, 5))
    print(forward(layers, x).shape, ping(layers, x).shape, Net(layers).forward(x).shape,
          Net._plain((x, (layers[0],))))
"""


def test_a_script_and_a_module_function(tmp_path, capsys):
    """``shapecheck trace script.py`` and ``shapecheck trace recnet.py:main``: every depth of every
    recursive function, mutual recursion included, at its line."""
    (tmp_path / "recnet.py").write_text(RECURSIVE_MODULE)
    (tmp_path / "prog.py").write_text("import recnet\nrecnet.main()\n")
    expected = sorted([*chain(4, 7, [5, 3, 2]),                    # forward
                       *chain(7, 7, [5, 3]), *chain(10, 7, [3, 2]),  # ping, then pong
                       *chain(22, 7, [5, 3, 2])])                    # Net.forward
    for run in (lambda: trace_script(str(tmp_path / "prog.py")),
                lambda: trace_function_target(f"{tmp_path / 'recnet.py'}:main")):
        report = run()
        assert report.ok and report.exit_code == 0
        assert products(report) == expected
        assert capsys.readouterr().out == "(7, 2) (7, 2) (7, 2) [[7, 5], [[5, 3]]]\n"
    sys.modules.pop("recnet", None)


MARKED_TESTS = """
import numpy as np
import pytest

from mynet import Net, forward, ping, residual

rng = np.random.default_rng(0)
LAYERS = [rng.normal(size=(5, 3)), rng.normal(size=(3, 2))]
X = rng.normal(size=(7, 5))

@pytest.mark.shapecheck
def test_forward():
    assert forward(LAYERS, X).shape == (7, 2)

@pytest.mark.shapecheck
def test_mutual():
    assert ping(LAYERS, X).shape == (7, 2)

@pytest.mark.shapecheck
def test_method_and_class():
    assert Net(LAYERS).forward(X).shape == (7, 2)
    assert Net._plain((X, (LAYERS[0],))) == [[7, 5], [[5, 3]]]

@pytest.mark.shapecheck
def test_local_recursion():
    def depth(t):
        return 1 + max(map(depth, t), default=0) if isinstance(t, tuple) else 0
    assert depth(((), ((),))) == 3

@pytest.mark.shapecheck
def test_planted_outer_broadcast_at_depth_two():
    residual([LAYERS[0], rng.normal(size=(3, 1))], X, np.ones(7))
"""


class TestPytestMarker:
    def test_recursive_project_code_under_the_marker(self, pytester):
        """Correct recursive code passes (it failed with a KeyError from shapecheck before); the bug planted
        in the base case, reached two calls deep, fails its test at its line."""
        pytester.makepyfile(mynet=RECURSIVE_MODULE, test_net=MARKED_TESTS)
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=4, failed=1)
        result.stdout.fnmatch_lines(["*test_planted_outer_broadcast_at_depth_two*",
                                     "*shape problems found by the tracer*",
                                     "*mynet.py:14 [[]outer-broadcast[]]*"])
        result.stdout.no_fnmatch_line("*KeyError*")

    def test_a_fault_of_ours_while_instrumenting_is_reported_not_raised(self, pytester, monkeypatch):
        """Should instrumenting a function ever fail by our bug, the test fails as "could not trace" at
        that function's line, with no traceback of shapecheck's."""
        def broken(function, tracer):
            raise KeyError("planted fault")

        monkeypatch.setattr(function_copy, "instrumented_copy", broken)      # the marker's (inplace.py)
        pytester.makepyfile(mynet=RECURSIVE_MODULE, test_net=MARKED_TESTS)
        result = pytester.runpytest("-p", "no:cacheprovider", "-k", "test_forward")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*shapecheck could not trace all of this test*",
                                     "*shapecheck could not trace mynet.py:3: KeyError: 'planted fault'*"])
        result.stdout.no_fnmatch_line("*runner.py*")


def test_trace_reports_a_fault_of_ours_while_instrumenting_and_still_runs(monkeypatch):
    """trace(fn): the function runs untraced, its value is returned, the report says INCOMPLETE."""
    def broken(function, tracer):
        raise KeyError("planted fault")

    monkeypatch.setattr(runner, "_instrumented_copy", broken)
    report = trace(forward)(LAYERS, X)
    np.testing.assert_array_equal(report.value, forward(LAYERS, X))
    assert not report.ok and "INCOMPLETE" in str(report)
    where = {"file": "test_trace_recursion.py", "line": forward.__code__.co_firstlineno}
    assert report.internal_errors == ({**where, "message": "KeyError: 'planted fault'"},)
