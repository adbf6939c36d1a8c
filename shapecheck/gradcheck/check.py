"""Finite-difference gradient checking that says which tensor and which entry is wrong.

Relative error of one entry, with analytic value ``a`` and numeric value ``n``::

    rel = |a - n| / max(|a|, |n|, atol / rtol)

An entry fails when ``rel > rtol``; equivalently when ``|a - n|`` exceeds both ``rtol * max(|a|, |n|)``
and ``atol``, so entries whose true gradient is (nearly) zero are judged by ``atol`` alone.

Defaults (eps, rtol, atol), chosen so that a correct float64 gradient passes with a wide margin and
a wrong one fails:

===========  =======================  ======================================================
method       float64                  float32 parameters
===========  =======================  ======================================================
central      1e-6, 1e-5, 1e-8         1e-3, 1e-2, 1e-3 (in float32), or 1e-6, 1e-4, 1e-6 when
                                      loss_fn uses its argument and is evaluated on float64 copies
forward      1e-8, 1e-4, 1e-6         3e-3, 5e-2, 3e-3
richardson   1e-3, 1e-7, 1e-10        3e-2, 1e-2, 1e-3
complex      1e-20, 1e-9, 1e-12       1e-20, 1e-4, 1e-6 (always evaluated on complex128 copies)
===========  =======================  ======================================================

float64 parameters in a loss computed in float32 (its values are float32 numbers: ``tolerances.loss_precision``)
get float32's row. The table itself is ``tolerances.DEFAULTS``.

The parameters are perturbed IN PLACE, so ``loss_fn`` may be a closure over the learner's own network
that ignores its argument. Every array is restored bitwise afterwards, whatever happens (an
exception, a NaN, Ctrl-C).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

from reference_nets.checks import positive
from shapecheck._arrays import choose, describe, format_shape
from shapecheck.gradcheck.buffers import checking
from shapecheck.gradcheck.entries import Confirmations, check_many, entry_numerics
from shapecheck.gradcheck.fastmode import fast_check
from shapecheck.gradcheck.methods import METHODS
from shapecheck.gradcheck.progress import stack_level_outside_shapecheck
from shapecheck.gradcheck.quick import quick_check
from shapecheck.gradcheck.segments import LaidOut
from shapecheck.gradcheck.targets import (
    BatchedTarget, Counter, EntryBatchTarget, InPlaceTarget, LossFunctionError, check_takes_one_argument, copy_tree,
    every_index,
)
from shapecheck.gradcheck.tree import float_leaves, leaves, structure_hint
from shapecheck.errors import ParameterError, ShapeError, interrupted
from shapecheck.gradcheck.report import GradientReport, GradientRow, unless_the_loss_is_not_finite
from shapecheck.gradcheck.sweep import DEFAULT_EPS_VALUES, SweepReport
from shapecheck.gradcheck.floats import check_floats, holds_floats
from shapecheck.gradcheck.tolerances import (
    DEFAULTS, FLOAT32_LOSS_NOTE, MACHINE_EPSILON, PrecisionWarning, loss_precision, typical_size, warn_float32_loss,
)

MODES = ("full", "sample", "fast")

__all__ = ["check_gradients", "assert_gradients_close", "batched_loss", "PrecisionWarning",
           "ComplexStepWarning", "LossFunctionError", "GradientReport", "GradientRow", "DEFAULTS"]


class ComplexStepWarning(UserWarning):
    """``method="complex"`` was asked for, but the loss is not complex-safe: central differences are used."""


def batched_loss(batched: Callable[[Any], Any]) -> Callable:
    """Declare that a loss also accepts a batch of perturbed copies, for the fast batched check.

    ``batched(tree)`` receives ``params`` with ONE leaf given a leading axis of size K (K perturbed
    copies of that tensor) and every other leaf as it is, and must return the K losses, shape ``(K,)``.
    Use it as a decorator on the ordinary loss::

        @batched_loss(my_batched_loss)
        def loss(params): ...
    """

    def mark(loss_fn):
        loss_fn.batched = batched
        return loss_fn

    return mark


def check_gradients(loss_fn: Callable[[Any], float], params, grads, *, mode: str = "full",
                    method: str = "central", eps: float | None = None, rtol: float | None = None,
                    atol: float | None = None, samples: int | None = None, seed: int = 0,
                    progress: bool | None = None) -> GradientReport:
    """Compare ``grads`` with finite differences of ``loss_fn`` around ``params``.

    ``params``: an array, a dict or list of arrays, or nested dicts/lists of them (perturbed in place
    and restored bitwise). ``grads``: the same structure, or a callable ``grads(params)`` returning it.
    ``mode``: ``"full"`` checks every entry; ``"sample"`` ``samples`` random entries per tensor
    (default 10, reproducible with ``seed``); ``"fast"`` one random direction per tensor (a second for a
    failing one), then localises the wrong entries of a failing tensor by group testing (``row.suspects``).
    ``method``: ``"central"``, ``"forward"``, ``"richardson"`` or ``"complex"`` (complex step; falls back
    to central with a ComplexStepWarning when the loss is not complex-safe).
    ``progress``: a full check projected to take over 2 s draws a bar with the time left on stderr where a
    person watches (a terminal, a notebook; None), never with False; one projected over 10 s also warns
    (``SlowCheckWarning``) and names fast mode.
    """
    defaults = _all_default(mode, method, eps, rtol, atol, samples, seed, progress)
    if not defaults:                    # (else nothing to refuse)
        _check_options(mode, method, eps, rtol, atol, samples, seed, progress)
    if not callable(loss_fn):
        raise ParameterError(f"loss_fn must be callable, got {describe(loss_fn)}", name="loss_fn",
                             expected="callable", got=type(loss_fn).__name__)
    if defaults and not callable(grads):   # the usual case, in few steps (None: it is not; floats are not)
        report = quick_check(loss_fn, params, grads, _make_sweeper)
        if report is not None:
            return report
    check_takes_one_argument(loss_fn)
    samples = _check_samples(mode, samples)
    if holds_floats(params):            # a dict of floats, an object's self.w1 ...: each as a 0-d array
        return check_floats(check_gradients, loss_fn, params, grads, mode=mode, method=method, eps=eps, rtol=rtol,
                            atol=atol, samples=samples, seed=seed, progress=progress)
    found = float_leaves(params, "params")
    names, paths, arrays = [f[0] for f in found], [f[1] for f in found], [f[2] for f in found]
    analytic = _analytic_leaves(grads, params, names, arrays)
    saved = [array.copy() for array in arrays]
    notes: list[str] = []
    with checking():
        try:
            return _check(loss_fn, params, grads, names, paths, arrays, analytic, saved, notes, mode, method, eps,
                          rtol, atol, samples, seed, progress)
        except KeyboardInterrupt:       # _check has put every array back
            raise interrupted("check_gradients") from None


def _all_default(mode, method, eps, rtol, atol, samples, seed, progress) -> bool:
    """Are the options of :func:`check_gradients` all as they are by default? (Compared by type and identity
    first: an array given as the seed is refused by :func:`_check_options`, not compared here.)"""
    return type(mode) is str and mode == "full" and type(method) is str and method == "central" \
        and eps is None and rtol is None and atol is None and samples is None and progress is None \
        and type(seed) is int and seed == 0


def _check_options(mode, method, eps, rtol, atol, samples, seed, progress) -> None:
    """Refuse an option of :func:`check_gradients` that is not one it takes, showing it."""
    choose("mode", mode, MODES)
    choose("method", method, tuple(METHODS))
    for name, value in (("eps", eps), ("rtol", rtol), ("atol", atol)):
        if value is not None:
            positive(name, value, float, error=ParameterError)
    _check_samples(mode, samples)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative int, got {seed!r}", name="seed", expected="int >= 0",
                             got=repr(seed))
    if progress not in (None, True, False):
        raise ParameterError(f"progress must be None (shown where a person watches), True or False, got "
                             f"{progress!r}", name="progress", expected="None, True or False", got=repr(progress))


def _check(loss_fn, params, grads, names, paths, arrays, analytic, saved, notes, mode, method, eps, rtol, atol,
           samples, seed, progress=None) -> GradientReport:
    """The body of :func:`check_gradients`, its inputs checked; every array restored from ``saved`` at the end."""
    try:
        target, method, precision = _choose_target(loss_fn, params, paths, arrays, method, notes)
        base = float(np.real(target.base()))
        if precision == "float64" and method != "complex":
            precision = loss_precision(target, base, analytic)
            if precision == "float32-loss":
                notes.append(FLOAT32_LOSS_NOTE)
                warn_float32_loss()
        d_eps, d_rtol, d_atol = DEFAULTS[(precision, method)]
        machine = MACHINE_EPSILON[precision]
        central = DEFAULTS.get((precision, "central"), (eps or d_eps,))[0]
        central_rtol = DEFAULTS.get((precision, "central"), (None, d_rtol))[1]
        confirmations = Confirmations(steps=(central, central / 10), rtol=rtol or central_rtol)
        eps, rtol = eps or d_eps, rtol or d_rtol
        # the default atol is relative to the gradients' own size, so a loss scaled by 1e-6 or 1e8 is checked
        # as sharply as one of size 1 (entries far below the typical size are judged by atol)
        atol = atol or d_atol * typical_size(analytic)
        rng = np.random.default_rng(seed) if mode != "full" else None     # (creating one costs ~30 us)
        rows: dict[int, GradientRow] = {}
        entry_checks = []
        for t, (name, array, grad) in enumerate(zip(names, target.arrays, analytic)):
            if isinstance(grad, str):
                rows[t] = GradientRow(name, array.shape, "shape", float("inf"), float("inf"), None, None, None,
                                      0, 0, grad)
            elif mode == "fast":
                rows[t] = fast_check(target, t, name, array, grad, METHODS[method], eps, base, rtol, atol, rng,
                                     machine, confirmations)
            else:
                indices = every_index(array.size) if mode == "full" else _indices(array.size, mode, samples, rng)
                entry_checks.append((t, name, array, grad, indices))
        if entry_checks:
            checked = check_many(target, entry_checks, METHODS[method], eps, base, rtol, atol, machine,
                                 confirmations, progress, analytic.whole[0] if isinstance(analytic, LaidOut) else None)
            rows.update({t: row for (t, *_), row in zip(entry_checks, checked)})
        rows = [rows[t] for t in range(len(names))]
        if not math.isfinite(base):         # (each Python call costs microseconds after the loss calls)
            rows = [unless_the_loss_is_not_finite(row, base) for row in rows]
        evaluations = target.counter.calls
        if confirmations.entries:
            notes.append(confirmations.note())
    finally:
        for array, original in zip(arrays, saved):
            np.copyto(array, original)
    sweeper = _make_sweeper(loss_fn, params, names, arrays, analytic)
    return GradientReport(tuple(rows), evaluations, mode, method, eps, rtol, atol, tuple(notes), sweeper)


def assert_gradients_close(loss_fn, params, grads, **options) -> GradientReport:
    """:func:`check_gradients`, raising AssertionError with the report's table when it is not ok."""
    __tracebackhide__ = True            # pytest shows the caller's line, not this one
    report = check_gradients(loss_fn, params, grads, **options)
    if not report.ok:
        raise AssertionError(str(report))     # its first line, the verdict, is pytest's summary line
    return report


