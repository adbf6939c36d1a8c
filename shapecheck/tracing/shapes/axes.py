"""The ops that remove, join or rearrange axes: reductions, concatenate/stack/hstack/vstack, reshape and
transpose; and which ``axis`` arguments numpy accepts.
"""

from __future__ import annotations

import math
from typing import Callable

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes.core import Conflict, Shape, as_int, int_list, plural


# --- reductions ---------------------------------------------------------------------------------------

def reduction(name: str) -> Callable:
    """The predictor of ``np.<name>(a, axis=..., keepdims=...)``."""

    def predict_reduction(shapes: tuple[Shape, ...], axis=None, keepdims=False) -> Shape | Conflict:
        (shape,) = shapes
        if not shape and name != "mean" and as_int(axis) in (0, -1):
            return ()  # a numpy quirk: ufunc reductions of a 0-d array accept a bare axis 0 or -1
        reduced = _reduced_axes(shape, axis)
        if isinstance(reduced, Conflict):
            return reduced
        if name in ("max", "min"):
            empty = [axis for axis in reduced if shape[axis] == 0]
            if empty:
                return Conflict("reduction", f"{name} over axis {empty[0]} of size 0: the {name} of nothing "
                                             f"has no value", ())
        if keepdims:
            return tuple(1 if axis in reduced else size for axis, size in enumerate(shape))
        return tuple(size for axis, size in enumerate(shape) if axis not in reduced)

    predict_reduction.__name__ = f"_predict_{name}"
    return predict_reduction


def _reduced_axes(shape: Shape, axis) -> set[int] | Conflict:
    """The non-negative axes ``axis`` (None, an int or a tuple of ints) refers to."""
    if axis is None:
        return set(range(len(shape)))
    if isinstance(axis, tuple):
        axes = [_normalised_axis(item, len(shape)) for item in axis]
    else:
        axes = [_normalised_axis(axis, len(shape))]
    for item in axes:
        if isinstance(item, Conflict):
            return item
    if len(set(axes)) != len(axes):
        return Conflict("axis", f"axis {axis} names the same axis twice", ())
    return set(axes)


def _normalised_axis(axis, ndim: int) -> int | Conflict:
    """``axis`` in ``range(ndim)`` (negative axes count from the end), or a Conflict."""
    index = as_int(axis)
    if index is None:
        return Conflict("axis", f"an axis must be an int (or a tuple of ints), got {axis!r}", ())
    if not -ndim <= index < ndim:
        axes = "1 axis" if ndim == 1 else f"{ndim} axes"
        return Conflict("axis", f"axis {index} is out of range for an array with {axes}", ())
    return index % ndim


# --- joining --------------------------------------------------------------------------------------------

def predict_concatenate(shapes: tuple[Shape, ...], axis=0) -> Shape | Conflict:
    """``np.concatenate(arrays, axis)``: sizes add up on ``axis``, all other axes must match."""
    if not shapes:
        return Conflict("concatenate", "concatenate needs at least one array", ())
    if axis is None:
        return (sum(math.prod(shape) for shape in shapes),)
    if any(not shape for shape in shapes):
        return Conflict("concatenate", "0-d arrays (scalars) cannot be concatenated; use np.stack or axis=None", ())
    ndims = {len(shape) for shape in shapes}
    if len(ndims) > 1:
        return Conflict("concatenate", "all arrays must have the same number of axes, got "
                        + ", ".join(map(format_shape, shapes)), ())
    index = _normalised_axis(axis, len(shapes[0]))
    if isinstance(index, Conflict):
        return index
    others = {shape[:index] + shape[index + 1:] for shape in shapes}
    if len(others) > 1:
        return Conflict("concatenate", f"every axis except axis {axis} must match, got "
                        + ", ".join(map(format_shape, shapes)), ())
    first = shapes[0]
    return first[:index] + (sum(shape[index] for shape in shapes),) + first[index + 1:]


def predict_stack(shapes: tuple[Shape, ...], axis=0) -> Shape | Conflict:
    """``np.stack(arrays, axis)``: equal shapes, joined along a new axis of size ``len(arrays)``."""
    if not shapes:
        return Conflict("concatenate", "stack needs at least one array", ())
    if len(set(shapes)) > 1:
        listed = ", ".join(map(format_shape, shapes))
        return Conflict("concatenate", f"stack needs arrays of one shape, got {listed}", ())
    index = _normalised_axis(axis, len(shapes[0]) + 1)
    if isinstance(index, Conflict):
        return index
    return shapes[0][:index] + (len(shapes),) + shapes[0][index:]


def predict_hstack(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.hstack``: 1-d arrays end to end, anything else along axis 1 (0-d arrays count as 1-d)."""
    shapes = tuple(shape or (1,) for shape in shapes)
    axis = 0 if shapes and len(shapes[0]) == 1 else 1
    return predict_concatenate(shapes, axis=axis)


def predict_vstack(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.vstack``: along axis 0, after 1-d arrays became rows ``(1, n)`` and 0-d ones ``(1, 1)``."""
    rows = tuple((1,) * (2 - len(shape)) + shape if len(shape) < 2 else shape for shape in shapes)
    return predict_concatenate(rows, axis=0)


# --- reshape and transpose ----------------------------------------------------------------------------

def predict_reshape(shapes: tuple[Shape, ...], newshape=None, shape=None) -> Shape | Conflict:
    """``a.reshape(newshape)``: same number of elements; one negative size (-1) is worked out."""
    (old,) = shapes
    wanted = newshape if newshape is not None else shape
    if wanted is None:
        raise ValueError("'reshape' needs the option newshape=")
    sizes = int_list(wanted)
    if sizes is None:
        return Conflict("reshape", f"the new shape must be ints, got {wanted!r}", ())
    unknown = [index for index, size in enumerate(sizes) if size < 0]
    if len(unknown) > 1:
        return Conflict("reshape", f"only one size may be -1, got {tuple(sizes)}", ())
    count = math.prod(old)
    known = math.prod(size for size in sizes if size >= 0)
    if unknown and known and count % known == 0:
        sizes[unknown[0]] = count // known
    elif unknown or known != count:
        return Conflict("reshape", f"cannot reshape {format_shape(old)} ({plural(count, 'element')}) "
                                   f"into {format_shape(tuple(sizes))}", ())
    return tuple(sizes)


def predict_transpose(shapes: tuple[Shape, ...], axes=None) -> Shape | Conflict:
    """``a.transpose(axes)``: the axes in the order given (reversed when None)."""
    (shape,) = shapes
    if axes is None:
        return shape[::-1]
    order = int_list(axes)
    if order is None or len(order) != len(shape):
        return Conflict("axis", f"transpose axes {axes!r} must name each of the {len(shape)} axes once", ())
    normalised = [_normalised_axis(axis, len(shape)) for axis in order]
    for axis in normalised:
        if isinstance(axis, Conflict):
            return axis
    if len(set(normalised)) != len(normalised):
        return Conflict("axis", f"transpose axes {axes!r} repeat an axis", ())
    return tuple(shape[axis] for axis in normalised)


def predict_T(shapes: tuple[Shape, ...]) -> Shape:
    """``a.T``: all axes reversed."""
    return shapes[0][::-1]
