"""Single-entry moves on the learner's own arrays, all tensors in one loop (``InPlaceTarget.entry_losses_many``).

A full check of a cheap loss (the reference MLP [10, 8, 8, 3] at n=32: ~20 us a call) is mostly the loss
calls themselves, and whatever the checker adds per call is paid 2P+1 times. So everything that can be is
done per check, not per call: the moves of every tensor, their realised steps and the numbers written in
and out are computed up front in a few numpy calls; the loop only writes a Python float into the array,
calls ``loss_fn``, writes its value into the losses and writes the entry back (the same bits it held).
Progress is reported in chunks of 1, 2, 4, ... 256 moves over the whole check.
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
    count = len(writers)
    if paired:
        moves = zip(writers, _numbers(where[::2]), _numbers(after[::2]), _numbers(after[1::2]), _numbers(before[::2]),
                    range(0, 2 * count, 2))
        values = _evaluate(target, moves, count, 2, kind, _in_pairs)
    else:
        moves = zip(writers, _numbers(where), _numbers(after), _numbers(before), range(count))
        values = _evaluate(target, moves, count, 1, kind, _one_by_one)
    out, start = [], 0
    for length in lengths:
        out.append((values[start:start + length], realised[start:start + length]))
        start += length
    return Cut(out, values, realised)


_FLOAT64 = np.dtype(np.float64)


def every_entry_in_pairs(target, ts: list, steps: np.ndarray, original: np.ndarray | None = None):
    """The losses after moving every entry of the target's tensors ``ts`` up and down by ``steps`` (central
    differences: ``(h, -h)``), entry after entry, and the realised steps: two ``(P, 2)`` arrays, row j the up and
    down move of entry j (the tensors' entries laid end to end); None unless every tensor is a plain
    C-contiguous writeable float64 array. ``original``: the tensors' entries laid end to end, when the caller
    has that copy already.

    :func:`entry_losses_in_place` of a full check, planned from the tensors themselves in a handful of numpy
    calls: no flat indices to gather through, and no Python numbers made up front (the loop reads each value
    it writes from a memoryview of the planned moves, beside the entries it reads next).
    """
    arrays = [target.arrays[t] for t in ts]
    for array in arrays:
        if type(array) is not np.ndarray or array.dtype is not _FLOAT64 or not array.flags.c_contiguous \
                or not array.flags.writeable:
            return None
    if original is None:
        original = np.concatenate([array.reshape(-1) for array in arrays])      # (P,)
    moved = original + steps[:, None]                                          # (2, P): up, down
    losses = np.empty(moved.shape)
    spans, offset = [], 0
    for array in arrays:                # each tensor's entries, where its own begin among all, how many
        spans.append((memoryview(array.reshape(-1)), offset, array.size))
        offset += array.size
    counter, progress = target.counter, target.progress
    views = (memoryview(moved[0]), memoryview(moved[1]), memoryview(original), memoryview(losses[0]),
             memoryview(losses[1]), losses, _looped_loss(counter), target.tree, counter.scalar)
    for start, stop in chunks(offset):
        for entries, first, size in spans:
            if first < stop and first + size > start:
                _tensor_in_pairs(entries, first, max(start - first, 0), min(stop - first, size), views)
        counter.calls += 2 * (stop - start)
        progress.advance(2 * (stop - start))
    return losses.T, (moved - original).T


def put_back(arrays: list, original: np.ndarray) -> None:
    """Every one of the C-contiguous ``arrays`` given its entries in ``original`` (theirs laid end to end, of
    their dtype), byte for byte (memoryview copies: no numpy call per array)."""
    source, start = memoryview(original).cast("B"), 0
    for array in arrays:
        stop = start + array.nbytes
        memoryview(array).cast("B")[:] = source[start:stop]
        start = stop


def _tensor_in_pairs(entries, first: int, low: int, high: int, views) -> None:
    """Entries ``low:high`` of one tensor (``entries``, a memoryview; ``first``: where its entries begin among
    all) each moved up, down and back, the loss after each move kept (:func:`every_entry_in_pairs`)."""
    up, down, original, up_loss, down_loss, losses, loss_fn, tree, scalar = views
    i = low
    try:
        for i in range(low, high):
            j = first + i
            entries[i] = up[j]
            value = loss_fn(tree)
            try:
                up_loss[j] = value
            except (TypeError, ValueError):     # not a float: a number of another type, or refused
                losses[0, j] = scalar(value)
            entries[i] = down[j]
            value = loss_fn(tree)
            try:
                down_loss[j] = value
            except (TypeError, ValueError):
                losses[1, j] = scalar(value)
            entries[i] = original[j]
    except BaseException:
        entries[i] = original[first + i]
        raise


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


def _evaluate(target, moves, count: int, calls: int, kind, run) -> np.ndarray:
    """The loss after each of the ``count`` moves of the iterator ``moves``, ``calls`` loss calls a move
    (``run``: :func:`_one_by_one`, one, or :func:`_in_pairs`, two), a chunk of moves at a time; every entry
    moved is put back before the next, also when a call raises. The target's counter counts the calls (of the
    chunks completed: a call that raises ends the check), its progress hears of them a chunk at a time. A loss
    that returned a float (np.float64 too) at the base point has its values written straight into the losses;
    any other value is made one number first (``Counter.scalar``, which refuses a tuple)."""
    counter, progress = target.counter, target.progress
    losses = np.empty(count * calls, dtype=kind)
    # a float64 array's entries are written through a memoryview (half numpy's item assignment)
    call = (_looped_loss(counter), target.tree, memoryview(losses) if kind is _FLOAT64 else losses, losses,
            counter.scalar)
    for start, stop in chunks(count):
        run(moves, stop - start, call)
        counter.calls += (stop - start) * calls
        progress.advance((stop - start) * calls)
    return losses


def _looped_loss(counter):
    """What the loop calls: ``loss_fn`` itself when it returned a float (np.float64 too) at the counter's last
    call (the base point), else ``loss_fn`` returning ``scalar`` of its value, one number: np.float32, a
    (1, 1) array, a tensor ... (what a memoryview or numpy would make of a (1, 1) array is deprecated)."""
    loss_fn, scalar = counter.loss_fn, counter.scalar
    if counter.returns is float or counter.returns is np.float64:
        return loss_fn
    return lambda tree: scalar(loss_fn(tree))


# (the loop bodies are all the checker adds to each call, and they run after the loss has pushed the checker
# out of the caches: no counter, no check of the value, no list of them; a try block costs nothing until it
# raises. On an exception the outer except clause puts the moved entry back)

def _one_by_one(moves, n: int, call) -> None:
    """The next ``n`` moves ``(entries, i, moved, original, k)``: ``entries[i] = moved``, the loss kept as
    ``losses[k]``, ``entries[i] = original``."""
    loss_fn, tree, out, losses, scalar = call
    entries = None
    try:
        for entries, i, moved, original, k in islice(moves, n):
            entries[i] = moved
            value = loss_fn(tree)
            try:
                out[k] = value
            except (TypeError, ValueError):     # not a float: a number of another type, or refused
                losses[k] = scalar(value)
            entries[i] = original
    except BaseException:
        if entries is not None:
            entries[i] = original
        raise


def _in_pairs(pairs, n: int, call) -> None:
    """The next ``n`` pairs ``(entries, i, up, down, original, k)``: each entry goes up, down and back, the
    losses kept as ``losses[k]`` and ``losses[k + 1]`` (one write fewer per pair than two single moves; the loss
    sees the same arrays at each call)."""
    loss_fn, tree, out, losses, scalar = call
    entries = None
    try:
        for entries, i, up, down, original, k in islice(pairs, n):
            entries[i] = up
            value = loss_fn(tree)
            try:
                out[k] = value
            except (TypeError, ValueError):     # not a float: a number of another type, or refused
                losses[k] = scalar(value)
            entries[i] = down
            value = loss_fn(tree)
            try:
                out[k + 1] = value
            except (TypeError, ValueError):
                losses[k + 1] = scalar(value)
            entries[i] = original
    except BaseException:
        if entries is not None:
            entries[i] = original
        raise
