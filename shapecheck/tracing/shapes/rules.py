"""``predict``: the shape numpy gives an op, or why it refuses, from the table of rules.

The table gives each op its predictor (from :mod:`.broadcasting`, :mod:`.products`, :mod:`.einsum` or
:mod:`.axes`), its number of operands and the options it takes; :func:`predict` checks the caller's
arguments against it, then asks the predictor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from shapecheck.tracing.shapes.axes import (
    predict_concatenate,
    predict_hstack,
    predict_reshape,
    predict_stack,
    predict_T,
    predict_transpose,
    predict_vstack,
    reduction,
)
from shapecheck.tracing.shapes.broadcasting import predict_broadcast
from shapecheck.tracing.shapes.core import Conflict, Shape, as_shape
from shapecheck.tracing.shapes.einsum import predict_einsum
from shapecheck.tracing.shapes.products import (
    predict_dot,
    predict_inner,
    predict_matmul,
    predict_outer,
    predict_tensordot,
)

BROADCAST_OPERATORS = ("+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^")
MATMUL_OPS = ("@", "matmul", "dot")
REDUCTIONS = ("sum", "mean", "max", "min", "prod")


@dataclass(frozen=True)
class _Rule:
    """How to predict one op: ``handler(shapes, **options)``; ``arity`` None means any number of shapes."""

    handler: Callable
    arity: int | None
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


def predict(op: str, shapes: tuple, **options) -> tuple | Conflict | None:
    """The shape numpy gives ``op`` applied to arrays of ``shapes``, or a :class:`Conflict` if numpy raises.

    ``shapes`` is a sequence of shape tuples, one per operand: ``predict("@", ((5, 2), (2, 3)))`` is
    ``(5, 3)``. Reductions, reshape and transpose take exactly one shape, the matrix products two,
    broadcasting and joining ops any number. Options: ``axis=``/``keepdims=`` (reductions),
    ``axis=`` (concatenate, stack), ``newshape=`` (reshape; ``shape=`` also accepted), ``axes=``
    (transpose, tensordot), ``subscripts=`` (einsum). Returns None only for an einsum form this
    module does not understand (a non-string subscripts argument).

    Raises ValueError for an unknown op, a malformed shape, the wrong number of shapes or an unknown
    option: those are mistakes of the caller, not of the traced program.
    """
    rule = RULES.get(op)
    if rule is None:
        raise ValueError(f"unknown op {op!r}; known ops: {', '.join(RULES)}")
    shapes = _as_shapes(shapes)
    if rule.arity is not None and len(shapes) != rule.arity:
        raise ValueError(f"{op!r} takes {rule.arity} shape(s), got {len(shapes)}: {shapes}")
    unknown = sorted(set(options) - set(rule.options))
    if unknown:
        allowed = ", ".join(rule.options) or "none"
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for {op!r}; allowed: {allowed}")
    missing = [name for name in rule.required if name not in options]
    if missing:
        raise ValueError(f"{op!r} needs the option {missing[0]}=")
    return rule.handler(shapes, **options)


def _as_shapes(shapes) -> tuple[Shape, ...]:
    if isinstance(shapes, (str, bytes)) or not isinstance(shapes, Iterable):
        raise ValueError(f"shapes must be a sequence of shape tuples, got {shapes!r}")
    return tuple(as_shape(shape) for shape in shapes)


def _build_rules() -> dict[str, _Rule]:
    rules = {op: _Rule(predict_broadcast, None) for op in BROADCAST_OPERATORS + ("broadcast",)}
    rules.update({
        "@": _Rule(predict_matmul, 2), "matmul": _Rule(predict_matmul, 2), "dot": _Rule(predict_dot, 2),
        "outer": _Rule(predict_outer, 2), "inner": _Rule(predict_inner, 2),
        "tensordot": _Rule(predict_tensordot, 2, ("axes",)),
        "einsum": _Rule(predict_einsum, None, ("subscripts",), ("subscripts",)),
        "concatenate": _Rule(predict_concatenate, None, ("axis",)), "stack": _Rule(predict_stack, None, ("axis",)),
        "hstack": _Rule(predict_hstack, None), "vstack": _Rule(predict_vstack, None),
        "reshape": _Rule(predict_reshape, 1, ("newshape", "shape")),
        "transpose": _Rule(predict_transpose, 1, ("axes",)), "T": _Rule(predict_T, 1),
    })
    rules.update({name: _Rule(reduction(name), 1, ("axis", "keepdims")) for name in REDUCTIONS})
    return rules


RULES = _build_rules()
