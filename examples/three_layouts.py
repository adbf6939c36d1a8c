"""One network, three layouts, and the folded-bias form: the same function, differently stored.

Run:  python examples/three_layouts.py
Learners meet three conventions: samples as rows (X @ W + b), samples as columns (W @ X + b), and
samples as columns with W stored (in, out) (W.T @ X + b). This script converts one set of weights
between them, checks that all three compute the same loss, and shows the gradients' shapes.
"""

import numpy as np

from reference_nets import MLP, add_ones, convert_params, fold_bias, get_layout

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))      # n=7 samples, d=5 features, t=2 outputs

rows = MLP([5, 3, 2], activation="tanh", output="identity", loss="mse", seed=1)
for layout in ("rows", "columns", "columns-wT"):
    lay = get_layout(layout)
    params = convert_params(rows.params, "rows", layout)
    net = MLP.from_params(params, layout=layout, activation="tanh", output="identity", loss="mse")
    grads = net.gradients(lay.from_rows(X), lay.from_rows(Y))
    shapes = ", ".join(f"{k} {v.shape}" for k, v in grads.items())
    print(f"{layout:<11} loss {net.loss(lay.from_rows(X), lay.from_rows(Y)):.6f}   {shapes}")

folded = fold_bias(rows.params, "rows")                    # W1 (5+1, 3): the bias is the last row
Z1 = add_ones(X, "rows") @ folded["W1"]                    # (7, 6) @ (6, 3) -> (7, 3)
print("folded bias gives the same Z1:", np.allclose(Z1, rows.forward(X)["Z1"]))
