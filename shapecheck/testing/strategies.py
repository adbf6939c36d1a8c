"""Hypothesis strategies for networks, data and parameters, so a test suite can draw them.

Data and parameters are drawn from a seeded generator (``numpy.random.default_rng(seed)``), hypothesis
drawing the seed: a failing example shrinks toward seed 0 and small sizes, never toward arrays of zeros,
where most backprop bugs vanish from the weights' gradients, so the shrunk example still shows the bug.

Every architecture from :func:`layer_sizes` has pairwise-distinct sizes (the batch size drawn alongside
included, when ``distinct=True``), so that a transposed weight or a wrongly oriented bias cannot pass a
test by coincidence. Arguments are keyword-only and validated up front, and so is an :class:`MLPSpec` built
by hand; a bad value raises ``shapecheck.ConfigurationError`` showing it. Sizes whose parameters or batch
would not fit in half the machine's memory are refused before anything is drawn.

    from hypothesis import given
    from shapecheck import strategies as sst

    @given(sst.mlp_specs(), sst.data())            # or: spec, then sst.batches(spec) with st.data()
    ...

Importing this module registers the hypothesis profile ``shapecheck`` (see :mod:`shapecheck.testing.profile`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from reference_nets.activations import HIDDEN_ACTIVATIONS, KINKED
from reference_nets.checks import choose
from reference_nets.layouts import LAYOUTS, get_layout
from reference_nets.losses import get_loss, refuse_single_softmax
from reference_nets.params import (
    param_shapes, refuse_batch_beyond_memory, refuse_beyond_memory, validate_layer_sizes,
)
from shapecheck.errors import ConfigurationError
from shapecheck.testing.profile import PROFILE, register_profile

#: (output activation, loss) pairs that are valid together.
OUTPUT_LOSS = (("sigmoid", "bce"), ("softmax", "softmax-cross-entropy"), ("identity", "mse"),
               ("identity", "half-sse"), ("sigmoid", "mse"), ("tanh", "mse"))
data = st.data
#: the seeds of the generators that draw data and parameters; hypothesis shrinks them toward 0
SEEDS = st.integers(0, 2**32 - 1)

register_profile()


@dataclass(frozen=True)
class MLPSpec:
    """An architecture with its activation, output, loss and layout; ``n`` is a batch size drawn with it."""

    sizes: tuple
    n: int
    activation: str
    output: str
    loss: str
    layout: str
    bias: bool = True

    def __post_init__(self):
        """A spec built by hand is checked as :func:`mlp_specs` would have built it, and refused when its
        parameters or its batch would not fit in memory."""
        object.__setattr__(self, "sizes", validate_layer_sizes(self.sizes))
        _check_int("n", self.n, 1)
        choose("activation", self.activation, HIDDEN_ACTIVATIONS)
        choose("layout", self.layout, LAYOUTS)
        get_loss(self.loss, self.output)           # an unknown name or a loss that needs another output
        refuse_single_softmax(self.output, self.sizes[-1])
        if not isinstance(self.bias, bool):
            raise ConfigurationError(f"bias={self.bias!r} must be True or False", name="bias", expected="bool",
                                     got=self.bias)
        refuse_beyond_memory(self.sizes)
        refuse_batch_beyond_memory(self.sizes, self.n)

    def options(self) -> dict:
        """The keyword arguments of ``reference_nets.MLP`` (and of ``shapecheck.compare``) for this spec."""
        return dict(activation=self.activation, output=self.output, loss=self.loss, layout=self.layout,
                    bias=self.bias)

    def mlp(self, seed: int = 0):
        from reference_nets import MLP

        return MLP(self.sizes, seed=seed, **self.options())


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigurationError(f"{name}={value!r} must be an int >= {low}", name=name, expected=f"int >= {low}",
                                 got=value)


def _check_order(low_name, low, high_name, high):
    if low > high:
        raise ConfigurationError(f"{low_name}={low} is larger than {high_name}={high}", name=low_name,
                                 expected=f"<= {high}", got=low)


def layer_sizes(*, min_hidden: int = 1, max_hidden: int = 2, min_width: int = 1, max_width: int = 8,
                distinct: bool = True):
    """``(sizes, n)``: layer sizes ``(d, h1, ..., t)`` and a batch size; all pairwise different when
    ``distinct`` (the batch size too)."""
    _validate_sizes(min_hidden, max_hidden, min_width, max_width, distinct)
    return _layer_sizes(min_hidden, max_hidden, min_width, max_width, distinct)


@st.composite
def _layer_sizes(draw, min_hidden, max_hidden, min_width, max_width, distinct):
    hidden = draw(st.integers(min_hidden, max_hidden))
    count = hidden + 3                                   # d, hidden widths, t, and n
    if distinct:
        values = draw(st.lists(st.integers(min_width, max_width), min_size=count, max_size=count, unique=True))
    else:
        values = draw(st.lists(st.integers(min_width, max_width), min_size=count, max_size=count))
    return tuple(values[:-1]), values[-1]


def _validate_sizes(min_hidden, max_hidden, min_width, max_width, distinct):
    _check_int("min_hidden", min_hidden, 0)
    _check_int("max_hidden", max_hidden, 0)
    _check_int("min_width", min_width, 1)
    _check_int("max_width", max_width, 1)
    _check_order("min_hidden", min_hidden, "max_hidden", max_hidden)
    _check_order("min_width", min_width, "max_width", max_width)
    if not isinstance(distinct, bool):
        raise ConfigurationError(f"distinct={distinct!r} must be True or False", name="distinct", expected="bool",
                                 got=distinct)
    needed = max_hidden + 3
    if distinct and max_width - min_width + 1 < needed:
        raise ConfigurationError(
            f"distinct=True needs {needed} different sizes (d, {max_hidden} hidden widths, t and the batch size) "
            f"between min_width={min_width} and max_width={max_width}; widen the range or pass distinct=False",
            name="max_width", expected=f">= {min_width + needed - 1}", got=max_width)


def mlp_specs(*, min_hidden: int = 1, max_hidden: int = 2, min_width: int = 1, max_width: int = 8,
              distinct: bool = True, activations=HIDDEN_ACTIVATIONS, layouts=LAYOUTS, output_loss=OUTPUT_LOSS):
    """An :class:`MLPSpec`: architecture + activation + output + loss + layout, only valid combinations."""
    for name, values, allowed in (("activations", activations, HIDDEN_ACTIVATIONS), ("layouts", layouts, LAYOUTS)):
        if not isinstance(values, (list, tuple)):
            example = values if isinstance(values, str) else allowed[0]
            raise ConfigurationError(f"{name}={values!r} must be a list of names, e.g. [{example!r}]; choose "
                                     f"from {', '.join(allowed)}", name=name, expected="list of names", got=values)
        unknown = [v for v in values if v not in allowed]
        if not values or unknown:
            raise ConfigurationError(f"{name}={list(values)!r}: choose from {', '.join(allowed)}", name=name,
                                     expected=list(allowed), got=list(values))
    _check_output_loss(output_loss)
    sizes = layer_sizes(min_hidden=min_hidden, max_hidden=max_hidden, min_width=min_width, max_width=max_width,
                        distinct=distinct)
    return st.builds(_spec,
                     sizes, st.sampled_from(list(output_loss)), st.sampled_from(list(activations)),
                     st.sampled_from(list(layouts)))


def _check_output_loss(output_loss) -> None:
    pairs = list(output_loss) if isinstance(output_loss, (list, tuple)) else None
    if not pairs or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        raise ConfigurationError(f"output_loss must be a list of (output, loss) pairs, got {output_loss!r}; e.g. "
                                 "[('identity', 'mse')]", name="output_loss", expected="[(output, loss), ...]",
                                 got=repr(output_loss))
    for output, loss in pairs:
        get_loss(loss, output)                       # raises for an unknown name or an invalid pair


def _spec(drawn, pair, activation, layout) -> MLPSpec:
    (sizes, n), (output, loss) = drawn, pair
    if output == "softmax" and sizes[-1] == 1:       # a softmax over one output is constant: use sigmoid + bce
        output, loss = "sigmoid", "bce"
    return MLPSpec(sizes, n, activation, output, loss, layout)


def batches(spec: MLPSpec, *, min_samples: int | None = None, max_samples: int | None = None):
    """``(X, Y)`` in the spec's layout: inputs in [-2, 2], targets valid for the loss (one-hot for
    softmax-cross-entropy, 0/1 for bce), drawn by :func:`seeded_batch` from a seed that shrinks toward 0.
    Without sample bounds the spec's own ``n`` is used."""
    _check_spec(spec)
    if min_samples is None and max_samples is None:
        counts = st.just(spec.n)
    else:
        low = 1 if min_samples is None else min_samples
        high = 16 if max_samples is None else max_samples
        _check_int("min_samples", low, 1)
        _check_int("max_samples", high, 1)
        _check_order("min_samples", low, "max_samples", high)
        refuse_batch_beyond_memory(spec.sizes, high)
        counts = st.integers(low, high)
    return _batches(spec, counts)


