"""Single-entry moves on the learner's own arrays, all tensors in one loop (``InPlaceTarget.entry_losses_many``).

A full check of a cheap loss (the reference MLP [10, 8, 8, 3] at n=32: ~20 us a call) is mostly the loss
calls themselves, and whatever the checker adds per call is paid 2P+1 times. So everything that can be is
done per check, not per call: the moves of every tensor, their realised steps and the numbers written in
and out are computed up front in a few numpy calls; the loop only writes a Python float into the array,
calls ``loss_fn``, keeps its value and writes the entry back (the same bits it held); the values are checked
once, after the loop. Progress is reported in chunks of 1, 2, 4, ... 256 moves over the whole check.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from shapecheck.gradcheck.progress import chunks
from shapecheck.gradcheck.segments import Cut, joined


def entry_losses_in_place(target, requests):
    """Loss after each single-entry move ``(t, flat, steps)`` of ``requests``, one at a time on the target's
    arrays, and the realised steps: a ``(losses, realised)`` pair per request. Every entry moved is put back
    before another entry moves (the +h and -h moves of central differences follow one another on the entry),
    also when ``loss_fn`` raises (the caller restores all arrays afterwards too)."""
    arrays = [target.arrays[t] for t, _, _ in requests]
    lengths = [len(flat) for _, flat, _ in requests]
    kind = _step_kind({steps.dtype for _, _, steps in requests})
    where, before, after, realised = _planned_moves(arrays, requests, kind)
    paired = getattr(requests, "per_entry", 1) == 2     # central differences planned by check_many: in pairs
    writers = []
    for array, length in zip(arrays, lengths):
        writers += [_writer(array)] * (length // 2 if paired else length)
    if paired:
        moves = zip(writers, _numbers(where[::2]), _numbers(after[::2]), _numbers(after[1::2]), _numbers(before[::2]))
        values = _evaluate(target, moves, len(writers), kind, _in_pairs)
    else:
        moves = zip(writers, _numbers(where), _numbers(after), _numbers(before))
        values = _evaluate(target, moves, len(writers), kind, _one_by_one)
    out, start = [], 0
    for length in lengths:
        out.append((values[start:start + length], realised[start:start + length]))
        start += length
    return Cut(out, values, realised)


_FLOAT64 = np.dtype(np.float64)


def every_entry_in_pairs(target, ts: list, steps: np.ndarray):
    """The losses after moving every entry of the target's tensors ``ts`` up and down by ``steps`` (central
    differences: ``(h, -h)``), entry after entry, and the realised steps: two flat arrays ``(2P,)``, the up and
    down move of each entry in turn; None unless every tensor is a plain C-contiguous writeable float64 array.

    :func:`entry_losses_in_place` of a full check, planned from the tensors themselves (no flat indices to
    gather through: every entry is moved, in order), in a handful of numpy calls.
    """
    arrays = [target.arrays[t] for t in ts]
    for array in arrays:
        if type(array) is not np.ndarray or array.dtype is not _FLOAT64 or not array.flags.c_contiguous \
                or not array.flags.writeable:
            return None
    original = np.concatenate([array.reshape(-1) for array in arrays])          # (P,)
    column = original[:, None]
    moved = column + np.array(steps)                                           # (P, 2): up, down
    writers, where = [], []
    for array in arrays:
        writers += [memoryview(array.reshape(-1))] * array.size
        where += range(array.size)
    pairs = zip(writers, where, moved[:, 0].tolist(), moved[:, 1].tolist(), original.tolist())
    return _evaluate(target, pairs, len(writers), _FLOAT64, _in_pairs), (moved - column).reshape(-1)


def _step_kind(dtypes: set) -> np.dtype:
    """``np.result_type(float, *dtypes)``: the dtype the losses and realised steps are kept in; float64 for
    float64 steps, the usual case, without result_type's ~3 us."""
    return _FLOAT64 if dtypes == {_FLOAT64} else np.result_type(float, *dtypes)


