"""One comparison: every reading of the learner's arrays and every candidate convention, tried on the
learner's observations (their gradients at their own weights and at probe weights); the simplest
explanation wins, and the report says how each choice was made (see ``api`` for the whole procedure).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reference_nets.layouts import get_layout
from shapecheck._arrays import format_shape
from shapecheck.comparison import conventions as conv
from shapecheck.comparison import l2 as l2_terms
from shapecheck.comparison.audit import Evidence, audit
from shapecheck.comparison.diagnose import Observation, Setting, loss_mismatch_alternatives, reference_params
from shapecheck.comparison.locate import locate
from shapecheck.comparison.locate_scale import locate_scale
from shapecheck.comparison.located_run import run_learner
from shapecheck.comparison.location_hints import with_hints
from shapecheck.comparison.messages import describe_bugs, interpret_scale, with_declared_l2
from shapecheck.comparison.own_loss import check_own_loss, stability_allowance
from shapecheck.comparison.readings import data_for, optimiser_state
from shapecheck.comparison.report import ComparisonReport, Diagnosis
from shapecheck.comparison.unexplained import fallback_report, row, shape_diagnoses
from shapecheck.errors import ShapecheckError, ShapeError

#: Probe weights beside the learner's own: where mistakes that vanish at small weights show.
PROBES = 2


@dataclass
class _Candidate:
    setting: Setting
    hypothesis: object
    diagnosis: Diagnosis
    conventions: tuple
    rank: tuple
    expected_scale: float = 1.0      # the learner's gradients, bug-free, are this times the reference's
    l2_known: float | None = None    # the reference's L2 coefficient (declared or read), per unit of its gradient


class Study:
    """One comparison: every reading and convention tried on the learner's observations."""

    def __init__(self, learner, X, Y, found, declared, *, one_sample=False):
        self.learner, self.X, self.Y, self.readings = learner, X, Y, found
        self.declared, self.one_sample = declared, one_sample
        self._observed = {}
        self._reading_notes = {}     # a reading, or its parameters -> notes true of it only (shown if it is kept)
        self.setting = None          # the setting the report rests on, once run

    # -- observations --------------------------------------------------------------------------------------
    def observations(self, reading) -> list[Observation]:
        key = reading.parameters
        if key not in self._observed:
            own = self.learner.values()
            state = optimiser_state(reading, self.learner.names) if self.learner.step is not None else []
            if state:                   # from zero velocity, one step with momentum is -lr * g
                own = [np.zeros_like(v) if i in state else v for i, v in enumerate(own)]
                self._note(f"the optimiser's state ({', '.join(self.learner.names[i] for i in state)}) was set to "
                           "zero for the comparison (a step with momentum then moves by -lr * gradient) and put "
                           "back afterwards", key)
            found = [Observation(own, *self.learner.gradients_and_noise_at(
                self.X, self.Y, own if state else None, wanted=reading.parameters))]
            for seed in range(PROBES):
                values = _probe(own, reading, seed)
                try:
                    found.append(Observation(values, *self.learner.gradients_and_noise_at(
                        self.X, self.Y, values, wanted=reading.parameters)))
                except ShapecheckError as exc:     # their code fails only away from their own weights
                    self._skipped_probe(exc)
            self._observed[key] = found
        return self._observed[key]

    def _note(self, text: str, reading=None) -> None:
        """A note for the report; with ``reading`` (a reading, or its parameters), one true of that reading only,
        shown if it is the one kept."""
        notes = self.learner.notes if reading is None else self._reading_notes.setdefault(reading, [])
        if text not in notes:
            notes.append(text)

    def _notes(self, reading) -> list:
        """The notes for a report that rests on ``reading``."""
        return [*self.learner.notes, *self._reading_notes.get(reading.parameters, []),
                *self._reading_notes.get(reading, [])]

    def _skipped_probe(self, exc) -> None:
        note = (f"your code failed at a probe weight ({exc}), so the diagnosis rests on fewer points: mistakes that "
                "vanish at your own weights may go unseen")
        if note not in self.learner.notes:
            self.learner.notes.append(note)

    # -- the search ---------------------------------------------------------------------------------------
    def run(self) -> ComparisonReport:
        candidates, fallbacks, refused = [], [], []
        for index, reading in enumerate(self.readings):
            data = data_for(reading, self.X, self.Y)
            try:
                observations = self.observations(reading)
            except ShapeError as exc:      # the returned gradients do not fit this reading's parameters
                refused.append(exc)
                continue
            conventions = self._conventions(reading, data, observations)
            for rank, (convention, scale_known, l2_known) in enumerate(conventions):
                setting = Setting(reading, convention, data, observations, self.learner.names)
                if self.learner.step is not None:
                    setting.update_scale = self.learner.lr * self.learner.momentum_share
                alternatives = (loss_mismatch_alternatives(convention, _all_conventions(reading))
                                if convention.sources.get("loss") in ("declared", "loss_fn") else ())
                hypotheses = setting.hypotheses(lr=self.learner.lr, lr_known=self.learner.lr_known,
                                                alternatives=alternatives)
                for hypothesis in hypotheses:
                    candidates.append(self._candidate(setting, hypothesis, scale_known, l2_known, rank, index))
                if not hypotheses:
                    fallbacks.append((setting, rank, index, scale_known, l2_known))
            if any(c.rank[0] == 0 for c in candidates):
                break               # a reading explains the gradients with no mistake: the likelier ones came first
        if candidates:
            candidates.sort(key=lambda c: c.rank)
            return self._report(candidates)
        if not fallbacks:
            raise refused[0]
        return self._unexplained(fallbacks)

    def _conventions(self, reading, data, observations):
        """(convention, the Scale it is known to have or None, the L2 coefficient known or None), for every
        candidate convention; with a loss_fn only those whose loss values the learner's match."""
        declared = self.declared
        found = conv.candidates(activation=declared["activation"], output=declared["output"],
                                loss=declared["loss"], layers=len(reading.sizes) - 1, t=reading.sizes[-1])
        axis = get_layout(reading.layout).feature_axis
        found = [c for c in found if declared["loss"] or conv.fits_targets(c, data.Y, axis)]
        scale_name = conv.declared_scale(declared["loss"], declared["reduction"])
        n, t = reading.n, reading.sizes[-1]
        results = []
        for convention in found:
            known = next((s for s in conv.scales(convention.family, n, t) if s.name == scale_name), None)
            results.append((convention.with_sources(scale="declared") if known else convention, known,
                            l2_terms.declared_coefficient(declared["reg"], n, known and known.factor)))
        if self.learner.loss_fn is None:
            return results
        values = [self.learner.loss_at(self.X, self.Y, obs.values) for obs in observations]
        revealed, rescaled = [], []
        for convention, known, _ in results:
            match = _scale_from_losses(convention, reading, data, observations, values,
                                       rtol=_loss_tolerance(self.learner))
            if match is None:
                continue
            scale, l2 = match
            entry = (convention.with_sources(activations="loss_fn", output="loss_fn", loss="loss_fn",
                                             scale="loss_fn", l2="loss_fn"), scale,
                     l2 / scale.factor if l2 else l2_terms.declared_coefficient(declared["reg"], n, scale.factor))
            if known is None or scale.name == known.name:
                revealed.append(entry)
            else:
                rescaled.append((entry, known))
        if revealed:
            return revealed
        if rescaled:
            # the loss the learner computes wins over the name declared for it: torch's MSELoss habit,
            # np.mean((A - Y)**2) over samples and outputs, declared as "mse"
            (_, scale, _), known = rescaled[0]
            self._note(f"your loss_fn computes {scale.text}, not what the declared loss={declared['loss']!r} "
                       f"means here ({known.text}): your loss_fn's scale is used", reading)
            return [entry for entry, _ in rescaled]
        self._note("your loss_fn's values match none of the losses shapecheck knows (squared error, "
                                  "binary or softmax cross-entropy, mean or sum, with or without an L2 term) on "
                                  "these activations: the conventions are inferred from the gradients instead",
                   reading)
        return results

    def _candidate(self, setting, hypothesis, scale_known, l2_known, rank, index) -> _Candidate:
        reading, convention = setting.reading, setting.convention
        n, t = reading.n, reading.sizes[-1]
        learner = self.learner
        scale_bugs, scale_used, scale_source, factor = interpret_scale(
            hypothesis.scale, lr_known=learner.lr_known, known=scale_known, family=convention.family,
            n=n, t=t, d=reading.sizes[0], layout=reading.layout)
        context = dict(net=setting.net, names=setting.learner_names, n=n, lr_known=learner.lr_known,
                       reading=reading, loss_source=convention.sources.get("loss"),
                       scale_source=convention.sources.get("scale"), scale_name=getattr(scale_used, "name", None),
                       loss_scale=scale_known, family=convention.family, inferred_scale=None)
        if scale_source.startswith("inferred"):     # a sum read from the gradients' size: the match's condition
            context["inferred_scale"] = scale_used, abs(hypothesis.scale)
        diagnosis = describe_bugs(hypothesis.tags, scale_bugs, factor if learner.lr_known else hypothesis.scale,
                                  hypothesis.alternative, hypothesis.residual, context)
        form = self.declared["reg"] if isinstance(self.declared["reg"], l2_terms.L2Form) else None
        if l2_known is not None and learner.lr_known:
            read = convention.sources.get("l2") == "loss_fn" and scale_known is not None
            diagnosis = with_declared_l2(diagnosis, _l2_term(hypothesis, scale_bugs, l2_known), l2_known,
                                         (scale_known.factor if scale_known else 1.0) if read or form else None,
                                         declared=form.said(n) if form and not read else None, n=n)
        if hypothesis.l2_bias:
            diagnosis = l2_terms.with_l2_on_bias(diagnosis, hypothesis.l2, setting.learner_names)
        if scale_used is None and scale_known is not None:      # a step hides the learning rate, not the loss
            scale_used = scale_known
        conventions = self._convention_lines(setting, hypothesis, scale_used, scale_source, l2_known,
                                             scale_bugs=scale_bugs)
        bugs = len(diagnosis.bugs) if diagnosis.bug != "match" else 0
        sourced = 0 if convention.sources.get("loss") in ("declared", "loss_fn") else 1
        rank_key = (bugs, sourced, rank, hypothesis.l2 != 0.0, index, hypothesis.residual)
        expected = hypothesis.scale / factor if learner.lr_known and factor else hypothesis.scale
        return _Candidate(setting, hypothesis, diagnosis, conventions, rank_key, abs(expected),
                          l2_known if learner.lr_known else None)

    def _convention_lines(self, setting, hypothesis, scale, source, reg=None, *, scale_bugs=()) -> tuple:
        reading, convention = setting.reading, setting.convention
        sources = convention.sources
        layers = len(reading.sizes) - 1
        words = {"declared": "declared", "loss_fn": "read from your loss_fn's values",
                 "inferred": "inferred: the only ones that explain your gradients",
                 "assumed": "assumed: nothing explains your gradients, these come closest"}
        lines = [("network", reading.describe(), "read from the arrays' shapes"),
                 ("functions", convention.describe(layers),
                  words[sources.get("loss", "inferred")] if sources.get("activations") == sources.get("loss")
                  else f"activations {words[sources.get('activations', 'inferred')]}; loss "
                       f"{words[sources.get('loss', 'inferred')]}")]
        if scale is not None:
            lines.append(("loss scale", _scale_text(scale, reading, self.one_sample), {"declared": "declared", "loss_fn": words["loss_fn"],
                                                      "gradients": source, "assumed": source}.get(
                                                          sources.get("scale", "gradients"), source)))
        if hypothesis.l2 or reg:
            found = _l2_term(hypothesis, scale_bugs, reg)
            read = convention.sources.get("l2") == "loss_fn" and reg is not None
            factor = scale.factor if read and scale is not None else 1.0      # in the loss_fn's own numbers
            text = (f"your gradients add {found * factor:.6g} * W to the weights' gradients (a loss term "
                    f"{found * factor / 2:.6g} * sum(W**2): "
                    f"{l2_terms.learner_terms(found * factor / 2, reading.n)})")
            form = self.declared["reg"] if isinstance(self.declared["reg"], l2_terms.L2Form) else None
            said = (f"your loss_fn adds {reg * factor / 2:.6g} * sum(W**2), whose gradient is {reg * factor:.6g} * W"
                    if read else f"the {form.said(reading.n)}" if form and reg is not None
                    else f"you declared reg={reg:g}" if reg is not None else "")
            if reg is None:
                source = "found in the gradients"
            elif abs(found - reg) <= 1e-6 * max(abs(reg), 1e-12):
                source = said
            else:
                source = f"{said}: your gradients' L2 term is {found * factor:.6g} * W instead"
            lines.append(("L2 term", text, source))
        if reading.transposed_data:
            lines.append(("data", f"{reading.transposed_data} transposed to fit the parameters",
                          "your X and Y are the other way round from the weights"))
        return tuple(lines)

    # -- the report ---------------------------------------------------------------------------------------------
    def _report(self, candidates) -> ComparisonReport:
        best = candidates[0]
        setting = self.setting = best.setting
        notes = self._notes(setting.reading)
        kept = setting.reading.describe()
        others = list(dict.fromkeys(r.describe() for r in self.readings if r.describe() != kept))
        if others:
            notes.append(f"the arrays' shapes also fit {others[0]}"
                         + (f" and {len(others) - 1} more reading(s)" if len(others) > 1 else "")
                         + f"; {kept} explains your gradients (the readings were tried in the order your names "
                           "and the shapes make likely), so it was kept")
        if self.one_sample:
            notes.append("your step updates the weights after each sample (a loop over the samples), so it was "
                         "compared on one sample")
        same = [c for c in candidates[1:] if c.setting is setting and c.diagnosis.bug != best.diagnosis.bug]
        diagnoses = [best.diagnosis, *[c.diagnosis for c in same[:2]]]
        shapes = shape_diagnoses(setting, self._traced(setting))
        if shapes:                  # a gradient of the wrong shape: the values alone do not make a match
            diagnoses = shapes + [d for d in diagnoses if d.bug != "match"]
        verdict = "match" if diagnoses[0].bug == "match" else "mismatch"
        if verdict == "mismatch":           # only then: a correct learner's compare costs nothing more
            diagnoses[0], trouble = self._located(diagnoses[0], best, setting)
            notes += [trouble] if trouble else []
        rows = tuple(row(*r) for r in setting.rows(best.expected_scale, _row_l2(best)))
        own = self.own_loss(setting)
        notes += [own.note] if own else []
        if verdict == "mismatch" and rows and all(r.status == "ok" for r in rows):
            notes.append("at your own weights the mistake is too small to see (the rows agree): it shows at the "
                         "probe weights compare also ran your code at, where the pre-activations are larger")
        report = ComparisonReport(verdict, diagnoses, rows, setting.reading.layout, setting.reading.sizes,
                                  tuple(notes), conventions=best.conventions)
        return audit(report, Evidence(own, self._traced(setting)))

    def own_loss(self, setting):
        """The learner's gradients at their weights against finite differences of their loss_fn (or None)."""
        reading = setting.reading
        return check_own_loss(self.learner, self.X, self.Y, self.observations(reading)[0], reading.parameters,
                              allowance=stability_allowance(setting))

    def _traced(self, setting):
        """One traced run of the learner's code at their weights, made when the audit asks for it (or None)."""
        def run():
            try:
                return run_learner(self.learner, self.X, self.Y, setting, 0, sizes=None, max_bytes=None)
            except Exception:  # noqa: BLE001 - no run: no cause is stated as found
                return None
        return run

    def _located(self, diagnosis, best, setting) -> tuple:
        """(``diagnosis`` with the lines of the learner's code where its mistake is, when they can be found;
        a note when looking for them failed inside shapecheck, else "")."""
        scale = best.hypothesis.scale if diagnosis is best.diagnosis else None
        if diagnosis is best.diagnosis and best.hypothesis.tags:
            tags = best.hypothesis.tags
        elif diagnosis is best.diagnosis and _fused_delta(best.hypothesis.alternative, setting):
            tags = frozenset({("missing-output-derivative", "everywhere")})     # dZ_L = A_L - Y: the same line
        elif diagnosis.bug in ("transposed", "bias-wrong-axis") and diagnosis is not best.diagnosis:
            letter = "W" if diagnosis.bug == "transposed" else "b"     # a gradient of the wrong shape
            tags = frozenset((diagnosis.bug, int(k[1:])) for k in setting.net.params
                             if k.startswith(letter) and k not in setting.keys)
        else:
            tags = frozenset()
        scale_bug = next((b for b in diagnosis.bugs if b in ("sign-flip", "missing-mean", "wrong-scale")), None)
        try:
            if tags:
                found = locate(self.learner, self.X, self.Y, setting, tags, scale=scale)
            elif scale_bug and diagnosis is best.diagnosis:
                found = locate_scale(self.learner, self.X, self.Y, setting, scale_bug, scale=scale,
                                     l2=best.hypothesis.l2)
            else:
                found = ()
        except Exception as exc:  # noqa: BLE001 - the diagnosis stands without its lines: say why they are missing
            return diagnosis, (f"shapecheck could not look for the line of this mistake ({type(exc).__name__}: "
                               f"{exc}); the diagnosis above stands. This is a bug in shapecheck: please report it")
        found = with_hints(found, diagnosis.bugs or (diagnosis.bug,), setting) if found else ()
        if diagnosis is best.diagnosis and set(diagnosis.bugs) & {"l2-mismatch", "l2-on-bias"}:
            found += l2_terms.locate_l2(self.learner, self.X, self.Y, setting, best.hypothesis.l2,
                                        on_bias=best.hypothesis.l2_bias)
        return (replace(diagnosis, locations=found), "") if found else (diagnosis, "")

    def _unexplained(self, fallbacks) -> ComparisonReport:
        distinct = {setting.reading for setting, *_ in fallbacks}
        if len({(r.layout, r.sizes, r.folded, bool(r.biases)) for r in distinct}) > 1:
            listing = "; ".join(r.describe() for r in sorted(distinct, key=lambda r: self.readings.index(r)))
            raise ShapeError(f"the arrays fit more than one network ({listing}) and no known mistake explains your "
                             f"gradients under any of them; {_settle(distinct)}", name="layout",
                             expected="one reading", got=listing)
        report, setting = fallback_report(self, fallbacks)
        self.setting = setting
        own = self.own_loss(setting)
        if own:
            report = replace(report, notes=(*report.notes, own.note))
        return audit(report, Evidence(own, None))


