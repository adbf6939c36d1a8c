"""Entry-by-entry checks (modes ``full`` and ``sample``) and the judgement of one tensor's entries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from shapecheck.gradcheck.methods import (
    METHODS, entry_errors, entry_estimates, entry_estimates_and_errors, entry_plan, quiet_numerics,
)
from shapecheck.gradcheck.progress import NO_PROGRESS, Progress
from shapecheck.gradcheck.report import GradientRow, ok_row
from shapecheck.gradcheck.segments import (
    _SMALLEST, Cut, SideBySide, joined, power_of_finite, segment_starts, unravel,
)


#: An entry fails only when its discrepancy is also this many times the rounding and truncation its
#: estimate carries.
SAFETY = 10.0
#: At most this many failing entries per tensor are re-measured (the largest relative errors first).
MAX_CONFIRMED = 64
@dataclass
class Confirmations:
    """How failures are re-measured (central differences at ``steps``, the method's own optimum and a
    tenth of it), and what that found and cost (for the report's notes)."""

    steps: tuple = (1e-6, 1e-7)
    rtol: float = 0.0              # the tolerance of central differences in this precision
    entries: int = 0
    kept: int = 0
    noise: int = 0
    evaluations: int = 0

    def note(self) -> str:
        """The report's note on what was re-measured and found (when any entry was)."""
        first, second = self.steps
        entries = "1 failing entry" if self.entries == 1 else f"{self.entries} failing entries"
        return (f"{entries} re-measured with central differences at steps {first:g} and {second:g} "
                f"({self.evaluations} more loss evaluations): {self.kept} stayed put (a bug), {self.noise} moved "
                "with the step or sat at a kink (noise)")


def entry_numerics(target, t: int, indices: np.ndarray, method, h: float, base: float, eps: float = 0.0):
    """Numeric derivative at each flat index, with the one-sided slopes where the method gives them, and
    the error each may carry (:func:`error_estimate`; ``eps`` is the loss's precision)."""
    flat, steps = entry_plan(method, np.asarray(indices), h)
    losses, realised = target.entry_losses(t, flat, steps)
    numeric, forward, backward = entry_estimates(method, losses, realised, h, base)
    return numeric, forward, backward, error_estimate(method, losses, realised, base, eps)


def error_estimate(method, losses, realised, base, eps) -> np.ndarray:
    """How far each entry's estimate may be off and still be right: SAFETY times its rounding and
    truncation (see ``methods``)."""
    rounding, truncation = entry_errors(method, losses, realised, base, eps)
    return SAFETY * (rounding + truncation)


def check_many(target, tensors, method, h, base, rtol, atol, eps=0.0, confirmations=None,
               progress=None, analytic=None) -> list[GradientRow]:
    """Entry checks of several tensors ``(t, name, array, grad, indices)`` with one request to the target
    (a batched target evaluates them all in one vectorised call). Narrow failures are re-measured at two
    more step sizes before they count (see :func:`confirm`). ``progress``: None shows it where a person is
    watching, False never (:mod:`shapecheck.gradcheck.progress`). ``analytic``: every tensor's gradient laid end
    to end, flat, when it is at hand (``grad`` of every tensor in turn is a view of it)."""
    moves = sum(len(entry[4]) for entry in tensors) * method.calls
    target.progress = Progress(moves, enabled=progress)
    try:
        every = all(len(entry[4]) == entry[2].size for entry in tensors)
        if every:               # every entry of every tensor (a full check)
            losses, realised = target.every_entry_losses([entry[0] for entry in tensors], np.asarray(method.steps) * h,
                                                         lambda: _plan_requests(tensors, method, h))
        else:
            answers = target.entry_losses_many(_plan_requests(tensors, method, h))
            losses, realised = joined(answers, 0), joined(answers, 1)
    finally:
        target.progress.finish()
        target.progress = NO_PROGRESS
    analytic = analytic if every and analytic is not None and len(analytic) == losses.size // method.calls else None
    return judge_many(target, tensors, losses, realised, analytic, method, h, base, rtol, atol, eps, confirmations)


def _plan_requests(tensors, method, h) -> list:
    """The target's requests ``(t, flat, steps)``: :func:`entry_plan` of every tensor's indices, planned once
    for all tensors and cut into views (a plan per tensor costs a few numpy calls each)."""
    # (the indices are arrays already (check._indices); entry[0] and entry[4] are t and the indices)
    flat, steps = entry_plan(method, np.concatenate([entry[4] for entry in tensors]), h)
    requests, start, calls = [], 0, method.calls
    for entry in tensors:
        stop = start + len(entry[4]) * calls
        requests.append((entry[0], flat[start:stop], steps[start:stop]))
        start = stop
    cut = Cut(requests, None, flat, steps)
    cut.per_entry = method.calls            # each index ``calls`` times in a row (an in-place target pairs them)
    return cut


@quiet_numerics
def judge_many(target, tensors, losses, realised, analytic, method, h, base, rtol, atol, eps,
                confirmations) -> list[GradientRow]:
    """The rows of :func:`check_many` from the losses and realised steps of every move, each entry's moves in
    turn (flat, or one row an entry), and the analytic gradient of every entry checked, in the same order, when
    it is at hand (else None; when it is, each tensor's ``grad`` is read from it and may be None)."""
    # every tensor's entries judged in one pass (a tensor at a time costs ~60 small numpy calls each); only a
    # tensor with a failing or non-finite entry goes through the whole judgement (confirm, kinks, patterns)
    # (already quiet here: the helpers that are quiet_numerics themselves are called through __wrapped__, and
    # what the per-entry helpers would compute twice, |a| and the scale, is computed once)
    numeric, forward, backward, errors = entry_estimates_and_errors(method, losses, realised, base, eps)
    error = SAFETY * errors                                  # error_estimate(method, losses, realised, base, eps)
    # (_entries_of of every tensor, written out: a Python call per tensor costs microseconds after the loss calls)
    a = analytic if analytic is not None else \
        np.concatenate([grad.reshape(-1) if len(indices) == grad.size else grad.reshape(-1)[np.asarray(indices)]
                        for _, _, _, grad, indices in tensors])
    size = np.abs(a)
    scale = np.maximum(np.maximum(size, np.abs(numeric)), atol / rtol)      # _scale(a, numeric, rtol, atol)
    limit = np.maximum(rtol * scale, error)                  # thresholds(a, numeric, rtol, atol, error)
    gap = np.abs(a - numeric)
    needed = _needed(a, size, gap, forward, backward, limit, rtol, atol)
    rel_err = gap / scale                                    # relative_errors(gap, a, numeric, rtol, atol)
    lengths = [len(entry[4]) for entry in tensors]          # (the indices of each (t, name, array, grad, indices))
    # every entry fine, the usual case, is one reduction: each within its threshold, and finite (a NaN or an
    # infinite analytic or numeric value makes its gap - limit NaN: inf - inf; the threshold of an infinite one
    # is infinite); else the tensors with an entry that is not
    every_entry_fine = not len(gap) or float(np.maximum.reduce(gap - limit)) <= 0
    if every_entry_fine:                # the usual case: every row an ok row, all of them at once where they fit
        side_by_side = SideBySide.of(lengths)
        if side_by_side is not None:
            return _ok_rows(side_by_side, tensors, lengths, a, numeric, gap, rel_err, needed, size)
    bounds = list(accumulate(lengths, initial=0))           # where each tensor's entries begin, and the end
    if every_entry_fine:
        troubled_tensor = [False] * len(lengths)
    else:
        finite = np.isfinite(scale) if math.isfinite(atol / rtol) else np.isfinite(a) & np.isfinite(numeric)
        fine = (gap <= limit) & finite
        troubled_tensor = (~np.logical_and.reduceat(fine, segment_starts(lengths))).tolist()
    rows = []
    for k, (t, name, array, grad, indices) in enumerate(tensors):
        start, stop = bounds[k], bounds[k + 1]
        if troubled_tensor[k]:
            part = slice(start, stop)
            numerics = (numeric[part], forward[part], backward[part], error[part])
            if analytic is not None:        # (every entry of every tensor: the tensor's part of it, as given)
                grad = analytic[part].reshape(array.shape)
            rows.append(_entry_row(target, t, name, array, grad, indices, numerics, method, h, base, rtol, atol,
                                   eps, confirmations))
            continue
        # a tensor whose entries are all fine: its row from its worst entry (as _ok_rows makes them)
        worst = start + int(rel_err[start:stop].argmax())
        # (sorted distinct indices as many as the entries are all of them: the pick is its own flat index)
        flat = worst - start if lengths[k] == array.size else int(indices[worst - start])
        rows.append(ok_row(name, array.shape, float(np.maximum.reduce(gap[start:stop])), rel_err.item(worst),
                           unravel(flat, array.shape), a.item(worst), numeric.item(worst), lengths[k],
                           power_of_finite(needed[start:stop], size[start:stop])))
    return rows


def _ok_rows(side_by_side, tensors, lengths, a, numeric, gap, rel_err, needed, size) -> list[GradientRow]:
    """The ``ok`` rows of tensors whose entries are all fine, every tensor's at once: each the row of its worst
    entry (the first of the largest relative errors, as ``argmax`` picks it) with the tensor's stated power
    (:func:`segments.power_of_finite`), from reductions along the rows of the :class:`SideBySide` layout.

    (Right after the loss calls every numpy call costs up to three times its warm cost: a dozen calls for all
    tensors, where a tensor at a time took a dozen per tensor; the judgement of [10, 8, 8, 3] takes 9 us less.)"""
    errors, gaps, sizes, needs = side_by_side.laid_out(rel_err, gap, size, needed)          # (T, M) each
    worst = errors.argmax(axis=1)                                                           # (T,)
    in_order = sizes.copy()
    in_order.sort(axis=1)                  # each row's padding (-1) first, then its tensor's sizes in order
    medians = np.maximum(in_order.take(side_by_side.middle), _SMALLEST)
    largest = np.maximum.reduce(needs, axis=1, where=sizes >= medians[:, np.newaxis], initial=-math.inf)
    at = side_by_side.starts + worst
    columns = zip(np.maximum.reduce(gaps, axis=1).tolist(), rel_err.take(at).tolist(), worst.tolist(),
                  a.take(at).tolist(), numeric.take(at).tolist(), in_order.take(side_by_side.last).tolist(),
                  largest.tolist())
    rows = []
    for (_, name, array, _, indices), length, (most, error, w, analytic, estimate, top, power) in zip(
            tensors, lengths, columns):
        flat = w if length == array.size else int(indices[w])
        rows.append(ok_row(name, array.shape, most, error, unravel(flat, array.shape), analytic, estimate, length,
                           power if top > 0 and math.isfinite(power) else math.nan))
    return rows


def _entries_of(grad: np.ndarray, indices) -> np.ndarray:
    """``grad``'s entries at the sorted, distinct flat ``indices``: all of them (a flat view) when there are
    as many as entries (a full check), else a copy of those."""
    return grad.reshape(-1) if len(indices) == grad.size else grad.reshape(-1)[np.asarray(indices)]


def check_entries(target, t, name, array, grad, indices, method, h, base, rtol, atol, eps=0.0,
                  confirmations=None) -> GradientRow:
    """Finite differences at ``indices`` of tensor ``t``; the worst entry decides the row."""
    numerics = entry_numerics(target, t, indices, method, h, base, eps)
    return _entry_row(target, t, name, array, grad, indices, numerics, method, h, base, rtol, atol, eps,
                      confirmations)


def _entry_row(target, t, name, array, grad, indices, numerics, method, h, base, rtol, atol, eps,
               confirmations) -> GradientRow:
    numeric, forward, backward, error = numerics
    a = grad.reshape(-1)[indices]
    noise, picked, seen_kink = confirm(target, t, indices, a, numeric, error, method, h, base, rtol, atol, eps,
                                       confirmations)
    kinks = kinked(a, forward, backward, rtol, atol)       # what the first estimate's slopes show ...
    kinks[picked] = seen_kink                              # ... unless re-measured
    row = judge(name, array.shape, indices, a, numeric, forward, backward, rtol, atol, error, noise, kinks)
    if row.status == "FAIL" and not np.any(numeric) and np.any(a):
        return _with_detail(row, unchanged_loss_detail(name))
    if row.status == "FAIL" and len(indices) == array.size:
        detail = whole_tensor_pattern(grad, numeric.reshape(array.shape), rtol, atol)
        if detail:
            row = _with_detail(row, detail)
    return row


def _scale(a, n, rtol, atol) -> np.ndarray:
    """The larger of ``|a|`` and ``|n|``, or ``atol / rtol`` for vanishing ones: what errors are relative to."""
    return np.maximum(np.maximum(np.abs(a), np.abs(n)), atol / rtol)


@quiet_numerics
def relative_errors(gap, a, n, rtol, atol) -> np.ndarray:
    """``|a - n|`` (given as ``gap``) relative to the larger of the two values, or to ``atol / rtol`` for
    vanishing ones: what a row reports as each entry's relative error."""
    return gap / _scale(a, n, rtol, atol)


@quiet_numerics
def thresholds(a, n, rtol, atol, error) -> np.ndarray:
    """The discrepancy each entry may show and still be right: the user's ``rtol`` (relative to the larger
    of the two values, ``atol`` for vanishing ones) or the error its estimate may carry (:func:`error_estimate`)."""
    return np.maximum(rtol * _scale(a, n, rtol, atol), error)


def confirm(target, t, indices, a, numeric, error, method, h, base, rtol, atol, eps, confirmations):
    """Re-measure the failures with central differences at two further step sizes: a discrepancy that
    stays put is a bug; one that moves with the step (rounding grows as the step shrinks, truncation and
    the pull of a kink as it grows) is noise, and so is a failure where the one-sided slopes show a kink
    (ReLU units of many samples switch inside a step). Returns the noise mask (True where it was noise),
    the positions re-measured and, for each, whether a kink was seen there.

    A failure stays put when the estimate at the smallest step agrees with one of the other two (to a
    quarter of their distance from the analytic value, plus three tenths of their error estimates, i.e.
    three times their rounding) and both are clearly off. A kink is one that the smallest step still sees,
    with one-sided slopes that do not draw together as the step shrinks: on a smooth curve their gap is the
    step times the curvature, which a large summed loss makes look like a kink at any one step. At most
    MAX_CONFIRMED failures are re-measured, the largest first; when every one of them moved, so did the
    rest (they are counted as noise), and when any stayed put the tensor fails. Complex steps are exact
    to rounding: their failures are never re-measured.
    """
    noise = np.zeros(len(indices), dtype=bool)
    gap = np.abs(a - numeric)
    limit = thresholds(a, numeric, rtol, atol, error)
    failing = (gap > limit) & np.isfinite(numeric) & np.isfinite(a)
    nothing = np.zeros(0, dtype=int)
    if not failing.any() or confirmations is None or method.name == "complex":
        return noise, nothing, nothing.astype(bool)
    order = np.argsort(-(gap / np.maximum(limit, 1e-300)))
    picked = np.array([i for i in order if failing[i]][:MAX_CONFIRMED])
    before = target.counter.calls
    estimates, errors, slope_gaps = [numeric[picked]], [error[picked]], []
    for step in confirmations.steps:
        other, forward, backward, other_error = entry_numerics(target, t, np.asarray(indices)[picked],
                                                               METHODS["central"], step, base, eps)
        estimates.append(other)
        errors.append(other_error)
        slope_gaps.append(np.abs(forward - backward))
    at_kink = kinked(a[picked], forward, backward, rtol, atol) & (slope_gaps[-1] > 0.3 * slope_gaps[0])
    estimates, errors = np.array(estimates), np.array(errors)          # (3, picked)
    stays = np.zeros(len(picked), dtype=bool)
    for k, j in ((0, 2), (1, 2)):
        gap_k, gap_j = np.abs(a[picked] - estimates[k]), np.abs(a[picked] - estimates[j])
        agree = np.abs(estimates[k] - estimates[j]) <= 0.25 * np.minimum(gap_k, gap_j) \
            + 0.3 * (errors[k] + errors[j])
        off = np.minimum(gap_k, gap_j) > limit[picked]
        stays |= agree & off & np.isfinite(estimates[k]) & np.isfinite(estimates[j])
    moved = ~stays | at_kink
    noise[picked[moved]] = True
    if moved.all():
        noise[failing] = True          # every re-measured failure was noise: the smaller ones are too
    confirmations.entries += len(picked)
    confirmations.noise += int(moved.sum())
    confirmations.kept += int((~moved).sum())
    confirmations.evaluations += target.counter.calls - before
    return noise, picked, at_kink


@quiet_numerics
def judge(name, shape, indices, a, n, forward, backward, rtol, atol, error=None, noise=None,
          kinks=None) -> GradientRow:
    """Per-entry analytic ``a`` and numeric ``n`` become a row: nan, FAIL, kink, noisy or ok.

    An entry fails when its discrepancy exceeds its threshold (:func:`thresholds`) and was not shown to
    be noise by :func:`confirm`. The row's ``power`` is the relative error that a wrong entry of median
    size or more would have needed to be caught (:func:`power_of`).
    """
    error = np.zeros(len(indices)) if error is None else error
    noise = np.zeros(len(indices), dtype=bool) if noise is None else noise
    abs_err = np.abs(a - n)
    rel_err = relative_errors(abs_err, a, n, rtol, atol)
    limit = thresholds(a, n, rtol, atol, error)
    own = np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-300)     # relative to each entry's own size
    power = power_of(detectable(a, n, forward, backward, limit, rtol, atol), a)
    checked = len(indices)

    def index_of(pick):
        return tuple(int(i) for i in np.unravel_index(indices[pick], shape))

    def row(status, pick, failed=0, detail=""):
        return GradientRow(name, shape, status, float(abs_err.max()), float(rel_err.max()), index_of(pick),
                           float(a[pick]), float(n[pick]), checked, failed, detail, power=power)

    not_finite = ~(np.isfinite(a) & np.isfinite(n))
    if not_finite.any():
        pick = int(np.argmax(not_finite))
        where = "analytic gradient" if not np.isfinite(a[pick]) else "loss (so the numeric gradient)"
        return GradientRow(name, shape, "nan", math.nan, math.nan, index_of(pick), float(a[pick]),
                           float(n[pick]), checked, int(not_finite.sum()),
                           f"the {where} is not finite at {name}{list(index_of(pick))}")
    failing = abs_err > limit
    if not failing.any():
        return row("ok", int(np.argmax(rel_err)))
    at_kink = failing & (kinks if kinks is not None else kinked(a, forward, backward, rtol, atol))
    real = failing & ~at_kink & ~noise
    if (failing & ~real).any():
        # an error no larger than the noise or the kinks met here could pass for them: say so in the power
        power = max(power, float(np.max((abs_err / own)[failing & ~real])))
    if real.any():
        pick = int(np.argmax(np.where(real, rel_err, -1.0)))
        return row("FAIL", pick, failed=int(real.sum()))
    noisy = failing & noise & ~at_kink
    if noisy.any():
        pick = int(np.argmax(np.where(noisy, abs_err, -1.0)))
        floor = float(abs_err[noisy].max())
        return row("noisy", pick, detail=f"{int(noisy.sum())} entries differ by up to {floor:.1e}, and the "
                                         "difference moves with the step size (rounding, truncation, or a kink "
                                         "inside the step), so it is noise, not a bug")
    pick = int(np.argmax(np.where(at_kink, rel_err, -1.0)))
    return row("kink", pick, detail="one-sided differences disagree (a kink such as ReLU at 0)")


