"""Walking parameter structures: a dict, list/tuple, single array, or nested dicts/lists of arrays.

Each array is a leaf with a readable path (``W1``, ``weights[1]``, ``layers[0].W`` ...). Shared by the
gradient checker and everything built on it.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from shapecheck._arrays import check_finite, describe
from shapecheck.errors import DTypeError, ParameterError


def leaves(tree: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(name, leaf)`` for every non-container in ``tree``, depth first, in order."""
    for name, _path, leaf in leaf_paths(tree):
        yield name, leaf


def leaf_paths(tree: Any, name: str = "", path: tuple = ()) -> Iterator[tuple[str, tuple, Any]]:
    """Yield ``(name, path, leaf)``: the readable name (``weights[1]``) and the keys that reach the leaf."""
    # (an array child is yielded here, as the call on it would: no generator of its own, ~1 us a leaf)
    if isinstance(tree, dict):
        for key, value in tree.items():
            child = f"{name}.{key}" if name else str(key)
            if type(value) is np.ndarray:
                yield (child or "params", path + (key,), value)
            else:
                yield from leaf_paths(value, child, path + (key,))
    elif isinstance(tree, (list, tuple)) and not _is_number_list(tree):
        for i, value in enumerate(tree):
            if type(value) is np.ndarray:
                yield (f"{name}[{i}]", path + (i,), value)
            else:
                yield from leaf_paths(value, f"{name}[{i}]", path + (i,))
    else:
        yield (name or "params", path, tree)


def _is_number_list(value) -> bool:
    """A plain list of numbers such as ``[1.0, 2.0]`` is one (bad) leaf, not many."""
    return len(value) > 0 and all(isinstance(v, (int, float, complex, list, tuple)) and not isinstance(v, bool)
                                  and (not isinstance(v, (list, tuple)) or _is_number_list(v)) for v in value)


def container(tree: Any) -> str:
    """What kind of structure ``tree`` is, in words: ``a dict (W1, b1)``, ``a list of 2``, ``one array``."""
    if isinstance(tree, dict):
        return f"a dict ({', '.join(map(str, tree)) or 'empty'})"
    if isinstance(tree, (list, tuple)) and not _is_number_list(tree):
        return f"a {type(tree).__name__} of {len(tree)}"
    return "one array" if isinstance(tree, np.ndarray) else f"a {type(tree).__name__}"


def structure_hint(params: Any, grads: Any, grads_label: str = "grads", params_label: str = "params") -> str:
    """When the gradients come in another kind of structure than the parameters (a list against a dict, a
    dict against a list, a list of one against one array), what was given and how to pass it; else ""."""
    kinds = [container(tree).split(" ")[1] for tree in (params, grads)]
    if kinds[0] == kinds[1] or {"list", "tuple"} >= set(kinds):
        return ""
    verb = "returned" if grads_label.endswith(")") else "is"
    given = f"{grads_label} {verb} {container(grads)} but {params_label} is {container(params)}"
    if isinstance(params, dict):
        keys = list(params)[:2]
        example = ", ".join(f"{key!r}: d{key}" for key in keys) + (", ..." if len(params) > 2 else "")
        in_order = isinstance(grads, (list, tuple)) and len(grads) == len(params)
        order = (f"; a {type(grads).__name__} in the order of {params_label} becomes that dict with "
                 f"dict(zip({params_label}, {grads_label}))" if in_order else "")
        return f"{given}: give the gradients as a dict with the same keys, e.g. {{{example}}}{order}"
    if isinstance(params, (list, tuple)):
        order = (f"; if the dict's values are in the order of {params_label}: list({grads_label}.values())"
                 if isinstance(grads, dict) and len(grads) == len(params) else "")
        return f"{given}: give the gradients as a {type(params).__name__} in the order of {params_label}{order}"
    one = f" ({grads_label}[0])" if isinstance(grads, (list, tuple)) and len(grads) == 1 else ""
    return f"{given}: give the gradient as one array of the parameter's shape{one}"


def float_leaves(tree: Any, what: str) -> list[tuple[str, tuple, np.ndarray]]:
    """The leaves of ``tree`` as ndarrays, refusing anything that is not a float array.

    They are the caller's own arrays (not copies): the gradient checker perturbs them in place.
    """
    found = list(leaf_paths(tree))
    if _plain_and_finite(found):            # the usual case: nothing to refuse, checked in a few numpy calls
        return found
    if not found:
        raise ParameterError(f"{what} is empty: nothing to check", name=what, expected="arrays", got=repr(tree))
    for name, path, value in found:
        subject = f"{what} {name}" if path else what        # params itself is the one array: "params is ..."
        if not isinstance(value, np.ndarray):
            raise DTypeError(
                f"{subject} is {describe(value)}; expected a numpy float array "
                "(the checker perturbs arrays in place, so they must be ndarrays)",
                name=name, expected="numpy.ndarray", got=type(value).__name__,
            )
        if value.dtype.kind != "f":
            raise DTypeError(
                f"{subject} has dtype {value.dtype}; expected float64 (or float32). "
                f"Use {name if path else what}.astype(float)",
                name=name, expected="float64", got=str(value.dtype),
            )
        if value.size == 0:
            raise ParameterError(f"{subject} is empty (shape {value.shape}): nothing to check", name=name,
                                 expected="a non-empty array", got=value.shape)
        check_finite(subject, value, why=": a gradient check needs finite parameters (a NaN here usually "
                                                  "comes from a diverged training step; check a fresh network)")
        if not value.flags.writeable:
            raise DTypeError(f"{subject} is read-only; the checker must perturb it in place",
                             name=name, expected="writeable array", got="read-only")
    return found


#: at most this many entries in all are checked for finiteness in one concatenated copy (beyond, leaf by leaf)
FINITE_AT_ONCE = 1 << 16


def _plain_and_finite(found) -> bool:
    """Would :func:`float_leaves` accept every leaf? True only when it surely would: plain non-empty writeable
    float ndarrays, all finite (one ``isfinite`` over their concatenation instead of one per leaf, ~1.5 us
    each; a large network is left to the loop). False sends the caller through the loop, which raises the
    error of the first leaf at fault, as before."""
    total = 0
    for _, _, value in found:
        if type(value) is not np.ndarray or value.dtype.kind != "f" or not value.size or not value.flags.writeable:
            return False
        total += value.size
    if not found or total > FINITE_AT_ONCE:
        return False
    # (logical_and.reduce: the ufunc itself, without ndarray.all's Python wrapper)
    return bool(np.logical_and.reduce(np.isfinite(np.concatenate([value.reshape(-1) for _, _, value in found]))))