def _check_spec(spec):
    if not isinstance(spec, MLPSpec):
        raise ConfigurationError(f"spec must be an MLPSpec (from mlp_specs()), got {type(spec).__name__}",
                                 name="spec", expected="MLPSpec", got=type(spec).__name__)


@st.composite
def _batches(draw, spec, counts):
    n, seed = draw(counts), draw(SEEDS)
    return seeded_batch(spec, n, seed)


def seeded_batch(spec: MLPSpec, n: int, seed: int):
    """``(X, Y)`` of ``n`` samples from ``default_rng(seed)``, in the spec's layout: X (n, d) in [-2, 2],
    Y (n, t) valid for the loss, never all zeros (one-hot rows; 0/1 for bce with a 1 and, past one entry,
    a 0 in it; [-2, 2] otherwise). Rows-layout shapes; the layout transposes them."""
    rng = np.random.default_rng(seed)
    d, t = spec.sizes[0], spec.sizes[-1]
    X = rng.uniform(-2, 2, (n, d))
    if spec.loss == "softmax-cross-entropy":
        Y = np.eye(t)[rng.integers(0, t, n)]
    elif spec.loss == "bce":
        Y = rng.integers(0, 2, (n, t)).astype(np.float64)
        Y.flat[0] = 1.0 if not Y.any() else Y.flat[0]           # a batch of all-0 targets teaches nothing
        Y.flat[-1] = 0.0 if Y.all() and Y.size > 1 else Y.flat[-1]
    else:
        Y = rng.uniform(-2, 2, (n, t))
    layout = get_layout(spec.layout)
    return layout.from_rows(X), layout.from_rows(Y)


