"""``check_network``: the gradient check of a network object, the reference MLP or a learner's own class.

Any object with these three can be checked:

=========================  =================================================================================
``net.params``             its parameter arrays: a dict, a list, or nested dicts/lists of float arrays,
                           moved IN PLACE by the checker, so they must be the arrays ``net.loss`` reads
``net.loss(X, Y)``         the loss on (X, Y): one real number
``net.gradients(X, Y)``    dLoss/dparams: the structure of ``params`` (same keys or order, same shapes)
=========================  =================================================================================

An object that also offers ``net.perturbed_losses(X, Y, names, tensor, flat, delta) -> (K,)`` (the
reference MLP does) is evaluated through it: all single-entry moves in one call, instead of one
``net.loss`` call per move.
"""

from __future__ import annotations

import re

import numpy as np

from shapecheck._arrays import choose, describe, signature_of
from shapecheck.errors import ShapecheckError
from shapecheck.gradcheck.check import MODES, check_gradients
from shapecheck.gradcheck.methods import METHODS
from shapecheck.gradcheck.report import GradientReport
from shapecheck.gradcheck.tree import float_leaves, leaves, structure_hint

_MISSING = object()
REQUIRED = "params (its arrays), loss(X, Y) -> float and gradients(X, Y) -> the structure of params"


class NetworkError(ShapecheckError, TypeError):
    """The object given to :func:`check_network` lacks ``params``, ``loss`` or ``gradients``, or one of them
    gives the wrong kind of thing (``name`` says which)."""


def check_network(net, X, Y, *, mode: str = "full", method: str = "central", eps: float | None = None,
                  rtol: float | None = None, atol: float | None = None, samples: int | None = None,
                  seed: int = 0, progress: bool | None = None) -> GradientReport:
    """Check ``net.gradients(X, Y)`` against finite differences of ``net.loss(X, Y)``.

    ``net``: any object with ``params``, ``loss(X, Y)`` and ``gradients(X, Y)`` (see the module's table);
    the reference ``MLP`` or a learner's own class. ``X`` and ``Y`` are passed to it as they are, in the
    network's own layout: ``(n, d)`` and ``(n, t)`` for samples as rows, ``(d, n)`` and ``(t, n)`` for
    samples as columns. Every entry of ``net.params`` is moved in place and restored bitwise afterwards.
    When ``net`` has ``perturbed_losses(X, Y, names, tensor, flat, delta)`` (K copies, copy c with entry
    ``flat[c]`` of parameter ``names[tensor[c]]`` moved by ``delta[c]``; returns their losses ``(K,)``;
    ``names`` are the parameters' names as the report shows them) it is used for the single-entry moves.

    The options are those of :func:`shapecheck.check_gradients` (``mode``, ``method``, ``eps``, ``rtol``,
    ``atol``, ``samples``, ``seed``, ``progress``); returns its ``GradientReport``. A gradient of the wrong shape is a
    ``shape`` row of the report. Raises :class:`NetworkError` when ``net`` is not such an object or its
    methods return the wrong kind of thing; parameters that are not float arrays raise ``DTypeError``.
    """
    choose("mode", mode, MODES)
    choose("method", method, tuple(METHODS))
    params = _params(net)
    loss, gradients = _method(net, "loss", X, Y), _method(net, "gradients", X, Y)
    found = float_leaves(params, "net.params")
    names = [name for name, _path, _array in found]
    before = [array.copy() for _name, _path, array in found]
    first = [loss(X, Y)]
    _check_loss_value(first[0])
    grads = gradients(X, Y)
    _check_unchanged(found, before)
    _check_same_arrays(net, found)
    _check_structure(grads, names, params)

    def loss_fn(_params):
        # the value already computed is the checker's first call (the loss where nothing has moved yet: every
        # call before the first move is made there); after it, the network computes
        return first.pop() if first else loss(X, Y)

    batched = getattr(net, "perturbed_losses", None)
    if callable(batched):
        def single_entry_losses(tensor, flat, delta):
            return _checked_losses(batched(X, Y, names, tensor, flat, delta), len(flat))

        loss_fn.single_entry_losses = single_entry_losses
    return check_gradients(loss_fn, params, grads, mode=mode, method=method, eps=eps, rtol=rtol, atol=atol,
                           samples=samples, seed=seed, progress=progress)


