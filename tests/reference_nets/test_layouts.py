"""Each layout says its four lines three times: as methods, as the shape plan's text, and in backprop.py.

The methods (used by ``shapecheck.compare``'s mutants and the batched evaluation) are checked here against
the text; the text is checked against the MLP's own passes (reference_nets.backprop) in test_plan.py.
"""

import numpy as np
import pytest

from reference_nets import LAYOUTS, get_layout

D_IN, D_OUT, N = 5, 3, 7


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_methods_compute_what_their_text_says(layout):
    lay = get_layout(layout)
    rng = np.random.default_rng(0)
    A = rng.normal(size=lay.data_shape(N, D_IN))
    W = rng.normal(size=lay.weight_shape(D_IN, D_OUT))
    b = rng.normal(size=lay.bias_shape(D_OUT))
    dZ = rng.normal(size=lay.data_shape(N, D_OUT))
    env = {"A": A, "W": W, "b": b, "dZ": dZ}
    pairs = [(lay.affine_text, lay.affine(A, W, b), lay.data_shape(N, D_OUT)),
             (lay.weight_grad_text, lay.weight_grad(A, dZ), W.shape),
             (lay.bias_grad_text, lay.bias_grad(dZ), b.shape),
             (lay.error_text, lay.error_to_previous(dZ, W), A.shape)]
    for text, value, shape in pairs:
        equation = text.format(A="A", W="W", b="b", dZ="dZ")
        assert value.shape == shape, equation
        np.testing.assert_array_equal(eval(equation, env), value)  # noqa: S307 - our own text
