"""Values mode: one traced call keeps a copy of each operation's value, with its site and the chain of the
learner's frames, and every function gets its own code back afterwards.

Sizes are pairwise distinct (n=7 samples, d=5 inputs, h=3 hidden, t=2 outputs), and so are the sizes of
the quantities (n*d=35, n*h=21, n*t=14, d*h=15, h*t=6), so a size names a quantity.
"""

import builtins
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck.errors import InvalidArgumentError
from shapecheck.tracing.rewrite import PREFIX
from shapecheck.tracing.function_copy import _compile_instrumented as _COMPILE
from shapecheck.tracing.function_copy import instrumented_copy as _instrumented_copy
from shapecheck.tracing.runner import trace
from shapecheck.tracing.runtime import Tracer
from shapecheck.tracing.values import SiteValue, ValueRun, ValueTracer, trace_values

N, D, H, T = 7, 5, 3, 2


# -- the learner's code: a class with a helper method, module-level functions ----------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def output_error(a2, y):
    return np.subtract(a2, y)


class Net:
    def __init__(self, w1, w2):
        self.w1, self.w2 = w1, w2

    def sigmoid_prime(self, z):
        s = sigmoid(z)
        return s * (1 - s)

    def backward(self, x, y):
        z1 = x @ self.w1
        a1 = sigmoid(z1)
        z2 = a1 @ self.w2
        a2 = sigmoid(z2)
        dz2 = output_error(a2, y)
        dw2 = a1.T @ dz2
        da1 = dz2 @ self.w2.T
        dz1 = da1 * self.sigmoid_prime(z1)
        dw1 = x.T @ dz1
        dw1 /= len(x)
        dw2 /= len(x)
        return dw1, dw2

    def step(self, x, y, lr=0.5):
        dw1, dw2 = self.backward(x, y)
        self.w1 -= lr * dw1
        self.w2 -= lr * dw2


def data(n=N, d=D, h=H, t=T, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(n, t)), rng.normal(size=(d, h)), rng.normal(size=(h, t))


def expected(x, y, w1, w2):
    """The untraced intermediates, by the source text of the operation that computes them."""
    z1 = x @ w1
    a1 = 1 / (1 + np.exp(-z1))
    a2 = 1 / (1 + np.exp(-(a1 @ w2)))
    dz2 = a2 - y
    dz1 = (dz2 @ w2.T) * a1 * (1 - a1)
    return {"x @ self.w1": [z1], "a1 @ self.w2": [a1 @ w2], "np.subtract(a2, y)": [dz2],
            "a1.T @ dz2": [a1.T @ dz2], "dz2 @ self.w2.T": [dz2 @ w2.T], "x.T @ dz1": [x.T @ dz1],
            "1 / (1 + np.exp(-z))": [a1, a2, a1], "s * (1 - s)": [a1 * (1 - a1)], "da1 * self.sigmoid_prime(z1)": [dz1],
            "dw1 -= len(x)": [], "dw1 /= len(x)": [x.T @ dz1 / len(x)]}


def by_source(run: ValueRun) -> dict:
    found = {}
    for kept in run.sites:
        if kept.op != "=":
            found.setdefault(kept.source if kept.op != "/=" else "dw1 /= len(x)", []).append(kept.value)
    return found


def line_of(function, text: str) -> int:
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def codes():
    return {f: f.__code__ for f in (sigmoid, output_error, Net.sigmoid_prime, Net.backward, Net.step, data)}


# -- the values ------------------------------------------------------------------------------------------

def test_values_equal_the_untraced_computation():
    """Through a lambda over a bound method, every site of the class and the module functions keeps
    the value the untraced code computes there, in execution order."""
    x, y, w1, w2 = data()
    net = Net(w1, w2)
    run = trace_values(lambda: net.backward(x, y))
    assert run.exception is None and not run.truncated
    want, got = expected(x, y, w1, w2), by_source(run)
    for source, values in want.items():
        if source.startswith("dw1"):
            continue
        assert len(got.get(source, [])) == len(values), source
        for kept, value in zip(got[source], values):
            np.testing.assert_allclose(kept, value, rtol=1e-12, err_msg=source)
    orders = [s.order for s in run.sites]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    np.testing.assert_allclose(run.value[0], want["dw1 /= len(x)"][0])


