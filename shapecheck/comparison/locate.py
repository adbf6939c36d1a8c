"""Where in the learner's code the diagnosed mistake is: one traced run of their code, matched against the
reference's and the mutant's intermediate quantities (ARCHITECTURE.md, "How compare finds the line").

The learner's gradients (or step) run once more under a values tracer, at the observation where the mutant
and the reference differ most, with their state loaded and put back exactly as compare does. The mistake's
*root* quantities (``prime1`` for a derivative taken at the activation, ``dZ1`` for a missing hidden
derivative, the weight gradient for a transposed product, ...) are looked for among the values the
learner's operations produced (see located_run.py for "is"). The first site holding the mutant's root,
where the learner never computes the reference's, is the location. A derivative left out is placed on the
last line that makes the unfinished value or renames it, not on one that keeps it. Any doubt (nothing
found, a run cut at the byte cap, an exception, the reference's quantity computed too, a later line that
finishes the value after all) gives no location: never a guess.

Code built from layer objects (one ``Layer.backward`` for every layer) is followed across calls
(located_calls.py): a shared line right for another layer is not named; the line that holds the unfinished
value in every call, or the call that hands it on where the finished value belongs, is. A learner's ``fit()``
that shuffles its samples is matched in its own sample order (located_run.py).

Scale mistakes (a missing 1/n, a flipped sign) are no mutant: locate_scale.py places them.
"""

from __future__ import annotations

import ast
import linecache

import numpy as np

from shapecheck.comparison import learner_source as source, located_calls
from shapecheck.comparison.located_run import (Matcher, allowed, factors as allowed_factors, fitted_factor,
                                               run_learner)
from shapecheck.comparison.mutants import mutant_gradients
from shapecheck.comparison.report import Location


def locate(learner, X, Y, setting, tags, *, scale: float | None = None, max_bytes: int | None = None) -> tuple:
    """The lines of the learner's code where the mistake ``tags`` (a mutant of ``mutants.py``) is made, as
    a tuple of :class:`Location` (empty when it cannot be pinned down). ``X``, ``Y``: the data as the
    learner's code takes it; ``setting``: the diagnosis's :class:`~shapecheck.comparison.diagnose.Setting`;
    ``scale``: the factor between the learner's gradients and the mutant's, when found.

    Raises nothing of its own: a failure inside shapecheck is the caller's to report (study.py words it).
    """
    tags = frozenset(tags)
    if not tags:
        return ()
    lr = learner.lr if learner.step is not None and learner.lr_known else None
    index, reference, mutant = widest(setting, tags, lr)
    if index is None:
        return ()
    net = setting.nets[index]
    n = setting.data.Y.shape[net.layout.sample_axis]
    _add_bias_sums(mutant, tags, net)
    factors = allowed_factors(n, learner.lr if learner.step is not None else None, scale)
    groups = [[name for name in group if name in mutant and (name not in reference
               or _differs(mutant[name], reference[name], factors))] for group in _roots(tags, net.n_layers)]
    groups = [group for group in groups if group]
    if not groups:
        return ()
    matcher = Matcher(n, net.layout.sample_axis, transposable=not any(tag[0] == "transposed" for tag in tags))
    run = run_learner(learner, X, Y, setting, index, max_bytes=max_bytes,
                      sizes=matcher.sizes([*reference.values(), *mutant.values()]) | {setting.data.X.size})
    if run is None:
        return ()
    matcher.follow(run, setting.data.X)
    sites = [s for s in run.sites if isinstance(s.value, np.ndarray)]

    def holding(quantity):
        if np.allclose(quantity, 0, rtol=0, atol=1e-12):
            return []                           # zeros (a softmax error summed whole) are every zero value: no line
        one = np.size(quantity) == 1            # a scalar only stands for a scalar quantity (a bias summed whole)
        return [s for s in sites if (s.value.size == 1) == one and matcher.matches(s.value, quantity, factors)]

    forgotten = {f"prime{tag[1]}" for tag in tags if tag[0] == "missing-hidden-derivative"}
    for name, q in reference.items():   # the learner computes a quantity of the reference's that the mutant
        if name.startswith("sent") or name.endswith("sent back through") or name in forgotten \
                or name in mutant and not _differs(mutant[name], q, factors):
            continue                    # lacks or has otherwise: not this mistake (a derivative computed and
                                        # then not used is the missing derivative itself: `sp` in Nielsen's)
        if holding(q):
            return ()
    found = []
    for group in groups:
        for name in group:                   # the first of the alternatives the learner's code shows
            hits = holding(mutant[name])
            if hits:
                break
        else:
            continue
        sums = {(h.file, h.line) for h in hits if " summed " in name and h.op == "call" and "sum" in h.source}
        if sums:                           # the line that sums, not those that use the sum (an update) or a
            hits = [h for h in hits if (h.file, h.line) in sums]   # delta a single unit's sum leaves as it was
        helpers = {}
        places = [_place(s, name, sites, reference, mutant, matcher, factors, helpers) for s in hits]
        if any(p is None for p in places):
            return ()
        unfinished = any(tag[0] == "missing-hidden-derivative" and name == f"dZ{tag[1]}" for tag in tags) \
            or ("missing-output-derivative", "loss-derivative") in tags      # dL/dA made, never finished
        if unfinished or _also_reference(mutant[name], name, reference, factors, matcher):
            # the value is also another quantity of the reference's (dZ1 left as dA1), or the error sent back
            # but never finished (a missing derivative; over two layers, dA1 of the mutant's dZ2): the mistake is
            # on the last line that makes it (``d1 = d2 @ W2.T``) or gives it a name of its own (``dZ1 = dA1``),
            # not one that keeps it (``self.delta1 = d1``, ``nabla_b[-l] = delta``) or merely uses it; and only
            # when nothing run later in its function changes the name that line binds (a derivative applied
            # later)
            making = [i for i, s in enumerate(hits) if s.op != "T" and not located_calls.handover(s, sites)
                      and source.binding_kind(*places[i][:2]) in ("computes", "alias")]
            if ("missing-output-derivative", "everywhere") in tags and name == f"dZ{net.n_layers}":
                making = _before_its_use(making, hits, places, holding(mutant[f"gradient W{net.n_layers}"]))
            if not making:
                return ()
            last = max(making, key=lambda i: hits[i].order)
            if source.changed_later(*places[last][:2], run.lines_run):
                return ()
            if unfinished:
                place = _unfinished_place(hits[last], name, sites, mutant, net, holding, run.lines_run)
                if place is None:
                    return ()
                hits, places = [place[0]], [place[1]]
            else:
                hits, places = [hits[last]], [(*places[last][:2], "unfinished")]
        if places[0][2] != "argument" and _right_for_another_use(hits[0], sites, reference, mutant, matcher, factors):
            return ()
        found.append((hits[0].order, places[0], name))
    return as_locations(found)


