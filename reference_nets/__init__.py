"""Readable, verified numpy MLPs to read beside your own backprop and to compare it against.

    from reference_nets import MLP, datasets
    X, Y = datasets.xor()
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=0)
    history = net.fit(X, Y, epochs=2000, lr=1.0)

Start reading at ``mlp.py`` (the network) and ``backprop.py`` (its forward and backward pass, once per
layout). The names below load on first use, so that importing ``reference_nets.errors`` alone (as
shapecheck does when it is imported) does not import numpy.
"""

from importlib import import_module

#: public name -> the module that defines it
_LAZY = {
    "MLP": "reference_nets.mlp", "ForwardPass": "reference_nets.mlp",
    "ShapePlan": "reference_nets.plan", "shape_plan": "reference_nets.plan",
    "param_shapes": "reference_nets.params", "validate_params": "reference_nets.params",
    "convert_params": "reference_nets.params", "fold_bias": "reference_nets.params",
    "unfold_bias": "reference_nets.params", "add_ones": "reference_nets.params",
    "get_layout": "reference_nets.layouts", "LAYOUTS": "reference_nets.layouts",
    "hidden_activation": "reference_nets.activations", "output_activation": "reference_nets.activations",
    "HIDDEN_ACTIVATIONS": "reference_nets.activations", "OUTPUT_ACTIVATIONS": "reference_nets.activations",
    "LOSSES": "reference_nets.losses", "REDUCTIONS": "reference_nets.losses",
}
#: public submodules
_MODULES = ("datasets",)

__all__ = [
    "MLP", "ForwardPass", "ShapePlan", "shape_plan", "datasets",
    "param_shapes", "validate_params", "convert_params", "fold_bias", "unfold_bias", "add_ones",
    "get_layout", "hidden_activation", "output_activation",
    "LAYOUTS", "LOSSES", "REDUCTIONS", "HIDDEN_ACTIVATIONS", "OUTPUT_ACTIVATIONS",
]


def __getattr__(name):
    if name in _MODULES:
        value = import_module(f"reference_nets.{name}")
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'reference_nets' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
