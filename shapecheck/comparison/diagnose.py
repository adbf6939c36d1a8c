"""One reading, one convention: which known mistake reproduces the learner's gradients?

The learner's gradients are observed at their own weights and at a few probe weights (where the
mistakes that nearly vanish at small weights, such as sigmoid'(A) against sigmoid'(Z), show). Each
hypothesis is the reference backward pass with some mistakes injected (:mod:`.mutants`); it explains the
learner when one common factor ``c`` (and, for an L2 term, ``mu`` times the weights) reproduces every
observed gradient: ``G = c H + mu W``. ``c`` is then read as the loss's scale or as a scale bug.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from reference_nets.layouts import get_layout
from reference_nets.losses import required_output
from reference_nets.params import unfold_bias
from shapecheck.comparison.conventions import Convention
from shapecheck.comparison.learner import ShapeOnly
from shapecheck.comparison.mutants import candidate_mutants, mutant_gradients
from shapecheck.comparison.readings import Reading

#: A hypothesis explains the learner's gradients when its relative residual is below this.
TOLERANCE = 1e-5
#: How many times the learner's own rounding a residual may be and still be rounding.
NOISE_MULTIPLE = 3.0


@dataclass
class Observation:
    """The learner's arrays at one point and the gradients their code computed there (aligned to slots)."""

    values: list
    grads: list
    noise: list = None      # per slot: the 2-norm of the rounding in its gradient (float32, small updates)


@dataclass(frozen=True)
class Hypothesis:
    """A set of mistakes with the factor ``scale`` (and L2 coefficient ``l2``) that fit, and the residual."""

    tags: frozenset
    scale: float
    l2: float
    residual: float
    alternative: Convention | None = None      # the gradients are this other convention's (loss-mismatch)
    l2_bias: bool = False                      # the L2 term covers the biases too (l2-on-bias)

    @property
    def explains(self) -> bool:
        return self.residual < TOLERANCE


