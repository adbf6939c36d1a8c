"""``shapecheck.compare``: run the learner's backprop on their own weights, and name the bug.

The learner's gradients come from their ``gradients(X, Y)`` function, or are recovered from one
training step: ``g = -(after - before) / lr``. The reference network is built from the same arrays
(roles, sizes and layout inferred, see :mod:`.infer`), and every known mistake is tried as a mutant of
its backward pass (see :mod:`.mutants`). The learner's arrays are restored exactly afterwards.
"""

from __future__ import annotations

import itertools

import numpy as np

from reference_nets.losses import LOSSES, required_output
from reference_nets.mlp import MLP
from reference_nets.params import unfold_bias
from shapecheck._arrays import as_float_array, check_finite, format_shape
from shapecheck.comparison.collect import Snapshot, collect
from shapecheck.comparison.factory import LearnerCodeError
from shapecheck.comparison.infer import infer_roles
from shapecheck.comparison.messages import describe_bugs, scale_bugs
from shapecheck.comparison.mutants import candidate_mutants, mutant_gradients
from shapecheck.comparison.report import ComparisonReport, Diagnosis, TensorRow
from shapecheck.errors import ConfigurationError, ShapeError

#: A hypothesis explains the learner's gradients when its relative residual is below this.
TOLERANCE = 1e-5
LR_NAMES = ("lr", "learning_rate", "learningRate", "eta", "alpha", "LR")


def compare(X, Y, *, params, gradients=None, step=None, lr=None, activation: str, output: str, loss: str,
            reduction: str = "mean", bias: bool = True, layout: str | None = None) -> ComparisonReport:
    """Compare the learner's gradients with the reference on the same weights and data; name the bug.

    ``params``: the learner's arrays (a dict, list, nested lists, or their network object). Exactly one
    of ``gradients`` (callable ``(X, Y)`` returning gradients in the same structure or shapes) and
    ``step`` (callable ``(X, Y)`` doing one update; ``lr`` given, found on the object, or left unknown).
    """
    if (gradients is None) == (step is None):
        raise ConfigurationError("pass exactly one of gradients= (a function returning the gradients) and step= "
                                 "(a function doing one training update)", name="gradients",
                                 expected="exactly one of gradients, step",
                                 got="both" if gradients is not None else "neither")
    X = as_float_array("X", X, allow_int=True, ndim=None)     # 2-d is checked with a hint by infer_roles
    Y = as_float_array("Y", Y, allow_int=True, ndim=None)
    slots = collect(params)
    shapes = [slot.get().shape for slot in slots]
    roles = infer_roles(X.shape, Y.shape, shapes, [s.name for s in slots], bias=bias, layout=layout)
    snapshot = Snapshot(slots)
    notes = []
    try:
        if gradients is not None:
            learner = _from_gradients(gradients, X, Y, slots)
            lr_known = True
        else:
            learner, lr, lr_known = _from_step(step, X, Y, slots, snapshot, lr, params, notes)
    finally:
        snapshot.restore()
    positions = ("last", "first") if roles.folded else (None,)
    reports = [_diagnose(roles, snapshot.values, learner, [s.name for s in slots], X, Y, lr, lr_known, notes,
                         position=p, activation=activation, output=output, loss=loss, reduction=reduction)
               for p in positions]
    return min(reports, key=lambda r: r.diagnoses[0].score)


# -- the learner's gradients --------------------------------------------------------------------------

def _call_learner(function, what, X, Y):
    try:
        return function(X.copy(), Y.copy())
    except Exception as exc:  # noqa: BLE001 - the learner's own code failed: say so, keep their traceback
        raise LearnerCodeError(f"your {what}(X, Y) raised {type(exc).__name__}: {exc}", name=what,
                               exit_code=1) from exc


