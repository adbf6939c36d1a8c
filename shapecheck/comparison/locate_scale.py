"""Where a scale mistake is made: the lines that finalise the gradients (a missing 1/n, a wrong factor) or
the line where the sign turns (a flipped sign). They are no mutant of the reference (the reference times a
factor), so locate.py's root quantities do not place them; the learner's own gradients and the reference's
quantities do.

- ``missing-mean`` / ``wrong-scale``: for each parameter, the values the learner's code makes that are
  multiples of its final gradient (or step), in execution order; the line where the final multiple first
  appears finalises it (``dW1 = 1 / m * np.dot(...)``, or the update ``w - rate * nw``).
- ``sign-flip``: the values that are ± a quantity of the reference (the error, dZ, dW, ...), in execution
  order, each with its sign (a line's own sub-expressions count as the value the line makes: the inner
  ``(y / p - ...)`` of ``-(y / p - ...)`` turns nothing). Where the sign last turns is the line that flips it. When it never turns, the
  first line (the error ``Y - A``, or a course's ``dAL`` without its minus) is the one that disagrees with a descending update or a returned gradient;
  an error ``A - Y`` that an update *adds* (``W += lr * ...``) disagrees with that update: both are named, as
  either can be changed. In code built from layer objects: a step made negative where it is made
  (``weight_updates = -lr * dweights``) and then subtracted names those updates; an optimizer that adds
  right gradients (``params[key] += lr * grads[key]``) is named alone.
- ``missing-mean`` in code built from layer objects (the first value n times too large made in shared code,
  or in another function than the shared code that makes the weight gradients from it): the line where that
  first value is made (the loss layer's backward), not the lines that carry it on.
"""

from __future__ import annotations

import numpy as np

from reference_nets.layouts import get_layout
from shapecheck.comparison import learner_source as source, located_calls
from shapecheck.comparison.locate import as_locations, widest
from shapecheck.comparison.located_run import Matcher, factors as allowed_factors, fitted_factor, run_learner

INPLACE = ("-=", "+=", "*=", "/=")
UPDATES = {"-=": "descends", "-": "descends", "+=": "ascends", "+": "ascends"}


def locate_scale(learner, X, Y, setting, bug: str, *, scale: float | None = None, l2: float = 0.0,
                 max_bytes: int | None = None) -> tuple:
    """The lines of the learner's code where the scale mistake ``bug`` ("missing-mean", "wrong-scale" or
    "sign-flip") is made, as Locations (empty when they cannot be pinned down). ``l2``: the L2 coefficient
    of the learner's gradients; when their final gradients are made in pieces (``Theta1_grad[:, 1:] += ...``),
    the line that finalises the data term (the gradient less ``l2`` times the weights) is named; for a missing
    1/n it is named first (``G1 = D2.T @ A1`` then ``G1 += k * R1``: a 1/n on the second line would scale the
    L2 term too), the line that finalises the whole gradient only when the data term is not seen alone."""
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
        quantities.update(_loss_derivative(setting))
    else:
        quantities = _gradients(setting, 0.0)
        data_terms = {f"data term of {k}": q for k, q in _gradients(setting, l2).items()} if l2 else {}
    sizes = matcher.sizes(quantities.values()) if bug == "sign-flip" \
        else matcher.sizes([*quantities.values(), *data_terms.values()])
    if bug == "missing-mean":                 # where the first value n times too large is made (layer objects)
        reference = {**widest(setting, frozenset(), lr)[1], **_loss_derivative(setting, softmax=True)}
        sizes |= matcher.sizes(_backward(reference).values()) | {n}
    run = run_learner(learner, X, Y, setting, 0, sizes=sizes | {setting.data.X.size}, max_bytes=max_bytes)
    if run is None:
        return ()
    matcher.follow(run, setting.data.X)
    sites = [s for s in run.sites if isinstance(s.value, np.ndarray) and s.value.size > 1]
    if bug == "sign-flip":
        rate = learner.lr if learner.step is not None else None
        factors = allowed_factors(n, rate, scale)
        if rate and scale and np.isfinite(scale):       # a step: the rate times the learner's scaled gradient
            factors = sorted({*factors, *(sign * rate * abs(scale) / m for sign in (1, -1) for m in (1, n))})
        olds = [np.asarray(v, dtype=float) for v in setting.observations[0].values] if learner.step else None
        return _sign_turn(sites, quantities, matcher, factors, olds)
    origin = _too_large_from(sites, reference, matcher, n, lr, net) if bug == "missing-mean" else None
    if origin is not None:
        return origin
    rate = learner.lr if learner.step is not None and learner.lr_known else None
    if data_terms and bug == "missing-mean":   # an L2 term added after the data term: a 1/n there would scale
        return _finalised(sites, data_terms, matcher, rate) or _finalised(sites, quantities, matcher, rate)  # it too
    return _finalised(sites, quantities, matcher, rate) or (_finalised(sites, data_terms, matcher, rate) if l2 else ())

