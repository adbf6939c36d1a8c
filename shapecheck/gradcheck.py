"""Finite-difference gradient checking that says which tensor and which entry is wrong.

Relative error of one entry, with analytic value ``a`` and numeric value ``n``::

    rel = |a - n| / max(|a|, |n|, atol / rtol)

An entry fails when ``rel > rtol``; equivalently when ``|a - n|`` exceeds both ``rtol * max(|a|, |n|)``
and ``atol``, so entries whose true gradient is (nearly) zero are judged by ``atol`` alone.

The parameters are perturbed IN PLACE, so ``loss_fn`` may be a closure over the learner's own network
that ignores its argument. Every array is restored bitwise afterwards, whatever happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from tabulate import tabulate

from shapecheck._arrays import choose, describe, format_shape
from shapecheck._tree import float_leaves, leaves
from shapecheck.errors import ParameterError, ShapeError, ShapecheckError

MODES = ("full", "sample")
METHODS = ("central",)
STATUSES = ("ok", "FAIL", "kink", "nan", "shape")

#: Defaults for float64 parameters: step, relative and absolute tolerance.
DEFAULT_EPS, DEFAULT_RTOL, DEFAULT_ATOL = 1e-6, 1e-5, 1e-8


class LossFunctionError(ShapecheckError, ValueError):
    """``loss_fn`` returned something that is not one real number."""


@dataclass(frozen=True)
class GradientRow:
    """The verdict on one tensor, with the worst entry's values."""

    name: str
    shape: tuple
    status: str
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple | None
    analytic: float | None
    numeric: float | None
    checked: int
    failed: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "kink")

    def to_dict(self) -> dict:
        return {
            "name": self.name, "shape": list(self.shape), "status": self.status,
            "max_abs_error": _json_float(self.max_abs_error), "max_rel_error": _json_float(self.max_rel_error),
            "worst_index": list(self.worst_index) if self.worst_index is not None else None,
            "analytic": _json_float(self.analytic), "numeric": _json_float(self.numeric),
            "checked": self.checked, "failed": self.failed, "detail": self.detail,
        }


@dataclass(frozen=True)
class GradientReport:
    """The checker's result: ``ok``, one row per tensor, and how many loss evaluations it took."""

    rows: tuple
    evaluations: int
    mode: str
    method: str
    eps: float
    rtol: float
    atol: float
    notes: tuple = field(default=())

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __getitem__(self, name: str) -> GradientRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"{name!r}; tensors: {', '.join(r.name for r in self.rows)}")

    def verdict(self) -> str:
        """One line: OK with the largest error, or which tensor and entry is wrong."""
        how = f"{self.method} differences, eps={self.eps:g}, {self.evaluations} loss evaluations"
        bad = [row for row in self.rows if not row.ok]
        if not bad:
            worst = max((row.max_rel_error for row in self.rows), default=0.0)
            kinks = [row.name for row in self.rows if row.status == "kink"]
            extra = f"; kinks (one-sided differences disagree) in {', '.join(kinks)}" if kinks else ""
            return f"gradients OK: {len(self.rows)} tensors, max relative error {worst:.1e} ({how}){extra}"
        first = bad[0]
        names = ", ".join(row.name for row in bad)
        if first.status == "shape":
            return f"gradients WRONG in {names}: {first.detail}"
        if first.status == "nan":
            return f"gradients WRONG in {names}: {first.detail}"
        return (f"gradients WRONG in {names}: {first.name}{list(first.worst_index)} analytic "
                f"{first.analytic:.6g} vs numeric {first.numeric:.6g} (relative error {first.max_rel_error:.1e}, "
                f"{first.failed} of {first.checked} entries fail; {how})")

    def __str__(self) -> str:
        table = [
            [row.name, format_shape(row.shape), row.status, _fmt(row.max_abs_error), _fmt(row.max_rel_error),
             "" if row.worst_index is None else str(list(row.worst_index)), _fmt(row.analytic), _fmt(row.numeric)]
            for row in self.rows
        ]
        headers = ["tensor", "shape", "status", "max abs err", "max rel err", "worst index", "analytic", "numeric"]
        text = self.verdict() + "\n" + tabulate(table, headers=headers, disable_numparse=True)
        for note in self.notes:
            text += f"\nnote: {note}"
        return text

    def to_dict(self) -> dict:
        return {"ok": self.ok, "verdict": self.verdict(), "evaluations": self.evaluations, "mode": self.mode,
                "method": self.method, "eps": self.eps, "rtol": self.rtol, "atol": self.atol,
                "rows": [row.to_dict() for row in self.rows], "notes": list(self.notes)}


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3g}"


