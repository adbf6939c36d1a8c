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

Scale mistakes (a missing 1/n, a flipped sign) are no mutant: locate_scale.py places them.
"""

from __future__ import annotations

import ast
import linecache

import numpy as np

from shapecheck.comparison import learner_source as source
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
    run = run_learner(learner, X, Y, setting, index, sizes=matcher.sizes([*reference.values(), *mutant.values()]),
                      max_bytes=max_bytes)
    if run is None:
        return ()
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
        helpers = {}
        places = [_place(s, name, sites, reference, mutant, matcher, factors, helpers) for s in hits]
        if any(p is None for p in places):
            return ()
        unfinished = any(tag[0] == "missing-hidden-derivative" and name == f"dZ{tag[1]}" for tag in tags)
        if unfinished or _also_reference(mutant[name], name, reference, factors, matcher):
            # the value is also another quantity of the reference's (dZ1 left as dA1), or the error sent back
            # but never finished (a missing derivative; over two layers, dA1 of the mutant's dZ2): the mistake is
            # on the last line that makes it (``d1 = d2 @ W2.T``) or gives it a name of its own (``dZ1 = dA1``),
            # not one that keeps it (``self.delta1 = d1``, ``nabla_b[-l] = delta``) or merely uses it; and only
            # when nothing run later in its function changes the name that line binds (a derivative applied
            # later)
            making = [i for i, s in enumerate(hits)
                      if s.op != "T" and source.binding_kind(*places[i][:2]) in ("computes", "alias")]
            if ("missing-output-derivative", "everywhere") in tags and name == f"dZ{net.n_layers}":
                making = _before_its_use(making, hits, places, holding(mutant[f"gradient W{net.n_layers}"]))
            if not making:
                return ()
            last = max(making, key=lambda i: hits[i].order)
            if source.changed_later(*places[last][:2], run.lines_run):
                return ()
            hits, places = [hits[last]], [(*places[last][:2], "unfinished")]
        found.append((hits[0].order, places[0], name))
    return as_locations(found)


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
        if tag == ("derivative-at-activation", "hidden"):
            names += [(f"prime{k}", f"dZ{k}") for k in range(1, L)]
        elif tag[:2] == ("derivative-at-activation", "hidden"):           # in hidden layer tag[2] only
            names.append((f"prime{tag[2]}", f"dZ{tag[2]}"))
        elif tag == ("derivative-at-activation", "output") or tag == ("missing-output-derivative", "everywhere"):
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