def test_a_kept_value_is_not_changed_by_a_later_inplace_update():
    """``dw1 = x.T @ dz1`` keeps the product even though ``dw1 /= len(x)`` divides the array in place."""
    x, y, w1, w2 = data()
    net = Net(w1, w2)
    run = trace_values(lambda: net.backward(x, y))
    product = by_source(run)["x.T @ dz1"][0]
    np.testing.assert_allclose(product, run.value[0] * N)
    assert not np.shares_memory(product, run.value[0])


def test_assignments_and_returns_are_value_sites():
    """In values mode the right-hand side of ``x = f(...)`` and of ``return`` is kept (``sigmoid(z1)``:
    a call of the learner's own function), unless it is an operation site already."""
    x, y, w1, w2 = data()
    run = trace_values(lambda: Net(w1, w2).backward(x, y))
    line = line_of(Net.backward, "a1 = sigmoid(z1)")
    bound = [s for s in run.sites if s.op == "=" and s.line == line]
    assert len(bound) == 1 and bound[0].source == "sigmoid(z1)"
    np.testing.assert_allclose(bound[0].value, 1 / (1 + np.exp(-(x @ w1))))
    assert not [s for s in run.sites if s.op == "=" and s.source == "x @ self.w1"]


def test_the_frame_chain_names_the_callers_line():
    """A value computed inside the helper ``sigmoid_prime`` carries the chain helper line, caller's line,
    lambda's line; a value of ``backward`` itself starts at its own line."""
    x, y, w1, w2 = data()
    net = Net(w1, w2)
    run = trace_values(lambda: net.backward(x, y))
    (inner,) = [s for s in run.sites if s.source == "s * (1 - s)"]
    here = __file__.removesuffix("c")
    assert inner.frames[0] == (here, line_of(Net.sigmoid_prime, "return s * (1 - s)"))
    assert inner.frames[1] == (here, line_of(Net.backward, "self.sigmoid_prime(z1)"))
    assert len(inner.frames) == 3 and inner.frames[2][0] == here        # the lambda, then the entry: no more
    (outer,) = [s for s in run.sites if s.source == "x @ self.w1"]
    assert outer.frames[0] == (here, outer.line) and len(outer.frames) == 2
    # sigmoid(z) is reached three times: from backward twice, from sigmoid_prime once
    callers = [s.frames[1][1] for s in run.sites if s.source == "1 / (1 + np.exp(-z))"]
    assert callers == [line_of(Net.backward, "a1 = sigmoid"), line_of(Net.backward, "a2 = sigmoid"),
                       line_of(Net.sigmoid_prime, "s = sigmoid(z)")]


def test_a_def_function_and_a_bound_method_are_traced_directly():
    """``fn`` may be the bound method itself (its class is instrumented) or a module-level function."""
    x, y, w1, w2 = data()
    net = Net(w1.copy(), w2.copy())
    run = trace_values(net.step, x, y, lr=0.1)
    assert run.exception is None and run.value is None
    updates = [s for s in run.sites if s.op == "-="]
    assert [s.value.shape for s in updates] == [(D, H), (H, T)]
    np.testing.assert_allclose(updates[1].value, net.w2)
    run = trace_values(output_error, np.ones((N, T)), np.zeros((N, T)))
    assert [s.source for s in run.sites] == ["np.subtract(a2, y)"]


# -- what is kept ----------------------------------------------------------------------------------------

def test_only_values_of_the_given_sizes_are_kept():
    x, y, w1, w2 = data()
    run = trace_values(lambda: Net(w1, w2).backward(x, y), sizes={H * T})
    assert run.sites and {s.value.size for s in run.sites} == {H * T}
    assert "a1.T @ dz2" in by_source(run)
    assert trace_values(lambda: Net(w1, w2).backward(x, y), sizes=()).sites == []


