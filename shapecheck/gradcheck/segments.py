"""The entries of several tensors laid end to end, and what a full check reads of one tensor among them.

A full check judges every tensor's entries at once (``entries.judge_many``): the entries of all tensors
sit in one array, tensor after tensor, in segments of the given non-zero lengths; its plan and its losses
are cut into a piece per tensor (:class:`Cut`) and joined again; where every entry is fine, each tensor's row
is read from a layout of all tensors side by side (:class:`SideBySide`).
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


class SideBySide:
    """Segments of the given lengths side by side: segment t's entries in row t of a ``(T, M)`` layout (M the
    longest), each row padded at its end with -1 (a relative error, a gap or a size smaller than any) and
    -inf (a needed error). A full check where every entry is fine takes each tensor's worst entry, largest
    error and power as reductions along the rows (``entries.judge_many``)."""

    #: layouts made, by lengths (None where the padding would outweigh the entries)
    _made: dict = {}

    def __init__(self, lengths: tuple):
        rows, longest, total = len(lengths), max(lengths), sum(lengths)
        index = np.full((rows, longest), total, dtype=np.intp)      # total: the padding, one past the entries
        for t, (start, length) in enumerate(zip(accumulate(lengths, initial=0), lengths)):
            index[t, :length] = np.arange(start, start + length)
        self.index = index
        self.starts = segment_starts(list(lengths))                        # (T,): where each segment begins
        counts = np.array(lengths)
        row_starts = np.arange(rows) * longest
        # (in a row sorted in place: the padding first, then the segment's entries in order)
        self.middle = row_starts + (longest - counts) + counts // 2       # its median (its upper one, if even)
        self.last = row_starts + longest - 1                               # its largest
        self.padding = np.array([[-1.0], [-1.0], [-1.0], [-math.inf]])

    @classmethod
    def of(cls, lengths: list[int]) -> SideBySide | None:
        """The layout of segments of these ``lengths``; None when it would hold more than about twice their
        entries (a long segment among many short ones: one at a time is then cheaper)."""
        key = tuple(lengths)
        if key not in cls._made:
            if len(cls._made) > 64:
                cls._made.clear()
            cls._made[key] = cls(key) if key and len(key) * max(key) <= 2 * sum(key) + 256 else None
        return cls._made[key]

    def laid_out(self, errors, gaps, sizes, needed) -> np.ndarray:
        """The four ``(P,)`` arrays (relative errors, gaps, sizes, needed errors) laid out: ``(4, T, M)``."""
        total = len(errors)
        values = np.empty((4, total + 1))
        values[0, :total], values[1, :total], values[2, :total], values[3, :total] = errors, gaps, sizes, needed
        values[:, total:] = self.padding
        return values.take(self.index, axis=1)


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
