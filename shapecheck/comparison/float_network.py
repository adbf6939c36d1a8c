"""compare for a network of Python floats: the learner's floats seen as the reference's arrays, and back.

:mod:`.scalars` reads which float multiplies which input from the learner's ``feedforward(x)``. Here the
floats are gathered into arrays in the ``rows`` layout (``W1`` is ``(d, h)``, ``b1`` is ``(1, h)``), each
named by the learner's floats (``(self.w1, self.w2, self.w3, self.w4)``), and compare runs on them: before
each call of the learner's code the arrays' numbers are written into the floats, after a step the floats
are read back into the arrays. A ``train`` that loops over epochs and samples is cut after its first update
of every float (the second assignment to one ends the call), so one call is one step on one sample (or one
batch). Every attribute of the learner's object is put back (the same objects) afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
import re
import sys

import numpy as np

from shapecheck.comparison.collect import Snapshot, collect
from shapecheck.comparison.float_locate import locate_floats, with_factor_found
from shapecheck.comparison.float_rate import local_rate
from shapecheck.comparison.float_units import wrong_units
from shapecheck.comparison.learner import LearnerCodeError
from shapecheck._arrays import is_number
from shapecheck.comparison.scalars import Graph, marked, read_layout
from shapecheck.comparison.update_rule import LR_NAMES
from shapecheck.errors import ConfigurationError, ParameterError, ShapecheckError

#: The method a float network's forward pass is read from: one sample in, its output(s) out.
FORWARD_NAMES = ("feedforward", "feed_forward", "forward", "predict", "__call__")


def is_float_network(params) -> bool:
    """A network object holding numbers and no arrays (``self.w1 = np.random.normal()``)."""
    if isinstance(params, dict) and params and all(is_number(v) for v in params.values()):
        return True                     # refused by compare_floats, in the learner's names
    if isinstance(params, (dict, list, tuple, np.ndarray)) or not hasattr(params, "__dict__"):
        return False
    if not any(is_number(v) and name not in LR_NAMES for name, v in vars(params).items()):
        return False
    try:
        collect(params)
    except ParameterError:              # no float arrays anywhere on it (lists, layers, dicts included)
        return True
    except ShapecheckError:             # integer arrays ...: the arrays' own error is the one to see
        return False
    return False


class _Enough(BaseException):
    """Ends the learner's step at the second update of a float: one step has been taken."""