def _from_gradients(gradients, X, Y, slots) -> list:
    result = _call_learner(gradients, "gradients", X, Y)
    if result is None or not isinstance(result, (dict, list, tuple, np.ndarray)) and not hasattr(result, "__dict__"):
        raise ShapeError(f"your gradients(X, Y) returned {result!r}; return one gradient per parameter "
                         f"({', '.join(s.name for s in slots)}), in the same structure", name="gradients",
                         expected="gradients", got=repr(result)[:60])
    found = collect(result, what="gradients")
    for slot in found:
        check_finite(f"your gradient {slot.name}", np.asarray(slot.get(), dtype=float))
    by_name = {s.name: s.get() for s in found}
    names = [s.name for s in slots]
    for rename in (lambda x: x, lambda x: x[1:] if x.startswith("d") else x):
        renamed = {rename(k): v for k, v in by_name.items()}
        if all(name in renamed for name in names):
            return [np.asarray(renamed[name], dtype=float) for name in names]
    if len(found) != len(slots):
        raise ShapeError(f"gradients returned {len(found)} arrays ({', '.join(by_name)}), the parameters are "
                         f"{len(slots)} ({', '.join(names)}); return one gradient per parameter",
                         name="gradients", expected=len(slots), got=len(found))
    return [np.asarray(s.get(), dtype=float) for s in found]


def _from_step(step, X, Y, slots, snapshot, lr, params, notes):
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not lr > 0):
        raise ConfigurationError(f"lr must be a positive number, got {lr!r}", name="lr", expected="lr > 0",
                                 got=repr(lr))
    if lr is None:
        lr = next((getattr(params, name) for name in LR_NAMES
                   if isinstance(getattr(params, name, None), (int, float)) and not isinstance(
                       getattr(params, name), bool)), None)
        if lr is not None:
            notes.append(f"learning rate {lr} read from the network object")
    lr_known = lr is not None
    if not lr_known:
        lr = 1.0
        notes.append("learning rate unknown: the gradients are recovered up to one common factor (the learning "
                     "rate); pass lr= to check their scale too")
    _call_learner(step, "step", X, Y)
    learner = []
    for slot, before in zip(slots, snapshot.values):
        after = np.asarray(slot.get(), dtype=float)
        if after.shape != before.shape:
            learner.append(_ShapeOnly(after.shape))
        else:
            check_finite(f"{slot.name} after your step", after)
            learner.append(-(after - before) / lr)
    if all(isinstance(g, np.ndarray) and not g.any() for g in learner):
        raise ShapeError("your step(X, Y) did not change any parameter: does it update the arrays in place "
                         "(W -= lr * dW) or reassign the attributes compare() was given?", name="step",
                         expected="changed parameters", got="no change")
    return learner, lr, lr_known


class _ShapeOnly:
    """A parameter whose shape the step changed: only its new shape is known."""

    def __init__(self, shape):
        self.shape = tuple(shape)


# -- the diagnosis --------------------------------------------------------------------------------------

def _diagnose(roles, values, learner, names, X, Y, lr, lr_known, notes, *, position, activation, output, loss,
              reduction) -> ComparisonReport:
    net, G, learner_names = _reference(roles, values, learner, names, position, activation, output, loss,
                                       reduction)
    reference = net.gradients(X, Y)
    comparable = [k for k in net.params if isinstance(G[k], np.ndarray) and G[k].shape == net.params[k].shape]
    rows = tuple(_row(k, learner_names[k], net.params[k].shape, G[k], reference[k]) for k in net.params)
    n = Y.shape[net.layout.sample_axis]
    context = dict(net=net, names=learner_names, n=n, lr_known=lr_known)
    diagnoses = []
    for k in net.params:
        if k not in comparable:
            diagnoses.append(_shape_diagnosis(k, learner_names[k], G[k], net, n))
    candidates = _hypotheses(net, X, Y, G, comparable, lr, lr_known, roles, activation, output, loss, reduction)
    for residual, tags, scale, alternative in candidates:
        bugs = scale_bugs(scale, n, net.reduction, lr_known, net.sizes)
        diagnosis = describe_bugs(tags, bugs, scale, alternative, residual, context)
        if diagnosis.bug == "match" and diagnoses:       # shapes are wrong: the values alone do not make a match
            continue
        diagnoses.append(diagnosis)
    if not diagnoses:
        diagnoses.append(_unknown(rows, learner_names))
    verdict = "match" if diagnoses[0].bug == "match" else "mismatch"
    extra = [] if position is None else [f"bias folded into the weights ({position} row/column of each W)"]
    return ComparisonReport(verdict, tuple(diagnoses), rows, net.layout.name, net.sizes, tuple(notes + extra))


