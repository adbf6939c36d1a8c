"""Parameter sets: their names and shapes, validation of a learner's arrays, and conversions.

A parameter set is a dict ``{"W1": ..., "b1": ..., "W2": ..., "b2": ...}`` in layer order (no
``b`` keys when ``bias=False``). Layer k maps width ``sizes[k-1]`` to ``sizes[k]``; the shapes
depend on the layout (see :mod:`reference_nets.layouts`).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from reference_nets.checks import as_float_array, format_shape
from reference_nets.layouts import LAYOUTS, Layout, get_layout, size_symbols
from reference_nets.errors import ConfigurationError, ParameterError, ShapeError


def validate_layer_sizes(layer_sizes) -> tuple[int, ...]:
    """``layer_sizes`` as a tuple of positive ints ``(d, h1, ..., t)``, at least input and output."""
    try:
        sizes = tuple(layer_sizes)
    except TypeError:
        sizes = None
    if (
        sizes is None
        or len(sizes) < 2
        or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes)
    ):
        raise ConfigurationError(
            f"layer_sizes must be a list of at least two positive ints like [d, h, t], got {layer_sizes!r}",
            name="layer_sizes", expected="[d, h, ..., t]", got=repr(layer_sizes),
        )
    return tuple(int(s) for s in sizes)


def refuse_beyond_memory(layer_sizes) -> None:
    """A network whose float64 parameters would need more than half this machine's memory is refused before
    anything is allocated (``MLP([10**6, 10**6, 1])`` would ask for 8 TB)."""
    sizes = validate_layer_sizes(layer_sizes)
    _refuse_over_half_memory(8 * sum(a * b + b for a, b in zip(sizes, sizes[1:])),
                             f"layer_sizes {list(sizes)} need", "for their float64 parameters", "use smaller layers",
                             name="layer_sizes", what="parameters", got=list(sizes))


def refuse_batch_beyond_memory(layer_sizes, n: int) -> None:
    """A batch of ``n`` samples whose float64 data ``X (n, d)``, ``Y (n, t)`` and one forward pass (each layer's
    pre-activation and activation) would need more than half this machine's memory is refused before anything
    is allocated."""
    sizes = validate_layer_sizes(layer_sizes)
    _refuse_over_half_memory(8 * n * (sizes[0] + sizes[-1] + 2 * sum(sizes[1:])),
                             f"a batch of n={n} samples for layer_sizes {list(sizes)} needs",
                             "of float64 for X, Y and one forward pass", "use fewer samples", name="n",
                             what="a batch", got=n)


def _refuse_over_half_memory(needed: int, subject: str, purpose: str, fix: str, *, name: str, what: str,
                             got) -> None:
    """ConfigurationError when ``needed`` bytes are more than half this machine's memory: "<subject> <GiB> GiB
    <purpose>, more than half of this machine's memory (...): <fix>"."""
    allowed = machine_memory() // 2
    if needed > allowed:
        raise ConfigurationError(f"{subject} {_gib(needed)} GiB {purpose}, more than half of this machine's memory "
                                 f"({2 * allowed / 2**30:,.1f} GiB): {fix}", name=name,
                                 expected=f"{what} within {allowed / 2**30:,.1f} GiB", got=got)


def _gib(count: int) -> str:
    return f"{count / 2**30:,.1f}" if count < 2**50 else f"{count / 2**30:.1e}"


def machine_memory() -> int:
    """Bytes of physical memory (1 TiB when the system does not say)."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 2**40


def param_shapes(layer_sizes, layout="rows", *, bias: bool = True) -> dict[str, tuple[int, int]]:
    """Every parameter's shape, e.g. rows ``[2, 4, 1]``: W1 (2, 4), b1 (1, 4), W2 (4, 1), b2 (1, 1)."""
    sizes = validate_layer_sizes(layer_sizes)
    layout = get_layout(layout)
    shapes = {}
    for k in range(1, len(sizes)):
        shapes[f"W{k}"] = layout.weight_shape(sizes[k - 1], sizes[k])
        if bias:
            shapes[f"b{k}"] = layout.bias_shape(sizes[k])
    return shapes


