"""Finding the learner's arrays wherever they keep them, and putting everything back exactly.

``params`` may be a dict, a list/tuple, nested dicts/lists, or the learner's network object (its array
attributes, private ``self.__w`` ones included, its lists of arrays, its layer objects). Each float array
found is a :class:`Slot`: the path from ``params`` to it (``.weights[0]``), read again after a training
step (which may have reassigned the list: ``self.weights = [w - eta * nw ...]``), and a readable name in
the learner's own terms (``weights[0]``, ``W1``, ``__w1``, ``layers[2].weights``).

:class:`Snapshot` keeps the state of everything reachable from ``params`` (each object's attributes,
each list's and dict's items, each array's bits) so that :meth:`Snapshot.restore` puts the same objects
back in the same places holding the same bits, whatever the learner's code did in between.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from shapecheck.errors import DTypeError, ParameterError

#: Values never walked into: code, modules, classes (their attributes are not the learner's state).
_OPAQUE = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType, type,
           np.random.Generator, np.random.RandomState)


@dataclass
class Slot:
    """One learner array: the path to it from ``params`` and a readable name."""

    root: Any
    path: tuple          # (("attr", "weights"), ("item", 0)), ...
    name: str

    def get(self):
        value = self.root
        for kind, key in self.path:
            value = getattr(value, key) if kind == "attr" else value[key]
        return value

    @property
    def key(self):
        """The last key on the path (``"W1"``, ``0``, ``"weights"``)."""
        return self.path[-1][1] if self.path else None


def collect(params, root: str = "", *, what: str = "params") -> list[Slot]:
    """Every float array in ``params`` (1-d or 2-d, not empty), in the learner's order."""
    slots = [Slot(params, path, name) for path, name, value in _reachable(params, root)
             if isinstance(value, np.ndarray) and not _why_not_a_parameter(value)]
    if not slots:
        aside = set_aside(params, root)
        for name, value, why in aside:
            if value.dtype.kind in "iubc":
                raise DTypeError(f"{what} {name} {why}; parameters must be real floating point arrays"
                                 f"{_TRUNCATES if value.dtype.kind in 'iu' else ''}: use .astype(float)",
                                 name=name, expected="float64", got=str(value.dtype))
        also = f"; left out: {left_out(aside)}" if aside else ""
        if not aside and isinstance(params, (list, tuple, dict)) and params:
            also = f"; found: {_held(params, what)}"
        raise ParameterError(
            f"no numpy float arrays found in {what} ({type(params).__name__}){also}; pass a dict, a list of 1-d or "
            "2-d float arrays, or the network object whose attributes hold them", name=what, expected="arrays",
            got=type(params).__name__)
    return slots


_TRUNCATES = " (an update W -= lr * dW would truncate)"


def _held(value, text: str) -> str:
    """What a container holds, along its first entries, in the learner's own indexing: ``params is a list of
    2; params[0] is a list of 3; params[0][0] is a dict ('weights', 'output', 'delta'); ... is a float``."""
    parts = []
    for _ in range(5):
        if isinstance(value, (list, tuple)) and value:
            parts.append(f"{text} is a {type(value).__name__} of {len(value)}")
            text, value = f"{text}[0]", value[0]
        elif isinstance(value, dict) and value:
            keys = list(value)
            shown = ", ".join(repr(k) for k in keys[:4]) + (", ..." if len(keys) > 4 else "")
            parts.append(f"{text} is a dict ({shown})")
            text, value = f"{text}[{keys[0]!r}]", value[keys[0]]
        else:
            break
    return "; ".join([*parts, f"{text} is a {type(value).__name__}"])


def _why_not_a_parameter(value: np.ndarray) -> str:
    """Why an array found among the learner's values cannot be a parameter ("" when it can)."""
    if value.dtype.kind in "iu":
        return f"has an integer dtype ({value.dtype})"
    if value.dtype.kind != "f":
        return f"has dtype {value.dtype}"
    if value.ndim not in (1, 2):
        return f"is {value.ndim}-d, shape {tuple(value.shape)}"
    if value.size == 0:
        return f"is empty, shape {tuple(value.shape)}"
    return ""


