"""Fused expressions: a loop's repeated expression is checked at its leaves, not at every operation.

``sigmoid(X @ W1 + b1)`` holds two traced operations. Each is a call into the tracer, two shape reads and a
record to count, which on tiny arrays costs more than numpy's own work. For numpy arrays and numbers, the
shape of every intermediate value follows from the leaves' (``X``, ``W1``, ``b1``) types and shapes. So the
rewrite hands a whole expression of operators and ``.T`` to one function, ``@sc_trees[id](X, W1, b1)``:

- the slow path runs each operation through its traced operator, exactly as unfused (records, silent-bug
  checks, a failure explained at its own site);
- once two slow runs in a row had the same leaf types and shapes, a generated fast path takes over: it
  checks those, computes the expression inline and counts each operation's record;
- anything else (a new shape, another type, an exception) takes the slow path again.

The leaves are evaluated before any of the expression's operations run. The learner cannot see that when
every leaf after the first operation is a name, an attribute or index of one, a constant, or a number
combined with one of those (``1 - A1``); an expression with any other leaf there is not fused (its parts
may be).
"""

from __future__ import annotations

import numpy as np

from shapecheck.tracing import calls
from shapecheck.tracing.calls import SCALAR_TYPES
from shapecheck.tracing.numpy_warnings import OPERATOR_MODULE
from shapecheck.tracing.rewrite import EXPRESSIONS, PREFIX, Constant, Expression


class TreeTable(dict):
    """``@sc_trees``: tree id -> the function its expression calls now (the slow path until learned)."""

    def __init__(self, tracer, functions: dict, learns: bool = True):
        super().__init__()
        self.tracer, self.functions, self.learns = tracer, functions, learns

    def __missing__(self, tree_id):
        expression = EXPRESSIONS[tree_id]
        sites = [operation[1] for operation in expression.operations]
        operators = [self.functions[PREFIX + operation[0]] for operation in expression.operations]
        learner = _Learner(self, tree_id, expression)
        slow = learner.slow = _factory(_slow_source(expression))(*sites, *operators,
                                                                 learner.learned if self.learns else _ignore)
        self[tree_id] = slow
        return slow


def _ignore(leaves, values) -> None:
    return None


class _Learner:
    """The slow path's ``learned``: after two runs in a row with the same leaf signature, install the fast path."""

    def __init__(self, table: TreeTable, tree_id: int, expression: Expression):
        self.table, self.tree_id, self.expression = table, tree_id, expression
        self.previous = None
        self.slow = None        # the slow path itself, which the fast path falls back to

    def learned(self, leaves: tuple, values: tuple) -> None:
        if self.previous is _NEVER:
            return
        try:
            signature = _signature(leaves, self.expression.callees)
            if signature is None or signature != self.previous:
                self.previous = signature
                return
            records = _records(self.table.tracer.records, self.expression, leaves, values)
            if records is None:
                return
            expected = [kind if shape is None else shape for kind, shape in signature]    # (a callee: itself)
            make = _factory(_fast_source(self.expression, signature))
            self.table[self.tree_id] = make(self.slow, *expected, *records)
        except Exception as exc:  # noqa: BLE001 - a bug of ours: the slow path stays, and the report says so
            self.table.tracer.internal(self.tree_id, exc)
            self.previous = _NEVER


def _signature(leaves: tuple, callees: frozenset):
    """What the fast path checks of each leaf: (ndarray, shape), (a number's type, None), or (CALLEE, the
    function itself) for a call's function; None when a leaf is none of these."""
    found = []
    for i, leaf in enumerate(leaves):
        kind = type(leaf)
        if i in callees:
            found.append((CALLEE, leaf))
        elif kind is np.ndarray:
            found.append((kind, leaf.shape))
        elif kind in SCALAR_TYPES:
            found.append((kind, None))
        else:
            return None
    return tuple(found)


def _records(records: dict, expression: Expression, leaves: tuple, values: tuple):
    """Each operation's record, as its traced operator keys it (a sink where it records nothing), or None
    when an operation's record cannot be told (then there is no fast path)."""
    found = []
    for kind, site, refs, keywords in expression.operations:
        operands = [_value_of(ref, leaves, values) for ref in refs]
        if kind == "call":
            key = _call_key(site, operands, refs, dict(keywords))
        elif kind == "T":
            key = (site, operands[0].shape) if type(operands[0]) is np.ndarray else None
        else:
            shapes = [o.shape if type(o) is np.ndarray else None if type(o) in SCALAR_TYPES else _UNKNOWN
                      for o in operands]
            key = None if _UNKNOWN in shapes else _SINK if shapes == [None, None] else (site, *shapes)
        record = _SINK if key is _SINK else records.get(key) if key is not None else None
        if record is None:
            return None
        found.append(record)
    return found


