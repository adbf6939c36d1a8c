"""The finite-difference gradient checker: which tensor and which entry is wrong.

=============  ===================================================================================
``check``      ``check_gradients`` / ``assert_gradients_close``: inputs, defaults, the run
``network``    ``check_network``: a network object's ``gradients(X, Y)`` against its ``loss(X, Y)``
``methods``    the finite-difference formulas (central, forward, Richardson, complex step) and the
               rounding and truncation each estimate carries
``entries``    entry-by-entry checks (full and sample modes), re-measurement of failures, the verdict
               of one tensor and its stated power
``fastmode``   one random direction per tensor, then group testing to find the wrong entries
``targets``    where the loss is evaluated: in place, on float64 or complex copies, batched
``tree``       walking nested dicts and lists of arrays
``report``     ``GradientReport`` and ``GradientRow``
``sweep``      ``GradientReport.sweep()``: one entry's error over a range of step sizes
=============  ===================================================================================
"""

from shapecheck.gradcheck.check import (
    DEFAULTS,
    ComplexStepWarning,
    LossFunctionError,
    PrecisionWarning,
    assert_gradients_close,
    batched_loss,
    check_gradients,
)
from shapecheck.gradcheck.network import NetworkError, check_network
from shapecheck.gradcheck.progress import SlowCheckWarning
from shapecheck.gradcheck.report import GradientReport, GradientRow
from shapecheck.gradcheck.sweep import SweepReport

__all__ = ["check_gradients", "check_network", "assert_gradients_close", "batched_loss", "PrecisionWarning",
           "ComplexStepWarning", "LossFunctionError", "NetworkError", "GradientReport", "GradientRow", "SweepReport",
           "DEFAULTS", "SlowCheckWarning"]