class FloatNetwork:
    """The learner's object ``owner`` with its floats seen as arrays (``proxy``), read on the first row of ``X``."""

    def __init__(self, owner, X, Y):
        self.owner, self.one_d_y = owner, np.ndim(Y) == 1
        self.snapshot = Snapshot(owner)
        self.layout, self.attr = _read(owner, np.asarray(X, dtype=float))
        self.proxy, self.places, self.labels = {}, {}, []
        for k, rows in enumerate(self.layout.weights):
            self._add(f"W{k + 1}", np.array(rows, dtype=object))
            if self.layout.biases[k] is not None:
                self._add(f"b{k + 1}", np.array([self.layout.biases[k]], dtype=object))
        for name in LR_NAMES:          # a learning rate on the object, for compare to find and check
            if is_number(vars(owner).get(name)):
                self.proxy[name] = vars(owner)[name]
        self.update_lines = {}         # self.w1 -> (file, line) of its update in the last step
        self.counting = _counting_class(type(owner), set(self.places), set(), self.update_lines)

    def _add(self, reference, names) -> None:
        """One array of floats: ``names`` holds the learner's names of its entries."""
        label = "(" + ", ".join(sorted(names.ravel(), key=_natural)) + ")"
        self.proxy[label] = np.array([[float(getattr(self.owner, self.attr[n])) for n in row] for row in names])
        self.labels.append((label, reference, names))
        for index in np.ndindex(names.shape):
            self.places[self.attr[names[index]]] = (label, index)

    # -- between the arrays and the floats ------------------------------------------------------------------
    def push(self) -> None:
        """Write the arrays' numbers (and a learning rate compare set) into the learner's floats."""
        for attr, (label, index) in self.places.items():
            setattr(self.owner, attr, float(self.proxy[label][index]))
        for name in LR_NAMES:
            if name in self.proxy:
                setattr(self.owner, name, self.proxy[name])

    def pull(self) -> None:
        """Read the learner's floats back into the arrays (in place: compare holds them)."""
        for attr, (label, index) in self.places.items():
            value = getattr(self.owner, attr)
            if not is_number(value) and np.size(value) != 1:
                raise ConfigurationError(f"after your step self.{attr} is {type(value).__name__} "
                                         f"{np.shape(value)}, not a number", name=attr, expected="a number",
                                         got=type(value).__name__)
            self.proxy[label][index] = float(np.asarray(value, dtype=float).ravel()[0])

    def learner_y(self, Y):
        return Y.ravel() if self.one_d_y else Y

    def step(self, user_step, whole=None):
        """The learner's step on compare's arrays, cut after one update of every float; ``whole``: the data
        (X, Y) to hand the learner whatever compare passes (a per-sample train's first update is its first
        sample's, with what it computes from the whole data, ``/ len(data)``, kept)."""
        def step(X, Y):
            self.push()
            self.counting.seen.clear()
            X, Y = whole if whole is not None else (X, self.learner_y(Y))
            with self._counting(), contextlib.redirect_stdout(io.StringIO()):
                try:
                    user_step(X, Y)
                except _Enough:
                    pass
            self.pull()
        return step

    def per_sample(self, user_step, X, Y) -> bool:
        """Whether the step's (cut) update reads only the first sample: other values in the other rows of X
        leave it unchanged, to the bit."""
        if len(X) < 2:
            return False
        other = X.copy()
        other[1:] = X[1:] * 1.5 + 0.5
        moves = []
        for data in (X, other):
            with self.kept() as arrays:
                try:
                    self.step(user_step, (data, Y))(data[:1], None)
                except Exception as exc:  # noqa: BLE001 - the learner's own step failed: say so, keep their traceback
                    raise LearnerCodeError(f"your step(X, Y) raised {type(exc).__name__}: {exc}", name="step",
                                           exit_code=1) from exc
                moves.append({k: v.copy() for k, v in arrays.items()})
        return all(np.array_equal(moves[0][k], moves[1][k]) for k in moves[0])

    def loss(self, user_loss):
        """The learner's loss_fn, called as they wrote it, at compare's arrays."""
        def loss_of_data(X, Y):
            self.push()
            with contextlib.redirect_stdout(io.StringIO()):
                return user_loss(X, self.learner_y(Y))

        def loss_of_nothing():
            self.push()
            with contextlib.redirect_stdout(io.StringIO()):
                return user_loss()
        return loss_of_nothing if _takes(user_loss) == 0 else loss_of_data

    @contextlib.contextmanager
    def kept(self):
        """Everything as it was afterwards: the learner's object and compare's arrays."""
        arrays = {k: v for k, v in self.proxy.items() if isinstance(v, np.ndarray)}
        before = {k: v.copy() for k, v in arrays.items()}
        try:
            yield arrays
        finally:
            self.snapshot.restore()
            for k, v in arrays.items():
                np.copyto(v, before[k])

    @contextlib.contextmanager
    def _counting(self):
        original = type(self.owner)
        try:
            self.owner.__class__ = self.counting
        except TypeError:               # a class whose instances cannot change class: no cut, one call
            yield
            return
        try:
            yield
        finally:
            self.owner.__class__ = original

    # -- the report -------------------------------------------------------------------------------------------
    def mapping(self) -> tuple:
        """The report's line saying which float is which entry of the reference's arrays."""
        parts = [f"{reference} = {_matrix(names)}" for _, reference, names in self.labels]
        wiring = "; ".join(self.layout.wiring)
        return ("floats", ", ".join(parts) + f" (rows: inputs, columns: units; {wiring})",
                "read from your forward pass on the first sample")


