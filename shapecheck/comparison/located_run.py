"""One run of the learner's gradients (or step) under the values tracer, and the test "this value is that
quantity" that locate.py and locate_scale.py share.

A value is a quantity when it equals ``s * q`` for one of the quantity's *forms*: ``q`` itself, its
transpose (unless the mistake is a transposition), or one sample's slice of it (a loop over the samples,
the sample axis kept with size 1); ``s`` is then read off by least squares and must leave a relative
residual below ``RESIDUAL`` (float32: 1e-4). Which ``s`` is allowed (1, 1/n, the learning rate ...) is the
caller's to say.
"""

from __future__ import annotations

import numpy as np

#: A value equals a quantity times a factor to this relative residual (float64; float32: 1e-4).
RESIDUAL = 1e-6


def run_learner(learner, X, Y, setting, index, *, sizes, max_bytes):
    """The learner's gradients (or step) traced once in values mode at observation ``index``, its state
    loaded as compare loads it and put back exactly afterwards. None when the run raised, was cut at the
    byte cap, or kept nothing."""
    from shapecheck.tracing.values import MAX_BYTES, trace_values

    fn = learner.gradients if learner.gradients is not None else learner.step
    targets = () if isinstance(learner.params, (dict, list, tuple)) else (type(learner.params),)
    try:
        learner._load(setting.observations[index].values)
        run = trace_values(fn, X.copy(), Y.copy(), sizes=sizes, targets=targets,
                           max_bytes=MAX_BYTES if max_bytes is None else max_bytes)
    finally:
        learner.snapshot.restore()
    if run.exception is not None or run.truncated or not run.sites:
        return None
    return run


class Matcher:
    """Fits the kept values against quantities of a network whose samples lie along ``axis`` (``n`` of
    them). ``transposable``: a quantity's transpose counts as the quantity (not when the mistake looked for
    is a transposition)."""

    def __init__(self, n: int, axis: int, transposable: bool = True):
        self.n, self.axis, self.transposable = n, axis, transposable
        self.order = None             # the samples as the learner's run shuffled them (``X[order]``), if it did
        self._by_quantity = {}        # id(quantity) -> (quantity, {size: [forms]}); quantities live for the call

    def follow(self, run, X) -> None:
        """Take the samples in the order the learner's run put them (a ``fit()`` that shuffles): a value of the
        run that is ``X`` with its samples permuted (``X[order]``, the first such) sets it."""
        self.order = sample_order(run, X, self.axis)
        self._by_quantity = {}

    def forms(self, q) -> list:
        """``q``, its transpose, its samples in the run's order (when shuffled), and its per-sample slices
        (the sample axis kept, of size 1)."""
        q = np.asarray(q, dtype=float)
        forms = [q]
        if self.order is not None and q.ndim == 2 and q.shape[self.axis] == self.n:
            forms.append(q.take(self.order, axis=self.axis))
        if self.transposable and q.ndim == 2:
            forms += [form.T for form in forms]
        n, axis = self.n, self.axis
        if q.ndim == 2 and q.shape[axis] == n and n > 1:
            for j in range(n):
                one = q.take([j], axis=axis)
                forms.append(one)
                if self.transposable:
                    forms.append(one.T)
        return forms

    def sizes(self, quantities) -> set:
        return {form.size for q in quantities for form in self.forms(q)}

    def factors_of(self, value, quantity) -> list:
        """Every ``s`` with ``value ~ s * form`` for a form of ``quantity`` of ``value``'s size."""
        key = id(quantity)
        if key not in self._by_quantity:
            by_size = {}
            for form in self.forms(quantity):
                by_size.setdefault(form.size, []).append(form)
            self._by_quantity[key] = (quantity, by_size)
        tolerance = 1e-4 if getattr(value, "dtype", None) == np.float32 else RESIDUAL
        found = []
        for form in self._by_quantity[key][1].get(np.size(value), ()):
            s = fitted_factor(value, form, tolerance)
            if s is not None:
                found.append(s)
        return found

    def matches(self, value, quantity, factors) -> bool:
        """``value`` is ``s * quantity`` (in one of its forms) for an ``s`` in ``factors``."""
        return any(allowed(s, factors) for s in self.factors_of(value, quantity))


def sample_order(run, X, axis):
    """The permutation ``order`` with a value of ``run`` equal to ``X.take(order, axis)`` (not the identity),
    or None: the samples as a learner's ``fit()`` shuffled them before its step."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[axis] < 2:
        return None
    rows = {np.moveaxis(X, axis, 0)[i].tobytes(): i for i in range(X.shape[axis])}
    if len(rows) < X.shape[axis]:
        return None                       # repeated samples: no one order
    for site in run.sites:
        value = site.value
        if not isinstance(value, np.ndarray) or value.shape != X.shape or value.dtype != X.dtype:
            continue
        order = [rows.get(row.tobytes()) for row in np.moveaxis(value, axis, 0)]
        if None not in order and sorted(order) == list(range(len(order))) and order != sorted(order):
            return np.asarray(order)
    return None


def fitted_factor(value, quantity, tolerance=RESIDUAL):
    """``s`` with ``value ~ s * quantity`` (same shape, or the same entries as a flat vector), or None."""
    value = np.asarray(value)
    if value.size != quantity.size or (value.shape != quantity.shape and min(value.ndim, quantity.ndim) > 1
                                       and value.ndim == quantity.ndim):
        return None
    v, q = np.ravel(np.asarray(value, dtype=float)), np.ravel(quantity)
    qq = float(np.vdot(q, q))
    vv = float(np.vdot(v, v))
    if qq == 0.0 or vv == 0.0 or not np.isfinite(vv):
        return None
    s = float(np.vdot(v, q)) / qq
    if np.linalg.norm(v - s * q) > tolerance * np.sqrt(vv):
        return None
    return s


def allowed(s, factors) -> bool:
    return any(abs(s - f) <= 1e-6 * abs(f) for f in factors)


def factors(n, lr=None, scale=None) -> list:
    """The factors a learner's quantity may carry: 1, 1/n, the learning rate, the scale found, with signs."""
    base = [1.0, 1.0 / n]
    if lr:
        base += [lr, lr / n]
    if scale and np.isfinite(scale):
        base += [abs(scale), abs(scale) / n]
    return sorted({v for b in base for v in (b, -b)})