# -- what the object must offer -----------------------------------------------------------------------

def _params(net):
    """``net.params``, the same arrays at every read (the checker moves them in place)."""
    if isinstance(net, (dict, list, tuple, np.ndarray)) or callable(net) and not hasattr(net, "loss"):
        raise NetworkError(f"check_network checks a network object with {REQUIRED}; got {describe(net)}. "
                           "For a loss function and its gradients use shapecheck.check_gradients(loss_fn, "
                           "params, grads)", name="net", expected=REQUIRED, got=type(net).__name__)
    if not hasattr(net, "params"):
        missing = [f"net.{name}(X, Y)" for name in ("loss", "gradients") if not callable(getattr(net, name, None))]
        also = f" (it also needs {' and '.join(missing)})" if missing else ""
        raise NetworkError(f"check_network needs net.params, the network's own parameter arrays (a dict, a list, "
                           f"or nested dicts/lists of them); {type(net).__name__} has no attribute 'params'"
                           f"{_params_hint(net)}{also}", name="params", expected="dict or list of arrays", got=None)
    first, second = net.params, net.params
    if callable(first) and not isinstance(first, np.ndarray):
        raise NetworkError(f"net.params must be the parameter arrays themselves, got {describe(first)}: make it an "
                           "attribute or a @property", name="params", expected="dict or list of arrays",
                           got=describe(first))
    for (name, a), (_, b) in zip(leaves(first), leaves(second)):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and not np.may_share_memory(a, b):
            raise NetworkError(f"net.params gives new arrays at every read (copies; {name} is one): the checker moves "
                               "entries in place, and net.loss never reads a copy. Return the network's own arrays, "
                               "e.g. {'W1': self.W1, ...} without .copy()", name="params",
                               expected="the network's own arrays", got="copies")
    return first


#: attribute names that say "parameter" (W1, b2, weights, biases, theta1, self._w ...); others holding arrays
#: are taken for cached values (Z1, A1, activations, deltas) and left out of the suggested property
_PARAMETER_NAME = re.compile(r"_*(w|b|theta|weight|bias|kernel|param)", re.IGNORECASE)


def _params_hint(net) -> str:
    """A ``params`` property to add, from the arrays (or lists of arrays) the object holds."""
    held = [key for key, value in getattr(net, "__dict__", {}).items()
            if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)) and value
            and all(isinstance(item, np.ndarray) for item in value)]
    named = [key for key in held if _PARAMETER_NAME.match(key)] or held
    if not named:
        return ""
    left_out = [key for key in held if key not in named]
    aside = f" (left out as cached values, not parameters: {', '.join(left_out)})" if left_out else ""
    body = ", ".join(f"{key.lstrip('_')!r}: self.{key}" for key in named)
    return (f"; it holds {', '.join(named)}: add `@property def params(self): return {{{body}}}`{aside}, and "
            "let gradients(X, Y) return the same keys")


def _method(net, name: str, X, Y):
    """``net.<name>``, checked to be a method that can be called as ``(X, Y)``."""
    method = getattr(net, name, _MISSING)
    if not callable(method):
        kind = type(net)
        methods = [m for m in dir(kind) if not m.startswith("_") and callable(getattr(kind, m, None))]
        missing = method is _MISSING
        has = f"no method {name!r}" if missing else f"{name} = {describe(method)}, which is not a method"
        raise NetworkError(f"check_network needs net.{name}(X, Y); {kind.__name__} has {has} (its methods: "
                           f"{', '.join(methods) or 'none'}). It must offer {REQUIRED}", name=name,
                           expected=f"{name}(X, Y)", got=None if missing else describe(method))
    try:
        signature = signature_of(method)
    except (TypeError, ValueError):       # no signature to read (a builtin): the call will tell
        return method
    try:
        signature.bind(X, Y)
    except TypeError:
        raise NetworkError(f"check_network calls net.{name}(X, Y), but {type(net).__name__}.{name} takes "
                           f"{signature}", name=name, expected=f"{name}(X, Y)", got=str(signature)) from None
    return method


def _check_loss_value(value) -> None:
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.size == 1 and array.dtype.kind in "fiub":
        return
    hint = ("; if it returns (loss, cache), give check_network an object whose loss returns only the loss"
            if isinstance(value, tuple) else "")
    raise NetworkError(f"net.loss(X, Y) must return one real number, got {describe(value)}{hint}", name="loss",
                       expected="one real number", got=describe(value))