# -- choosing where to evaluate -----------------------------------------------------------------------

def _choose_target(loss_fn, params, paths, arrays, method, notes):
    """The evaluation target, the method actually used, and the precision row of DEFAULTS."""
    low = any(a.dtype.itemsize < 8 for a in arrays)
    half = low and any(a.dtype == np.float16 for a in arrays)       # (low_name is read only when low)
    low_name = "float16" if half else "float32"
    counter = Counter(loss_fn, allow_complex=method == "complex")
    if method == "complex":
        complex_target = _complex_target(loss_fn, params, arrays, counter, notes)
        if complex_target is not None:
            return complex_target, "complex", f"{low_name}-via-float64" if low else "float64"
        method = "central"
    if low:
        copies = copy_tree(params, np.float64)
        if _uses_argument(counter, params, copies):
            notes.append(f"{low_name} parameters: loss_fn uses its argument, so it was evaluated on float64 copies")
            _warn_float32(low_name, "evaluated on float64 copies; the analytic gradient is still "
                          f"{low_name}, tolerances rtol={DEFAULTS[(f'{low_name}-via-float64', method)][1]:g}")
            copied_arrays = [leaf for _, leaf in leaves(copies)]
            return InPlaceTarget(counter, copies, copied_arrays), method, f"{low_name}-via-float64"
        if (low_name, method) not in DEFAULTS:
            method = "central"          # complex steps need complex copies; in place only real steps exist
        if _computed_in_float64(counter, params, low_name):
            precision = f"{low_name}-float64-loss"
            notes.append(f"{low_name} parameters, but loss_fn computes in float64 (its value is no {low_name} "
                         "number: float64 data or a closure), so its rounding is float64's; the steps are large "
                         f"enough to move every {low_name} entry")
            return InPlaceTarget(counter, params, arrays), method, precision
        notes.append(f"{low_name} parameters: finite differences in {low_name} are accurate to about "
                     f"{'3' if low_name == 'float32' else '1'} digit(s); the rounding is allowed for entry by entry")
        _warn_float32(low_name, f"tolerances widened to rtol={DEFAULTS[(low_name, method)][1]:g}, "
                      f"atol={DEFAULTS[(low_name, method)][2]:g}; cast to float64 for a sharp check")
        return InPlaceTarget(counter, params, arrays), method, low_name
    single_entry = getattr(loss_fn, "single_entry_losses", None)
    if callable(single_entry) and method in ("central", "forward", "richardson"):
        return EntryBatchTarget(counter, params, arrays, single_entry), method, "float64"
    batched = getattr(loss_fn, "batched", None)
    if callable(batched) and method in ("central", "forward", "richardson"):
        return BatchedTarget(counter, params, arrays, paths, batched), method, "float64"
    return InPlaceTarget(counter, params, arrays), method, "float64"


