"""Where in the learner's code the diagnosed mistake is: one traced run of their code, matched against the
reference's and the mutant's intermediate quantities (step 4 of docs/issue-15-plan.md).

The learner's gradients (or step) run once more under a values tracer, at the observation where the mutant
and the reference differ most, with their state loaded and put back exactly as compare does. The mistake's
*root* quantities (``prime1`` for a derivative taken at the activation, ``dZ1`` for a missing hidden
derivative, the weight gradient for a transposed product, ...) are looked for among the values the
learner's operations produced, in the learner's layout, also transposed, per sample (a loop over the
samples) and up to an allowed scale (1, 1/n, lr, lr/n, the factor already found). The first site holding
the mutant's root, where the learner never computes the reference's, is the location. Any doubt (nothing
found, a run cut at the byte cap, an exception, the reference's quantity computed too, a value that is
also another reference quantity and shows on more than one line) gives no location: never a guess.
"""

from __future__ import annotations

import ast
import functools
import linecache

import numpy as np

from shapecheck.comparison.mutants import mutant_gradients
from shapecheck.comparison.report import Location

#: A value equals a quantity times an allowed factor to this relative residual (float64; float32: 1e-4).
RESIDUAL = 1e-6


def locate(learner, X, Y, setting, tags, *, scale: float | None = None, max_bytes: int | None = None) -> tuple:
    """The lines of the learner's code where the mistake ``tags`` (a mutant of ``mutants.py``) is made, as
    a tuple of :class:`Location` (empty when it cannot be pinned down). ``X``, ``Y``: the data as the
    learner's code takes it; ``setting``: the diagnosis's :class:`~shapecheck.comparison.diagnose.Setting`;
    ``scale``: the factor between the learner's gradients and the mutant's, when found."""
    try:
        return _locate(learner, X, Y, setting, frozenset(tags), scale, max_bytes)
    except Exception:  # noqa: BLE001 - a location is a bonus: any failure of ours gives none
        return ()


def _locate(learner, X, Y, setting, tags, scale, max_bytes) -> tuple:
    from shapecheck.tracing.values import MAX_BYTES, trace_values

    if not tags:
        return ()
    lr = learner.lr if learner.step is not None and learner.lr_known else None
    index, reference, mutant = _widest(setting, tags, lr)
    if index is None:
        return ()
    net = setting.nets[index]
    n = setting.data.Y.shape[net.layout.sample_axis]
    transposable = not any(tag[0] == "transposed" for tag in tags)
    factors = _factors(n, learner.lr if learner.step is not None else None, scale)
    groups = [[name for name in group if name in mutant and name in reference
               and _differs(mutant[name], reference[name], factors)] for group in _roots(tags, net.n_layers)]
    groups = [group for group in groups if group]
    if not groups:
        return ()
    axis = net.layout.sample_axis
    sizes = {f.size for q in [*reference.values(), *mutant.values()] for f in _forms(q, n, axis, transposable)}
    fn = learner.gradients if learner.gradients is not None else learner.step
    targets = () if isinstance(learner.params, (dict, list, tuple)) else (type(learner.params),)
    try:
        learner._load(setting.observations[index].values)
        run = trace_values(fn, X.copy(), Y.copy(), sizes=sizes, targets=targets,
                           max_bytes=MAX_BYTES if max_bytes is None else max_bytes)
    finally:
        learner.snapshot.restore()
    if run.exception is not None or run.truncated or not run.sites:
        return ()

    shapes = {}                              # id(quantity) -> its forms, by size (quantities live for the call)

    def matches(value, quantity) -> bool:
        if id(quantity) not in shapes:
            by_size = shapes[id(quantity)] = {}
            for form in _forms(quantity, n, axis, transposable):
                by_size.setdefault(form.size, []).append(form)
        tolerance = 1e-4 if value.dtype == np.float32 else RESIDUAL
        return any(_fits(value, form, factors, tolerance) for form in shapes[id(quantity)].get(value.size, ()))

    sites = [s for s in run.sites if isinstance(s.value, np.ndarray) and s.value.size >= 2]
    for name, q in reference.items():   # the learner computes a quantity of the reference's that the mutant
        if "sent back through" in name or name in mutant and not _differs(mutant[name], q, factors):
            continue                    # lacks or has otherwise: not this mistake
        if any(matches(s.value, q) for s in sites):
            return ()
    found = []
    for group in groups:
        for name in group:                   # the first of the alternatives the learner's code shows
            hits = [s for s in sites if matches(s.value, mutant[name])]
            if hits:
                break
        else:
            continue
        helpers = {}
        places = [_place(s, name, sites, reference, mutant, matches, helpers) for s in hits]
        if any(p is None for p in places):
            return ()
        if _also_reference(mutant[name], name, reference, factors, n, axis, transposable):
            # the value is also another quantity of the reference's (dZ1 left as dA1): the line that holds it
            # is the mistake only when it is the one line, and nothing later in its function changes the name
            # it binds (the derivative applied on a later line, skipped here)
            if len({p[:2] for p in places}) > 1 or _changed_later(*places[0][:2]):
                return ()
        found.append((hits[0].order, places[0], name))
    if not found:
        return ()
    found.sort(key=lambda f: f[0])
    locations, seen = [], set()
    for _, (path, line, kind), name in found:
        if (path, line) not in seen:
            seen.add((path, line))
            locations.append(Location(path, line, linecache.getline(path, line).strip(), name, kind))
    return tuple(locations)


