"""Fix suggestions: rewrites of a failing binary operation that numpy accepts, written as a learner would.

For a matrix product the candidates transpose or swap the operands; for a broadcasting operator they make
a 1-d operand a column or a row, transpose a matrix or flatten a column or row. Each candidate is checked
with :func:`~shapecheck.tracing.shapes.rules.predict` and ranked; the expression is written with Python's
operator precedence, in parentheses only where they are needed.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes.broadcasting import stretched
from shapecheck.tracing.shapes.core import Conflict, Shape, as_shape
from shapecheck.tracing.shapes.rules import BROADCAST_OPERATORS, MATMUL_OPS, RULES, predict


@dataclass(frozen=True)
class Fix:
    """A rewrite numpy accepts: ``text`` is the expression (``"dZ2 @ W2.T"``), ``result`` its shape;
    ``template`` the same rewrite of the operands ``_sc_left`` and ``_sc_right`` (to evaluate it on live
    values); ``outer`` whether it is itself an outer product."""

    text: str
    result: tuple
    template: str = field(default="", compare=False)
    outer: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.text}  ->  {format_shape(self.result)}"


Operand = tuple[str, Shape]

#: Python's operator precedence, higher binds tighter (only the levels that matter for rendering).
_PRECEDENCE = {"|": 7, "^": 8, "&": 9, "<<": 10, ">>": 10, "+": 11, "-": 11,
               "*": 12, "@": 12, "/": 12, "//": 12, "%": 12, "**": 14}
_COMPARISON = 6
_UNARY, _ATOM = 13, 16
_AST_OPERATORS = {ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
                  ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/",
                  ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


def suggest_fixes(op: str, left: tuple[str, tuple], right: tuple[str, tuple]) -> list[Fix]:
    """Rewrites of ``left <op> right`` that numpy accepts, best first, at most four.

    ``left`` and ``right`` are ``(source text, shape)``. For ``@``/``matmul``/``dot`` the candidates
    are ``L.T @ R``, ``L @ R.T``, ``R @ L`` and ``L.T @ R.T``; for broadcasting operators a 1-d
    operand reshaped to a column or a row, a 2-d operand transposed, and a column or row flattened.
    Fixes whose result has the shape of one of the operands come first. A fix that is itself an
    outer product (both operands stretched on one axis, or a matrix product over an axis of size 1)
    is offered only when nothing else works. ``matmul`` and ``dot`` render as ``np.matmul(L, R)`` and
    ``np.dot(L, R)``; other ops as ``L <op> R``. Ops that are neither give ``[]``.
    """
    found = candidate_fixes(op, left, right, every=False)
    return [fix for fix in found if not fix.outer][:4] or found[:4]


def candidate_fixes(op: str, left: tuple[str, tuple], right: tuple[str, tuple], *, every: bool = True) -> list[Fix]:
    """Every rewrite of ``left <op> right`` that numpy accepts, ranked as :func:`suggest_fixes` ranks them
    (outer products last), each with its ``template`` for evaluating it on the live operands. ``every``
    adds the swapped products with one factor transposed (``R @ L.T``, ``R.T @ L``), which only a check on
    the run can choose between when a factor is square."""
    if op not in RULES:
        raise ValueError(f"unknown op {op!r}; known ops: {', '.join(RULES)}")
    left, right = (str(left[0]), as_shape(left[1])), (str(right[0]), as_shape(right[1]))
    if op in MATMUL_OPS:
        make = _every_matmul_candidate if every else _matmul_candidates
    elif op in BROADCAST_OPERATORS:
        make = _broadcast_candidates
    else:
        return []
    placeholders = ((PLACEHOLDERS[0], left[1]), (PLACEHOLDERS[1], right[1]))
    pairs = zip(make(left, right), make(*placeholders))
    return _ranked(op, pairs, (left[1], right[1]))


#: The names a fix's template gives the failing operation's left and right operands.
PLACEHOLDERS = ("_sc_left", "_sc_right")


def _ranked(op: str, pairs, original: tuple[Shape, Shape]) -> list[Fix]:
    """The accepted candidates, ranked: no outer product, then result shaped like an operand, then order."""
    ranked = {}
    for order, ((left, right), (template_left, template_right)) in enumerate(pairs):
        result = predict(op, (left[1], right[1]))
        text = _render(op, left[0], right[0])
        if isinstance(result, Conflict) or text in ranked:
            continue
        outer = _is_outer_product(op, left[1], right[1], result)
        fix = Fix(text, result, _render(op, template_left[0], template_right[0]), outer)
        ranked[text] = ((outer, result not in original, order), fix)
    return [fix for _, fix in sorted(ranked.values(), key=lambda item: item[0])]


def _matmul_candidates(left: Operand, right: Operand) -> Iterator[tuple[Operand, Operand]]:
    left_t, right_t = _matrix_transposed(left), _matrix_transposed(right)
    if left_t:
        yield left_t, right
    if right_t:
        yield left, right_t
    yield right, left
    if left_t and right_t:
        yield left_t, right_t


def _every_matmul_candidate(left: Operand, right: Operand) -> Iterator[tuple[Operand, Operand]]:
    yield from _matmul_candidates(left, right)
    left_t, right_t = _matrix_transposed(left), _matrix_transposed(right)
    if left_t:
        yield right, left_t
    if right_t:
        yield right_t, left


def _broadcast_candidates(left: Operand, right: Operand) -> Iterator[tuple[Operand, Operand]]:
    for rewrite in (_as_column, _as_row, _transposed_2d, _flattened):
        for new_left, new_right in ((rewrite(left), right), (left, rewrite(right))):
            if new_left is not None and new_right is not None:
                yield new_left, new_right


def _matrix_transposed(operand: Operand) -> Operand | None:
    """``x.T`` for a 2-d operand, ``x.swapaxes(-1, -2)`` for a stack of matrices; None for fewer axes."""
    text, shape = operand
    if len(shape) < 2:
        return None
    suffix = ".T" if len(shape) == 2 else ".swapaxes(-1, -2)"
    return _postfix(text, suffix), shape[:-2] + (shape[-1], shape[-2])


def _transposed_2d(operand: Operand) -> Operand | None:
    return _matrix_transposed(operand) if len(operand[1]) == 2 else None


def _as_column(operand: Operand) -> Operand | None:
    text, shape = operand
    return (_postfix(text, ".reshape(-1, 1)"), shape + (1,)) if len(shape) == 1 else None


def _as_row(operand: Operand) -> Operand | None:
    text, shape = operand
    return (_postfix(text, ".reshape(1, -1)"), (1,) + shape) if len(shape) == 1 else None


def _flattened(operand: Operand) -> Operand | None:
    """A column ``(n, 1)`` or row ``(1, n)`` made 1-d."""
    text, shape = operand
    if len(shape) == 2 and 1 in shape:
        return _postfix(text, ".reshape(-1)"), (math.prod(shape),)
    return None


def _is_outer_product(op: str, left: Shape, right: Shape, result: Shape) -> bool:
    """Whether the fix pairs every entry of one operand with every entry of the other: a broadcast
    that stretches both operands (``(7, 1) - (7,)``), or a matrix product over an axis of size 1 that
    gives more entries than either operand holds (``(5, 1) @ (1, 5)``)."""
    if op in MATMUL_OPS:
        if not left or not right:
            return False
        return left[-1] == 1 and math.prod(result) > max(math.prod(left), math.prod(right))
    return stretched(left, result) and stretched(right, result)


# --- writing the expression ----------------------------------------------------------------------------

def _render(op: str, left: str, right: str) -> str:
    if op in ("matmul", "dot"):
        return f"np.{op}({_wrapped(left, 1)}, {_wrapped(right, 1)})"
    level = _COMPARISON if op not in _PRECEDENCE else _PRECEDENCE[op]
    grouped_right = op == "**" or level == _COMPARISON  # a ** b ** c and a < b < c do not group leftwards
    left_text = _wrapped(left, level + grouped_right)
    right_text = _wrapped(right, level + (op != "**"))
    return f"{left_text} {op} {right_text}"


def _postfix(text: str, suffix: str) -> str:
    """``text`` followed by an attribute access, in parentheses unless it is already an atom; ``x.T``
    transposed again is ``x``, not ``x.T.T``."""
    if suffix == ".T" and text.endswith(".T") and _parses(text[:-2]) and _precedence(text[:-2]) >= _ATOM:
        return text[:-2]
    return _wrapped(text, _ATOM) + suffix


def _wrapped(text: str, level: int) -> str:
    """``text`` in parentheses when its precedence is below ``level``."""
    text = text.strip()
    return text if _precedence(text) >= level else f"({text})"


def _precedence(text: str) -> int:
    """How tightly the expression ``text`` binds (0 when it does not parse)."""
    if text.startswith("(") and text.endswith(")") and _parses(text[1:-1]):
        return _ATOM
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return 0
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE[_AST_OPERATORS[type(node.op)]]
    if isinstance(node, ast.UnaryOp):
        return 5 if isinstance(node.op, ast.Not) else _UNARY
    if isinstance(node, ast.Compare):
        return _COMPARISON
    if isinstance(node, ast.BoolOp):
        return 4 if isinstance(node.op, ast.And) else 3
    if isinstance(node, (ast.Tuple, ast.NamedExpr, ast.Lambda, ast.IfExp, ast.Starred, ast.Await)):
        return 0
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)):
        return _ATOM - 1  # 3.T would not parse
    return _ATOM


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True
