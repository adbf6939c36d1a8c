"""The checker's tolerances: the default step and tolerances of every method in every precision, the
rounding of each precision, and the size the default ``atol`` is relative to (see ``check.check_gradients``)."""

from __future__ import annotations

import math

import numpy as np

from shapecheck.gradcheck.segments import Cut, LaidOut

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
                   "float16-float64-loss": float(np.finfo(np.float64).eps)}


def typical_size(analytic) -> float:
    """The root-mean-square size of the analytic gradients (1.0 when there are none or all are zero)."""
    if isinstance(analytic, (Cut, LaidOut)):        # all of them, laid end to end: one dot product
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
