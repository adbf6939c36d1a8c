"""Activation functions and their derivatives, always taken with respect to the PRE-activation z.

The classic hand-written bug is ``sigmoid_prime(A)`` where ``sigmoid_prime(Z)`` was meant. Here a
derivative can only be asked for with the keyword ``z=``: ``act.derivative(z=Z1)``; writing
``act.derivative(z=A1)`` looks wrong on the page, and ``act.derivative(A1)`` is a TypeError.

Every function is stable for |z| up to 1e300: no overflow warning, no NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from reference_nets.checks import choose
from reference_nets.errors import ConfigurationError


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), computed without overflow: exp is only ever taken of -|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """exp(z) / sum(exp(z)) along the class ``axis``; the max is subtracted first so exp never overflows."""
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation a = f(z) with its derivative f'(z) = da/dz."""

    name: str
    formula: str
    _value: Callable[[np.ndarray], np.ndarray]
    _derivative: Callable[[np.ndarray], np.ndarray]

    def __call__(self, z: np.ndarray, axis: int | None = None) -> np.ndarray:
        """a = f(z), same shape as z (``axis`` is accepted for symmetry with softmax and unused)."""
        return self._value(z)

    def derivative(self, *, z: np.ndarray) -> np.ndarray:
        """f'(z), same shape as z. Keyword-only on purpose: pass the pre-activation Z, never A."""
        return self._derivative(z)

    def backward(self, dA: np.ndarray, *, z: np.ndarray, axis: int) -> np.ndarray:
        """dZ = dA * f'(z): the chain rule through an elementwise activation."""
        return dA * self._derivative(z)

    def __repr__(self) -> str:
        return f"Activation({self.name}: {self.formula})"


@dataclass(frozen=True)
class Softmax:
    """softmax along the class axis; not elementwise, so only its Jacobian-vector product exists."""

    name: str = "softmax"
    formula: str = "a_i = exp(z_i) / sum_j exp(z_j)"

    def __call__(self, z: np.ndarray, axis: int) -> np.ndarray:
        return softmax(z, axis)

    def backward(self, dA: np.ndarray, *, z: np.ndarray, axis: int) -> np.ndarray:
        """dZ = A * (dA - sum(dA * A)) along the class axis (the softmax Jacobian applied to dA)."""
        a = softmax(z, axis)
        return a * (dA - (dA * a).sum(axis=axis, keepdims=True))

    def __repr__(self) -> str:
        return f"Activation({self.name}: {self.formula})"


LEAKY_SLOPE = 0.01


def leaky_relu(slope: float) -> Activation:
    """The leaky ReLU with its own negative slope (0.01 by default; 0.1 or 0.2 are common too)."""
    return Activation("leaky_relu", f"z if z > 0 else {slope:g} * z;  f'(z) = 1 if z > 0 else {slope:g}",
                      lambda z: np.where(z > 0, z, slope * z), lambda z: np.where(z > 0, 1.0, slope))


_ELEMENTWISE = {
    "sigmoid": Activation(
        "sigmoid", "1 / (1 + exp(-z));  f'(z) = f(z) * (1 - f(z))",
        sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z)),
    ),
    "tanh": Activation(
        "tanh", "tanh(z);  f'(z) = 1 - tanh(z)**2",
        np.tanh, lambda z: 1.0 - np.tanh(z) ** 2,
    ),
    "relu": Activation(
        "relu", "max(0, z);  f'(z) = 1 if z > 0 else 0",
        lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64),
    ),
    "leaky_relu": leaky_relu(LEAKY_SLOPE),
    "identity": Activation(
        "identity", "z;  f'(z) = 1",
        lambda z: z.copy(), lambda z: np.ones_like(z),
    ),
}

HIDDEN_ACTIVATIONS = tuple(_ELEMENTWISE)
OUTPUT_ACTIVATIONS = HIDDEN_ACTIVATIONS + ("softmax",)

#: Activations with a kink (a point where the derivative jumps): finite differences across it disagree.
KINKED = ("relu", "leaky_relu")


def hidden_activation(name: str) -> Activation:
    """The elementwise activation called ``name``; softmax is refused (it belongs to the output)."""
    if name == "softmax":
        raise ConfigurationError(
            "softmax is an output activation (it couples the units of a layer); "
            f"choose a hidden activation from: {', '.join(HIDDEN_ACTIVATIONS)}",
            name="activation", expected=list(HIDDEN_ACTIVATIONS), got=name,
        )
    return _ELEMENTWISE[choose("activation", name, HIDDEN_ACTIVATIONS)]


def output_activation(name: str) -> Activation | Softmax:
    """The output activation called ``name`` (any hidden one, or softmax)."""
    choose("output activation", name, OUTPUT_ACTIVATIONS)
    return Softmax() if name == "softmax" else _ELEMENTWISE[name]
