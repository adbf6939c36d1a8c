"""Broadcasting, and its picture.

Line the shapes up on the right; on every axis the sizes must be equal or one of them 1 (a missing axis
counts as 1), and the result takes the size that is not 1. :func:`predict_broadcast` gives the result
or the :class:`Conflict` naming the axes that clash; :func:`stretched` tells whether an operand's data
was repeated; :func:`broadcast_diagram` draws the shapes right-aligned, one axis per column, with carets
under the conflicting axes.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes.core import Conflict, Shape, as_shape


def predict_broadcast(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """Right-aligned broadcasting of any number of shapes (what ``np.broadcast_shapes`` does)."""
    result, conflicts = broadcast_axes(shapes)
    return broadcast_conflict(conflicts) if conflicts else result


def broadcast_axes(shapes: tuple[Shape, ...]) -> tuple[Shape, list[tuple[int, list[int]]]]:
    """The broadcast shape, and the conflicting ``(axis, sizes)`` pairs from left to right."""
    ndim = max((len(shape) for shape in shapes), default=0)
    result, conflicts = [], []
    for axis in range(-ndim, 0):
        sizes = _distinct_non_one(_sizes_on_axis(shapes, axis))
        if len(sizes) > 1:
            conflicts.append((axis, sizes))
        result.append(sizes[0] if sizes else 1)
    return tuple(result), conflicts


def broadcast_conflict(conflicts: list[tuple[int, list[int]]], prefix: str = "") -> Conflict:
    """The Conflict for ``(axis, sizes)`` pairs listed left to right; its axes run innermost first."""
    axes = tuple(axis for axis, _ in reversed(conflicts))
    return Conflict("broadcast", prefix + _broadcast_message(conflicts), axes)


def _sizes_on_axis(shapes: Iterable[Shape], axis: int) -> list[int]:
    """The sizes the shapes have on the negative ``axis`` (shapes too short for it have none)."""
    return [shape[axis] for shape in shapes if len(shape) >= -axis]


def _distinct_non_one(sizes: Iterable[int]) -> list[int]:
    """The sizes other than 1, each once, in order of appearance."""
    return list(dict.fromkeys(size for size in sizes if size != 1))


def _broadcast_message(conflicts: list[tuple[int, list[int]]]) -> str:
    """``axis -1: 3 vs 4, and neither is 1`` (conflicts listed left to right)."""
    versus = [" vs ".join(map(str, sizes)) for _, sizes in conflicts]
    nobody = "neither" if all(len(sizes) == 2 for _, sizes in conflicts) else "none"
    if len(conflicts) == 1:
        return f"axis {conflicts[0][0]}: {versus[0]}, and {nobody} is 1"
    axes = _join_words([str(axis) for axis, _ in conflicts])
    return f"axes {axes}: {_join_words(versus)}, and on each axis {nobody} is 1"


def _join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def stretched(shape: tuple, result: tuple) -> bool:
    """True when broadcasting ``shape`` to ``result`` repeats data.

    That is, some axis of size 1, or an axis ``shape`` lacks, becomes larger than 1:
    ``stretched((3,), (7, 3))`` and ``stretched((7, 1), (7, 3))`` are True, ``stretched((7, 3), (7, 3))``
    is False. Raises ValueError when ``shape`` cannot be broadcast to ``result``.
    """
    shape, result = as_shape(shape), as_shape(result)
    if len(shape) > len(result) or predict_broadcast((shape, result)) != result:
        raise ValueError(f"shape {format_shape(shape)} cannot be broadcast to {format_shape(result)}")
    padded = (1,) * (len(result) - len(shape)) + shape
    return any(size == 1 and target > 1 for size, target in zip(padded, result))


# --- the diagram -------------------------------------------------------------------------------------

class _Columns:
    """Where each axis of a right-aligned shape goes: axis ``-1`` in the last column, and so on."""

    def __init__(self, shapes: Sequence[Shape]):
        self.ndim = max((len(shape) for shape in shapes), default=0)
        widths = [max([len(str(size)) for size in _sizes_on_axis(shapes, axis)] or [1])
                  for axis in range(-self.ndim, 0)]
        self.ends, position = [], 1  # column 0 starts after the "("
        for width in widths:
            self.ends.append(position + width)
            position += width + 2  # ", "
        self.width = (self.ends[-1] + 2) if self.ends else 2

    def caret_position(self, axis: int) -> int | None:
        """The column of the last digit of negative ``axis``; None if the diagram has no such axis."""
        return self.ends[self.ndim + axis] - 1 if -self.ndim <= axis < 0 else None

    def render(self, shape: Shape) -> str:
        """``shape`` written as a tuple with each size right-aligned in its axis's column."""
        if not self.ndim:
            return "()"
        cells = [" "] * self.width
        if not shape:
            cells[self.ends[-1] - 1:self.ends[-1] + 1] = "()"
            return "".join(cells).rstrip()
        first_column = self.ndim - len(shape)
        for offset, size in enumerate(shape):
            end = self.ends[first_column + offset]
            text = str(size) + ("," if offset < len(shape) - 1 or len(shape) == 1 else "")
            cells[end - len(str(size)):end - len(str(size)) + len(text)] = text
        last = self.ends[-1] + (1 if len(shape) == 1 else 0)
        cells[last] = ")"
        cells[self.ends[first_column] - len(str(shape[0])) - 1] = "("
        return "".join(cells).rstrip()


def broadcast_diagram(operands: list[tuple[str, tuple]], result: tuple | Conflict | None = None) -> str:
    """The broadcast of ``operands`` drawn as it is taught: shapes right-aligned, one axis per column.

    ``operands`` are ``(source text, shape)`` pairs; ``result`` is the predicted shape or Conflict
    (computed by broadcasting when None). The last line is the result, or carets under the
    conflicting axes::

        dZ2    (4, 3)
        W2     (2, 4)
                ^  ^   axes -2 and -1 conflict: 4 vs 2, 3 vs 4
    """
    labels = [str(text) for text, _ in operands]
    shapes = [as_shape(shape) for _, shape in operands]
    if result is None:
        result = predict_broadcast(tuple(shapes))
    result_shape = None if isinstance(result, Conflict) else as_shape(result)
    columns = _Columns(shapes + ([result_shape] if result_shape is not None else []))
    label_width = max(len(label) for label in labels + ["result"]) + 3
    lines = [label.ljust(label_width) + columns.render(shape) for label, shape in zip(labels, shapes)]
    if result_shape is not None:
        lines.append("result".ljust(label_width) + columns.render(result_shape))
    else:
        lines.append(" " * label_width + _conflict_marks(result, shapes, columns))
    return "\n".join(line.rstrip() for line in lines)


def _conflict_marks(conflict: Conflict, shapes: list[Shape], columns: _Columns) -> str:
    """Carets under the conflicting axes and what conflicts there; the bare message for other conflicts."""
    positions = [columns.caret_position(axis) for axis in conflict.axes] if conflict.kind == "broadcast" else []
    marked = sorted((axis, position) for axis, position in zip(conflict.axes, positions) if position is not None)
    if not marked:
        return f"conflict: {conflict.message}"
    cells = [" "] * columns.width
    for _, position in marked:
        cells[position] = "^"
    versus = [" vs ".join(map(str, _distinct_non_one(_sizes_on_axis(shapes, axis)))) for axis, _ in marked]
    axes = _join_words([str(axis) for axis, _ in marked])
    verb = "conflicts" if len(marked) == 1 else "conflict"
    noun = "axis" if len(marked) == 1 else "axes"
    return f"{''.join(cells).rstrip()}   {noun} {axes} {verb}: {', '.join(versus)}"
