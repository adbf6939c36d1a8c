"""The learner's gradients against finite differences of their own ``loss_fn``: evidence every report is
audited against (audit.py), and one sentence for its notes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

AGREE, PARTLY, DISAGREE, COARSE, UNCHECKED = "agree", "partly", "disagree", "coarse", "unchecked"
#: How many times the first-order bound a stability constant's effect on the gradients may be.
STABILITY_MARGIN = 10.0


@dataclass(frozen=True)
class OwnLossCheck:
    """``status``: AGREE (the gradients are those of the learner's loss_fn), PARTLY (those of their parameter's
    shape are; the others could not be checked), DISAGREE (they are not), COARSE
    (checked, too coarsely to vouch for them) or UNCHECKED (a step whose learning rate is unknown); ``note``:
    the sentence for the report; ``summary``: the checker's own one-line summary ("" when not run); ``loose``:
    the agreement holds only up to what a stability constant in the loss_fn's logs moves."""

    status: str
    note: str
    summary: str = ""
    loose: bool = False     # AGREE only up to what a stability constant moves: a smaller mistake is not seen


def stability_allowance(setting) -> float:
    """The error, relative to the largest gradient entry, between the exact gradients and finite differences of a loss_fn that adds a
    stability constant to its logs (``log(A + 1e-7)``), when the loss was read from the loss_fn's values as
    a cross-entropy: each log's derivative moves by at most ``eps / A`` of itself, so ``margin * eps / min(A)``
    (``min(A, 1 - A)`` for binary cross-entropy) of the largest gradient entry; 0 otherwise."""
    from shapecheck.comparison.conventions import STABILITY_EPSILON

    convention = setting.convention
    if convention.sources.get("loss") != "loss_fn" or convention.family not in ("bce", "softmax-cross-entropy"):
        return 0.0
    A = setting.forwards[0].output
    smallest = float(np.min(np.minimum(A, 1 - A)) if convention.family == "bce" else np.min(A))
    return STABILITY_MARGIN * STABILITY_EPSILON / smallest if smallest > 0 else 0.0


def check_own_loss(learner, X, Y, observation, parameters, *, allowance: float = 0.0) -> OwnLossCheck | None:
    """Finite differences of ``learner.loss_fn`` at the learner's weights against the gradients their code
    computed there (``observation.grads``, aligned to slots) for the slots in ``parameters``; None without
    a loss_fn, or when no gradient has its parameter's shape. ``allowance``: a relative error that a
    stability constant in the loss_fn explains (see :func:`stability_allowance`), not a disagreement."""
    if learner.loss_fn is None:
        return None
    if not learner.lr_known:
        return OwnLossCheck(UNCHECKED, "your gradients were not checked against your loss_fn: the step's learning "
                                       "rate is unknown")
    grads = observation.grads
    names = {i: learner.slots[i].name for i in parameters}
    arrays = {names[i]: learner.slots[i].get() for i in parameters
              if isinstance(grads[i], np.ndarray) and grads[i].shape == learner.slots[i].get().shape}
    if not arrays:
        return None
    unchecked = [names[i] for i in parameters if names[i] not in arrays]
    if unchecked:                       # a gradient of another shape: the agreement is of the others only
        found = _check(learner, X, Y, grads, parameters, names, arrays, allowance)
        if found.status != AGREE:
            return found
        shaped = ", ".join(name for name in names.values() if name in arrays)
        return OwnLossCheck(PARTLY, f"the gradients of {shaped} (those with their parameter's shape) agree with "
                                    f"finite differences of your own loss_fn ({found.summary}); "
                                    f"{', '.join(unchecked)} could not be checked", found.summary)
    return _check(learner, X, Y, grads, parameters, names, arrays, allowance)


def _check(learner, X, Y, grads, parameters, names, arrays, allowance) -> OwnLossCheck:
    """The check of the gradients of ``arrays`` (name -> the learner's parameter)."""
    from shapecheck.gradcheck import check_gradients
    from shapecheck.gradcheck.check import PrecisionWarning
    from shapecheck.gradcheck.progress import SlowCheckWarning

    size = sum(a.size for a in arrays.values())
    options = dict(mode="full") if size <= 2000 else dict(mode="sample", samples=20)
    with warnings.catch_warnings():     # its mode and tolerances are compare's choice, not the user's
        warnings.simplefilter("ignore", SlowCheckWarning)
        warnings.simplefilter("ignore", PrecisionWarning)
        check = check_gradients(lambda _: learner.loss_at(X, Y), arrays,
                                {names[i]: grads[i] for i in parameters if names[i] in arrays},
                                progress=False, **options)
    if check.ok and np.isfinite(check.power) and check.power > 0.1:   # float32 differences vouch for nothing
        return OwnLossCheck(COARSE, "your gradients were checked against finite differences of your own loss_fn, "
                                    f"but too coarsely to vouch for them ({check.summary})", check.summary)
    if check.ok:
        return OwnLossCheck(AGREE, f"your gradients agree with finite differences of your own loss_fn "
                                   f"({check.summary}): whatever the diagnosis, they are the gradients of the loss "
                                   "you compute", check.summary)
    if allowance > 0:                   # what a constant in its logs moves, against the largest gradient entry
        largest = max(float(np.max(np.abs(grads[i]))) for i in parameters if names[i] in arrays)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SlowCheckWarning)
            warnings.simplefilter("ignore", PrecisionWarning)
            loose = check_gradients(lambda _: learner.loss_at(X, Y), arrays,
                                    {names[i]: grads[i] for i in parameters if names[i] in arrays},
                                    progress=False, atol=allowance * largest, **options)
        if loose.ok:
            return OwnLossCheck(AGREE, "your gradients agree with finite differences of your own loss_fn up to what "
                                       f"the small constant in its logs moves (at most {allowance * largest:.1e} per "
                                       "entry)", loose.summary, loose=True)
    return OwnLossCheck(DISAGREE, f"your gradients do not match finite differences of your own loss_fn: "
                                  f"{check.summary}", check.summary)