def _read(owner, X):
    """The float network behind ``owner``'s forward pass on ``X[0]``, and ``{self.name: name}``."""
    forward = _forward(owner)
    numbers = {name: value for name, value in vars(owner).items() if is_number(value)}
    graph = Graph()
    params, x = marked(graph, list(numbers), list(numbers.values()), lambda n: f"self.{n}",
                       X[0] if X.ndim == 2 else X)
    try:
        for name, sym in params.items():
            setattr(owner, name, sym)
        with contextlib.redirect_stdout(io.StringIO()):
            result = forward(x)
    except Exception as exc:  # noqa: BLE001 - the learner's forward on marked floats
        raise ParameterError(f"could not read your floats as a network: your {forward.__name__}(x) raised "
                             f"{type(exc).__name__}: {exc} when run on the first sample to see which float "
                             "multiplies which input", name="params", expected="a forward pass",
                             got=type(exc).__name__) from exc
    finally:
        for name, value in numbers.items():
            setattr(owner, name, value)
    layout = read_layout(graph, result)
    if X.ndim != 2 or layout.sizes[0] != X.shape[1]:
        raise ParameterError(f"your {forward.__name__}(x) reads {layout.sizes[0]} inputs (x[0] ... "
                             f"x[{layout.sizes[0] - 1}]), but X has shape {X.shape}: pass X with one sample per "
                             "row", name="X", expected=f"(n, {layout.sizes[0]})", got=str(X.shape))
    return layout, {f"self.{name}": name for name in numbers}


def _forward(owner):
    for name in FORWARD_NAMES:
        method = getattr(owner, name, None)
        if inspect.ismethod(method) and _takes(method) == 1:
            return method
    floats = ", ".join(f"self.{n}" for n, v in vars(owner).items() if is_number(v))
    raise ParameterError(f"{type(owner).__name__} holds floats ({floats}) but no arrays; compare reads which float "
                         "multiplies which input from a forward method taking one sample "
                         f"({', '.join(FORWARD_NAMES[:4])}), and found none", name="params",
                         expected="a method feedforward(x)", got=type(owner).__name__)