def _widest(setting, tags, lr):
    """(observation index, reference quantities, mutant quantities) where the mutant's gradients differ most
    from the reference's; (None, None, None) when they never differ."""
    best, best_gap = (None, None, None), 0.0
    for i, (net, forward) in enumerate(zip(setting.nets, setting.forwards)):
        reference, mutant = {}, {}
        X, Y = setting.data.X, setting.data.Y
        plain = mutant_gradients(net, X, Y, frozenset(), lr=lr, forward=forward, keep=reference)
        wrong = mutant_gradients(net, X, Y, tags, lr=lr, forward=forward, keep=mutant)
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


def _roots(tags, L) -> list:
    """For each mistake, the quantities where it is made, as alternatives (the first the learner's code shows
    wins: the derivative ``prime1`` when it is computed on a line of its own, else ``dZ1``)."""
    names = []
    for tag in sorted(tags, key=repr):
        if tag == ("derivative-at-activation", "hidden"):
            names += [(f"prime{k}", f"dZ{k}") for k in range(1, L)]
        elif tag == ("derivative-at-activation", "output") or tag == ("missing-output-derivative", "everywhere"):
            names.append((f"dZ{L}",))
        elif tag == ("missing-output-derivative",):
            names.append(("sent_back",))
        elif tag[0] == "missing-hidden-derivative":
            names.append((f"dZ{tag[1]}",))
        elif tag[0] == "transposed":
            names.append((f"gradient W{tag[1]}",))
        # stale-weights: the lines are right, their order is not (not located yet); sign flips and scale
        # mistakes are no tags: they give no location either
        elif tag[0] == "bias-wrong-axis":
            names.append((f"db{tag[1]}",))
    return list(dict.fromkeys(names))


def _factors(n, lr, scale) -> list:
    base = [1.0, 1.0 / n]
    if lr:
        base += [lr, lr / n]
    if scale and np.isfinite(scale):
        base += [abs(scale), abs(scale) / n]
    return sorted({v for b in base for v in (b, -b)})


def _forms(q, n, axis, transposable) -> list:
    """``q``, its transpose, and its per-sample slices (the sample axis kept, of size 1)."""
    q = np.asarray(q, dtype=float)
    forms = [q]
    if transposable and q.ndim == 2:
        forms.append(q.T)
    if q.ndim == 2 and q.shape[axis] == n and n > 1:
        for j in range(n):
            one = q.take([j], axis=axis)
            forms.append(one)
            if transposable:
                forms.append(one.T)
    return forms


