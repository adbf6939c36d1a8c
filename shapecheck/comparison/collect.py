"""Finding the learner's arrays wherever they keep them, and putting them back exactly.

``params`` may be a dict, a list/tuple, nested dicts/lists, or the learner's network object (its
array attributes and lists of arrays). Each array found is a :class:`Slot`: where it lives (so it can
be re-read after a training step that reassigns it, and restored afterwards) and a readable name in the
learner's own terms (``W1``, ``weights[0]``, ``net.b_hidden``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shapecheck.errors import DTypeError, ParameterError


@dataclass
class Slot:
    """One learner array: its container, the key/index/attribute in it, and a readable name."""

    container: Any
    key: Any
    name: str
    is_attribute: bool = False

    def get(self) -> np.ndarray:
        return getattr(self.container, self.key) if self.is_attribute else self.container[self.key]

    def set(self, value) -> None:
        if self.is_attribute:
            setattr(self.container, self.key, value)
        else:
            self.container[self.key] = value


def collect(params, root: str = "", *, what: str = "params") -> list[Slot]:
    """Every float array in ``params``, in the learner's order."""
    slots: list[Slot] = []
    _walk(params, root or ("params" if isinstance(params, (list, tuple)) else ""), slots, seen=set())
    if not slots:
        integers = [name for name, value in _all_arrays(params) if value.dtype.kind in "iub"]
        if integers:
            raise DTypeError(f"{what} {integers[0]} has an integer dtype; parameters must be floating point (an "
                             f"update W -= lr * dW would truncate): use .astype(float)", name=integers[0],
                             expected="float64", got="integer")
        raise ParameterError(
            f"no numpy float arrays found in {what} ({type(params).__name__}); pass a dict, a list of arrays, or "
            "the network object whose attributes hold them", name=what, expected="arrays",
            got=type(params).__name__)
    return slots


def _all_arrays(value, name="params"):
    """(name, array) for every ndarray in a dict or list, whatever its dtype (for error messages)."""
    if isinstance(value, np.ndarray):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _all_arrays(item, f"{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _all_arrays(item, f"{name}[{i}]")
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        for key, item in vars(value).items():
            if isinstance(item, (np.ndarray, list, dict)):
                yield from _all_arrays(item, key)


def _walk(value, name, slots, seen):
    if id(value) in seen:
        return
    if isinstance(value, dict):
        seen.add(id(value))
        for key, item in value.items():
            _visit(value, key, item, f"{name}.{key}" if name else str(key), slots, seen, attribute=False)
    elif isinstance(value, list):
        seen.add(id(value))
        for i, item in enumerate(value):
            _visit(value, i, item, f"{name}[{i}]", slots, seen, attribute=False)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            if isinstance(item, np.ndarray):
                raise ParameterError(f"{name or 'params'} is a tuple, so its arrays cannot be restored after a "
                                     "training step; pass a list or a dict", name="params", expected="list or dict",
                                     got="tuple")
            _walk(item, f"{name}[{i}]", slots, seen)
    elif hasattr(value, "__dict__") and not isinstance(value, (type, np.ndarray)):
        seen.add(id(value))
        for key, item in vars(value).items():
            if not key.startswith("_"):
                _visit(value, key, item, f"{name}.{key}" if name else key, slots, seen, attribute=True)


def _visit(container, key, item, name, slots, seen, *, attribute):
    if isinstance(item, np.ndarray):
        if item.dtype.kind == "f" and item.ndim in (1, 2) and item.size > 0:
            slots.append(Slot(container, key, name, attribute))
    elif isinstance(item, (dict, list, tuple)) or (attribute is False and hasattr(item, "__dict__")):
        _walk(item, name, slots, seen)


class Snapshot:
    """The arrays (objects and values) in ``slots`` now, so that they can be put back exactly."""

    def __init__(self, slots: list[Slot]):
        self.slots = slots
        self.objects = [slot.get() for slot in slots]
        self.values = [array.copy() for array in self.objects]

    def restore(self) -> None:
        """The same array objects back in their places, holding the same bits as before."""
        for slot, array, value in zip(self.slots, self.objects, self.values):
            np.copyto(array, value)
            if slot.get() is not array:
                slot.set(array)