def _too_large_from(sites, reference, matcher, n, lr, net) -> tuple:
    """A missing 1/n in code built from layer objects: the line where the first value n times too large is
    made, along the data flow (the loss layer's backward that never divides by n), not the lines that carry
    it on (each layer's shared ``dW``, the optimizer's update). Code is taken as built from layers when that
    first value is made in shared code or in another function than the first weight gradient made from it,
    and the function that makes that gradient does not compute n itself (a course's ``linear_backward`` binds
    ``m = A_prev.shape[1]``: its 1/m was forgotten there); otherwise None (the lines that finalise the
    gradients are named). Empty when the line is not seen."""
    backward = {**_backward(reference), **{k: q for k, q in reference.items() if k.startswith("dL/dA")}}
    right = {1.0 / n, (lr or 1.0) / n}                # at the summed loss's scale: a mean's quantities carry 1/n
    wrong = {1.0, lr or 1.0}                          # ... the mistake's carry 1 (or the learning rate)
    chain = []
    for s in sites:
        found = {abs(f) for q in backward.values() for f in matcher.factors_of(s.value, q)}
        if any(_same(f, r) for f in found for r in right):
            chain.append((s, "right"))
        elif any(_same(f, w) for f in found for w in wrong):
            chain.append((s, "wrong"))
    if not chain or chain[-1][1] != "wrong" or net.reduction != "mean":
        return None
    start = _last_run(chain, lambda a, b: a == b)
    first = chain[start][0]
    if source.in_loop(first.file, first.line):
        return None               # one value of a loop (a softmax's per-sample Jacobian row): not where n is missed
    gradients = [s for s, _ in chain[start:] if any(matcher.factors_of(s.value, q) for name, q in backward.items()
                                                    if name.startswith(("dW", "gradient W")))]
    shared = located_calls.shared_by_layers(first, sites)
    if not gradients or not shared and (not located_calls.shared_by_layers(gradients[0], sites) or source.function_at(
            first.file, first.line) == source.function_at(gradients[0].file, gradients[0].line)):
        return None
    if source.counts_samples(gradients[0].file, gradients[0].line) \
            and not source.counts_samples(first.file, first.line):
        return None               # the n is computed where the gradients are made (a course's linear_backward)
    if not shared:
        return as_locations([(first.order, (first.file, first.line, "too large"), "n times too large")])
    after = chain[start - 1][0].order if start > 0 else -1
    error = reference[f"dZ{net.n_layers}"]
    if matcher.order is not None:
        error = np.take(error, matcher.order, axis=net.layout.sample_axis)
    writers = [s for s in sites if after < s.order < first.order and s.value.ndim == 1 and s.op in INPLACE
               and _entries_of(s.value, error, net.layout.sample_axis)]
    if not writers:
        return ()
    last = max(writers, key=lambda s: s.order)
    return as_locations([(last.order, (last.file, last.line, "too large"), "n times too large")])


def _backward(reference) -> dict:
    """The reference's quantities of the backward pass (errors, deltas, gradients)."""
    return {name: q for name, q in reference.items() if name.startswith(("dZ", "dA", "dW", "db", "gradient"))}


def _entries_of(value, q, axis) -> bool:
    """``value`` (one number per sample) holds, for each sample, one of that sample's entries of ``q``: what
    an in-place line such as ``dinputs[range(n), y] -= 1`` leaves (the tracer keeps the entries it wrote)."""
    q = np.moveaxis(np.asarray(q, dtype=float), axis, 0)
    if q.ndim != 2 or value.shape != (q.shape[0],):
        return False
    scale = max(float(np.max(np.abs(q))), 1e-300)
    return bool(np.all(np.min(np.abs(q - value[:, None]), axis=1) <= 1e-9 * scale))


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


