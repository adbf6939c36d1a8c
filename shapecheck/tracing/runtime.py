"""What the rewritten code calls: run the operation, record its shapes, explain a failure.

Each record is keyed by (site, operand shapes), so a loop of 100,000 iterations costs one record per
distinct shape signature: after the first time, a call does the operation, builds the key and bumps a
counter. The functions are generated from one template per operator (the operator written inline, as
fast as the original expression allows) and installed as builtins under ``@sc_*`` names while a
:class:`Tracer` is active, so instrumented code needs no imports and the learner's globals stay clean.
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass, field

import numpy as np

from shapecheck.tracing import calls, in_shapecheck
from shapecheck.tracing.calls import SCALAR_TYPES, shape_of
from shapecheck.tracing.call_wrapper import make_call, make_transpose
from shapecheck.tracing.faults import mark_as_learners
from shapecheck.tracing.fused import TreeTable
from shapecheck.tracing.numpy_warnings import OPERATOR_MODULE, LearnerLineWarnings
from shapecheck.tracing.rewrite import BINARY_OPERATORS, COMPARISONS, PREFIX, SiteRegistry

MATRIX_PRODUCTS = frozenset({"@", "@=", "dot", "matmul", "outer", "inner", "tensordot", "einsum"})


@dataclass(slots=True)
class Record:
    """One signature at one site: operand shapes, result shape, how many calls."""

    site: int
    shapes: tuple
    result: tuple | None
    count: int = 1
    options: str = ""
    kind: str = ""                  # the operator symbol, or the numpy function's name for a call
    method: bool = False            # ``a.dot(b)``: the array the method belongs to is the first operand


@dataclass
class Failure:
    """An operation that raised: its site, operand shapes and the latest exception it raised (a loop that
    catches the same error keeps one Failure, counted, not one per iteration)."""

    site: int
    shapes: tuple
    exception: BaseException
    kind: str
    explanation: object = None      # an explain.Explanation for shape errors
    details: dict = field(default_factory=dict)     # a call's options (calls.details)
    count: int = 1
    values: tuple | None = None     # the operands themselves, until the explanation has checked its fixes
    frame: object = None            # the learner's frame at the failure, likewise


@dataclass(frozen=True)
class InternalError:
    """A failure of the tracer's own machinery at a site: the learner's program ran on unaffected, but
    the report may miss what happened there, and it must say so."""

    site: int | None
    exception: BaseException


@dataclass
class Tracer:
    """The state of one tracing run: sites, records, warnings and failures."""

    registry: SiteRegistry = field(default_factory=SiteRegistry)
    records: dict = field(default_factory=dict)
    #: site -> (shapes, record) of the signature the site had last time: the operators' first check (a
    #: loop's sites repeat theirs), cheaper than building and hashing a key of ``records``
    latest: dict = field(default_factory=dict, repr=False)
    warned: dict = field(default_factory=dict)       # (site, kind) -> message, first seen first
    failures: list = field(default_factory=list)
    internal_errors: list = field(default_factory=list)   # InternalError: our bugs, never the learner's
    _saved: dict = field(default_factory=dict, repr=False)
    _warnings: LearnerLineWarnings = field(default_factory=LearnerLineWarnings, repr=False)
    _recursion: int = field(default=1000, repr=False)
    _functions_at: dict = field(default_factory=dict, repr=False)   # site -> (numpy function, its name)
    _wrappers: set = field(default_factory=set, repr=False)       # call sites reaching a package's np.dot
    #: sites inside such a wrapper's body (its own call of numpy's dot): the learner's call site stands for them
    wrapped_sites: set = field(default_factory=set)
    probing: bool = False           # fix_check is running learner code: what fails there is not the run's
    _trees: dict = field(default_factory=dict, repr=False)      # the installed fused.TreeTable
    #: whether a failure's fixes are checked on the live operands (values mode only locates: it does not)
    checks_fixes = True
    #: whether fused expressions learn a fast path (values mode sees every operation: it does not)
    fuses = True

    # -- installing the runtime functions as builtins -------------------------------------------------
    def install(self) -> None:
        if self._saved:
            return
        self._warnings.enter()
        # each traced operation is one more frame: keep the learner's recursion depth what it was untraced
        self._recursion = sys.getrecursionlimit()
        sys.setrecursionlimit(self._recursion + RECURSION_HEADROOM)
        functions = self.functions()
        for name, function in functions.items():
            self._saved[name] = getattr(builtins, name, _MISSING)
            setattr(builtins, name, function)

    def uninstall(self) -> None:
        for name, previous in self._saved.items():
            if previous is _MISSING:
                vars(builtins).pop(name, None)
            else:
                setattr(builtins, name, previous)
        if self._saved:
            self._warnings.exit()
            sys.setrecursionlimit(self._recursion)
        self._saved.clear()

    def __enter__(self):
        self.install()
        return self

    def __exit__(self, *exc):
        self.uninstall()
        return False

    def functions(self) -> dict:
        """The ``@sc_*`` functions, bound to this tracer's record table."""
        made = {PREFIX + "call": make_call(self), PREFIX + "T": make_transpose(self), PREFIX + "slice": slice}
        for name, symbol in BINARY_OPERATORS.values():
            made[f"{PREFIX}binop_{name}"] = _make(self, "binop", symbol, f"left {symbol} right")
            made[f"{PREFIX}inplace_{name}"] = _make(self, "inplace", symbol + "=", f"left\n        result {symbol}= right")
        for name, symbol in COMPARISONS.values():
            made[f"{PREFIX}compare_{name}"] = _make(self, "compare", symbol, f"left {symbol} right")
        # fused expressions (see fused.py) call the functions above, as ``made`` holds them when first called
        made[PREFIX + "trees"] = self._trees = TreeTable(self, made, learns=self.fuses)
        return made

    # -- records -------------------------------------------------------------------------------------
    def first_time(self, key, site, shapes, result, kind, options="", method=False):
        """A signature seen for the first time at a site: record it and run the silent-bug checks."""
        where = self.registry.sites.get(site)
        if where is None:       # code instrumented for an earlier run (a wrapper it left installed as np.dot)
            return None
        result_shape = shape_of(result)
        record = self.records[key] = Record(site, shapes, result_shape, 1, options, kind, method)
        if site in self.wrapped_sites:  # inside a package's np.dot: checked at the learner's call that reached it
            return record
        from shapecheck.tracing.warnings import INPLACE, check_silent_bugs

        # (a failure here reaches the caller's bookkeeping_failed, which knows the operands)
        found = check_silent_bugs(where, kind, shapes, result_shape)
        if where.update or kind in INPLACE:
            from shapecheck.tracing.updates import check_update

            found = merge_update_warnings(found, check_update(self, where, kind, shapes, result_shape))
        for warning_kind, message in found:
            self.warned.setdefault((site, warning_kind), message)
        return record

    def remember(self, site, left_shape, right_shape, record) -> None:
        """Make ``record`` the latest signature at ``site`` (see ``latest``), when its operands' shapes are
        plain tuples or None: those compare equal exactly when they are the same key of ``records``."""
        if record is not None and _plain(left_shape) and _plain(right_shape):
            self.latest[site] = (left_shape, right_shape, record)

    def clear_records(self) -> None:
        """Forget every record (and so every site's latest signature, and the fused expressions' fast paths,
        which count the records they learned)."""
        self.records.clear()
        self.latest.clear()
        self._trees.clear()

    def internal(self, site, exception) -> None:
        """Our own machinery failed at ``site``: keep going, and let the report say so (once per site
        and kind of failure, however often a loop repeats it)."""
        site = site if site in self.registry.sites else None
        if all(e.site != site or type(e.exception) is not type(exception) for e in self.internal_errors):
            self.internal_errors.append(InternalError(site, exception))

    def bookkeeping_failed(self, site, exception, operands) -> None:
        """Recording an operation failed. With numpy arrays (and numbers) that is our bug; with a learner's
        own object that has a ``shape`` attribute (a list, a property that raises, a stale value) the
        operation is simply not recorded: we vouch for numpy's shapes, not for every ``.shape``."""
        if not any(_foreign(operand) for operand in operands):
            self.internal(site, exception)

    def failed(self, site, operands, exception, kind, *, call=None):
        """An operation raised: remember it with our explanation. The exception itself is left exactly as
        numpy raised it (no note added): the learner's code may catch and print it, and must see what it
        would see untraced; the explanation is shown where the run ends. ``call`` is ``(owner, args,
        kwargs)`` for a numpy call (``owner``: the array of a method call, or None)."""
        if self.probing or site not in self.registry.sites:     # (an earlier run's code: see first_time)
            return
        try:
            found = {}
            if operands is not None and any(_other_shape(o) is OWN_RULES for o in operands):
                return                   # np.matrix, scipy.sparse: their * is a product; not numpy's rules
            if call is not None:
                owner, args, kwargs = call
                operands = calls.operands(kind, owner, args)
                found = calls.details(kind, owner, args, kwargs)
            if any(_foreign(o) for o in operands or ()) and not _numpy_shape_error(exception):
                return                   # a learner's own class raised its own error: not numpy's shapes
            shapes = tuple(shape_of(o) for o in operands)
            seen = next((f for f in self.failures if (f.site, f.shapes, f.kind) == (site, shapes, kind)), None)
            if seen is not None:
                seen.exception, seen.count = exception, seen.count + 1
                return
            if site in self._wrappers:          # the same error, raised inside the wrapper: explained here
                self.failures[:] = [f for f in self.failures if f.exception is not exception]
            self.failures.append(Failure(site, shapes, exception, kind, details=found, values=tuple(operands),
                                         frame=_learner_frame(self.registry.sites[site].file)))
            from shapecheck.tracing.explain import explain_failure

            if explain_failure(self, self.failures[-1]):
                exception._shapecheck_explained = True      # explain_errors()' hook need not explain it again
        except Exception as exc:  # noqa: BLE001 - the learner's own exception must propagate unchanged
            self.internal(site, exc)

    # -- calls and .T --------------------------------------------------------------------------------
    def recount_call(self, site, function, name, args, kwargs, result):
        """Record a call of the numpy function ``name`` whose shapes or options differ from its site's latest
        signature (see :mod:`shapecheck.tracing.call_wrapper`), and make it the latest; returns ``result``."""
        try:
            self.remember_call(site, function, name, args, kwargs, self._record_call(
                site, name, calls.operands(name, None, args), kwargs, result, False))
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not change the learner's program
            self.bookkeeping_failed(site, exc, (None, *args))
        return result

    def remember_call(self, site, function, name, args, kwargs, record) -> None:
        """Make ``record`` the latest signature at a call site (see ``latest``) for the common case: numpy's
        function (not a method) of one array and plain options, ``np.sum(dZ, axis=0, keepdims=True)``.
        Equal shapes and equal options there are the same key of ``records``, so ``_call`` counts the record
        with two comparisons."""
        if record is not None and args and type(args[0]) is np.ndarray and name in calls.ONE_OPERAND \
                and all(type(value) in _OPTION_TYPES for value in kwargs.values()):
            self.latest[site] = (function, name, args[0].shape, dict(kwargs), record)

    def call_anew(self, site, function, args, kwargs):
        """A call at a site whose latest signature does not say which numpy function this is."""
        seen = self._functions_at.get(site)
        if seen is not None and seen[0] is function:     # the same numpy function as last time at this site
            name, owner = seen[1], None
        else:
            try:
                name, owner = calls.interesting(function)
                if name is None and owner is None:          # np.dot replaced by a package's own wrapper?
                    where = self.registry.sites.get(site)
                    if where is not None and getattr(np, where.callee, None) is function:
                        name = self._replaced(site, function, args)
                    elif type(function) is not _BOUND_METHOD:
                        # numpy holds no such function under this name (builtin sum, a learner's own dot): the
                        # next call here is settled by the first lookup above, as fast as numpy's own
                        self._functions_at[site] = (function, None)
            except Exception as exc:  # noqa: BLE001 - our bug: run the learner's call untraced
                self.internal(site, exc)
                name, owner = None, None
            if owner is None and name is not None:
                self._functions_at[site] = (function, name)
        try:
            result = function(*args, **kwargs)
        except Exception as exc:
            mark_as_learners(exc)
            if name is not None:
                self.failed(site, None, exc, name, call=(owner, args, kwargs))
            raise
        if name is None or name in calls.EXPLAIN_ONLY:
            return result
        try:
            if owner is None and args and type(args[0]) is np.ndarray and name in calls.ONE_OPERAND:
                # the common case, without building the operands: one array, its options, seen before
                record = self.records.get(calls.record_key(site, args[:1], kwargs))
                if record is not None:
                    record.count += 1
                    self.remember_call(site, function, name, args, kwargs, record)
                    return result
            record = self._record_call(site, name, calls.operands(name, owner, args), kwargs, result, owner is not None)
            if owner is None:
                self.remember_call(site, function, name, args, kwargs, record)
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not change the learner's program
            self.bookkeeping_failed(site, exc, (owner, *args))
        return result

    def _replaced(self, site, function, args):
        """The report name when the call site wrote a watched numpy function (``np.dot(dvalues, W)``) and
        reaches the wrapper a package installed in its place (``calls.replaced``): the call is then recorded
        and explained at this site with the learner's operands, the wrapper itself running as it is. The
        sites inside the wrapper (its own product, in a package the tracer instruments) are the same
        operation again: they are left out of the report (``wrapped_sites``)."""
        name = calls.replaced(function, self.registry.sites[site].callee, args)
        if name is not None and site not in self._wrappers:
            self._wrappers.add(site)
            self.wrapped_sites |= _sites_inside(self.registry, function)
        return name

    def _record_call(self, site, name, operands, kwargs, result, method):
        key = calls.record_key(site, operands, kwargs)
        try:
            record = self.records.get(key)
        except TypeError:               # an unhashable option value: record it without the options
            key = key[:2] + ((),)
            record = self.records.get(key)
        if record is None:
            text = ", ".join(f"{k}={kwargs[k]!r}" for k in calls.OPTION_NAMES if k in kwargs)
            return self.first_time(key, site, tuple(shape_of(o) for o in operands), result, name, text, method)
        record.count += 1
        return record

    def transpose_anew(self, site, value, result):
        """Record ``value.T`` (``result``) at a site that has not seen its shape (see ``call_wrapper``)."""
        try:
            shape = getattr(value, "shape", None)
            if shape is not None:
                key = (site, shape)
                record = self.records.get(key)
                if record is None:
                    self.first_time(key, site, (shape_of(value),), result, "T")
                else:
                    record.count += 1
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not change the learner's program
            self.bookkeeping_failed(site, exc, (value,))
        return result


