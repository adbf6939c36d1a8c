"""Loss functions, each with its formula, and the error they send into the output layer.

Notation: A is the output activation, Z the output pre-activation, Y the target, all of the same
shape; the class/output axis is ``axis`` (1 for samples-as-rows, 0 for samples-as-columns).

``per_sample`` returns the loss of each sample summed over the outputs; ``reduction`` turns it into
one number: ``"mean"`` divides by the number of samples n, ``"sum"`` does not. The output delta is
the gradient of the SUMMED loss with respect to Z (``A - Y`` for the fused pairs); the 1/n of the
mean is applied where the weight and bias gradients are formed, as most courses write it:
``dW2 = A1.T @ dZ2 / n``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reference_nets.activations import Activation, Softmax, sigmoid
from reference_nets.checks import choose
from reference_nets.errors import ConfigurationError

REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class SquaredError:
    """1/2 * sum over outputs of (A - Y)**2 per sample; "mse" takes the mean over samples,
    "half-sse" the sum. The 1/2 makes dL/dA = A - Y. (Some texts define MSE without the 1/2, or also
    divide by the number of outputs: their gradients differ by that constant factor.)"""

    name: str
    default_reduction: str
    requires_output: str | None = None

    def per_sample(self, Z, A, Y, axis: int) -> np.ndarray:
        """(n,)  0.5 * sum over outputs of (A - Y)**2."""
        return 0.5 * ((A - Y) ** 2).sum(axis=axis)

    def output_delta(self, Z, A, Y, output: Activation | Softmax, axis: int) -> np.ndarray:
        """dZ = (A - Y) * g'(Z) for an elementwise output g; the softmax Jacobian for softmax."""
        return output.backward(A - Y, z=Z, axis=axis)


@dataclass(frozen=True)
class BinaryCrossEntropy:
    """-(Y log A + (1 - Y) log(1 - A)) summed over outputs, with A = sigmoid(Z); mean over samples by
    default. Computed from the logits Z as max(Z, 0) - Y Z + log(1 + exp(-|Z|)), which never
    overflows and never takes log(0). Fused with the sigmoid, the output delta is A - Y."""

    name: str = "bce"
    default_reduction: str = "mean"
    requires_output: str | None = "sigmoid"

    def per_sample(self, Z, A, Y, axis: int) -> np.ndarray:
        """(n,)  binary cross-entropy summed over outputs, from the logits."""
        return (np.maximum(Z, 0.0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))).sum(axis=axis)

    def output_delta(self, Z, A, Y, output, axis: int) -> np.ndarray:
        """dZ = sigmoid(Z) - Y: the sigmoid's derivative cancels the cross-entropy's denominator."""
        return sigmoid(Z) - Y


@dataclass(frozen=True)
class SoftmaxCrossEntropy:
    """-sum over classes of Y log softmax(Z), mean over samples by default. Y is one-hot (integer
    labels are converted by the network). Computed as logsumexp(Z) - sum(Y Z), stable for any Z.
    Fused with the softmax, the output delta is A - Y."""

    name: str = "softmax-cross-entropy"
    default_reduction: str = "mean"
    requires_output: str | None = "softmax"

    def per_sample(self, Z, A, Y, axis: int) -> np.ndarray:
        """(n,)  cross-entropy of each sample, from the logits."""
        top = Z.max(axis=axis, keepdims=True)
        logsumexp = np.log(np.exp(Z - top).sum(axis=axis)) + top.squeeze(axis)
        return logsumexp - (Y * Z).sum(axis=axis)

    def output_delta(self, Z, A, Y, output, axis: int) -> np.ndarray:
        """dZ = softmax(Z) - Y."""
        return A - Y


_LOSSES = {
    "mse": SquaredError("mse", "mean"),
    "half-sse": SquaredError("half-sse", "sum"),
    "bce": BinaryCrossEntropy(),
    "softmax-cross-entropy": SoftmaxCrossEntropy(),
}
LOSSES = tuple(_LOSSES)


def get_loss(name: str, output_name: str):
    """The loss called ``name``, checked against the output activation it must be paired with."""
    loss = _LOSSES[choose("loss", name, LOSSES)]
    if loss.requires_output is not None and output_name != loss.requires_output:
        raise ConfigurationError(
            f"loss {name!r} needs output={loss.requires_output!r} (it is computed from the logits, "
            f"fused with that activation), got output={output_name!r}",
            name="output", expected=loss.requires_output, got=output_name,
        )
    return loss


#: the loss that goes with an output activation when only the activation is given
LOSS_FOR_OUTPUT = {"sigmoid": "bce", "softmax": "softmax-cross-entropy"}


def output_and_loss(output: str | None, loss: str | None, outputs: int) -> tuple[str, str]:
    """The output activation and loss of a network with ``outputs`` units when either (or both) is not given.

    The output follows from the loss (bce -> sigmoid, softmax-cross-entropy -> softmax, mse and half-sse ->
    identity); the loss from the output (sigmoid -> bce, softmax -> softmax-cross-entropy, any other -> mse);
    with neither, a classifier: sigmoid + bce for one output, softmax + softmax-cross-entropy for more. A
    softmax over one output is refused (it is the constant 1), with the fix.
    """
    if output is None and loss is None:
        output = "sigmoid" if outputs == 1 else "softmax"
    if output is None:
        output = required_output(loss) or "identity"
    if loss is None:
        loss = LOSS_FOR_OUTPUT.get(output, "mse") if isinstance(output, str) else "mse"
    refuse_single_softmax(output, outputs)
    return output, loss


def refuse_single_softmax(output, outputs: int) -> None:
    """A softmax over one output is the constant 1: refused, with the fix."""
    if output == "softmax" and outputs < 2:
        raise ConfigurationError("a softmax over a single output is the constant 1 (nothing to learn); use "
                                 "output='sigmoid' with loss='bce' for two classes, or t >= 2 outputs",
                                 name="output", expected="t >= 2 for softmax", got=outputs)


def required_output(name: str) -> str | None:
    """The output activation loss ``name`` is fused with ("sigmoid" for bce), or None if any will do."""
    return _LOSSES[choose("loss", name, LOSSES)].requires_output


def get_reduction(reduction: str | None, loss) -> str:
    """``reduction`` validated, or the loss's own default ("sum" for half-sse, "mean" otherwise)."""
    if reduction is None:
        return loss.default_reduction
    return choose("reduction", reduction, REDUCTIONS)