def test_the_byte_cap_truncates_the_run():
    """Past ``max_bytes`` nothing more is kept, the run says so, and the learner's call still completes."""
    x, y, w1, w2 = data()
    full = trace_values(lambda: Net(w1, w2).backward(x, y))
    cap = sum(s.value.nbytes for s in full.sites[:3])
    run = trace_values(lambda: Net(w1, w2).backward(x, y), max_bytes=cap)
    assert run.truncated and not full.truncated
    assert [s.order for s in run.sites] == [s.order for s in full.sites[:3]]
    np.testing.assert_allclose(run.value[0], full.value[0])
    assert "truncated" in str(run)


@pytest.mark.parametrize("bad", [{"sizes": 3}, {"sizes": ["a"]}, {"max_bytes": -1}, {"max_bytes": 1.5}])
def test_bad_options_are_refused(bad):
    with pytest.raises(InvalidArgumentError):
        trace_values(lambda: None, **bad)


# -- leaving everything as it was ------------------------------------------------------------------------

def test_code_is_restored_after_an_exception():
    """A shape error in the learner's code comes back as ``exception``; every function has its own code
    again, the tracer's builtins are gone, and an untraced call gives the same values."""
    x, y, w1, w2 = data()
    before = codes()
    run = trace_values(lambda: Net(w1, w2).backward(x, y[:, :1].repeat(3, axis=1)))
    assert isinstance(run.exception, ValueError)
    assert codes() == before
    assert not [name for name in vars(builtins) if name.startswith(PREFIX)]
    assert "np.subtract(a2, y)" not in by_source(run) and "a1 @ self.w2" in by_source(run)


def test_ordinary_tracing_has_no_value_sites():
    """The plain Tracer's rewrite adds no assignment, return or np.subtract sites and keeps nothing."""
    tracer = Tracer()
    _instrumented_copy(Net.backward, tracer)
    _instrumented_copy(output_error, tracer)
    assert {s.op for s in tracer.registry.sites.values()} <= {"@", "T", "*", "/=", "call"}
    assert not [s for s in tracer.registry.sites.values() if s.expr.startswith("np.subtract")]
    assert PREFIX + "value" not in tracer.functions() and PREFIX + "value" in ValueTracer().functions()


def test_a_value_run_is_readable():
    x, y, w1, w2 = data()
    run = trace_values(lambda: Net(w1, w2).backward(x, y), sizes={H * T})
    assert str(run).startswith(f"ValueRun: {len(run.sites)} values kept")
    assert isinstance(run.sites[0], SiteValue) and "shape=(3, 2)" in repr(run.sites[0])


@settings(max_examples=15, deadline=None)
@given(st.tuples(*[st.integers(1, 6)] * 4), st.integers(0, 2**16))
def test_values_match_for_any_sizes(dims, seed):
    """Whatever the sizes, the kept values are the untraced ones and the code is restored."""
    x, y, w1, w2 = data(*dims, seed=seed)
    before = codes()
    run = trace_values(lambda: Net(w1, w2).backward(x, y))
    assert codes() == before and run.exception is None
    got = by_source(run)
    for source, values in expected(x, y, w1, w2).items():
        if source.startswith("dw1"):
            continue
        assert len(got[source]) == len(values)
        for kept, value in zip(got[source], values):
            np.testing.assert_allclose(kept, value, rtol=1e-12)


# -- code that compare hands over: a submission not in sys.modules, a lambda of shapecheck's own ------------

SUBMISSION = '''
import numpy as np


def relu_grad(z):
    return (z > 0) * 1.0


class Mlp:
    def __init__(self, w):
        self.w = w

    def gradient(self, x, y):
        z = x @ self.w
        dz = (z - y) * relu_grad(z)
        return x.T @ dz
'''


