"""What a learner's step does with the gradient: the learning rate it uses, a momentum in the moving-average
form, an adaptive optimizer no gradient can be read from.

compare recovers a gradient from a step as ``-(after - before) / lr``. These functions settle ``lr`` (given,
or read from an attribute the step is shown to use), the share of a moving-average momentum, and refuse an
Adam-like step, each by running the learner's step (``Learner.moves``) with one number changed.
"""

from __future__ import annotations

import numpy as np

from shapecheck.comparison.readings import named_as_state
from shapecheck.errors import ConfigurationError, ShapecheckError

LR_NAMES = ("lr", "learning_rate", "learningRate", "learnrate", "learn_rate", "eta", "alpha", "LR", "learning_rate_")
#: Names of a momentum coefficient (the beta of v = beta * v + (1 - beta) * g).
MOMENTUM_NAMES = ("beta", "beta1", "momentum", "mu", "gamma")
LR_UNKNOWN = ("learning rate unknown: the gradients are recovered up to one common factor (the learning rate); "
              "pass lr= to check their scale too")


def settle(learner, X, Y) -> None:
    """For ``step=``: settle the learning rate and a moving-average momentum, and refuse an adaptive step. Each
    test compares the step as it is, run here once, with the step run with one number changed."""
    if learner.step is None:
        return
    moved = learner.moves(X, Y)
    if moved is None:                 # the step changed a shape: the comparison says so later
        return
    refuse_a_step_that_is_no_gradient_step(learner, X, Y, moved)
    settle_lr(learner, X, Y, moved)
    settle_momentum(learner, X, Y, moved)
    refuse_an_adaptive_step(learner, moved)


def refuse_a_step_that_is_no_gradient_step(learner, X, Y, moved) -> None:
    """A gradient step is a function of the weights it starts from: run twice from the same weights it moves them
    the same (to rounding: a shuffled full batch sums in another order), and started from other weights it ends
    elsewhere. A step that draws random numbers (weights drawn anew by ``fit()``, dropout, a random minibatch)
    or sets the weights whatever they were gives no gradient to read: refused, saying which, instead of compared
    into a mismatch with a made-up place. ``moved``: the step's own moves (``Learner.moves``)."""
    again = learner.moves(X, Y)
    if again is None:
        return
    for slot, first, second in zip(learner.slots, moved, again):
        if not _scaled(first, second, 1.0, 1e-6):
            at = np.unravel_index(int(np.argmax(np.abs(second - first))), first.shape)
            shown = f"[{', '.join(str(int(i)) for i in at)}]" if first.ndim else ""
            raise ConfigurationError(
                f"your step(X, Y) moved {slot.name}{shown} by {float(first[at]):.4g} and then by "
                f"{float(second[at]):.4g} when run twice from the same weights: it draws random numbers (weights "
                "drawn anew by each call, dropout, a random sample or minibatch), so it is not one gradient step "
                "compare can read; give compare a step that takes one gradient step from the current weights "
                "(weights drawn before it, no dropout, the whole batch), or pass gradients= (your backward pass)",
                name="step", expected="the same move from the same weights", got="a different move")
    _refuse_a_step_that_ignores_the_weights(learner, X, Y, moved)