def merge_update_warnings(found: list, updates: list) -> list:
    """The operation's warnings with an update's: one number summed over a whole array says more than the
    same number stretched into the bias by the in-place update, which it replaces."""
    if any(kind == "shared-bias-gradient" for kind, _ in updates):
        found = [(kind, message) for kind, message in found if kind != "inplace-broadcast"]
    return found + updates


def _sites_inside(registry, function) -> set:
    """The ids of the sites in ``function``'s body (none for a function the tracer did not instrument)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return set()
    lines = [line for _, _, line in code.co_lines() if line is not None]
    first, last = code.co_firstlineno, max(lines, default=code.co_firstlineno)
    return {i for i, s in list(registry.sites.items()) if s.file == code.co_filename and first <= s.line <= last}


def _learner_frame(file: str):
    """The frame of the learner's code that called the failing operation (a few frames up: the traced
    operator, a fused expression's paths, ``failed``), or None. Its code is named ``file`` in a script; a
    notebook cell's code has IPython's own name (``<ipython-input-7-...>``, ``/tmp/ipykernel_.../....py``)
    where the sites say ``In[7]``: then it is the first frame above the tracer's own."""
    frame, first = sys._getframe(2), None
    for _ in range(8):
        if frame is None:
            break
        name = frame.f_code.co_filename
        if name == file:
            return frame
        if first is None and not in_shapecheck(name):
            first = frame
        frame = frame.f_back
    return first


