"""``shapecheck.compare``: run the learner's backprop on their own weights, and name the bug.

Only what a learner has is needed: X and Y, their parameters (a dict, a list, their network object), their
``gradients(X, Y)`` or one training ``step(X, Y)``, the learning rate when the step uses one that is not on
the object, and their own cost function as ``loss_fn`` when their code has one. Everything else is read
from what the code shows:

1. the readings of their arrays as a network (:mod:`.readings`): layout, sizes, biases or none or folded,
   which arrays are caches;
2. their gradients at their weights and at two probe weights (:mod:`.learner`), everything restored;
3. the conventions (:mod:`.conventions`): declared, read from ``loss_fn``'s values, or inferred as those
   whose gradients explain theirs;
4. under every reading and convention, every known mistake as a mutant of the reference backward pass
   (:mod:`.diagnose`), run by :mod:`.study`; the simplest explanation wins, and the report says how each
   choice was made.
"""

from __future__ import annotations

import numpy as np

from reference_nets.layouts import get_layout
from shapecheck._arrays import format_shape
from shapecheck.comparison import conventions as conv
from shapecheck.comparison import l2, unrolled, update_rule
from shapecheck.comparison.collect import left_out, set_aside
from shapecheck.comparison.float_network import compare_floats, is_float_network
from shapecheck.comparison.learner import Learner
from shapecheck.comparison.readings import readings
from shapecheck.comparison.report import ComparisonReport
from shapecheck.comparison.study import Study
from shapecheck.errors import ConfigurationError, ShapecheckError, ShapeError, interrupted


def compare(X, Y, *, params, gradients=None, step=None, lr=None, loss_fn=None, activation: str | None = None,
            output: str | None = None, loss: str | None = None, reduction: str | None = None,
            bias: bool | None = None, layout: str | None = None, reg: float | None = None) -> ComparisonReport:
    """Compare the learner's gradients with the reference on the same weights and data; name the bug.

    ``params``: the learner's arrays (a dict, list, nested lists, or their network object). Exactly one of
    ``gradients`` (callable ``(X, Y)`` returning the gradients: a dict with their names, a list or tuple,
    or ``(loss, grads)``) and ``step`` (callable ``(X, Y)`` doing one update; ``lr`` given, found on the
    object, or left unknown). ``loss_fn``: their own loss, ``loss_fn()`` or ``loss_fn(X, Y)``. The other
    options declare what the code does not show (each is inferred when left out); ``reg``: the L2
    coefficient of a loss with ``reg / 2 * sum(W**2)`` (its gradient adds ``reg * W``), or the L2 term as the
    learner's loss adds it, ``reg="1.5/(2*m) * sum(W**2)"``, ``"1.5 * sum(W**2)"``, ``"1.5/2 * sum(W**2)"``
    (m: the number of samples; the sum is over the weights, not the biases). ``params`` may be the course
    exercise's one flat ``nn_params`` (Theta1 and Theta2 unrolled, either order): see :mod:`.unrolled`.
    """
    conv.validate_names(activation=activation, output=output, loss=loss)
    if reduction is not None and reduction not in ("mean", "sum"):
        raise ConfigurationError(f"reduction must be 'mean' or 'sum', got {reduction!r}", name="reduction",
                                 expected=["mean", "sum"], got=reduction)
    reg = l2.parse(reg) or reg
    if reg is not None and not isinstance(reg, l2.L2Form) and (
            isinstance(reg, bool) or not isinstance(reg, (int, float, np.integer, np.floating))
            or not np.isfinite(reg) or reg < 0):
        raise ConfigurationError(f"reg must be a non-negative, finite number (the L2 coefficient), got {reg!r}",
                                 name="reg", expected="reg >= 0", got=repr(reg))
    if bias not in (None, True, False):
        raise ConfigurationError(f"bias must be None (read from the shapes), True or False, got {bias!r}",
                                 name="bias", expected="None, True or False", got=repr(bias))
    X, Y = _data("X", X), _data("Y", Y)
    if is_float_network(params):        # self.w1 ... self.b3 floats: read as arrays from their forward pass
        return compare_floats(compare, X, Y, params=params, step=step, gradients=gradients, lr=lr, loss_fn=loss_fn,
                              options=dict(activation=activation, output=output, loss=loss, reduction=reduction,
                                           bias=bias, layout=layout, reg=reg))
    declared = dict(activation=activation, output=output, loss=loss, reduction=reduction, reg=reg)
    if unrolled.is_flat(params, X):
        return _unrolled(X, Y, params, gradients=gradients, step=step, lr=lr, loss_fn=loss_fn, declared=declared)
    return _compare(X, Y, params, gradients=gradients, step=step, lr=lr, loss_fn=loss_fn, bias=bias, layout=layout,
                    declared=declared)


