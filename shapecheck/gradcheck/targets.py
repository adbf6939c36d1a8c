"""Where the gradient checker evaluates the loss: on the learner's own arrays, on copies, or in a batch.

Every target answers one question: "what is the loss with these entries of tensor t moved by these
amounts?" for a list of perturbations, and says how far each entry really moved (the realised step:
``float32(x + h) - x`` is not ``h``). Every perturbation is undone before the next one; the caller
also restores all arrays from a saved copy at the end (see ``gradcheck.check_gradients``).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from shapecheck._arrays import binds_one_argument, describe, signature_of
from shapecheck.gradcheck.buffers import buffer
from shapecheck.gradcheck.inplace import entry_losses_in_place, every_entry_in_pairs
from shapecheck.gradcheck.progress import NO_PROGRESS
from shapecheck.gradcheck.segments import joined
from shapecheck.errors import ParameterError, ShapecheckError

#: One perturbation: flat indices into the tensor and the amount added to each of those entries.
Perturbation = tuple  # (np.ndarray of int, np.ndarray of float or complex)


class LossFunctionError(ShapecheckError, ValueError):
    """``loss_fn`` returned something that is not one real number."""


class Counter:
    """Calls ``loss_fn(tree)``, counts the calls, and insists on one number."""

    def __init__(self, loss_fn: Callable[[Any], Any], *, allow_complex: bool = False):
        self.loss_fn, self.calls, self.allow_complex = loss_fn, 0, allow_complex
        self.returns = float            # the type of the value loss_fn returned last (before scalar)

    def __call__(self, tree) -> float | complex:
        self.calls += 1
        value = self.loss_fn(tree)
        self.returns = type(value)
        return self.scalar(value)

    def scalar(self, value) -> float | complex:
        if isinstance(value, float):  # the common case, kept cheap
            return value
        if isinstance(value, tuple):
            raise LossFunctionError(
                f"loss_fn must return one real number, got a tuple of {len(value)} ({describe(value)}); if it "
                "returns (loss, grads), pass lambda p: f(p)[0]", name="loss_fn", expected="scalar", got="tuple")
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            array = np.asarray(None)
        kinds = "fiub" + ("c" if self.allow_complex else "")
        if array.size != 1 or array.dtype.kind not in kinds:
            raise LossFunctionError(
                f"loss_fn must return one real number, got {describe(value)}", name="loss_fn",
                expected="scalar", got=describe(value),
            )
        scalar = array.reshape(()).item()
        return scalar if isinstance(scalar, complex) else float(scalar)


def check_takes_one_argument(loss_fn) -> None:
    """loss_fn is called as loss_fn(params): say so up front instead of failing inside the checker."""
    try:
        binds_one_argument(signature_of(loss_fn))
    except TypeError:
        import inspect

        raise ParameterError(f"loss_fn must take one argument (the params, which it may ignore), got "
                             f"{getattr(loss_fn, '__name__', loss_fn)}{inspect.signature(loss_fn)}",
                             name="loss_fn", expected="loss_fn(params)", got=str(inspect.signature(loss_fn))) from None
    except ValueError:               # no signature (a builtin): let the call decide
        return


class InPlaceTarget:
    """Perturbs the given arrays in place and calls ``loss_fn(tree)``; the learner's own arrays, usually.
    Finished single-entry evaluations are reported to ``progress`` (see :mod:`shapecheck.gradcheck.progress`)."""

    progress = NO_PROGRESS
    #: Are single-entry moves made on the arrays themselves, one loss call each (not by a batched loss)?
    moves_in_place = True

    def __init__(self, counter: Counter, tree, arrays: Sequence[np.ndarray]):
        self.counter, self.tree, self.arrays = counter, tree, list(arrays)

    def base(self) -> float:
        return self.counter(self.tree)

    def losses(self, t: int, perturbations: Sequence[Perturbation]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Loss after each perturbation of tensor ``t``, and the realised step of each."""
        array, call, tree = self.arrays[t], self.counter, self.tree
        complex_steps = any(np.iscomplexobj(delta) for _, delta in perturbations)
        out = np.empty(len(perturbations), dtype=complex if complex_steps else float)
        if perturbations and _whole(array, perturbations[0][0]) \
                and all(index is perturbations[0][0] for index, _ in perturbations):
            return self._whole_losses(array, perturbations, out)
        realised = []
        for j, (index, delta) in enumerate(perturbations):
            original = array.flat[index]
            try:
                array.flat[index] = original + delta
                realised.append(array.flat[index] - original)
                out[j] = call(tree)
            finally:
                array.flat[index] = original
        return out, realised

    def _whole_losses(self, array, perturbations, out):
        """:meth:`losses` for moves of every entry in order (fast mode's directions): the whole array is moved
        and put back at once, through a flat view (``array.flat[index]`` costs ~30 ns an entry)."""
        view = array.reshape(-1)
        # buffers kept between calls and checks (fresh ones of this size cost page faults): the saved
        # entries, and the realised steps, which the caller reads before its next call
        original, *realised = buffer((1 + len(perturbations), view.size), "moves", view.dtype)
        np.copyto(original, view)
        try:
            for j, (_, delta) in enumerate(perturbations):      # each move overwrites the one before it
                np.add(original, delta, out=view, casting="same_kind")
                np.subtract(view, original, out=realised[j])
                out[j] = self.counter(self.tree)
        finally:
            np.copyto(view, original)
        return out, realised

    def entry_losses(self, t: int, flat: np.ndarray, steps: np.ndarray):
        """Loss after moving entry ``flat[j]`` of tensor ``t`` by ``steps[j]``, one at a time; realised steps."""
        return self.entry_losses_many([(t, flat, steps)])[0]

    def entry_losses_many(self, requests):
        """:meth:`entry_losses` of every request ``(t, flat, steps)``, all in one loop (see ``inplace``)."""
        return entry_losses_in_place(self, requests) if requests else []

    def every_entry_losses(self, ts: list, steps: np.ndarray, plan: Callable):
        """The losses and realised steps of moving every entry of tensors ``ts`` by each of ``steps`` in turn, the
        requests of ``plan()`` (a full check): two arrays, each entry's moves in a row (flat ``(P * len(steps),)``,
        or ``(P, len(steps))``). Central differences on plain float64 arrays moved in place are planned from the
        arrays themselves (``inplace.every_entry_in_pairs``)."""
        if self.moves_in_place and len(steps) == 2 and steps[0] == -steps[1]:
            answers = every_entry_in_pairs(self, ts, steps)
            if answers is not None:
                return answers
        return _joined_answers(self.entry_losses_many(plan()))


