"""Which learner array is which: every reading of the arrays as a network that fits their shapes.

From X and Y come the number of samples n, the input size d and the output size t, and where the
samples are (rows when X and Y share their first size, columns when they share their second; integer
class labels ``(n,)`` leave t to the last weight). The weight matrices must form a chain d -> h1 -> ...
-> t: ``(in, out)`` matrices for the rows and columns-wT layouts, ``(out, in)`` for columns. Then each
layer has a bias ``(s,)``, ``(1, s)`` or ``(s, 1)``, or none (``wih``/``who``), or a bias folded into the
weights (one extra input row or column per layer). Any other array must be a cache of the forward pass
(it holds the n samples: ``self.a1``, ``self.X``, a layer's ``self.input``), never a parameter.

Several readings can fit (a square W1 reads as ``W @ X`` and as ``W.T @ X``); the comparison runs under
each and keeps the one that explains the learner's gradients (see ``api``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reference_nets.layouts import LAYOUTS, get_layout
from shapecheck._arrays import format_shape
from shapecheck.errors import ShapeError

#: At most this many readings are compared (the search stops there).
MAX_READINGS = 12
#: At most this many weight chains are tried per layout and bias mode (square arrays everywhere).
MAX_CHAINS = 200


@dataclass(frozen=True)
class Reading:
    """One reading: layout, layer sizes, and for each reference parameter the learner's array index."""

    layout: str
    sizes: tuple
    n: int
    weights: tuple              # learner index of W1, W2, ...
    biases: tuple               # learner index of b1, b2, ... (empty without bias)
    folded: str | None = None   # "first" / "last": the bias is a row/column of each W
    caches: tuple = ()          # learner arrays that hold samples (the forward pass's), not parameters
    transposed_data: str = ""   # "X", "Y" or "X and Y" when the data had to be transposed to fit

    @property
    def parameters(self) -> tuple:
        return self.weights + self.biases

    @property
    def bias(self) -> bool:
        return bool(self.biases) or self.folded is not None

    def describe(self) -> str:
        how = {None: "", "first": ", bias folded in as the first row/column of each W",
               "last": ", bias folded in as the last row/column of each W"}[self.folded]
        if not self.bias:
            how = ", no biases"
        return f"layout {self.layout!r}, sizes {list(self.sizes)}{how}"


@dataclass(frozen=True)
class Data:
    """X and Y as the reading needs them: 2-d, samples on the layout's axis, one-hot targets for labels."""

    X: np.ndarray
    Y: np.ndarray


def readings(X, Y, shapes: list, names: list, *, bias: bool | None, layout: str | None) -> list[Reading]:
    """Every reading of the arrays that fits, most plausible first; a ShapeError that lists the arrays
    when none does."""
    X, Y = np.asarray(X), np.asarray(Y)
    found = []
    for x_t, y_t in ((False, False), (True, False), (False, True), (True, True)):
        x_shape = X.shape[::-1] if x_t else X.shape
        y_shape = Y.shape[::-1] if y_t else Y.shape
        if (x_t and X.ndim != 2) or (y_t and Y.ndim != 2):
            continue
        note = " and ".join(name for name, flag in (("X", x_t), ("Y", y_t)) if flag)
        for name in ([layout] if layout else list(LAYOUTS)):
            found += _readings_for(x_shape, y_shape, Y, shapes, names, get_layout(name), bias, note)
        if found:
            break
    unique = list(dict.fromkeys(found))
    if unique:
        return sorted(unique, key=lambda r: _plausibility(r, names))[:MAX_READINGS]
    raise ShapeError(_no_reading_message(X.shape, Y.shape, shapes, names, bias), name="params",
                     expected="a chain of weight matrices", got=_listing(shapes, names))