def _settle(readings) -> str:
    """What the learner can pass to settle a tie between readings that no known mistake explains."""
    if len({(r.layout, r.sizes, bool(r.biases)) for r in readings}) == 1:      # only the folded row/column differs
        return ("the readings differ only in where the bias is folded in, and under either your gradients hold a "
                "mistake compare does not know (an L2 term that also covers the bias row/column, say)")
    return "pass layout= (and bias=) to settle the reading"


def _all_conventions(reading):
    return conv.candidates(activation=None, output=None, loss=None, layers=len(reading.sizes) - 1,
                           t=reading.sizes[-1])


def _probe(own, reading, seed) -> list:
    """Probe weights for the reading's parameters (healthy sizes: pre-activations of order 1); every other
    array as it is."""
    rng = np.random.default_rng(1234 + seed)
    values = [v.copy() for v in own]
    lay = get_layout(reading.layout)
    for i in reading.weights:
        fan_in = values[i].shape[0] if lay.weight_is_in_out else values[i].shape[1]
        values[i] = rng.normal(0.0, 1.5 / np.sqrt(max(fan_in, 1)), size=values[i].shape)
    for i in reading.biases:
        values[i] = rng.normal(0.0, 0.3, size=values[i].shape)
    return values


def _scale_text(scale, reading, one_sample) -> str:
    """The loss scale's words; on one sample, where a mean over the samples and their sum are the same number,
    without claiming either."""
    if reading.n != 1:
        return scale.text
    where = "the one sample your per-sample step was compared on" if one_sample else "your one sample"
    text = scale.text
    for prefix in ("the mean over the samples of ", "the sum over the samples of "):
        text = text[len(prefix):] if text.startswith(prefix) else text
    text = "the sample's loss" if text in ("the mean over the samples", "the sum over the samples") else text
    return (f"{text}, read on {where}: with one sample a mean over the samples and a sum are the same, so "
            "whether your loss averages or sums over the samples is not known")


