"""The three layouts learners write, each as the four lines of linear algebra a layer needs.

==============  ===========  ==================  ===============  ======================
layout          X            W of a layer        b of a layer     forward
==============  ===========  ==================  ===============  ======================
``rows``        ``(n, d)``   ``(d_in, d_out)``   ``(1, d_out)``   ``Z = A @ W + b``
``columns``     ``(d, n)``   ``(d_out, d_in)``   ``(d_out, 1)``   ``Z = W @ A + b``
``columns-wT``  ``(d, n)``   ``(d_in, d_out)``   ``(d_out, 1)``   ``Z = W.T @ A + b``
==============  ===========  ==================  ===============  ======================

Each layout's methods are written out explicitly (no clever generic code), and each method has the
same equation as text (``*_text``) for the shape plan. The MLP's own forward and backward pass write
the same lines out once per layout, in ``reference_nets.backprop``. Tests evaluate the text against
the methods (test_layouts.py) and the plan against the MLP's gradients (test_plan.py): none can drift.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from reference_nets.checks import choose


class Layout:
    """Where samples go (``sample_axis``) and how a layer multiplies; subclasses fill in the math."""

    name: str = ""
    description: str = ""
    sample_axis: int = 0
    feature_axis: int = 1
    weight_is_in_out: bool = True   # W stored (d_in, d_out); False for "columns": (d_out, d_in)
    affine_text = ""
    weight_grad_text = ""
    bias_grad_text = ""
    error_text = ""

    def data_shape(self, n: int, width: int) -> tuple[int, int]:
        """Shape of a batch of n samples with ``width`` features (X, Z, A, Y) in this layout."""
        return (n, width) if self.sample_axis == 0 else (width, n)

    def weight_shape(self, d_in: int, d_out: int) -> tuple[int, int]:
        raise NotImplementedError

    def bias_shape(self, d_out: int) -> tuple[int, int]:
        return (1, d_out) if self.sample_axis == 0 else (d_out, 1)

    def weight_as_in_out(self, W: np.ndarray) -> np.ndarray:
        """W in the layout-independent orientation ``(d_in, d_out)``."""
        raise NotImplementedError

    def weight_from_in_out(self, W_in_out: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`weight_as_in_out`."""
        raise NotImplementedError

    def from_rows(self, data: np.ndarray) -> np.ndarray:
        """Samples-as-rows data ``(n, k)`` in this layout."""
        return data if self.sample_axis == 0 else data.T

    def to_rows(self, data: np.ndarray) -> np.ndarray:
        """Data in this layout as samples-as-rows ``(n, k)``."""
        return data if self.sample_axis == 0 else data.T

    def __repr__(self) -> str:
        return f"Layout({self.name!r}: {self.description})"


class Rows(Layout):
    name = "rows"
    description = "samples as rows: X (n, d), W (d_in, d_out), b (1, d_out), Z = X @ W + b"
    sample_axis, feature_axis = 0, 1
    affine_text = "{A} @ {W} + {b}"
    weight_grad_text = "{A}.T @ {dZ}"
    bias_grad_text = "{dZ}.sum(axis=0, keepdims=True)"
    error_text = "{dZ} @ {W}.T"

    def weight_shape(self, d_in, d_out):
        return (d_in, d_out)

    def affine(self, A, W, b):
        return A @ W + b                      # (n, d_out)

    def weight_grad(self, A, dZ):
        return A.T @ dZ                       # (d_in, d_out), same shape as W

    def bias_grad(self, dZ):
        return dZ.sum(axis=0, keepdims=True)  # (1, d_out), same shape as b

    def error_to_previous(self, dZ, W):
        return dZ @ W.T                       # (n, d_in), same shape as A

    def weight_as_in_out(self, W):
        return W

    def weight_from_in_out(self, W_in_out):
        return W_in_out


class Columns(Layout):
    name = "columns"
    description = "samples as columns: X (d, n), W (d_out, d_in), b (d_out, 1), Z = W @ X + b"
    sample_axis, feature_axis = 1, 0
    weight_is_in_out = False
    affine_text = "{W} @ {A} + {b}"
    weight_grad_text = "{dZ} @ {A}.T"
    bias_grad_text = "{dZ}.sum(axis=1, keepdims=True)"
    error_text = "{W}.T @ {dZ}"

    def weight_shape(self, d_in, d_out):
        return (d_out, d_in)

    def affine(self, A, W, b):
        return W @ A + b                      # (d_out, n)

    def weight_grad(self, A, dZ):
        return dZ @ A.T                       # (d_out, d_in), same shape as W

    def bias_grad(self, dZ):
        return dZ.sum(axis=1, keepdims=True)  # (d_out, 1), same shape as b

    def error_to_previous(self, dZ, W):
        return W.T @ dZ                       # (d_in, n), same shape as A

    def weight_as_in_out(self, W):
        return W.T

    def weight_from_in_out(self, W_in_out):
        return W_in_out.T


class ColumnsWT(Layout):
    name = "columns-wT"
    description = "samples as columns, W stored (d_in, d_out): X (d, n), b (d_out, 1), Z = W.T @ X + b"
    sample_axis, feature_axis = 1, 0
    affine_text = "{W}.T @ {A} + {b}"
    weight_grad_text = "{A} @ {dZ}.T"
    bias_grad_text = "{dZ}.sum(axis=1, keepdims=True)"
    error_text = "{W} @ {dZ}"

    def weight_shape(self, d_in, d_out):
        return (d_in, d_out)

    def affine(self, A, W, b):
        return W.T @ A + b                    # (d_out, n)

    def weight_grad(self, A, dZ):
        return A @ dZ.T                       # (d_in, d_out), same shape as W

    def bias_grad(self, dZ):
        return dZ.sum(axis=1, keepdims=True)  # (d_out, 1), same shape as b

    def error_to_previous(self, dZ, W):
        return W @ dZ                         # (d_in, n), same shape as A

    def weight_as_in_out(self, W):
        return W

    def weight_from_in_out(self, W_in_out):
        return W_in_out


_LAYOUTS = {layout.name: layout for layout in (Rows(), Columns(), ColumnsWT())}
LAYOUTS = tuple(_LAYOUTS)


def get_layout(name: str | Layout) -> Layout:
    """The layout called ``name`` ("rows", "columns" or "columns-wT")."""
    if isinstance(name, Layout):
        return name
    return _LAYOUTS[choose("layout", name, LAYOUTS)]


def size_symbols(layer_sizes: Sequence[int]) -> list[str]:
    """Names of the layer widths: ``d`` for the input, ``h`` (or ``h1, h2, ...``), ``t`` for the output."""
    hidden = len(layer_sizes) - 2
    if hidden == 1:
        names = ["h"]
    else:
        names = [f"h{k}" for k in range(1, hidden + 1)]
    return ["d", *names, "t"]