def set_aside(params, root: str = "") -> list[tuple[str, np.ndarray, str]]:
    """(name, array, why) for every array reachable from ``params`` that :func:`collect` does not take."""
    found = [(name, value) for _, name, value in _reachable(params, root) if isinstance(value, np.ndarray)]
    return [(name, value, _why_not_a_parameter(value)) for name, value in found if _why_not_a_parameter(value)]


def left_out(aside) -> str:
    """The arrays :func:`set_aside` found, for a message: ``W1 is 3-d, shape (5, 3, 1)``."""
    return ", ".join(f"{name} {why}" for name, _value, why in aside)


def _reachable(value, name="", path=(), seen=None):
    """(path, readable name, value) for every value reachable from ``value`` through attributes, list and
    tuple items and dict values, arrays included; each container once."""
    seen = set() if seen is None else seen
    if isinstance(value, np.ndarray) and value.dtype == object and value.ndim == 1:
        for i, item in enumerate(value):               # an object array of layers' arrays
            yield from _reachable(item, f"{name or 'params'}[{i}]", path + (("item", i),), seen)
        return
    if isinstance(value, np.ndarray):
        yield path, name or "params", value
        return
    if id(value) in seen or isinstance(value, _OPAQUE):
        return
    if isinstance(value, dict):
        seen.add(id(value))
        for key, item in list(value.items()):
            yield from _reachable(item, f"{name}.{key}" if name else str(key), path + (("item", key),), seen)
    elif isinstance(value, (list, tuple)):
        seen.add(id(value))
        for i, item in enumerate(value):
            yield from _reachable(item, f"{name or 'params'}[{i}]", path + (("item", i),), seen)
    elif hasattr(value, "__dict__"):
        seen.add(id(value))
        for key, item in list(vars(value).items()):
            if key.startswith("__") and key.endswith("__"):
                continue
            shown = _demangled(key, value)
            yield from _reachable(item, f"{name}.{shown}" if name else shown, path + (("attr", key),), seen)


def _demangled(key: str, owner) -> str:
    """``_Net__w1`` -> ``__w1`` for an object of class Net (or a subclass): the name the learner wrote."""
    for cls in type(owner).__mro__:
        prefix = f"_{cls.__name__.lstrip('_')}__"
        if key.startswith(prefix):
            return "__" + key[len(prefix):]
    return key


class Snapshot:
    """Everything reachable from ``root`` (and from ``also``: more roots; and the ``names`` of dicts such as a
    module's globals, given as ``(dict, names)``) now, so that it can be put back exactly."""

    def __init__(self, root, *, also=(), names=()):
        self.root = root
        self.objects, self.arrays, self.entries = [], [], []
        seen = set()
        self._record(root, seen)
        for other in also:
            self._record(other, seen)
        for namespace, keys in names:
            present = {key: namespace[key] for key in keys if key in namespace}
            self.entries.append((namespace, present, [key for key in keys if key not in namespace]))
            for value in present.values():
                self._record(value, seen)

    def _record(self, value, seen):
        if id(value) in seen:
            return
        if isinstance(value, np.ndarray):
            seen.add(id(value))
            self.arrays.append((value, value.copy()))
            return
        if isinstance(value, _OPAQUE):
            return
        if isinstance(value, dict):
            seen.add(id(value))
            self.objects.append((value, dict(value)))
            children = list(value.values())
        elif isinstance(value, list):
            seen.add(id(value))
            self.objects.append((value, list(value)))
            children = list(value)
        elif isinstance(value, tuple):
            seen.add(id(value))
            children = list(value)
        elif hasattr(value, "__dict__"):
            seen.add(id(value))
            self.objects.append((value, dict(vars(value))))
            children = list(vars(value).values())
        else:
            return
        for child in children:
            self._record(child, seen)

    def restore(self) -> None:
        """The same objects back in their places (attributes, list items, dict values), holding the same
        bits as before; attributes and items the learner's code added are removed again."""
        for namespace, present, absent in self.entries:
            namespace.update(present)
            for key in absent:
                namespace.pop(key, None)
        for container, saved in self.objects:
            if isinstance(container, list):
                container[:] = saved
            elif isinstance(container, dict):
                container.clear()
                container.update(saved)
            else:
                state = vars(container)
                for key in [k for k in state if k not in saved]:
                    del state[key]
                state.update(saved)
        for array, bits in self.arrays:
            if array.shape == bits.shape:
                np.copyto(array, bits)