def _planned_moves(arrays, requests, kind):
    """Every move at once: where (flat indices), the entries before and after (arrays, or lists of Python
    numbers when the arrays' dtypes differ; the moved one rounded to the array's own dtype as the entry itself
    would be) and the realised steps, the difference taken in the array's own dtype and given as ``kind``."""
    # (each array's entries at its flat indices, in its own dtype; no helper call per tensor: microseconds cold)
    originals = [array.reshape(-1)[flat] if array.flags.c_contiguous else np.asarray(array.flat[flat])
                 for array, (_, flat, _) in zip(arrays, requests)]
    steps = [steps for _, _, steps in requests]
    where = joined(requests, 1)
    if len({array.dtype for array in arrays}) == 1:          # one dtype (float64 usually): all in one go
        original = np.concatenate(originals)
        moved = _moved(original, joined(requests, 2), arrays[0].dtype)
        return where, original, moved, (moved - original).astype(kind, copy=False)
    moved = [_moved(o, s, array.dtype) for o, s, array in zip(originals, steps, arrays)]
    realised = np.concatenate([(m - o).astype(kind, copy=False) for m, o in zip(moved, originals)])
    return where, sum((o.tolist() for o in originals), []), sum((m.tolist() for m in moved), []), realised


def _numbers(values):
    """The Python numbers the loop writes (a list as it is; an array's ``tolist()``: floats or ints)."""
    return values.tolist() if isinstance(values, np.ndarray) else values


def _moved(original: np.ndarray, steps: np.ndarray, dtype) -> np.ndarray:
    """``original + steps`` computed in the wider of the two dtypes, then rounded to ``dtype``."""
    if original.dtype is _FLOAT64 and steps.dtype is _FLOAT64:     # float64 both: no result_type (~1 us)
        return (original + steps).astype(dtype, copy=False)
    kind = np.result_type(original.dtype, steps.dtype)
    return (original.astype(kind, copy=False) + steps).astype(dtype, copy=False)


def _writer(array: np.ndarray):
    """What the loop writes single entries through, by flat index: a memoryview of a plain C-contiguous
    float64 array (half the cost of numpy's item assignment), else a flat view or ``array.flat``."""
    flags = array.flags
    if flags.c_contiguous:
        view = array.reshape(-1)
        dtype = array.dtype                 # (the usual float64 is numpy's one instance: no dtype comparison)
        if type(array) is np.ndarray and (dtype is _FLOAT64 or dtype == _FLOAT64) and flags.writeable:
            return memoryview(view)
        return view
    return array.flat


def _evaluate(target, moves, count: int, kind, run) -> np.ndarray:
    """The loss after each move of the iterator ``moves`` (``count`` of them): ``run`` (:func:`_one_by_one`, one
    loss call a move, or :func:`_in_pairs`, two) makes them a chunk at a time; every entry moved is put back
    before the next, also when the call raises. The target's counter counts the calls made, its progress hears
    of them a chunk at a time. The values are checked and made numbers once, after the loop: a loss returning
    floats, the usual case, is one pass over their types."""
    counter, progress = target.counter, target.progress
    values = []
    call = (counter.loss_fn, target.tree, values.append)        # the Counter's work, inlined
    raised = [0]
    try:
        for start, stop in chunks(count):
            progress.advance(run(moves, stop - start, call, raised))
    finally:
        counter.calls += len(values) + raised[0]
    if set(map(type, values)) != {float}:   # np.float64, a 0-d array ...: each one checked (a tuple raises)
        scalar, probe = counter.scalar, np.empty(1, dtype=kind)    # (a complex value where a real is due raises)
        for k, value in enumerate(values):
            probe[0] = values[k] = scalar(value)
    return np.fromiter(values, dtype=kind, count=len(values))


# (the loop bodies are all the checker adds to each call, and they run after the loss has pushed the checker
# out of the caches: no try block, no counter and no check of the value per move; on an exception the except
# clause puts the moved entry back and counts the call that raised in ``raised``)

def _one_by_one(moves, n: int, call, raised: list) -> int:
    """The next ``n`` moves ``(entries, i, moved, original)``: ``entries[i] = moved``, the loss kept,
    ``entries[i] = original``. Returns the number of loss calls made."""
    loss_fn, tree, keep = call
    entries = None
    try:
        for entries, i, moved, original in islice(moves, n):
            entries[i] = moved
            keep(loss_fn(tree))
            entries[i] = original
    except BaseException:
        if entries is not None:
            entries[i] = original
            raised[0] = 1
        raise
    return n


def _in_pairs(pairs, n: int, call, raised: list) -> int:
    """The next ``n`` pairs ``(entries, i, up, down, original)``: each entry goes up, down and back, the loss
    kept after each move (one write fewer per pair than two single moves; the loss sees the same arrays at each
    call). Returns the number of loss calls made."""
    loss_fn, tree, keep = call
    entries = None
    try:
        for entries, i, up, down, original in islice(pairs, n):
            entries[i] = up
            keep(loss_fn(tree))
            entries[i] = down
            keep(loss_fn(tree))
            entries[i] = original
    except BaseException:
        if entries is not None:
            entries[i] = original
            raised[0] = 1
        raise
    return 2 * n
