"""Fixes at the line that made an operand: a sum or mean over the wrong axis, or without keepdims.

``db2 = np.sum(dscores, axis=1)`` then ``b2 - lr * db2`` fails: no rewrite of the failing line is right, the
sum is. When an operand of the failing operation was assigned, in the same function, from ``np.sum``,
``np.mean``, ``.sum`` or ``.mean`` over an axis of an array the frame still holds, each other way of
reducing it (another axis, keepdims) becomes a candidate: its value is computed on the live array and put in
the failing operation, and the result is followed like any fix (:mod:`fix_check`).

A normalisation (``expZ / np.sum(expZ, axis=...)``) must not sum over the samples: when the run's forward
pass shows which axis holds them, a reduction over that axis is rejected, and so is every rewrite of the
failing line that keeps the operand's values (a reshape of a sum over the samples is still one).
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from shapecheck.tracing import origins
from shapecheck.tracing.fix_check import LEFT, RIGHT, Candidate
from shapecheck.tracing.origins import parse_source
from shapecheck.tracing.origins import dotted_name
from shapecheck.tracing.safe_eval import safe_eval_text

_REDUCTIONS = ("sum", "mean")


@dataclass(frozen=True)
class Reduction:
    """``target = np.sum(array, axis=axis)`` at ``line``: the operand ``target`` and how it was made."""

    target: str
    line: int
    function: str            # "sum" or "mean"
    array: str               # the reduced array's source text
    axis: int | None
    keepdims: bool
    statement: str           # the assignment's source text
    indexed: int             # which operand of the failing operation holds it (0 or 1)
    operand: str             # that operand's text (``learning_rate * db2``, or ``db2`` itself)


def reduction_of(source: str, line: int, operands) -> Reduction | None:
    """The reduction that made one of the failing operation's operands, found in the same function."""
    tree = parse_source(source)
    if tree is None:
        return None
    for index, (operand, _) in enumerate(operands):
        for text in _names_in(operand):
            found = origins.find_origin(source, line, text)
            if found is None or found.elsewhere or found.element or found.line == line:
                continue
            statement = next((n for n in ast.walk(tree) if isinstance(n, ast.Assign) and n.lineno == found.line
                              and len(n.targets) == 1 and dotted_name(n.targets[0]) == text), None)
            made = _reduction_call(statement.value if statement is not None else None)
            if made is not None:
                array, function, axis, keepdims = made
                return Reduction(text, found.line, function, array, axis, keepdims,
                                 ast.get_source_segment(source, statement) or ast.unparse(statement), index, operand)
    return None


def _names_in(operand: str) -> list[str]:
    """The names (``db2``, ``self.db2``) an operand's text reads, itself first when it is one."""
    node = _expr(operand)
    if node is None:
        return []
    found = [dotted_name(n) for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute))]
    return list(dict.fromkeys(name for name in found if name and name not in ("np", "numpy")))


def _expr(text: str):
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return None


def _reduction_call(call):
    """(array text, function, axis, keepdims) of ``np.sum(a, axis=1)``, ``a.sum(axis=1)``, ``np.mean(...)``."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or call.func.attr not in _REDUCTIONS:
        return None
    owner = dotted_name(call.func.value)
    args = list(call.args)
    if owner in ("np", "numpy"):
        if not args:
            return None
        array, args = args[0], args[1:]
    else:
        array = call.func.value
    options = {k.arg: k.value for k in call.keywords}
    axis_node = options.get("axis", args[0] if args else None)
    keepdims_node = options.get("keepdims")
    try:
        axis = ast.literal_eval(axis_node) if axis_node is not None else None
        keepdims = bool(ast.literal_eval(keepdims_node)) if keepdims_node is not None else False
    except ValueError:
        return None
    if axis is not None and not isinstance(axis, int):
        return None
    return ast.unparse(array), call.func.attr, axis, keepdims


def reduction_candidates(reduction: Reduction, op_template: str, frame_names: dict, context,
                         network=None) -> tuple[list[tuple[Candidate, str]], str]:
    """Other ways of making the operand, each as (candidate, why it is rejected or ''): the failing
    operation's template (``_sc_left / _sc_right``) with the operand replaced by the new reduction; and
    why every rewrite of the failing line that keeps the operand's values is wrong ('' when none is known):
    ``network`` (the run's forward pass) is given for a normalisation, to tell the samples' axis."""
    found, array = safe_eval_text(reduction.array, frame_names, context)
    if not found or getattr(array, "ndim", 0) < 2:
        return [], ""
    samples_axis = samples_axis_of(array.shape, network)
    placeholder = LEFT if reduction.indexed == 0 else RIGHT
    template = op_template.replace(placeholder, "_sc_reduced")
    operand = _expr(reduction.operand)
    out = []
    for axis in range(array.ndim):
        for keepdims in (False, True):
            if (axis, keepdims) == (_positive(reduction.axis, array.ndim), reduction.keepdims):
                continue
            call = f"np.{reduction.function}({reduction.array}, axis={axis}{', keepdims=True' if keepdims else ''})"
            text = f"{reduction.target} = {call}"
            why = ""
            if samples_axis is not None and axis == samples_axis:
                why = _over_the_samples(reduction, samples_axis, array.shape)
            made = _substituted(operand, reduction.target, call)
            if made is None:
                continue
            out.append((Candidate(text, template, (("_sc_reduced", made),), at_line=reduction.line,
                                  replaces=reduction.statement), why))
    kept = ""
    if samples_axis is not None and _positive(reduction.axis, array.ndim) == samples_axis:
        kept = (_over_the_samples(reduction, samples_axis, array.shape) + f", and `{reduction.target}` keeps that sum "
                f"whatever it is reshaped to: fix line {reduction.line}")
    return out, kept


def _substituted(operand, name: str, call: str) -> str | None:
    """The operand's text with the reduced name replaced by the new reduction."""
    if operand is None:
        return None

    class Swap(ast.NodeTransformer):
        def visit_Name(self, node):
            return _expr(call) if node.id == name else node

        def visit_Attribute(self, node):
            return _expr(call) if dotted_name(node) == name else self.generic_visit(node)

    return ast.unparse(Swap().visit(copy.deepcopy(operand)))


def _positive(axis, ndim):
    return axis % ndim if axis is not None else None


def _over_the_samples(reduction: Reduction, samples_axis: int, shape) -> str:
    return (f"`{reduction.array}` {tuple(shape)} holds this run's samples on axis {samples_axis}: a normalisation "
            f"sums over the classes, not over the samples")


def normalises(reduction: Reduction, operands, op: str) -> bool:
    """``expZ / denom`` with ``denom = np.sum(expZ, ...)``: the array divided (or shifted) by its own
    reduction."""
    other = operands[1 - reduction.indexed][0]
    return op in ("/", "-") and other.strip() == reduction.array.strip()


def samples_axis_of(array_shape, network) -> int | None:
    """The axis of a 2-d array that holds the run's samples, when the forward pass told their number and
    only one axis has it."""
    if network is None or len(array_shape) != 2:
        return None
    axes = [i for i, size in enumerate(array_shape) if size == network.samples]
    return axes[0] if len(axes) == 1 else None