def param_symbols(layer_sizes, layout="rows", *, bias: bool = True) -> dict[str, tuple[str, str]]:
    """The same as :func:`param_shapes` with symbols, e.g. ``W1 -> ("d", "h")``."""
    sizes = validate_layer_sizes(layer_sizes)
    layout = get_layout(layout)
    symbols = size_symbols(sizes)
    shapes = {}
    for k in range(1, len(sizes)):
        shapes[f"W{k}"] = layout.weight_shape(symbols[k - 1], symbols[k])
        if bias:
            shapes[f"b{k}"] = layout.bias_shape(symbols[k])
    return shapes


def validate_params(params, layer_sizes, layout="rows", *, bias: bool = True) -> dict[str, np.ndarray]:
    """The learner's ``params`` checked and copied to float64, keyed ``W1, b1, ...``.

    ``params`` is a dict with exactly those keys, or a list/tuple in that order. Every error names the
    parameter, the shape it has, and the shape (with symbols) it should have, with a hint when the
    array is transposed or a 1-d bias.
    """
    sizes = validate_layer_sizes(layer_sizes)
    layout = get_layout(layout)
    expected = param_shapes(sizes, layout, bias=bias)
    symbols = param_symbols(sizes, layout, bias=bias)
    named = _as_named(params, list(expected))
    checked = {}
    for name, shape in expected.items():
        array = as_float_array(name, named[name], allow_int=False, ndim=None)
        if array.shape != shape:
            raise ShapeError(
                _shape_message(name, array.shape, shape, symbols[name], layout, sizes),
                name=name, expected=shape, got=array.shape,
            )
        checked[name] = array
    return checked


def _as_named(params, names: list[str]) -> Mapping:
    if isinstance(params, Mapping):
        missing = [n for n in names if n not in params]
        extra = [str(k) for k in params if k not in names]
        if missing or extra:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            if extra:
                problems.append(f"unexpected {', '.join(extra)}")
            raise ParameterError(
                f"parameters must have the keys {', '.join(names)}; {'; '.join(problems)}",
                name="params", expected=names, got=[str(k) for k in params],
            )
        return params
    if isinstance(params, (list, tuple)):
        if len(params) != len(names):
            raise ParameterError(
                f"expected {len(names)} arrays in the order {', '.join(names)}, got {len(params)}",
                name="params", expected=len(names), got=len(params),
            )
        return dict(zip(names, params))
    raise ParameterError(
        f"parameters must be a dict {{'W1': ..., 'b1': ...}} or a list [W1, b1, ...], got {type(params).__name__}",
        name="params", expected="dict or list of arrays", got=type(params).__name__,
    )


def _shape_message(name, got, shape, symbols, layout: Layout, sizes) -> str:
    message = (
        f"{name} has shape {format_shape(got)}, but layout {layout.name!r} with layer_sizes "
        f"{list(sizes)} expects {format_shape(shape)} = ({', '.join(map(str, symbols))})"
    )
    if len(got) == 2 and got == shape[::-1]:
        other = [n for n in LAYOUTS if n != layout.name
                 and param_shapes(sizes, n)[name] == got]
        hint = f"; it is transposed: use {name}.T"
        if other:
            hint += f" (that is the {other[0]!r} layout's shape)"
        return message + hint
    if len(got) == 1 and name.startswith("b") and got[0] == max(shape):
        return message + f"; it is a 1-d vector: use {name}.reshape{shape}"
    return message