def data_for(reading: Reading, X, Y) -> Data:
    """X and Y in the reading's orientation; integer labels one-hot along the layout's feature axis."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y)
    if "X" in reading.transposed_data.split(" and "):
        X = X.T
    if "Y" in reading.transposed_data.split(" and "):
        Y = Y.T
    lay = get_layout(reading.layout)
    t = reading.sizes[-1]
    if _is_labels(Y, reading.n, t):
        labels = Y.reshape(-1).astype(int)
        one_hot = np.zeros((reading.n, t))
        one_hot[np.arange(reading.n), labels] = 1.0
        return Data(X, one_hot if lay.sample_axis == 0 else one_hot.T)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1) if lay.sample_axis == 0 else Y.reshape(1, -1)
    return Data(X, np.asarray(Y, dtype=float))


def _readings_for(x_shape, y_shape, Y, shapes, names, lay, bias, note) -> list[Reading]:
    if len(x_shape) != 2:
        return []
    n, d = (x_shape[0], x_shape[1]) if lay.sample_axis == 0 else (x_shape[1], x_shape[0])
    t = _outputs(y_shape, Y, n, lay)
    if t is None:
        return []
    modes = [(True, None), (False, None), (False, "last"), (False, "first")]
    if bias is True:
        modes = [(True, None), (False, "last"), (False, "first")]
    elif bias is False:
        modes = [(False, None)]
    elif bias == "first":                # the course exercise's Theta: the bias is the first column, always
        modes = [(False, "first")]
    found = []
    for separate, folded in modes:
        tried = 0
        for chain in _chains(shapes, names, lay, d, t, extra=1 if folded else 0):
            reading = _complete(chain, shapes, lay, n, d, separate, folded, note)
            if reading is not None:
                found.append(reading)
            tried += 1
            if tried >= MAX_CHAINS:     # equal sizes everywhere: the arrays named as weights were tried first
                break
    return found


def _outputs(y_shape, Y, n, lay) -> int | None:
    """t from Y: its feature size; "any" (0) for integer labels whose t comes from the weights (1 too for
    0/1 labels: one sigmoid output); 1 for a 1-d target of real numbers (one output per sample)."""
    if len(y_shape) == 1:
        return None if y_shape[0] != n else 0 if _integral(Y) else 1
    if y_shape[lay.sample_axis] != n:
        return None
    t = y_shape[lay.feature_axis]
    return 0 if t == 1 and _integral(Y) and np.asarray(Y).max(initial=0) > 1 else t


def _integral(Y) -> bool:
    Y = np.asarray(Y)
    return Y.size > 0 and Y.dtype.kind in "iub" or (Y.dtype.kind == "f" and np.all(Y == np.round(Y)) and Y.min() >= 0)


def _is_labels(Y, n, t) -> bool:
    Y = np.asarray(Y)
    if t < 2 or Y.size != n or not _integral(Y):
        return False
    return Y.ndim == 1 or (Y.ndim == 2 and 1 in Y.shape and (Y.max() > 1 or t > 2))


def _chains(shapes, names, lay, d, t, *, extra):
    """Sequences of distinct 2-d arrays forming d -> ... -> t (t = 0: labels, any output size), those made of
    arrays named as weights first. For one output (t = 1, or 0/1 labels) the last may be a 1-d ``(h,)`` vector
    not named as a bias, as in ``np.dot(hidden_output, weights_hidden_output)`` (not with a folded bias)."""
    matrices = sorted((i for i, s in enumerate(shapes) if len(s) == 2),
                      key=lambda i: (not _named_as_weight(names[i]), named_as_state(names[i]), i))
    vectors = [i for i, s in enumerate(shapes) if len(s) == 1 and not _named_as_bias(names[i])
               and not named_as_state(names[i])] if t in (0, 1) and not extra else []

    def in_out(i):
        return _weight_in_out(shapes[i], lay)

    def search(current, used, chain):
        if chain and (current == t or t == 0):
            yield list(chain)
        if len(chain) >= 8:
            return
        for i in matrices:
            if i not in used and in_out(i)[0] == current + extra:
                yield from search(in_out(i)[1], used | {i}, chain + [i])
        for i in vectors:
            if chain and i not in used and shapes[i][0] == current:
                yield chain + [i]

    yield from search(d, frozenset(), [])


def _weight_in_out(shape, lay) -> tuple:
    """(inputs, outputs) of a weight array in layout ``lay``; a 1-d ``(h,)`` weight is one output's."""
    if len(shape) == 1:
        return shape[0], 1
    return (shape[0], shape[1]) if lay.weight_is_in_out else (shape[1], shape[0])


def _complete(chain, shapes, lay, n, d, separate, folded, note) -> Reading | None:
    """The reading with this chain: biases found, every other array a cache of samples."""
    in_out = [_weight_in_out(shapes[i], lay) for i in chain]
    sizes = (d,) + tuple(size_out for _, size_out in in_out)
    taken, biases = set(chain), []
    if separate:
        for size in sizes[1:]:
            match = next((i for i, s in enumerate(shapes) if i not in taken and tuple(s) in
                          ((size,), (1, size), (size, 1))), None)
            if match is None:
                return None
            biases.append(match)
            taken.add(match)
    caches = tuple(i for i in range(len(shapes)) if i not in taken)
    parameter_shapes = {tuple(shapes[i]) for i in taken}
    if not all(_holds_samples(shapes[i], n, lay) or tuple(shapes[i]) in parameter_shapes for i in caches):
        return None      # (an array shaped like a parameter is a kept gradient or an optimiser's state)
    return Reading(lay.name, sizes, n, tuple(chain), tuple(biases), folded, caches, note)


