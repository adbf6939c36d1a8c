"""Per-tensor reductions over the entries of several tensors laid end to end, each in a few numpy calls.

A full check judges every tensor's entries at once (``entries.judge_many``): the entries of all tensors
sit in one array, tensor after tensor, in segments of the given non-zero lengths. Reducing a tensor at a
time costs a dozen small numpy calls per tensor (microseconds each, as much as a cheap loss call); these
do it for every segment at once, with the same results as the per-tensor code they replace.
"""

from __future__ import annotations

import math
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


def joined(pieces, column: int) -> np.ndarray:
    """``np.concatenate`` of item ``column`` of every piece: the kept whole array of a :class:`Cut`."""
    if isinstance(pieces, Cut):
        return pieces.whole[column]
    return np.concatenate([np.asarray(piece[column]) for piece in pieces])


def segment_starts(lengths: list[int]) -> np.ndarray:
    """Where each segment begins (``lengths`` all positive)."""
    return np.array([0, *accumulate(lengths[:-1])], dtype=np.intp)


def segment_max(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``values[segment].max()`` of every segment (NaN where a segment holds one, as ``ndarray.max``)."""
    return np.maximum.reduceat(values, starts)


def segment_argmax(values: np.ndarray, starts: np.ndarray, lengths: list[int], finite: bool = False) -> list[int]:
    """``np.argmax(values[segment])`` of every segment, as positions within the segment (the first of equal
    largest values). Only meaningful for segments of finite values (a NaN decides ``np.argmax``); ``finite``:
    the caller knows every value is. (One ``argmax`` per segment: for the few tensors of a network, a quarter
    of the time of a vectorised search through ``reduceat``, ``repeat`` and ``searchsorted``.)"""
    if not finite:
        values = np.where(np.isfinite(values), values, -np.inf)
    return [int(values[start:start + length].argmax()) for start, length in zip(starts.tolist(), lengths)]


def segment_power(needed: np.ndarray, size: np.ndarray, starts: np.ndarray, lengths: list[int]) -> list[float]:
    """``entries.power_of(needed[segment], a[segment])`` of every segment, given ``size = |a|`` and ``needed``
    >= 0 (or NaN): the largest ``needed`` over the entries of median size or more (and not zero); NaN where
    there is none or one is not finite (then the largest is -inf, inf or NaN)."""
    in_order, bounds = size.copy(), starts.tolist()
    for start, length in zip(bounds, lengths):          # ascending in each segment (NaN last, as np.partition)
        in_order[start:start + length].sort()           # (a sort in place per segment: a third of np.lexsort's time)
    median = in_order[[start + length // 2 for start, length in zip(bounds, lengths)]]
    # size >= median and size > 0: at least the median, and at least the smallest positive float
    upper = size >= np.repeat(np.maximum(median, _SMALLEST), lengths)
    largest = np.maximum.reduceat(np.where(upper, needed, -np.inf), starts)
    return [value if math.isfinite(value) else math.nan for value in largest.tolist()]


def unravel(flat: int, shape: tuple) -> tuple:
    """``np.unravel_index(flat, shape)`` as a tuple of Python ints, without numpy's per-call cost."""
    index = []
    for dim in reversed(shape):
        flat, i = divmod(flat, dim)
        index.append(i)
    return tuple(reversed(index))
