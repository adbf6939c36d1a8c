"""Finite-difference formulas, written once for a single entry and for a direction over many entries.

A check moves the entries ``index`` of one tensor along ``v`` (``v = [1]`` for a single entry) by a
step ``h`` and estimates the directional derivative ``D ~ g[index] . v``. Each method lists the
perturbations it needs and turns the resulting losses into ``D``:

=============  ==============================================  =========  ==============
method         estimate                                        loss calls  error
=============  ==============================================  =========  ==============
``central``    (L(x + h v) - L(x - h v)) / 2h                  2          O(h**2)
``forward``    (L(x + h v) - L(x)) / h                         1          O(h)
``richardson`` (4 D_central(h/2) - D_central(h)) / 3           4          O(h**4)
``complex``    Im L(x + i h v) / h                             1          none but rounding
=============  ==============================================  =========  ==============

Central differences use the realised step (``float32(x + h) - x`` is not ``h``), which keeps float32
checks honest. Central and Richardson also give the two one-sided slopes, used to recognise kinks.

Every method also says how far its estimate may be off, from the losses it already evaluated:

- rounding: each loss is known to about ``eps`` (the precision it was evaluated in) times its size, so
  the estimate carries that over the step;
- truncation: Richardson's coarse and fine central differences show the h**2 term they cancel
  (``fine - coarse`` is 3/4 of it); the h**4 term that remains is estimated from it by assuming the
  terms shrink geometrically, ``(fine - coarse)**2 / |estimate|``, capped by ``|fine - coarse| / 3``
  (the fine difference's own truncation, a bound). Central and forward differences cannot see their
  truncation in their own losses: the checker re-measures every entry that fails at two more step sizes
  instead (``entries.confirm``), which is where truncation shows. The complex step has none.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """``numeric`` ~ g . v_eff, with ``v_eff`` the direction actually moved along, and one-sided slopes."""

    numeric: float
    v_eff: np.ndarray
    one_sided: tuple | None = None


class Central:
    name, calls, steps = "central", 2, (1.0, -1.0)

    def perturbations(self, index, v, h):
        return [(index, h * v), (index, -h * v)]

    def estimate(self, losses, realised, v, h, base) -> Estimate:
        plus, minus = losses
        v_eff = (realised[0] - realised[1]) / (2 * h)          # ~ v, exactly what moved
        one_sided = ((plus - base) / h, (base - minus) / h)
        return Estimate((plus - minus) / (2 * h), v_eff, one_sided)

    def estimate_entries(self, L, r, base):
        """Columns of L and r: the +h and -h moves of each entry (r: the realised steps)."""
        return (L[:, 0] - L[:, 1]) / (r[:, 0] - r[:, 1]), (L[:, 0] - base) / r[:, 0], (base - L[:, 1]) / -r[:, 1]

    def rounding_entries(self, L, r, base, eps):
        """The rounding in each estimate: the two losses are known to eps times their size."""
        return eps * (np.abs(L[:, 0]) + np.abs(L[:, 1])) / np.abs(r[:, 0] - r[:, 1])

    def estimates_and_rounding(self, L, r, base, eps):
        """:meth:`estimate_entries` and :meth:`rounding_entries` at once, the same formulas on columns and
        step widths taken once (a full check judges every entry with both)."""
        plus, minus, width = L[:, 0], L[:, 1], r[:, 0] - r[:, 1]
        # both slopes in one division: (minus - base) / r_minus is (base - minus) / -r_minus, negated twice
        # exactly (a zero may come out -0.0 instead of 0.0, which only enters absolute values and comparisons)
        slopes = (L - base) / r
        sizes = np.add.reduce(np.abs(L), axis=1)              # |plus| + |minus|
        return (plus - minus) / width, slopes[:, 0], slopes[:, 1], eps * sizes / np.abs(width)

    def rounding(self, losses, h, base, eps):
        return eps * (abs(losses[0]) + abs(losses[1])) / (2 * h)

    def truncation_entries(self, L, r, base):
        return np.zeros(len(L))

    def truncation(self, losses, h, base):
        return 0.0


class Forward:
    name, calls, steps = "forward", 1, (1.0,)

    def perturbations(self, index, v, h):
        return [(index, h * v)]

    def estimate(self, losses, realised, v, h, base) -> Estimate:
        return Estimate((losses[0] - base) / h, realised[0] / h)

    def estimate_entries(self, L, r, base):
        nothing = np.full(len(L), np.nan)
        return (L[:, 0] - base) / r[:, 0], nothing, nothing

    def rounding_entries(self, L, r, base, eps):
        return eps * (np.abs(L[:, 0]) + abs(base)) / np.abs(r[:, 0])

    def rounding(self, losses, h, base, eps):
        return eps * (abs(losses[0]) + abs(base)) / h

    def truncation_entries(self, L, r, base):
        return np.zeros(len(L))

    def truncation(self, losses, h, base):
        return 0.0


class Richardson:
    name, calls, steps = "richardson", 4, (1.0, -1.0, 0.5, -0.5)

    def perturbations(self, index, v, h):
        return [(index, h * v), (index, -h * v), (index, h / 2 * v), (index, -h / 2 * v)]

    def estimate(self, losses, realised, v, h, base) -> Estimate:
        plus, minus, half_plus, half_minus = losses
        coarse, fine = (plus - minus) / (2 * h), (half_plus - half_minus) / h
        v_eff = (realised[2] - realised[3]) / h
        one_sided = ((half_plus - base) / (h / 2), (base - half_minus) / (h / 2))
        gap_coarse = abs((plus - base) / h - (base - minus) / h)
        kink_like = abs(one_sided[0] - one_sided[1]) > 0.75 * gap_coarse     # as in estimate_entries
        return Estimate((4 * fine - coarse) / 3, v_eff, one_sided if kink_like else None)

    def estimate_entries(self, L, r, base):
        """One-sided slopes are reported only where their gap does not shrink with the step (a kink);
        on a smooth curve the gap is O(h), which at Richardson's larger h would look like a kink."""
        coarse = (L[:, 0] - L[:, 1]) / (r[:, 0] - r[:, 1])
        fine = (L[:, 2] - L[:, 3]) / (r[:, 2] - r[:, 3])
        forward, backward = (L[:, 2] - base) / r[:, 2], (base - L[:, 3]) / -r[:, 3]
        gap_coarse = np.abs((L[:, 0] - base) / r[:, 0] - (base - L[:, 1]) / -r[:, 1])
        kink_like = np.abs(forward - backward) > 0.75 * gap_coarse
        return (4 * fine - coarse) / 3, np.where(kink_like, forward, np.nan), np.where(kink_like, backward, np.nan)

    def rounding_entries(self, L, r, base, eps):
        coarse = eps * (np.abs(L[:, 0]) + np.abs(L[:, 1])) / np.abs(r[:, 0] - r[:, 1])
        fine = eps * (np.abs(L[:, 2]) + np.abs(L[:, 3])) / np.abs(r[:, 2] - r[:, 3])
        return (4 * fine + coarse) / 3

    def rounding(self, losses, h, base, eps):
        plus, minus, half_plus, half_minus = (abs(x) for x in losses)
        return eps * (4 * (half_plus + half_minus) / h + (plus + minus) / (2 * h)) / 3

    def truncation_entries(self, L, r, base):
        coarse = (L[:, 0] - L[:, 1]) / (r[:, 0] - r[:, 1])
        fine = (L[:, 2] - L[:, 3]) / (r[:, 2] - r[:, 3])
        return _extrapolation_error(coarse, fine)

    def truncation(self, losses, h, base):
        plus, minus, half_plus, half_minus = losses
        return float(_extrapolation_error((plus - minus) / (2 * h), (half_plus - half_minus) / h))