@quiet_numerics
def detectable(a, n, forward, backward, limit, rtol, atol) -> np.ndarray:
    """The relative error (to the entry's own size) that an error in each entry would need to be caught:
    its threshold, plus the discrepancy the entry already shows, plus, where the one-sided slopes disagree
    like at a kink, the distance out of the kink's band (an error inside it passes for the kink). Divided
    by ``1 - rtol`` because the threshold grows with the wrong value itself."""
    return _needed(a, np.abs(a), np.abs(a - n), forward, backward, limit, rtol, atol)


def _needed(a, size, gap, forward, backward, limit, rtol, atol) -> np.ndarray:
    """:func:`detectable`, given ``size = |a|`` and ``gap = |a - n|``; without a kink the band is 0 and not
    added (``limit + gap`` is >= 0 or NaN, so adding 0.0 changes nothing)."""
    own = np.maximum(size, 1e-300)
    if _any_kink(forward, backward, rtol, atol):
        return (limit + gap + way_out_of_kink(a, forward, backward, rtol, atol)) / own / (1 - min(rtol, 0.5))
    return (limit + gap) / own / (1 - min(rtol, 0.5))


@quiet_numerics
def power_of(needed: np.ndarray, a: np.ndarray) -> float:
    """The stated power: the largest relative error needed (:func:`detectable`) over the entries of median
    size or more (errors in smaller entries are judged by ``atol``). NaN when there is no such entry."""
    size = np.abs(a)
    if not len(size):
        return math.nan
    middle = len(size) // 2            # the median, without np.median (whose first call imports numpy.ma)
    upper = (size >= np.partition(size, middle)[middle]) & (size > 0)
    if not upper.any() or not np.isfinite(needed[upper]).all():
        return math.nan
    return float(np.max(needed[upper]))


