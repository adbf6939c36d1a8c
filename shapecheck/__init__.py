"""shapecheck: shape tracing, gradient checking and backprop comparison for hand-written numpy nets.

The public API lives here; the modules behind it are private and may move. Only the error classes are
imported eagerly: everything else loads on first use, so that the pytest plugin (which imports this
package) costs nothing in test suites that do not use it.
"""

from importlib import import_module

from shapecheck.errors import (
    ConfigurationError,
    DTypeError,
    InvalidArgumentError,
    MissingDependencyError,
    NonFiniteError,
    ParameterError,
    ShapecheckError,
    ShapeError,
    UntraceableError,
)

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY = {
    "check_gradients": "shapecheck.gradcheck", "assert_gradients_close": "shapecheck.gradcheck",
    "check_network": "shapecheck.gradcheck", "NetworkError": "shapecheck.gradcheck",
    "batched_loss": "shapecheck.gradcheck", "GradientReport": "shapecheck.gradcheck",
    "GradientRow": "shapecheck.gradcheck", "LossFunctionError": "shapecheck.gradcheck",
    "PrecisionWarning": "shapecheck.gradcheck", "ComplexStepWarning": "shapecheck.gradcheck",
    "SweepReport": "shapecheck.gradcheck", "SlowCheckWarning": "shapecheck.gradcheck",
    "trace": "shapecheck.tracing.runner", "trace_script": "shapecheck.tracing.runner",
    "trace_notebook": "shapecheck.tracing.notebook",
    "TraceReport": "shapecheck.tracing.report", "explain_errors": "shapecheck.tracing.excepthook",
    "compare": "shapecheck.comparison.api", "ComparisonReport": "shapecheck.comparison.report",
    "Diagnosis": "shapecheck.comparison.report",
    "shape_plan": "shapecheck.pictures.plan_view", "PicturedPlan": "shapecheck.pictures.plan_view",
}

#: public module name -> where it lives (``from shapecheck import strategies as sst``)
_MODULES = {"strategies": "shapecheck.strategies"}


__all__ = [
    "ShapecheckError", "ShapeError", "DTypeError", "NonFiniteError", "ParameterError", "ConfigurationError",
    "InvalidArgumentError", "UntraceableError", "MissingDependencyError",
    *_LAZY, *_MODULES, "load_ipython_extension",
]


def __getattr__(name):
    if name in _MODULES:
        module = import_module(_MODULES[name])
        globals()[name] = module
        return module
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'shapecheck' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


def load_ipython_extension(ipython):
    """``%load_ext shapecheck``: the ``%%shapecheck`` cell magic and ``%shapecheck on|off``."""
    from shapecheck.tracing.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    from shapecheck.tracing.jupyter import unload_ipython_extension as unload

    unload(ipython)