class ComplexStep:
    name, calls, steps = "complex", 1, (1j,)

    def perturbations(self, index, v, h):
        return [(index, 1j * h * v)]

    def estimate(self, losses, realised, v, h, base) -> Estimate:
        numeric = float(np.imag(losses[0])) / h if np.isfinite(losses[0]) else float("nan")
        return Estimate(numeric, np.asarray(v, dtype=float))

    def estimate_entries(self, L, r, base):
        nothing = np.full(len(L), np.nan)
        numeric = np.where(np.isfinite(L[:, 0]), np.imag(L[:, 0]) / np.imag(r[:, 0]), np.nan)  # NaN loss: NaN
        return numeric, nothing, nothing

    def rounding_entries(self, L, r, base, eps):
        """No difference of losses: only the rounding of the derivative itself."""
        return eps * np.abs(np.imag(L[:, 0]) / np.imag(r[:, 0]))

    def rounding(self, losses, h, base, eps):
        return eps * abs(np.imag(losses[0])) / h

    def truncation_entries(self, L, r, base):
        return np.zeros(len(L))

    def truncation(self, losses, h, base):
        return 0.0


#: numpy's warnings about inf - inf or x / 0 in shapecheck's own arithmetic on a non-finite loss: the report
#: says what is not finite, where (``nan`` rows), so the warnings would only repeat it from our lines
def quiet_numerics(function):
    """``function`` run under a fresh ``np.errstate`` that ignores those warnings (a fresh one per call: one
    instance entered twice, as nested checks would, is an error in numpy 2 and loses the caller's state in 1)."""

    @functools.wraps(function)
    def quiet(*args, **kwargs):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return function(*args, **kwargs)

    return quiet