def _right_for_another_use(site, sites, reference, mutant, matcher, factors) -> bool:
    """Another run of the expression at ``site`` (a helper shared by the layers: a course's
    ``dZ = relu_backward(dA, activation_cache)``) holds a quantity of the reference's that no value of the
    mistake's changes: the line is right for that use, so it is not where the mistake is."""
    wrong = [q for name, q in mutant.items() if name not in reference or _differs(q, reference[name], factors)]
    for other in sites:
        if other is site or (other.file, other.line, other.source) != (site.file, site.line, site.source):
            continue
        if not any(matcher.matches(other.value, q, factors) for q in wrong) \
                and any(matcher.matches(other.value, q, factors) for q in reference.values()):
            return True
    return False


def _unfinished_place(maker, name, sites, mutant, net, holding, lines_run):
    """(site, (path, line, kind[, called])) where an unfinished value (``name``, made last at ``maker``) is the
    mistake: the maker's line, unless it only passes the value on (``dA = dA_prev``, ``grad = dense.dinputs``)
    to a helper that keeps it unfinished in every call (a ``relu_backward`` that copies it and never masks
    it), or it is shared code right for another layer (one ``Layer.backward``); then a later line that holds
    the value and is wrong in every call, or the call that hands it on where the finished value belongs.
    None when neither is seen."""
    roots = [mutant[k] for k in mutant if k.startswith("dZ") and k[2:].isdigit()]

    def wrong(value):
        return any(holding_value(value, q) for q in roots)

    def holding_value(value, q):
        return any(s.value is value for s in holding(q))

    kept = _kept_by_helper(maker, holding(mutant[name]), sites, lines_run, wrong)
    if kept is not None:
        return kept, (kept.file, kept.line, "unfinished")
    if located_calls.wrong_in_every_call(maker, sites, wrong):
        return maker, (maker.file, maker.line, "unfinished")
    k = name[2:]
    if not k.isdigit() or int(k) >= net.n_layers or f"gradient W{k}" not in mutant:
        return None
    uses = [s for s in holding(mutant[f"gradient W{k}"]) if s.order > maker.order]
    if not uses:
        return None
    consumer = min(uses, key=lambda s: s.order)
    between = [s for s in holding(mutant[name]) if maker.order < s.order < consumer.order
               and (s.file, s.line) != (maker.file, maker.line) and not located_calls.handover(s, sites)]
    last = max(between, key=lambda s: s.order, default=maker)
    if last is not maker and located_calls.wrong_in_every_call(last, sites, wrong):
        return last, (last.file, last.line, "unfinished")
    place = located_calls.handed_on(last, consumer)
    return None if place is None else (consumer, place)