_MISSING = object()
_BOUND_METHOD = type(Tracer.install.__get__(0))     # a new object at every call: not worth remembering
#: Extra recursion depth while tracing (the operator functions and the tracer's own checks).
RECURSION_HEADROOM = 100
#: The operand types a site's latest signature takes for a None shape: they have no ``.shape`` at all.
PYTHON_NUMBERS = frozenset({int, float, bool, complex})

_TEMPLATE = '''
def traced(site, left, right):
    __tracebackhide__ = True        # IPython and pytest leave this frame out of the learner's traceback
    try:
        result = {expression}
    except Exception as exc:
        if hasattr(left, "shape") or hasattr(right, "shape"):
            tracer.failed(site, (left, right), exc, kind)
        raise
    try:
        # the signature this site had last time (a loop's every iteration after the first): count it and go,
        # with no key to build and hash (``latest``: site -> (left shape, right shape, record); None for a Python
        # number, which has no .shape to ask for)
        left_seen, right_seen, record = latest[site]
        if (type(left) in python_numbers if left_seen is None else left_seen == left.shape) \
                and (type(right) in python_numbers if right_seen is None else right_seen == right.shape):
            record.count += 1
            return result
    except Exception:  # noqa: BLE001 - first time here, or another signature than last time: below
        pass
    try:
        # a signature seen before at this site: count it, and it is this site's latest
        left_shape, right_shape = getattr(left, "shape", None), getattr(right, "shape", None)
        record = records[(site, left_shape, right_shape)]
        record.count += 1
        remember(site, left_shape, right_shape, record)
        return result
    except Exception:  # noqa: BLE001 - new here, a number on both sides, np.matrix, an odd .shape: below
        pass
    try:
        # the common cases first: an ndarray (read .shape directly) and a Python number (no shape; a
        # failing getattr would be slow); anything else with a .shape (a torch tensor) works too
        kind_left, kind_right = type(left), type(right)
        left_shape = left.shape if kind_left is ndarray else None if kind_left in numbers else other_shape(left)
        right_shape = right.shape if kind_right is ndarray else None if kind_right in numbers else other_shape(right)
        if left_shape is None and right_shape is None or left_shape is OWN_RULES or right_shape is OWN_RULES:
            return result
        key = (site, left_shape, right_shape)
        record = records.get(key)
        if record is None:
            record = tracer.first_time(key, site, (shape(left), shape(right)), result, kind)
        else:
            record.count += 1
        remember(site, left_shape, right_shape, record)
    except Exception as exc:
        # a bug of ours, or an operand whose .shape is not a shape: the learner's result stands
        tracer.bookkeeping_failed(site, exc, (left, right))
    return result
'''


