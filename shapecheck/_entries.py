"""Entry-by-entry checks (modes ``full`` and ``sample``) and the judgement of one tensor's entries."""

from __future__ import annotations

import math

import numpy as np

from shapecheck._methods import entry_estimates, entry_plan
from shapecheck.gradient_report import GradientRow


def entry_numerics(target, t: int, indices: np.ndarray, method, h: float, base: float):
    """Numeric derivative at each flat index, with the one-sided slopes where the method gives them."""
    flat, steps = entry_plan(method, np.asarray(indices), h)
    losses, realised = target.entry_losses(t, flat, steps)
    return entry_estimates(method, losses, realised, h, base)


def check_many(target, tensors, method, h, base, rtol, atol) -> list[GradientRow]:
    """Entry checks of several tensors ``(t, name, array, grad, indices)`` with one request to the target
    (a batched target evaluates them all in one vectorised call)."""
    requests = [(t, *entry_plan(method, np.asarray(indices), h)) for t, _, _, _, indices in tensors]
    answers = target.entry_losses_many(requests)
    rows = []
    for (t, name, array, grad, indices), (losses, realised) in zip(tensors, answers):
        numerics = entry_estimates(method, losses, realised, h, base)
        rows.append(_entry_row(name, array, grad, indices, numerics, rtol, atol))
    return rows


def check_entries(target, t, name, array, grad, indices, method, h, base, rtol, atol) -> GradientRow:
    """Finite differences at ``indices`` of tensor ``t``; the worst entry decides the row."""
    numerics = entry_numerics(target, t, indices, method, h, base)
    return _entry_row(name, array, grad, indices, numerics, rtol, atol)


def _entry_row(name, array, grad, indices, numerics, rtol, atol) -> GradientRow:
    numeric, forward, backward = numerics
    a = grad.reshape(-1)[indices]
    row = judge(name, array.shape, indices, a, numeric, forward, backward, rtol, atol)
    if row.status == "FAIL" and len(indices) == array.size:
        detail = whole_tensor_pattern(grad, numeric.reshape(array.shape), rtol, atol)
        if detail:
            row = _with_detail(row, detail)
    return row


def judge(name, shape, indices, a, n, forward, backward, rtol, atol) -> GradientRow:
    """Per-entry analytic ``a`` and numeric ``n`` become a row: nan, FAIL, kink or ok."""
    abs_err = np.abs(a - n)
    rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), atol / rtol)
    checked = len(indices)

    def index_of(pick):
        return tuple(int(i) for i in np.unravel_index(indices[pick], shape))

    def row(status, pick, failed=0, detail=""):
        return GradientRow(name, shape, status, float(abs_err.max()), float(rel_err.max()), index_of(pick),
                           float(a[pick]), float(n[pick]), checked, failed, detail)

    not_finite = ~(np.isfinite(a) & np.isfinite(n))
    if not_finite.any():
        pick = int(np.argmax(not_finite))
        where = "analytic gradient" if not np.isfinite(a[pick]) else "loss (so the numeric gradient)"
        return GradientRow(name, shape, "nan", math.nan, math.nan, index_of(pick), float(a[pick]),
                           float(n[pick]), checked, int(not_finite.sum()),
                           f"the {where} is not finite at {name}{list(index_of(pick))}")
    failing = rel_err > rtol
    if not failing.any():
        return row("ok", int(np.argmax(rel_err)))
    at_kink = failing & kinked(a, forward, backward, rtol, atol)
    real = failing & ~at_kink
    if real.any():
        pick = int(np.argmax(np.where(real, rel_err, -1.0)))
        return row("FAIL", pick, failed=int(real.sum()))
    pick = int(np.argmax(np.where(at_kink, rel_err, -1.0)))
    return row("kink", pick, detail="one-sided differences disagree (a kink such as ReLU at 0)")


def kinked(a, forward, backward, rtol, atol) -> np.ndarray:
    """True where the one-sided slopes differ clearly and the analytic value lies between them.

    At a kink the analytic value is one of the one-sided slopes (or between them), each known only to
    O(step), hence the margin of a tenth of the gap.
    """
    known = np.isfinite(forward) & np.isfinite(backward)
    low, high = np.fmin(forward, backward), np.fmax(forward, backward)
    tolerance = np.maximum(rtol * np.maximum(np.abs(low), np.abs(high)), atol)
    margin = tolerance + 0.1 * (high - low)
    return known & (high - low > 10 * tolerance) & (a >= low - margin) & (a <= high + margin)


def whole_tensor_pattern(analytic: np.ndarray, numeric: np.ndarray, rtol, atol) -> str:
    """Name a pattern that explains every entry at once: a constant factor or a transpose."""
    scale = float(np.vdot(analytic, numeric) / max(np.vdot(numeric, numeric), 1e-300))
    fitted = np.abs(analytic - scale * numeric) <= np.maximum(rtol * np.abs(analytic), atol) * 10
    if fitted.all() and np.abs(numeric).max() > atol:
        if np.isclose(scale, -1.0, rtol=1e-3):
            return "the sign is flipped: analytic = -numeric for every entry (gradient ascent instead of descent)"
        return f"analytic = {scale:.4g} x numeric for every entry: the whole tensor is scaled by a constant factor"
    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1]:
        if np.allclose(analytic.T, numeric, rtol=rtol * 10, atol=atol * 10):
            return "analytic = numeric.T: the gradient is transposed (the shapes agree because the matrix is square)"
    return ""


def _with_detail(row: GradientRow, detail: str) -> GradientRow:
    from dataclasses import replace

    return replace(row, detail=detail)
