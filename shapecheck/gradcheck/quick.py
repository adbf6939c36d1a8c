"""The usual full check in few steps: what ``check_gradients(loss_fn, params, grads)`` does with every option at
its default, on a flat dict or list of plain float64 arrays and gradients of the same kind.

A full check of a cheap loss is mostly the 2P + 1 loss calls, and whatever the checker adds is paid right
after the loss calls of the check before, when every line and numpy call costs two to three times what it costs
warm. So this case skips what it does not need: the structure is read in one pass (no tree walk, no copy per
tensor: the one flat copy of the parameters that the finiteness check makes is also what they are restored
from), the target is the learner's own arrays, and the moves are planned from the arrays. The judgement is the
general one (``entries.judge_many``): the rows, the notes and the report are the ones ``check._check`` gives,
which ``tests/shapecheck/test_gradcheck_quick.py`` pins field for field.
"""

from __future__ import annotations

import math

import numpy as np

from shapecheck.errors import interrupted
from shapecheck.gradcheck.buffers import checking
from shapecheck.gradcheck.entries import Confirmations, judge_many
from shapecheck.gradcheck.inplace import every_entry_in_pairs, put_back
from shapecheck.gradcheck.methods import METHODS
from shapecheck.gradcheck.progress import NO_PROGRESS, Progress
from shapecheck.gradcheck.report import GradientReport, unless_the_loss_is_not_finite
from shapecheck.gradcheck.segments import LaidOut
from shapecheck.gradcheck.targets import Counter, InPlaceTarget, check_takes_one_argument, every_index
from shapecheck.gradcheck.tolerances import (
    DEFAULTS, FLOAT32_LOSS_NOTE, MACHINE_EPSILON, loss_precision, typical_size, warn_float32_loss,
)
from shapecheck.gradcheck.tree import FINITE_AT_ONCE

_FLOAT64 = np.dtype(np.float64)
_EPS, _RTOL, _ATOL = DEFAULTS[("float64", "central")]
_STEPS = np.array(METHODS["central"].steps) * _EPS        # (h, -h)


def plain_problem(params, grads):
    """``(names, arrays, analytic, original)`` when ``params`` is a flat dict or list (or tuple) of finite,
    writeable, C-contiguous float64 arrays, ``grads`` the same kind of container with a real array of the same
    shape for each of them and nothing else: the leaves as ``tree.float_leaves`` and ``check._analytic_leaves``
    name and give them (``analytic`` one flat float64 copy of the gradients, :class:`LaidOut`), and a flat copy
    of the parameters (``original``, ``(P,)``). None for anything else, before any loss call."""
    if type(params) is dict:
        if type(grads) is not dict or grads.keys() != params.keys():
            return None
        names = [str(key) or "params" for key in params]        # (as tree.leaf_paths names them)
        arrays, gradients = list(params.values()), [grads[key] for key in params]
    elif type(params) in (list, tuple):
        if type(grads) not in (list, tuple) or len(grads) != len(params):
            return None
        names = [f"[{i}]" for i in range(len(params))]
        arrays, gradients = list(params), list(grads)
    else:
        return None
    total = 0
    for array, grad in zip(arrays, gradients):
        if type(array) is not np.ndarray or array.dtype is not _FLOAT64 or not array.size \
                or type(grad) is not np.ndarray or grad.dtype.kind not in "fiu" or grad.shape != array.shape:
            return None
        flags = array.flags
        if not flags.c_contiguous or not flags.writeable:
            return None
        total += array.size
    if not arrays or total > FINITE_AT_ONCE:
        return None
    # the parameters and the gradients laid end to end in one float64 copy (one call, each flattened): the
    # parameters' part is checked for finiteness, read by the loop and restored from; the gradients' part is what
    # is judged
    both = np.concatenate(arrays + gradients, axis=None, dtype=np.float64)
    original = both[:total]
    if not math.isfinite(np.add.reduce(original)):
        return None                     # a NaN or an infinity (float_leaves says which entry), or a sum too large
    return names, arrays, LaidOut(both[total:], [array.shape for array in arrays]), original


def quick_check(loss_fn, params, grads, make_sweeper) -> GradientReport | None:
    """``check_gradients(loss_fn, params, grads)`` (every option at its default) for a :func:`plain_problem`
    and a loss that is no batched one; None, before any loss call, for anything else. ``make_sweeper(loss_fn,
    params, names, arrays, analytic)``: the report's step-size sweep (``check._make_sweeper``)."""
    problem = plain_problem(params, grads)
    if problem is None or hasattr(loss_fn, "single_entry_losses") or hasattr(loss_fn, "batched"):
        return None
    names, arrays, analytic, original = problem
    with checking():
        try:
            rows, evaluations, tolerances, notes = _checked(loss_fn, params, names, arrays, analytic, original)
        except KeyboardInterrupt:       # every array is back
            raise interrupted("check_gradients") from None
        finally:
            put_back(arrays, original)
    return GradientReport(tuple(rows), evaluations, "full", "central", *tolerances, notes,
                          make_sweeper(loss_fn, params, names, arrays, analytic))


def _checked(loss_fn, params, names, arrays, analytic, original):
    """The rows, the number of loss evaluations, the ``(eps, rtol, atol)`` used and the notes of
    :func:`quick_check`."""
    counter = Counter(loss_fn)
    target = InPlaceTarget(counter, params, arrays)
    try:
        base = float(np.real(target.base()))
    except TypeError:                   # a loss_fn that takes another number of arguments is told so; else it
        check_takes_one_argument(loss_fn)       # raised by itself, and that is what the learner sees
        raise
    precision, notes = loss_precision(target, base, analytic), []
    if precision == "float64":
        eps, rtol, atol, steps = _EPS, _RTOL, _ATOL, _STEPS
    else:                               # computed in float32: float32's steps and tolerances, as check._check does
        eps, rtol, atol = DEFAULTS[(precision, "central")]
        steps = np.array(METHODS["central"].steps) * eps
        notes.append(FLOAT32_LOSS_NOTE)
        warn_float32_loss()
    atol *= typical_size(analytic)
    confirmations = Confirmations(steps=(eps, eps / 10), rtol=rtol)
    target.progress = Progress(2 * analytic.whole[0].size)
    try:
        losses, realised = every_entry_in_pairs(target, list(range(len(arrays))), steps, original)
    finally:
        target.progress.finish()
        target.progress = NO_PROGRESS
    # (no gradient per tensor: judge_many reads a failing tensor's from the flat copy, the others need none)
    tensors = [(t, name, array, None, every_index(array.size)) for t, (name, array) in enumerate(zip(names, arrays))]
    rows = judge_many(target, tensors, losses, realised, analytic.whole[0], METHODS["central"], eps, base, rtol, atol,
                      MACHINE_EPSILON[precision], confirmations)
    if not np.isfinite(base):
        rows = [unless_the_loss_is_not_finite(row, base) for row in rows]
    if confirmations.entries:
        notes.append(confirmations.note())
    return rows, counter.calls, (eps, rtol, atol), tuple(notes)