def _computed_in_float64(counter: Counter, params, low_name: str) -> bool:
    """Is the loss computed in float64 although the parameters are ``low_name``? (A value computed in
    float32 or float16 is a number of that precision; one computed in float64 almost never is.)"""
    value = float(np.real(counter(params)))
    low = np.float16 if low_name == "float16" else np.float32
    return bool(np.isfinite(value)) and float(low(value)) != value


def _warn_float32(name: str, how: str) -> None:
    digits = "about 7 significant digits, so finite differences are accurate to about 3" if name == "float32" \
        else "about 3 significant digits, so finite differences are accurate to about 1"
    warnings.warn(f"{name} parameters carry {digits}: {how}", PrecisionWarning,
                  stacklevel=stack_level_outside_shapecheck())


def _uses_argument(counter: Counter, params, copies) -> bool:
    """Does ``loss_fn`` read the tree it is given? (Nudge every copy a little and see if the loss moves.)"""
    before = counter(copies)
    nudged = copy_tree(copies, np.float64)
    for _, leaf in leaves(nudged):
        leaf *= 1.001
        leaf += 1e-3
    return counter(nudged) != before


def _complex_target(loss_fn, params, arrays, counter, notes):
    """A target on complex128 copies, or None (with a ComplexStepWarning) when the loss is not complex-safe."""
    ctree = copy_tree(params, np.complex128)
    carrays = [leaf for _, leaf in leaves(ctree)]
    target = InPlaceTarget(counter, ctree, carrays)
    reason = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reason = _complex_disagreement(target, counter, params, arrays)
        except LossFunctionError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure on complex input means "not complex-safe"
            reason = f"loss_fn raised {type(exc).__name__}: {exc} on complex input"
    complex_warnings = [w for w in caught if "complex" in type(w.message).__name__.lower()
                        or "imaginary" in str(w.message)]
    if complex_warnings and not reason:
        reason = f"numpy warned: {complex_warnings[0].message}"
    if reason:
        notes.append(f"complex step not used: {reason}")
        warnings.warn(f"method='complex' needs a complex-safe loss; {reason}. Falling back to central "
                      "differences.", ComplexStepWarning, stacklevel=stack_level_outside_shapecheck())
        return None
    return target