class Setting:
    """A reading and a convention applied to the learner's observations: reference nets, gradients by
    reference name, the learner's name for each reference parameter."""

    def __init__(self, reading: Reading, convention: Convention, data, observations, names, *, position=None):
        self.reading, self.convention, self.data = reading, convention, data
        self.observations, self.names = observations, names
        self.position = reading.folded
        self.update_scale = None        # step=: lr (times a moving average's share) that recovered G from the step
        self.nets = [self._net(obs.values) for obs in observations]
        self.forwards = [net._forward(data.X) for net in self.nets]
        self._mutants = {}
        self.G = [self._learner_grads(obs.grads) for obs in observations]
        self.noise = [self._noise(obs.noise) for obs in observations]
        self.learner_names = self._learner_names()
        net = self.nets[0]
        self.keys = [k for k in net.params if all(isinstance(G[k], np.ndarray) and G[k].shape == net.params[k].shape
                                                  for G in self.G)]

    @property
    def net(self):
        return self.nets[0]

    def _net(self, values):
        reading = self.reading
        net = self.convention.network(reading.sizes, reading.layout, reading.bias)
        net.load_params(self._params(values))
        return net

    def _params(self, values) -> dict:
        return reference_params(self.reading, values)

    def _learner_grads(self, grads) -> dict:
        reading = self.reading
        if reading.folded:
            folded = {f"W{k + 1}": grads[i] for k, i in enumerate(reading.weights)}
            if any(not isinstance(g, np.ndarray) or g.shape != self.observations[0].values[reading.weights[k]].shape
                   for k, g in enumerate(folded.values())):
                return {k: folded.get(k, ShapeOnly(())) for k in self.nets[0].params}
            return unfold_bias(folded, reading.layout, position=reading.folded)
        found = {}
        for k, i in enumerate(reading.weights):
            found[f"W{k + 1}"] = grads[i]
            if reading.biases:
                found[f"b{k + 1}"] = grads[reading.biases[k]]
        net = self.nets[0]
        return {k: _bias_in_layout(g, net.params[k].shape) if k.startswith("b") else _vector_weight(g, net.params[k])
                for k, g in found.items()}

    def _noise(self, noise) -> dict:
        """The rounding of each reference parameter's learner gradient (a folded W's covers its bias too)."""
        reading, found = self.reading, {}
        noise = noise or [0.0] * len(self.observations[0].values)
        for k, i in enumerate(reading.weights):
            found[f"W{k + 1}"] = noise[i]
            found[f"b{k + 1}"] = noise[reading.biases[k]] if reading.biases else noise[i]
        return found

    def learner_shape(self, name: str) -> tuple:
        """The shape of the learner's own array for reference parameter ``name`` (a bias may be 1-d)."""
        reading, k = self.reading, int(name[1:]) - 1
        if name.startswith("b") and reading.biases:
            return tuple(np.shape(self.observations[0].values[reading.biases[k]]))
        if name.startswith("W"):
            return tuple(np.shape(self.observations[0].values[reading.weights[k]]))
        return tuple(self.nets[0].params[name].shape)

    def _learner_names(self) -> dict:
        reading, names, found = self.reading, self.names, {}
        for k, i in enumerate(reading.weights):
            if reading.folded:
                weights, bias = _folded_parts(reading)
                found[f"W{k + 1}"] = f"{names[i]}{weights}"
                found[f"b{k + 1}"] = f"{names[i]}{bias} (bias)"
            else:
                found[f"W{k + 1}"] = names[i]
                if reading.biases:
                    found[f"b{k + 1}"] = names[reading.biases[k]]
        return found

    # -- hypotheses -----------------------------------------------------------------------------------------
    def mutant(self, tags, lr) -> list[dict]:
        """The mutant's gradients at every observation (computed once per mistake set)."""
        key = (tags, lr)
        if key not in self._mutants:
            X, Y = self.data.X, self.data.Y
            applied = self.applied_updates(tags)
            self._mutants[key] = [mutant_gradients(net, X, Y, tags, lr=lr, forward=fp, applied=step)
                                  for net, fp, step in zip(self.nets, self.forwards, applied)]
        return self._mutants[key]

    def applied_updates(self, tags) -> list:
        """Per observation, the update each weight got in the learner's step (``update_scale`` times their
        gradient), for a mutant with stale weights: a stale weight is the one the learner really updated,
        whatever their L2 term or loss scale. None (gradients=, or no stale weights in ``tags``): the mutant
        updates by lr times its own gradient."""
        if self.update_scale is None or not any(tag[0] == "stale-weights" for tag in tags):
            return [None] * len(self.nets)
        return [{k: self.update_scale * G[k] for k in self.keys if k.startswith("W")} for G in self.G]

    def can_explain_the_output_layer(self, lr) -> bool:
        """Whether this convention can reproduce the last layer's weight gradient at all (with its own
        mistakes: the output derivative at A, a transposed square W, an L2 term): a quick test that rules
        most wrong conventions out before every mistake is tried."""
        key = f"W{self.net.n_layers}"
        if key not in self.keys:
            return True
        output_mistakes = ("derivative-at-activation", "derivative-formula-at-pre-activation",
                           "missing-output-derivative", "transposed")
        options = [frozenset()] + [tags for tags in candidate_mutants(self.net, lr=lr)
                                   if any(tag[0] in output_mistakes for tag in tags)]
        for tags in options:
            H = self.mutant(tags, lr)
            if self._fit_on([key], H, l2=True)[2] < TOLERANCE:
                return True
        return False

    def fit(self, H: list[dict], *, l2: bool) -> tuple[float, float, float]:
        """(scale c, L2 coefficient mu, relative residual) of G ~ c H (+ mu W) over every observation."""
        return self._fit_on(self.keys, H, l2=l2)

    def _fit_on(self, keys, H, *, l2: bool, on_bias: bool = False) -> tuple[float, float, float]:
        g = np.concatenate([G[k].ravel() for G in self.G for k in keys]) if keys else np.zeros(1)
        h = np.concatenate([Hi[k].ravel() for Hi in H for k in keys]) if keys else np.zeros(1)
        tiny = 1e-13 * max(1.0, float(np.abs(h).max(initial=0.0)))
        if np.abs(g).max(initial=0.0) <= tiny or np.abs(h).max(initial=0.0) <= tiny:
            # all zero on both sides is a match (a flat spot, e.g. all-zero data); zero on one side is not
            both = np.abs(g).max(initial=0.0) <= tiny and np.abs(h).max(initial=0.0) <= tiny
            return 1.0, 0.0, 0.0 if both else 1.0
        # the learner's own rounding (float32, an update small next to its weights) is not a mismatch
        floor = NOISE_MULTIPLE * float(np.sqrt(sum(noise.get(k, 0.0) ** 2 for noise in self.noise for k in keys)))
        size = max(float(np.linalg.norm(g)), floor / TOLERANCE, 1e-300)
        scale = float(np.vdot(g, h) / max(np.vdot(h, h), 1e-300))
        residual = float(np.linalg.norm(g - scale * h) / size)
        if not l2 or residual < TOLERANCE:
            return scale, 0.0, residual
        w = np.concatenate([(net.params[k] if k.startswith("W") or on_bias else np.zeros_like(net.params[k])).ravel()
                            for net in self.nets for k in keys])
        design = np.stack([h, w], axis=1)
        (c, mu), *_ = np.linalg.lstsq(design, g, rcond=None)
        residual_l2 = float(np.linalg.norm(g - design @ [c, mu]) / size)
        if residual_l2 < TOLERANCE and abs(mu) > 1e-12 * max(abs(c), 1e-300):
            return float(c), float(mu), residual_l2
        return scale, 0.0, residual

    def hypotheses(self, *, lr: float, lr_known: bool, alternatives=()) -> list[Hypothesis]:
        """Hypotheses that explain the learner's gradients, simplest first (an empty list when none does)."""
        if not self.keys:
            return []
        stale_lr = lr if lr_known else self._lr_from_the_last_layer()
        if not alternatives and not self.can_explain_the_output_layer(stale_lr):
            return []
        reference = self.mutant(frozenset(), lr)
        singles = []
        for tags in candidate_mutants(self.net, lr=stale_lr):
            if self.fit_keys_differ(self.mutant(tags, stale_lr), reference):
                singles.append(tags)
        # (a mistake that changes nothing here, e.g. transposing a symmetric gradient, is no hypothesis)
        accepted = []
        for tags in [frozenset()] + singles:
            c, mu, residual = self.fit(self.mutant(tags, stale_lr), l2=True)
            if residual < TOLERANCE:
                accepted.append(Hypothesis(tags, c, mu, residual))
            elif any(k.startswith("b") for k in self.keys):       # an L2 term over the biases too
                c, mu, residual = self._fit_on(self.keys, self.mutant(tags, stale_lr), l2=True, on_bias=True)
                if residual < TOLERANCE and mu > 0:
                    accepted.append(Hypothesis(tags, c, mu, residual, l2_bias=True))
        if not accepted:
            for first, second in itertools.combinations(singles, 2):
                c, mu, residual = self.fit(self.mutant(first | second, stale_lr), l2=True)
                if residual < TOLERANCE:
                    accepted.append(Hypothesis(first | second, c, mu, residual))
        if not accepted:
            for other in alternatives:
                H = [mutant_gradients(_with(net, other), self.data.X, self.data.Y, frozenset()) for net in self.nets]
                c, mu, residual = self.fit(H, l2=True)
                if residual < TOLERANCE:
                    accepted.append(Hypothesis(frozenset(), c, mu, residual, alternative=other))
        return sorted(accepted, key=lambda h: (len(h.tags) + h.l2_bias, h.alternative is not None, h.l2 != 0.0,
                                               h.residual if h.residual > 1e-9 else 0.0))

    def fit_keys_differ(self, H, reference) -> bool:
        """Whether a mistake changes the gradients here by more than the learner's rounding could hide."""
        keys = self.keys
        a = np.concatenate([Hi[k].ravel() for Hi in H for k in keys])
        b = np.concatenate([Ri[k].ravel() for Ri in reference for k in keys])
        scale = float(np.vdot(a, b) / max(np.vdot(b, b), 1e-300))
        floor = NOISE_MULTIPLE * float(np.sqrt(sum(noise.get(k, 0.0) ** 2 for noise in self.noise for k in keys)))
        return float(np.linalg.norm(a - scale * b)) > max(TOLERANCE * float(np.linalg.norm(a)), floor)

    def _lr_from_the_last_layer(self) -> float:
        """Without the learning rate, the step's gradients are lr times the true ones; the last layer's
        weights are the same for every mistake that changes the layers below (a stale update included),
        so their factor against the reference is the learning rate."""
        L = self.net.n_layers
        key = f"W{L}"
        if key not in self.keys:
            return 1.0
        reference = self.mutant(frozenset(), 1.0)
        g = np.concatenate([G[key].ravel() for G in self.G])
        h = np.concatenate([R[key].ravel() for R in reference])
        scale = float(np.vdot(g, h) / max(np.vdot(h, h), 1e-300))
        return abs(scale) if scale else 1.0

    def rows(self, factor: float = 1.0, l2: float = 0.0):
        """(reference name, learner name, shape, learner gradient, expected gradient, rounding) at the
        learner's weights; expected is the reference times ``factor`` (the learner's loss scale, or the
        learning rate a step hides) plus ``l2`` times the weights."""
        net, G = self.net, self.G[0]
        reference = net.gradients(self.data.X, self.data.Y)
        return [(k, self.learner_names[k], net.params[k].shape, G[k],
                 factor * reference[k] + (l2 * net.params[k] if k.startswith("W") else 0.0),
                 NOISE_MULTIPLE * self.noise[0].get(k, 0.0)) for k in net.params]