def _check_unchanged(found, before) -> None:
    """loss and gradients must leave the parameters alone (a step inside gradients would move them)."""
    changed = [name for (name, _path, array), original in zip(found, before)
               if not np.array_equal(array, original, equal_nan=True)]
    if not changed:
        return
    for (_name, _path, array), original in zip(found, before):
        np.copyto(array, original)
    raise NetworkError(f"net.loss(X, Y) or net.gradients(X, Y) changed net.params {', '.join(changed)} (restored "
                       "now): they must only compute (an update step belongs in a separate method)", name=changed[0],
                       expected="parameters left unchanged", got="changed")


def _check_same_arrays(net, found) -> None:
    """net.params still holds the arrays it held before loss and gradients ran (``self.W1 = self.W1 - lr * dW1``
    inside gradients would leave the checker moving arrays the network no longer reads). Replaced arrays are
    bound back where the object holds them (an attribute, or an item of a list or dict attribute)."""
    now = dict(leaves(_params(net)))
    replaced = [(name, now.get(name), array) for name, _path, array in found if now.get(name) is not array]
    if not replaced:
        return
    restored = all(_rebind(net, new, old) for _name, new, old in replaced)
    names = ", ".join(name for name, _new, _old in replaced)
    raise NetworkError(f"net.loss(X, Y) or net.gradients(X, Y) replaced net.params {names} with new arrays (an "
                       f"update step like self.W1 = self.W1 - lr * dW1?; "
                       f"{'restored now' if restored else 'not restored'}"
                       "): they must only compute; an update step belongs in a separate method", name=replaced[0][0],
                       expected="parameters left unchanged", got="replaced")


def _rebind(net, new, old) -> bool:
    """Put ``old`` back wherever ``net``'s attributes hold ``new`` (an attribute, a list item, a dict value)."""
    found = False
    for key, value in list(getattr(net, "__dict__", {}).items()):
        if value is new:
            setattr(net, key, old)
            found = True
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if item is new:
                    value[i], found = old, True
        elif isinstance(value, dict):
            for k, item in value.items():
                if item is new:
                    value[k], found = old, True
    return found


def _check_structure(grads, names: list[str], params) -> None:
    """The gradients name the same tensors as the parameters (shapes are judged in the report)."""
    got = [name for name, _ in leaves(grads)]
    if sorted(got) == sorted(names):
        return
    hint = ""
    if isinstance(grads, tuple):
        matching = [i for i, part in enumerate(grads) if sorted(n for n, _ in leaves(part)) == sorted(names)]
        if matching:
            hint = f"; element {matching[0]} of the tuple it returned is: return only that"
    structure = "" if hint else structure_hint(params, grads, "net.gradients(X, Y)", "net.params")
    if structure:                   # a list against a dict: say so, and how to give them
        raise NetworkError(structure, name="gradients", expected=names, got=got)
    renamed = {name: _without_gradient_prefix(name) for name in got}
    if not hint and sorted(renamed.values()) == sorted(names):
        pairs = ", ".join(f"{old} -> {new}" for old, new in renamed.items() if old != new)
        hint = f"; name them as the parameters are named ({pairs})"
    kind = type(grads).__name__ + (f" of {len(grads)}" if isinstance(grads, (list, tuple)) else "")
    raise NetworkError(f"net.gradients(X, Y) must return the gradients in the structure of net.params "
                       f"({', '.join(names)}), got a {kind} holding {', '.join(got) or 'nothing'}{hint}",
                       name="gradients", expected=names, got=got)


def _without_gradient_prefix(name: str) -> str:
    """``dW1`` -> ``W1``, ``grad_W1`` -> ``W1``, ``d_b2`` -> ``b2`` (a learner's names for gradients)."""
    return re.sub(r"^(grad_|d_|d(?=[A-Za-z]))", "", name)


def _checked_losses(values, count: int) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.shape != (count,):
        raise NetworkError(f"net.perturbed_losses(X, Y, names, tensor, flat, delta) must return {count} losses "
                           f"(one per moved copy), got {describe(values)}", name="perturbed_losses",
                           expected=[count], got=describe(values))
    return array
