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
from shapecheck.comparison.api import compare
from shapecheck.comparison.report import ComparisonReport, Diagnosis
from shapecheck.sweep import SweepReport
from shapecheck.tracing.excepthook import explain_errors
from shapecheck.tracing.report import TraceReport
from shapecheck.tracing.runner import trace, trace_script

__version__ = "0.1.0"

__all__ = [
    "ShapecheckError", "ShapeError", "DTypeError", "NonFiniteError", "ParameterError", "ConfigurationError",
    "LossFunctionError", "check_gradients", "assert_gradients_close", "batched_loss", "GradientReport",
    "GradientRow", "SweepReport", "PrecisionWarning", "ComplexStepWarning",
    "trace", "trace_script", "TraceReport", "explain_errors", "load_ipython_extension",
    "compare", "ComparisonReport", "Diagnosis",
]


def load_ipython_extension(ipython):
    """``%load_ext shapecheck``: the ``%%shapecheck`` cell magic and ``%shapecheck on|off``."""
    from shapecheck.tracing.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    from shapecheck.tracing.jupyter import unload_ipython_extension as unload

    unload(ipython)
