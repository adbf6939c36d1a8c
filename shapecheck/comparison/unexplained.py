"""The table's rows, and the report when no known mistake explains the learner's gradients: where the
mismatch starts, compared under the learner's own conventions (a declared or loss_fn-read scale, or the one
the layers that agree show), so that a correct layer is never marked MISMATCH for a factor that is the
learner's convention (a summed loss's n)."""

from __future__ import annotations

import numpy as np

from shapecheck._arrays import format_shape
from shapecheck.comparison import conventions as conv
from shapecheck.comparison.diagnose import TOLERANCE, Hypothesis
from shapecheck.comparison.report import ComparisonReport, Diagnosis, TensorRow


def fallback_report(study, fallbacks) -> tuple:
    """(the report, its setting) for ``fallbacks`` (``(setting, rank, reading index, known Scale or None, L2
    coefficient or None)``, none explained): the setting under which the most layers agree, from the output
    down, and then the likeliest (the first convention of the first reading)."""
    scored = []
    for setting, rank, index, known, reg in fallbacks:
        factor, scale, source = _scale_of(setting, known, study.learner)
        l2 = (reg * factor if setting.convention.sources.get("l2") == "loss_fn" else reg) if reg else 0.0
        rows = tuple(row(*r) for r in setting.rows(factor, l2))
        scored.append(((-len(_agreeing_layers(rows)), rank, index), setting, rows, scale, source, (factor, l2)))
    _, setting, rows, scale, source, expected = min(scored, key=lambda s: s[0])
    diagnoses = [shape_diagnosis(k, setting) for k in setting.net.params if k not in setting.keys]
    if not diagnoses:
        diagnoses = [_one_tensor_without_mean(setting, rows, expected) or unknown(rows)]
    if setting.convention.sources.get("loss") not in ("declared", "loss_fn"):
        setting.convention = setting.convention.with_sources(activations="assumed", loss="assumed", output="assumed")
    lines = study._convention_lines(setting, Hypothesis(frozenset(), 1.0, 0.0, 1.0), scale, source)
    agreeing = _agreeing_layers(rows)
    if agreeing and setting.convention.sources.get("loss") == "assumed":
        said = ", ".join(str(k) for k in agreeing)
        lines = tuple((aspect, what, f"assumed: no known mistake explains your gradients; under these, layer(s) "
                                     f"{said} agree with the reference") if aspect == "functions" else (aspect, what, s)
                      for aspect, what, s in lines)
    report = ComparisonReport("mismatch", tuple(diagnoses), rows, setting.reading.layout, setting.reading.sizes,
                              tuple(study._notes(setting.reading)), conventions=lines)
    return report, setting


def _one_tensor_without_mean(setting, rows, expected) -> Diagnosis | None:
    """A missing-mean on one tensor: every row agrees but one, whose gradient is exactly n times what the
    reference expects under ``expected`` (the rows' factor and L2 coefficient) (``db2 = np.sum(dZ2, axis=0)`` with the ``/ n`` of every other gradient left out)."""
    wrong = [r for r in rows if r.status != "ok"]
    if len(wrong) != 1 or not np.isfinite(wrong[0].scale):
        return None
    n = setting.reading.n
    name = wrong[0].reference
    learner, reference = next((g, e) for k, _, _, g, e, _ in setting.rows(*expected) if k == name)
    if n < 2 or np.linalg.norm(learner - n * reference) > 1e-6 * max(np.linalg.norm(learner), 1e-300):
        return None
    own = wrong[0].name
    return Diagnosis("missing-mean", f"the gradient of {own} is n = {n} times too large, exactly (every other "
                                     f"gradient agrees with the reference): divide it by n, as the others are",
                     0.0, ("missing-mean",))


def _scale_of(setting, known, learner) -> tuple:
    """(the factor the learner's gradients are expected to carry, its Scale or None, where it came from): the
    declared or loss_fn-read scale; else the one at which the output layer agrees with the reference (a usual
    scale of the loss, or the learning rate a step hides); else 1."""
    if known is not None and learner.lr_known:
        return known.factor, known, ""
    L = setting.net.n_layers
    top = [k for k in (f"W{L}", f"b{L}") if k in setting.keys]
    if not top:
        return 1.0, None, ""
    c, _, residual = setting._fit_on(top, setting.mutant(frozenset(), learner.lr), l2=False)
    if residual >= TOLERANCE or not np.isfinite(c) or c <= 0:
        return 1.0, None, ""
    if not learner.lr_known:
        return c, None, ""
    reading = setting.reading
    for scale in conv.scales(setting.convention.family, reading.n, reading.sizes[-1]):
        if abs(c - scale.factor) <= 1e-6 * scale.factor:
            return scale.factor, scale, (f"inferred from layer {L}'s gradients, which agree with the reference's at "
                                         "this scale; pass loss_fn= to settle it")
    return 1.0, None, ""


def _agreeing_layers(rows) -> list:
    """The layers, from the output down, whose rows all agree (stopping at the first that does not)."""
    by_layer = {}
    for r in rows:
        by_layer.setdefault(int(r.reference[1:]), []).append(r)
    found = []
    for k in sorted(by_layer, reverse=True):
        if not all(r.status == "ok" for r in by_layer[k]):
            break
        found.append(k)
    return found


