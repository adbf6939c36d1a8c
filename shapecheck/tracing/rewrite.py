"""The AST rewrite: every array operation in the learner's code becomes a call into the tracer.

================================  ===================================================
learner's code                    rewritten to
================================  ===================================================
``a @ b`` (any binary operator)   ``@sc_binop_matmul(site, a, b)`` (not ``0.5 * a``: a literal number
                                  fits any shape, so those are left alone)
``a < b`` (one comparison)        ``@sc_compare_lt(site, a, b)``
``x -= v``                        ``x = @sc_inplace_sub(site, x, v)``
``obj.w -= v``                    ``@sc_t, = obj,; @sc_t.w = @sc_inplace_sub(site, @sc_t.w, v)``
``a[i] -= v``                     ``@sc_t, @sc_i = a, i; @sc_t[@sc_i] = @sc_inplace_sub(...)``
                                  (then ``del`` of the temporaries, in a ``finally``)
``np.sum(x, axis=0)``, ``a.dot(b)``  ``@sc_call(site, np.sum, x, axis=0)`` (products and reshapes only)
``x.T``                           ``@sc_T(site, x)``
``X @ W1 + b1`` (several of the   ``@sc_trees[id](X, W1, b1)``: one fused expression (its operations
operators and ``.T`` above)       as above, run by shapecheck/tracing/fused.py); not in values mode
================================  ===================================================

Evaluation order is unchanged (the callee and each operand are still evaluated left to right, the
target of an augmented assignment once; a fused expression evaluates its leaves before its operations, and
is made only where that cannot be seen), and each new node keeps the line and column of the node it
replaces, so tracebacks point at the learner's own lines. ``site`` is an id (unique in the process) in a
:class:`SiteRegistry`, which remembers the file, line and source text of every rewritten operation.
"""

from __future__ import annotations

import ast
import functools
import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

BINARY_OPERATORS = {
    ast.Add: ("add", "+"), ast.Sub: ("sub", "-"), ast.Mult: ("mul", "*"), ast.Div: ("truediv", "/"),
    ast.FloorDiv: ("floordiv", "//"), ast.Mod: ("mod", "%"), ast.Pow: ("pow", "**"),
    ast.MatMult: ("matmul", "@"), ast.BitAnd: ("and", "&"), ast.BitOr: ("or", "|"), ast.BitXor: ("xor", "^"),
    ast.LShift: ("lshift", "<<"), ast.RShift: ("rshift", ">>"),
}
COMPARISONS = {ast.Lt: ("lt", "<"), ast.LtE: ("le", "<="), ast.Gt: ("gt", ">"), ast.GtE: ("ge", ">="),
               ast.Eq: ("eq", "=="), ast.NotEq: ("ne", "!=")}

#: Only calls to functions or methods with these names are rewritten (whether the callee really is
#: numpy's is checked when it runs, see ``calls``); every other call (``sigmoid(z)``, ``np.exp``,
#: ``print``) is left exactly as it was, at no cost.
RECORDED_CALLS = frozenset({"dot", "matmul", "outer", "inner", "tensordot", "einsum", "sum", "mean",
                            "concatenate", "stack", "hstack", "vstack", "reshape", "transpose",
                            "array", "asarray", "mm", "mv", "bmm", "view"})     # (the last four: torch's)
#: In values mode (``SiteRegistry(keep_values=True)``, the ValueTracer's) these calls are sites too, and so are
#: the right-hand sides of plain assignments and ``return`` statements: ``@sc_value(site, expression)``.
VALUE_CALLS = frozenset({"multiply", "subtract", "add", "divide"})
#: The names the rewrite introduces start with this. "@" makes them invalid identifiers, so no learner's name
#: can equal or shadow one, and, since they do not start with "__", Python never mangles them inside a
#: class body (``__sc_add`` in ``class Net`` would be looked up as ``_Net__sc_add``). The AST accepts them
#: (pytest's assertion rewriting uses ``@py_assert`` names the same way).
PREFIX = "@sc_"


@dataclass(frozen=True)
class Site:
    """One rewritten operation: where it is and what it says."""

    file: str
    line: int
    col: int
    op: str                 # "@", "+", "-=", "call", "T", "<" ...
    expr: str               # the source text of the whole expression
    operands: tuple         # the source text of each operand (callee excluded for calls)
    receiver: str = ""      # for ``a.dot(b)``: ``a`` (the array when the method is numpy's)
    update: str = ""        # ``b1 = b1 - alpha * db1``: the target ``b1`` whose own value is the left operand
    callee: str = ""        # for a call: the function's name as written (``dot`` in ``np.dot(a, b)``)