def _json_float(value):
    if value is None or math.isfinite(value):
        return value
    return str(value)


def check_gradients(loss_fn: Callable[[Any], float], params, grads, *, mode: str = "full",
                    method: str = "central", eps: float | None = None, rtol: float | None = None,
                    atol: float | None = None, samples: int | None = None, seed: int = 0) -> GradientReport:
    """Compare ``grads`` with finite differences of ``loss_fn`` around ``params``.

    ``params``: an array, a dict or list of arrays, or nested dicts/lists of them (perturbed in place
    and restored bitwise). ``grads``: the same structure, or a callable ``grads(params)`` returning it.
    ``mode="full"`` checks every entry, ``mode="sample"`` ``samples`` random entries per tensor
    (reproducible with ``seed``).
    """
    choose("mode", mode, MODES)
    choose("method", method, METHODS)
    if not callable(loss_fn):
        raise ParameterError(f"loss_fn must be callable, got {describe(loss_fn)}", name="loss_fn",
                             expected="callable", got=type(loss_fn).__name__)
    eps = DEFAULT_EPS if eps is None else _positive_float("eps", eps)
    rtol = DEFAULT_RTOL if rtol is None else _positive_float("rtol", rtol)
    atol = DEFAULT_ATOL if atol is None else _positive_float("atol", atol)
    if mode == "sample":
        samples = 10 if samples is None else samples
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise ParameterError(f"samples must be a positive int, got {samples!r}", name="samples",
                                 expected="positive int", got=repr(samples))
    tensors = float_leaves(params, "params")
    analytic = _analytic_leaves(grads, params, tensors)
    saved = [array.copy() for _, array in tensors]
    counter = _Counter(loss_fn, params)
    try:
        base = counter()
        rng = np.random.default_rng(seed)
        rows = []
        for (name, array), grad in zip(tensors, analytic):
            if isinstance(grad, str):
                rows.append(_shape_row(name, array, grad))
                continue
            indices = _indices(array.shape, mode, samples, rng)
            rows.append(_check_tensor(counter, name, array, grad, indices, base, eps, rtol, atol))
    finally:
        for (_, array), original in zip(tensors, saved):
            np.copyto(array, original)
    return GradientReport(tuple(rows), counter.calls, mode, method, eps, rtol, atol)


def assert_gradients_close(loss_fn, params, grads, **options) -> GradientReport:
    """:func:`check_gradients`, raising AssertionError with the report's table when it is not ok."""
    report = check_gradients(loss_fn, params, grads, **options)
    if not report.ok:
        raise AssertionError("\n" + str(report))
    return report


class _Counter:
    """Calls ``loss_fn(params)``, counts the calls and insists on one real number."""

    def __init__(self, loss_fn, params):
        self.loss_fn, self.params, self.calls = loss_fn, params, 0

    def __call__(self) -> float:
        self.calls += 1
        value = self.loss_fn(self.params)
        array = np.asarray(value)
        if array.size != 1 or array.dtype.kind not in "fiub":
            raise LossFunctionError(
                f"loss_fn must return one real number, got {describe(value)}", name="loss_fn",
                expected="scalar", got=describe(value),
            )
        return float(array.reshape(()))