def test_a_submission_reached_through_a_lambda_of_shapecheck(tmp_path):
    """The learner's module is loaded without entering ``sys.modules`` and the callable is a lambda in
    shapecheck's own code closing over the bound method: its class, and the module-level helper its
    methods call, are instrumented through the closure; the lambda itself is not the learner's frame."""
    import importlib.util
    import sys

    from shapecheck.tracing import PACKAGE_DIR

    path = tmp_path / "submission.py"
    path.write_text(SUBMISSION)
    spec = importlib.util.spec_from_file_location("submission_not_in_sys_modules", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert spec.name not in sys.modules
    x, y, w = data()[0], np.ones((N, H)), data()[2]
    net = module.Mlp(w)
    maker = "def make(method):\n    return lambda x, y: method(x, y)\n"
    scope = {}
    exec(compile(maker, f"{PACKAGE_DIR}/comparison/fake_learner.py", "exec"), scope)
    before = (module.Mlp.gradient.__code__, module.relu_grad.__code__)
    run = trace_values(scope["make"](net.gradient), x, y)
    assert (module.Mlp.gradient.__code__, module.relu_grad.__code__) == before
    np.testing.assert_allclose(run.value, net.gradient(x, y))
    (helper,) = [s for s in run.sites if s.source == "(z > 0) * 1.0"]
    assert [line for _, line in helper.frames] == [6, 15]
    assert {file for s in run.sites for file, _ in s.frames} == {str(path)}


def test_explicit_targets_reach_a_module_the_callable_does_not_name(tmp_path):
    """``targets=`` instruments modules (or classes, functions) the callable reaches only indirectly."""
    import importlib.util

    path = tmp_path / "helpers_for_values.py"
    path.write_text("def scale(a, b):\n    return a * b\n")
    spec = importlib.util.spec_from_file_location("helpers_for_values", path)
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    call = (lambda f: lambda a: f(a, a))(helpers.scale)     # reached through a closure: found without targets
    assert [s.source for s in trace_values(call, np.ones(3)).sites] == ["a * b"]
    hidden = {"scale": helpers.scale}
    assert trace_values(lambda a: hidden["scale"](a, a), np.ones(3)).sites == []
    run = trace_values(lambda a: hidden["scale"](a, a), np.ones(3), targets=[helpers])
    assert [s.source for s in run.sites] == ["a * b"]


def test_a_file_is_parsed_once_and_each_definition_is_a_fresh_copy():
    """Swapping many functions of one file parses it once; the ``def`` handed out may be changed freely."""
    import linecache

    from shapecheck.tracing import function_copy

    source = "".join(linecache.getlines(Net.backward.__code__.co_filename))
    line = Net.backward.__code__.co_firstlineno
    first = function_copy._find_definition(source, "backward", line)
    first.body.clear()
    again = function_copy._find_definition(source, "backward", line)
    assert again is not first and len(again.body) == 12
    before = function_copy._definitions.cache_info().misses
    function_copy._find_definition(source, "sigmoid_prime", Net.sigmoid_prime.__code__.co_firstlineno)
    assert function_copy._definitions.cache_info().misses == before


def test_a_function_traced_again_reuses_its_instrumented_code_and_reports_the_same(tmp_path, monkeypatch):
    """compare traces the learner's functions at every call: the second time nothing is parsed or compiled,
    the report is the same; an edited file is instrumented afresh."""
    import importlib

    from shapecheck.tracing import function_copy

    path = tmp_path / "learner_cache_probe.py"
    path.write_text("import numpy as np\n\ndef layer(X, W):\n    return np.tanh(X @ W)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("learner_cache_probe")
    X, W = np.ones((7, 5)), np.ones((5, 3))
    first = trace(module.layer)(X, W)
    compiled = []
    monkeypatch.setattr(function_copy, "_compile_instrumented",
                        lambda *args: compiled.append(args[2]) or _COMPILE(*args))
    second = trace(module.layer)(X, W)
    assert compiled == [] and second.to_dict() == first.to_dict()
    assert [(s.line, s.expr, s.signatures) for s in second.sites] == [(4, "X @ W", ({"shapes": [[7, 5], [5, 3]],
                                                                                     "result": [7, 3], "count": 1},))]
    path.write_text("import numpy as np\n\n\ndef layer(X, W):\n    return np.tanh(X @ W) + 0\n")
    import linecache
    linecache.checkcache(str(path))
    module = importlib.reload(module)
    third = trace(module.layer)(X, W)
    assert compiled == ["layer"] and [s.line for s in third.sites] == [5]