#: Site ids are unique in the process, not only in one registry: code instrumented for one run keeps its ids
#: and can serve the next run (function_copy caches instrumented functions), its sites copied into that run's registry.
_SITE_IDS = itertools.count()


@dataclass
class SiteRegistry:
    """All sites of all instrumented files (``sites``: id -> :class:`Site`), and the files' original sources
    (for explanations)."""

    sites: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)    # file -> source text
    keep_values: bool = False                       # values mode: more sites (see VALUE_CALLS)
    fuses: bool = True                              # expressions of several operators are fused (fused.py)

    def add(self, site: Site) -> int:
        site_id = next(_SITE_IDS)
        self.sites[site_id] = site
        return site_id


def instrument(source: str, filename: str, registry: SiteRegistry, *, mode: str = "exec") -> ast.AST:
    """Parse ``source`` and return the rewritten tree (raises SyntaxError like ``compile`` would)."""
    tree = ast.parse(source, filename=filename, mode=mode)
    registry.sources[filename] = source
    return instrument_tree(tree, source, filename, registry)


def instrument_tree(tree: ast.AST, source: str, filename: str, registry: SiteRegistry) -> ast.AST:
    """Rewrite an already parsed tree (IPython hands its cells over this way)."""
    registry.sources.setdefault(filename, source)
    tree = _Rewriter(source, filename, registry).visit(tree)
    if registry.fuses and not registry.keep_values:     # values mode keeps each operation's value: no fusing
        tree = _Fuser().visit(tree)
    return ast.fix_missing_locations(tree)


