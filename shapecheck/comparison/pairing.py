"""Pairing the arrays the learner's ``gradients(X, Y)`` returned with the learner's parameters.

A gradient is taken, in this order: by the learner's name for it (``dW1``, ``grad_W1``, ``W1_grad``,
``dTheta1`` for ``Theta1``), of a shape that fits or not (a bias gradient summed the wrong way, ``db1 (1, m)``,
is diagnosed later); else as the only array of its shape; else as the only one of its entries (a ``(1, k)``
for a ``(k,)``); else, when exactly as many arrays as parameters are left, in order (a bias summed to a number).

A return holding more than gradients (the course's ``L_model_backward`` gives ``dA2, dW3, db3, dA1, ...,
dA0``) is paired the same way, shapes only where they are unambiguous; what is left over is left out and said
in a note (``dA0``, X's shape, too). When a parameter cannot be paired, the refusal names the arrays not
paired and what was expected for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shapecheck._arrays import format_shape
from shapecheck.errors import ShapeError


@dataclass(frozen=True)
class Pairing:
    """``found``: one gradient per slot (None for slots not wanted); ``note``: what was left out, or None."""

    found: list
    note: str | None = None


def pair_gradients(leaves, slots, wanted, *, x_shape=None) -> Pairing:
    """``leaves`` ((name, array) pairs, in the order returned) paired with ``slots`` (the parameters; only
    those in ``wanted``). ``x_shape``: X's shape, to say which array left out is shaped like X."""
    found, free = [None] * len(slots), list(range(len(leaves)))
    how = {}
    extra = len(leaves) > len(wanted)

    def take(i, j, way):
        found[i], how[i] = leaves[j][1], (way, j)
        free.remove(j)

    by_name = {}
    for j, (name, _) in enumerate(leaves):
        by_name.setdefault(_plain(name), j)
    for fitting in (True, False):                                   # 1. by name (a fitting shape first)
        for i in wanted:
            if found[i] is None:
                j = next((by_name[key] for key in _gradient_names(slots[i]) if by_name.get(key) in free
                          and (not fitting or _fits(leaves[by_name[key]][1], slots[i].get()))), None)
                if j is not None:
                    take(i, j, "name")
    for i in wanted:                                                # 2. the only one of its shape, in order
        if found[i] is None:
            shape = slots[i].get().shape
            same = [j for j in free if leaves[j][1].shape == shape]
            needing = [k for k in wanted if found[k] is None and slots[k].get().shape == shape]
            if same and (not extra or len(same) == len(needing)):
                take(i, same[0], "shape")
    for i in wanted:                                                # 3. the only one of its entries: (1, k) for (k,)
        if found[i] is None:
            alike = [j for j in free if _squeezed(leaves[j][1]) == _squeezed(slots[i].get())]
            if len(alike) == 1:
                take(i, alike[0], "entries")
    missing = [i for i in wanted if found[i] is None]
    if missing and len(missing) == len(free):                      # 4. what is left, in order (a summed bias)
        for i, j in zip(missing, list(free)):
            take(i, j, "order")
        missing = []
    if missing:
        raise _refusal(leaves, slots, wanted, missing, free)
    others = [k for k in range(len(slots)) if k not in wanted]
    theirs = [j for j in free for k in others if leaves[j][1].shape == slots[k].get().shape
              or _plain(leaves[j][0]) in _gradient_names(slots[k])]
    if theirs:                  # the gradient of an array this reading takes for a cache: not this reading
        raise ShapeError(f"gradients returned {len(leaves)} arrays ({', '.join(n for n, _ in leaves)}) for "
                         f"{len(wanted)} parameters ({', '.join(slots[i].name for i in wanted)}); return one "
                         "gradient per parameter", name="gradients", expected=len(wanted), got=len(leaves))
    return Pairing(found, _left_out_note(leaves, slots, wanted, free, how, x_shape) if free else None)


