"""Running the learner's own code: their gradients (or one training step) and their loss, at their own
weights or at probe weights, with everything put back exactly afterwards.

The learner hands over ``gradients(X, Y)`` (returning the gradients in any structure: a dict with their
names, a list or tuple in any order the shapes settle, a bias gradient summed to a number) or
``step(X, Y)`` (one update, in place or reassigning lists and attributes: the gradient is read back as
``-(after - before) / lr``), and optionally ``loss_fn`` (called as ``loss_fn()`` or ``loss_fn(X, Y)``).
When their code raises, :class:`LearnerCodeError` says so (loading their factory for the command line
raises it too).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from reference_nets.checks import positive
from shapecheck._arrays import check_finite
from shapecheck.comparison.collect import Snapshot, collect
from shapecheck.comparison.pairing import pair_gradients
from shapecheck.comparison.update_rule import LR_UNKNOWN, lr_candidates
from shapecheck.errors import ConfigurationError, DTypeError, ShapecheckError, ShapeError


class LearnerCodeError(ShapecheckError, RuntimeError):
    """The learner's own code (factory, gradients or step) raised; the original is ``__cause__``.

    ``exit_code`` for the command line: 2 when the submission cannot even be set up (import, factory),
    1 when its backprop itself crashes (a mismatch of the worst kind).
    """

    def __init__(self, message: str, *, name: str, exit_code: int = 2):
        super().__init__(message, name=name)
        self.exit_code = exit_code


class ShapeOnly:
    """A gradient whose shape cannot be the parameter's (a step that changed it): only the shape is kept."""

    def __init__(self, shape):
        self.shape = tuple(shape)


