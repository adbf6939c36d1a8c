"""The errors shapecheck raises: reference_nets' error classes, under shapecheck's names.

Every message shows the offending value and what was expected, so a learner can act on it without
reading our code. Programs can catch :class:`ShapecheckError` and read ``.name``, ``.expected`` and
``.got``.

The classes are defined once, in :mod:`reference_nets.errors` (reference_nets stands alone and cannot
import shapecheck), and re-exported here: ``shapecheck.ShapeError is reference_nets.errors.ShapeError``.
``ShapecheckError`` is another name for ``reference_nets.errors.ReferenceNetsError``, so
``except shapecheck.ShapecheckError`` catches every bad input of either package. Errors only shapecheck
raises subclass these: the few defined here, and those that belong to one part (``LossFunctionError``,
``NetworkError``, ``LearnerCodeError``, ...) beside the code that raises them.
"""

from __future__ import annotations

from reference_nets.errors import (
    ConfigurationError,
    DTypeError,
    NonFiniteError,
    ParameterError,
    ReferenceNetsError,
    ShapeError,
)

__all__ = ["ConfigurationError", "DTypeError", "NonFiniteError", "ParameterError", "ShapeError", "ShapecheckError",
           "InvalidArgumentError", "UntraceableError", "MissingDependencyError"]

#: Base class of every error shapecheck and reference_nets raise on bad input (the same class object as
#: ``reference_nets.errors.ReferenceNetsError``).
ShapecheckError = ReferenceNetsError


def interrupted(what: str) -> KeyboardInterrupt:
    """What to raise ``from None`` when Ctrl-C reached ``what``, once every array it had moved is restored:
    a plain KeyboardInterrupt (a subclass would not end an uncaught script with exit code 130), whose
    message says so, without the internal frames it passed through."""
    return KeyboardInterrupt(f"{what} interrupted; parameters restored")


class InvalidArgumentError(ShapecheckError, TypeError):
    """An argument is not the kind of value the function takes: not a file path, not a list of strings, or
    command-line words that do not fit the signature of the function they are for."""


class UntraceableError(ShapecheckError, TypeError):
    """``trace()`` cannot instrument this callable: not a function written with ``def`` (a builtin, a
    lambda), a generator or coroutine function, or a function whose source cannot be read."""


class MissingDependencyError(ShapecheckError, ImportError):
    """An optional package that one feature needs (matplotlib to plot) is not installed."""


__all__ = ["ShapecheckError", "ShapeError", "DTypeError", "NonFiniteError", "ParameterError", "ConfigurationError",
           "InvalidArgumentError", "UntraceableError", "MissingDependencyError"]