def reference_params(reading: Reading, values) -> dict:
    """The reference's ``W1, b1, ...`` from the learner's arrays under ``reading`` (a folded bias unfolded)."""
    if reading.folded:
        folded = {f"W{k + 1}": values[i] for k, i in enumerate(reading.weights)}
        params = unfold_bias(folded, reading.layout, position=reading.folded)
    else:
        params = {}
        layout = get_layout(reading.layout)
        for k, i in enumerate(reading.weights):
            weight = values[i]               # a 1-d (h,) weight of one output, in the layout's shape
            params[f"W{k + 1}"] = weight if weight.ndim == 2 else weight.reshape(
                layout.weight_shape(reading.sizes[k], reading.sizes[k + 1]))
            if reading.biases:
                params[f"b{k + 1}"] = values[reading.biases[k]].reshape(-1)
    layout = get_layout(reading.layout)
    return {k: (v.reshape(layout.bias_shape(v.size)) if k.startswith("b") else v) for k, v in params.items()}


def _with(net, convention: Convention):
    """The same network and weights under another convention (for loss-mismatch)."""
    other = convention.network(net.sizes, net.layout.name, net.bias)
    other.load_params(net.params)
    return other


def _vector_weight(gradient, weight):
    """The gradient of a weight the learner keeps 1-d ``(h,)`` (one output), in the reference's 2-d shape."""
    if isinstance(gradient, np.ndarray) and gradient.ndim == 1 and 1 in weight.shape and gradient.size == weight.size:
        return gradient.reshape(weight.shape)
    return gradient


