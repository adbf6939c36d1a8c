"""A float network's partial that uses the wrong unit: ``self.w3``'s update built from ``h1``'s error.

Arrays cannot make this mistake, so no mutant of the reference has it: a learner of floats writes one partial
per float, and a copied line keeps the unit it was copied from (``self.w3 -= lr * d_L_d_ypred * d_ypred_d_h1 *
d_h2_d_w3``). When compare finds no known mistake, each float's update on the one sample is compared with
the reference's gradient of that float, and of the same weight with another unit or another input in its
place: the floats that are off, each reproduced exactly by one such swap, are the diagnosis, placed on the
line that updated each (recorded while the step ran). A float whose gradient no swap explains leaves the
report as it was.
"""

from __future__ import annotations

import linecache

import numpy as np

from shapecheck.comparison.float_locate import _functions, _quantities
from shapecheck.comparison.report import Diagnosis, Location

_RTOL = 1e-7


def wrong_units(net, report, step, X1, Y1):
    """For the report's unexplained mismatch: (a ``wrong-unit`` :class:`Diagnosis` or None, the report's new
    ``functions`` line or None, a note naming the floats that disagree or None[, those floats]); None when
    nothing is read."""
    functions = _functions(report)
    if functions is None or len(net.layout.weights) != 2:
        return None
    q = _quantities(net, functions, X1, Y1)
    if q is None:
        return None
    moved, lines = _moves(net, step, X1, Y1)
    x = np.asarray(X1, dtype=float)[0]
    first = None
    for loss, dZ2 in _output_errors(q, _functions_text(report)):
        reference = _gradients(q, x, dZ2, net)
        off = _off(moved, reference)
        if off is None:
            continue
        found = _swaps(moved, reference, lines, *off)
        if found is not None:
            return _diagnosis(*found), (
                "functions", f"{functions[0]} hidden, {functions[1]} output, {loss}",
                "the only loss under which every float but those named agrees with the reference"), None
        first = first or (loss, *off)
    if first is None:
        return None
    loss, names, lr = first
    where = sorted({lines[name][1] for name in names if name in lines})
    return None, None, (f"with a {loss}, every float's update is -{lr:.4g} times the reference's gradient of it "
                        f"except those of {', '.join(names)}: look at the partials their updates read (line"
                        f"{'s' if len(where) > 1 else ''} {', '.join(map(str, where))}; checked on your run, on "
                        "the first sample)"), tuple(names)


def _off(moved, reference):
    """(the floats whose update is not the common factor times the reference's gradient, the factor), when they
    are fewer than half; else None."""
    ratios = [moved[name] / -g for name, (g, _) in reference.items() if abs(g) > 1e-12]
    if not ratios:
        return None
    lr = float(np.median(ratios))               # the learning rate times the loss's scale, read on the floats
    off = [name for name, (g, _) in reference.items() if not _close(moved[name], -lr * g)]
    return (off, lr) if off and len(off) * 2 < len(reference) else None


def _output_errors(q, text):
    """(loss, dL/dZ2 up to a constant) to try: the loss the report read or was told, else each one the output
    activation takes (the report's guess first)."""
    errors = {"squared error": (q["A2"] - q["Y"]) * q["g2"].derivative(z=q["Z2"])}
    if q["g2"].name == "sigmoid":
        errors["binary cross-entropy"] = q["A2"] - q["Y"]
    settled = "assumed" not in text and "inferred" not in text.split("loss", 1)[-1][:12]
    named = [loss for loss in errors if loss in text]
    order = named if settled and named else named + [loss for loss in errors if loss not in named]
    return [(loss, errors[loss]) for loss in order]


def _swaps(moved, reference, lines, off, lr):
    """Each float in ``off`` with the one swap that reproduces its update; None when one fits none or several."""
    found = []
    for name in off:
        fits = [words for value, words in reference[name][1] if _close(moved[name], -lr * value)]
        if len(fits) != 1 or name not in lines:
            return None
        found.append((name, fits[0], lines[name]))
    return found, lr


