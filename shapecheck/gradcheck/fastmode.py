"""Fast mode: a per-tensor verdict from one random direction, then localisation by group testing.

Verdict: move every entry of the tensor at once along a random vector v (entries of unit variance and
magnitude at least 0.48, from 16 random bits each: see ``_direction``) and compare the directional
derivative with ``g . v`` (2 loss calls with central differences). A tensor whose direction fails is
measured along a second one (the same ratio along both says the tensor is scaled), so a correct tensor
costs 2 loss calls and a failing one 4, before localisation.

Localisation: the error vector e = g_analytic - g_true satisfies ``e . v_S = e . v_S1 + e . v_S2`` for
any split of a set S into halves. Measuring the first half gives the second by subtraction, so each
level of the binary search costs one directional check, and one wrong entry among P is found in
about log2(P) checks instead of P. Every suspect is then confirmed with an ordinary entry check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shapecheck.gradcheck.entries import SAFETY, check_entries, kinked, unchanged_loss_detail, way_out_of_kink
from shapecheck.gradcheck.methods import METHODS, quiet_numerics
from shapecheck.gradcheck.buffers import buffer
from shapecheck.gradcheck.report import GradientRow
from shapecheck.gradcheck.targets import every_index

MAX_SUSPECTS = 8


@dataclass(frozen=True)
class Measure:
    """One directional check over the flat indices ``S``: numeric vs analytic derivative along v_S."""

    numeric: float
    analytic: float
    scale: float
    floor: float
    one_sided: tuple | None = None
    rounding: float = 0.0          # the rounding the numeric estimate carries
    truncation: float = 0.0        # the truncation it carries (Richardson only)
    weights: np.ndarray | None = None   # (|S|,) each entry's weight in the directional derivative

    def fails(self, rtol) -> bool:
        """Over the tolerance, and over the error the measurement may carry."""
        return self.rel_error(rtol) > rtol and abs(self.analytic - self.numeric) > self.error

    @property
    def error(self) -> float:
        """SAFETY times the rounding and truncation (as for entries, ``entries.error_estimate``)."""
        return SAFETY * (self.rounding + self.truncation)

    def threshold(self, rtol) -> float:
        """The discrepancy this measurement may show and pass."""
        return max(rtol * max(self.scale, abs(self.analytic), abs(self.numeric), self.floor / rtol), self.error)

    def rel_error(self, rtol) -> float:
        """|analytic - numeric| / max(||g_S v_S||_2, |analytic|, |numeric|, atol sqrt(|S|) / rtol).

        The 2-norm (not the sum of |g_i|) keeps one wrong entry among many visible: a sum would let the
        tolerance grow with the number of entries while the noise of the measurement does not.
        """
        return abs(self.analytic - self.numeric) / max(self.scale, abs(self.analytic), abs(self.numeric),
                                                       self.floor / rtol)

    def minus(self, other: "Measure", scale: float, floor: float) -> "Measure":
        """The measure of the complementary half, by linearity (no loss evaluation)."""
        return Measure(self.numeric - other.numeric, self.analytic - other.analytic, scale, floor, None,
                       self.rounding + other.rounding, self.truncation + other.truncation)


class _Directional:
    """Directional checks on tensor ``t`` along the sign vector ``signs``."""

    def __init__(self, target, t, grad, method, h, base, atol, machine=0.0):
        self.target, self.t, self.g = target, t, grad.reshape(-1)
        self.method, self.h, self.base, self.atol, self.machine = method, h, base, atol, machine

    def measure(self, S: np.ndarray, signs: np.ndarray) -> Measure:
        whole = S is every_index(len(self.g))          # no gathering of every entry (a pass over the tensor)
        v, g = (signs, self.g) if whole else (signs[S], self.g[S])
        step = self.h / max(float(np.sqrt(v @ v)), 1e-300)     # the whole move has length h
        if self.method.name == "central":               # the two moves written into kept buffers
            moves = [(S, np.multiply(v, step, out=workspace(len(v), 0))),
                     (S, np.multiply(v, -step, out=workspace(len(v), 1)))]
        else:
            moves = self.method.perturbations(S, v, step)
        losses, realised = self.target.losses(self.t, moves)
        return self._measured(losses, realised, v, g, step, len(S))

    @quiet_numerics
    def _measured(self, losses, realised, v, g, step, size) -> Measure:
        """The measure from the losses of the moves (shapecheck's own arithmetic: quiet on a non-finite loss)."""
        est = self.method.estimate(losses, realised, v, step, self.base)
        v_eff = np.real(est.v_eff)
        rounding = float(self.method.rounding(np.real(losses), step, self.base, self.machine))
        truncation = _finite(float(self.method.truncation(np.real(losses), step, self.base)))
        weighted = np.multiply(g, v_eff, out=workspace(len(v_eff), 0))
        return Measure(float(np.real(est.numeric)), float(g @ v_eff), float(np.sqrt(weighted @ weighted)),
                       self.atol * np.sqrt(size), est.one_sided, rounding, truncation, v_eff)

    def bounds(self, S, signs) -> tuple[float, float]:
        """The scale and floor of a set measured by subtraction (see :meth:`Measure.rel_error`)."""
        return float(np.linalg.norm(self.g[S] * signs[S])), self.atol * np.sqrt(len(S))


def fast_check(target, t, name, array, grad, method, h, base, rtol, atol, rng, machine=0.0,
               confirmations=None) -> GradientRow:
    """The fast-mode row for one tensor: ok after one direction, or, when it fails, a second direction and
    FAIL/kink with localised suspects."""
    size = array.size
    everything = every_index(size)
    check = _Directional(target, t, grad, method, h, base, atol, machine)
    signs = [_direction(rng, size)]
    measures = [check.measure(everything, signs[0])]
    if _finite_measure(measures[0]) and measures[0].fails(rtol):
        # a failing tensor is measured along a second direction: the same ratio along both says it is scaled
        signs.append(_direction(rng, size))
        measures.append(check.measure(everything, signs[1]))
    directions = len(measures)
    rels = [m.rel_error(rtol) for m in measures]
    abs_errs = [abs(m.analytic - m.numeric) for m in measures]
    if not all(_finite_measure(m) for m in measures):
        where, detail = _where_not_finite(check, name, array.shape, signs[0])
        return GradientRow(name, array.shape, "nan", float("nan"), float("nan"), where, None, None, directions,
                           directions, detail)
    failing = [k for k, m in enumerate(measures) if m.fails(rtol)]
    if failing and not any(m.numeric for m in measures) and np.any(grad):
        return GradientRow(name, array.shape, "FAIL", max(abs_errs), max(rels), None, measures[failing[0]].analytic,
                           0.0, directions, 0, unchanged_loss_detail(name), measured="directions")
    # a failure that looks like noise is re-measured with central differences (below), judged at their
    # tolerance: the power cannot promise more than that
    remeasured = confirmations is not None and method.name != "complex"
    power = _power(measures, grad, max(rtol, confirmations.rtol) if remeasured else rtol, atol)
    if not failing:
        return GradientRow(name, array.shape, "ok", max(abs_errs), max(rels), None, None, None, directions,
                           power=power, measured="directions")
    k = failing[0]
    suspects = _localise(check, everything, measures[k], signs[k], rtol)
    pattern = _scale_pattern(measures) if len(failing) == directions > 1 else ""
    if not suspects:
        kink = _directional_kink(measures[k], rtol, atol)
        status = "kink" if kink else "FAIL"
        detail = pattern or ("the random-direction check fails but no single entry stands out: "
                             "the error is spread thinly over many entries")
        if remeasured:
            # either way the direction is measured again with central differences at a step a thousand times
            # smaller: a bug stays put there (Richardson's 1e-3 across ReLU kinks of many samples can fail a
            # direction whose entries are all right)
            stays = _fails_at_fine_step(check, everything, signs[k], rtol, confirmations)
            if kink and stays:
                status, detail = "FAIL", _STAYS_PUT
            elif not kink and not stays:
                status, detail = "noisy", _MOVED_SPREAD
        # a kink or noise that passes: an error as large as the discrepancy it showed could hide in it (the
        # row states that power, rather than none, which left the report's statement to the other tensors)
        hidden_power = _power(measures, grad, max(rtol, confirmations.rtol) if remeasured else rtol, atol,
                              hidden=abs_errs[k]) if status != "FAIL" else float("nan")
        return GradientRow(name, array.shape, status, max(abs_errs), max(rels), None,
                           measures[k].analytic, measures[k].numeric, directions, 0, detail,
                           power=max(power, hidden_power) if status != "FAIL" else power, measured="directions")
    confirmed = check_entries(target, t, name, array, grad, np.array(suspects), method, h, base, rtol, atol,
                              machine, confirmations)
    if confirmed.ok:
        # the direction failed but its suspects were noise or kinks: errors as large as the discrepancy it
        # showed could hide among them
        power = max(power, _power(measures, grad, rtol, atol, hidden=abs_errs[k]))
    detail = pattern or confirmed.detail
    if len(suspects) >= MAX_SUSPECTS:
        detail = (detail + "; " if detail else "") + f"stopped after {MAX_SUSPECTS} suspects: many entries are wrong"
    shape = array.shape
    listed = tuple(_index(s, shape) for s in suspects)
    status = confirmed.status if confirmed.status != "ok" else "FAIL"
    if confirmed.ok and remeasured:
        # the entries it led to look right: the direction's failure is a bug only if it stays put at a
        # step a thousand times smaller
        if _fails_at_fine_step(check, everything, signs[k], rtol, confirmations):
            status, detail = "FAIL", detail if status == "FAIL" else _STAYS_PUT
        elif status == "FAIL":
            status, detail = "noisy", _MOVED
    # the row's numbers are the suspect entries' (a direction's error mixes every entry's error with its random
    # weight, so beside an entry's values it read as a second, contradicting, measure of that entry)
    return GradientRow(name, shape, status, confirmed.max_abs_error, confirmed.max_rel_error, confirmed.worst_index,
                       confirmed.analytic, confirmed.numeric, directions + len(suspects), len(suspects), detail,
                       listed, power=power)


_STAYS_PUT = ("the random-direction check fails at the method's step and again with central differences at a "
              "much smaller one (a bug), though the entries it led to look like noise or kinks")


_MOVED = ("the random-direction check fails at the method's step but not with central differences at a much "
          "smaller one, and the entries it led to are right: noise (a kink or truncation at the larger step)")


_MOVED_SPREAD = ("the random-direction check fails at the method's step but not with central differences at a much "
                 "smaller one, and no single entry stands out: noise (kinks or truncation at the larger step)")


def _where_not_finite(check: _Directional, name: str, shape: tuple, signs: np.ndarray) -> tuple:
    """(index or None, detail): where a direction's derivative stopped being finite. The analytic
    gradient's first non-finite entry, or the first entry whose move alone makes the loss non-finite (found
    by halving the moved set: about 2 log2(size) loss evaluations)."""
    bad = ~np.isfinite(check.g)
    if bad.any():
        flat = int(np.argmax(bad))
        index = _index(flat, shape)
        return index, f"the analytic gradient is not finite at {_entry(name, index)} = {check.g[flat]}"
    together = (f"the loss (so the numeric derivative) is not finite when the entries of {name} move together "
                "along a random direction")
    if not np.isfinite(check.base):
        return None, together
    step = check.h / max(float(np.sqrt(signs @ signs)), 1e-300)
    S = every_index(len(check.g))
    while len(S) > 1:
        first = S[: len(S) // 2]
        S = first if _loss_not_finite(check, first, signs, step) else S[len(S) // 2:]
    if not _loss_not_finite(check, S, signs, step):
        return None, together + " (no single entry's move alone makes it so)"
    flat = int(S[0])
    index = _index(flat, shape)
    return index, (f"the loss (so the numeric derivative) is not finite when {_entry(name, index)} moves by "
                   f"{abs(signs[flat] * step):.2g}")


def _loss_not_finite(check: _Directional, S: np.ndarray, signs: np.ndarray, step: float) -> bool:
    """Is the loss NaN or infinite after moving the entries ``S`` by ``+step * signs`` or by ``-step * signs``?"""
    moves = [(S, signs[S] * step), (S, signs[S] * -step)]
    losses, _realised = check.target.losses(check.t, moves)
    return not np.isfinite(losses).all()


def _index(flat: int, shape: tuple) -> tuple:
    """``(2, 1)`` for flat index 7 of a ``(5, 3)`` tensor."""
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _entry(name: str, index: tuple) -> str:
    """``W1[2, 1]``, as full mode names an entry."""
    return f"{name}{list(index)}" if index else name


def _fails_at_fine_step(check: _Directional, everything, signs, rtol, confirmations) -> bool:
    """Does the failing direction still fail with central differences at the confirmation step, away from
    a kink? (A direction's failure that only looked like noise at the method's step, as Richardson's 1e-3
    across ReLU kinks, is a bug when it stays put at a step a thousand times smaller; one whose one-sided
    slopes still show a kink there is not: ReLU units of many samples switch even inside that step.)"""
    fine = _Directional(check.target, check.t, check.g, METHODS["central"], confirmations.steps[0], check.base,
                        check.atol, check.machine)
    before = check.target.counter.calls
    fine_rtol = max(rtol, confirmations.rtol)
    measure = fine.measure(everything, signs)
    confirmations.evaluations += check.target.counter.calls - before
    return measure.fails(fine_rtol) and not _directional_kink(measure, fine_rtol, check.atol)


def _localise(check: _Directional, everything, whole: Measure, signs, rtol) -> list[int]:
    """Depth-first binary splitting of the failing set; returns up to MAX_SUSPECTS flat indices."""
    suspects, stack = [], [(everything, whole)]
    while stack and len(suspects) < MAX_SUSPECTS:
        S, measure = stack.pop()
        if len(S) == 1:
            suspects.append(int(S[0]))
            continue
        first, second = S[: len(S) // 2], S[len(S) // 2:]
        m1 = check.measure(first, signs)
        m2 = measure.minus(m1, *check.bounds(second, signs))
        fails1, fails2 = m1.fails(rtol), m2.fails(rtol)
        if not fails1 and not fails2:  # the parent failed, so the derived half was too close to call
            m2 = check.measure(second, signs)
            fails2 = m2.fails(rtol)
        if fails2:
            stack.append((second, m2))
        if fails1:
            stack.append((first, m1))
    return sorted(suspects)


def workspace(size: int, slot: int, dtype=np.float64) -> np.ndarray:
    """A ``(size,)`` buffer for a temporary that does not outlive its function (see ``buffers``)."""
    return buffer(size, ("fast", slot), dtype)


def _direction(rng, size: int) -> np.ndarray:
    """A random direction: each entry a random sign times a magnitude from 32,768 levels spread evenly over
    (1/2, 3/2) (16 random bits an entry), scaled so that each entry has variance 1, as a Gaussian's.

    Magnitudes bounded away from 0: every entry weighs at least 0.48 in the direction, so one wrong entry
    moves the directional derivative by at least half its error, wherever it sits (with Gaussian or uniform
    entries, the worst-placed of 78,400 entries weighs 1e-5, and the stated power is that much weaker; two
    such directions were needed to bring it to 1e-2). Many levels, not bare signs: with signs, an
    antisymmetric error (a transposed square gradient) cancels in a direction with probability 1/2; with
    65,536 signed levels it practically never does. Bits, not Gaussian doubles (78,400 Gaussians cost ~1
    ms, these a twentieth of it): the generator's raw 64-bit words read as four 16-bit integers each."""
    words = rng.bit_generator.random_raw((size + 3) // 4)
    direction = words.view(np.int16)[:size] + 0.5                  # +-0.5 .. +-32767.5, never 0
    half = np.copysign(0.5, direction)
    direction *= 1.0 / 32768.0
    direction += half                                              # sign * (1/2 .. 3/2)
    direction *= _UNIT_VARIANCE
    return direction


#: a magnitude uniform over (1/2, 3/2) has mean square 13/12: this scales it to 1
_UNIT_VARIANCE = float(np.sqrt(12.0 / 13.0))


def _power(measures, grad, rtol, atol, hidden: float = 0.0) -> float:
    """The relative error that one wrong entry, of median size or more, would have needed to be caught.

    A wrong entry i adds ``e_i * w_i`` to the analytic derivative along a direction (``w_i``: its weight
    there). It makes that direction fail once it exceeds the direction's threshold, plus the discrepancy
    already measured (or ``hidden``), plus the way out of a kink's band; the better of the directions
    measured counts (a passing tensor has one). The suspects it leads to are then checked entry by entry,
    with thresholds of about ``rtol`` and the same rounding. So the power is about ``rtol * sqrt(entries)``
    times 1/|w_i| for the worst-placed entry (|w_i| >= 0.48, see :func:`_direction`): fast mode sees errors
    spread over many entries, or large in one; full mode sees small ones. In a tensor of over
    ``EXACT_MEDIAN_UP_TO`` entries the median is taken low, from a sample (:func:`_median_or_below`): the power
    then covers every entry of median size and some smaller ones.
    """
    size = grad.size
    if not size:
        return float("nan")
    # every temporary in kept buffers: a fresh array of a large tensor's size costs its page faults
    g = np.abs(grad.reshape(-1), out=workspace(size, 0))
    median = _median_or_below(g)
    # the entries of median size or more (and not 0); the others are pushed out of the minima below by a
    # huge value rather than masked out (a masked minimum costs ten passes over the tensor)
    below = np.less(g, median, out=workspace(size, 2, bool)) if median > 0 \
        else np.less_equal(g, 0.0, out=workspace(size, 2, bool))
    if below.all():
        return float("nan")
    out_of_it = np.multiply(below, 1e300, out=workspace(size, 1))
    # entry i needs shift_m / (g_i |w_mi|) in direction m, the better direction counting, the worst entry
    # stating the power: max_i min_m shift_m / (g_i |w_mi|) = 1 / min_i (g_i max_m |w_mi| / shift_m)
    reach, seen = workspace(size, 3), workspace(size, 4)
    for j, m in enumerate(measures):
        kink = 0.0 if m.one_sided is None else float(way_out_of_kink(
            np.array([m.analytic]), *(np.array([slope]) for slope in m.one_sided), rtol, atol)[0])
        shift = max(m.threshold(rtol) + max(abs(m.analytic - m.numeric), hidden) + kink, 1e-300)
        np.abs(np.real(m.weights), out=seen if j else reach)
        if j:
            np.multiply(seen, 1.0 / shift, out=seen)
            np.maximum(reach, seen, out=reach)
        else:
            np.multiply(reach, 1.0 / shift, out=reach)
    reach *= g
    by_direction = 1.0 / max(float(np.maximum(reach, out_of_it, out=reach).min()), 1e-300)
    smallest = float(np.maximum(g, out_of_it, out=g).min())
    by_entry = max(rtol, (measures[0].error + measures[0].rounding) / max(smallest, 1e-300))
    power = max(by_direction, by_entry) / (1 - min(rtol, 0.5))
    return power if np.isfinite(power) else float("nan")


#: Up to this many entries the median of a tensor's gradient is found exactly (np.partition, ~10 ns an entry);
#: above, from ``MEDIAN_SAMPLE`` entries drawn at fixed random places
EXACT_MEDIAN_UP_TO, MEDIAN_SAMPLE = 8192, 2048
#: The sample's order statistic taken for the median: 7 standard deviations below the sample's middle, so it
#: exceeds the tensor's median only if 1,182 of 2,048 draws land above it (each does with probability under
#: 1/2): about once in 10**12 tensors
MEDIAN_RANK = MEDIAN_SAMPLE // 2 - int(7 * np.sqrt(MEDIAN_SAMPLE) / 2)


def _median_or_below(g: np.ndarray) -> float:
    """The median of ``g`` ``(size,)``, or for a large tensor a value at or below it (see MEDIAN_RANK): the
    entries "of median size or more" that the power is stated for then include all the true ones. Sampled
    because the exact median of 78,400 entries costs 0.8 ms, a tenth of a fast check of an MNIST-size layer."""
    size = len(g)
    if size <= EXACT_MEDIAN_UP_TO:
        ordered = workspace(size, 1)
        np.copyto(ordered, g)
        ordered.partition(size // 2)
        return float(ordered[size // 2])
    sample = g[np.random.default_rng(size).integers(0, size, MEDIAN_SAMPLE)]
    return float(np.partition(sample, MEDIAN_RANK)[MEDIAN_RANK])


def _finite(x: float) -> float:
    """``np.nan_to_num`` of one float (NaN -> 0, +-inf -> the largest float) without its 7 us."""
    if math.isfinite(x):
        return x
    return 0.0 if math.isnan(x) else math.copysign(np.finfo(np.float64).max, x)


def _finite_measure(measure: Measure) -> bool:
    return math.isfinite(measure.numeric) and math.isfinite(measure.analytic)


def _scale_pattern(measures) -> str:
    """When every random direction shows the same ratio analytic/numeric, the tensor is scaled."""
    ratios = [m.analytic / m.numeric for m in measures if m.numeric != 0]
    if len(ratios) == len(measures) and np.allclose(ratios, ratios[0], rtol=1e-4) and abs(ratios[0] - 1) > 1e-2:
        if np.isclose(ratios[0], -1.0, rtol=1e-3):
            return "the sign is flipped: analytic = -numeric along every random direction"
        return f"analytic = {ratios[0]:.4g} x numeric along every random direction: the tensor is scaled"
    return ""


def _directional_kink(measure: Measure, rtol, atol) -> bool:
    if measure.one_sided is None:
        return False
    forward, backward = (np.array([s]) for s in measure.one_sided)
    return bool(kinked(np.array([measure.analytic]), forward, backward, rtol, atol)[0])
