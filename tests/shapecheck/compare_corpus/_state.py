"""Helpers shared by the corpus modules and the tests, written without shapecheck (so they can judge it).

- :class:`Snapshot`: everything reachable from the learner's objects (dicts, lists, tuples, plain objects
  and the arrays in them), so that it can be put back exactly, and so that a test can say which array was
  replaced or changed.
- :func:`step_gradients`: the gradient a training step applies, ``-(after - before) / lr``, recovered from
  one step on the learner's own object, which is then put back exactly.
- :func:`learner_loss`: the learner's own cost function as a zero-argument callable.
"""

from __future__ import annotations

import inspect
import types

import numpy as np


def _is_plain_object(value) -> bool:
    return (hasattr(value, "__dict__") and not callable(value)
            and not isinstance(value, (type, types.ModuleType, np.ndarray)))


def _children(value):
    """(key, child) pairs of a container, or None for a leaf."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    if _is_plain_object(value):
        return list(vars(value).items())
    return None


def _get(container, key):
    if isinstance(container, (dict, list, tuple)):
        return container[key]
    return getattr(container, key)


def resolve(root, path):
    """The value at ``path`` (a tuple of dict keys, list indices and attribute names) under ``root``."""
    value = root
    for key in path:
        value = _get(value, key)
    return value


class Snapshot:
    """Every container and array reachable from ``roots`` (a dict name -> object), by identity, with a
    shallow copy of each container's contents and a copy of each array's bits."""

    def __init__(self, roots: dict):
        self.roots = dict(roots)
        self.entries = []            # (root name, path, label, object, saved contents or array copy)
        seen = set()
        for name, root in self.roots.items():
            self._record(name, (), name, root, seen)

    def _record(self, name, path, label, value, seen):
        if isinstance(value, np.ndarray):
            self.entries.append((name, path, label, value, value.copy()))
            return
        children = _children(value)
        if children is None or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, dict):
            saved = dict(value)
        elif isinstance(value, (list, tuple)):
            saved = list(value)
        else:
            saved = dict(vars(value))
        self.entries.append((name, path, label, value, saved))
        for key, child in children:
            child_label = f"{label}[{key!r}]" if isinstance(value, (dict, list, tuple)) else f"{label}.{key}"
            self._record(name, path + (key,), child_label, child, seen)

    def restore(self) -> None:
        """Put back every container's contents (same objects: attributes added since are removed) and
        every array's bits."""
        for _, _, _, obj, saved in self.entries:
            if isinstance(obj, np.ndarray):
                np.copyto(obj, saved)
            elif isinstance(obj, dict):
                obj.clear()
                obj.update(saved)
            elif isinstance(obj, list):
                obj[:] = saved
            elif isinstance(obj, tuple):
                pass                  # immutable: its items were restored through their own entries
            else:
                vars(obj).clear()
                vars(obj).update(saved)

    def problems(self) -> list[str]:
        """What differs now: a container or array replaced by another object (or gone), or an array whose
        dtype, shape or bits changed. Empty when everything recorded is back in place."""
        found = []
        for name, path, where, obj, saved in self.entries:
            try:
                now = resolve(self.roots[name], path)
            except (KeyError, IndexError, AttributeError):
                found.append(f"{where}: gone")
                continue
            if now is not obj:
                found.append(f"{where}: replaced by another {type(now).__name__} object")
                continue
            if isinstance(obj, np.ndarray):
                if obj.dtype != saved.dtype or obj.shape != saved.shape:
                    found.append(f"{where}: dtype/shape changed to {obj.dtype} {obj.shape}")
                elif obj.tobytes() != saved.tobytes():
                    found.append(f"{where}: values changed (max |diff| "
                                 f"{np.max(np.abs(obj.astype(float) - saved.astype(float))):.3g})")
        return found


def step_gradients(root, paths, step, X, Y, lr) -> list:
    """[(array, gradient)] for the arrays at ``paths`` under ``root``: one call of ``step(X, Y)``, the
    gradient read as ``-(after - before) / lr`` (the step may update in place or reassign), then
    everything reachable from ``root`` put back exactly (same objects, same bits, caches removed)."""
    snapshot = Snapshot({"root": root})
    arrays = [resolve(root, p) for p in paths]
    before = [a.astype(float) for a in arrays]
    step(X.copy(), Y.copy())
    after = [np.array(resolve(root, p), dtype=float) for p in paths]
    snapshot.restore()
    assert all(resolve(root, p) is a for p, a in zip(paths, arrays))
    return [(a, -(new - old) / lr) for a, old, new in zip(arrays, before, after)]


def takes_no_arguments(function) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return not any(p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                   for p in parameters)


def learner_loss(kwargs):
    """The learner's own ``loss_fn`` as a zero-argument callable (it is written as ``loss_fn()`` or
    ``loss_fn(X, Y)``), evaluated at the current values of their arrays."""
    loss_fn, X, Y = kwargs["loss_fn"], kwargs["X"], kwargs["Y"]
    if takes_no_arguments(loss_fn):
        return lambda: float(loss_fn())
    return lambda: float(loss_fn(X.copy(), Y.copy()))


def marked_lines(path) -> dict:
    """``{bug: {line, ...}}`` from the ``# locate: bug, bug`` comments of a corpus module: the lines compare
    must name for each planted bug (issue 15), written down by reading the code, not by running shapecheck."""
    found = {}
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            if "locate:" in text:
                for bug in text.rsplit("locate:", 1)[1].split(","):
                    found.setdefault(bug.strip(), set()).add(number)
    return found
