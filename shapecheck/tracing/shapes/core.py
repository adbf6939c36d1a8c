"""What every shape rule works with: a shape is a tuple of ints, and numpy's refusal is a :class:`Conflict`.

Also reading the caller's arguments as numpy does (a shape, a size, a list of axes: numpy ints count,
bools do not), and the plural the rules' messages share.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Conflict:
    """Why numpy refuses an operation.

    ``kind`` is ``"broadcast"``, ``"matmul"`` (a contraction whose sizes differ: matmul, dot, inner,
    tensordot), ``"reshape"``, ``"concatenate"`` (also stack/hstack/vstack), ``"axis"`` (an axis
    argument out of range, repeated or not an int), ``"reduction"`` (max/min of an empty axis) or
    ``"einsum"`` (a subscripts string numpy rejects or whose sizes disagree).

    ``axes``: for ``"broadcast"`` the conflicting axes as negative indices counted from the right,
    innermost first (``(-1, -2)`` for ``(4, 3)`` vs ``(2, 4)``); for ``"matmul"`` the two sizes that
    should have been equal, ``(left_k, right_k)``; otherwise ``()``.
    """

    kind: str
    message: str
    axes: tuple = ()

    def __str__(self) -> str:
        return self.message


def as_shape(shape) -> Shape:
    """``shape`` as a tuple of non-negative ints; ValueError for anything else."""
    if not isinstance(shape, (tuple, list)):
        raise ValueError(f"a shape must be a tuple of ints, got {shape!r}")
    sizes = tuple(as_int(size) for size in shape)
    if any(size is None or size < 0 for size in sizes):
        raise ValueError(f"a shape must hold non-negative ints, got {shape!r}")
    return sizes


def as_int(value) -> int | None:
    """``value`` as a Python int (numpy ints included), None when it is not an integer (bools are not)."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def int_list(value) -> list[int] | None:
    """An int or a sequence of ints as a list; None when something in it is not an int."""
    single = as_int(value)
    if single is not None:
        return [single]
    try:
        items = [as_int(item) for item in value]
    except TypeError:
        return None
    return None if None in items else items


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
