"""Small datasets made in numpy, returned samples-as-rows: ``X (n, d)`` and ``Y (n, t)``.

Use ``layout.from_rows`` (or simply ``.T``) for the columns layouts. Labels for several classes
are one-hot ``(n, k)``; pass ``labels=True`` for integer labels ``(n,)``.
"""

from __future__ import annotations

import numpy as np

from reference_nets.checks import choose, positive

GATES = ("xor", "and", "or", "nand", "nor", "xnor")


def truth_table(gate: str = "xor") -> tuple[np.ndarray, np.ndarray]:
    """The 4-row truth table of a two-input logic gate: X ``(4, 2)``, Y ``(4, 1)``, float64."""
    choose("gate", gate, GATES)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    a, b = X[:, 0].astype(bool), X[:, 1].astype(bool)
    out = {"xor": a ^ b, "and": a & b, "or": a | b}
    out.update(nand=~out["and"], nor=~out["or"], xnor=~out["xor"])
    return X, out[gate].astype(np.float64).reshape(-1, 1)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: X ``(4, 2)``, Y ``(4, 1)``."""
    return truth_table("xor")


def two_moons(n: int = 200, *, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: X ``(n, 2)``, Y ``(n, 1)`` with labels 0 and 1."""
    n = positive("n", n, int)
    rng = np.random.default_rng(seed)
    first = n // 2
    angles = rng.uniform(0.0, np.pi, size=n)
    upper = np.stack([np.cos(angles[:first]), np.sin(angles[:first])], axis=1)
    lower = np.stack([1.0 - np.cos(angles[first:]), 0.5 - np.sin(angles[first:])], axis=1)
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    Y = np.r_[np.zeros(first), np.ones(n - first)].reshape(-1, 1)
    return X, Y


def spirals(n: int = 300, *, classes: int = 3, noise: float = 0.2, seed: int | None = 0,
            labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (the CS231n set): X ``(n, 2)``, Y one-hot ``(n, classes)``."""
    n, classes = positive("n", n, int), positive("classes", classes, int)
    rng = np.random.default_rng(seed)
    label = np.arange(n) % classes
    radius = rng.uniform(0.05, 1.0, size=n)
    theta = label * (2 * np.pi / classes) + radius * 4.0 + rng.normal(0.0, noise, size=n)
    X = np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1)
    return X, (label if labels else np.eye(classes)[label])


def blobs(n: int = 200, *, centers: int = 3, dims: int = 2, spread: float = 0.5, seed: int | None = 0,
          labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around random centres: X ``(n, dims)``, Y one-hot ``(n, centers)``."""
    n, centers, dims = positive("n", n, int), positive("centers", centers, int), positive("dims", dims, int)
    rng = np.random.default_rng(seed)
    middle = rng.uniform(-5.0, 5.0, size=(centers, dims))
    label = np.arange(n) % centers
    X = middle[label] + rng.normal(0.0, spread, size=(n, dims))
    return X, (label if labels else np.eye(centers)[label])
