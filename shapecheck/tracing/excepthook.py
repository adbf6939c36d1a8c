"""``shapecheck.explain_errors()``: explain numpy shape errors raised in code that was not traced.

Nothing runs until an exception reaches the top level. Then, for a numpy shape error (a broadcast, a
matrix product, an in-place update, ``a.dot(b)``, a ragged ``np.array``, a join, a reshape, an einsum),
the hook finds the learner's innermost frame, re-reads the failing statement, evaluates the operands of
each array operation in it (only side-effect-free expressions: names, attributes, subscripts, lists,
constants, arithmetic and ``.T``), finds the operation whose shapes do not fit, and adds the same
explanation the tracer gives.
"""

from __future__ import annotations

import ast
import linecache
import os
import sys

import numpy as np

from shapecheck.tracing import calls, in_shapecheck
from shapecheck.tracing.calls import shape_of
from shapecheck.tracing.explain import build_explanation, parse_source
from shapecheck.tracing.fix_check import Context
from shapecheck.tracing.rewrite import BINARY_OPERATORS, RECORDED_CALLS, Site, SiteRegistry
from shapecheck.tracing.shapes.core import Conflict
from shapecheck.tracing.shapes.rules import predict

_NUMPY_DIR = os.path.dirname(os.path.abspath(__import__("numpy").__file__))


def explain_errors() -> None:
    """Install the hook (idempotent). IPython's own exception display is hooked too when it runs."""
    if getattr(sys.excepthook, "_shapecheck", False):
        return
    previous = sys.excepthook

    def hook(kind, value, tb):
        _annotate(value, tb)
        previous(kind, value, tb)

    hook._shapecheck = True
    sys.excepthook = hook
    _hook_ipython()


def explain_exception(exc: BaseException) -> str:
    """The explanation for ``exc`` (a numpy shape error), or '' when there is none to give."""
    frame, line = learner_frame(exc.__traceback__, past_installed=True)
    if frame is None:
        return ""
    source = "".join(linecache.getlines(frame.f_code.co_filename, frame.f_globals))
    statement = _statement_at(source, line)
    if statement is None:
        return ""
    for node, op, operands, receiver in _operations(statement):
        failing = _failing(node, op, operands, frame)
        if failing is None:
            continue
        name, shapes, details = failing
        registry = SiteRegistry(sources={frame.f_code.co_filename: source})
        texts = tuple(_text(source, o) for o in operands)
        site = registry.add(Site(frame.f_code.co_filename, node.lineno, node.col_offset, op, _text(source, node),
                                 texts, _text(source, receiver) if receiver is not None else ""))
        values = _operand_values(node, op, operands, frame)
        context = Context(source, registry.sites[site], values, frame) if values is not None else None
        explanation = build_explanation(registry, site, name, shapes, exc, details=details, context=context)
        if explanation is not None:
            return explanation.text
    return ""


def _operand_values(node, op, operands, frame) -> tuple | None:
    """The failing operation's operands as the frame holds them (for checking fixes on them), or None when
    one of them cannot be read without side effects."""
    if op == "call":
        function = _value_of(node.func, frame)
        args = [_value_of(a, frame) for a in node.args]
        name, owner = _watched(node, function, args)
        if name is None or any(a is _UNKNOWN for a in args):
            return None
        values = tuple(calls.operands(name, owner, args))
    else:
        values = tuple(_value_of(o, frame) for o in operands)
    return None if any(v is _UNKNOWN for v in values) or len(values) != 2 else values


def _failing(node, op, operands, frame):
    """(op name, operand shapes, call details) when this operation cannot work with the values the frame
    holds; None when it can or when its operands cannot be evaluated without side effects."""
    if op != "call":
        shapes = tuple(_shape_of(o, frame) for o in operands)
        if any(s is None for s in shapes):
            return None
        symbol = op[:-1] if op.endswith("=") else op
        outcome = predict(symbol, shapes)
        if isinstance(outcome, Conflict) or (op.endswith("=") and op != "@=" and outcome != shapes[0]):
            return op, shapes, {}
        return None
    function = _value_of(node.func, frame)
    args = [_value_of(a, frame) for a in node.args]
    name, owner = _watched(node, function, args)
    if name is None or any(a is _UNKNOWN for a in args):
        return None
    kwargs = {k.arg: _value_of(k.value, frame) for k in node.keywords if k.arg}
    details = calls.details(name, owner, args, kwargs)
    shapes = tuple(shape_of(o) for o in calls.operands(name, owner, args))
    if name in calls.EXPLAIN_ONLY:
        elements = details.get("elements") or []
        return (name, shapes, details) if len(set(elements)) > 1 or None in elements else None
    if any(s is None for s in shapes):
        return None
    options = {key: details[key] for key in _OPTIONS.get(name, ()) if key in details}
    try:
        outcome = predict(name, shapes, **options)
    except (ValueError, TypeError):
        return None
    return (name, shapes, details) if isinstance(outcome, Conflict) else None


