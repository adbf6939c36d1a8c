"""Shared helpers for validating and describing arrays, defined once in :mod:`reference_nets.checks`.

shapecheck depends on reference_nets (never the other way), so the helpers live there and are
re-exported here under the names shapecheck's modules import.
"""

from reference_nets.checks import as_float_array, check_finite, choose, describe, format_shape

__all__ = ["as_float_array", "check_finite", "choose", "describe", "format_shape"]


_SIGNATURES: dict = {}
_BINDS_ONE: dict = {}


def signature_of(fn):
    """``inspect.signature(fn)``, remembered per code object (reading one costs ~30 us, and a check reads
    the same functions' again and again). Raises as inspect does for a callable without one. (inspect is
    imported only where it is read: even a found module's import statement costs ~1 us of a full check's cold
    start.)"""
    function = getattr(fn, "__func__", fn)
    code = getattr(function, "__code__", None)
    if code is None:
        import inspect

        return inspect.signature(fn)
    key = (code, type(fn) is not type(function), len(getattr(function, "__defaults__", None) or ()),
           tuple(sorted(getattr(function, "__kwdefaults__", None) or ())))
    found = _SIGNATURES.get(key)
    if found is None:
        import inspect

        if len(_SIGNATURES) > 512:
            _SIGNATURES.clear()
        found = _SIGNATURES[key] = inspect.signature(fn)
    return found


def binds_one_argument(signature) -> None:
    """``signature.bind(None)`` (raises TypeError when a call with one argument would), remembered when it
    succeeds: bind is ~5 us of pure Python, and :func:`signature_of` hands out the same object each time."""
    if _BINDS_ONE.get(id(signature)) is signature:      # (the signature kept with its id: no reused id)
        return
    signature.bind(None)
    if len(_BINDS_ONE) > 512:
        _BINDS_ONE.clear()
    _BINDS_ONE[id(signature)] = signature


def is_number(value) -> bool:
    """A real Python or numpy number, not a bool: a float parameter (``self.w1``), a learning rate."""
    import numbers

    import numpy as np

    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