def _kept_by_helper(maker, held, sites, lines_run, wrong):
    """The site, in a helper called after ``maker`` with its value, that keeps that value as it came in every
    call and that no later line of the helper finishes (``dZ = np.array(dA, copy=True)`` with no
    ``dZ[Z <= 0] = 0``, ``self.dinputs = dvalues.copy()``): where the derivative is missing when ``maker``
    only passes the value on (a name or an attribute, bound as it is). None when there is no such site, or
    the maker computes the value (it is named itself)."""
    if not source.passes_on(maker.file, maker.line):
        return None
    callee = source.function_at(maker.file, maker.line)
    for s in sorted(held, key=lambda s: s.order):
        if s.order <= maker.order or len(s.frames) <= len(maker.frames) or s.frames[-len(maker.frames):][1:] \
                != maker.frames[1:] or source.function_at(s.file, s.line) == callee:
            continue
        if located_calls.handover(s, sites) or source.binding_kind(s.file, s.line) not in ("store", "computes", "alias") \
                or not np.array_equal(s.value, maker.value):
            continue
        if source.changed_later(s.file, s.line, lines_run) or not located_calls.wrong_in_every_call(s, sites, wrong):
            return None
        return s
    return None


def _before_its_use(making, hits, places, uses) -> list:
    """The lines in ``making`` (indices into ``hits``, at ``places``) that bind a name the output layer's weight
    gradient is made from (``uses``: the sites holding that gradient, ``hidden.T.dot(d_output)``): the output
    delta is the value that gradient uses (``d_output = error``), not a copy sent back only (``sent_back = ...``).
    All of ``making`` when no such line is found."""
    names = set()
    for use in uses:
        try:
            names |= {node.id for node in ast.walk(ast.parse(use.source, mode="eval")) if isinstance(node, ast.Name)}
        except (SyntaxError, ValueError):
            continue
    used = [i for i in making if source.bound_names(*places[i][:2]) & names]
    return used or making


def as_locations(found) -> tuple:
    """``[(order, (path, line, kind[, called helper]), quantity), ...]`` as Locations in execution order, one
    per line (a line that holds several quantities, shared by layers, lists them all)."""
    found = sorted(found, key=lambda f: f[0])
    by_line = {}                 # one location per line; a line shared by layers holds each one's quantity
    for _, (path, line, kind, *called), name in found:
        if (path, line) in by_line:
            if name not in by_line[path, line][2]:
                by_line[path, line][2].append(name)
        else:
            by_line[path, line] = (kind, "".join(called), [name])
    return tuple(Location(path, line, linecache.getline(path, line).strip(), ", ".join(names), kind, called=called)
                 for (path, line), (kind, called, names) in by_line.items())


def widest(setting, tags, lr):
    """(observation index, reference quantities, mutant quantities) where the mutant's gradients differ most
    from the reference's; (None, None, None) when they never differ. With no tags: the first observation."""
    best, best_gap = (None, None, None), -1.0 if not tags else 0.0
    applied = setting.applied_updates(tags)             # a stale weight as the learner's step updated it
    for i, (net, forward) in enumerate(zip(setting.nets, setting.forwards)):
        reference, mutant = {}, {}
        X, Y = setting.data.X, setting.data.Y
        plain = mutant_gradients(net, X, Y, frozenset(), lr=lr, forward=forward, keep=reference)
        wrong = mutant_gradients(net, X, Y, tags, lr=lr, forward=forward, keep=mutant, applied=applied[i])
        gap = sum(float(np.linalg.norm(np.ravel(wrong[k]) - np.ravel(plain[k])) / max(np.linalg.norm(plain[k]), 1e-300))
                  if np.shape(wrong[k]) == np.shape(plain[k]) else 1.0 for k in plain)
        unscale = 1.0 / (1.0 / Y.shape[net.layout.sample_axis] if net.reduction == "mean" else 1.0)
        for keep in (reference, mutant):                # gradients at the summed loss's scale, like dZ
            for name in list(keep):
                if name[:2] in ("dW", "db"):
                    keep[name] = keep[name] * unscale
        for k in range(1, net.n_layers + 1):
            reference[f"gradient W{k}"] = plain[f"W{k}"] * unscale
            mutant[f"gradient W{k}"] = wrong[f"W{k}"] * unscale
        if gap > best_gap:
            best, best_gap = (i, reference, mutant), gap
    return best


