"""Single-entry moves on the learner's own arrays, all tensors in one loop (``InPlaceTarget.entry_losses_many``).

A full check of a cheap loss (the reference MLP [10, 8, 8, 3] at n=32: ~20 us a call) is mostly the loss
calls themselves, and whatever the checker adds per call is paid 2P+1 times. So everything that can be is
done per check, not per call: the moves of every tensor, their realised steps and the numbers written in
and out are computed up front in a few numpy calls; the loop only writes a Python float into the array,
calls ``loss_fn``, keeps its value and writes the entry back (the same bits it held). Progress is reported
in chunks of 1, 2, 4, ... 256 evaluations over the whole check, as before.
"""

from __future__ import annotations

import numpy as np

from shapecheck.gradcheck.progress import chunks
from shapecheck.gradcheck.segments import Cut, joined


def entry_losses_in_place(target, requests):
    """Loss after each single-entry move ``(t, flat, steps)`` of ``requests``, one at a time on the target's
    arrays, and the realised steps: a ``(losses, realised)`` pair per request. Every entry moved is put back
    before the next move, also when ``loss_fn`` raises (the caller restores all arrays afterwards too)."""
    arrays = [target.arrays[t] for t, _, _ in requests]
    lengths = [len(flat) for _, flat, _ in requests]
    kind = _step_kind({steps.dtype for _, _, steps in requests})
    where, before, after, realised = _planned_moves(arrays, requests, kind)
    writers = []
    for array, length in zip(arrays, lengths):
        writers += [_writer(array)] * length
    values = _evaluate(target, list(zip(writers, where, after, before)), kind)
    out, start = [], 0
    for length in lengths:
        out.append((values[start:start + length], realised[start:start + length]))
        start += length
    return Cut(out, values, realised)


_FLOAT64 = np.dtype(np.float64)


def _step_kind(dtypes: set) -> np.dtype:
    """``np.result_type(float, *dtypes)``: the dtype the losses and realised steps are kept in; float64 for
    float64 steps, the usual case, without result_type's ~3 us."""
    return _FLOAT64 if dtypes == {_FLOAT64} else np.result_type(float, *dtypes)


def _planned_moves(arrays, requests, kind):
    """Every move at once: where (flat indices), the entries before and after (Python numbers, the moved one
    rounded to the array's own dtype as the entry itself would be) and the realised steps, the difference
    taken in the array's own dtype and given as ``kind``."""
    originals = [_gather(array, flat) for array, (_, flat, _) in zip(arrays, requests)]
    steps = [steps for _, _, steps in requests]
    where = joined(requests, 1).tolist()
    if len({array.dtype for array in arrays}) == 1:          # one dtype (float64 usually): all in one go
        original = np.concatenate(originals)
        moved = _moved(original, joined(requests, 2), arrays[0].dtype)
        return where, original.tolist(), moved.tolist(), (moved - original).astype(kind, copy=False)
    moved = [_moved(o, s, array.dtype) for o, s, array in zip(originals, steps, arrays)]
    realised = np.concatenate([(m - o).astype(kind, copy=False) for m, o in zip(moved, originals)])
    return where, sum((o.tolist() for o in originals), []), sum((m.tolist() for m in moved), []), realised


def _gather(array: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """The entries ``flat`` of ``array`` (in its own dtype)."""
    return array.reshape(-1)[flat] if array.flags.c_contiguous else np.asarray(array.flat[flat])


def _moved(original: np.ndarray, steps: np.ndarray, dtype) -> np.ndarray:
    """``original + steps`` computed in the wider of the two dtypes, then rounded to ``dtype``."""
    kind = np.result_type(original.dtype, steps.dtype)
    return (original.astype(kind, copy=False) + steps).astype(dtype, copy=False)


def _writer(array: np.ndarray):
    """What the loop writes single entries through, by flat index: a memoryview of a plain C-contiguous
    float64 array (half the cost of numpy's item assignment), else a flat view or ``array.flat``."""
    flags = array.flags
    if flags.c_contiguous:
        view = array.reshape(-1)
        if type(array) is np.ndarray and array.dtype == np.float64 and flags.writeable:
            return memoryview(view)
        return view
    return array.flat


def _evaluate(target, moves, kind) -> np.ndarray:
    """The loss after each move ``(entries, i, moved, original)``: ``entries[i] = moved``, undone
    (``entries[i] = original``) before the next, also when the call raises; the target's counter counts
    the calls made, its progress hears of them a chunk at a time."""
    counter, tree, progress = target.counter, target.tree, target.progress
    loss_fn, scalar = counter.loss_fn, counter.scalar          # the Counter's work, inlined
    probe = np.empty(1, dtype=kind)       # a complex value where a real one is due raises here, as before
    values = []
    keep = values.append
    # (the loop body is all the checker adds to each call, and it runs after the loss has pushed the checker
    # out of the caches: no try block, no counter of its own per move; ``raised`` puts back and counts
    # the move whose call raised, the call counted as one made)
    raised = 0
    try:
        for start, stop in chunks(len(moves)):
            entries = None
            try:
                for entries, i, moved, original in moves[start:stop]:
                    entries[i] = moved
                    value = loss_fn(tree)
                    if type(value) is not float:
                        value = probe[0] = scalar(value)
                    keep(value)
                    entries[i] = original
            except BaseException:
                if entries is not None:
                    entries[i] = original
                    raised = 1
                raise
            progress.advance(stop - start)
    finally:
        counter.calls += len(values) + raised
    return np.fromiter(values, dtype=kind, count=len(values))