def _analytic_leaves(grads, params, tensors) -> list:
    """The analytic gradient of every tensor as float64, or a string saying why it cannot be compared."""
    if callable(grads):
        grads = grads(params)
    found = dict(leaves(grads))
    out = []
    for name, array in tensors:
        if name not in found:
            out.append(f"no gradient for {name}; grads has {', '.join(found) or 'nothing'}")
            continue
        grad = np.asarray(found[name])
        if grad.shape != array.shape:
            out.append(f"gradient {name} has shape {format_shape(grad.shape)}, "
                       f"the parameter has shape {format_shape(array.shape)}")
        elif grad.dtype.kind not in "fiu":
            out.append(f"gradient {name} is {describe(found[name])}, not a real array")
        else:
            out.append(grad.astype(np.float64))
    extra = [name for name in found if name not in dict(tensors)]
    if extra:
        raise ShapeError(f"grads has entries that are not parameters: {', '.join(extra)}", name="grads",
                         expected=[n for n, _ in tensors], got=list(found))
    return out


def _shape_row(name, array, detail) -> GradientRow:
    return GradientRow(name, array.shape, "shape", math.inf, math.inf, None, None, None, 0, 0, detail)


def _indices(shape, mode, samples, rng) -> np.ndarray:
    """Flat indices to check: all of them, or ``samples`` distinct random ones."""
    size = int(np.prod(shape))
    if mode == "full" or samples >= size:
        return np.arange(size)
    return np.sort(rng.choice(size, size=samples, replace=False))


def _check_tensor(evaluate, name, array, grad, indices, base, eps, rtol, atol) -> GradientRow:
    """Central differences at ``indices`` of ``array``; the worst entry decides the row."""
    numeric = np.empty(len(indices))
    forward = np.empty(len(indices))
    backward = np.empty(len(indices))
    for i, flat in enumerate(indices):
        index = np.unravel_index(flat, array.shape)
        original = array[index]
        try:
            array[index] = original + eps
            plus = evaluate()
            array[index] = original - eps
            minus = evaluate()
        finally:
            array[index] = original
        numeric[i] = (plus - minus) / (2 * eps)
        forward[i], backward[i] = (plus - base) / eps, (base - minus) / eps
    a = grad.reshape(-1)[indices]
    return _judge(name, array.shape, indices, a, numeric, forward, backward, rtol, atol)


def _judge(name, shape, indices, a, n, forward, backward, rtol, atol) -> GradientRow:
    """Turn per-entry values into a row: nan, FAIL, kink or ok, with the worst entry named."""
    abs_err = np.abs(a - n)
    rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), atol / rtol)
    checked = len(indices)

    def row(status, pick, failed=0, detail=""):
        index = tuple(int(i) for i in np.unravel_index(indices[pick], shape))
        return GradientRow(name, shape, status, float(abs_err.max()), float(rel_err.max()), index,
                           float(a[pick]), float(n[pick]), checked, failed, detail)

    not_finite = ~(np.isfinite(a) & np.isfinite(n))
    if not_finite.any():
        pick = int(np.argmax(not_finite))
        where = "analytic gradient" if not np.isfinite(a[pick]) else "loss (numeric gradient)"
        index = tuple(int(i) for i in np.unravel_index(indices[pick], shape))
        return GradientRow(name, shape, "nan", math.nan, math.nan, index, float(a[pick]), float(n[pick]),
                           checked, int(not_finite.sum()), f"the {where} is not finite at {name}{list(index)}")
    failing = rel_err > rtol
    if not failing.any():
        return row("ok", int(np.argmax(rel_err)))
    low, high = np.minimum(forward, backward), np.maximum(forward, backward)
    tolerance = np.maximum(rtol * np.maximum(np.abs(low), np.abs(high)), atol)
    at_kink = failing & (high - low > 10 * tolerance) & (a >= low - tolerance) & (a <= high + tolerance)
    real = failing & ~at_kink
    if real.any():
        pick = int(np.argmax(np.where(real, rel_err, -1.0)))
        return row("FAIL", pick, failed=int(real.sum()))
    pick = int(np.argmax(np.where(at_kink, rel_err, -1.0)))
    return row("kink", pick, detail="one-sided differences disagree (a kink such as ReLU at 0)")


def _positive_float(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not value > 0:
        raise ParameterError(f"{name} must be a positive number, got {value!r}", name=name,
                             expected="positive float", got=repr(value))
    return float(value)
