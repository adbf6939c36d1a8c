"""Hostile inputs for every public entry point, each in a parametrized table.

What is asserted for each (entry point, input) case:

* Python API: the call raises a ``shapecheck.ShapecheckError`` subclass (not the bare base class, whose
  name is reference_nets' ``ReferenceNetsError``) whose message shows the offending value (or its type,
  shape or dtype) and what was expected: every case lists regular expressions (case-insensitive) that
  must all be found in the message. The error is not chained onto an internal exception (a user would
  see "During handling of the above exception, another exception occurred" and our frames). Every array
  handed to the call (parameters, and the arrays of a network object) is afterwards the same object
  holding the same bits, with the same dict keys and list lengths around it.
* CLI (``python -m shapecheck ...``, stdin at EOF): exit code 2, stderr shows the offending value and
  what was expected, and no traceback through shapecheck's (or Python's) own files.

Where "raise" is not the sensible answer, the tables say so:

* The gradient checkers' job is to judge gradients: an analytic gradient that is NaN, of the wrong
  shape or dtype, or missing is a finding, reported in a report that is not ok (docs/checker.md: statuses
  ``nan``, ``shape``). For those inputs (the ``..._REPORTS`` tables) a ShapecheckError or a not-ok report
  whose text shows the offending value both pass; an ok report, or another exception, fails.
* Conversions the guide documents as accepted (Python lists, ints, bools and float16 as *data* for the
  reference MLP and compare; float16 and 3-d parameters for check_gradients) are not bad inputs.
* Huge sizes run in a subprocess under RLIMIT_AS = 2 GiB, so that an attempt to allocate becomes a
  MemoryError instead of exhausting the machine: the refusal must come before any allocation. A shape
  plan allocates nothing, so ``shape_plan`` / ``shapecheck plan`` of huge sizes may print the plan (or
  refuse); only a MemoryError, a traceback or not answering is wrong there.
* User code that raises (``loss_fn``, ``net.loss``, ``step``) may propagate as itself or as a
  ShapecheckError; either way the parameters must be restored.
* ``shapecheck trace`` runs a script as python would. A script that calls ``sys.exit(3)`` makes trace
  exit 3 (the script's status; the report must say "exit code 3" and must not call it INCOMPLETE). A
  script reading stdin gets EOFError (stdin at EOF), which is the learner's own error: exit 1, the
  learner's traceback with only the script's frames (as python shows it), then the report. A script
  that cannot be compiled (a syntax error, null bytes, bytes that are not UTF-8 without a coding cookie)
  is the script's own SyntaxError, as with python: exit 1 (2, a usage error, is accepted too), the file
  named, no traceback through shapecheck or the tokenize module, and no report claiming "no shape
  problems found" for a script that never ran. The trace API (``trace_script``) is held to the same.
* ``shapecheck compare FILE.py:FACTORY``: a submission that cannot be imported (missing, a directory,
  binary, not UTF-8, a syntax error, reading stdin, calling sys.exit at import) is a setup failure:
  exit 2 with the file named; the submission's own traceback (its frames only) may be shown.
* Paths with spaces and unicode characters must simply work.
"""

# Cases: 438 (entry point, input) pairs in the tables below; test_case_count keeps this number honest.
#   check_gradients 46, check_network 30, MLP constructor and with_*_hidden_layer(s) 33, MLP methods (loss,
#   gradients, fit, predict, forward, load_params, from_params) 90, shape_plan 29, huge sizes 8, compare 56,
#   learner code that raises 4, trace / trace_script 24, strategies 43, pytest helpers 17, command line 58.

from __future__ import annotations

import functools
import json
import os
import re
import resource
import subprocess
import sys
import textwrap
import traceback
import types
import warnings

import numpy as np
import pytest

import shapecheck
from reference_nets import MLP, shape_plan
from shapecheck import ShapecheckError
from shapecheck import strategies as sst
from shapecheck.testing import assert_gradients_close, assert_matches_reference, assert_no_shape_warnings

# pairwise-distinct sizes: samples, inputs, hidden units, outputs
N, D, H, T = 7, 5, 3, 2
MEMORY_LIMIT = 2 * 1024 ** 3          # RLIMIT_AS for the huge-size subprocesses


# -- inputs ---------------------------------------------------------------------------------------------

def _rng(seed=0):
    return np.random.default_rng(seed)


def make_params(seed=1):
    """A learner's parameters, samples as rows: W1 (d, h), b1 (1, h), W2 (h, t), b2 (1, t)."""
    rng = _rng(seed)
    return {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=(1, H)) * 0.1,
            "W2": rng.normal(size=(H, T)), "b2": rng.normal(size=(1, T)) * 0.1}


def make_data(seed=2):
    rng = _rng(seed)
    return rng.normal(size=(N, D)), rng.normal(size=(N, T))


def reference_net():
    return MLP([D, H, T], activation="tanh", output="identity", loss="mse", seed=0)


def with_entry(array, index, value):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


def changed(params, name, value):
    """``params`` with ``name`` replaced by ``value`` (a new dict; ``value`` may be a function of the old)."""
    params = dict(params)
    params[name] = value(params[name]) if callable(value) else value
    return params


def as_dtype(params, dtype):
    return {k: v.astype(dtype) for k, v in params.items()}


def square_loss(p):
    """A loss of any tree of arrays: half the sum of squares (its gradient is the tree itself)."""
    if isinstance(p, dict):
        return sum(square_loss(v) for v in p.values())
    if isinstance(p, (list, tuple)):
        return sum(square_loss(v) for v in p)
    return float(0.5 * np.sum(np.real(np.asarray(p, dtype=complex)) ** 2))


def generator_of(values):
    return (value for value in values)


class Fresh:
    """An input made anew for every run (a generator can be consumed only once)."""

    def __init__(self, make):
        self.make = make


def fresh(value):
    """``value`` for one run: made by a Fresh, or copied (arrays, dicts, lists, tuples) so that no run sees
    what another did to it."""
    if isinstance(value, Fresh):
        return value.make()
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(fresh(v) for v in value)
    return value


_DEFAULT = object()


# -- watching the parameters ---------------------------------------------------------------------------

_OPAQUE = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType, type,
           functools.partial, np.random.Generator)


def _arrays_in(tree, path="", seen=None, depth=0):
    """(path, value) for every array, dict and list reachable from ``tree`` (object attributes too)."""
    seen = set() if seen is None else seen
    if isinstance(tree, np.ndarray):
        yield path, tree
        return
    if id(tree) in seen or depth > 4 or isinstance(tree, _OPAQUE):
        return
    if isinstance(tree, dict):
        seen.add(id(tree))
        yield path, tree
        for key, value in tree.items():
            yield from _arrays_in(value, f"{path}[{key!r}]", seen, depth + 1)
    elif isinstance(tree, (list, tuple)):
        seen.add(id(tree))
        yield path, tree
        for i, value in enumerate(tree):
            yield from _arrays_in(value, f"{path}[{i}]", seen, depth + 1)
    elif hasattr(tree, "__dict__") and not isinstance(tree, types.GeneratorType):
        seen.add(id(tree))
        for key, value in list(vars(tree).items()):
            yield from _arrays_in(value, f"{path}.{key}", seen, depth + 1)


def _state(value):
    if isinstance(value, np.ndarray):
        content = tuple(map(id, value.flat)) if value.dtype == object else value.tobytes()
        return ("array", id(value), value.dtype.str, value.shape, content)
    if isinstance(value, dict):
        return ("dict", id(value), tuple(map(repr, value)), tuple(map(id, value.values())))
    return (type(value).__name__, id(value), len(value), tuple(map(id, value)))


class Watch:
    """Records the arrays (and the dicts and lists holding them) of everything handed to a call."""

    def __init__(self):
        self.watched = []

    def __call__(self, tree):
        self.watched.append((tree, {path: _state(value) for path, value in _arrays_in(tree)}))
        return tree

    def changes(self) -> list[str]:
        problems = []
        for tree, before in self.watched:
            after = {path: _state(value) for path, value in _arrays_in(tree)}
            for path in before.keys() | after.keys():
                if before.get(path) != after.get(path):
                    what = "replaced or resized" if before.get(path, (0, 0))[:2] != after.get(path, (0, 0))[:2] \
                        else "changed in place"
                    problems.append(f"parameter {path or '(the argument)'} was {what}")
        return sorted(problems)


# -- what a refusal must look like ---------------------------------------------------------------------

def _quietly(call):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return call()