@dataclass
class Learner:
    """The learner's arrays (``slots``) and code; every call leaves their state exactly as it found it."""

    params: object
    gradients: object = None
    step: object = None
    lr: float | None = None
    loss_fn: object = None

    def __post_init__(self):
        if (self.gradients is None) == (self.step is None):
            raise ConfigurationError("pass exactly one of gradients= (a function returning the gradients) and "
                                     "step= (a function doing one training update)", name="gradients",
                                     expected="exactly one of gradients, step",
                                     got="both" if self.gradients is not None else "neither")
        for name in ("gradients", "step", "loss_fn"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigurationError(f"{name}= must be a function, got {type(value).__name__}", name=name,
                                         expected="a callable", got=type(value).__name__)
        self.slots = collect(self.params)
        code = [f for f in (self.gradients, self.step, self.loss_fn) if f is not None]
        self.snapshot = Snapshot(self.params, also=[o for f in code for o in _state_of(f)],
                                 names=[n for f in code for n in _globals_of(f)])
        self.notes = []
        self.lr_known, self.lr_candidates, self.momentum_share = True, [], 1.0
        if self.step is not None:
            self._find_lr()

    # -- the learning rate -----------------------------------------------------------------------------
    def _find_lr(self) -> None:
        """The learning rate given, or (until ``update_rule.settle_lr`` has tried them) the first of the network
        object's attributes named like one."""
        given = None if self.lr is None else positive("lr", self.lr, float)
        self.lr_candidates = [] if given is not None else lr_candidates(self.params)
        self.lr_known = given is not None or bool(self.lr_candidates)
        self.lr = given if given is not None else self.lr_candidates[0][2] if self.lr_candidates else 1.0
        if given is None and not self.lr_candidates:
            self.notes.append(LR_UNKNOWN)

    def moves(self, X, Y):
        """How far one step moves each of the learner's arrays (None when a shape changed)."""
        before = self.values()
        try:
            _call(self.step, "step", X, Y)
            after = [np.array(slot.get(), dtype=float) for slot in self.slots]
        finally:
            self.snapshot.restore()
        if any(a.shape != b.shape for a, b in zip(after, before)):
            return None
        return [a - b for a, b in zip(after, before)]

    # -- values ----------------------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [slot.name for slot in self.slots]

    @property
    def shapes(self) -> list[tuple]:
        return [tuple(slot.get().shape) for slot in self.slots]

    def values(self) -> list[np.ndarray]:
        return [np.array(slot.get(), dtype=float) for slot in self.slots]

    def _load(self, values) -> None:
        """Write ``values`` into the learner's own arrays (in place: their objects stay theirs)."""
        for slot, value in zip(self.slots, values):
            if value is not None:
                np.copyto(slot.get(), value)

    # -- the learner's gradients ----------------------------------------------------------------------------
    def gradients_and_noise_at(self, X, Y, values=None, *, wanted=None) -> tuple[list, list]:
        """The learner's gradient of every slot in ``wanted`` (default: all), at ``values`` (default: their
        own), as a list aligned with ``self.slots`` (None for slots not wanted); and for each slot the size
        (2-norm) of the rounding in that gradient: the precision of the learner's dtype (float32 computes
        to about 7 digits) and, for a step, of an update ``lr * g`` small next to the weights it moves."""
        wanted = list(range(len(self.slots))) if wanted is None else list(wanted)
        noise = [0.0] * len(self.slots)
        try:
            if values is not None:
                self._load(values)
            if self.gradients is not None:
                result = _call(self.gradients, "gradients", X, Y)
                found = self._match(result, wanted, np.shape(X))
                for i in wanted:
                    if isinstance(found[i], np.ndarray):
                        noise[i] = _rounding(self.slots[i].get().dtype, found[i])
                return found, noise
            before = self.values()
            _call(self.step, "step", X, Y)
            found = [None] * len(self.slots)
            for i in wanted:
                stored = self.slots[i].get()
                after = np.asarray(stored, dtype=float)
                if after.shape != before[i].shape:
                    found[i] = ShapeOnly(after.shape)
                else:
                    check_finite(f"{self.slots[i].name} after your step", after)
                    rate = self.lr * self.momentum_share      # what the step multiplied the gradient by
                    found[i] = -(after - before[i]) / rate
                    eps = np.finfo(stored.dtype).eps if stored.dtype.kind == "f" else np.finfo(float).eps
                    noise[i] = float(np.linalg.norm(eps * (np.abs(after) + np.abs(before[i])) / rate)) \
                        + _rounding(stored.dtype, found[i])
            if all(isinstance(found[i], np.ndarray) and not found[i].any() for i in wanted):
                raise ShapeError("your step(X, Y) did not change any parameter: does it update the arrays "
                                 "(W -= lr * dW, or self.weights = [...]) of the object compare() was given?",
                                 name="step", expected="changed parameters", got="no change")
            return found, noise
        finally:
            self.snapshot.restore()

    def _match(self, result, wanted, x_shape=None) -> list:
        """The returned gradients, one per wanted slot (:func:`.pairing.pair_gradients`: by the learner's names,
        else by shape, else by the entries, else by order); one flat vector of them all is cut into the
        parameters' shapes first. Arrays that are not gradients (the course's ``dA0``) are left out, in a note."""
        leaves = _unrolled(_gradient_leaves(result), self.slots)
        if not leaves:
            raise ShapeError(f"your gradients(X, Y) returned {result!r:.60}; return one gradient per parameter "
                             f"({', '.join(self.slots[i].name for i in wanted)})", name="gradients",
                             expected="gradients", got=repr(result)[:60])
        for name, value in leaves:
            check_finite(f"your gradient {name}", value)
        pairing = pair_gradients(leaves, self.slots, wanted, x_shape=x_shape)
        if pairing.note is not None and pairing.note not in self.notes:
            self.notes.append(pairing.note)
        return pairing.found

    # -- the learner's loss ------------------------------------------------------------------------------------
    def loss_at(self, X, Y, values=None) -> float | None:
        """The learner's own loss at ``values`` (default: their own), or None without a loss_fn."""
        if self.loss_fn is None:
            return None
        try:
            if values is not None:
                self._load(values)
            value = _call_loss(self.loss_fn, X, Y)
        finally:
            self.snapshot.restore()
        return value

    def restore(self) -> None:
        self.snapshot.restore()


def _state_of(function) -> list:
    """What the learner's function works on besides ``params``: the object of a bound method (a network
    keeps its optimiser's velocities there), and what a closure captured."""
    found = []
    owner = getattr(function, "__self__", None)
    if owner is not None and not isinstance(owner, type) and not inspect.ismodule(owner):
        found.append(owner)
    inner = inspect.unwrap(getattr(function, "__func__", function))
    for cell in getattr(inner, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:              # an empty cell
            continue
        if not callable(value) or hasattr(value, "__dict__") and not inspect.isroutine(value) \
                and not isinstance(value, type):
            found.append(value)
    return found


def _globals_of(function) -> list:
    """``(module globals, the names the function uses)``: a module-level learner keeps its state there."""
    inner = inspect.unwrap(getattr(function, "__func__", function))
    code, namespace = getattr(inner, "__code__", None), getattr(inner, "__globals__", None)
    if code is None or namespace is None:
        return []
    names = [name for name in _all_names(code) if name in namespace and not inspect.ismodule(namespace[name])
             and not inspect.isroutine(namespace[name]) and not isinstance(namespace[name], type)]
    return [(namespace, names)]


def _all_names(code) -> set:
    names = set(code.co_names)
    for constant in code.co_consts:
        if inspect.iscode(constant):
            names |= _all_names(constant)
    return names


def _rounding(dtype, gradient) -> float:
    """The rounding a gradient computed in ``dtype`` carries (a forward and a backward pass lose a few
    digits): negligible in float64, about 1e-5 relative in float32."""
    eps = np.finfo(dtype).eps if np.dtype(dtype).kind == "f" else np.finfo(float).eps
    return float(100 * eps * np.linalg.norm(gradient)) if eps > 1e-10 else 0.0


def _call(function, what, X, Y):
    try:
        return function(X.copy(), Y.copy())
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's own code failed: say so, keep their traceback
        raise LearnerCodeError(f"your {what}(X, Y) raised {type(exc).__name__}: {exc}{_explained(exc)}", name=what,
                               exit_code=1) from exc


def _explained(exc) -> str:
    """The tracer's explanation of a numpy shape error in the learner's code, as explain_errors() gives it."""
    if not isinstance(exc, ValueError):
        return ""
    from shapecheck.tracing.excepthook import explain_exception

    try:
        text = explain_exception(exc)
    except Exception:  # noqa: BLE001 - an explanation is a bonus; the learner's error is reported regardless
        return ""
    return f"\n{text}" if text else ""


def _call_loss(loss_fn, X, Y) -> float:
    """``loss_fn()`` or ``loss_fn(X, Y)``, whichever its signature takes; a (loss, grads) pair gives its loss."""
    try:
        takes = len([p for p in inspect.signature(loss_fn).parameters.values()
                     if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        takes = 2
    try:
        value = loss_fn() if takes == 0 else loss_fn(X.copy(), Y.copy())
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001
        raise LearnerCodeError(f"your loss_fn raised {type(exc).__name__}: {exc}", name="loss_fn",
                               exit_code=1) from exc
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    try:
        return float(np.asarray(value, dtype=float).sum()) if np.ndim(value) else float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"loss_fn returned {value!r:.60}; it must return the loss (a number)",
                                 name="loss_fn", expected="a number", got=type(value).__name__) from None


def _gradient_leaves(value, name="") -> list[tuple[str, np.ndarray]]:
    """(name, float array) for every array or number in the learner's returned structure, in order (a
    ``(loss, grads)`` pair gives its grads)."""
    if isinstance(value, tuple) and len(value) == 2:
        if _is_number(value[0]) and (isinstance(value[1], (dict, list, tuple))
                                     or isinstance(value[1], np.ndarray) and value[1].ndim == 1):
            value = value[1]                                            # (loss, grads), (J, unrolled grad)
        elif _is_number(value[1]) and isinstance(value[0], (dict, list, tuple)):
            value = value[0]                                            # (grads, cost), as in Ng's course
    if isinstance(value, np.ndarray) and value.dtype == object:
        if value.ndim != 1 or not all(isinstance(item, (np.ndarray, list, tuple)) for item in value):
            raise DTypeError(f"your gradient {name or 'gradient'} is an array of dtype object, shape "
                             f"{value.shape}; return float arrays (np.asarray(..., dtype=float))",
                             name=name or "gradient", expected="float64", got="object")
        value = list(value)                                             # an object array of gradients
    elif not isinstance(value, (dict, list, tuple, np.ndarray, np.generic, float, int, str, bytes)) \
            and hasattr(value, "__next__"):
        value = list(value)                                             # a generator of gradients
    if isinstance(value, complex) or isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind == "c":
        raise DTypeError(f"your gradient {name or 'gradient'} is complex ({np.asarray(value).dtype}): the gradient "
                         "of a real loss is real; return float arrays (a complex value usually comes from a complex "
                         "input or a 1j somewhere in the backward pass)", name=name or "gradient",
                         expected="float64", got=str(np.asarray(value).dtype))
    if isinstance(value, (np.ndarray, np.generic, float, int)) and not isinstance(value, bool):
        return [(name or "gradient", np.asarray(value, dtype=float))]
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _gradient_leaves(item, str(key))]
    if isinstance(value, (list, tuple)):
        return [leaf for i, item in enumerate(value) for leaf in _gradient_leaves(item, f"{name}[{i}]")]
    if hasattr(value, "__dict__"):
        return [leaf for key, item in vars(value).items() for leaf in _gradient_leaves(item, key)]
    return []


def _unrolled(leaves, slots) -> list:
    """One flat vector holding every parameter's gradient (Ng's ex4 ``grad``, ``np.concatenate([g.ravel()
    ...])``), cut back into the parameters' shapes, in their order; other returns unchanged."""
    if len(leaves) != 1 or len(slots) < 2 or leaves[0][1].ndim != 1:
        return leaves
    shapes = [slot.get().shape for slot in slots]
    sizes = [int(np.prod(shape)) for shape in shapes]
    flat = leaves[0][1]
    if flat.size != sum(sizes):
        return leaves
    cuts = np.cumsum(sizes)[:-1]
    return [(slot.name, part.reshape(shape)) for slot, part, shape in zip(slots, np.split(flat, cuts), shapes)]


def _is_number(value) -> bool:
    """A Python or numpy scalar, or a 0-d array: a loss, not a gradient (a list of arrays of different shapes,
    as ``(dW_list, db_list)`` holds, is not one; np.ndim on it raises)."""
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool) \
        or isinstance(value, np.ndarray) and value.ndim == 0