def _refuse_a_step_that_ignores_the_weights(learner, X, Y, moved) -> None:
    """Started from weights 0.1% larger, a gradient step ends 0.1% elsewhere; a step that ends exactly where it
    ended before sets the weights anew (it initialises them) whatever they were."""
    before = learner.values()
    started = [value * 1.001 for value in before]
    if not any(np.any(start != value) for start, value in zip(started, before)):
        return                         # every array all zero: nothing to start elsewhere from
    learner._load(started)
    try:
        moved_from_there = learner.moves(X, Y)
    except ShapecheckError:             # the learner's code failed from there: nothing said, nothing refused
        return
    finally:
        learner.snapshot.restore()
    if moved_from_there is None:
        return
    # (the ends to their rounding: each is a start plus a move; a gradient step ends ~1e-3 of a weight elsewhere)
    same = [_scaled(value + move, start + move_there, 1.0, 1e-9)
            for value, move, start, move_there in zip(before, moved, started, moved_from_there)]
    shifted = [bool(np.any(start != value)) for start, value in zip(started, before)]
    if all(same_end for same_end, moved_start in zip(same, shifted) if moved_start):
        names = [slot.name for slot, moved_start in zip(learner.slots, shifted) if moved_start]
        raise ConfigurationError(
            f"your step(X, Y) ends at the same {_and(names)} whatever they start from (started 0.1% larger, they "
            "ended where they did before): it sets the weights anew (draws or initialises them, as a "
            "fit() that starts training from scratch does), so no gradient can be read from it; give compare a "
            "step that takes one gradient step from the current weights, or pass gradients=", name="step",
            expected="a step from the current weights", got="weights set anew")


def settle_lr(learner, X, Y, moved) -> None:
    """Keep a learning rate read from an attribute only if the step uses it: with the attribute doubled, the
    step must move the parameters twice as far (an ``alpha`` the step never reads made a correct learner's
    gradients look twice too large). The next candidate is tried when one is not used. ``moved``: the step's
    own moves (``Learner.moves``)."""
    if not learner.lr_candidates:
        return
    skipped = []
    for owner, name, value, shown in learner.lr_candidates:
        verdict = _doubling(learner, X, Y, moved, owner, name, value)
        if verdict == "unused":
            skipped.append(f"{shown} = {value:g}")
            continue
        learner.lr, learner.lr_known = value, True
        unused = (f"; {_and(skipped)} left out: your step does not use {'it' if len(skipped) == 1 else 'them'}"
                  if skipped else "")
        learner.notes.append(f"learning rate {value:g} read from the network object ({shown}){unused}")
        return
    learner.lr, learner.lr_known = 1.0, False
    learner.notes.append(f"{_and(skipped)} {'is' if len(skipped) == 1 else 'are'} not your learning rate (your "
                         f"step does not change when {'it doubles' if len(skipped) == 1 else 'they double'}); "
                         + LR_UNKNOWN)


def _doubling(learner, X, Y, moved, owner, name, value) -> str:
    """"used" when the step moves the parameters twice as far with ``owner.name`` doubled, "unused" when it
    moves them the same, "unsure" otherwise (a step that is not linear in it, or that moves nothing)."""
    doubled = _moves_with(learner, X, Y, owner, name, 2 * value)
    if doubled is None or not any(np.any(m) for m in moved):
        return "unsure"
    if all(_scaled(a, b, 1.0, 1e-3) for a, b in zip(moved, doubled)):
        return "unused"
    return "used" if _some_scaled(moved, doubled, 2.0, 1e-3) else "unsure"


def settle_momentum(learner, X, Y, moved) -> None:
    """Momentum in the moving-average form, ``v = beta * v + (1 - beta) * g``, moves the first step (from
    zero velocity, as compare runs it) by ``(1 - beta) * lr * g``: a correct learner looked ``1 - beta``
    times too small. The form is recognised by its effect: with ``beta`` halved, the step grows by exactly
    ``(1 - beta / 2) / (1 - beta)``; the classic form ``v = beta * v + g`` does not change at all."""
    for owner, name, beta, shown in _named_numbers(learner.params, MOMENTUM_NAMES, below=1.0):
        halved = _moves_with(learner, X, Y, owner, name, beta / 2)
        if halved is None or not any(np.any(m) for m in moved):
            return
        if _some_scaled(moved, halved, (1 - beta / 2) / (1 - beta), 1e-6):
            learner.momentum_share = 1 - beta
            learner.notes.append(f"momentum in the moving-average form (v = beta * v + (1 - beta) * g, beta = "
                                 f"{beta:g} from {shown}): its first step moves (1 - beta) * lr * g, and that "
                                 "factor is divided out")
        return


