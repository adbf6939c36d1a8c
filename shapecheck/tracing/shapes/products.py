"""Matrix products: matmul (``@``), dot, inner, outer and tensordot.

Each sums over axes of the left operand paired with axes of the right one (outer flattens both and sums
over none). Sizes summed over must be equal; when they are not, the :class:`Conflict` (kind
``"matmul"``) carries the two sizes. matmul's stacked matrices (the axes before the last two) broadcast.
"""

from __future__ import annotations

import math

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes.broadcasting import broadcast_axes, broadcast_conflict
from shapecheck.tracing.shapes.core import Conflict, Shape, as_int, int_list, plural


def predict_matmul(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``a @ b``: ``(..., n, k) @ (..., k, m) -> (..., n, m)``; 1-d operands become a row / a column."""
    left, right = shapes
    if not left or not right:
        side = "left" if not left else "right"
        return Conflict("matmul", f"matmul needs arrays with at least 1 axis, but the {side} operand is 0-d "
                                  f"(a scalar); use * to multiply by a scalar", ())
    a = (1,) + left if len(left) == 1 else left
    b = right + (1,) if len(right) == 1 else right
    if a[-1] != b[-2]:
        return _inner_conflict(left, right)
    batch, conflicts = broadcast_axes((a[:-2], b[:-2]))
    if conflicts:  # axes counted from the right of the whole shapes, past the two matrix axes
        shifted = [(axis - 2, sizes) for axis, sizes in conflicts]
        return broadcast_conflict(shifted, prefix="the stacked (batch) axes do not broadcast: ")
    rows = (a[-2],) if len(left) > 1 else ()
    columns = (b[-1],) if len(right) > 1 else ()
    return batch + rows + columns


def _inner_conflict(left: Shape, right: Shape) -> Conflict:
    """The contraction sizes of ``left @ right`` (or dot) differ."""
    left_k = left[-1]
    right_k = right[0] if len(right) == 1 else right[-2]
    left_part = (f"the left operand is a vector of length {left_k}" if len(left) == 1
                 else f"the left operand has {plural(left_k, 'column')}")
    right_part = (f"the right one is a vector of length {right_k}" if len(right) == 1
                  else f"the right one {plural(right_k, 'row')}")
    return Conflict("matmul", f"the inner dimensions differ: {left_part}, {right_part}", (left_k, right_k))


def predict_dot(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.dot(a, b)``: sums over the last axis of ``a`` and the second-to-last of ``b`` (its only one if 1-d)."""
    a, b = shapes
    if not a or not b:
        return b if not a else a
    if len(a) == 1 and len(b) == 1:
        if a[0] != b[0]:
            return Conflict("matmul", f"the vectors differ in length: {a[0]} vs {b[0]}", (a[0], b[0]))
        return ()
    b_k = b[0] if len(b) == 1 else b[-2]
    if a[-1] != b_k:
        return _inner_conflict(a, b)
    return a[:-1] + (b[:-2] + b[-1:] if len(b) > 1 else ())


def predict_inner(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.inner(a, b)``: sums over the last axes of both: ``a[:-1] + b[:-1]``."""
    a, b = shapes
    if not a or not b:
        return b if not a else a
    if a[-1] != b[-1]:
        return Conflict("matmul", f"the last axes differ: the left operand has {a[-1]} entries on it, "
                                  f"the right one {b[-1]}", (a[-1], b[-1]))
    return a[:-1] + b[:-1]


def predict_outer(shapes: tuple[Shape, ...]) -> Shape:
    """``np.outer(a, b)``: both are flattened, so ``(a.size, b.size)``."""
    a, b = shapes
    return (math.prod(a), math.prod(b))


def predict_tensordot(shapes: tuple[Shape, ...], axes=2) -> Shape | Conflict:
    """``np.tensordot(a, b, axes)``: sums over ``axes_a`` of ``a`` paired with ``axes_b`` of ``b``.

    An int ``n`` means the last ``n`` axes of ``a`` with the first ``n`` of ``b``; the result keeps
    the other axes of ``a`` then those of ``b``.
    """
    a, b = shapes
    pairs = _tensordot_axes(axes)
    if isinstance(pairs, Conflict):
        return pairs
    axes_a, axes_b = pairs
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        return Conflict("axis", f"tensordot axes must not repeat, got {axes_a} and {axes_b}", ())
    if len(axes_a) != len(axes_b):
        return Conflict("axis", f"tensordot needs as many axes of a as of b, got {axes_a} and {axes_b}", ())
    for axis_a, axis_b in zip(axes_a, axes_b):
        for axis, shape, name in ((axis_a, a, "a"), (axis_b, b, "b")):
            if not -len(shape) <= axis < len(shape):
                return Conflict("axis", f"axis {axis} is out of range for {name} of shape {format_shape(shape)}", ())
        if a[axis_a] != b[axis_b]:
            return Conflict("matmul", f"the summed axes differ: axis {axis_a} of a has size {a[axis_a]}, "
                                      f"axis {axis_b} of b has size {b[axis_b]}", (a[axis_a], b[axis_b]))
    summed_a = {axis % len(a) for axis in axes_a}
    summed_b = {axis % len(b) for axis in axes_b}
    if len(summed_a) != len(axes_a) or len(summed_b) != len(axes_b):
        return Conflict("axis", f"tensordot axes {axes_a} and {axes_b} name the same axis twice", ())
    kept_a = tuple(size for axis, size in enumerate(a) if axis not in summed_a)
    kept_b = tuple(size for axis, size in enumerate(b) if axis not in summed_b)
    return kept_a + kept_b


def _tensordot_axes(axes) -> tuple[list[int], list[int]] | Conflict:
    """The two axis lists numpy makes of tensordot's ``axes`` argument."""
    count = as_int(axes)
    if count is not None:
        return list(range(-count, 0)), list(range(count))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        return Conflict("axis", f"tensordot axes must be an int or a pair of axis sequences, got {axes!r}", ())
    lists = [int_list(side) for side in (axes_a, axes_b)]
    if None in lists:
        return Conflict("axis", f"tensordot axes must be ints, got {axes!r}", ())
    return lists[0], lists[1]