def _complex_disagreement(target, counter, params, arrays) -> str:
    """Compare complex-step and central derivatives at a few entries; '' when they agree."""
    ctree_base = target.counter(target.tree)
    if not isinstance(ctree_base, (complex, float)):
        return "loss_fn did not return a number for complex input"
    real_target = InPlaceTarget(counter, params, arrays)
    base = counter(params)
    rng = np.random.default_rng(12345)
    for t, array in enumerate(arrays):
        for i in rng.choice(array.size, size=min(2, array.size), replace=False):
            index = np.array([i])
            central = entry_numerics(real_target, t, index, METHODS["central"], 1e-6, base)[0]
            cplx = entry_numerics(target, t, index, METHODS["complex"], 1e-20, base)[0]
            if abs(central[0] - cplx[0]) > 1e-4 * max(abs(central[0]), abs(cplx[0])) + 1e-6:
                return (f"at {format_shape(array.shape)} tensor entry {int(i)} the complex-step derivative "
                        f"{cplx[0]:.6g} disagrees with central differences {central[0]:.6g} (abs, maximum, "
                        "comparisons, a write into a float buffer, or a closure that ignores its argument "
                        "drop the imaginary part)")
    return ""


# -- inputs ---------------------------------------------------------------------------------------------

def _analytic_leaves(grads, params, names, arrays) -> list:
    """The analytic gradient of every tensor as float64, or a string saying why it cannot be compared. When
    every one can be, one flat float64 copy of them all, laid end to end (:class:`LaidOut`)."""
    label = "grads(params)" if callable(grads) else "grads"
    if callable(grads):
        grads = grads(params)
        if grads is None:
            raise ShapeError(f"grads(params) returned None; it must return the gradients in the structure of params "
                             f"({', '.join(names)}): is a return statement missing?", name="grads",
                             expected=names, got=None)
    if grads is None:
        raise ShapeError(f"grads is None; give the gradients in the structure of params ({', '.join(names)}), or a "
                         "function grads(params) returning them", name="grads", expected=names, got=None)
    found = dict(leaves(grads))
    extra = [name for name in found if name not in names]
    if extra:
        message = structure_hint(params, grads, label) or (f"{label} has entries that are not parameters: "
                                                          f"{', '.join(extra)}; parameters are {', '.join(names)}")
        raise ShapeError(message, name="grads", expected=names, got=list(found))
    out = []
    for name, array in zip(names, arrays):
        if name not in found:
            out.append(f"no gradient for {name}; grads has {', '.join(found) or 'nothing'}")
            continue
        grad = found[name]
        grad = grad if type(grad) is np.ndarray else np.asarray(grad) if not isinstance(grad, (str, bytes)) else None
        if grad is None or grad.dtype.kind not in "fiu":
            out.append(f"gradient {name} is {describe(found[name])}, not a real array")
        elif grad.shape != array.shape:
            out.append(f"gradient {name} has shape {format_shape(grad.shape)}, "
                       f"the parameter has shape {format_shape(array.shape)}{_order_hint(name, grad, names, arrays)}")
        else:
            out.append(grad)
    if any(isinstance(grad, str) for grad in out):
        return [grad if isinstance(grad, str) else grad.astype(np.float64) for grad in out]
    # every gradient comparable: float64 copies of them all in one array, each leaf a view of it (the checker
    # reads them laid end to end, and one copy costs what one of a leaf costs)
    return LaidOut(np.concatenate([grad.reshape(-1) for grad in out], dtype=np.float64), [grad.shape for grad in out])