def _finalised(sites, gradients, matcher, rate=None) -> tuple:
    """Per gradient, the first site of the last run of sites holding one multiple of it. Nothing when that
    site is shared code (one ``update_params(layer)`` for every layer) that only applies the learning rate
    ``rate`` to a gradient that had its factor already: the line is right for every layer, and the factor
    was made before it, where this does not tell."""
    found = []
    for name, gradient in gradients.items():
        if np.size(gradient) == 1:
            continue                  # any number is a multiple of a single number: nothing to tell by
        chain = [(s, f) for s in sites for f in matcher.factors_of(s.value, gradient)[:1]]
        if not chain:
            return ()                 # a gradient whose making is not seen: say nothing rather than half
        start = _last_run(chain, _same)
        site = chain[start][0]
        if start > 0 and rate and _same(abs(chain[start][1] / chain[start - 1][1]), rate) \
                and located_calls.shared_by_layers(site, sites):
            return ()                 # layer.weights += -lr * layer.dweights: the step of a gradient made before
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
    chain = _whole_lines(chain, sites)
    if not chain:
        return ()
    final = chain[-1][1]
    start = _last_run(chain, lambda a, b: a == b)
    first = chain[start][0]
    if start > 0 and olds is not None:    # turned (weight_updates = -lr * dW), then applied by updates
        applying, applied = _applying(sites, chain[start:], olds)
        if not applying or len(applied) < len(chain) - start:
            applying = []                     # the sign turned before the step was made: not the update's
        if applying and all(u.op in ("+=", "+") for u in applying):
            return ()                         # added: the step descends, the turn is the update's own sign
        if applying and all(u.op in ("-=", "-") for u in applying):     # subtracted: those updates climb
            return as_locations([(u.order, (u.file, u.line, "update"), "turned update") for u in applying])
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
        adding = [(u.order, (u.file, u.line, "update"), "update") for u in updates]
        if all(source.function_at(u.file, u.line) != source.function_at(first.file, first.line) for u in updates):
            return as_locations(adding)         # an optimizer given right gradients (SGD.update): its update
        return as_locations(located + adding)
    return ()


def _whole_lines(chain, sites) -> list:
    """``chain`` (``(site, sign)`` pairs in execution order) with each run of one line's own sub-expressions
    (one call of the line: no other line's site between them) kept as its last value only, the value the line
    makes: ``-(y / p - (1 - y) / (1 - p))`` holds minus dL/dA inside and dL/dA whole, and turns no sign."""
    def where(s):
        return s.file, s.line, s.frames

    position = {id(s): i for i, s in enumerate(sites)}
    kept = []
    for (s, sign), (after, _) in zip(chain, chain[1:]):
        if where(after) != where(s) or any(where(o) != where(s) for o in
                                           sites[position[id(s)] + 1:position[id(after)]]):
            kept.append((s, sign))
    return kept + chain[-1:]


def _loss_derivative(setting, softmax: bool = False) -> dict:
    """The loss's derivative with respect to a sigmoid output under binary cross-entropy, as a course computes it
    before the sigmoid's derivative (``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, (t, n) like AL): the reference
    fuses the two into dZ = A - Y, so without it a sign lost in ``dAL`` was placed on the line after it.
    ``softmax``: instead, the derivative under a softmax's cross-entropy, ``-Y / A`` (nnfs's separate
    Loss_CategoricalCrossentropy, whose backward is where a missing 1/n is made; a course's sigmoid ``dAL`` is
    not: it divides by m in linear_backward). Empty for other losses, and where an output is saturated (0 or
    1: no finite derivative to compare)."""
    net, forward = setting.nets[0], setting.forwards[0]
    A, Y = forward.A[net.n_layers], setting.data.Y
    with np.errstate(all="ignore"):
        if net.loss_fn.requires_output == "sigmoid" and not softmax:
            derivative = (A - Y) / (A * (1 - A))
        elif net.loss_fn.requires_output == "softmax" and softmax and np.shape(Y) == np.shape(A):
            derivative = -Y / A
        else:
            return {}
    return {f"dL/dA{net.n_layers}": derivative} if np.all(np.isfinite(derivative)) else {}


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


def _applying(sites, final, olds) -> list:
    """The updates that apply a value of ``final`` (the run of sites after the sign turned, ``(site, sign)``
    pairs) whole: each moves its parameter by exactly that value, added (``layer.weights += weight_updates``)
    or subtracted (``-=``), where ``weight_updates = -lr * layer.dweights``; and the ids of the sites of
    ``final`` they apply."""
    found, applied = [], set()
    for s in sites:
        if s.op not in UPDATES:
            continue
        value = np.ravel(np.asarray(s.value, dtype=float))
        steps = [value - np.ravel(old) for old in olds if np.size(old) == value.size]
        sign = 1.0 if s.op in ("+=", "+") else -1.0
        used = [c for c, _ in final for step in steps if c.order < s.order and c.value.size == value.size
                and _same(fitted_factor(step, np.ravel(c.value)) or 0.0, sign)]
        if used:
            found.append(s)
            applied.add(id(used[-1]))
    return found, applied


def _same(a, b) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))