class EntryBatchTarget(InPlaceTarget):
    """For a loss that can evaluate many single-entry moves in one call (the reference MLP does).

    ``loss_fn.single_entry_losses(tensor, flat, delta) -> (K,)``: copy c moves entry ``flat[c]`` of the
    ``tensor[c]``-th leaf by ``delta[c]``. Moves along several entries at once (fast mode) fall back
    to the in-place loop of :class:`InPlaceTarget`.
    """

    moves_in_place = False

    def __init__(self, counter: Counter, tree, arrays, entry_losses_fn):
        super().__init__(counter, tree, arrays)
        self.entry_losses_fn = entry_losses_fn

    def entry_losses(self, t: int, flat: np.ndarray, steps: np.ndarray):
        return self.entry_losses_many([(t, flat, steps)])[0]

    def entry_losses_many(self, requests):
        """All tensors' single-entry moves in one call; returns (losses, realised) per request."""
        tensor = np.concatenate([np.full(len(flat), t) for t, flat, _ in requests])
        flat = np.concatenate([flat for _, flat, _ in requests])
        realised = np.concatenate([_realised(self.arrays[t], f, s) for t, f, s in requests])
        # one call for all moves, unless there are so many that the check should show its progress
        size = len(flat) if len(flat) <= 2 * ENTRY_BATCH else ENTRY_BATCH
        values = np.concatenate([self._entry_batch(tensor[s:s + size], flat[s:s + size], realised[s:s + size])
                                 for s in range(0, len(flat), size)] or [np.zeros(0)])
        out, start = [], 0
        for _, f, _ in requests:
            out.append((values[start:start + len(f)], realised[start:start + len(f)]))
            start += len(f)
        return out

    def _entry_batch(self, tensor, flat, realised) -> np.ndarray:
        values = np.asarray(self.entry_losses_fn(tensor, flat, realised), dtype=float)
        if values.shape != flat.shape:
            raise LossFunctionError(f"single_entry_losses must return {len(flat)} values, got {describe(values)}",
                                    name="loss_fn", expected=flat.shape, got=values.shape)
        self.counter.calls += len(flat)
        self.progress.advance(len(flat))
        return values


#: moves per call of ``single_entry_losses`` when there are more than twice as many (a call of its own
#: for each block lets the check show its progress; the reference MLP evaluates this many in ~40 ms)
ENTRY_BATCH = 65536

_EVERY_INDEX = {}


def every_index(size: int) -> np.ndarray:
    """``np.arange(size)``, read-only and shared: a target knows it by identity and moves the whole array."""
    index = _EVERY_INDEX.get(size)
    if index is None:
        index = np.arange(size)
        index.flags.writeable = False
        if len(_EVERY_INDEX) > 64:
            _EVERY_INDEX.clear()
        _EVERY_INDEX[size] = index
    return index