def _diagnosis(found, lr) -> Diagnosis:
    what = "; ".join(f"the gradient of {name} is {words}" for name, words, _ in found)
    locations = tuple(Location(path, line, linecache.getline(path, line).strip(), "float", "update",
                               f"{name} is updated here with {words}: this line, or a partial it reads, uses "
                               "the wrong unit")
                      for name, words, (path, line) in found)
    return Diagnosis("wrong-unit", f"{what}; every other float's update is -{lr:.4g} times the reference's "
                     "gradient of it", 0.0, bugs=("wrong-unit",), locations=locations)


def _functions_text(report) -> str:
    return next((what for aspect, what, _ in report.conventions if aspect == "functions"), "")


def _gradients(q, x, dZ2, net) -> dict:
    """Per float: (the reference's gradient, [(the gradient with one unit or input swapped, its words)])."""
    dZ1 = (q["W2"] @ dZ2) * q["g1"].derivative(z=q["Z1"])
    sent, prime1 = q["W2"] @ dZ2, q["g1"].derivative(z=q["Z1"])
    out = {}

    def mixed(j):
        """A hidden unit's error built from another unit's part: the error sent back to u_k with u_j's
        derivative, or the other way round (only for the hidden layer: ``layer`` is 0)."""
        if layer:
            return []
        return [(sent[k] * prime1[j], f"the error sent back to u{k + 1} times u{j + 1}'s derivative (u{j + 1}'s "
                 f"error is the error sent back to u{j + 1} times its derivative)") for k in range(len(sent))
                if k != j] + [(sent[j] * prime1[k], f"the error sent back to u{j + 1} times u{k + 1}'s derivative "
                              f"(u{j + 1}'s error uses its own derivative)") for k in range(len(sent)) if k != j]

    for layer, (inputs, delta, what) in enumerate(((x, dZ1, "x"), (q["A1"], dZ2, "u"))):
        units = [f"x[{i}]" for i in range(len(x))] if what == "x" else [f"u{i + 1}" for i in range(len(inputs))]
        errors = [f"u{j + 1 + (len(dZ1) if layer else 0)}" for j in range(len(delta))]
        for i, row in enumerate(net.layout.weights[layer]):
            for j, name in enumerate(row):
                swaps = [(delta[k] * inputs[i], f"{errors[k]}'s error times {units[i]} (its own unit is "
                          f"{errors[j]})") for k in range(len(delta)) if k != j]
                swaps += [(delta[j] * inputs[m], f"{errors[j]}'s error times {units[m]} (its own input is "
                           f"{units[i]})") for m in range(len(inputs)) if m != i]
                swaps += [(value * inputs[i], f"{words} times {units[i]}") for value, words in mixed(j)]
                out[name] = (delta[j] * inputs[i], swaps)
        for j, name in enumerate(net.layout.biases[layer] or ()):
            out[name] = (delta[j], [(delta[k], f"{errors[k]}'s error (its own unit is {errors[j]})")
                                    for k in range(len(delta)) if k != j] + mixed(j))
    return out


def _moves(net, step, X1, Y1):
    """How far the step moves each float on the sample, and the line that updated it; all put back."""
    with net.kept() as arrays:
        before = {k: v.copy() for k, v in arrays.items()}
        net.update_lines.clear()
        step(X1, Y1)
        moved = {name: float(arrays[label][index] - before[label][index])
                 for name, (label, index) in _entries(net).items()}
        lines = dict(net.update_lines)
    return moved, lines


def _entries(net) -> dict:
    """``{self.w1: (label, index)}``."""
    return {f"self.{attr}": place for attr, place in net.places.items()}


def _close(a, b) -> bool:
    return abs(a - b) <= _RTOL * max(abs(a), abs(b), 1e-300)
