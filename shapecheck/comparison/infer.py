"""Which learner array is which: layer sizes, each array's role and orientation, and the layout.

From X and Y we know the number of samples n, the input size d and the output size t, and where the
samples are (rows when X and Y share their first size, columns when they share their second). The
weight matrices must then form a chain d -> h1 -> ... -> t: ``(in, out)`` matrices for the rows and
columns-wT layouts, ``(out, in)`` for columns. Every learner array must get a role (weight or bias of
layer k); a folded bias shows up as a chain with one extra input row or column per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_nets.layouts import LAYOUTS, get_layout
from shapecheck._arrays import format_shape
from shapecheck.errors import ShapeError


@dataclass(frozen=True)
class Roles:
    """The inferred network: layout, sizes, and for each reference parameter the learner array index."""

    layout: str
    sizes: tuple
    n: int
    weights: tuple          # learner index of W1, W2, ...
    biases: tuple           # learner index of b1, b2, ... (empty without bias)
    folded: bool = False


def infer_roles(X_shape, Y_shape, shapes: list, names: list, *, bias: bool, layout: str | None) -> Roles:
    """The one consistent reading of the learner's arrays, or a ShapeError that lists them."""
    if len(X_shape) != 2 or len(Y_shape) != 2:
        hint = ""
        if len(Y_shape) == 1:
            hint = ("; Y is 1-d: give it in your network's own layout, Y.reshape(-1, 1) (samples as rows) or "
                    "Y.reshape(1, -1) (samples as columns) for one output, one-hot (n, t) or (t, n) for classes")
        raise ShapeError(f"X and Y must be 2-d, got X {format_shape(X_shape)} and Y {format_shape(Y_shape)}{hint}",
                         name="X", expected="2-d arrays", got=(tuple(X_shape), tuple(Y_shape)))
    candidates = [layout] if layout else list(LAYOUTS)
    found = []
    for name in candidates:
        lay = get_layout(name)
        n, d, t = _sizes(X_shape, Y_shape, lay)
        if n is None:
            continue
        roles = _assign(shapes, lay, n, d, t, bias=bias, folded=False)
        if roles is None and bias:                 # a bias folded into the weights (ones added to the input)
            roles = _assign(shapes, lay, n, d, t, bias=False, folded=True)
        if roles is not None:
            found.append(roles)
    distinct = {(r.layout, r.sizes, r.weights, r.biases, r.folded) for r in found}
    if len(distinct) == 1:
        return found[0]
    listing = ", ".join(f"{name} {format_shape(shape)}" for name, shape in zip(names, shapes))
    if not found:
        raise ShapeError(
            f"cannot match the arrays to a network for X {format_shape(X_shape)} and Y {format_shape(Y_shape)}: "
            f"found {listing}. Expected weight matrices forming a chain d -> h -> ... -> t ((in, out) for "
            f"samples as rows or W.T @ X, (out, in) for W @ X) and one bias per layer"
            + ("" if bias else " (bias=False: no biases)"),
            name="params", expected="a chain of weight matrices", got=listing)
    options = "; ".join(f"{r.layout} with sizes {list(r.sizes)}" + (" (folded bias)" if r.folded else "")
                        for r in found)
    raise ShapeError(f"the arrays fit more than one reading ({options}); found {listing}. Pass layout= "
                     "to settle it (equal sizes hide the orientation: use pairwise-distinct sizes)",
                     name="layout", expected="one reading", got=options)


def _sizes(X_shape, Y_shape, lay):
    if lay.sample_axis == 0 and X_shape[0] == Y_shape[0]:
        return X_shape[0], X_shape[1], Y_shape[1]
    if lay.sample_axis == 1 and X_shape[1] == Y_shape[1]:
        return X_shape[1], X_shape[0], Y_shape[0]
    return None, None, None


def _assign(shapes, lay, n, d, t, *, bias: bool, folded: bool) -> Roles | None:
    extra = 1 if folded else 0
    matrices = [i for i, s in enumerate(shapes) if len(s) == 2]

    def in_out(i):
        s = shapes[i]
        return (s[0], s[1]) if lay.weight_is_in_out else (s[1], s[0])

    def search(current, used, chain):
        if current == t and chain:
            roles = _with_biases(chain, used)
            if roles is not None:
                return roles
        for i in matrices:
            if i in used:
                continue
            size_in, size_out = in_out(i)
            if size_in == current + extra:
                result = search(size_out, used | {i}, chain + [i])
                if result is not None:
                    return result
        return None

    def _with_biases(chain, used):
        sizes = [d] + [in_out(i)[1] for i in chain]
        biases = []
        taken = set(used)
        if bias:
            for k in range(1, len(sizes)):
                match = next((i for i, s in enumerate(shapes) if i not in taken and _is_bias(s, sizes[k])), None)
                if match is None:
                    return None
                biases.append(match)
                taken.add(match)
        if len(taken) != len(shapes):          # every learner array must have a role
            return None
        return Roles(lay.name, tuple(sizes), n, tuple(chain), tuple(biases), folded)

    return search(d, frozenset(), [])


def _is_bias(shape, size) -> bool:
    return tuple(shape) in ((size,), (1, size), (size, 1))
