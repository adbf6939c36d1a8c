"""Explaining a failed numpy call: a ragged ``np.array``, a join, a reshape, an einsum.

Each explainer gets the failing call's operands as ``(source text, shape)`` and its options (see
``calls.details``) and ``origin(text)``, which says where an operand got its shape, and returns
``(message, body lines, fixes)`` for :func:`explain.build_explanation`.
"""

from __future__ import annotations

import ast
import math

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes.core import Conflict
from shapecheck.tracing.shapes.rules import predict


def explain_call(kind: str, op: str, site, operands, details, *, origin) -> tuple[str, list[str], list[str]]:
    explainer = {"ragged": _ragged, "join": _join, "reshape": _reshape, "einsum": _einsum}[kind]
    message, rows, rule, fixes = explainer(op, site, operands, details)
    width = max([len(f"`{text}`") for text, _ in rows] or [0])
    body = [f"  {('`' + text + '`').ljust(width)}  {shape:<10} {origin(text) if note is None else note}"
            for (text, (shape, note)) in ((t, _split(s)) for t, s in rows)]
    return message, [*body, *rule], fixes


def _split(cell):
    """A row's cell: a shape (its origin is looked up), or (shape text, a note instead of the origin)."""
    if isinstance(cell, tuple) and len(cell) == 2 and isinstance(cell[0], str):
        return cell
    return (format_shape(cell) if cell is not None else "(no shape)"), None


# -- np.array of arrays with different shapes ------------------------------------------------------------

def _ragged(op, site, operands, details):
    """``np.array(activations)`` where the layers' activations have different shapes."""
    argument = site.operands[0] if site.operands else "the list"
    shapes = details.get("elements") or []
    texts = element_texts(argument, len(shapes))
    listed = ", ".join(f"{format_shape(s) if s is not None else '(ragged)'}" for s in shapes)
    message = (f"np.{op} cannot make one array of elements with different shapes: {listed} "
               "(numpy calls this an 'inhomogeneous shape')")
    rows = [(text, shape if shape is not None else ("(ragged)", "nested lists of different lengths"))
            for text, shape in zip(texts, shapes)]
    rule = ["  numpy can only stack elements of one shape into an array; the layers of a network have "
            "different sizes, so their weights, activations or deltas belong in a Python list"]
    if argument.isidentifier():
        keep = (f"keep `{argument}` a Python list: use it as it is instead of `np.{op}({argument})` "
                f"(`{argument}[-1]` and `{argument}[i]` index a list the same way)")
    else:
        keep = f"keep the elements in a Python list, `{argument}`, instead of `np.{op}(...)`"
    return message, rows, rule, [keep]


# -- concatenate, stack, hstack, vstack --------------------------------------------------------------------

def _join(op, site, operands, details):
    shapes = tuple(s for _, s in operands)
    options = {"axis": details.get("axis", 0)} if op in ("concatenate", "stack") else {}
    outcome = _safe_predict(op, shapes, **options)
    why = outcome.message if isinstance(outcome, Conflict) else "numpy could not join these shapes"
    message = f"np.{op} cannot join these arrays: {why}"
    texts = element_texts(site.operands[0], len(shapes)) if site.operands else [t for t, _ in operands]
    rows = list(zip(texts, shapes))
    fixes = []
    argument = site.operands[0] if site.operands else "..."
    for other in ("concatenate", "stack", "hstack", "vstack"):
        ndim = max((len(s) for s in shapes), default=0)
        for axis in (range(ndim + (other == "stack")) if other in ("concatenate", "stack") else (None,)):
            if other == op and axis in (None, options.get("axis", 0)):
                continue
            result = _safe_predict(other, shapes, **({} if axis is None else {"axis": axis}))
            if isinstance(result, tuple):
                call = f"np.{other}({argument}" + ("" if axis is None else f", axis={axis}") + ")"
                fixes.append(f"`{call}` gives {format_shape(result)}")
    if not fixes:
        fixes.append("no join of these arrays fits: one of them has the wrong shape (compare it with the others "
                     "above)")
    fixes = fixes[:3]
    if argument.isidentifier() and len(set(shapes)) > 1:
        fixes.append(f"if `{argument}` holds one array per layer (weights, activations, deltas of different "
                     f"sizes), keep it a Python list instead of joining it")
    return message, rows, [_join_rule(op, options.get("axis", 0))], fixes