def _whole(array: np.ndarray, index) -> bool:
    """``index`` is :func:`every_index` of the array's size, and the array can be moved through a flat view."""
    return (index is _EVERY_INDEX.get(array.size) and array.size > 1 and array.flags.c_contiguous
            and array.flags.writeable)


def _realised(array: np.ndarray, flat: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """How far each entry really moves when ``steps`` is added in the array's own dtype."""
    original = array.reshape(-1)[flat] if array.flags.c_contiguous else np.asarray(array.flat[flat])
    return (original + steps.astype(array.dtype)).astype(np.float64) - original.astype(np.float64)


class BatchedTarget(InPlaceTarget):
    """Evaluates many perturbations in one call of ``batched(tree) -> (K,)``.

    The perturbed leaf is given a leading axis of size K (one copy per perturbation); every other leaf
    is passed as it is, so numpy's broadcasting (``X @ W`` with W ``(K, d, h)``) does the rest.
    """

    moves_in_place = False

    def __init__(self, counter: Counter, tree, arrays: Sequence[np.ndarray], paths: Sequence[tuple],
                 batched: Callable[[Any], np.ndarray], *, memory_budget: int = 32 * 2**20):
        super().__init__(counter, tree, arrays)
        self.paths, self.batched, self.memory_budget = list(paths), batched, memory_budget

    def losses(self, t: int, perturbations: Sequence[Perturbation]) -> tuple[np.ndarray, list[np.ndarray]]:
        array = self.arrays[t]
        chunk = max(1, min(4096, self.memory_budget // (8 * array.size)))
        out, realised = np.empty(len(perturbations)), []
        for start in range(0, len(perturbations), chunk):
            part = perturbations[start:start + chunk]
            stack = np.repeat(array[np.newaxis], len(part), axis=0)
            flat = stack.reshape(len(part), -1)
            for j, (index, delta) in enumerate(part):
                flat[j, index] = array.flat[index] + delta
                realised.append(flat[j, index] - array.flat[index])
            out[start:start + len(part)] = self._call(t, stack)
        return out, realised

    def entry_losses(self, t: int, flat: np.ndarray, steps: np.ndarray):
        """Vectorised single-entry moves: copy j has entry ``flat[j]`` moved by ``steps[j]``."""
        array = self.arrays[t]
        chunk = max(1, min(4096, self.memory_budget // (8 * array.size)))
        out, realised = np.empty(len(flat)), np.empty(len(flat))
        original = array.reshape(-1)
        for start in range(0, len(flat), chunk):
            idx, step = flat[start:start + chunk], steps[start:start + chunk]
            rows = np.arange(len(idx))
            stack = np.repeat(array[np.newaxis], len(idx), axis=0)
            moved = stack.reshape(len(idx), -1)
            moved[rows, idx] = original[idx] + step
            realised[start:start + len(idx)] = moved[rows, idx] - original[idx]
            out[start:start + len(idx)] = self._call(t, stack)
        return out, realised

    def entry_losses_many(self, requests):
        """One vectorised :meth:`entry_losses` call per request ``(t, flat, steps)``."""
        return [self.entry_losses(t, flat, steps) for t, flat, steps in requests]

    def _call(self, t: int, stack: np.ndarray) -> np.ndarray:
        values = np.asarray(self.batched(_replace(self.tree, self.paths[t], stack)), dtype=float)
        if values.shape != (len(stack),):
            raise LossFunctionError(
                f"the batched loss must return {len(stack)} values (one per perturbed copy), "
                f"got {describe(values)}", name="loss_fn", expected=(len(stack),), got=values.shape)
        self.counter.calls += len(stack)
        self.progress.advance(len(stack))
        return values


def _joined_answers(answers) -> tuple[np.ndarray, np.ndarray]:
    """The losses and the realised steps of every request's answer ``(losses, realised)``, laid end to end."""
    return joined(answers, 0), joined(answers, 1)


def _replace(tree, path: tuple, leaf):
    """A shallow copy of ``tree`` with the leaf at ``path`` (a tuple of keys/indices) replaced."""
    if not path:
        return leaf
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        copy = dict(tree)
    else:
        copy = list(tree)
    copy[head] = _replace(tree[head], rest, leaf)
    return copy if isinstance(tree, (dict, list)) else type(tree)(copy)


def copy_tree(tree, dtype):
    """The same structure with every array copied to ``dtype`` (float64 or complex128)."""
    if isinstance(tree, dict):
        return {key: copy_tree(value, dtype) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(copy_tree(value, dtype) for value in tree)
    return np.array(tree, dtype=dtype)