def _checked_mapping(params, what: str) -> dict[str, np.ndarray]:
    """``params`` as a dict of float arrays (W's 2-d), or a clear error."""
    if not isinstance(params, Mapping):
        raise ParameterError(f"{what} needs a dict {{'W1': ..., 'b1': ...}}, got {type(params).__name__}",
                             name="params", expected="dict of arrays", got=type(params).__name__)
    checked = {}
    for name, value in params.items():
        array = as_float_array(str(name), value, allow_int=False, ndim=None)
        if str(name).startswith("W") and array.ndim != 2:
            raise ShapeError(f"{name} must be a 2-d weight matrix, got shape {format_shape(array.shape)}",
                             name=str(name), expected="2-d", got=array.shape)
        checked[str(name)] = array
    return checked


def convert_params(params: Mapping, from_layout, to_layout) -> dict[str, np.ndarray]:
    """The same network's parameters in another layout (new arrays; W transposed where needed)."""
    source, target = get_layout(from_layout), get_layout(to_layout)
    params = _checked_mapping(params, "convert_params")
    converted = {}
    for name, value in params.items():
        if name.startswith("W"):
            converted[name] = target.weight_from_in_out(source.weight_as_in_out(value)).copy()
        else:
            converted[name] = value.reshape(target.bias_shape(value.size)).copy()
    return converted


POSITIONS = ("first", "last")


def fold_bias(params: Mapping, layout="rows", *, position: str = "last") -> dict[str, np.ndarray]:
    """Fold each bias into its weight matrix, as courses that append a ones column teach.

    Returns ``{"W1": ..., "W2": ...}`` with one extra input row (rows, columns-wT: ``(d_in+1, d_out)``)
    or column (columns: ``(d_out, d_in+1)``) holding the bias, ``position`` "first" or "last". Use it
    with :func:`add_ones` applied to each layer's input.
    """
    layout = get_layout(layout)
    _check_position(position)
    params = _checked_mapping(params, "fold_bias")
    folded = {}
    for name in params:
        if not name.startswith("W"):
            continue
        k = name[1:]
        if f"b{k}" not in params:
            raise ParameterError(f"fold_bias needs b{k} beside {name}; got {', '.join(params)}", name=f"b{k}",
                                 expected=f"b{k}", got=list(params))
        W = layout.weight_as_in_out(params[name])        # (d_in, d_out)
        b = params[f"b{k}"].reshape(1, -1)               # (1, d_out)
        stacked = np.vstack([b, W] if position == "first" else [W, b])
        folded[name] = layout.weight_from_in_out(stacked).copy()
    return folded


def unfold_bias(folded: Mapping, layout="rows", *, position: str = "last") -> dict[str, np.ndarray]:
    """The inverse of :func:`fold_bias`: ``{"W1", "b1", ...}`` in ``layout``'s shapes."""
    layout = get_layout(layout)
    _check_position(position)
    folded = _checked_mapping(folded, "unfold_bias")
    params = {}
    for name, value in folded.items():
        stacked = layout.weight_as_in_out(value)          # (d_in + 1, d_out)
        bias_row = stacked[:1] if position == "first" else stacked[-1:]
        weights = stacked[1:] if position == "first" else stacked[:-1]
        k = name[1:]
        params[f"W{k}"] = layout.weight_from_in_out(weights).copy()
        params[f"b{k}"] = bias_row.reshape(layout.bias_shape(bias_row.size)).copy()
    return params


def add_ones(data: np.ndarray, layout="rows", *, position: str = "last") -> np.ndarray:
    """``data`` with a feature of ones added: a column for rows ``(n, d+1)``, a row for columns ``(d+1, n)``."""
    layout = get_layout(layout)
    _check_position(position)
    data = as_float_array("data", data, allow_int=True)
    ones = np.ones(layout.data_shape(data.shape[layout.sample_axis], 1))
    parts = [ones, data] if position == "first" else [data, ones]
    return np.concatenate(parts, axis=layout.feature_axis)


def _check_position(position):
    if position not in POSITIONS:
        raise ConfigurationError(
            f"position must be 'first' or 'last', got {position!r}",
            name="position", expected=list(POSITIONS), got=position,
        )