def _short(value, limit=200):
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _where(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    return f" (raised at {os.path.relpath(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""


def _message_problems(exc, shows) -> list[str]:
    problems = []
    if type(exc) is ShapecheckError:
        problems.append("raised the bare base class ShapecheckError (ReferenceNetsError), not a subclass")
    context = exc.__context__
    if exc.__cause__ is None and context is not None and not exc.__suppress_context__:
        problems.append(f"chained onto an internal {type(context).__name__}: {_short(context)}{_where(context)}")
    message = str(exc)
    for pattern in shows:
        if not re.search(pattern, message, re.IGNORECASE | re.DOTALL):
            problems.append(f"message does not show /{pattern}/")
    if problems:
        problems.append(f"the message: {type(exc).__name__}: {message}")
    return problems


def _fail(problems):
    pytest.fail("\n".join(problems), pytrace=False)


def assert_refused(call, shows, watch, *, error=ShapecheckError):
    """``call()`` raises ``error`` (a ShapecheckError subclass unless said otherwise) showing ``shows``;
    nothing ``watch`` saw has changed."""
    try:
        result = _quietly(call)
    except error as exc:
        problems = _message_problems(exc, shows)
    except BaseException as exc:  # any other exception is what the case reports
        if isinstance(exc, KeyboardInterrupt):
            raise
        problems = [f"raised {type(exc).__name__} instead of {error.__name__}: {_short(exc)}{_where(exc)}"]
    else:
        problems = [f"accepted: returned {_short(repr(result))}"]
    _fail_if(problems + watch.changes())


def assert_refused_or_reported(call, shows, watch):
    """A ShapecheckError showing ``shows``, or a report that is not ok whose text shows them."""
    try:
        result = _quietly(call)
    except ShapecheckError as exc:
        problems = _message_problems(exc, shows)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        problems = [(f"raised {type(exc).__name__} instead of a ShapecheckError or a failed report: "
                     f"{_short(exc)}{_where(exc)}")]
    else:
        text = str(result)
        if getattr(result, "ok", None) is not False:
            problems = [f"accepted: the report says ok: {_short(text.splitlines()[0] if text else text)}"]
        else:
            problems = [f"the report does not show /{p}/" for p in shows
                        if not re.search(p, text, re.IGNORECASE | re.DOTALL)]
            if problems:
                problems.append(f"the report: {_short(text, 600)}")
    _fail_if(problems + watch.changes())


def _fail_if(problems):
    if problems:
        _fail(problems)


def case(id, call, *shows):
    return pytest.param(call, shows, id=id)


# ========================================================================================================
# shapecheck.check_gradients(loss_fn, params, grads, ...)
# ========================================================================================================

def _cg(params, grads=_DEFAULT, loss_fn=square_loss, **options):
    def call(watch):
        the_params = watch(fresh(params))
        the_grads = watch(fresh(params if grads is _DEFAULT else grads))
        return shapecheck.check_gradients(fresh(loss_fn), the_params, the_grads, **options)
    return call


def _cg_lazy(build):
    """A case whose inputs are built at run time (fresh arrays for every run)."""
    def call(watch):
        return build(watch)
    return call


P = make_params()
CHECK_GRADIENTS_REFUSES = [
    case("params-None", _cg(None), r"None", r"array"),
    case("params-list", _cg([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), r"list", r"array"),
    case("params-scalar", _cg(3.0), r"float|3\.0", r"array"),
    case("params-0-size", _cg(np.zeros((0, D))), r"\(0, 5\)", r"empty|non-empty|at least"),
    case("params-int", _cg(as_dtype(P, np.int64)), r"int64", r"float"),
    case("params-bool", _cg(as_dtype(P, bool)), r"bool", r"float"),
    case("params-object", _cg(as_dtype(P, object)), r"object", r"float"),
    case("params-complex", _cg(as_dtype(P, complex)), r"complex", r"float|real"),
    case("params-nan", _cg(changed(P, "W1", lambda w: with_entry(w, (2, 1), np.nan))), r"W1", r"nan", r"finite"),
    case("params-inf", _cg(changed(P, "b2", lambda b: with_entry(b, (0, 1), np.inf))), r"b2", r"inf", r"finite"),
    case("params-generator", _cg(Fresh(lambda: generator_of(P.values())), list(P.values())), r"generator",
         r"array"),
    case("params-read-only", _cg_lazy(lambda watch: shapecheck.check_gradients(
        square_loss, watch(_read_only(np.ones((N, D)))), np.ones((N, D)))), r"read-only", r"in place|writ"),
    case("grads-keys-differ", _cg(P, {**{k: v for k, v in P.items() if k != "b2"}, "bX": P["b2"]}), r"bX",
         r"b2|parameters are"),
    case("grads-dict-for-list-params", _cg([P["W1"], P["W2"]], {"W1": P["W1"], "W2": P["W2"]}), r"W1|dict",
         r"\[0\]|list"),
    case("loss_fn-int", _cg(P, loss_fn=3), r"int", r"callable|function"),
    case("loss_fn-None", _cg(P, loss_fn=None), r"None", r"callable|function"),
    case("loss_fn-generator", _cg(P, loss_fn=Fresh(lambda: generator_of([1.0]))), r"generator", r"callable|function"),
    case("loss_fn-returns-None", _cg(P, loss_fn=lambda p: None), r"None", r"real number|float"),
    case("loss_fn-returns-array", _cg(P, loss_fn=lambda p: p["W1"]), r"\(5, 3\)|shape", r"one real number|scalar"),
    case("loss_fn-returns-str", _cg(P, loss_fn=lambda p: "0.5"), r"str|'0\.5'", r"real number|float"),
    case("loss_fn-returns-complex", _cg(P, loss_fn=lambda p: 1 + 2j), r"complex|\(1\+2j\)", r"real"),
    case("eps-nan", _cg(P, eps=float("nan")), r"nan", r"positive"),
    case("eps-str", _cg(P, eps="1e-6"), r"'1e-6'", r"positive|number"),
    case("rtol-negative", _cg(P, rtol=-1.0), r"-1", r"positive"),
    case("atol-inf", _cg(P, atol=float("inf")), r"inf", r"positive|finite"),
    case("mode-unknown", _cg(P, mode="fastest"), r"fastest", r"full"),
    case("method-None", _cg(P, method=None), r"None", r"central"),
    case("samples-0", _cg(P, mode="sample", samples=0), r"\b0\b", r"positive"),
    case("samples-float", _cg(P, mode="sample", samples=2.5), r"2\.5", r"int"),
    case("seed-negative", _cg(P, seed=-1), r"-1", r"non-negative"),
    case("progress-str", _cg(P, progress="yes"), r"yes", r"True|False"),
]


def _read_only(array):
    array.setflags(write=False)
    return array


@pytest.mark.parametrize("call, shows", CHECK_GRADIENTS_REFUSES)
def test_check_gradients_refuses(call, shows):
    watch = Watch()
    assert_refused(lambda: call(watch), shows, watch)


CHECK_GRADIENTS_REPORTS = [
    case("grads-W1-None", _cg(P, changed(P, "W1", None)), r"W1", r"None"),
    case("grads-whole-None", _cg_lazy(lambda watch: shapecheck.check_gradients(square_loss, watch(P), None)),
         r"None"),
    case("grads-nan", _cg(P, changed(P, "W1", lambda w: with_entry(w, (2, 1), np.nan))), r"nan|not finite",
         r"\[2, 1\]"),
    case("grads-inf", _cg(P, changed(P, "b2", lambda b: with_entry(b, (0, 1), np.inf))), r"inf|not finite",
         r"\[0, 1\]"),
    case("grads-transposed", _cg(P, changed(P, "W1", lambda w: w.T.copy())), r"\(3, 5\)", r"\(5, 3\)"),
    case("grads-3d", _cg(P, changed(P, "W1", lambda w: w[..., None].copy())), r"\(5, 3, 1\)", r"\(5, 3\)"),
    case("grads-0-size", _cg(P, changed(P, "W1", np.zeros((0, H)))), r"\(0, 3\)", r"\(5, 3\)"),
    case("grads-object", _cg(P, changed(P, "W1", lambda w: w.astype(object))), r"object"),
    case("grads-complex", _cg(P, changed(P, "W1", lambda w: w + 1j)), r"complex"),
    case("grads-bool", _cg(P, changed(P, "W1", lambda w: w > 0)), r"bool"),
    case("grads-generator", _cg(np.ones((N, D)), Fresh(lambda: generator_of([np.ones((N, D))]))), r"generator"),
    case("grads-list-shorter", _cg([P["W1"], P["W2"]], [P["W1"]]), r"\[1\]", r"no gradient|missing"),
    case("grads-missing-key", _cg(P, {k: v for k, v in P.items() if k != "b2"}), r"b2", r"no gradient|missing"),
    case("grads-callable-returns-None", _cg(P, lambda p: None), r"None"),
    case("loss_fn-returns-nan", _cg(P, loss_fn=lambda p: float("nan")), r"nan"),
]


@pytest.mark.parametrize("call, shows", CHECK_GRADIENTS_REPORTS)
def test_check_gradients_reports_bad_gradients(call, shows):
    watch = Watch()
    assert_refused_or_reported(lambda: call(watch), shows, watch)


# ========================================================================================================
# shapecheck.check_network(net, X, Y)
# ========================================================================================================

class LearnerNet:
    """A learner's own two-layer network, samples as rows; correct. Subclasses break one thing each."""

    def __init__(self):
        rng = _rng(3)
        self.W1, self.W2 = rng.normal(size=(D, H)), rng.normal(size=(H, T))

    @property
    def params(self):
        return {"W1": self.W1, "W2": self.W2}

    def loss(self, X, Y):
        return float(0.5 * np.sum((np.tanh(X @ self.W1) @ self.W2 - Y) ** 2) / len(X))

    def gradients(self, X, Y):
        A1 = np.tanh(X @ self.W1)
        dZ2 = (A1 @ self.W2 - Y) / len(X)
        return {"W1": X.T @ ((dZ2 @ self.W2.T) * (1 - A1 ** 2)), "W2": A1.T @ dZ2}


class IntParamsNet(LearnerNet):
    def __init__(self):
        super().__init__()
        self.W1 = np.arange(D * H).reshape(D, H)


class NaNParamsNet(LearnerNet):
    def __init__(self):
        super().__init__()
        self.W1[2, 1] = np.nan


class EmptyParamsNet(LearnerNet):
    params = {}


class LossReturnsNoneNet(LearnerNet):
    def loss(self, X, Y):
        return None


class LossReturnsTupleNet(LearnerNet):
    def loss(self, X, Y):
        return super().loss(X, Y), {"A1": X}


class LossNotCallableNet(LearnerNet):
    loss = 0.5


class GradientsKeysDifferNet(LearnerNet):
    def gradients(self, X, Y):
        grads = super().gradients(X, Y)
        return {"W1": grads["W1"], "V2": grads["W2"]}


class GradientsReturnNoneNet(LearnerNet):
    def gradients(self, X, Y):
        return None


class GradientsStepNet(LearnerNet):
    """gradients() also takes a training step: moves the parameters in place."""

    def gradients(self, X, Y):
        grads = super().gradients(X, Y)
        self.W1 -= 0.1 * grads["W1"]
        return grads


class GradientsReassignNet(LearnerNet):
    """gradients() also takes a step the way many learners write it: new arrays bound to the attributes."""

    def gradients(self, X, Y):
        grads = super().gradients(X, Y)
        self.W1 = self.W1 - 0.1 * grads["W1"]
        return grads


class CopiesNet(LearnerNet):
    @property
    def params(self):
        return {"W1": self.W1.copy(), "W2": self.W2.copy()}


def _cn(net):
    def call(watch):
        the_net = watch(net() if isinstance(net, type) else fresh(net))
        return shapecheck.check_network(the_net, *make_data())
    return call


def _not_a_net(X, Y):
    return 0.0


CHECK_NETWORK_NETS = [
    case("net-None", _cn(None), r"None", r"params"),
    case("net-list", _cn([P["W1"], P["W2"]]), r"list", r"params"),
    case("net-dict", _cn(P), r"dict", r"params"),
    case("net-generator", _cn(Fresh(lambda: generator_of([P]))), r"generator", r"params"),
    case("net-function", _cn(_not_a_net), r"function|_not_a_net", r"params"),
    case("net-params-int", _cn(IntParamsNet), r"int64", r"float"),
    case("net-params-nan", _cn(NaNParamsNet), r"W1", r"nan", r"finite"),
    case("net-params-empty", _cn(EmptyParamsNet), r"empty|\{\}", r"nothing to check|array"),
    case("net-loss-returns-None", _cn(LossReturnsNoneNet), r"None", r"one real number"),
    case("net-loss-returns-tuple", _cn(LossReturnsTupleNet), r"tuple", r"one real number"),
    case("net-loss-not-callable", _cn(LossNotCallableNet), r"0\.5|float", r"loss\(X, Y\)"),
    case("net-gradients-keys-differ", _cn(GradientsKeysDifferNet), r"V2", r"W2"),
    case("net-gradients-return-None", _cn(GradientsReturnNoneNet), r"None", r"W1"),
    case("net-gradients-take-a-step", _cn(GradientsStepNet), r"W1", r"changed|unchanged"),
    case("net-gradients-reassign-a-step", _cn(GradientsReassignNet), r"W1", r"replaced"),
    case("net-params-are-copies", _cn(CopiesNet), r"cop(y|ies)", r"own arrays"),
]


@pytest.mark.parametrize("call, shows", CHECK_NETWORK_NETS)
def test_check_network_refuses_bad_networks(call, shows):
    watch = Watch()
    assert_refused(lambda: call(watch), shows, watch)


# -- bad data, shared by check_network and the reference MLP's methods ---------------------------------

X0, Y0 = make_data()
#: (id, X, Y, the patterns); the first ones are bad X (used for predict and forward too), then bad Y
DATA_CASES = [
    ("X-None", None, Y0, (r"None", r"array")),
    ("X-scalar", 3.0, Y0, (r"\(\)|float", r"2-dim|2-d")),
    ("X-0-size", np.zeros((0, D)), np.zeros((0, T)), (r"\(0, 5\)", r"at least|non-empty")),
    ("X-3d", _rng(4).normal(size=(N, D, 3)), Y0, (r"\(7, 5, 3\)", r"2-dim|2-d")),
    ("X-object", X0.astype(object), Y0, (r"object", r"real|float|number")),
    ("X-complex", X0 + 1j, Y0, (r"complex", r"real|float")),
    ("X-nan", with_entry(X0, (1, 4), np.nan), Y0, (r"nan", r"finite")),
    ("X-generator", Fresh(lambda: generator_of(X0)), Y0, (r"generator", r"array|real numbers")),
    ("X-transposed", X0.T.copy(), Y0, (r"\(5, 7\)", r"\(n, d\)|d=5")),
    ("Y-None", X0, None, (r"None", r"array")),
    ("Y-inf", X0, with_entry(Y0, (3, 0), np.inf), (r"inf", r"finite")),
    ("Y-3d", X0, Y0[..., None].copy(), (r"\(7, 2, 1\)", r"\(7, 2\)")),
    ("Y-wrong-width", X0, Y0[:, :1].copy(), (r"\(7, 1\)", r"\(7, 2\)")),
    ("Y-fewer-samples", X0, Y0[:6].copy(), (r"\(6, 2\)", r"\(7, 2\)")),
]
X_CASES = [c for c in DATA_CASES if c[0].startswith("X-")]


def _data_params(cases):
    return [pytest.param(X, Y, shows, id=id) for id, X, Y, shows in cases]


@pytest.mark.parametrize("X, Y, shows", _data_params(DATA_CASES))
def test_check_network_refuses_bad_data(X, Y, shows):
    watch = Watch()
    net = watch(reference_net())
    X, Y = fresh(X), fresh(Y)
    assert_refused(lambda: shapecheck.check_network(net, X, Y), shows, watch)


# ========================================================================================================
# reference_nets.MLP: constructor, with_one_hidden_layer / with_two_hidden_layers, methods
# ========================================================================================================

BAD_LAYER_SIZES = [
    ("None", None, r"None"),
    ("int", 5, r"\b5\b"),
    ("empty", [], r"\[\]"),
    ("one-size", [5], r"\[5\]"),
    ("None-size", [5, None, 2], r"None"),
    ("zero-size", [5, 0, 2], r"\[5, 0, 2\]"),
    ("negative-size", [5, -3, 2], r"-3"),
    ("float-size", [5, 3.5, 2], r"3\.5"),
    ("bool-size", [5, True, 2], r"True"),
    ("nan-size", [5, float("nan"), 2], r"nan"),
    ("str", "532", r"'532'"),
    ("str-size", [5, "3", 2], r"'3'"),
    ("nested-list", [[5, 3, 2]], r"\[\[5, 3, 2\]\]"),
    ("2d-array", np.array([[5, 3, 2]]), r"\[\[5, 3, 2\]\]"),
    ("dict", {"d": 5, "t": 2}, r"\{'d': 5"),
]


@pytest.mark.parametrize("sizes, shows", [pytest.param(s, (p, r"positive int|\[d, h"), id=i)
                                          for i, s, p in BAD_LAYER_SIZES])
def test_mlp_refuses_bad_layer_sizes(sizes, shows):
    assert_refused(lambda: MLP(sizes), shows, Watch())


MLP_OPTIONS = [
    case("activation-int", lambda: MLP([D, H, T], activation=3), r"\b3\b", r"tanh"),
    case("activation-unknown", lambda: MLP([D, H, T], activation="tanhh"), r"tanhh", r"tanh"),
    case("output-unknown", lambda: MLP([D, H, T], output="softmaxx"), r"softmaxx", r"softmax"),
    case("loss-callable", lambda: MLP([D, H, T], loss=square_loss), r"function|square_loss", r"mse"),
    case("loss-output-conflict", lambda: MLP([D, H, T], output="softmax", loss="bce"), r"softmax", r"sigmoid"),
    case("reduction-unknown", lambda: MLP([D, H, T], reduction="avg"), r"avg", r"mean"),
    case("layout-list", lambda: MLP([D, H, T], layout=["rows"]), r"\['rows'\]", r"columns"),
    case("init-None", lambda: MLP([D, H, T], init=None), r"None", r"xavier"),
    case("seed-float", lambda: MLP([D, H, T], seed=1.5), r"1\.5", r"non-negative int"),
    case("seed-nan", lambda: MLP([D, H, T], seed=float("nan")), r"nan", r"non-negative int"),
    case("seed-str", lambda: MLP([D, H, T], seed="0"), r"'0'", r"non-negative int"),
    case("bias-str", lambda: MLP([D, H, T], bias="no"), r"'no'", r"True or False"),
    case("one-hidden-None", lambda: MLP.with_one_hidden_layer(None, H, T), r"None", r"positive int"),
    case("one-hidden-list", lambda: MLP.with_one_hidden_layer([D], H, T), r"\[5\]", r"positive int"),
    case("one-hidden-float", lambda: MLP.with_one_hidden_layer(5.5, H, T), r"5\.5", r"positive int"),
    case("one-hidden-zero", lambda: MLP.with_one_hidden_layer(D, 0, T), r"\b0\b", r"positive int"),
    case("one-hidden-negative", lambda: MLP.with_one_hidden_layer(D, H, -2), r"-2", r"positive int"),
    case("two-hidden-zero", lambda: MLP.with_two_hidden_layers(D, H, 0, T), r"\b0\b", r"positive int"),
]


@pytest.mark.parametrize("call, shows", MLP_OPTIONS)
def test_mlp_refuses_bad_options(call, shows):
    assert_refused(call, shows, Watch())


def _method_cases(methods):
    params = []
    for method in methods:
        cases = X_CASES if method in ("predict", "forward") else DATA_CASES
        params += [pytest.param(method, X, Y, shows, id=f"{method}-{id}") for id, X, Y, shows in cases]
    return params


def _call_method(net, method, X, Y):
    if method in ("predict", "forward"):
        return getattr(net, method)(X)
    if method == "fit":
        return net.fit(X, Y, epochs=2, lr=0.1)
    return getattr(net, method)(X, Y)


@pytest.mark.parametrize("method, X, Y, shows", _method_cases(["loss", "gradients", "fit", "predict", "forward"]))
def test_mlp_methods_refuse_bad_data(method, X, Y, shows):
    watch = Watch()
    net = watch(reference_net())
    X, Y = fresh(X), fresh(Y)
    assert_refused(lambda: _call_method(net, method, X, Y), shows, watch)


FIT_OPTIONS = [
    case("lr-inf", dict(lr=float("inf")), r"inf", r"positive|finite"),
    case("lr-nan", dict(lr=float("nan")), r"nan", r"positive|finite"),
    case("lr-negative", dict(lr=-0.1), r"-0\.1", r"positive"),
    case("lr-str", dict(lr="0.1"), r"'0\.1'", r"positive"),
    case("lr-None", dict(lr=None), r"None", r"positive"),
    case("epochs-0", dict(epochs=0), r"\b0\b", r"positive"),
    case("epochs-float", dict(epochs=2.5), r"2\.5", r"positive int"),
    case("epochs-None", dict(epochs=None), r"None", r"positive int"),
    case("batch_size-0", dict(batch_size=0), r"\b0\b", r"positive"),
    case("batch_size-float", dict(batch_size=2.5), r"2\.5", r"positive int"),
]


@pytest.mark.parametrize("options, shows", FIT_OPTIONS)
def test_mlp_fit_refuses_bad_options(options, shows):
    watch = Watch()
    net = watch(reference_net())
    X, Y = make_data()
    assert_refused(lambda: net.fit(X, Y, **{"epochs": 2, "lr": 0.1, **options}), shows, watch)


def _bad_param_sets():
    good = reference_net().params
    return [
        ("None", None, (r"None", r"dict")),
        ("scalar", 3.0, (r"float", r"dict")),
        ("generator", Fresh(lambda: generator_of(good.values())), (r"generator", r"dict|list")),
        ("0-size", changed(good, "W1", np.zeros((0, H))), (r"\(0, 3\)", r"\(5, 3\)")),
        ("3d", changed(good, "W1", lambda w: w[..., None].copy()), (r"\(5, 3, 1\)", r"\(5, 3\)")),
        ("transposed", changed(good, "W1", lambda w: w.T.copy()), (r"\(3, 5\)", r"\(5, 3\)")),
        ("int", as_dtype(good, np.int64), (r"int64", r"float")),
        ("bool", as_dtype(good, bool), (r"bool", r"float")),
        ("object", as_dtype(good, object), (r"object", r"real|float")),
        ("complex", as_dtype(good, complex), (r"complex", r"real|float")),
        ("nan", changed(good, "W1", lambda w: with_entry(w, (2, 1), np.nan)), (r"W1", r"nan", r"finite")),
        ("inf", changed(good, "b2", lambda b: with_entry(b, (0, 1), np.inf)), (r"b2", r"inf", r"finite")),
        ("keys-differ", {**{k: v for k, v in good.items() if k != "W2"}, "V2": good["W2"]}, (r"V2", r"W2")),
        ("missing-key", {k: v for k, v in good.items() if k != "b2"}, (r"b2", r"W1, b1, W2, b2")),
        ("extra-key", {**good, "W3": np.ones((T, 4))}, (r"W3", r"W1, b1, W2, b2")),
    ]


@pytest.mark.parametrize("params, shows", [pytest.param(p, s, id=i) for i, p, s in _bad_param_sets()])
def test_mlp_load_params_refuses(params, shows):
    watch = Watch()
    net = watch(reference_net())
    params = watch(fresh(params))
    assert_refused(lambda: net.load_params(params), shows, watch)


FROM_PARAMS = [
    case("None", None, r"None", r"dict|W1"),
    case("scalar", 3.0, r"float|3\.0", r"dict|W1"),
    case("list", [P["W1"], P["b1"]], r"list", r"dict|W1"),
    case("generator", Fresh(lambda: generator_of([P])), r"generator", r"dict|W1"),
    case("0-size-W1", changed(P, "W1", np.zeros((0, H))), r"W1", r"\(0, 3\)"),
]


@pytest.mark.parametrize("params, shows", FROM_PARAMS)
def test_mlp_from_params_refuses(params, shows):
    watch = Watch()
    params = watch(fresh(params))
    assert_refused(lambda: MLP.from_params(params, activation="tanh", output="identity", loss="mse"), shows, watch)


# ========================================================================================================
# reference_nets.shape_plan (and MLP.shape_plan)
# ========================================================================================================

@pytest.mark.parametrize("sizes, shows", [pytest.param(s, (p, r"positive int|\[d, h"), id=i)
                                          for i, s, p in BAD_LAYER_SIZES])
def test_shape_plan_refuses_bad_layer_sizes(sizes, shows):
    assert_refused(lambda: shape_plan(sizes), shows, Watch())


PLAN_OPTIONS = [
    case("batch_size-0", lambda: shape_plan([D, H, T], batch_size=0), r"\b0\b", r"positive int"),
    case("batch_size-nan", lambda: shape_plan([D, H, T], batch_size=float("nan")), r"nan", r"positive int"),
    case("batch_size-str", lambda: shape_plan([D, H, T], batch_size="7"), r"'7'", r"positive int"),
    case("batch_size-bool", lambda: shape_plan([D, H, T], batch_size=True), r"True", r"positive int"),
    case("layout-None", lambda: shape_plan([D, H, T], layout=None), r"None", r"rows"),
    case("activation-list", lambda: shape_plan([D, H, T], activation=["tanh"]), r"\['tanh'\]", r"sigmoid"),
    case("output-unknown", lambda: shape_plan([D, H, T], output="softmaxx"), r"softmaxx", r"softmax"),
    case("loss-unknown", lambda: shape_plan([D, H, T], loss="xent"), r"xent", r"mse"),
    case("reduction-unknown", lambda: shape_plan([D, H, T], loss="mse", reduction="avg"), r"avg", r"mean"),
    case("reduction-without-loss", lambda: shape_plan([D, H, T], reduction="avg"), r"avg", r"mean"),
    case("bias-str", lambda: shape_plan([D, H, T], bias="no"), r"'no'", r"True or False"),
    case("softmax-single-output", lambda: shape_plan([D, H, 1], output="softmax"), r"single output|t = 1|1",
         r"sigmoid"),
    case("MLP.shape_plan-batch_size-0", lambda: reference_net().shape_plan(0), r"\b0\b", r"positive int"),
    case("MLP.shape_plan-batch_size-negative", lambda: reference_net().shape_plan(-7), r"-7", r"positive int"),
]


@pytest.mark.parametrize("call, shows", PLAN_OPTIONS)
def test_shape_plan_refuses_bad_options(call, shows):
    assert_refused(call, shows, Watch())


# ========================================================================================================
# Huge sizes: refused before allocating (run in a subprocess with RLIMIT_AS = 2 GiB)
# ========================================================================================================

_LIMITED_RUNNER = textwrap.dedent("""
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    outcome = {}
    start = time.perf_counter()
    try:
        import numpy as np
        from reference_nets import MLP, shape_plan
        from shapecheck import ShapecheckError
        from shapecheck import strategies as sst
        value = eval(sys.argv[1])
        outcome.update(returned=True, value=repr(value)[:300])
    except BaseException as exc:
        outcome.update(returned=False, type=type(exc).__name__, message=str(exc)[:600],
                       shapecheck=isinstance(exc, ShapecheckError))
    outcome["seconds"] = round(time.perf_counter() - start, 2)
    print(json.dumps(outcome))
""")


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _quiet_env():
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONIOENCODING": "utf-8"}


def run_limited(expression: str, timeout: float = 120):
    """``expression`` evaluated in a fresh interpreter limited to 2 GiB of address space: what it did."""
    result = subprocess.run([sys.executable, "-c", _LIMITED_RUNNER, expression], capture_output=True, text=True,
                            timeout=timeout, preexec_fn=_limit_memory, env=_quiet_env(), cwd=os.getcwd(),
                            check=False)
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        return {"returned": False, "type": f"crash (exit {result.returncode})", "message": result.stderr[-600:],
                "shapecheck": False, "seconds": None}
    return json.loads(lines[-1])


HUGE_REFUSED = [
    case("MLP-1e6x1e6", "MLP([10**6, 10**6, 1])", r"1000000|10\^?\*?\*?6|1e\+?06", r"memory|too large|bytes|[GT]i?B"),
    case("MLP-3x1e9x2", "MLP([3, 10**9, 2])", r"1000000000|10\^?\*?\*?9|1e\+?09", r"memory|too large|bytes|[GT]i?B"),
    case("MLP-1e100", "MLP([10**100, 3, 2])", r"1000000000|10\^?\*?\*?100|1e\+?100", r"too large|memory|bytes|max"),
    case("with_one_hidden_layer-1e6", "MLP.with_one_hidden_layer(10**6, 10**6, 1)", r"1000000",
         r"memory|too large|bytes|[GT]i?B"),
    case("strategies.parameters-1e6", "sst.parameters(sst.MLPSpec((10**6, 10**6, 1), 7, 'tanh', 'identity', "
         "'mse', 'rows')).example()", r"1000000", r"memory|too large|bytes|[GT]i?B"),
    case("strategies.batches-1e5x1e5", "sst.batches(sst.MLPSpec((10**5, 3, 2), 10**5, 'tanh', 'identity', "
         "'mse', 'rows')).example()", r"100000", r"memory|too large|bytes|[GT]i?B"),
]


@pytest.mark.parametrize("expression, shows", HUGE_REFUSED)
def test_huge_sizes_are_refused_before_allocating(expression, shows):
    outcome = run_limited(expression)
    problems = []
    if outcome["returned"]:
        problems.append(f"accepted: returned {outcome['value']}")
    elif not outcome["shapecheck"]:
        problems.append(f"raised {outcome['type']} instead of a ShapecheckError (under a 2 GiB address-space "
                        f"limit: it tried to allocate): {_short(outcome['message'])}")
    else:
        problems += [f"message does not show /{p}/" for p in shows
                     if not re.search(p, outcome["message"], re.IGNORECASE)]
        if problems:
            problems.append(f"the message: {outcome['type']}: {outcome['message']}")
    if outcome["seconds"] is not None and outcome["seconds"] > 20:
        problems.append(f"took {outcome['seconds']} s to answer")
    _fail_if(problems)


HUGE_PLANS = [
    case("shape_plan-1e6", "str(shape_plan([10**6, 10**6, 1], batch_size=10**12))"),
    case("shape_plan-1e100", "str(shape_plan([10**100, 3, 2], batch_size=10**100))"),
]


@pytest.mark.parametrize("expression, shows", HUGE_PLANS)
def test_huge_shape_plans_allocate_nothing(expression, shows):
    """A plan is text: printing it, or a ShapecheckError, are both fine; a MemoryError or a hang is not."""
    outcome = run_limited(expression)
    problems = []
    if not outcome["returned"] and not outcome["shapecheck"]:
        problems.append(f"raised {outcome['type']}: {_short(outcome['message'])}")
    if outcome["seconds"] is not None and outcome["seconds"] > 20:
        problems.append(f"took {outcome['seconds']} s to answer")
    _fail_if(problems)


# ========================================================================================================
# shapecheck.compare(X, Y, params=..., gradients=... | step=..., ...)
# ========================================================================================================

def reference_gradients(params):
    """A correct learner's gradients(X, Y): reads ``params`` at every call (compare moves them)."""
    def gradients(X, Y):
        net = reference_net()
        net.params = {k: np.asarray(params[k], dtype=float) for k in ("W1", "b1", "W2", "b2")}
        return net.gradients(X, Y)
    return gradients


def zero_gradients(params):
    def gradients(X, Y):
        return {k: np.zeros(np.shape(v)) for k, v in params.items()}
    return gradients


DECLARED = dict(activation="tanh", output="identity", loss="mse")


def _cmp(params=None, gradients=None, X=_DEFAULT, Y=_DEFAULT, keep=(), **options):
    """A compare case: a correct learner unless ``params``, ``gradients``, the data or an option is bad.
    ``gradients`` may be a function of the params (a factory); ``keep`` lists options that replace the
    defaults (e.g. ``gradients`` set to None)."""
    def call(watch):
        if params is None:
            the_params = make_params()
        elif isinstance(params, Fresh):
            the_params = params.make()
        else:
            the_params = params() if callable(params) else fresh(params)
        watch(the_params)
        if "gradients" in keep:
            grads = gradients
        elif gradients is None:
            grads = reference_gradients(the_params)
        else:
            grads = gradients(the_params)
        data = make_data()
        arguments = dict(params=the_params, gradients=fresh(grads), **{**DECLARED, **fresh(options)})
        return shapecheck.compare(data[0] if X is _DEFAULT else fresh(X), data[1] if Y is _DEFAULT else fresh(Y),
                                  **arguments)
    return call


def _params_with(name, value):
    return lambda: changed(make_params(), name, value)


def _step_that_breaks(params):
    def step(X, Y):
        params["W1"] += 1.0          # moves a parameter, then crashes
        raise ValueError("learner's step failed")
    return step


COMPARE_REFUSES = [
    # data
    case("X-None", _cmp(X=None), r"None", r"array"),
    case("X-scalar", _cmp(X=3.0), r"\(\)|float", r"1-d or 2-d|2-d"),
    case("X-0-size", _cmp(X=np.zeros((0, D))), r"\(0, 5\)", r"non-empty"),
    case("X-3d", _cmp(X=_rng(4).normal(size=(N, D, 3))), r"\(7, 5, 3\)", r"1-d or 2-d|2-d"),
    case("X-object", _cmp(X=X0.astype(object)), r"object", r"number|float"),
    case("X-complex", _cmp(X=X0 + 1j), r"complex", r"real|float|number"),
    case("X-nan", _cmp(X=with_entry(X0, (1, 4), np.nan)), r"nan", r"finite"),
    case("X-inf", _cmp(X=with_entry(X0, (1, 4), -np.inf)), r"inf", r"finite"),
    case("X-generator", _cmp(X=Fresh(lambda: generator_of(X0))), r"generator", r"array"),
    case("Y-None", _cmp(Y=None), r"None", r"array"),
    case("Y-3d", _cmp(Y=Y0[..., None].copy()), r"\(7, 2, 1\)", r"1-d or 2-d|2-d"),
    case("Y-nan", _cmp(Y=with_entry(Y0, (3, 1), np.nan)), r"nan", r"finite"),
    case("Y-complex", _cmp(Y=Y0 + 1j), r"complex", r"real|float|number"),
    case("Y-fewer-samples", _cmp(Y=Y0[:6].copy()), r"\b6\b", r"\b7\b"),
    # parameters
    case("params-None", _cmp(params=lambda: None, gradients=lambda p: (lambda X, Y: None)), r"None", r"dict|arrays"),
    case("params-list-of-lists", _cmp(params=lambda: [[1.0, 2.0], [3.0, 4.0]], gradients=lambda p: (lambda X, Y: p)),
         r"list", r"arrays"),
    case("params-scalar", _cmp(params=lambda: 3.0, gradients=lambda p: (lambda X, Y: p)), r"float", r"arrays"),
    case("params-0-size", _cmp(params=_params_with("W1", np.zeros((0, H))), gradients=zero_gradients),
         r"W1", r"\(0, 3\)"),
    case("params-3d", _cmp(params=_params_with("W1", lambda w: w[..., None].copy()), gradients=zero_gradients),
         r"W1", r"\(5, 3, 1\)"),
    case("params-int", _cmp(params=lambda: as_dtype(make_params(), np.int64), gradients=zero_gradients),
         r"int", r"float"),
    case("params-bool", _cmp(params=lambda: as_dtype(make_params(), bool), gradients=zero_gradients),
         r"bool", r"float"),
    case("params-object", _cmp(params=lambda: as_dtype(make_params(), object), gradients=zero_gradients),
         r"object", r"float"),
    case("params-complex", _cmp(params=lambda: as_dtype(make_params(), complex), gradients=zero_gradients),
         r"complex", r"float|real"),
    case("params-nan", _cmp(params=_params_with("W1", lambda w: with_entry(w, (2, 1), np.nan)),
                            gradients=zero_gradients), r"W1", r"nan", r"finite"),
    case("params-inf", _cmp(params=_params_with("b2", lambda b: with_entry(b, (0, 1), np.inf)),
                            gradients=zero_gradients), r"b2", r"inf", r"finite"),
    case("params-generator", _cmp(params=Fresh(lambda: generator_of(make_params().values())),
                                  gradients=lambda p: (lambda X, Y: None)), r"generator", r"dict|arrays"),
    # the learner's functions
    case("gradients-int", _cmp(gradients=3, keep=("gradients",)), r"int", r"function"),
    case("gradients-dict", _cmp(gradients=make_params(), keep=("gradients",)), r"dict", r"function"),
    case("gradients-generator", _cmp(gradients=Fresh(lambda: generator_of([1])), keep=("gradients",)), r"generator",
         r"function"),
    case("gradients-and-step-None", _cmp(gradients=None, keep=("gradients",)), r"gradients=", r"step="),
    case("gradients-and-step-both", _cmp(step=lambda X, Y: None), r"gradients=", r"step="),
    case("gradients-return-None", _cmp(gradients=lambda p: (lambda X, Y: None)), r"None", r"gradient"),
    case("gradients-return-too-few", _cmp(gradients=lambda p: (lambda X, Y: list(reference_gradients(p)(X, Y).values())[:3])),
         r"\b3\b", r"\b4\b"),
    case("gradients-return-object-dtype", _cmp(gradients=lambda p: (lambda X, Y: as_dtype(reference_gradients(p)(X, Y), object))),
         r"object", r"float"),
    case("gradients-return-complex", _cmp(gradients=lambda p: (lambda X, Y: {k: v + 1e-3j for k, v in reference_gradients(p)(X, Y).items()})),
         r"complex", r"float|real"),
    case("gradients-return-nan", _cmp(gradients=lambda p: (lambda X, Y: changed(reference_gradients(p)(X, Y), "W2", lambda w: with_entry(w, (1, 0), np.nan)))),
         r"W2", r"nan|non-finite"),
    case("step-int", _cmp(gradients=None, keep=("gradients",), step=3), r"int", r"function"),
    case("lr-nan", _cmp(gradients=None, keep=("gradients",), step=lambda X, Y: None, lr=float("nan")), r"nan", r"positive"),
    case("lr-inf", _cmp(gradients=None, keep=("gradients",), step=lambda X, Y: None, lr=float("inf")), r"inf", r"positive|finite"),
    case("lr-negative", _cmp(gradients=None, keep=("gradients",), step=lambda X, Y: None, lr=-0.1), r"-0\.1", r"positive"),
    case("lr-str", _cmp(gradients=None, keep=("gradients",), step=lambda X, Y: None, lr="0.1"), r"'0\.1'", r"positive"),
    case("loss_fn-int", _cmp(loss_fn=3), r"int", r"function"),
    case("loss_fn-generator", _cmp(loss_fn=Fresh(lambda: generator_of([1.0]))), r"generator", r"function"),
    # declared conventions
    case("activation-unknown", _cmp(activation="tanhh"), r"tanhh", r"tanh"),
    case("activation-list", _cmp(activation=["tanh"]), r"\['tanh'\]", r"tanh"),
    case("output-int", _cmp(output=3), r"\b3\b", r"identity"),
    case("loss-unknown", _cmp(loss="xent"), r"xent", r"mse"),
    case("reduction-unknown", _cmp(reduction="avg"), r"avg", r"mean"),
    case("layout-int", _cmp(layout=3), r"\b3\b", r"rows"),
    case("bias-str", _cmp(bias="yes"), r"'yes'", r"True|False|bool"),
    case("reg-nan", _cmp(reg=float("nan")), r"nan", r"non-negative|positive|finite"),
    case("reg-negative", _cmp(reg=-1.0), r"-1", r"non-negative|positive"),
    case("reg-inf", _cmp(reg=float("inf")), r"inf", r"non-negative|positive|finite"),
    case("reg-str", _cmp(reg="0.1"), r"'0\.1'", r"number|float"),
]


@pytest.mark.parametrize("call, shows", COMPARE_REFUSES)
def test_compare_refuses(call, shows):
    watch = Watch()
    assert_refused(lambda: call(watch), shows, watch)


COMPARE_REPORTS = [
    case("gradients-return-3d", _cmp(gradients=lambda p: (lambda X, Y: {k: v[..., None] for k, v in reference_gradients(p)(X, Y).items()})),
         r"\(5, 3, 1\)"),
    case("gradients-return-transposed", _cmp(gradients=lambda p: (lambda X, Y: changed(reference_gradients(p)(X, Y), "W1", lambda w: w.T.copy()))),
         r"W1", r"transpos|\(3, 5\)"),
]


@pytest.mark.parametrize("call, shows", COMPARE_REPORTS)
def test_compare_reports_bad_gradients(call, shows):
    watch = Watch()
    assert_refused_or_reported(lambda: call(watch), shows, watch)


# ========================================================================================================
# Learner code that raises: its exception (or a ShapecheckError), and the parameters restored
# ========================================================================================================

class LossRaisesLaterNet(LearnerNet):
    """net.loss works on the first call, then moves W2 and crashes (in the middle of the check)."""

    calls = 0

    def loss(self, X, Y):
        self.calls += 1
        if self.calls > 3:
            self.W2 += 1.0
            raise ArithmeticError("learner's loss failed")
        return super().loss(X, Y)


def _loss_raising_after(count):
    calls = []

    def loss_fn(p):
        calls.append(1)
        if len(calls) > count:
            raise ArithmeticError("learner's loss failed")
        return square_loss(p)
    return loss_fn


USER_CODE_RAISES = [
    case("check_gradients-loss_fn-raises-midway",
         lambda watch: shapecheck.check_gradients(_loss_raising_after(5), watch(make_params()), make_params())),
    case("check_network-net.loss-raises-midway",
         lambda watch: shapecheck.check_network(watch(LossRaisesLaterNet()), *make_data())),
    case("compare-step-moves-then-raises",
         lambda watch: (lambda p: shapecheck.compare(*make_data(), params=watch(p), step=_step_that_breaks(p), lr=0.1,
                                                     **DECLARED))(make_params())),
    case("compare-gradients-raise",
         lambda watch: shapecheck.compare(*make_data(), params=watch(make_params()),
                                          gradients=lambda X, Y: 1 / 0, **DECLARED)),
]


@pytest.mark.parametrize("call, shows", USER_CODE_RAISES)
def test_learner_code_that_raises_leaves_parameters_restored(call, shows):
    watch = Watch()
    try:
        _quietly(lambda: call(watch))
        problems = ["the learner's exception disappeared: the call returned"]
    except (ShapecheckError, ArithmeticError, ValueError):
        problems = []
    except BaseException as exc:  # noqa: BLE001
        problems = [f"raised {type(exc).__name__}: {_short(exc)}{_where(exc)}"]
    _fail_if(problems + watch.changes())


# ========================================================================================================
# The tracer's Python API: shapecheck.trace(fn) and shapecheck.trace_script(path, argv)
# ========================================================================================================

def _plain_function(a, b):
    return a @ b


def _generator_function():
    yield 1


class _Class:
    def method(self, a):
        return a


TRACE_REFUSES = [
    case("None", lambda: shapecheck.trace(None), r"None", r"function"),
    case("int", lambda: shapecheck.trace(3), r"int", r"function"),
    case("list", lambda: shapecheck.trace([_plain_function]), r"list", r"function"),
    case("builtin", lambda: shapecheck.trace(np.dot), r"_ArrayFunctionDispatcher|builtin|dot", r"function"),
    case("lambda", lambda: shapecheck.trace(lambda x: x), r"lambda", r"def"),
    case("generator-function", lambda: shapecheck.trace(_generator_function), r"generator", r"plain function"),
    case("generator-object", lambda: shapecheck.trace(_generator_function()), r"generator", r"function"),
    case("class", lambda: shapecheck.trace(_Class), r"type|class|_Class", r"function"),
    case("partial", lambda: shapecheck.trace(functools.partial(_plain_function, 1)), r"partial", r"function"),
]


@pytest.mark.parametrize("call, shows", TRACE_REFUSES)
def test_trace_refuses(call, shows):
    assert_refused(call, shows, Watch())


def _ts(path=None, argv=(), *, relative=None):
    """trace_script on ``path`` (or on tmp_path/``relative``); the script is a harmless one."""
    def call(tmp_path):
        script = tmp_path / "ok_script.py"
        script.write_text("print('hello')\n", encoding="utf-8")
        target = str(tmp_path / relative) if relative is not None else (str(script) if path is None else path)
        return shapecheck.trace_script(target, argv)
    return call


TRACE_SCRIPT_REFUSES = [
    case("path-None", lambda tmp_path: shapecheck.trace_script(None), r"None", r"path"),
    case("path-int", lambda tmp_path: shapecheck.trace_script(3), r"\b3\b", r"path"),
    case("path-list", lambda tmp_path: shapecheck.trace_script([str(tmp_path / "ok_script.py")]), r"\[", r"path"),
    case("path-missing", _ts(relative="no_such_script.py"), r"no_such_script\.py", r"does not exist|existing"),
    case("path-directory", _ts(relative="."), r"directory", r"script|\.py"),
    case("argv-None", _ts(argv=None), r"None", r"list of strings"),
    case("argv-int", _ts(argv=3), r"\b3\b", r"list of strings"),
    case("argv-str", _ts(argv="abc"), r"'abc'", r"list of strings"),
    case("argv-list-of-None", _ts(argv=[None]), r"None", r"list of strings"),
    case("argv-dict", _ts(argv={"a": 1}), r"\{'a': 1\}|dict", r"list of strings"),
]


@pytest.mark.parametrize("call, shows", TRACE_SCRIPT_REFUSES)
def test_trace_script_refuses(call, shows, tmp_path):
    assert_refused(lambda: call(tmp_path), shows, Watch())


def test_trace_script_argv_generator_is_refused_or_passed_whole(tmp_path):
    """An argv generator: refused, or its words reach the script (never consumed by the check and lost)."""
    out = tmp_path / "argv.txt"
    script = tmp_path / "show_argv.py"
    script.write_text(f"import sys\nopen({str(out)!r}, 'w').write(' '.join(sys.argv[1:]))\n", encoding="utf-8")
    try:
        report = _quietly(lambda: shapecheck.trace_script(str(script), generator_of(["alpha", "beta"])))
    except ShapecheckError as exc:
        _fail_if(_message_problems(exc, (r"generator", r"list of strings")))
        return
    got = out.read_text() if out.exists() else None
    assert report.exit_code == 0 and got == "alpha beta", (
        f"the script's sys.argv[1:] was {got!r}, not 'alpha beta': the generator was consumed by the argument "
        f"check and the words lost")


# -- script files the tracer cannot run: the same expectations through the API and the command line --------

def _write_scripts(folder):
    """name -> path of each hostile script, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "syntax-error": b"import numpy as np\ndef broken(:\n    return 1\n",
        "null-bytes": b"\x00\x01\x02\x7fELF binary\x00",
        "binary-not-utf8": bytes(range(128, 256)) * 3,
        "latin-1-source": "# a learner's comment\nx = 1\nname = 'Ren\u00e9e'\n".encode("latin-1"),
        "reads-stdin": b"value = input()\nprint('read', value)\n",
        "sys-exit-3": b"import sys\nprint('before exit')\nsys.exit(3)\n",
    }
    names = {"syntax-error": "syntax_error.py", "null-bytes": "null_bytes.py", "binary-not-utf8": "binary.py",
             "latin-1-source": "latin1.py", "reads-stdin": "reads_stdin.py", "sys-exit-3": "exit3.py"}
    paths = {}
    for key, data in files.items():
        path = folder / names[key]
        path.write_bytes(data)
        paths[key] = path
    return paths


UNCOMPILABLE = ["syntax-error", "null-bytes", "binary-not-utf8", "latin-1-source"]


@pytest.mark.parametrize("kind", UNCOMPILABLE)
def test_trace_script_api_on_a_script_that_cannot_compile(kind, tmp_path):
    """The script's own SyntaxError (as python reports it), not a raw exception out of trace_script."""
    import io

    path = _write_scripts(tmp_path)[kind]
    stderr = io.StringIO()
    try:
        report = _quietly(lambda: shapecheck.trace_script(str(path), [], stderr=stderr))
    except ShapecheckError as exc:
        _fail_if(_message_problems(exc, (re.escape(path.name), r"syntax|encoding|utf-?8|null|binary")))
        return
    except BaseException as exc:  # noqa: BLE001
        _fail([f"raised {type(exc).__name__} out of trace_script: {_short(exc)}{_where(exc)}"])
    shown = stderr.getvalue()
    rendered = report.render()
    problems = []
    if report.exit_code not in (1, 2):
        problems.append(f"exit_code {report.exit_code}, expected 1 (the script's SyntaxError)")
    if path.name not in shown and path.name not in rendered:
        problems.append(f"neither the SyntaxError printed nor the report names the file {path.name}: "
                        f"{_short(shown)}")
    if re.search(r"no shape problems found", rendered):
        problems.append(f"the report claims 'no shape problems found' for a script that never ran: "
                        f"{_short(rendered)}")
    _fail_if(problems)


# ========================================================================================================
# hypothesis strategies: shapecheck.strategies
# ========================================================================================================

def _draw(strategy):
    return strategy.example()


def _spec(**changes):
    fields = dict(sizes=(D, H, T), n=N, activation="tanh", output="identity", loss="mse", layout="rows")
    fields.update(changes)
    return sst.MLPSpec(**fields)


GOOD_SPEC = _spec()

STRATEGIES_REFUSE = [
    case("layer_sizes-min_hidden-None", lambda: _draw(sst.layer_sizes(min_hidden=None)), r"None", r"int"),
    case("layer_sizes-min_hidden-negative", lambda: _draw(sst.layer_sizes(min_hidden=-1)), r"-1", r">= 0"),
    case("layer_sizes-max_width-0", lambda: _draw(sst.layer_sizes(max_width=0)), r"\b0\b", r">= 1"),
    case("layer_sizes-min_width-float", lambda: _draw(sst.layer_sizes(min_width=2.5)), r"2\.5", r"int"),
    case("layer_sizes-max_width-nan", lambda: _draw(sst.layer_sizes(max_width=float("nan"))), r"nan", r"int"),
    case("layer_sizes-min_hidden-bool", lambda: _draw(sst.layer_sizes(min_hidden=True)), r"True", r"int"),
    case("layer_sizes-distinct-str", lambda: _draw(sst.layer_sizes(distinct="yes")), r"'yes'", r"True or False"),
    case("layer_sizes-min-above-max", lambda: _draw(sst.layer_sizes(min_width=5, max_width=3)), r"5", r"3"),
    case("layer_sizes-too-many-distinct", lambda: _draw(sst.layer_sizes(max_hidden=10 ** 9)), r"1000000003",
         r"max_width"),
    case("mlp_specs-activations-None", lambda: _draw(sst.mlp_specs(activations=None)), r"None", r"tanh"),
    case("mlp_specs-activations-int", lambda: _draw(sst.mlp_specs(activations=3)), r"\b3\b", r"tanh"),
    case("mlp_specs-activations-empty", lambda: _draw(sst.mlp_specs(activations=[])), r"\[\]", r"tanh"),
    case("mlp_specs-activations-unknown", lambda: _draw(sst.mlp_specs(activations=["tanhh"])), r"tanhh", r"tanh"),
    case("mlp_specs-layouts-None", lambda: _draw(sst.mlp_specs(layouts=None)), r"None", r"rows"),
    case("mlp_specs-layouts-generator", lambda: _draw(sst.mlp_specs(layouts=(x for x in ["rows"]))),
         r"generator", r"list|rows"),
    case("mlp_specs-layouts-unknown", lambda: _draw(sst.mlp_specs(layouts=["diag"])), r"diag", r"rows"),
    case("mlp_specs-output_loss-None", lambda: _draw(sst.mlp_specs(output_loss=None)), r"None", r"\(output, loss\)"),
    case("mlp_specs-output_loss-list-of-None", lambda: _draw(sst.mlp_specs(output_loss=[None])), r"None",
         r"\(output, loss\)"),
    case("mlp_specs-output_loss-invalid-pair", lambda: _draw(sst.mlp_specs(output_loss=[("identity", "bce")])),
         r"identity", r"sigmoid"),
    case("mlp_specs-output_loss-one-pair-not-list", lambda: _draw(sst.mlp_specs(output_loss=("identity", "mse"))),
         r"identity", r"list of \(output, loss\)"),
    case("batches-spec-None", lambda: _draw(sst.batches(None)), r"None", r"MLPSpec"),
    case("batches-spec-dict", lambda: _draw(sst.batches(GOOD_SPEC.options())), r"dict", r"MLPSpec"),
    case("batches-spec-sizes-None", lambda: _draw(sst.batches(_spec(sizes=None))), r"None", r"sizes|\[d, h"),
    case("batches-spec-hidden-0", lambda: _draw(sst.batches(_spec(sizes=(D, 0, T)))), r"\(5, 0, 2\)|\b0\b",
         r"positive"),
    case("batches-spec-n-0", lambda: _draw(sst.batches(_spec(n=0))), r"\bn\b.*\b0\b|\b0\b.*\bn\b",
         r"positive|>= ?1|at least"),
    case("batches-spec-n-negative", lambda: _draw(sst.batches(_spec(n=-1))), r"-1", r"positive|>= ?1|at least"),
    case("batches-spec-n-None", lambda: _draw(sst.batches(_spec(n=None))), r"None", r"int"),
    case("batches-spec-activation-unknown", lambda: _draw(sst.batches(_spec(activation="tanhh"))), r"tanhh",
         r"tanh"),
    case("batches-spec-layout-unknown", lambda: _draw(sst.batches(_spec(layout="diag"))), r"diag", r"rows"),
    case("batches-spec-invalid-output-loss", lambda: _draw(sst.batches(_spec(output="identity", loss="bce"))),
         r"identity", r"sigmoid"),
    case("MLPSpec-softmax-one-output", lambda: _spec(sizes=(D, H, 1), output="softmax",
                                                     loss="softmax-cross-entropy"), r"single output", r"sigmoid"),
    case("MLPSpec-bias-int", lambda: _spec(bias=1), r"bias=1", r"True or False"),
    case("batches-min_samples-0", lambda: _draw(sst.batches(GOOD_SPEC, min_samples=0)), r"min_samples=0",
         r">= 1"),
    case("batches-max_samples-0", lambda: _draw(sst.batches(GOOD_SPEC, max_samples=0)), r"max_samples=0",
         r">= 1"),
    case("batches-max_samples-float", lambda: _draw(sst.batches(GOOD_SPEC, max_samples=2.5)), r"2\.5", r"int"),
    case("batches-min-above-max", lambda: _draw(sst.batches(GOOD_SPEC, min_samples=5, max_samples=2)), r"5",
         r"max_samples"),
    case("parameters-spec-None", lambda: _draw(sst.parameters(None)), r"None", r"MLPSpec"),
    case("parameters-spec-sizes-None", lambda: _draw(sst.parameters(_spec(sizes=None))), r"None", r"\[d, h"),
    case("parameters-spec-hidden-0", lambda: _draw(sst.parameters(_spec(sizes=(D, 0, T)))), r"\b0\b",
         r"positive"),
    case("parameters-spec-activation-unknown", lambda: _draw(sst.parameters(_spec(activation="tanhh"))),
         r"tanhh", r"tanh"),
    case("parameters-spec-layout-unknown", lambda: _draw(sst.parameters(_spec(layout="diag"))), r"diag",
         r"rows"),
    case("parameters-away_from_kinks-str", lambda: _draw(sst.parameters(GOOD_SPEC, away_from_kinks="no")),
         r"'no'", r"True or False"),
    case("parameters-away_from_kinks-None", lambda: _draw(sst.parameters(GOOD_SPEC, away_from_kinks=None)),
         r"None", r"True or False"),
]


@pytest.mark.parametrize("call, shows", STRATEGIES_REFUSE)
def test_strategies_refuse(call, shows):
    assert_refused(call, shows, Watch())


# ========================================================================================================
# pytest helpers: shapecheck.testing
# ========================================================================================================

def _shape_error_function(a, b):
    return a @ b


HELPERS_REFUSE = [
    case("assert_gradients_close-params-None", lambda w: assert_gradients_close(square_loss, None, None),
         r"None", r"array"),
    case("assert_gradients_close-params-list", lambda w: assert_gradients_close(square_loss, [1.0, 2.0], [1.0, 2.0]),
         r"list", r"array"),
    case("assert_gradients_close-loss_fn-int", lambda w: assert_gradients_close(3, w(make_params()), make_params()),
         r"int", r"callable"),
    case("assert_gradients_close-params-nan",
         lambda w: assert_gradients_close(square_loss, w(_params_with("W1", lambda x: with_entry(x, (2, 1), np.nan))()),
                                          make_params()), r"W1", r"nan", r"finite"),
    case("assert_matches_reference-X-None",
         lambda w: assert_matches_reference(None, Y0, params=w(make_params()), gradients=zero_gradients(P), **DECLARED),
         r"None", r"array"),
    case("assert_matches_reference-params-None",
         lambda w: assert_matches_reference(X0, Y0, params=None, gradients=lambda X, Y: None, **DECLARED),
         r"None", r"dict|arrays"),
    case("assert_matches_reference-gradients-int",
         lambda w: assert_matches_reference(X0, Y0, params=w(make_params()), gradients=3, **DECLARED),
         r"int", r"function"),
    case("assert_matches_reference-reg-str",
         lambda w: (lambda p: assert_matches_reference(X0, Y0, params=w(p), gradients=reference_gradients(p),
                                                       reg="0.1", **DECLARED))(make_params()),
         r"'0\.1'", r"number|float"),
    case("assert_no_shape_warnings-None", lambda w: assert_no_shape_warnings(None), r"None", r"function"),
    case("assert_no_shape_warnings-int", lambda w: assert_no_shape_warnings(3), r"int", r"function"),
    case("assert_no_shape_warnings-lambda", lambda w: assert_no_shape_warnings(lambda x: x, 1), r"lambda", r"def"),
    case("assert_no_shape_warnings-builtin", lambda w: assert_no_shape_warnings(np.dot, X0, P["W1"]),
         r"_ArrayFunctionDispatcher|builtin|dot", r"function"),
    case("assert_no_shape_warnings-generator-function", lambda w: assert_no_shape_warnings(_generator_function),
         r"generator", r"plain function"),
]


@pytest.mark.parametrize("call, shows", HELPERS_REFUSE)
def test_pytest_helpers_refuse(call, shows):
    watch = Watch()
    assert_refused(lambda: call(watch), shows, watch)


HELPERS_FAIL_WITH_THE_TABLE = [
    case("assert_gradients_close-grads-nan",
         lambda w: assert_gradients_close(square_loss, w(make_params()),
                                          _params_with("W1", lambda x: with_entry(x, (2, 1), np.nan))()),
         r"W1", r"nan|not finite"),
    case("assert_gradients_close-grads-None",
         lambda w: assert_gradients_close(square_loss, w(make_params()), changed(make_params(), "b2", None)),
         r"b2", r"None"),
    case("assert_gradients_close-grads-transposed",
         lambda w: assert_gradients_close(square_loss, w(make_params()), _params_with("W1", lambda x: x.T.copy())()),
         r"\(3, 5\)", r"\(5, 3\)"),
    case("assert_no_shape_warnings-shape-error",
         lambda w: assert_no_shape_warnings(_shape_error_function, np.ones((N, D)), np.ones((H, T))),
         r"matmul|matrix product", r"\(7, 5\)", r"\(3, 2\)"),
]


@pytest.mark.parametrize("call, shows", HELPERS_FAIL_WITH_THE_TABLE)
def test_pytest_helpers_fail_with_an_explanation(call, shows):
    """A failed check is an AssertionError carrying the report (the table, the explanation)."""
    watch = Watch()
    assert_refused(lambda: call(watch), shows, watch, error=AssertionError)


# ========================================================================================================
# The command line: python -m shapecheck demo | plan | grad | compare | trace
# ========================================================================================================

def shapecheck_cli(*args, cwd, memory_limit=False, timeout=120):
    """``python -m shapecheck ARGS`` with stdin at EOF (nothing to read), as a user's terminal-less CI runs it."""
    return subprocess.run([sys.executable, "-m", "shapecheck", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", cwd=cwd, stdin=subprocess.DEVNULL, timeout=timeout,
                          env=_quiet_env(), preexec_fn=_limit_memory if memory_limit else None, check=False)


def _inside(path, folder):
    try:
        return os.path.commonpath([os.path.realpath(path), os.path.realpath(folder)]) == os.path.realpath(folder)
    except ValueError:
        return False


def cli_problems(result, *, codes, shows, user_dir, learner_traceback=False, forbid=()):
    """What is wrong with a command's answer: its exit code, a traceback through files that are not the
    user's, a message that does not show ``shows`` (searched in stderr)."""
    problems = []
    stderr = result.stderr
    if result.returncode not in codes:
        problems.append(f"exit code {result.returncode}, expected {' or '.join(map(str, codes))}")
    frames = re.findall(r'File "([^"]+)", line \d+', stderr)
    internal = sorted({f for f in frames if not _inside(f, user_dir)})
    if internal:
        problems.append(f"an internal traceback reaches the user, through {', '.join(internal[:4])}")
    elif "Traceback" in stderr and not learner_traceback:
        problems.append("stderr holds a Traceback")
    for pattern in shows:
        if not re.search(pattern, stderr, re.IGNORECASE | re.DOTALL):
            problems.append(f"stderr does not show /{pattern}/")
    for pattern in forbid:
        if re.search(pattern, stderr, re.IGNORECASE):
            problems.append(f"stderr says /{pattern}/")
    if problems:
        tail = stderr if len(stderr) < 1500 else "..." + stderr[-1500:]
        problems.append(f"stderr:\n{tail}")
    return problems


def _cli_case(id, args, *shows, codes=(2,), learner_traceback=False, forbid=(), memory_limit=False):
    return pytest.param(args, shows, codes, learner_traceback, forbid, memory_limit, id=id)


def _prepare_cli_files(tmp_path):
    """The files the command-line cases refer to, under ``tmp_path`` ({tmp} in an argument)."""
    _write_scripts(tmp_path)
    (tmp_path / "a folder").mkdir()
    unicode_dir = tmp_path / "dossier élève ü"
    unicode_dir.mkdir()
    learner = textwrap.dedent("""
        import numpy as np
        from reference_nets import MLP


        def make(**changes):
            rng = np.random.default_rng(1)
            params = {"W1": rng.normal(size=(5, 3)), "b1": np.zeros((1, 3)), "W2": rng.normal(size=(3, 2)),
                      "b2": np.zeros((1, 2))}

            def gradients(X, Y):
                net = MLP([5, 3, 2], activation="tanh", output="identity", loss="mse")
                net.params = params
                return net.gradients(X, Y)

            X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
            return {"X": X, "Y": Y, "params": params, "gradients": gradients, "activation": "tanh",
                    "output": "identity", "loss": "mse", **changes}


        def factory():
            return make()


        def returns_none():
            return None


        def raises():
            raise ValueError("the factory failed")


        def x_none():
            return make(X=None)


        def reg_str():
            return make(reg="0.1")


        def gradients_int():
            return make(gradients=3)


        def two_args(a, b):
            return a @ b


        if __name__ == "__main__":
            print("learner ran")
    """)
    (tmp_path / "learner.py").write_text(learner, encoding="utf-8")
    (unicode_dir / "réseau naïf.py").write_text(learner, encoding="utf-8")
    (unicode_dir / "script ünï.py").write_text("import numpy as np\nprint('sum', np.ones((7, 5)).sum())\n",
                                              encoding="utf-8")


UNICODE_SCRIPT = "{tmp}/dossier élève ü/script ünï.py"
UNICODE_LEARNER = "{tmp}/dossier élève ü/réseau naïf.py"

CLI_CASES = [
    # no command, unknown command, demo
    _cli_case("shapecheck-no-command", [], r"COMMAND", r"required"),
    _cli_case("shapecheck-unknown-command", ["bogus"], r"bogus", r"choose from"),
    _cli_case("demo-extra-argument", ["demo", "extra"], r"extra", r"unrecognized"),
    # plan
    _cli_case("plan-no-sizes", ["plan"], r"SIZE", r"required"),
    _cli_case("plan-one-size", ["plan", "5"], r"\[5\]", r"at least two"),
    _cli_case("plan-zero-size", ["plan", "5", "0", "2"], r"'0'", r"positive integer"),
    _cli_case("plan-word-size", ["plan", "5", "x", "2"], r"'x'", r"positive integer"),
    _cli_case("plan-float-size", ["plan", "5", "3.5", "2"], r"'3\.5'", r"positive integer"),
    _cli_case("plan-batch-0", ["plan", "5", "3", "2", "-n", "0"], r"'0'", r"positive integer"),
    _cli_case("plan-layout-unknown", ["plan", "5", "3", "2", "--layout", "diag"], r"diag", r"rows"),
    _cli_case("plan-softmax-one-output", ["plan", "5", "3", "1", "--output", "softmax"], r"single output",
              r"sigmoid"),
    _cli_case("plan-loss-output-conflict", ["plan", "5", "3", "2", "--loss", "bce", "--output", "softmax"],
              r"softmax", r"sigmoid"),
    _cli_case("plan-json-into-a-directory", ["plan", "5", "3", "2", "--json", "{tmp}/a folder"], r"a folder",
              r"directory"),
    _cli_case("plan-json-into-a-missing-folder", ["plan", "5", "3", "2", "--json", "{tmp}/missing/plan.json"],
              r"missing/plan\.json|plan\.json", r"no such file"),
    _cli_case("plan-huge-sizes", ["plan", "1000000", "1000000", "1", "-n", "1000000000000"], codes=(0, 2),
              memory_limit=True),
    # grad
    _cli_case("grad-no-layers", ["grad"], r"--layers", r"required"),
    _cli_case("grad-one-layer", ["grad", "--layers", "5"], r"'5'", r"at least two"),
    _cli_case("grad-word-layer", ["grad", "--layers", "5,x,2"], r"'5,x,2'", r"sizes like"),
    _cli_case("grad-zero-layer", ["grad", "--layers", "5,0,2"], r"'5,0,2'", r"positive"),
    _cli_case("grad-plant-junk", ["grad", "--layers", "5,3,2", "--plant", "junk"], r"'junk'", r"W2\[1,0\]"),
    _cli_case("grad-plant-unknown-tensor", ["grad", "--layers", "5,3,2", "--plant", "W9[0,0]"], r"W9",
              r"W1 \(5, 3\)"),
    _cli_case("grad-plant-outside", ["grad", "--layers", "5,3,2", "--plant", "W1[9,9]"], r"\[9, 9\]",
              r"\(5, 3\)"),
    _cli_case("grad-samples-0", ["grad", "--layers", "5,3,2", "--mode", "sample", "--samples", "0"], r"'0'",
              r"positive integer"),
    _cli_case("grad-seed-negative", ["grad", "--layers", "5,3,2", "--seed", "-1"], r"'-1'", r"non-negative"),
    _cli_case("grad-json-into-a-directory", ["grad", "--layers", "5,3,2", "--json", "{tmp}/a folder"],
              r"a folder", r"directory"),
    _cli_case("grad-huge-layers", ["grad", "--layers", "1000000,1000000,1"], r"1000000",
              r"memory|too large|bytes|[GT]i?B", memory_limit=True),
    _cli_case("grad-huge-batch", ["grad", "--layers", "5,3,2", "-n", "1000000000000"], r"1000000000000",
              r"memory|too large|bytes|[GT]i?B", memory_limit=True),
    # compare: the submission file
    _cli_case("compare-no-colon", ["compare", "{tmp}/learner.py"], r"learner\.py", r"FILE\.py:FACTORY"),
    _cli_case("compare-missing-file", ["compare", "{tmp}/no_such_file.py:factory"], r"no_such_file\.py",
              r"does not exist"),
    _cli_case("compare-directory", ["compare", "{tmp}/a folder:factory"], r"a folder", r"directory"),
    _cli_case("compare-binary-file", ["compare", "{tmp}/binary.py:factory"], r"binary\.py",
              r"syntax|utf-?8|encoding"),
    _cli_case("compare-null-bytes", ["compare", "{tmp}/null_bytes.py:factory"], r"null_bytes\.py",
              r"null bytes|syntax"),
    _cli_case("compare-latin-1-source", ["compare", "{tmp}/latin1.py:factory"], r"latin1\.py",
              r"utf-?8|encoding|decode"),
    _cli_case("compare-syntax-error", ["compare", "{tmp}/syntax_error.py:factory"], r"syntax_error\.py",
              r"SyntaxError", r"line 2"),
    _cli_case("compare-reads-stdin", ["compare", "{tmp}/reads_stdin.py:factory"], r"reads_stdin\.py",
              r"EOFError", learner_traceback=True),
    _cli_case("compare-sys-exit-3", ["compare", "{tmp}/exit3.py:factory"], r"exit3\.py", r"sys\.exit\(3\)"),
    _cli_case("compare-unknown-factory", ["compare", "{tmp}/learner.py:nothing"], r"nothing", r"function"),
    _cli_case("compare-unicode-path-unknown-factory", ["compare", UNICODE_LEARNER + ":nothing"],
              r"réseau naïf\.py", r"nothing"),
    # compare: what the factory returns
    _cli_case("compare-factory-returns-None", ["compare", "{tmp}/learner.py:returns_none"], r"NoneType|None",
              r"dict"),
    _cli_case("compare-factory-raises", ["compare", "{tmp}/learner.py:raises"], r"ValueError", r"raises\(\)",
              learner_traceback=True),
    _cli_case("compare-factory-X-None", ["compare", "{tmp}/learner.py:x_none"], r"None", r"array"),
    _cli_case("compare-factory-reg-str", ["compare", "{tmp}/learner.py:reg_str"], r"'0\.1'", r"number|float"),
    _cli_case("compare-factory-gradients-int", ["compare", "{tmp}/learner.py:gradients_int"], r"int",
              r"function"),
    _cli_case("compare-json-into-a-directory", ["compare", "--json", "{tmp}/a folder", "{tmp}/learner.py:factory"],
              r"a folder", r"directory"),
    # trace: the script file
    _cli_case("trace-missing-file", ["trace", "{tmp}/no_such_script.py"], r"no_such_script\.py",
              r"does not exist"),
    _cli_case("trace-directory", ["trace", "{tmp}/a folder"], r"a folder", r"directory"),
    _cli_case("trace-binary-file", ["trace", "{tmp}/binary.py"], r"binary\.py", r"syntax|utf-?8|encoding",
              codes=(1, 2), forbid=(r"no shape problems found",)),
    _cli_case("trace-null-bytes", ["trace", "{tmp}/null_bytes.py"], r"null_bytes\.py", r"null bytes|syntax",
              codes=(1, 2), forbid=(r"no shape problems found",)),
    _cli_case("trace-latin-1-source", ["trace", "{tmp}/latin1.py"], r"latin1\.py", r"utf-?8|encoding|decode",
              codes=(1, 2), forbid=(r"no shape problems found",)),
    _cli_case("trace-syntax-error", ["trace", "{tmp}/syntax_error.py"], r"syntax_error\.py", r"SyntaxError",
              r"line 2", codes=(1, 2), forbid=(r"no shape problems found",)),
    _cli_case("trace-reads-stdin", ["trace", "{tmp}/reads_stdin.py"], r"reads_stdin\.py", r"EOFError",
              r"exit code 1", codes=(1,), learner_traceback=True),
    _cli_case("trace-sys-exit-3", ["trace", "{tmp}/exit3.py"], r"exit code 3", codes=(3,),
              forbid=(r"INCOMPLETE", r"please report")),
    _cli_case("trace-unicode-path", ["trace", UNICODE_SCRIPT], r"exit code 0", codes=(0,)),
    _cli_case("trace-unknown-module", ["trace", "no_such_module_xyz:main"], r"no_such_module_xyz",
              r"no module"),
    _cli_case("trace-unknown-function", ["trace", "{tmp}/learner.py:nothing"], r"nothing", r"no function"),
    _cli_case("trace-function-wrong-arguments", ["trace", "{tmp}/learner.py:two_args", "1"], r"\(1\)",
              r"two_args\(a, b\)"),
    _cli_case("trace-json-into-a-directory", ["trace", "--json", "{tmp}/a folder", UNICODE_SCRIPT], r"a folder",
              r"directory"),
]


@pytest.mark.parametrize("args, shows, codes, learner_traceback, forbid, memory_limit", CLI_CASES)
def test_cli(args, shows, codes, learner_traceback, forbid, memory_limit, tmp_path):
    _prepare_cli_files(tmp_path)
    words = [word.replace("{tmp}", str(tmp_path)) for word in args]
    result = shapecheck_cli(*words, cwd=tmp_path, memory_limit=memory_limit)
    _fail_if(cli_problems(result, codes=codes, shows=shows, user_dir=tmp_path, learner_traceback=learner_traceback,
                          forbid=forbid))


def test_cli_compare_works_from_a_unicode_path_with_spaces(tmp_path):
    """A learner's file in a folder with spaces and accents: compare runs it (a correct learner: exit 0)."""
    _prepare_cli_files(tmp_path)
    result = shapecheck_cli("compare", UNICODE_LEARNER.replace("{tmp}", str(tmp_path)) + ":factory", cwd=tmp_path)
    _fail_if(cli_problems(result, codes=(0,), shows=(), user_dir=tmp_path))
    assert "MATCH" in result.stdout


# ========================================================================================================
# The count in the header
# ========================================================================================================

def test_case_count():
    tables = [CHECK_GRADIENTS_REFUSES, CHECK_GRADIENTS_REPORTS, CHECK_NETWORK_NETS, DATA_CASES, BAD_LAYER_SIZES,
              MLP_OPTIONS, _method_cases(["loss", "gradients", "fit", "predict", "forward"]), FIT_OPTIONS,
              _bad_param_sets(), FROM_PARAMS, BAD_LAYER_SIZES, PLAN_OPTIONS, HUGE_REFUSED, HUGE_PLANS,
              COMPARE_REFUSES, COMPARE_REPORTS, USER_CODE_RAISES, TRACE_REFUSES, TRACE_SCRIPT_REFUSES,
              UNCOMPILABLE, STRATEGIES_REFUSE, HELPERS_REFUSE, HELPERS_FAIL_WITH_THE_TABLE, CLI_CASES]
    singles = 2          # the argv generator and the unicode-path compare
    total = sum(map(len, tables)) + singles
    with open(__file__, encoding="utf-8") as handle:
        header = re.search(r"# Cases: (\d+)", handle.read())
    assert header and int(header.group(1)) == total, f"the header says {header and header.group(1)}, the tables hold {total}"
