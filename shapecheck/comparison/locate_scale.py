"""Where a scale mistake is made: the lines that finalise the gradients (a missing 1/n, a wrong factor) or
the line where the sign turns (a flipped sign). They are no mutant of the reference (the reference times a
factor), so locate.py's root quantities do not place them; the learner's own gradients and the reference's
quantities do.

- ``missing-mean`` / ``wrong-scale``: for each parameter, the values the learner's code makes that are
  multiples of its final gradient (or step), in execution order; the line where the final multiple first
  appears finalises it (``dW1 = 1 / m * np.dot(...)``, or the update ``w - rate * nw``).
- ``sign-flip``: the values that are ± a quantity of the reference (the error, dZ, dW, ...), in execution
  order, each with its sign. Where the sign last turns is the line that flips it. When it never turns, the
  first line (the error ``Y - A``) is the one that disagrees with a descending update or a returned gradient;
  an error ``A - Y`` that an update *adds* (``W += lr * ...``) disagrees with that update: both are named, as
  either can be changed.
"""

from __future__ import annotations

import numpy as np

from reference_nets.layouts import get_layout
from shapecheck.comparison.locate import as_locations, widest
from shapecheck.comparison.located_run import Matcher, factors as allowed_factors, fitted_factor, run_learner

UPDATES = {"-=": "descends", "-": "descends", "+=": "ascends", "+": "ascends"}


def locate_scale(learner, X, Y, setting, bug: str, *, scale: float | None = None, l2: float = 0.0,
                 max_bytes: int | None = None) -> tuple:
    """The lines of the learner's code where the scale mistake ``bug`` ("missing-mean", "wrong-scale" or
    "sign-flip") is made, as Locations (empty when they cannot be pinned down). ``l2``: the L2 coefficient
    of the learner's gradients; when their final gradients are made in pieces (``Theta1_grad[:, 1:] += ...``),
    the line that finalises the data term (the gradient less ``l2`` times the weights) is named."""
    if bug not in ("missing-mean", "wrong-scale", "sign-flip"):
        return ()
    net = setting.nets[0]
    n = setting.data.Y.shape[net.layout.sample_axis]
    matcher = Matcher(n, net.layout.sample_axis)
    lr = learner.lr if learner.step is not None and learner.lr_known else None
    data_terms = {}
    if bug == "sign-flip":
        _, reference, _ = widest(setting, frozenset(), lr)
        quantities = {name: q for name, q in reference.items()
                      if not name.startswith(("prime", "sent")) and not name.endswith("sent back through")}
    else:
        quantities = _gradients(setting, 0.0)
        data_terms = _gradients(setting, l2) if l2 else {}
    run = run_learner(learner, X, Y, setting, 0, sizes=matcher.sizes([*quantities.values(), *data_terms.values()])
                      if bug != "sign-flip" else matcher.sizes(quantities.values()), max_bytes=max_bytes)
    if run is None:
        return ()
    sites = [s for s in run.sites if isinstance(s.value, np.ndarray) and s.value.size > 1]
    if bug == "sign-flip":
        factors = allowed_factors(n, learner.lr if learner.step is not None else None, scale)
        olds = [np.asarray(v, dtype=float) for v in setting.observations[0].values] if learner.step else None
        return _sign_turn(sites, quantities, matcher, factors, olds)
    return _finalised(sites, quantities, matcher) or (_finalised(sites, data_terms, matcher) if l2 else ())


def _gradients(setting, l2: float) -> dict:
    """The learner's gradients less ``l2`` times the weights, by name: a folded W's as the learner holds it
    (weights and bias in one array: their code makes it whole), the others by reference name."""
    reading, obs = setting.reading, setting.observations[0]
    if reading.folded:
        return {f"gradient {setting.names[i]}": obs.grads[i] - l2 * weights_only(obs.values[i], reading)
                for i in reading.weights if isinstance(obs.grads[i], np.ndarray)}
    return {f"gradient {k}": setting.G[0][k] - (l2 * setting.net.params[k] if k.startswith("W") else 0.0)
            for k in setting.keys}