def _takes(function) -> int:
    try:
        return len([p for p in inspect.signature(function).parameters.values()
                    if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY,
                                                                           p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        return 2


def _counting_class(cls, names, seen, lines):
    """A subclass of the learner's class whose second assignment to one of ``names`` ends the step; the
    line of each first assignment is kept in ``lines``."""
    def __setattr__(self, name, value):
        if name in names:
            if name in seen:
                raise _Enough
            seen.add(name)
            caller = sys._getframe(1)
            lines[f"self.{name}"] = (caller.f_code.co_filename, caller.f_lineno)
        cls.__setattr__(self, name, value)
    made = type(cls.__name__, (cls,), {"__setattr__": __setattr__, "__qualname__": cls.__qualname__,
                                       "__module__": cls.__module__})
    made.seen = seen
    return made


def _natural(name):
    """``self.w10`` after ``self.w9``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _matrix(names) -> str:
    rows = ["[" + ", ".join(row) + "]" for row in names]
    return "[" + ", ".join(rows) + "]"


def compare_floats(compare, X, Y, *, params, step, gradients, lr, loss_fn, options):
    """``compare`` on the learner's float network ``params``; the report names the floats."""
    if isinstance(params, dict):
        raise ParameterError(f"params is a dict of floats ({', '.join(map(str, params))}): compare reads which float "
                             "multiplies which input from a forward method taking one sample (feedforward(x)); pass "
                             "the network object that holds the floats and that method", name="params",
                             expected="a network object with feedforward(x)", got="dict of floats")
    if gradients is not None or step is None:
        raise ConfigurationError("a network of floats is compared through its training step: pass step= (your "
                                 "train, which updates self.w1 ... in place)", name="step",
                                 expected="step=", got="gradients=" if gradients is not None else "neither")
    net = FloatNetwork(params, X, Y)
    X2, Y2 = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    Y2 = Y2.reshape(-1, 1) if Y2.ndim == 1 else Y2
    try:
        one = net.per_sample(step, X, Y)
        whole = (X, Y) if one else None
        X1, Y1 = (X2[:1], Y2[:1]) if one else (X2, Y2)
        rate = None if lr is not None or any(name in net.proxy for name in LR_NAMES) else \
            local_rate(net, step, whole, X1, Y1)
        lr = rate[0] if rate else lr
        report = compare(X2[:1] if one else X2, Y2[:1] if one else Y2, params=net.proxy, step=net.step(step, whole),
                         lr=lr,
                         loss_fn=None if loss_fn is None else net.loss(loss_fn),
                         **{**options, "layout": options.get("layout") or "rows",
                            "bias": options.get("bias", None) if options.get("bias") is not None
                            else net.layout.biases[0] is not None})
    finally:
        net.snapshot.restore()
    if one and report.diagnoses[0].bug == "unknown":
        report = _with_units(report, wrong_units(net, report, net.step(step, whole), X2[:1], Y2[:1]), net)
    if one and not report.diagnoses[0].locations:
        located = locate_floats(net, report, net.step(step, whole), X2[:1], Y2[:1])
        if located:
            first = with_factor_found(report.diagnoses[0], located)
            report = dataclasses.replace(report, diagnoses=(first, *report.diagnoses[1:]))
    report = _causes_not_searched(report)
    conventions = tuple((aspect, what, "read from your forward pass" if aspect == "network" else source)
                        for aspect, what, source in report.conventions)
    notes = tuple(note for note in report.notes if not note.startswith("the arrays' shapes also fit"))
    if rate:
        notes = tuple(note for note in notes if not note.startswith("learning rate unknown")) + (rate[1],)
    if one:
        notes += ("your step updates the floats after each sample: it was compared on its first update, on the "
                  "first sample, with your data handed to it whole (what it computes from all of it, len(data), "
                  "is kept); a loss_fn(X, Y) is read on that sample",)
    report = dataclasses.replace(report, conventions=(*conventions, net.mapping()), notes=notes)
    return _entries_named(report, net)


def _causes_not_searched(report):
    """The report without "none found in your code": the search for a cause's operation (audit.py) reads arrays,
    and a network of floats makes none, so a cause it did not find may still be on a line (float_locate states
    the ones it finds)."""
    first = report.diagnoses[0]
    message = first.message.replace(" (usual causes, none found in your code: ", " (usual causes: ")
    message = message.replace(": not found in your code)", ")")
    if message == first.message:
        return report
    return dataclasses.replace(report, diagnoses=(dataclasses.replace(first, message=message), *report.diagnoses[1:]))


def _with_units(report, found, net):
    """The report with float_units' reading: its wrong-unit diagnosis, or its note on the floats that disagree."""
    if found is None:
        return report
    diagnosis, functions, note, *disagreeing = found
    if diagnosis is None:
        first = report.diagnoses[0]
        layers = {int(reference[1:]) for _, reference, names in net.labels for name in (disagreeing or [()])[0]
                  if name in names}
        if first.bug == "unknown" and len(layers) == 1 and "the mismatch starts at layer" in first.message:
            # the table's rows are compared as they are: a factor common to every float (a declared loss's 1/2
            # that the learner's loss has not) makes a correct layer MISMATCH there; the floats say where it is
            first = dataclasses.replace(first, message=(
                f"no known mistake reproduces your gradients: up to one factor common to every other float, only "
                f"{', '.join(disagreeing[0])} (layer {layers.pop()}) disagree with the reference (see the note); "
                "compare that layer's backward step with `shapecheck plan`"))
        return dataclasses.replace(report, diagnoses=(first, *report.diagnoses[1:]), notes=(*report.notes, note))
    conventions = tuple(functions if aspect == "functions" else (aspect, what, source)
                        for aspect, what, source in report.conventions)
    return dataclasses.replace(report, diagnoses=(diagnosis, *report.diagnoses[1:]), conventions=conventions)


def _entries_named(report, net):
    """An entry of a float array in the report's words (``(self.w1, ..., self.w4)[1, 0]``) said as the float."""
    def named(text):
        for label, _, names in net.labels:
            for index in np.ndindex(names.shape):
                text = text.replace(f"{label}[{', '.join(map(str, index))}]", names[index])
        return text
    diagnoses = tuple(dataclasses.replace(d, message=named(d.message), locations=tuple(
        dataclasses.replace(loc, hint=named(loc.hint)) for loc in d.locations)) for d in report.diagnoses)
    return dataclasses.replace(report, diagnoses=diagnoses, notes=tuple(named(note) for note in report.notes))