def _value_of(ref, leaves: tuple, values: tuple):
    """What an operand reference stands for in one run: a leaf, an operation's value, or a constant."""
    if isinstance(ref, Constant):
        return ref.value
    return (values if ref[0] == "v" else leaves)[int(ref[1:])]


def _call_key(site, operands, refs, kwargs):
    """The record key of a numpy call (``np.sum``, ``np.dot``) whose every argument but its written constants
    is an array (the value of a number could change its result's shape), or None."""
    function, arguments = operands[0], operands[1:]
    name, owner = calls.interesting(function)
    if name is None or owner is not None or name in calls.EXPLAIN_ONLY:
        return None
    if any(type(a) is not np.ndarray for a, r in zip(arguments, refs[1:]) if not isinstance(r, Constant)):
        return None
    return calls.record_key(site, calls.operands(name, None, tuple(arguments)), kwargs)


class _Sink:
    """Where the fast path counts an operation its traced operator does not record (two numbers)."""

    __slots__ = ("count",)

    def __init__(self):
        self.count = 0


_SINK = _Sink()
_UNKNOWN = object()
_NEVER = object()       # what ``previous`` becomes after learning failed: no signature equals it
#: The signature's mark of a call's function (checked by identity: ``np.sum`` is the same object every time).
CALLEE = "callee"


def _text(ref) -> str:
    return repr(ref.value) if isinstance(ref, Constant) else ref


def _slow_source(expression: Expression) -> str:
    """The slow path: each operation through its traced operator, then ``learned`` sees leaves and values."""
    count = len(expression.operations)
    leaves = ", ".join(f"l{i}" for i in range(expression.leaves))
    lines = [f"def make({', '.join(f's{i}' for i in range(count))}, {', '.join(f'op{i}' for i in range(count))}, "
             "learned):",
             f"    def slow({leaves}):"]
    for i, (_, _, refs, keywords) in enumerate(expression.operations):
        arguments = [*map(_text, refs), *(f"{name}={value!r}" for name, value in keywords)]
        lines.append(f"        v{i} = op{i}(s{i}, {', '.join(arguments)})")
    lines += [f"        learned(({leaves},), ({', '.join(f'v{i}' for i in range(count))},))",
              f"        return v{count - 1}",
              "    return slow"]
    return "\n".join(lines)


def _fast_source(expression: Expression, signature: tuple) -> str:
    """The fast path for one leaf signature. An array leaf is checked by its shape alone (an operand that has
    none, a number now, raises and takes the slow path); a number leaf by its type; a function by identity."""
    leaves = ", ".join(f"l{i}" for i in range(expression.leaves))
    names, checks = [], []
    for i, (kind, _) in enumerate(signature):
        names.append(f"expected{i}")
        checks.append(f"l{i}.shape == expected{i}" if kind is np.ndarray else
                      f"l{i} is expected{i}" if kind is CALLEE else f"type(l{i}) is expected{i}")
    records = [f"r{i}" for i in range(len(expression.operations))]
    lines = [f"def make(slow, {', '.join(names + records)}):",
             f"    def fast({leaves}):",
             "        try:",
             f"            if {' and '.join(checks)}:",
             f"                result = {expression.inline()}",
             *[f"                {r}.count += 1" for r in records],
             "                return result",
             "        except Exception:  # noqa: BLE001 - a leaf without a shape, or the expression raised: slow path",
             "            pass",
             f"        return slow({leaves})",
             "    return fast"]
    return "\n".join(lines)


def _factory(source: str):
    """The ``make`` function of ``source``, compiled once per process (in the operators' module, so numpy's
    warnings move to the learner's line, and named as shapecheck's own frames)."""
    make = _FACTORIES.get(source)
    if make is None:
        namespace = {"__name__": OPERATOR_MODULE}
        exec(compile(source, "<shapecheck fused expression>", "exec"), namespace)  # noqa: S102 - our own text
        make = _FACTORIES[source] = namespace["make"]
    return make


_FACTORIES: dict = {}