@functools.lru_cache(maxsize=32)
def numpy_aliases(source: str) -> frozenset:
    """Names the source binds to a watched numpy function under another name: ``from numpy import dot as
    mult``, ``mm = np.matmul``. Their calls are rewritten too (the runtime checks they are numpy's)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
            found |= {alias.asname for alias in node.names if alias.asname and alias.name in RECORDED_CALLS}
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Attribute) and node.value.attr in RECORDED_CALLS:
            found.add(node.targets[0].id)
    return frozenset(found)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, source: str, filename: str, registry: SiteRegistry):
        self.filename, self.registry = filename, registry
        self.values = registry.keep_values
        self.aliases = numpy_aliases(source)
        self.lines = [line.encode("utf-8") for line in source.splitlines(keepends=True)]
        self.updates: dict = {}         # id of a BinOp node -> the target it updates (see _mark_updates)

    # -- helpers -------------------------------------------------------------------------------------
    def _text(self, node) -> str:
        """The node's source text (what ``ast.get_source_segment`` gives, without re-splitting the
        whole source for every node: column offsets are UTF-8 byte offsets)."""
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if end_line is None or end_col is None or end_line > len(self.lines):
            return ast.unparse(node)
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            return self.lines[first][node.col_offset:end_col].decode("utf-8", "replace")
        parts = [self.lines[first][node.col_offset:], *self.lines[first + 1:last], self.lines[last][:end_col]]
        return b"".join(parts).decode("utf-8", "replace")

    def _site(self, node, op: str, operands, receiver: str = "", update: str = "", callee: str = "") -> ast.Constant:
        site = Site(self.filename, node.lineno, node.col_offset, op, self._text(node),
                    tuple(self._text(o) for o in operands), receiver, update, callee)
        return ast.Constant(self.registry.add(site))

    @staticmethod
    def _call(name: str, args, node, keywords=()) -> ast.Call:
        call = ast.Call(func=ast.Name(PREFIX + name, ast.Load()), args=list(args), keywords=list(keywords))
        return ast.copy_location(call, node)

    # -- expressions ---------------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp):
        if is_number_literal(node.left) or is_number_literal(node.right):
            # `1 - A`, `0.5 * dW`, `x ** 2`: a number broadcasts to any shape, so nothing can go wrong
            # with shapes here; leaving them alone keeps the tracer fast in tight loops
            return self.generic_visit(node)
        name, symbol = BINARY_OPERATORS[type(node.op)]
        site = self._site(node, symbol, (node.left, node.right), update=self.updates.pop(id(node), ""))
        self.generic_visit(node)
        return self._call(f"binop_{name}", [site, node.left, node.right], node)

    def visit_Compare(self, node: ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in COMPARISONS:
            return self.generic_visit(node)
        name, symbol = COMPARISONS[type(node.ops[0])]
        site = self._site(node, symbol, (node.left, node.comparators[0]))
        self.generic_visit(node)
        return self._call(f"compare_{name}", [site, node.left, node.comparators[0]], node)

    def visit_Call(self, node: ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in RECORDED_CALLS and name not in self.aliases and not (self.values and name in VALUE_CALLS):
            return self.generic_visit(node)
        receiver = self._text(func.value) if isinstance(func, ast.Attribute) else ""
        site = self._site(node, "call", node.args, receiver, callee=name)
        self.generic_visit(node)
        return self._call("call", [site, node.func, *node.args], node, node.keywords)

    def visit_Attribute(self, node: ast.Attribute):
        if node.attr != "T" or not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        site = self._site(node, "T", (node.value,))
        self.generic_visit(node)
        return self._call("T", [site, node.value], node)

    # -- statements ----------------------------------------------------------------------------------
    def visit_AugAssign(self, node: ast.AugAssign):
        name, symbol = BINARY_OPERATORS[type(node.op)]
        site = self._site(node, symbol + "=", (node.target, node.value))
        helper = f"inplace_{name}"
        target = node.target
        self.generic_visit(node)   # rewrites inside the value (and inside the target's subexpressions)
        if isinstance(target, ast.Name):
            load = ast.Name(target.id, ast.Load())
            value = self._call(helper, [site, load, node.value], node)
            return ast.copy_location(ast.Assign([ast.Name(target.id, ast.Store())], value), node)
        holder = f"{PREFIX}t{site.value}"
        if isinstance(target, ast.Attribute):
            temps, values = [holder], [target.value]
            current = ast.Attribute(ast.Name(holder, ast.Load()), target.attr, ast.Load())
            store = ast.Attribute(ast.Name(holder, ast.Load()), target.attr, ast.Store())
        else:  # ast.Subscript
            key = f"{PREFIX}i{site.value}"
            temps, values = [holder, key], [target.value, _slices_as_calls(target.slice)]
            current = ast.Subscript(ast.Name(holder, ast.Load()), ast.Name(key, ast.Load()), ast.Load())
            store = ast.Subscript(ast.Name(holder, ast.Load()), ast.Name(key, ast.Load()), ast.Store())
        # the object (and index) are evaluated together, before anything is bound, and the temporaries
        # are deleted even when the update raises: none is ever left in the learner's namespace
        first = ast.Assign([ast.Tuple([ast.Name(t, ast.Store()) for t in temps], ast.Store())],
                           ast.Tuple(values, ast.Load()))
        update = ast.Assign([store], self._call(helper, [site, current, node.value], node))
        cleanup = ast.Delete([ast.Name(t, ast.Del()) for t in temps])
        guarded = ast.Try(body=[ast.copy_location(update, node)], handlers=[], orelse=[],
                          finalbody=[ast.copy_location(cleanup, node)])
        return [ast.copy_location(first, node), ast.copy_location(guarded, node)]

    def visit_Assign(self, node: ast.Assign):
        self._mark_updates(node)
        if not self.values:
            return self.generic_visit(node)
        return self._bind_value(node, "=", node.targets)

    def _mark_updates(self, node: ast.Assign) -> None:
        """Remember the additions and subtractions that update their own target: in ``b1 = b1 - alpha * db1``
        (also ``self.W = self.W - ...``, ``params["W1"] = params["W1"] + ...``, ``W, b = W - dW, b - db``)
        the ``-`` whose left operand is the target. Its site carries the target (``Site.update``), so a shape
        change there can be told from an ordinary reassignment (``delta = W.T @ delta``), which may change
        shape at will. Only the statement's shape is read here; nothing is added to the rewritten code."""
        pairs = []
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) \
                    and len(target.elts) == len(node.value.elts):
                pairs += zip(target.elts, node.value.elts)
            else:
                pairs.append((target, node.value))
        for target, value in pairs:
            if not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript)):
                continue
            innermost = None
            while isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
                innermost, value = value, value.left
            if innermost is not None and type(value) is type(target) and ast.unparse(value) == ast.unparse(target):
                self.updates[id(innermost)] = self._text(target)

    def visit_Return(self, node: ast.Return):
        if not self.values or node.value is None:
            return self.generic_visit(node)
        return self._bind_value(node, "return", ())

    def _bind_value(self, node, op: str, targets):
        """Values mode: ``x = expression`` becomes ``x = @sc_value(site, expression)`` (unless the
        expression is a site already), so the value bound to ``x`` is kept at this line."""
        site = Site(self.filename, node.lineno, node.col_offset, op, self._text(node.value),
                    tuple(self._text(t) for t in targets))
        self.generic_visit(node)
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id.startswith(PREFIX):
            return node
        node.value = self._call("value", [ast.Constant(self.registry.add(site)), value], value)
        return node

    # -- places that must stay as they are -----------------------------------------------------------
    def visit_match_case(self, node):
        # patterns are not expressions (`case Color.RED:`): only the guard and the body are rewritten
        if node.guard is not None:
            node.guard = self.visit(node.guard)
        node.body = [self.visit(statement) for statement in node.body]
        return node

    def visit_arg(self, node):          # annotations are left alone
        return node

    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        if not isinstance(node.target, ast.Name):
            node.target = self.visit(node.target)
        return node

    def visit_FunctionDef(self, node):
        returns = node.returns
        node.returns = None
        self.generic_visit(node)
        node.returns = returns
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_JoinedStr(self, node):    # f-strings: rewriting their parts is legal but only noise
        return node


