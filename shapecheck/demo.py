"""``shapecheck demo``: a tour of each capability on a bundled example, in a few screens."""

from __future__ import annotations

from typing import TextIO

import numpy as np

SEED = 0


def run_demo(out: TextIO) -> int:
    """Print the tour to ``out``; returns the exit code (0)."""
    from reference_nets import MLP, datasets

    X, Y = datasets.xor()
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=SEED)
    _section(out, "1. The reference network learns XOR")
    print(f"{net}", file=out)
    print("X (4, 2) and Y (4, 1) are the XOR truth table; full-batch gradient descent, lr=1.0", file=out)
    history = net.fit(X, Y, epochs=2000, lr=1.0)
    for epoch in (1, 10, 100, 500, 1000, 2000):
        print(f"  epoch {epoch:>4}: loss {history[epoch - 1]:.4f}", file=out)
    outputs = net.forward(X).output
    for x, y, a in zip(X, Y, outputs):
        print(f"  x={x.astype(int).tolist()}  target {int(y[0])}  output {a[0]:.3f}", file=out)
    print(f"  accuracy {net.accuracy(X, Y):.0%}", file=out)

    _section(out, "2. The shape plan: every forward and backward quantity (shapecheck plan 2 4 1 -n 4)")
    print(net.shape_plan(batch_size=4), file=out)

    _section(out, "3. Its gradients against central finite differences")
    rng = np.random.default_rng(SEED)
    X_check = rng.normal(size=(5, 2))
    Y_check = (rng.random(size=(5, 1)) > 0.5).astype(float)
    print("on 5 random samples (n=5 differs from every layer width, so no shape coincides)", file=out)
    print(net.check_gradients(X_check, Y_check), file=out)
    return 0


def _section(out: TextIO, title: str) -> None:
    print(f"\n== {title} ==", file=out)
