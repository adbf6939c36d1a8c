"""The checker's tolerances: the default step and tolerances of every method in every precision, the
rounding of each precision, and the size the default ``atol`` is relative to (see ``check.check_gradients``)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from shapecheck.gradcheck.progress import stack_level_outside_shapecheck
from shapecheck.gradcheck.segments import LaidOut

#: (eps, rtol, atol) of each (precision, method); the module docstring of ``check`` gives the reasons
DEFAULTS = {
    ("float64", "central"): (1e-6, 1e-5, 1e-8),
    ("float64", "forward"): (1e-8, 1e-4, 1e-6),
    ("float64", "richardson"): (1e-3, 1e-7, 1e-10),
    ("float64", "complex"): (1e-20, 1e-9, 1e-12),
    ("float32", "central"): (1e-3, 1e-2, 1e-3),
    ("float32", "forward"): (3e-3, 5e-2, 3e-3),
    ("float32", "richardson"): (3e-2, 1e-2, 1e-3),
    ("float32-via-float64", "central"): (1e-6, 1e-4, 1e-6),
    ("float32-via-float64", "forward"): (1e-8, 1e-3, 1e-5),
    ("float32-via-float64", "richardson"): (1e-3, 1e-4, 1e-6),
    ("float32-via-float64", "complex"): (1e-20, 1e-4, 1e-6),
    ("float16", "central"): (3e-2, 1e-1, 1e-2),
    ("float16", "forward"): (3e-2, 2e-1, 2e-2),
    ("float16", "richardson"): (1e-1, 1e-1, 1e-2),
    ("float16-via-float64", "central"): (1e-6, 1e-2, 1e-3),
    ("float16-via-float64", "forward"): (1e-8, 1e-2, 1e-3),
    ("float16-via-float64", "richardson"): (1e-3, 1e-2, 1e-3),
    ("float16-via-float64", "complex"): (1e-20, 1e-2, 1e-3),
    # parameters moved in place in low precision, a loss computed in float64 (float64 data, a closure):
    # steps large enough to move every entry, the loss's own float64 rounding
    ("float32-float64-loss", "central"): (1e-4, 1e-4, 1e-6),
    ("float32-float64-loss", "forward"): (1e-5, 1e-3, 1e-5),
    ("float32-float64-loss", "richardson"): (1e-2, 1e-4, 1e-6),
    ("float16-float64-loss", "central"): (3e-2, 1e-2, 1e-3),
    ("float16-float64-loss", "forward"): (3e-2, 1e-1, 1e-2),
    ("float16-float64-loss", "richardson"): (1e-1, 1e-2, 1e-3),
    # float64 parameters, a loss computed in float32 (float32 data, or a cast inside loss_fn): float32's steps
    # and tolerances, as for float32 parameters
    ("float32-loss", "central"): (1e-3, 1e-2, 1e-3),
    ("float32-loss", "forward"): (3e-3, 5e-2, 3e-3),
    ("float32-loss", "richardson"): (3e-2, 1e-2, 1e-3),
}
#: The precision the loss is evaluated in, for each row of DEFAULTS: the rounding every estimate carries
#: is this times the loss's size over the step (see ``methods``).
#: In float32 and float16 a loss summed over many terms loses more than one unit of its last digit, so their
#: rounding is taken as LOW_PRECISION_SPREAD units.
LOW_PRECISION_SPREAD = 32.0
MACHINE_EPSILON = {"float64": float(np.finfo(np.float64).eps),
                   "float32": LOW_PRECISION_SPREAD * float(np.finfo(np.float32).eps),
                   "float32-via-float64": float(np.finfo(np.float64).eps),
                   "float16": LOW_PRECISION_SPREAD * float(np.finfo(np.float16).eps),
                   "float16-via-float64": float(np.finfo(np.float64).eps),
                   "float32-float64-loss": float(np.finfo(np.float64).eps),
                   "float16-float64-loss": float(np.finfo(np.float64).eps),
                   "float32-loss": LOW_PRECISION_SPREAD * float(np.finfo(np.float32).eps)}


class PrecisionWarning(UserWarning):
    """The parameters are float32 or float16, or the loss is computed in float32: finite differences can only
    be trusted to a few digits."""


#: The note a report carries when the loss is computed in float32 although the parameters are float64.
FLOAT32_LOSS_NOTE = ("loss_fn computes in float32 (its values are float32 numbers: float32 data, or a cast inside "
                     "it), though the parameters are float64: finite differences of it are accurate to about 3 "
                     "digits, so the check used float32's steps and tolerances")


def loss_precision(target, base: float, analytic) -> str:
    """``"float32-loss"`` when the loss of float64 parameters is computed in float32, else ``"float64"``.

    A loss computed in float64 is a float32 number by chance about once in 500 million; one computed in float32
    always is. So a base value that is no float32 number settles it at no cost; one that is (a float32 loss, or a
    round number such as 0.0) is told apart by one more loss call, with the entry of the largest analytic
    gradient moved by 1e-3 (put back at once): a float32 loss gives a float32 number again. A loss that does not
    move then is left as float64, as before."""
    if not math.isfinite(base) or float(np.float32(base)) != base:
        return "float64"
    sizes = [float(np.max(np.abs(grad))) if not isinstance(grad, str) and grad.size else -1.0 for grad in analytic]
    t = int(np.argmax(sizes))
    if sizes[t] <= 0 or not math.isfinite(sizes[t]):
        return "float64"
    entries = target.arrays[t].reshape(-1) if target.arrays[t].flags.c_contiguous else target.arrays[t].flat
    i = int(np.argmax(np.abs(analytic[t]).reshape(-1)))
    original = entries[i]
    try:
        entries[i] = original + 1e-3 * max(1.0, abs(float(original)))
        moved = float(np.real(target.counter(target.tree)))
    finally:
        entries[i] = original
    if not math.isfinite(moved) or moved == base:
        return "float64"
    return "float32-loss" if float(np.float32(moved)) == moved else "float64"


def warn_float32_loss() -> None:
    """The PrecisionWarning of a loss computed in float32 though the parameters are float64, at the learner's
    line."""
    warnings.warn("loss_fn computes in float32 though the parameters are float64: finite differences of it carry "
                  "about 3 digits; checked with float32's steps and tolerances (eps=1e-3, rtol=1e-2). Compute the "
                  "loss in float64 (float64 data, no cast) for a sharp check", PrecisionWarning,
                  stacklevel=stack_level_outside_shapecheck())


def typical_size(analytic) -> float:
    """The root-mean-square size of the analytic gradients (1.0 when there are none or all are zero)."""
    if isinstance(analytic, LaidOut):       # all of them, laid end to end: one dot product
        flat = analytic.whole[0]
        rms = math.sqrt(float(np.dot(flat, flat)) / flat.size)     # (NaN for a NaN entry, inf when one overflows)
        return rms if math.isfinite(rms) and rms > 0 else 1.0
    arrays = [g for g in analytic if not isinstance(g, str) and g.size]
    if not arrays:
        return 1.0
    # (np.add.reduce(np.square(g), axis=None) is (g ** 2).sum() without ndarray.sum's Python wrapper: the
    # same pairwise sum, the same bits, the same warnings)
    total, count = 0.0, 0
    for g in arrays:
        if g.dtype != np.float64:           # (the analytic leaves are float64 already: no call for nothing)
            g = g.astype(np.float64)
        total += float(np.add.reduce(np.square(g), axis=None))
        count += g.size
    rms = math.sqrt(total / count)
    return rms if np.isfinite(rms) and rms > 0 else 1.0