def _watched(node, function, args) -> tuple:
    """(report name, owner) of a watched numpy call: numpy's own function or method, or the wrapper a package
    installed in its place, called by numpy's name (``np.dot(a, b)``: see ``calls.replaced``)."""
    if function is _UNKNOWN:
        return None, None
    name, owner = calls.interesting(function)
    if name is None and owner is None and not any(a is _UNKNOWN for a in args):
        func = node.func
        callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        name = calls.replaced(function, callee, args)
    return name, owner


_OPTIONS = {"concatenate": ("axis",), "stack": ("axis",), "reshape": ("newshape",), "einsum": ("subscripts",)}


def _text(source, node) -> str:
    return ast.get_source_segment(source, node) or ast.unparse(node)


def _annotate(exc, tb) -> None:
    if not isinstance(exc, ValueError) or getattr(exc, "_shapecheck_explained", False):
        return       # every numpy shape error is a ValueError; one the tracer saw is explained in its report
    text = explain_exception(exc)
    if text and hasattr(exc, "add_note") and text not in getattr(exc, "__notes__", ()):
        exc.add_note(text)
    elif text:
        print(text, file=sys.stderr)


def _hook_ipython() -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return

    def handler(shell, kind, value, tb, tb_offset=None):
        _annotate(value, tb)
        shell.showtraceback((kind, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((ValueError,), handler)


def learner_frame(tb, *, past_installed: bool = False):
    """The innermost frame outside numpy and shapecheck (its files and its generated operators), with its
    current line. ``past_installed``: outside installed packages too (a site-packages folder), when there is
    one: the learner's ``np.dot(dvalues, W)`` rather than the line of the wrapper a package installed as np.dot."""
    found = own = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not in_shapecheck(name) and not os.path.abspath(name).startswith(_NUMPY_DIR + os.sep):
            found = (tb.tb_frame, tb.tb_lineno)
            if not _installed(name):
                own = found
        tb = tb.tb_next
    return own if past_installed and own[0] is not None else found


def _installed(filename: str) -> bool:
    """A file of an installed package (what the tracer never instruments)."""
    return "site-packages" in filename or "dist-packages" in filename


def _statement_at(source: str, line: int):
    """The innermost simple statement covering ``line``."""
    tree = parse_source(source)
    if tree is None:
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.While,
                                     ast.If, ast.With, ast.Try)):
                if best is None or node.lineno >= best.lineno:
                    best = node
    return best


def _operations(statement):
    """Array operations in evaluation order (inner first): (node, op, operand nodes, receiver node).
    ``op`` is the operator (``+``, ``-=``) or ``call`` for a numpy call; the receiver is ``a`` in ``a.dot(b)``."""
    found = []
    for node in ast.walk(statement):
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
            found.append((node, BINARY_OPERATORS[type(node.op)][1], (node.left, node.right), None))
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINARY_OPERATORS:
            target = ast.copy_location(ast.parse(ast.unparse(node.target), mode="eval").body, node.target)
            target.end_lineno, target.end_col_offset = node.target.end_lineno, node.target.end_col_offset
            found.append((node, BINARY_OPERATORS[type(node.op)][1] + "=", (target, node.value), None))
        elif isinstance(node, ast.Call) and _called_name(node.func) in RECORDED_CALLS:
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            found.append((node, "call", tuple(node.args), receiver))
    found.sort(key=lambda item: _depth(item[0]))        # inner operations first, as they run
    return found


def _called_name(func) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _depth(node) -> int:
    return sum(1 for _ in ast.walk(node))


_SAFE = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Slice, ast.Tuple,
         ast.List, ast.Load, ast.operator, ast.unaryop, ast.expr_context)
_UNKNOWN = object()


def _value_of(node, frame):
    """A side-effect-free expression evaluated in the failing frame; _UNKNOWN when it is not one (calls are
    allowed only to numpy's own functions, which have no side effects: ``np.dot(W.T, dZ) * (1 - A**2)``)."""
    if not all(isinstance(n, _SAFE) or (isinstance(n, (ast.Call, ast.keyword)) and _numpy_call(n, frame))
               for n in ast.walk(node)):
        return _UNKNOWN
    try:
        return eval(compile(ast.Expression(node), "<shapecheck operand>", "eval"), frame.f_globals, frame.f_locals)
    except Exception:  # noqa: BLE001 - an operand we cannot evaluate is simply skipped
        return _UNKNOWN


def _numpy_call(node, frame) -> bool:
    """A call of one of numpy's functions (``np.dot``, ``np.tanh``), not of the learner's code."""
    if isinstance(node, ast.keyword):
        return True
    func = node.func
    if not isinstance(func, ast.Attribute) or not all(isinstance(n, (ast.Name, ast.Attribute, ast.Load))
                                                       for n in ast.walk(func)):
        return False
    try:
        function = eval(compile(ast.Expression(func), "<shapecheck callee>", "eval"), frame.f_globals, frame.f_locals)
    except Exception:  # noqa: BLE001
        return False
    return (getattr(function, "__module__", "") or "").startswith("numpy") or isinstance(function, np.ufunc)


def _shape_of(node, frame):
    """The shape of a side-effect-free operand, evaluated in the failing frame; None otherwise."""
    value = _value_of(node, frame)
    return None if value is _UNKNOWN else shape_of(value)
