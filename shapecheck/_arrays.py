"""Shared helpers for validating and describing arrays, defined once in :mod:`reference_nets.checks`.

shapecheck depends on reference_nets (never the other way), so the helpers live there and are
re-exported here under the names shapecheck's modules import.
"""

from reference_nets.checks import as_float_array, check_finite, choose, describe, format_shape

__all__ = ["as_float_array", "check_finite", "choose", "describe", "format_shape"]
