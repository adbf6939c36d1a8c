"""The entries of several tensors laid end to end, and what a full check reads of one tensor among them.

A full check judges every tensor's entries at once (``entries.judge_many``): the entries of all tensors
sit in one array, tensor after tensor, in segments of the given non-zero lengths; its plan and its losses
are cut into a piece per tensor (:class:`Cut`) and joined again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate

import numpy as np

#: the smallest positive float64 (subnormal): ``x >= _SMALLEST`` is ``x > 0``
_SMALLEST = float(np.nextafter(0.0, 1.0))


class Cut(list):
    """A list of consecutive pieces cut, in order, from whole arrays that it keeps (``whole``): whoever needs
    the pieces laid end to end again takes those instead of concatenating them (a full check cuts its plan
    and its losses per tensor and joins them once more)."""

    def __init__(self, pieces, *whole: np.ndarray):
        super().__init__(pieces)
        self.whole = whole


class LaidOut(Sequence):
    """Arrays of the given ``shapes`` laid end to end in one flat array (``whole[0]``, as a :class:`Cut` keeps
    it): item t is a view of its part, made when it is read (a full check that passes reads none of them)."""

    def __init__(self, flat: np.ndarray, shapes: list[tuple]):
        self.whole, self.shapes = (flat,), shapes

    def __len__(self) -> int:
        return len(self.shapes)

    def __getitem__(self, t: int) -> np.ndarray:
        start = sum(math.prod(shape) for shape in self.shapes[:t])
        return self.whole[0][start:start + math.prod(self.shapes[t])].reshape(self.shapes[t])


def joined(pieces, column: int) -> np.ndarray:
    """``np.concatenate`` of item ``column`` of every piece: the kept whole array of a :class:`Cut`."""
    if isinstance(pieces, Cut):
        return pieces.whole[column]
    return np.concatenate([np.asarray(piece[column]) for piece in pieces])


def segment_starts(lengths: list[int]) -> np.ndarray:
    """Where each segment begins (``lengths`` all positive)."""
    return np.array([0, *accumulate(lengths[:-1])], dtype=np.intp)


def power_of_finite(needed: np.ndarray, size: np.ndarray) -> float:
    """``entries.power_of(needed, a)`` of one tensor whose entries are all finite, given ``size = |a|`` and
    ``needed`` >= 0: the largest ``needed`` over the entries of median size or more (and not zero); NaN where
    there is none (every entry zero) or it is not finite. (A sort in place of a copy, ufuncs and methods: no
    numpy function with a Python wrapper, which costs microseconds right after the loss calls.)"""
    in_order = size.copy()
    in_order.sort()
    if not in_order.item(-1) > 0:
        return math.nan
    # size >= median and size > 0: at least the median, and at least the smallest positive float
    upper = size >= max(in_order.item(len(in_order) // 2), _SMALLEST)
    largest = float(np.maximum.reduce(needed[upper]))
    return largest if math.isfinite(largest) else math.nan


def unravel(flat: int, shape: tuple) -> tuple:
    """``np.unravel_index(flat, shape)`` as a tuple of Python ints, without numpy's per-call cost."""
    index = []
    for dim in reversed(shape):
        flat, i = divmod(flat, dim)
        index.append(i)
    return tuple(reversed(index))