def _holds_samples(shape, n, lay) -> bool:
    """A cache of the forward pass: its samples axis has the n samples (or it is a vector of n)."""
    if len(shape) == 1:
        return shape[0] == n
    return shape[lay.sample_axis] == n


def _plausibility(reading: Reading, names):
    """The data as given before transposed; roles that agree with the learner's names (``b1`` is no weight,
    ``dW1`` or ``vW1`` no parameter); fewer arrays read as caches; separate biases, then none, then folded."""
    mode = 0 if reading.biases else 1 if reading.folded is None else 2 if reading.folded == "last" else 3
    return (bool(reading.transposed_data), _name_conflicts(reading, names), len(reading.caches), mode,
            list(LAYOUTS).index(reading.layout))


def _name_conflicts(reading: Reading, names) -> int:
    """How many arrays have a role their name speaks against."""
    conflicts = sum(_named_as_bias(names[i]) or named_as_state(names[i]) for i in reading.weights)
    conflicts += sum(_named_as_weight(names[i]) or named_as_state(names[i]) for i in reading.biases)
    conflicts += sum(_named_as_weight(names[i]) or _named_as_bias(names[i]) for i in reading.caches
                     if not named_as_state(names[i]))
    return conflicts


def _last(name: str) -> str:
    return name.split(".")[-1].split("[")[0].strip("_")


def _named_as_bias(name) -> bool:
    return re.fullmatch(r"(b|bias|biases|biasses|intercept)[\d_]*\w{0,3}", _last(name), re.IGNORECASE) is not None


def _named_as_weight(name) -> bool:
    return re.fullmatch(r"(w|weights?|theta|syn|kernel)[\d_]*\w{0,4}", _last(name), re.IGNORECASE) is not None


def optimiser_state(reading: Reading, names) -> list[int]:
    """The arrays of this reading that are neither parameters nor caches of samples but named as an
    optimiser's memory (``vW1``, ``velocity``, ``m_b``): a step with momentum adds them to its update."""
    return [i for i in reading.caches if named_as_state(names[i]) and not re.match(r"(d|grad|nabla)", _last(names[i]))]


def named_as_state(name) -> bool:
    """A gradient kept on the object or an optimiser's state: ``dW1``, ``dweights``, ``vW1``, ``m_b``."""
    last = _last(name)
    return re.match(r"(d[A-Z]|d_|dw|db|grad|nabla|[vms][A-Z_]|[vms][wb]\d|velocity|momentum|cache|adam)", last) \
        is not None \
        or last.lower().startswith(("dweights", "dbiases"))


def _listing(shapes, names) -> str:
    return ", ".join(f"{name} {format_shape(shape)}" for name, shape in zip(names, shapes))


def _no_reading_message(x_shape, y_shape, shapes, names, bias) -> str:
    listing = _listing(shapes, names)
    if len(y_shape) == 1:
        return (f"no network fits X {format_shape(x_shape)}, Y {format_shape(y_shape)} and {listing}: Y is 1-d: give "
                "it in your network's own layout, Y.reshape(-1, 1) (samples as rows) or Y.reshape(1, -1) (samples "
                "as columns) for one output, one-hot (n, t) or (t, n) or integer labels for classes")
    if len(x_shape) == 2 and len(y_shape) >= 1:
        pairs = {(x_shape[0], "rows"), (x_shape[1], "columns")}
        ys = set(y_shape)
        if not any(size in ys for size, _ in pairs):
            return (f"X {format_shape(x_shape)} and Y {format_shape(y_shape)} share no size, so they cannot hold the "
                    f"same samples (X's samples are {x_shape[0]} rows or {x_shape[1]} columns; Y has "
                    f"{' and '.join(map(str, y_shape))}): check that X and Y are the same batch; found {listing}")
    return (f"cannot match the arrays to a network for X {format_shape(x_shape)} and Y {format_shape(y_shape)}: "
            f"found {listing}. Expected weight matrices forming a chain d -> h -> ... -> t ((in, out) for samples "
            f"as rows or W.T @ X, (out, in) for W @ X), with one bias per layer, no biases, or the bias folded in "
            f"as an extra row/column of each W" + ("" if bias is not False else " (bias=False: no biases)")
            + "; any other array must hold the samples (a cache of the forward pass)")