def _reference(roles, values, learner, names, position, activation, output, loss, reduction):
    """The reference network on the learner's weights, the learner's gradients by reference name, and the
    learner's name for each reference parameter."""
    learner_names = {}
    if roles.folded:
        folded = {f"W{k + 1}": values[i] for k, i in enumerate(roles.weights)}
        params = unfold_bias(folded, roles.layout, position=position)
        grads_folded = {f"W{k + 1}": learner[i] for k, i in enumerate(roles.weights)}
        if any(isinstance(g, _ShapeOnly) for g in grads_folded.values()):
            G = {k: None for k in params}
        else:
            G = unfold_bias(grads_folded, roles.layout, position=position)
        for k, i in enumerate(roles.weights):
            learner_names[f"W{k + 1}"] = f"{names[i]} (weights)"
            learner_names[f"b{k + 1}"] = f"{names[i]} (bias {position})"
        bias = True
    else:
        params, G = {}, {}
        bias = bool(roles.biases)
        for k, i in enumerate(roles.weights):
            params[f"W{k + 1}"], G[f"W{k + 1}"] = values[i], learner[i]
            learner_names[f"W{k + 1}"] = names[i]
            if bias:
                j = roles.biases[k]
                params[f"b{k + 1}"] = values[j].reshape(-1)
                G[f"b{k + 1}"] = learner[j]
                learner_names[f"b{k + 1}"] = names[j]
    net = MLP(roles.sizes, activation=activation, output=output, loss=loss, reduction=reduction,
              layout=roles.layout, bias=bias)
    layout = net.layout
    net.load_params({k: (v.reshape(layout.bias_shape(v.size)) if k.startswith("b") else v) for k, v in params.items()})
    G = {k: _bias_in_layout(g, net.params[k].shape) if k.startswith("b") else g for k, g in G.items()}
    return net, G, learner_names


def _bias_in_layout(gradient, shape):
    """A bias gradient stored as ``(s,)``, ``(1, s)`` or ``(s, 1)``, in the reference's bias shape; any
    other shape (a wrong-axis sum) is left as it is, for the shape diagnosis."""
    if isinstance(gradient, np.ndarray) and gradient.size == int(np.prod(shape)) and (
            gradient.ndim == 1 or (gradient.ndim == 2 and 1 in gradient.shape)):
        return gradient.reshape(shape)
    return gradient

def _row(name, learner_name, shape, learner, reference) -> TensorRow:
    if not isinstance(learner, np.ndarray) or learner.shape != reference.shape:
        got = getattr(learner, "shape", None)
        return TensorRow(learner_name, name, tuple(got) if got is not None else shape, float("inf"), float("nan"),
                         "shape")
    error = float(np.linalg.norm(learner - reference) / max(np.linalg.norm(reference), np.linalg.norm(learner),
                                                              1e-300))
    scale = float(np.vdot(learner, reference) / max(np.vdot(reference, reference), 1e-300))
    return TensorRow(learner_name, name, shape, error, scale, "ok" if error < TOLERANCE else "MISMATCH")


def _fit(G, H, keys):
    """The best common factor c with G ~ c H over ``keys``, and the relative residual."""
    g = np.concatenate([G[k].ravel() for k in keys]) if keys else np.zeros(1)
    h = np.concatenate([H[k].ravel() for k in keys]) if keys else np.zeros(1)
    tiny = 1e-13 * max(1.0, float(np.abs(h).max(initial=0.0)))
    if np.abs(g).max(initial=0.0) <= tiny or np.abs(h).max(initial=0.0) <= tiny:
        # all zero on both sides is a match (a flat spot, e.g. all-zero data); zero on one side is not
        both = np.abs(g).max(initial=0.0) <= tiny and np.abs(h).max(initial=0.0) <= tiny
        return 1.0, 0.0 if both else 1.0
    scale = float(np.vdot(g, h) / max(np.vdot(h, h), 1e-300))
    residual = float(np.linalg.norm(g - scale * h) / max(np.linalg.norm(g), 1e-300))
    return scale, residual


