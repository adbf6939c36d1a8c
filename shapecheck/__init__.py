"""shapecheck: shape tracing, gradient checking and backprop comparison for hand-written numpy nets.

The public API lives here; the modules behind it are private and may move.
"""

from shapecheck.errors import (
    ConfigurationError,
    DTypeError,
    NonFiniteError,
    ParameterError,
    ShapecheckError,
    ShapeError,
)
from shapecheck.gradcheck import (
    ComplexStepWarning,
    GradientReport,
    GradientRow,
    LossFunctionError,
    PrecisionWarning,
    assert_gradients_close,
    batched_loss,
    check_gradients,
)
from shapecheck.sweep import SweepReport

__version__ = "0.1.0"

__all__ = [
    "ShapecheckError", "ShapeError", "DTypeError", "NonFiniteError", "ParameterError", "ConfigurationError",
    "LossFunctionError", "check_gradients", "assert_gradients_close", "batched_loss", "GradientReport",
    "GradientRow", "SweepReport", "PrecisionWarning", "ComplexStepWarning",
]