def _row_l2(candidate) -> float:
    """The L2 coefficient the table's expected gradients carry: the reference's (declared or read from the
    loss_fn), so that an L2 term of the wrong size shows in the W rows; the learner's own only when the
    reference's is unknown."""
    if candidate.l2_known is None:
        return candidate.hypothesis.l2
    return candidate.l2_known * candidate.expected_scale


def _l2_term(hypothesis, scale_bugs, reg) -> float:
    """The L2 coefficient of the learner's gradients, per unit of the reference's gradient. With a scale bug
    (a missing 1/n) the whole gradient is scaled, L2 term included, unless the L2 term alone is already
    ``reg * W``: then only the data term carries the bug (``dW = A.T @ dZ + lambd / m * W`` with the 1/m
    forgotten on the first term), and the L2 term is right."""
    found = hypothesis.l2 / (hypothesis.scale or 1.0)
    if scale_bugs and reg and abs(hypothesis.l2 - reg) <= 1e-6 * abs(reg):
        return reg
    return found


def _loss_tolerance(learner) -> float:
    """How closely the learner's loss values can equal the reference's: 1e-7, or a hundred roundings of their
    parameters' precision when that is coarser (float32 arrays make a float32 loss, good to about 1e-6)."""
    precisions = [np.finfo(slot.get().dtype).eps for slot in learner.slots if slot.get().dtype.kind == "f"]
    return max([1e-7] + [100 * float(eps) for eps in precisions])


