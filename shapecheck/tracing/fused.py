"""Fused expressions: a loop's repeated expression is checked at its leaves, not at every operation.

``sigmoid(X @ W1 + b1)`` holds two traced operations. Each is a call into the tracer, two shape reads and a
record to count, which on tiny arrays costs more than numpy's own work. For numpy arrays and numbers, the
shape of every intermediate value follows from the leaves' (``X``, ``W1``, ``b1``) types and shapes. So the
rewrite hands a whole expression of operators and ``.T`` to one function, ``@sc_trees[id](X, W1, b1)``:

- the slow path runs each operation through its traced operator, exactly as unfused (records, silent-bug
  checks, a failure explained at its own site);
- once a slow run has leaf types and shapes seen before, a generated fast path for them takes over: it
  checks those, computes the expression inline and counts each operation's record (one fast path per
  signature, up to four: a line shared by a network's layers gets one per layer);
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
from shapecheck.tracing.faults import mark_as_learners
from shapecheck.tracing.numpy_warnings import OPERATOR_MODULE
from shapecheck.tracing.rewrite import EXPRESSIONS, PREFIX, Constant, Expression


class TreeTable(dict):
    """``@sc_trees``: tree id -> the function its expression calls now (the slow path until learned)."""

    def __init__(self, tracer, functions: dict, learns: bool = True):
        super().__init__()
        self.tracer, self.functions, self.learns = tracer, functions, learns

    def __missing__(self, tree_id):
        learner = _Learner(self, tree_id, EXPRESSIONS[tree_id])
        slow = self[tree_id] = learner.slow = learner.slow_path(learner.learned if self.learns else _ignore)
        return slow


def _ignore(leaves, values) -> None:
    return None


class _Learner:
    """The slow path's ``learned``: a leaf signature seen before (the same loop line again, or the same line
    called for each layer in turn) gets its own fast path, put in front of those learned before (up to
    ``FAST_PATHS``); after ``GIVE_UP`` slow runs in a row that taught nothing, the expression stops learning
    (torch tensors, a number as an argument), and without a fast path it runs the plain slow path."""

    def __init__(self, table: TreeTable, tree_id: int, expression: Expression):
        self.table, self.tree_id, self.expression = table, tree_id, expression
        self.slow = None        # the slow path itself, which the last fast path falls back to
        self.seen, self.learned_signatures, self.misses = set(), set(), 0

    def slow_path(self, learned):
        expression = self.expression
        sites = [operation.site for operation in expression.operations]
        operators = [mark_as_learners if operation.kind == "lookup" else self.table.functions[PREFIX + operation.kind]
                     for operation in expression.operations]
        return _factory(_slow_source(expression))(*sites, *operators, learned)

    def learned(self, leaves: tuple, values: tuple) -> None:
        if self.misses >= GIVE_UP:
            return
        try:
            if not self._learn(leaves, values):
                self.misses += 1
                if self.misses >= GIVE_UP and not self.learned_signatures:
                    self.table[self.tree_id] = self.slow_path(_ignore)
        except Exception as exc:  # noqa: BLE001 - a bug of ours: the slow path stays, and the report says so
            self.table.tracer.internal(self.tree_id, exc)
            self.misses = GIVE_UP

    def _learn(self, leaves: tuple, values: tuple) -> bool:
        """Put a fast path for this run's leaf signature in front, when it was seen before; whether it did."""
        signature = _signature(leaves, self.expression.callees)
        if signature is None or signature in self.learned_signatures:
            return False
        if signature not in self.seen:
            if len(self.seen) < GIVE_UP:
                self.seen.add(signature)
            return False
        records = _records(self.table.tracer.records, self.expression, leaves, values)
        if records is None or len(self.learned_signatures) >= FAST_PATHS:
            return False
        expected = [leaf if kind is CALLEE else kind if shape is None else shape
                    for (kind, shape), leaf in zip(signature, leaves)]
        make = _factory(_fast_source(self.expression, signature))
        self.table[self.tree_id] = make(self.table[self.tree_id], *expected, *records)
        self.learned_signatures.add(signature)
        self.misses = 0
        return True


#: Most fast paths one expression keeps (one per leaf signature: a line shared by a network's layers needs one
#: per layer), and how many slow runs in a row that teach nothing end its learning.
FAST_PATHS, GIVE_UP = 4, 16