def is_number_literal(node) -> bool:
    """A numeric literal such as ``1``, ``0.5`` or ``-2`` (not a name, not an array)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


def _slices_as_calls(index):
    """``a[1:, 0]``'s index as an ordinary expression: ``(slice(1, None, None), 0)``."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        call = ast.Call(ast.Name(PREFIX + "slice", ast.Load()),
                        [p if p is not None else ast.Constant(None) for p in parts], [])
        return ast.copy_location(call, index)
    if isinstance(index, ast.Tuple):
        return ast.copy_location(ast.Tuple([_slices_as_calls(e) for e in index.elts], ast.Load()), index)
    return index


# -- fused expressions (see shapecheck/tracing/fused.py: what runs them and why) ---------------------
#: The operations a fused expression may hold (the rewritten calls' names after the prefix, or their starts).
FUSABLE = ("binop_", "compare_")
#: Fewest operations worth a fused expression (one operation gains nothing from checking leaves only).
MIN_OPERATIONS = 2

_SYMBOLS = {**{f"binop_{name}": symbol for name, symbol in BINARY_OPERATORS.values()},
            **{f"compare_{name}": symbol for name, symbol in COMPARISONS.values()}}


class Operation(NamedTuple):
    """One operation of a fused expression. ``operands`` are ``"l3"`` (the fourth leaf), ``"v1"`` (the second
    operation's value) or, in a numpy call, a :class:`Constant` written in the source; ``keywords``, a call's
    ``(name, constant)`` pairs; ``method``, the attribute a lookup reads (``dot`` in ``a.T.dot(b)`` and in
    ``np.dot(a, b)``, of ``a.T`` or ``np``; the call then takes the lookup's value as its function)."""

    kind: str               # binop_add, compare_lt, T, call, lookup (``.dot`` of ``a.dot(b)``: no site of its own)
    site: int
    operands: tuple
    keywords: tuple = ()
    method: str = ""


@dataclass(frozen=True)
class Expression:
    """One fused expression: its operations in the order they run, how many leaves it takes, and which leaves
    a call is reached through (``np`` in ``np.sum(...)``, ``a`` in ``a.dot(b)``, ``dot`` in ``dot(a, b)``)."""

    operations: tuple
    leaves: int
    callees: frozenset = frozenset()

    def inline(self) -> str:
        """The expression written with the leaves' names, as Python evaluates it untraced."""
        values = []
        for operation in self.operations:
            texts = [values[int(o[1:])] if isinstance(o, str) and o[0] == "v" else
                     repr(o.value) if isinstance(o, Constant) else o for o in operation.operands]
            values.append(_inline(operation, texts))
        return values[-1]


def _inline(operation: Operation, texts: list) -> str:
    if operation.kind == "lookup":
        return f"{texts[0]}.{operation.method}"
    if operation.kind == "call":
        arguments = [*texts[1:], *(f"{name}={value!r}" for name, value in operation.keywords)]
        return f"{texts[0]}({', '.join(arguments)})"
    return f"{texts[0]}.T" if operation.kind == "T" else f"({texts[0]} {_SYMBOLS[operation.kind]} {texts[1]})"


@dataclass(frozen=True)
class Constant:
    """A constant argument of a fused numpy call (``0`` in ``np.sum(x, 0)``), written into its fast path."""

    value: object