def _add_bias_sums(mutant, tags, net) -> None:
    """A bias gradient summed the wrong way, as the learner's line holds it: one number (every axis), or one
    per sample (the features axis)."""
    for tag in tags:
        if tag[0] == "bias-wrong-axis":
            dZ = mutant[f"dZ{tag[1]}"]
            mutant[f"db{tag[1]} summed whole"] = np.asarray(dZ.sum())
            mutant[f"db{tag[1]} summed over the features"] = dZ.sum(axis=net.layout.feature_axis, keepdims=True)


def _roots(tags, L) -> list:
    """For each mistake, the quantities where it is made, as alternatives (the first the learner's code shows
    wins: the derivative ``prime1`` when it is computed on a line of its own, else ``dZ1``)."""
    names = []
    for tag in sorted(tags, key=repr):
        if tag[0] in ("derivative-at-activation", "derivative-formula-at-pre-activation") and tag[1:] == ("hidden",):
            names += [(f"prime{k}", f"dZ{k}") for k in range(1, L)]
        elif tag[0] in ("derivative-at-activation", "derivative-formula-at-pre-activation") \
                and tag[1] == "hidden":                                   # in hidden layer tag[2] only
            names.append((f"prime{tag[2]}", f"dZ{tag[2]}"))
        elif tag in (("derivative-at-activation", "output"), ("derivative-formula-at-pre-activation", "output")) \
                or tag[:1] == ("missing-output-derivative",) \
                and tag[1:] in (("everywhere",), ("loss-derivative",)):
            names.append((f"dZ{L}",))
        elif tag == ("missing-output-derivative",):
            names.append((f"dA{L - 1}",))              # A_L - Y itself is the reference's error too
        elif tag[0] == "missing-hidden-derivative":
            names.append((f"dZ{tag[1]}",))
        elif tag[0] == "transposed":
            names.append((f"gradient W{tag[1]}",))
        elif tag[0] == "stale-weights":                 # the weights updated, then the error sent back
            names += [(f"W{tag[1]} sent back through",), (f"dA{tag[1] - 1}",)]   # through them
        elif tag[0] == "bias-wrong-axis":
            k = tag[1]
            names.append((f"db{k} summed whole", f"db{k} summed over the features", f"db{k}"))
    return list(dict.fromkeys(names))


def _also_reference(q, name, reference, factors, matcher) -> bool:
    """``q`` (in any of its forms) is also a quantity of the reference's under another name."""
    return any(not _differs(form, other, factors) for key, other in reference.items() if key != name
               for form in matcher.forms(q) if form.shape == np.shape(other))


def _differs(a, b, factors) -> bool:
    """``a`` is no allowed multiple of ``b`` (or has another shape)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return True
    s = fitted_factor(a, b)
    return s is None or not allowed(s, factors)


def _place(site, name, sites, reference, mutant, matcher, factors, helpers):
    """(path, line, kind) for a site holding the mutant's ``name``: its own line, or, inside a correct
    helper that only computes a derivative (every value of interest it produces is a ``prime``), the line
    that called it with the wrong input. None when that line is unknown."""
    frames = site.frames
    if not frames or frames[0][0] != site.file:
        return None
    function = source.function_at(site.file, site.line)
    if len(frames) > 1 and function is not None and name.startswith("prime"):
        if (site.file, function) not in helpers:
            inside = [s for s in sites if s.file == site.file and function[0] <= s.line <= function[1]]
            others = [q for other, q in [*reference.items(), *mutant.items()] if not other.startswith("prime")]
            helpers[site.file, function] = not any(matcher.matches(s.value, q, factors)
                                                   for s in inside for q in others)
        if helpers[site.file, function]:
            caller = frames[1]
            return caller[0], caller[1], "argument", function[2]
    return site.file, site.line, "computed"