def _make(tracer: Tracer, family: str, symbol: str, expression: str):
    """One traced operator: the template above with the operation written inline (for an in-place
    operator, ``result = left`` then ``result -= right``: in place for arrays, rebinding for numbers)."""
    namespace = {"__name__": OPERATOR_MODULE, "tracer": tracer, "records": tracer.records, "shape": shape_of,
                 "latest": tracer.latest, "remember": tracer.remember, "python_numbers": PYTHON_NUMBERS,
                 "other_shape": _other_shape, "OWN_RULES": OWN_RULES,
                 "kind": symbol, "numbers": SCALAR_TYPES, "ndarray": np.ndarray}
    key = (family, symbol, expression)
    code = _COMPILED.get(key)
    if code is None:        # compiled once per process (32 of them cost ~14 ms, once per traced run before)
        code = _COMPILED[key] = compile(_TEMPLATE.format(expression=expression), f"<shapecheck {family} {symbol}>",
                                        "exec")
    exec(code, namespace)
    return namespace["traced"]


_COMPILED: dict = {}


#: What ``_other_shape`` gives an operand whose operators follow their own rules (np.matrix, where ``*`` is
#: a matrix product; scipy.sparse): the tracer neither records nor explains those operations.
OWN_RULES = object()


def _other_shape(value):
    """The shape of an operand that is neither an ndarray nor a number (a torch tensor, a learner's own
    tensor class), or OWN_RULES for the array types whose operators are not numpy's elementwise ones."""
    if isinstance(value, np.matrix) or type(value).__module__.startswith("scipy.sparse"):
        return OWN_RULES
    return getattr(value, "shape", None)


_NUMBERS = (int, float, complex, bool, np.generic, np.ndarray)
#: The option values whose ``==`` agrees with their hash (a call's latest signature compares its options).
_OPTION_TYPES = frozenset({int, bool, type(None), tuple, str})


def _plain(shape) -> bool:
    """An array's shape (a tuple), or None for a number: ``==`` on these agrees with the record keys'. Not
    ``()``: a numpy scalar's, which the operators record as None (see ``SCALAR_TYPES``)."""
    return shape is None or type(shape) is tuple and shape != ()


def _numpy_shape_error(exception) -> bool:
    from shapecheck.tracing.explain import looks_like_a_shape_error

    return looks_like_a_shape_error(exception)


def _foreign(value) -> bool:
    """A learner's own object with a ``shape`` attribute (not an ndarray, a numpy scalar or a number)."""
    if value is None or isinstance(value, _NUMBERS):
        return False
    try:
        return hasattr(value, "shape")
    except Exception:  # noqa: BLE001 - a shape property that raises: certainly the learner's own object
        return True