@quiet_numerics
def kink_band(forward, backward, rtol, atol):
    """Where the one-sided slopes differ clearly (by over ten times the tolerance), as at a kink: the band
    ``[low - margin, high + margin]`` between them, as ``(low, high, margin, kink_like)``. Each slope is
    known only to O(step), hence a margin of the tolerance plus a tenth of the gap."""
    known = np.isfinite(forward) & np.isfinite(backward)
    low, high = np.fmin(forward, backward), np.fmax(forward, backward)
    tolerance = np.maximum(rtol * np.maximum(np.abs(low), np.abs(high)), atol)
    return low, high, tolerance + 0.1 * (high - low), known & (high - low > 10 * tolerance)


def kinked(a, forward, backward, rtol, atol) -> np.ndarray:
    """True where the one-sided slopes differ clearly and the analytic value lies in the band between them
    (at a kink the analytic value is one of the one-sided slopes, or between them)."""
    low, high, margin, kink_like = kink_band(forward, backward, rtol, atol)
    return kink_like & (a >= low - margin) & (a <= high + margin)


def _any_kink(forward, backward, rtol, atol) -> bool:
    """Does :func:`kink_band` find any kink? The same test in fewer steps: where both slopes are finite,
    ``high - low`` is ``|forward - backward|`` and ``max(|low|, |high|)`` is ``max(|forward|, |backward|)``;
    where one is not, the difference is not finite and the comparison is False, as ``known`` makes it."""
    tolerance = np.maximum(rtol * np.maximum(np.abs(forward), np.abs(backward)), atol)
    # (logical_or.reduce: the ufunc itself, without ndarray.any's Python wrapper)
    return bool(np.logical_or.reduce(np.abs(forward - backward) > 10 * tolerance, axis=None))


