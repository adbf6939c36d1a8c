"""The learner's conventions: which activations and loss their network uses, and how the loss is scaled.

A gradient can reveal the activations and the loss family (sigmoid or tanh, squared error or
cross-entropy), but not every constant factor: a loss summed over the samples and a mean whose 1/n was
forgotten give the same numbers. So each convention comes with where it was learned:

============  ===============================================================================
declared      the learner passed it (``activation=``, ``loss=``, ``reduction=``)
loss_fn       read from the VALUE of the learner's own cost function at their weights
inferred      the only candidate whose gradients explain the learner's
assumed       the textbook choice, for what no gradient can tell (mean over samples, 1/2 for squared error)
============  ===============================================================================

A :class:`Convention` is one candidate network function (hidden activation, output activation, loss
family); a :class:`Scale` is one way of scaling its loss relative to the reference's (mean over the
samples, 1/2 for squared error): ``factor`` times the reference's gradients.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from reference_nets.activations import LEAKY_SLOPE, hidden_activation, leaky_relu, output_activation
from reference_nets.losses import required_output
from reference_nets.mlp import MLP

#: Hidden activations tried when none is declared, most common first.
HIDDEN = (("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", LEAKY_SLOPE), ("leaky_relu", 0.1),
          ("leaky_relu", 0.2), ("identity", None))
#: (output activation, slope, loss family) tried when none is declared, most common first.
OUTPUT_LOSS = (("sigmoid", None, "bce"), ("softmax", None, "softmax-cross-entropy"), ("identity", None, "mse"),
               ("sigmoid", None, "mse"), ("tanh", None, "mse"), ("softmax", None, "mse"), ("relu", None, "mse"),
               ("leaky_relu", 0.1, "mse"), ("leaky_relu", LEAKY_SLOPE, "mse"))
#: The learner's names for the loss families.
FAMILY = {"mse": "mse", "half-sse": "mse", "bce": "bce", "softmax-cross-entropy": "softmax-cross-entropy"}


@dataclass(frozen=True)
class Scale:
    """How the learner's loss is scaled relative to the reference's (mean over samples, with the 1/2 of a
    squared error): their gradients are ``factor`` times the reference's."""

    name: str
    factor: float
    text: str


def scales(family: str, n: int, t: int) -> list[Scale]:
    """The ways learners scale a loss of this family, the textbook one first."""
    if family == "mse":
        found = [Scale("mean", 1.0, "the mean over the samples of 1/2 * sum((A - Y)**2)"),
                 Scale("sum", float(n), "the sum over the samples of 1/2 * (A - Y)**2"),
                 Scale("mean-no-half", 2.0, "the mean over the samples of sum((A - Y)**2), without the 1/2"),
                 Scale("sum-no-half", 2.0 * n, "the sum of (A - Y)**2 without the 1/2"),
                 Scale("mean-all-no-half", 2.0 / t, "np.mean((A - Y)**2) over samples and outputs"),
                 Scale("mean-all", 1.0 / t, "1/2 * np.mean((A - Y)**2) over samples and outputs")]
    else:
        found = [Scale("mean", 1.0, "the mean over the samples"), Scale("sum", float(n), "the sum over the samples")]
        if family == "bce":
            found.append(Scale("mean-all", 1.0 / t, "np.mean over samples and outputs"))
    unique = []
    for scale in found:
        if all(abs(scale.factor - other.factor) > 1e-9 * max(scale.factor, 1.0) for other in unique):
            unique.append(scale)
    return unique


@dataclass(frozen=True)
class Convention:
    """One candidate network function: activations and loss family (the reference is built from it)."""

    hidden: str
    hidden_slope: float | None
    output: str
    output_slope: float | None
    family: str                               # "mse", "bce" or "softmax-cross-entropy"
    sources: dict = field(default_factory=dict, compare=False, hash=False)   # aspect -> where it came from

    def network(self, sizes, layout: str, bias: bool) -> MLP:
        """The reference network with this convention (mean reduction, 1/2 for squared error)."""
        net = MLP(sizes, activation=self.hidden, output=self.output, loss=self.family, reduction="mean",
                  layout=layout, bias=bias)
        if self.hidden_slope is not None:
            net.activation = leaky_relu(self.hidden_slope)
        if self.output_slope is not None:
            net.output = leaky_relu(self.output_slope)
        return net

    def describe(self, layers: int) -> str:
        hidden = _activation_text(self.hidden, self.hidden_slope)
        output = _activation_text(self.output, self.output_slope)
        loss = {"mse": "squared error", "bce": "binary cross-entropy",
                "softmax-cross-entropy": "softmax cross-entropy"}[self.family]
        if layers == 1:
            return f"{output} output, {loss}"
        return f"{hidden} hidden, {output} output, {loss}"

    def with_sources(self, **sources) -> "Convention":
        return replace(self, sources={**self.sources, **sources})


