"""Input checks and shape text shared by every module: one place for them (shapecheck uses them too).

Each check raises a :mod:`reference_nets.errors` class whose message names the argument and shows the
offending value, e.g. ``unknown layout 'row'; choose one of: rows, columns, columns-wT``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from reference_nets.errors import ConfigurationError, DTypeError, NonFiniteError, ShapeError


def format_shape(shape: Sequence[int]) -> str:
    """``(4, 3)`` for a 2-d shape and ``(4,)`` for a 1-d one, as numpy prints them."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def describe(value) -> str:
    """A short description of any value: shape and dtype for arrays, the type otherwise."""
    if isinstance(value, np.ndarray):
        return f"array of shape {format_shape(value.shape)} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def as_float_array(name: str, value, *, allow_int: bool, ndim: int | None = 2) -> np.ndarray:
    """``value`` as a float64 array, or an error (DTypeError, ShapeError, NonFiniteError) that names ``name`` and shows ``value``.

    Integer and boolean arrays are converted when ``allow_int`` is true (data such as an XOR truth
    table written as ``np.array([[0, 1], ...])``) and refused otherwise (parameters, where an
    in-place update ``W -= lr * dW`` would fail or truncate).
    """
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise DTypeError(
            f"{name} must be a numeric array, got {describe(value)}", name=name,
            expected="numeric array", got=type(value).__name__,
        )
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise DTypeError(
            f"{name} could not be read as an array ({exc}); got {describe(value)}", name=name,
            expected="numeric array", got=type(value).__name__,
        ) from None
    kind = array.dtype.kind
    if kind in "iub":
        if not allow_int:
            raise DTypeError(
                f"{name} has integer dtype {array.dtype}; parameters must be floating point "
                f"(an in-place update such as `{name} -= lr * d{name}` would fail or truncate). "
                f"Use {name}.astype(float).",
                name=name, expected="float64", got=str(array.dtype),
            )
    elif kind != "f":
        raise DTypeError(
            f"{name} must hold real numbers, got {describe(value)}", name=name,
            expected="float64", got=str(array.dtype),
        )
    if ndim is not None and array.ndim != ndim:
        raise ShapeError(
            f"{name} must be {ndim}-dimensional, got shape {format_shape(array.shape)}",
            name=name, expected=f"{ndim}-d", got=array.shape,
        )
    array = array.astype(np.float64, copy=True)
    check_finite(name, array)
    return array


def check_finite(name: str, array: np.ndarray, *, why: str = "") -> None:
    """Raise NonFiniteError naming the first NaN or infinite entry of ``array`` (``why``: added to the message,
    what needs it finite)."""
    finite = np.isfinite(array)
    if finite.all():
        return
    index = tuple(int(i) for i in np.argwhere(~finite)[0])
    bad = array[index]
    count = int((~finite).sum())
    raise NonFiniteError(
        f"{name} contains {count} non-finite value(s); the first is {bad} at index {index}{why}",
        name=name, expected="finite values", got=float(bad),
    )


def choose(kind: str, name, choices: Sequence[str]) -> str:
    """Validate that ``name`` is one of ``choices`` (e.g. an activation name)."""
    if not isinstance(name, str) or name not in choices:
        raise ConfigurationError(
            f"unknown {kind} {name!r}; choose one of: {', '.join(choices)}",
            name=kind, expected=list(choices), got=name,
        )
    return name


def positive(name: str, value, kind, *, error=ConfigurationError):
    """``value`` as a positive, finite ``kind`` (int or float), or an ``error`` (a ConfigurationError unless
    said otherwise) showing it."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if kind is int:
        ok = ok and float(value).is_integer()
    if not ok or not value > 0 or not np.isfinite(float(value)):
        what = "positive, finite float" if kind is float else f"positive {kind.__name__}"
        raise error(f"{name} must be a {what}, got {value!r}", name=name, expected=f"positive {kind.__name__}",
                    got=repr(value))
    return kind(value)