def parameters(spec: MLPSpec, *, away_from_kinks: bool = True):
    """A parameter dict ``W1, b1, ...`` in the spec's layout, entries in [-1, 1]; with ``away_from_kinks``
    (and a ReLU-like activation) every entry is at least 0.05 away from 0. Drawn by
    :func:`seeded_parameters` from a seed that shrinks toward 0, never toward all-zero weights."""
    _check_spec(spec)
    if not isinstance(away_from_kinks, bool):
        raise ConfigurationError(f"away_from_kinks={away_from_kinks!r} must be True or False",
                                 name="away_from_kinks", expected="bool", got=away_from_kinks)
    return _parameters(spec, away_from_kinks)


@st.composite
def _parameters(draw, spec, away_from_kinks):
    return seeded_parameters(spec, draw(SEEDS), away_from_kinks)


def seeded_parameters(spec: MLPSpec, seed: int, away_from_kinks: bool = True) -> dict:
    """``W1, b1, ...`` in the spec's layout from ``default_rng([seed, 1])``, entries in [-1, 1] (at least 0.05
    from 0 when ``away_from_kinks`` and the activation has a kink)."""
    rng = np.random.default_rng([seed, 1])                   # not the stream of the batch with this seed
    kinked = away_from_kinks and spec.activation in KINKED
    params = {}
    for name, shape in param_shapes(spec.sizes, spec.layout, bias=spec.bias).items():
        if kinked:                                           # a sign and a size, never near 0
            params[name] = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.05, 1, shape)
        else:
            params[name] = rng.uniform(-1, 1, shape)
    return params