def _refusal(leaves, slots, wanted, missing, free) -> ShapeError:
    """Which parameters got no gradient, what was expected for each, and which arrays were not paired."""
    unpaired = ", ".join(_shown(*leaves[j]) for j in free) or "none"
    expected = "; ".join(f"{slots[i].name} {format_shape(slots[i].get().shape)}: a gradient named "
                         f"{_spelled(slots[i])}, or the only array of its shape" for i in missing)
    same = [j for j in free if any(leaves[j][1].shape == slots[i].get().shape for i in missing)]
    why = f" ({_and([leaves[j][0] for j in same])} share its shape: which is which is not known)" \
        if len(same) > 1 else ""
    return ShapeError(
        f"gradients returned {len(leaves)} arrays ({', '.join(n for n, _ in leaves)}) for {len(wanted)} parameters "
        f"({', '.join(slots[i].name for i in wanted)}); could not pair {_and([slots[i].name for i in missing])}"
        f"{why}. Expected for {expected}. Not paired: {unpaired}. Return one gradient per parameter, or name each "
        f"after its parameter", name="gradients", expected=len(wanted), got=len(leaves))


def _left_out_note(leaves, slots, wanted, free, how, x_shape) -> str:
    """The note of a return holding more arrays than gradients: how they were paired, what was left out."""
    named = [i for i in wanted if how[i][0] == "name"]
    ways = []
    if named:
        example = ", ".join(f"{leaves[how[i][1]][0]} for {slots[i].name}" for i in named[:2])
        ways.append(f"{'each' if len(named) == len(wanted) else len(named)} parameter's gradient was taken by its "
                    f"name ({example}{', ...' if len(named) > 2 else ''})")
    others = [i for i in wanted if how[i][0] != "name"]
    if others:
        ways += [f"{slots[i].name}'s as {leaves[how[i][1]][0]}, the only array left {_WAYS[how[i][0]]}"
                 for i in others]
    like_x = [j for j in free if x_shape is not None and tuple(leaves[j][1].shape) == tuple(x_shape)]
    plain = [j for j in free if j not in like_x]
    out = []
    if plain:
        out.append(f"{', '.join(_shown(*leaves[j]) for j in plain)}, paired with no parameter")
    if like_x:
        out.append(f"{', '.join(_shown(*leaves[j]) for j in like_x)}, shaped like X (a gradient with respect to "
                   "the input has no parameter to compare with)")
    return (f"your gradients returned {len(leaves)} arrays for {len(wanted)} parameters: {'; '.join(ways)}; "
            f"left out of the comparison: {'; '.join(out)}")


_WAYS = {"shape": "of its shape", "entries": "with its number of entries", "order": "for it"}


def _shown(name, value) -> str:
    return f"{name} {format_shape(value.shape)}"


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _plain(name: str) -> str:
    return name.split(".")[-1].lower().replace("_", "")


def _base(slot) -> str:
    """The parameter's own name: the last key on its path (``W1``), or its readable name's last part."""
    return str(slot.key) if isinstance(slot.key, str) else slot.name.split(".")[-1].split("[")[0]


def _gradient_names(slot) -> list[str]:
    """The names a learner gives the gradient of this parameter: W1 -> dW1, grad_W1, W1_grad, W1."""
    base = _plain(_base(slot))
    return [f"d{base}", f"grad{base}", f"{base}grad", f"delta{base}", base, f"nabla{base}"]


def _spelled(slot) -> str:
    """The usual names of this parameter's gradient, as a learner writes them: ``dW1, grad_W1 or W1_grad``."""
    base = _base(slot)
    return f"d{base}, grad_{base} or {base}_grad"


def _squeezed(array) -> tuple:
    """The shape without its axes of size 1: (1, 3), (3, 1) and (3,) are alike."""
    return tuple(size for size in np.shape(array) if size != 1)


def _fits(gradient, parameter) -> bool:
    """A gradient for this parameter: the same shape, or a bias gradient of the same size or summed to one
    number (diagnosed later)."""
    return gradient.shape == parameter.shape or gradient.size in (parameter.size, 1) or parameter.ndim == 1