def _bias_in_layout(gradient, shape):
    """A bias gradient stored as ``(s,)``, ``(1, s)`` or ``(s, 1)``, in the reference's bias shape; any
    other shape (a wrong-axis sum) is left as it is, for the shape diagnosis."""
    if isinstance(gradient, np.ndarray) and gradient.size == int(np.prod(shape)) and (
            gradient.ndim == 1 or (gradient.ndim == 2 and 1 in gradient.shape)):
        return gradient.reshape(shape)
    return gradient


def loss_mismatch_alternatives(convention: Convention, candidates) -> list[Convention]:
    """The other conventions with the same activations: the loss the learner's gradients might implement."""
    return [c for c in candidates if c != convention and c.hidden == convention.hidden
            and c.hidden_slope == convention.hidden_slope and c.output == convention.output
            and (required_output(c.family) in (None, c.output))]


def _folded_parts(reading) -> tuple:
    """The indexes that cut a folded W into its weights and its bias, as the learner would write them:
    ``[:, 1:]`` and ``[:, 0]`` for a first column (``(out, in)`` weights), ``[1:]`` and ``[0]`` for a first row."""
    first = reading.folded == "first"
    weights, bias = ("1:", "0") if first else (":-1", "-1")
    if get_layout(reading.layout).weight_is_in_out:
        return f"[{weights}]", f"[{bias}]"
    return f"[:, {weights}]", f"[:, {bias}]"