@quiet_numerics
def way_out_of_kink(a, forward, backward, rtol, atol) -> np.ndarray:
    """How far ``a`` must move to leave the kink's band (an error inside it passes for the kink); 0 where
    the slopes show no kink."""
    if not _any_kink(forward, backward, rtol, atol):     # the usual case: no band to leave
        return np.zeros(np.broadcast(a, forward, backward).shape)
    low, high, margin, kink_like = kink_band(forward, backward, rtol, atol)
    return np.where(kink_like, np.maximum(np.abs(a - low), np.abs(high - a)) + margin, 0.0)


@quiet_numerics
def whole_tensor_pattern(analytic: np.ndarray, numeric: np.ndarray, rtol, atol) -> str:
    """Name a pattern that explains every entry at once: a constant factor or a transpose."""
    scale = float(np.vdot(analytic, numeric) / max(np.vdot(numeric, numeric), 1e-300))
    fitted = np.abs(analytic - scale * numeric) <= np.maximum(rtol * np.abs(analytic), atol) * 10
    if fitted.all() and np.abs(numeric).max() > atol and abs(scale - 1) > 10 * rtol:
        if np.isclose(scale, -1.0, rtol=1e-3):
            return "the sign is flipped: analytic = -numeric for every entry (gradient ascent instead of descent)"
        return f"analytic = {scale:.4g} x numeric for every entry: the whole tensor is scaled by a constant factor"
    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1]:
        if np.allclose(analytic.T, numeric, rtol=rtol * 10, atol=atol * 10):
            return "analytic = numeric.T: the gradient is transposed (the shapes agree because the matrix is square)"
    return ""


def unchanged_loss_detail(name: str) -> str:
    """The row's detail when no move of ``name``'s entries changed the loss at all, though its gradient is
    not zero: the loss is most likely not computed from the arrays being moved."""
    return (f"the loss did not change when any entry of {name} moved: does loss_fn read the parameters you "
            "passed? (it must compute from them, or from arrays they share memory with, not from copies)")


def _with_detail(row: GradientRow, detail: str) -> GradientRow:
    from dataclasses import replace

    return replace(row, detail=detail)