def _extrapolation_error(coarse, fine):
    """The truncation left in ``(4 fine - coarse) / 3`` (see the module's docstring)."""
    cancelled = np.abs(np.asarray(fine) - np.asarray(coarse))
    extrapolated = np.abs(4 * np.asarray(fine) - np.asarray(coarse)) / 3
    return np.minimum(cancelled / 3, cancelled ** 2 / np.maximum(extrapolated, 1e-300))


def entry_plan(method, indices: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Single-entry perturbations for every index: flat indices and steps, ``method.calls`` per entry.

    The same moves as ``method.perturbations(index, [1], h)``, laid out as two flat arrays so that a
    batched target can apply them all at once.
    """
    steps = np.asarray(method.steps) * h
    if len(steps) == 1:
        return indices.copy(), np.full(len(indices), steps[0])
    # (np.tile costs ~10 us of Python per call, np.broadcast_to ~4 us; a broadcast assignment does the same)
    every = np.empty((len(indices), len(steps)), dtype=steps.dtype)
    every[...] = steps
    return np.repeat(indices, len(steps)), every.reshape(-1)


@quiet_numerics
def entry_estimates(method, losses: np.ndarray, realised: np.ndarray, h: float, base: float):
    """Numeric derivative and one-sided slopes (NaN where the method has none) for single-entry moves."""
    L = losses.reshape(-1, method.calls)
    r = realised.reshape(-1, method.calls)
    return method.estimate_entries(L, r, base)


@quiet_numerics
def entry_errors(method, losses: np.ndarray, realised: np.ndarray, base: float, eps: float):
    """For each single-entry estimate, the rounding it carries (eps: the precision the loss was evaluated
    in) and the truncation it carries."""
    L = losses.reshape(-1, method.calls)
    r = realised.reshape(-1, method.calls)
    return np.abs(method.rounding_entries(L, r, base, eps)), method.truncation_entries(L, r, base)


def entry_estimates_and_errors(method, losses: np.ndarray, realised: np.ndarray, base: float, eps: float):
    """:func:`entry_estimates` and the sum of :func:`entry_errors` (rounding plus truncation) at once, for a
    caller already under :func:`quiet_numerics`. Central differences (no truncation term, a rounding >= 0
    or NaN, so the sum is the rounding itself) compute both from the same columns."""
    L = losses.reshape(-1, method.calls)
    r = realised.reshape(-1, method.calls)
    if isinstance(method, Central):
        return method.estimates_and_rounding(L, r, base, eps)
    numeric, forward, backward = method.estimate_entries(L, r, base)
    return (numeric, forward, backward,
            np.abs(method.rounding_entries(L, r, base, eps)) + method.truncation_entries(L, r, base))


METHODS = {method.name: method for method in (Central(), Forward(), Richardson(), ComplexStep())}
