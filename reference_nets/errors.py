"""The errors reference_nets raises on bad input: one base class, each subclass carrying its facts.

Every message shows the offending value and what was expected. Programs can catch
:class:`ReferenceNetsError` and read ``.name`` (what was wrong: a parameter key, an argument name),
``.expected`` and ``.got``; ``to_dict()`` gives the same facts as plain data for JSON.

shapecheck re-exports these classes (``shapecheck.ShapeError is reference_nets.errors.ShapeError``) and
calls the base class ``shapecheck.ShapecheckError``, so one ``except`` catches both packages' errors.
"""

from __future__ import annotations

import json


class ReferenceNetsError(Exception):
    """Base class of every error raised on bad input (``shapecheck.ShapecheckError`` is this class).

    ``name`` is the thing that was wrong, ``expected`` what was wanted and ``got`` what was given; any
    of them may be None when it does not apply.
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


class ShapeError(ReferenceNetsError, ValueError):
    """An array has the wrong shape (``expected`` and ``got`` are shape tuples or descriptions)."""


class DTypeError(ReferenceNetsError, TypeError):
    """An array has a dtype we cannot use (integers for parameters, complex, object, ...)."""


class NonFiniteError(ReferenceNetsError, ValueError):
    """An array holds NaN or infinity where finite numbers are needed."""


class ParameterError(ReferenceNetsError, ValueError):
    """A parameter set is missing keys, has extra keys, or is not made of arrays."""


class ConfigurationError(ReferenceNetsError, ValueError):
    """An unknown name (activation, loss, layout, ...) or an invalid combination of options."""


def _plain(value):
    """``value`` JSON-ready for ``to_dict``: tuples (shapes) become lists at every depth, other objects
    their repr."""
    if isinstance(value, (list, str, int, float, bool)) or value is None:
        return value
    if isinstance(value, tuple):
        return json.loads(json.dumps(value, default=repr))
    return repr(value)
