"""The errors shapecheck raises: one base class, each subclass carrying its facts as attributes.

Every message shows the offending value and what was expected, so a learner can act on it without
reading our code. Programs can catch :class:`ShapecheckError` and read ``.name``, ``.expected`` and
``.got``.
"""

from __future__ import annotations


class ShapecheckError(Exception):
    """Base class of every error shapecheck and reference_nets raise on bad input.

    ``name`` is the thing that was wrong (a parameter key, an argument name), ``expected`` what was
    wanted and ``got`` what was given; any of them may be None when it does not apply.
    """

    def __init__(self, message: str, *, name=None, expected=None, got=None):
        super().__init__(message)
        self.name = name
        self.expected = expected
        self.got = got

    def to_dict(self) -> dict:
        """The error's facts as plain data, for JSON output."""
        return {
            "error": type(self).__name__,
            "message": str(self),
            "name": self.name,
            "expected": _plain(self.expected),
            "got": _plain(self.got),
        }


class ShapeError(ShapecheckError, ValueError):
    """An array has the wrong shape (``expected`` and ``got`` are shape tuples or descriptions)."""


class DTypeError(ShapecheckError, TypeError):
    """An array has a dtype we cannot use (integers for parameters, complex, object, ...)."""


class NonFiniteError(ShapecheckError, ValueError):
    """An array holds NaN or infinity where finite numbers are needed."""


class ParameterError(ShapecheckError, ValueError):
    """A parameter set is missing keys, has extra keys, or is not made of arrays."""


class ConfigurationError(ShapecheckError, ValueError):
    """An unknown name (activation, loss, layout, ...) or an invalid combination of options."""


def _plain(value):
    """Tuples become lists so that ``to_dict`` is JSON-ready."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, (list, str, int, float, bool)) or value is None:
        return value
    return repr(value)