def refuse_an_adaptive_step(learner, moved) -> None:
    """A step that moves every entry of its parameters by the same amount is Adam's first update (or
    RMSprop's, or a sign update): ``lr * m_hat / sqrt(v_hat)`` is about ``lr * sign(g)``, so no gradient can
    be read from it. Refused, asking for gradients=, rather than compared into 'unknown'."""
    named = [(slot.name, m) for slot, m in zip(learner.slots, moved)]
    tensors = [(name, m) for name, m in named if m.size >= 4 and np.any(m) and not named_as_state(name)]
    even = [(name, m) for name, m in tensors if _moved_evenly(m)]
    if tensors and len(even) == len(tensors):     # every one (a bias summed whole moves evenly alone)
        size = float(np.abs(even[0][1]).max())
        raise ConfigurationError(
            f"your step(X, Y) moved every entry of {_and([name for name, _ in even])} by the same amount "
            f"({size:.3g}): an adaptive optimizer's first update (Adam, RMSprop) or a sign update, not lr * "
            "gradient, so the gradient cannot be read from it; pass gradients= instead (your backward pass, "
            "before the optimizer)", name="step", expected="an update lr * gradient", got="an even update")


def lr_candidates(params) -> list:
    """(owner, name, value, shown) for every positive number named like a learning rate on the network object
    (or dict), then on the objects it holds one level down (``model.optimizer.learning_rate``)."""
    return _named_numbers(params, LR_NAMES)


def _named_numbers(params, names, *, below=np.inf) -> list:
    """(owner, name, value, shown) for every number between 0 and ``below`` called one of ``names`` on the
    network object (or dict), then on the objects it holds one level down."""
    items = params.items() if isinstance(params, dict) else vars(params).items() if hasattr(params, "__dict__") \
        else ()
    owners = [(params, "")] + [(value, key) for key, value in list(items) if hasattr(value, "__dict__")
                               and not isinstance(value, (np.ndarray, type)) and not callable(value)]
    found = []
    for owner, prefix in owners:
        for name in names:
            value = _attribute(owner, name)
            if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and 0 < value < below:
                found.append((owner, name, float(value), f"{prefix}.{name}" if prefix else name))
    return found


def _moves_with(learner, X, Y, owner, name, value):
    """The step's moves (``Learner.moves``) with ``owner.name`` set to ``value`` for that one run."""
    original = _attribute(owner, name)
    _set_attribute(owner, name, value)
    try:
        return learner.moves(X, Y)
    finally:
        _set_attribute(owner, name, original)
        learner.snapshot.restore()


def _scaled(first: np.ndarray, second: np.ndarray, ratio: float, rtol: float) -> bool:
    """Is ``second`` ``ratio`` times ``first`` (to ``rtol`` of its size)?"""
    return float(np.linalg.norm(second - ratio * first)) <= rtol * max(float(np.linalg.norm(ratio * first)), 1e-300)


def _some_scaled(moved, again, ratio: float, rtol: float) -> bool:
    """Did the second run move some arrays ``ratio`` times as far, and every other one just as far? (The
    arrays a step only overwrites, a cache of the forward pass, move the same in both runs.)"""
    scaled = [_scaled(a, b, ratio, rtol) and np.any(a) for a, b in zip(moved, again)]
    return any(scaled) and all(s or _scaled(a, b, 1.0, rtol) for s, a, b in zip(scaled, moved, again))


def _moved_evenly(moved: np.ndarray) -> bool:
    """Did (nearly) every entry move, all by the same absolute amount (to 1%)?"""
    sizes = np.abs(moved.ravel())
    return np.count_nonzero(sizes) >= 0.9 * sizes.size and float(np.ptp(sizes)) <= 0.01 * float(sizes.max())


def _set_attribute(owner, name, value) -> None:
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _attribute(params, name):
    try:
        return getattr(params, name, None) if not isinstance(params, dict) else params.get(name)
    except Exception:  # noqa: BLE001 - a property of the learner's that raises: no learning rate there
        return None