def _compare(X, Y, params, *, gradients, step, lr, loss_fn, bias, layout, declared) -> ComparisonReport:
    """compare, its arguments checked."""
    learner = Learner(params, gradients=gradients, step=step, lr=lr, loss_fn=loss_fn)
    try:
        update_rule.settle(learner, X, Y)
        found = _readings(learner, X, Y, bias, layout)
        study = Study(learner, X, Y, found, declared)
        report = study.run()
        if not report.diagnoses[0].explained and step is not None and found[0].n > 1:
            report = _per_sample(learner, X, Y, found, study.declared) or report
        return report
    except KeyboardInterrupt:           # the learner's arrays are restored below, before the user sees it
        raise interrupted("compare") from None
    finally:
        learner.restore()


def _unrolled(X, Y, vector, *, gradients, step, lr, loss_fn, declared):
    """The course exercise's one flat nn_params: compared under each order (and label base) that fits, the
    first that matches kept, else the first that a known mistake explains; the vector is put back exactly."""
    saved, reports, refused = vector.copy(), [], []
    try:
        for way in unrolled.unrollings(X, Y, vector):
            try:
                report = _compare(X, way.labels(Y), way.params(), loss_fn=way.loss_fn(loss_fn), lr=lr,
                                  gradients=None if gradients is None else way.gradients(gradients),
                                  step=None if step is None else way.step(step), bias="first", layout="columns",
                                  declared=declared)
            except ShapeError as exc:            # (a learner's own failure is theirs under every order: raised)
                refused.append(exc)
                continue
            if report.ok:
                return unrolled.annotated(report, way)
            reports.append((way, report))
    finally:
        np.copyto(vector, saved)
    if not reports:
        raise refused[0]
    explained = [(way, report) for way, report in reports if report.diagnoses[0].explained]
    if explained:
        way, report = explained[0]
        return unrolled.annotated(report, way)
    way, report = reports[0]
    return unrolled.annotated(report, way, "no order of nn_params explains your gradients (row-major and "
                              "column-major were tried): the report shows the row-major reading, and the mismatch "
                              "may come from the order in which your code unrolls nn_params or grad")


def _readings(learner, X, Y, bias, layout):
    """The networks the learner's arrays can be read as; when none fits, the message also names the arrays
    that were not taken as parameters (a 3-d, empty or complex W1 is otherwise simply missing from it)."""
    try:
        return readings(X, Y, learner.shapes, learner.names, bias=bias, layout=layout)
    except ShapeError as exc:
        aside = set_aside(learner.params)
        if not aside:
            raise
        raise ShapeError(f"{exc}. Not taken as parameters: {left_out(aside)}", name=exc.name, expected=exc.expected,
                         got=exc.got) from None


def _data(name, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "fiub" or array.ndim not in (1, 2) or array.size == 0:
        raise ShapeError(f"{name} must be a non-empty 1-d or 2-d array of numbers, got {type(value).__name__} "
                         f"with shape {format_shape(np.shape(value))} and dtype {array.dtype}", name=name,
                         expected="a 2-d float array", got=format_shape(np.shape(value)))
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ShapeError(f"{name} holds NaN or inf values; compare needs finite data", name=name,
                         expected="finite values", got="NaN/inf")
    return array


def _per_sample(learner, X, Y, found, declared):
    """A step that updates after each sample is explained on one sample; None when that does not explain
    it either (or the cut does not fit the learner's code: a reading with the samples on the other axis)."""
    tried = set()
    for reading in found:
        cut = _first_sample(X, Y, reading)
        key = (cut[0].shape, cut[1].shape)
        if key in tried:
            continue
        tried.add(key)
        try:
            one = Study(learner, *cut, readings(*cut, learner.shapes, learner.names, bias=None, layout=None),
                         declared, one_sample=True).run()
        except ShapecheckError:
            continue
        if one.diagnoses[0].explained:
            return one
    return None


def _first_sample(X, Y, reading):
    """X and Y cut to their first sample, in the learner's own orientation."""
    axis = get_layout(reading.layout).sample_axis
    x_axis = 1 - axis if "X" in reading.transposed_data else axis
    y_axis = 1 - axis if "Y" in reading.transposed_data else axis
    X1 = np.take(X, [0], axis=x_axis)
    Y1 = Y[:1] if Y.ndim == 1 else np.take(Y, [0], axis=y_axis)
    return X1, Y1