def _fits(value, quantity, factors, tolerance) -> bool:
    """``value`` is ``s * quantity`` for an allowed ``s`` (same shape, or the same entries as a flat vector)."""
    if value.size != quantity.size or (value.shape != quantity.shape and min(value.ndim, quantity.ndim) > 1
                                       and value.ndim == quantity.ndim):
        return False
    v, q = np.ravel(np.asarray(value, dtype=float)), np.ravel(quantity)
    qq = float(np.vdot(q, q))
    vv = float(np.vdot(v, v))
    if qq == 0.0 or vv == 0.0 or not np.isfinite(vv):
        return False
    s = float(np.vdot(v, q)) / qq
    if np.linalg.norm(v - s * q) > tolerance * np.sqrt(vv):
        return False
    return any(abs(s - f) <= 1e-6 * abs(f) for f in factors)


def _also_reference(q, name, reference, factors, n, axis, transposable) -> bool:
    """``q`` (in any of its forms) is also a quantity of the reference's under another name."""
    return any(not _differs(form, other, factors) for key, other in reference.items() if key != name
               for form in _forms(q, n, axis, transposable) if form.shape == np.shape(other))


def _changed_later(path, line) -> bool:
    """A statement after ``line`` in its function assigns (or changes in place) a name the line binds, or the
    line binds none (unknown: taken as changed)."""
    span = _function_at(path, line)
    tree = _tree(path)
    if span is None or tree is None:
        return True
    branches = [((n.body[0].lineno, n.body[-1].end_lineno), (n.orelse[0].lineno, n.orelse[-1].end_lineno))
                for n in ast.walk(tree) if isinstance(n, ast.If) and n.orelse and span[0] <= n.lineno <= span[1]]

    def exclusive(a, b):                # in the two branches of one `if` (only one of them runs)
        return any(lo <= a <= hi and lo2 <= b <= hi2 or lo <= b <= hi and lo2 <= a <= hi2
                   for (lo, hi), (lo2, hi2) in branches)

    bound, later = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or not span[0] <= node.lineno <= span[1]:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {_root_name(t) for t in targets} - {None}
        if node.lineno == line:
            bound |= names
        elif node.lineno > line and not exclusive(line, node.lineno):
            later |= names
    return not bound or bool(bound & later)


def _root_name(target):
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _differs(a, b, factors) -> bool:
    """``a`` is no allowed multiple of ``b`` (or has another shape)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return True
    return not _fits(a, b, factors, RESIDUAL)


def _place(site, name, sites, reference, mutant, matches, helpers):
    """(path, line, kind) for a site holding the mutant's ``name``: its own line, or, inside a correct
    helper that only computes a derivative (every value of interest it produces is a ``prime``), the line
    that called it with the wrong input. None when that line is unknown."""
    frames = site.frames
    if not frames or frames[0][0] != site.file:
        return None
    function = _function_at(site.file, site.line)
    if len(frames) > 1 and function is not None and name.startswith("prime"):
        if (site.file, function) not in helpers:
            inside = [s for s in sites if s.file == site.file and function[0] <= s.line <= function[1]]
            others = [q for other, q in [*reference.items(), *mutant.items()] if not other.startswith("prime")]
            helpers[site.file, function] = not any(matches(s.value, q) for s in inside for q in others)
        if helpers[site.file, function]:
            caller = frames[1]
            return caller[0], caller[1], "argument"
    return site.file, site.line, "computed"


def _function_at(path, line):
    """(first line, last line) of the innermost function (def or lambda) around ``line``, or None."""
    for start, end in reversed(_functions(path)):
        if start <= line <= end:
            return start, end
    return None


@functools.lru_cache(maxsize=64)
def _tree(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return None


@functools.lru_cache(maxsize=64)
def _functions(path) -> tuple:
    tree = _tree(path)
    if tree is None:
        return ()
    spans = [(node.lineno, node.end_lineno) for node in ast.walk(tree)
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    return tuple(sorted(spans, key=lambda s: (s[0], -s[1])))