def _join_rule(op, axis) -> str:
    if op == "stack":
        return "  the rule: np.stack puts arrays of one shape side by side along a new axis; every shape must be equal"
    if op == "vstack":
        return "  the rule: np.vstack joins along axis 0 (rows); every other size must match"
    if op == "hstack":
        return "  the rule: np.hstack joins along axis 1 (columns; axis 0 for 1-d arrays); every other size must match"
    return f"  the rule: np.concatenate joins along axis {axis}; every other axis must have the same size"


# -- reshape ------------------------------------------------------------------------------------------------

def _reshape(op, site, operands, details):
    (text, shape), = operands[:1]
    wanted = details.get("newshape")
    outcome = _safe_predict("reshape", (shape,), newshape=wanted) if wanted is not None else None
    why = outcome.message if isinstance(outcome, Conflict) else f"cannot reshape {format_shape(shape)} into {wanted!r}"
    message = f"reshape: {why}"
    count = math.prod(shape)
    rows = [(text, shape)]
    rule = [f"  the rule: a reshape keeps every number ({count} here), so the new sizes must multiply to the "
            "same count (one of them may be -1: whatever fits)"]
    fixes = []
    sizes = _int_sizes(wanted)
    if sizes:
        for index in range(len(sizes)):
            trial = sizes[:index] + [-1] + sizes[index + 1:]
            result = _safe_predict("reshape", (shape,), newshape=tuple(trial))
            if isinstance(result, tuple) and result != tuple(shape):
                fixes.append(f"`{text}.reshape({', '.join(map(str, trial))})` gives {format_shape(result)}")
    if not fixes:
        fixes.append(f"`{text}` has {count} numbers: did it come from the layer you meant (check its shape "
                     "against the network's shape plan)?")
    return message, rows, rule, fixes[:3]


def _int_sizes(wanted) -> list[int] | None:
    if isinstance(wanted, int):
        return [wanted]
    try:
        return [int(s) for s in wanted]
    except (TypeError, ValueError):
        return None


# -- einsum ---------------------------------------------------------------------------------------------------

def _einsum(op, site, operands, details):
    subscripts = details.get("subscripts")
    shapes = tuple(s for _, s in operands)
    outcome = _safe_predict("einsum", shapes, subscripts=subscripts) if subscripts else None
    why = outcome.message if isinstance(outcome, Conflict) else "the subscripts do not fit the operands"
    message = f"einsum {subscripts!r}: {why}"
    terms = subscripts.split("->")[0].split(",") if subscripts else []
    terms += ["?"] * (len(operands) - len(terms))
    rows = [(text, shape) for text, shape in operands]
    rule = [f"  subscripts per operand: {', '.join(f'`{t}` {term.strip()!r}' for (t, _), term in zip(operands, terms))}",
            "  the rule: each operand needs one letter per axis, and a letter used twice must name axes "
            "of the same size"]
    return message, rows, rule, []


# -- shared ----------------------------------------------------------------------------------------------------

def element_texts(argument: str, count: int) -> list[str]:
    """The source text of each element: the items of a list literal ``[a, b]``, else ``name[i]``."""
    try:
        node = ast.parse(argument.strip(), mode="eval").body
    except SyntaxError:
        node = None
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == count:
        return [ast.unparse(element) for element in node.elts]
    base = argument if argument.isidentifier() or argument.replace(".", "").isidentifier() else f"({argument})"
    return [f"{base}[{index}]" for index in range(count)]


def _safe_predict(op, shapes, **options):
    """``predict``, or None when the shape rules cannot judge (an option of an unknown form)."""
    try:
        return predict(op, shapes, **options)
    except (ValueError, TypeError):
        return None
