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
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaf_paths(value, f"{name}.{key}" if name else str(key), path + (key,))
    elif isinstance(tree, (list, tuple)) and not _is_number_list(tree):
        for i, value in enumerate(tree):
            yield from leaf_paths(value, f"{name}[{i}]", path + (i,))
    else:
        yield (name or "params", path, tree)


def _is_number_list(value) -> bool:
    """A plain list of numbers such as ``[1.0, 2.0]`` is one (bad) leaf, not many."""
    return len(value) > 0 and all(isinstance(v, (int, float, complex, list, tuple)) and not isinstance(v, bool)
                                  and (not isinstance(v, (list, tuple)) or _is_number_list(v)) for v in value)


def float_leaves(tree: Any, what: str) -> list[tuple[str, tuple, np.ndarray]]:
    """The leaves of ``tree`` as ndarrays, refusing anything that is not a float array.

    They are the caller's own arrays (not copies): the gradient checker perturbs them in place.
    """
    found = list(leaf_paths(tree))
    if not found:
        raise ParameterError(f"{what} is empty: nothing to check", name=what, expected="arrays", got=repr(tree))
    for name, _path, value in found:
        if not isinstance(value, np.ndarray):
            raise DTypeError(
                f"{what} {name} is {describe(value)}; expected a numpy float array "
                "(the checker perturbs arrays in place, so they must be ndarrays)",
                name=name, expected="numpy.ndarray", got=type(value).__name__,
            )
        if value.dtype.kind != "f":
            raise DTypeError(
                f"{what} {name} has dtype {value.dtype}; expected float64 (or float32). "
                f"Use {name}.astype(float)",
                name=name, expected="float64", got=str(value.dtype),
            )
        if value.size == 0:
            raise ParameterError(f"{what} {name} is empty (shape {value.shape}): nothing to check", name=name,
                                 expected="a non-empty array", got=value.shape)
        check_finite(f"{what} {name}", value, why=": a gradient check needs finite parameters (a NaN here usually "
                                                  "comes from a diverged training step; check a fresh network)")
        if not value.flags.writeable:
            raise DTypeError(f"{what} {name} is read-only; the checker must perturb it in place",
                             name=name, expected="writeable array", got="read-only")
    return found

