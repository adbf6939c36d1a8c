"""The errors shapecheck raises: reference_nets' error classes, under shapecheck's names.

Every message shows the offending value and what was expected, so a learner can act on it without
reading our code. Programs can catch :class:`ShapecheckError` and read ``.name``, ``.expected`` and
``.got``.

The classes are defined once, in :mod:`reference_nets.errors` (reference_nets stands alone and cannot
import shapecheck), and re-exported here: ``shapecheck.ShapeError is reference_nets.errors.ShapeError``.
``ShapecheckError`` is another name for ``reference_nets.errors.ReferenceNetsError``, so
``except shapecheck.ShapecheckError`` catches every bad input of either package. Errors only shapecheck
raises (``LossFunctionError``, ``NetworkError``, ...) subclass these.
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

#: Base class of every error shapecheck and reference_nets raise on bad input (the same class object as
#: ``reference_nets.errors.ReferenceNetsError``).
ShapecheckError = ReferenceNetsError

__all__ = ["ShapecheckError", "ShapeError", "DTypeError", "NonFiniteError", "ParameterError", "ConfigurationError"]