def weights_only(value, reading) -> np.ndarray:
    """A folded W with its bias row or column set to zero (what an L2 term over the weights covers)."""
    value = np.array(value, dtype=float)
    index = 0 if reading.folded == "first" else -1
    if get_layout(reading.layout).weight_is_in_out:
        value[index] = 0.0
    else:
        value[:, index] = 0.0
    return value


def _finalised(sites, gradients, matcher) -> tuple:
    """Per gradient, the first site of the last run of sites holding one multiple of it."""
    found = []
    for name, gradient in gradients.items():
        if np.size(gradient) == 1:
            continue                  # any number is a multiple of a single number: nothing to tell by
        chain = [(s, f) for s in sites for f in matcher.factors_of(s.value, gradient)[:1]]
        if not chain:
            return ()                 # a gradient whose making is not seen: say nothing rather than half
        site = chain[_last_run(chain, _same)][0]
        found.append((site.order, (site.file, site.line, "finalised"), name))
    return as_locations(found)


def _sign_turn(sites, quantities, matcher, factors, olds) -> tuple:
    """The line(s) where the learner's sign disagrees with the reference's (see the module's docstring).
    ``olds``: the learner's parameters before their step (None: they return gradients)."""
    chain, names = [], {}
    for s in sites:
        held = [(np.sign(f), name) for name, q in quantities.items() for f in matcher.factors_of(s.value, q)
                if any(_same(abs(f), abs(a)) for a in factors)]
        if len({sign for sign, _ in held}) == 1:
            chain.append((s, held[0][0]))
            names[id(s)] = held[0][1]
    if not chain:
        return ()
    final = chain[-1][1]
    start = _last_run(chain, lambda a, b: a == b)
    first = chain[start][0]
    if start > 0:                     # the sign turns here
        return as_locations([(first.order, (first.file, first.line, "sign"), f"turn {names[id(first)]}")])
    located = [(first.order, (first.file, first.line, "sign"), names[id(first)])]
    if olds is None:                  # a returned gradient must carry the reference's sign
        return as_locations(located) if final < 0 else ()
    updates = _updates(sites, chain, olds)
    directions = {UPDATES[u.op] for u in updates}
    if len(directions) != 1:
        return ()
    direction = directions.pop()
    if direction == "descends" and final < 0:
        return as_locations(located)                      # Y - A, then W -= lr * ...: the error line
    if direction == "ascends" and final > 0:              # A - Y, then W += lr * ...: the two disagree
        return as_locations(located + [(u.order, (u.file, u.line, "update"), "update") for u in updates])
    return ()


def _last_run(chain, same) -> int:
    """The index in ``chain`` (``(site, value)`` pairs) where its last run of ``same`` values begins."""
    start = len(chain) - 1
    while start > 0 and same(chain[start - 1][1], chain[-1][1]):
        start -= 1
    return start


def _updates(sites, chain, olds) -> list:
    """The sites that apply a step: a ``+``/``-``/``+=``/``-=`` whose value is a parameter of ``olds`` moved
    by a multiple of a value the same line computed just before (``w - rate * nw``, ``W += lr * dW``)."""
    held = {}
    for s, _ in chain:
        held.setdefault((s.file, s.line), []).append(s)
    found = []
    for s in sites:
        if s.op not in UPDATES:
            continue
        value = np.ravel(np.asarray(s.value, dtype=float))
        steps = [value - np.ravel(old) for old in olds if np.size(old) == value.size]
        if any(c.order < s.order and c.value.size == value.size and fitted_factor(step, np.ravel(c.value))
               for c in held.get((s.file, s.line), ()) for step in steps):
            found.append(s)
    return found


def _same(a, b) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))