def row(name, learner_name, shape, learner, expected, rounding=0.0) -> TensorRow:
    """One tensor: the learner's gradient against what the reference expects under the learner's conventions
    (``scale`` is the best factor between them; 1 when they agree)."""
    if not isinstance(learner, np.ndarray) or learner.shape != expected.shape:
        got = getattr(learner, "shape", None)
        return TensorRow(learner_name, name, tuple(got) if got is not None else shape, float("inf"), float("nan"),
                         "shape")
    difference = float(np.linalg.norm(learner - expected))
    error = difference / max(np.linalg.norm(expected), np.linalg.norm(learner), 1e-300)
    scale = float(np.vdot(learner, expected) / max(np.vdot(expected, expected), 1e-300))
    agree = error < TOLERANCE or difference <= rounding
    return TensorRow(learner_name, name, shape, error, scale, "ok" if agree else "MISMATCH")


def shape_diagnosis(name, setting, run=None) -> Diagnosis:
    """A gradient whose shape is not its parameter's: a bias summed the wrong way, a transposed weight. ``run``:
    a traced run of the learner's step (or a callable making one), where the update that grew a bias is read."""
    net, learner_name = setting.net, setting.learner_names[name]
    gradient = setting.G[0][name]
    shape = getattr(gradient, "shape", None)
    expected = net.params[name].shape
    axis = net.layout.sample_axis
    if name.startswith("b"):
        own = setting.learner_shape(name)
        how = (f", with keepdims=True, e.g. `db = dZ.sum(axis={axis}, keepdims=True) / n`" if len(own) == 2
               else f", e.g. `db = dZ.sum(axis={axis}) / n`")
        seen = (f"after your step {learner_name} has shape {format_shape(shape)}, not its own {format_shape(own)}: "
                f"{_update_words(run, own, shape)}, and broadcasting turned the bias into {format_shape(shape)}"
                if setting.update_scale is not None else
                f"the gradient of {learner_name} has shape {format_shape(shape)} but the bias is {format_shape(own)}")
        return Diagnosis("bias-wrong-axis", f"{seen}: sum dZ over the samples axis (axis={axis}) only{how}",
                         0.0, ("bias-wrong-axis",))
    if shape is not None and tuple(shape) == tuple(expected)[::-1]:
        return Diagnosis("transposed", f"the gradient of {learner_name} has shape {format_shape(shape)}, the "
                                       f"transpose of {format_shape(expected)}: the weight gradient is transposed",
                         0.0, ("transposed",))
    return Diagnosis("unknown", f"the gradient of {learner_name} has shape {format_shape(shape)}, expected "
                                f"{format_shape(expected)}", 1.0, ("unknown",))


def shape_diagnoses(setting, run=None) -> list:
    """One diagnosis per gradient whose shape is not its parameter's; biases summed the wrong way in several
    layers (a course's shared ``linear_backward``) are one diagnosis naming them all, when they return gradients."""
    found = [(k, shape_diagnosis(k, setting, run)) for k in setting.net.params if k not in setting.keys]
    biases = [k for k, d in found if d.bug == "bias-wrong-axis"]
    if len(biases) < 2 or setting.update_scale is not None:
        return [d for _, d in found]
    names = [setting.learner_names[k] for k in biases]
    shapes = [format_shape(getattr(setting.G[0][k], "shape", ())) for k in biases]
    owns = [format_shape(setting.learner_shape(k)) for k in biases]
    first = next(d for _, d in found if d.bug == "bias-wrong-axis")
    how = first.message.split(": sum dZ", 1)[1]
    merged = Diagnosis("bias-wrong-axis", f"the gradients of {', '.join(names)} have shapes {', '.join(shapes)} but "
                                          f"the biases are {', '.join(owns)}: sum dZ{how}", 0.0, ("bias-wrong-axis",))
    return [merged if d is first else d for _, d in found if d is first or d.bug != "bias-wrong-axis"]


def _update_words(run, own, grown) -> str:
    """What the step did to a bias that grew from ``own`` to ``grown``: the line of the run whose ``-`` or ``+``
    made an array of the grown shape from a product of another shape (``self.b1 - self.lr * db1``), with that
    product's shape; the words without them when the run shows no such line."""
    run = run() if callable(run) else run
    sites = [site for site in getattr(run, "sites", ()) if isinstance(site.value, np.ndarray)]
    found = None
    for site in sites:
        if site.op not in ("-", "+", "-=", "+=") or site.value.shape != tuple(grown):
            continue
        steps = [other for other in sites if other.line == site.line and other.file == site.file
                 and other.order < site.order and other.op in ("*", "/")
                 and other.value.shape not in (tuple(grown), tuple(own))]
        found = (site, steps[-1]) if steps else found
    if found is None:
        return "the update your step applied to it does not have the bias's shape"
    site, step = found
    return (f"line {site.line} (`{site.source}`) applied an update of shape {format_shape(step.value.shape)} "
            f"(`{step.source}`)")


def unknown(rows) -> Diagnosis:
    """No known mistake reproduces the gradients: say where the mismatch starts (from the output down)."""
    by_layer = {}
    for r in rows:
        by_layer.setdefault(int(r.reference[1:]), []).append(r)
    matching = [k for k in sorted(by_layer, reverse=True) if all(r.status == "ok" for r in by_layer[k])]
    deepest_mismatch = max((k for k in by_layer if any(r.status != "ok" for r in by_layer[k])), default=None)
    if deepest_mismatch is None:
        where = "every tensor matches on its own"
    else:
        where = (f"the mismatch starts at layer {deepest_mismatch} "
                 f"({', '.join(r.name for r in by_layer[deepest_mismatch] if r.status != 'ok')})")
        if matching and max(matching) > deepest_mismatch:
            where += f"; layers above it ({', '.join(str(k) for k in matching if k > deepest_mismatch)}) match"
    return Diagnosis("unknown", f"no known mistake reproduces your gradients: {where}; compare that layer's "
                                "backward step with `shapecheck plan`", 1.0, ("unknown",))

