"""``shapecheck.explain_errors()``: explain numpy shape errors raised in code that was not traced.

Nothing runs until an exception reaches the top level. Then, for a numpy broadcasting or matmul error,
the hook finds the learner's innermost frame, re-reads the failing statement, evaluates the operands of
each array operation in it (only side-effect-free expressions: names, attributes, subscripts,
constants, arithmetic and ``.T``), finds the operation whose shapes do not fit, and adds the same
explanation the tracer gives.
"""

from __future__ import annotations

import ast
import linecache
import os
import sys

from shapecheck.tracing import PACKAGE_DIR
from shapecheck.tracing.explain import build_explanation, classify, parse_source
from shapecheck.tracing.rewrite import BINARY_OPERATORS, Site, SiteRegistry
from shapecheck.tracing.shapes import Conflict, predict

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
    frame, line = _learner_frame(exc.__traceback__)
    if frame is None:
        return ""
    source = "".join(linecache.getlines(frame.f_code.co_filename, frame.f_globals))
    statement = _statement_at(source, line)
    if statement is None:
        return ""
    for node, op, operands in _operations(statement):
        shapes = tuple(_shape_of(o, frame) for o in operands)
        if any(s is None for s in shapes):
            continue
        if isinstance(predict(op if op != "@=" else "@", shapes), Conflict):
            registry = SiteRegistry(sources={frame.f_code.co_filename: source})
            texts = tuple(ast.get_source_segment(source, o) or ast.unparse(o) for o in operands)
            site = registry.add(Site(frame.f_code.co_filename, node.lineno, node.col_offset, op,
                                     ast.get_source_segment(source, node) or "", texts))
            explanation = build_explanation(registry, site, op, shapes, exc)
            return explanation.text if explanation else ""
    return ""


def _annotate(exc, tb) -> None:
    if exc is None or classify("", exc) is None:
        return
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


def _learner_frame(tb):
    """The innermost frame outside numpy and shapecheck, with its current line."""
    found = (None, None)
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not filename.startswith((_NUMPY_DIR + os.sep, PACKAGE_DIR + os.sep)):
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


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
    """Array operations in evaluation order (inner first): (node, operator, operand nodes)."""
    found = []
    for node in ast.walk(statement):
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
            found.append((node, BINARY_OPERATORS[type(node.op)][1], (node.left, node.right)))
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINARY_OPERATORS:
            found.append((node, BINARY_OPERATORS[type(node.op)][1] + "=", (node.target, node.value)))
    found.sort(key=lambda item: _depth(item[0]))        # inner operations first, as they run
    return [(n, op if not op.endswith("=") else op[:-1], ops) for n, op, ops in found]


def _depth(node) -> int:
    return sum(1 for _ in ast.walk(node))


_SAFE = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Slice, ast.Tuple,
         ast.Load, ast.operator, ast.unaryop, ast.expr_context)


def _shape_of(node, frame):
    """The shape of a side-effect-free operand, evaluated in the failing frame; None otherwise."""
    if not all(isinstance(n, _SAFE) for n in ast.walk(node)):
        return None
    try:
        value = eval(compile(ast.Expression(node), "<shapecheck operand>", "eval"), frame.f_globals, frame.f_locals)
    except Exception:  # noqa: BLE001 - an operand we cannot evaluate is simply skipped
        return None
    shape = getattr(value, "shape", None)
    return tuple(int(s) for s in shape) if shape is not None else None
