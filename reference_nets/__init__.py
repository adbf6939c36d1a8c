"""Readable, verified numpy MLPs to read beside your own backprop and to compare it against.

    from reference_nets import MLP, datasets
    X, Y = datasets.xor()
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=0)
    history = net.fit(X, Y, epochs=2000, lr=1.0)
"""

from reference_nets import datasets
from reference_nets.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, hidden_activation, output_activation
from reference_nets.layouts import LAYOUTS, get_layout
from reference_nets.losses import LOSSES, REDUCTIONS
from reference_nets.mlp import MLP, ForwardPass
from reference_nets.params import (
    add_ones,
    convert_params,
    fold_bias,
    param_shapes,
    unfold_bias,
    validate_params,
)
from reference_nets.plan import ShapePlan, shape_plan

__all__ = [
    "MLP", "ForwardPass", "ShapePlan", "shape_plan", "datasets",
    "param_shapes", "validate_params", "convert_params", "fold_bias", "unfold_bias", "add_ones",
    "get_layout", "hidden_activation", "output_activation",
    "LAYOUTS", "LOSSES", "REDUCTIONS", "HIDDEN_ACTIVATIONS", "OUTPUT_ACTIVATIONS",
]
