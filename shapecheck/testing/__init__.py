"""The testing integration: assertions for test suites, hypothesis strategies, the pytest plugin.

=============  =====================================================================================
``assertions`` ``assert_gradients_close``, ``assert_matches_reference``, ``assert_no_shape_warnings``:
               failure messages are the tables the command line prints
``strategies`` hypothesis strategies for layer sizes, layouts, networks, batches and parameters
               (``from shapecheck import strategies as sst``)
``plugin``     the pytest plugin (entry point ``pytest11``, name ``shapecheck``): the ``shapecheck`` marker,
               ``--shapecheck-strict``, the ``gradcheck`` and ``reference_mlp`` fixtures
=============  =====================================================================================

    from shapecheck.testing import assert_gradients_close, assert_matches_reference, assert_no_shape_warnings

Nothing is imported until it is used: the plugin is loaded by every pytest run in an environment where
shapecheck is installed, and must cost nothing there.
"""

from importlib import import_module

__all__ = ["assert_gradients_close", "assert_matches_reference", "assert_no_shape_warnings"]


def __getattr__(name):
    if name in __all__:
        value = getattr(import_module("shapecheck.testing.assertions"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'shapecheck.testing' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