def _hypotheses(net, X, Y, G, keys, lr, lr_known, roles, activation, output, loss, reduction):
    """Accepted hypotheses, best first: (residual, tags, scale, alternative loss or None)."""
    if not keys:
        return []
    tried = []
    reference = mutant_gradients(net, X, Y, frozenset())
    singles = [tags for tags in candidate_mutants(net, lr=lr if lr_known else None)
               if _fit(mutant_gradients(net, X, Y, tags, lr=lr), reference, keys)[1] > TOLERANCE]
    # (a mistake that changes nothing here, e.g. transposing a symmetric gradient, is no hypothesis)
    for tags in [frozenset()] + singles:
        scale, residual = _fit(G, mutant_gradients(net, X, Y, tags, lr=lr), keys)
        tried.append((residual, tags, scale, None))
    accepted = sorted(t for t in tried if t[0] < TOLERANCE)
    if accepted:
        return _best_first(accepted)
    for first, second in itertools.combinations(singles, 2):
        tags = first | second
        scale, residual = _fit(G, mutant_gradients(net, X, Y, tags, lr=lr), keys)
        if residual < TOLERANCE:
            accepted.append((residual, tags, scale, None))
    if accepted:
        return _best_first(accepted)
    for other in LOSSES:
        needed = required_output(other)
        if other == loss or (needed is not None and needed != output) or {other, loss} == {"mse", "half-sse"}:
            continue
        alternative = MLP(net.sizes, activation=activation, output=output, loss=other, reduction=reduction,
                          layout=net.layout.name, bias=net.bias)
        alternative.load_params(net.params)
        scale, residual = _fit(G, alternative.gradients(X, Y), keys)
        if residual < TOLERANCE:
            accepted.append((residual, frozenset(), scale, other))
    return _best_first(accepted)


def _best_first(accepted):
    """Simplest explanations first: fewer mistakes, then the smaller residual."""
    return sorted(accepted, key=lambda t: (len(t[1]), t[0] if t[0] > 1e-9 else 0.0))


def _shape_diagnosis(name, learner_name, gradient, net, n) -> Diagnosis:
    shape = getattr(gradient, "shape", None)
    expected = net.params[name].shape
    if name.startswith("b"):
        return Diagnosis("bias-wrong-axis",
                         f"the gradient of {learner_name} has shape {format_shape(shape)} but the bias is "
                         f"{format_shape(expected)}: sum dZ over the samples axis (axis={net.layout.sample_axis}) "
                         f"with keepdims=True, e.g. `db = dZ.sum(axis={net.layout.sample_axis}, keepdims=True) / n`",
                         0.0, ("bias-wrong-axis",))
    if shape is not None and tuple(shape) == tuple(expected)[::-1]:
        return Diagnosis("transposed", f"the gradient of {learner_name} has shape {format_shape(shape)}, the "
                                       f"transpose of {format_shape(expected)}: the weight gradient is transposed",
                         0.0, ("transposed",))
    return Diagnosis("unknown", f"the gradient of {learner_name} has shape {format_shape(shape)}, expected "
                                f"{format_shape(expected)}", 0.0, ("unknown",))


def _unknown(rows, learner_names) -> Diagnosis:
    """No known mistake reproduces the gradients: say where the mismatch starts (from the output down)."""
    by_layer = {}
    for row in rows:
        by_layer.setdefault(int(row.reference[1:]), []).append(row)
    matching = [k for k in sorted(by_layer, reverse=True)
                if all(r.status == "ok" for r in by_layer[k])]
    deepest_mismatch = max((k for k in by_layer if any(r.status != "ok" for r in by_layer[k])), default=None)
    if deepest_mismatch is None:
        where = "every tensor matches on its own"
    else:
        where = (f"the mismatch starts at layer {deepest_mismatch} "
                 f"({', '.join(r.name for r in by_layer[deepest_mismatch])})")
        if matching and max(matching) > deepest_mismatch:
            where += f"; layers above it ({', '.join(str(k) for k in matching if k > deepest_mismatch)}) match"
    return Diagnosis("unknown", f"no known mistake reproduces your gradients: {where}; compare that layer's "
                                "backward step with `shapecheck plan`", 1.0, ("unknown",))