def _activation_text(name, slope) -> str:
    return f"leaky ReLU (slope {slope:g})" if name == "leaky_relu" else name


def candidates(*, activation, output, loss, layers: int, t: int) -> list[Convention]:
    """Every convention that fits what the learner declared, most plausible first. A declared "leaky_relu" names
    no slope: 0.01 (the reference's) is tried first, then the other common ones (0.1, 0.2)."""
    declared_family = FAMILY.get(loss) if loss else None
    found = []
    for hidden, hidden_slope in HIDDEN:
        if activation is not None and hidden != activation:
            continue
        if layers == 1 and (hidden, hidden_slope) != HIDDEN[0] and activation is None:
            continue                   # no hidden layer: the hidden activation does not matter
        for out, out_slope, family in OUTPUT_LOSS:
            if output is not None and out != output:
                continue
            if declared_family is not None and family != declared_family:
                continue
            if out == "softmax" and t < 2:
                continue
            found.append(Convention(hidden, hidden_slope, out, out_slope, family))
    if not found and output is not None and loss is not None:
        # a declared pair outside the usual ones (e.g. tanh output with bce is refused by the reference)
        needed = required_output(loss)
        if needed is None or needed == output:
            hidden = activation or "sigmoid"
            found.append(Convention(hidden, None, output, None, FAMILY[loss]))
    sources = {"activations": "declared" if activation or layers == 1 else "inferred",
               "output": "declared" if output else "inferred", "loss": "declared" if loss else "inferred"}
    return [c.with_sources(**sources) for c in found]


#: The largest constant learners add for a log's stability (``np.log(y + 1e-7)``, ``np.clip(y, 1e-15, 1 - 1e-15)``,
#: ``+ 1e-8``, ``+ 1e-5``): a loss_fn that adds one is still recognised as its cross-entropy.
STABILITY_EPSILON = 1e-5


def stability_slack(family: str, A: np.ndarray, Y: np.ndarray, feature_axis: int) -> float:
    """How far a cross-entropy whose logs carry a constant up to ``STABILITY_EPSILON`` (``log(A + eps)``, or ``A``
    clipped to ``[eps, 1 - eps]``) can be from the exact one, as a mean over the samples; 0 for a squared error.

    ``A``, ``Y``: the reference's output and the targets, ``(n, t)`` or ``(t, n)``. Each log moves by at most
    ``eps / A`` (``log(A + eps) - log(A) = log(1 + eps / A)``; a clip moves it by ``log(eps / A) < eps / A``),
    so the bound is ``eps * mean over samples of sum over outputs of (Y / A + (1 - Y) / (1 - A))``.
    """
    if family not in ("bce", "softmax-cross-entropy"):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.abs(Y) / A
        if family == "bce":
            terms = terms + np.abs(1 - Y) / (1 - A)
    samples = A.shape[1 - feature_axis] if A.ndim == 2 else A.shape[0]
    bound = float(STABILITY_EPSILON * np.sum(terms) / max(samples, 1))
    return bound if np.isfinite(bound) else 0.0


def fits_targets(convention: Convention, Y: np.ndarray, feature_axis: int) -> bool:
    """Whether the targets can be this loss's: probabilities for binary cross-entropy, distributions
    over the classes (one-hot) for softmax cross-entropy; any real numbers for squared error."""
    if convention.family == "bce":
        return bool(np.all((Y >= 0) & (Y <= 1)))
    if convention.family == "softmax-cross-entropy":
        return bool(np.all(Y >= 0) and np.allclose(Y.sum(axis=feature_axis), 1.0))
    return True


def validate_names(*, activation, output, loss) -> None:
    """Refuse unknown names with the reference's own messages (before any work is done)."""
    if activation is not None:
        hidden_activation(activation)
    if output is not None:
        output_activation(output)
    if loss is not None:
        required_output(loss)


def declared_scale(loss: str | None, reduction: str | None) -> str | None:
    """The Scale name a declaration fixes: "half-sse" is a sum; ``reduction`` overrides; else None."""
    if reduction is not None:
        return reduction
    if loss == "half-sse":
        return "sum"
    if loss is not None:
        return "mean"
    return None