def _scale_from_losses(convention, reading, data, observations, values, *, rtol=1e-7):
    """(Scale, L2 coefficient) for which the learner's loss values equal the reference's under this
    convention at every observation (to ``rtol``), or None."""
    reference, squares, slack = [], [], []
    for obs in observations:
        net = convention.network(reading.sizes, reading.layout, reading.bias)
        net.load_params(reference_params(reading, obs.values))
        forward = net._forward(data.X)
        reference.append(net._reduce(forward, data.Y))
        slack.append(conv.stability_slack(convention.family, forward.output, data.Y, net.layout.feature_axis))
        squares.append(0.5 * sum(float((net.params[k] ** 2).sum()) for k in net.params if k.startswith("W")))
    n, t = reading.n, reading.sizes[-1]
    v = np.array(values, dtype=float)
    for scale in conv.scales(convention.family, n, t):
        plain = scale.factor * np.array(reference)
        atol = 1e-12 + scale.factor * np.array(slack)     # an epsilon inside a log, a clip: see stability_slack
        if np.all(np.abs(v - plain) <= atol + rtol * np.abs(plain)):
            return scale, 0.0
        rest = v - plain
        s = np.array(squares)
        mu = float(np.vdot(rest, s) / max(np.vdot(s, s), 1e-300))
        if mu > 0 and np.all(np.abs(v - plain - mu * s) <= atol + rtol * np.abs(plain + mu * s)):
            return scale, mu
    return None


def _fused_delta(alternative, setting) -> bool:
    """The learner's gradients are a fused cross-entropy's (dZ_L = A_L - Y) where their loss needs the output's
    derivative: the line that computes dZ_L is where it is missing."""
    return (alternative is not None and alternative.family in ("bce", "softmax-cross-entropy")
            and setting.convention.family == "mse" and alternative.output == setting.convention.output)
