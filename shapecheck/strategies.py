"""``shapecheck.strategies``: the hypothesis strategies, importable both ways a test suite writes it.

    from shapecheck import strategies as sst          # the README's spelling
    import shapecheck.strategies as sst               # an older suite's spelling: the same module

They are defined in :mod:`shapecheck.testing.strategies`; this module only re-exports them, so both
spellings give the same functions and the same :class:`MLPSpec` class.
"""

from shapecheck.testing.strategies import (
    OUTPUT_LOSS, PROFILE, MLPSpec, batches, data, layer_sizes, mlp_specs, parameters, seeded_batch,
    seeded_parameters,
)

__all__ = ["MLPSpec", "OUTPUT_LOSS", "PROFILE", "batches", "data", "layer_sizes", "mlp_specs", "parameters",
           "seeded_batch", "seeded_parameters"]