#: The names a fused call may reach as an attribute, of an array (``a.T.dot(b)``, ``dZ.sum(axis=0)``) or of numpy
#: (``np.dot(a, b)``): what they are is told from the object when the expression is learned.
ARRAY_METHODS = frozenset({"dot", "sum", "mean", "reshape", "transpose"})
#: The constants a fused call's fast path writes into its text (their repr is the same value again).
_WRITTEN = (int, bool, str, type(None))
#: tree id -> Expression, for the whole process (like site ids): code instrumented for one run serves the next.
EXPRESSIONS: dict = {}


def _kind(node) -> str | None:
    """``binop_add``, ``compare_lt``, ``T`` or ``call`` for a rewritten operation a fused expression may
    hold, else None. A call may when its options are constants (``axis=0``) and it has no ``*args``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith(PREFIX)):
        return None
    kind = node.func.id[len(PREFIX):]
    if kind == "call":
        fixed = all(k.arg is not None and isinstance(k.value, ast.Constant) and type(k.value.value) in _WRITTEN
                    for k in node.keywords)
        return kind if fixed and not any(isinstance(a, ast.Starred) for a in node.args) else None
    return kind if not node.keywords and (kind == "T" or kind.startswith(FUSABLE)) else None


class _Fuser(ast.NodeTransformer):
    """Replace each largest fusable expression of rewritten operator calls by one call of its fused function."""

    def visit_Call(self, node: ast.Call):
        if _kind(node) is None:
            return self.generic_visit(node)
        leaves, operations, callees = [], [], set()
        if not _collect(node, leaves, operations, callees) or len(operations) < MIN_OPERATIONS:
            return self.generic_visit(node)          # not as a whole: its operands may still be
        tree_id = operations[-1].site                # the last operation's site id: unique in the process
        EXPRESSIONS[tree_id] = Expression(tuple(operations), len(leaves), frozenset(callees))
        table = ast.Subscript(ast.Name(PREFIX + "trees", ast.Load()), ast.Constant(tree_id), ast.Load())
        call = ast.Call(func=table, args=[self.visit(leaf) for leaf in leaves], keywords=[])
        return ast.copy_location(call, node)


def _collect(node, leaves: list, operations: list, callees: set) -> bool:
    """Gather ``node``'s leaves (in evaluation order) and operations (in execution order); False when a
    leaf evaluated after an operation could show that it now runs first (see fused.py's docstring)."""
    kind = _kind(node)
    if kind is None:
        if operations and not _plain(node):
            return False
        leaves.append(node)
        return True
    operands = list(node.args[1:])
    method = operands[0].attr if kind == "call" and isinstance(operands[0], ast.Attribute) \
        and operands[0].attr in ARRAY_METHODS else ""
    if method:
        operands[0] = operands[0].value     # a.T.dot(b), np.dot(a, b): the array (or np) is an operand ...
    refs = []
    for i, operand in enumerate(operands):
        if kind == "call" and i > 0 and isinstance(operand, ast.Constant) and type(operand.value) in _WRITTEN:
            refs.append(Constant(operand.value))
            continue
        if not _collect(operand, leaves, operations, callees):
            return False
        refs.append(f"v{len(operations) - 1}" if _kind(operand) else f"l{len(leaves) - 1}")
        if kind == "call" and i == 0 and refs[0][0] == "l":
            callees.add(len(leaves) - 1)            # np (in np.sum), an array (in a.sum), or the function
        elif kind == "call" and i == 0 and not method:
            return False                            # a function made by an operation: not numpy's
        if method and i == 0:                       # ... and .dot is looked up before the arguments, as untraced
            operations.append(Operation("lookup", node.args[0].value, (refs[0],), method=method))
            refs[0] = f"v{len(operations) - 1}"
    keywords = tuple((k.arg, k.value.value) for k in node.keywords)
    operations.append(Operation(kind, node.args[0].value, tuple(refs), keywords))
    return True


def _plain(node) -> bool:
    """A leaf whose evaluation has no effect the learner could see moved earlier (a name, ``self.W``,
    ``params["W1"]``, ``a[:, 0]``, a constant, ``1 - A1``)."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _plain(node.value)
    if isinstance(node, ast.Subscript):
        return _plain(node.value) and _plain(node.slice)
    if isinstance(node, ast.Slice):
        return all(part is None or _plain(part) for part in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Tuple):
        return all(_plain(element) for element in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _plain(node.operand)
    if isinstance(node, ast.BinOp):
        return (is_number_literal(node.left) or is_number_literal(node.right)) \
            and _plain(node.left) and _plain(node.right)
    return False