def _order_hint(name, grad, names, arrays) -> str:
    """When a gradient has the shape of another parameter, the gradients may come in another order than the
    parameters (Nielsen's backprop returns (nabla_b, nabla_w); its network keeps [weights, biases])."""
    others = [other for other, array in zip(names, arrays) if other != name and array.shape == grad.shape]
    if not others:
        return ""
    return (f": the shape of {others[0]}; are the gradients in another order than the parameters, e.g. "
            "(biases, weights) against [weights, biases]?")


def _check_samples(mode, samples):
    if mode != "sample":
        return None
    samples = 10 if samples is None else samples
    if not isinstance(samples, (int, np.integer)) or isinstance(samples, bool) or samples < 1:
        raise ParameterError(f"samples must be a positive int, got {samples!r}", name="samples",
                             expected="positive int", got=repr(samples))
    return int(samples)


def _indices(size, mode, samples, rng) -> np.ndarray:
    """Flat indices to check: all of them, or ``samples`` distinct random ones."""
    if mode == "full" or samples >= size:
        return np.arange(size)
    return np.sort(rng.choice(size, size=samples, replace=False))


# -- the step-size sweep ------------------------------------------------------------------------------

def _make_sweeper(loss_fn, params, names, arrays, analytic):
    def sweep(report, tensor, index, eps_values) -> SweepReport:
        name, index = _sweep_entry(report, names, tensor, index)
        t = names.index(name)
        grad = analytic[t]
        if isinstance(grad, str):
            raise ShapeError(f"cannot sweep {name}: {grad}", name=name)
        flat = int(np.ravel_multi_index(index, arrays[t].shape))
        saved = [array.copy() for array in arrays]
        target = InPlaceTarget(Counter(loss_fn), params, arrays)
        rows = []
        try:
            base = target.base()
            for eps in eps_values or DEFAULT_EPS_VALUES:
                numeric = entry_numerics(target, t, np.array([flat]), METHODS["central"], eps, base)[0]
                a, n = float(grad.reshape(-1)[flat]), float(numeric[0])
                abs_err = abs(a - n)
                rows.append((float(eps), n, abs_err, abs_err / max(abs(a), abs(n), report.atol / report.rtol)))
        finally:
            for array, original in zip(arrays, saved):
                np.copyto(array, original)
        return SweepReport(name, index, float(grad.reshape(-1)[flat]), tuple(rows), report.rtol)

    return sweep


def _sweep_entry(report, names, tensor, index):
    if tensor is None:
        candidates = [row for row in report.rows if row.worst_index is not None and not row.ok] or \
                     [row for row in report.rows if row.worst_index is not None]
        if not candidates:
            raise ShapeError("no entry to sweep: name one with sweep(tensor, index)", name="tensor")
        row = candidates[0]
        return row.name, row.worst_index if index is None else tuple(index)
    if tensor not in names:
        raise ShapeError(f"unknown tensor {tensor!r}; tensors: {', '.join(names)}", name="tensor",
                         expected=names, got=tensor)
    if index is None:
        row = report[tensor]
        index = row.worst_index if row.worst_index is not None else (0,) * len(row.shape)
    return tensor, tuple(int(i) for i in index)