def _signature(leaves: tuple, callees: frozenset):
    """What the fast path checks of each leaf: (ndarray, shape), (CALLEE, its id) for what a call is reached
    through (``np``, ``dot``: the same object every time), (a number's type, None); None for anything else."""
    found = []
    for i, leaf in enumerate(leaves):
        kind = type(leaf)
        if kind is np.ndarray:
            found.append((kind, leaf.shape))
        elif i in callees:
            found.append((CALLEE, id(leaf)))    # (by identity: a learner's object may not compare or hash)
        elif kind in SCALAR_TYPES:
            found.append((kind, None))
        else:
            return None
    return tuple(found)


def _records(records: dict, expression: Expression, leaves: tuple, values: tuple):
    """Each operation's record, as its traced operator keys it (a sink where it records nothing), or None
    when an operation's record cannot be told (then there is no fast path)."""
    found = []
    for kind, site, refs, keywords, _ in expression.operations:
        operands = [_value_of(ref, leaves, values) for ref in refs]
        if kind == "lookup":
            found.append(_SINK)             # (no record: ``a.dot`` is part of the call after it)
            continue
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
    """The record key of a numpy call (``np.sum(dZ, axis=0)``, ``np.dot(a, b)``, ``a.dot(b)``: its function
    is ``operands[0]``) whose every argument but its written constants is an array (the value of a number could
    change its result's shape), or None."""
    if any(type(a) is not np.ndarray for a, r in zip(operands[1:], refs[1:]) if not isinstance(r, Constant)):
        return None
    function = operands[0]
    name, owner = calls.interesting(function)
    if name is None or name in calls.EXPLAIN_ONLY:
        return None
    return calls.record_key(site, calls.operands(name, owner, tuple(operands[1:])), kwargs)


class _Sink:
    """Where the fast path counts an operation its traced operator does not record (two numbers)."""

    __slots__ = ("count",)

    def __init__(self):
        self.count = 0


_SINK = _Sink()
_UNKNOWN = object()
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
             f"    def slow({leaves}):",
             "        __tracebackhide__ = True      # IPython and pytest leave this frame out of a traceback"]
    for i, operation in enumerate(expression.operations):
        arguments = [*map(_text, operation.operands), *(f"{name}={value!r}" for name, value in operation.keywords)]
        if operation.kind == "lookup":          # a.dot before the arguments, as untraced (op: mark_as_learners)
            lines += ["        try:", f"            v{i} = {arguments[0]}.{operation.method}",
                      "        except Exception as exc:", f"            op{i}(exc)", "            raise"]
        else:
            lines.append(f"        v{i} = op{i}(s{i}, {', '.join(arguments)})")
    lines += [f"        learned(({leaves},), ({', '.join(f'v{i}' for i in range(count))},))",
              f"        return v{count - 1}",
              "    return slow"]
    return "\n".join(lines)


def _fast_source(expression: Expression, signature: tuple) -> str:
    """The fast path for one leaf signature, falling back to the fast paths learned before it and finally to the
    slow path. An array leaf is checked by its type and shape (an np.matrix or a torch tensor of the same shape
    computes otherwise), a number leaf by its type, a function by identity."""
    leaves = ", ".join(f"l{i}" for i in range(expression.leaves))
    names, checks = [], []
    for i, (kind, _) in enumerate(signature):
        names.append(f"expected{i}")
        checks.append(f"type(l{i}) is ndarray and l{i}.shape == expected{i}" if kind is np.ndarray else
                      f"l{i} is expected{i}" if kind is CALLEE else f"type(l{i}) is expected{i}")
    records = [f"r{i}" for i in range(len(expression.operations))]
    lines = [f"def make(fallback, {', '.join(names + records)}):",
             f"    def fast({leaves}):",
             "        __tracebackhide__ = True",
             "        try:",
             f"            if {' and '.join(checks)}:",
             f"                result = {expression.inline()}",
             *[f"                {r}.count += 1" for r in records],
             "                return result",
             "        except Exception:  # noqa: BLE001 - a leaf without a shape, or the expression raised: fallback",
             "            pass",
             f"        return fallback({leaves})",
             "    return fast"]
    return "\n".join(lines)


def _factory(source: str):
    """The ``make`` function of ``source``, compiled once per process (in the operators' module, so numpy's
    warnings move to the learner's line, and named as shapecheck's own frames)."""
    make = _FACTORIES.get(source)
    if make is None:
        namespace = {"__name__": OPERATOR_MODULE, "ndarray": np.ndarray}
        exec(compile(source, "<shapecheck fused expression>", "exec"), namespace)  # noqa: S102 - our own text
        make = _FACTORIES[source] = namespace["make"]
    return make


_FACTORIES: dict = {}
