"""Which fixes a failure's explanation offers, and in what words.

The rewrites of the failing operation (``shapes.fixes``), the "send it through the weights first" rewrite and,
for integer class labels against an ``(n, t)`` array, one-hot encoding, are each checked on the learner's
run (:mod:`fix_check`) when the run is at hand. A fix that fits is offered with what was checked; one that
runs on its line but whose result's use could not be followed is offered as a possibility; one that breaks
what comes next is not offered, and one line says why, so the learner does not try it either. Without a
run (an explanation built from shapes alone) the fixes are said to fit the shapes only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shapecheck._arrays import format_shape
from dataclasses import replace

from shapecheck.tracing.backward_orientation import against_the_forward_pass, gradient_against_the_forward_pass
from shapecheck.tracing.fix_check import (FITS, LEFT, LINE_ONLY, REJECTED, RIGHT, Candidate, Verdict,
                                          check_candidates)

#: How many rejected fixes are named (with why) after the offered ones.
_NAMED_REJECTIONS = 2


@dataclass(frozen=True)
class Offer:
    """The fixes part of an explanation: its ``header`` ("fixes that would work:"), one line per fix or
    rejection, and each candidate's verdict (for the JSON report); ``fitting`` is whether any fix was
    checked to fit."""

    header: str
    lines: tuple
    verdicts: tuple = ()

    @property
    def fitting(self) -> bool:
        return any(v.status == FITS for v in self.verdicts)


def offer(candidates: list[tuple[Candidate, tuple]], context, operands=(), refused=()) -> Offer:
    """``candidates``: (candidate, the result shape the shape rules predict), best first. ``context``: a
    :class:`fix_check.Context`, or None when there is no run to check them on. ``operands``: the failing
    operation's (text, shape), to say when a square one makes two readings fit alike. ``refused``:
    (candidate, why) known to be wrong before any check (a normalisation over the samples)."""
    if not candidates and not refused:
        return Offer("", ())
    if context is None:
        lines = [_said(c, shape) for c, shape in candidates]
        return Offer("possible fixes (they fit these shapes; not checked on a run):", tuple(lines))
    verdicts = _ties_broken(check_candidates(context, [c for c, _ in candidates]), context)
    verdicts += [Verdict(c, REJECTED, shape, why) for c, shape, why in refused]
    fits = [v for v in verdicts if v.status == FITS]
    possible = [v for v in verdicts if v.status == LINE_ONLY]
    rejected = [v for v in verdicts if v.status == REJECTED and v.result is not None and not v.candidate.at_line]
    lines = [_with_evidence(_said(v.candidate, v.result), v.evidence) for v in fits[:4]]
    lines += _coinciding(fits) + _square(fits, operands)
    if fits:
        header = "fixes that would work:"
    elif possible:
        header = "possible fixes (each makes this line run; what uses its result could not be checked):"
        lines += [_said(v.candidate, v.result) for v in _shape_keeping(possible, operands)]
    else:
        header = "what to do:"
    lines += [f"not offered: `{v.candidate.text}` gives {format_shape(v.result)}, but {v.evidence}"
              for v in rejected[:_NAMED_REJECTIONS]]
    return Offer(header, tuple(lines), tuple(verdicts))


def _ties_broken(verdicts, context):
    """When several rewrites fit (sizes that coincide, a square weight), the run's forward pass tells
    which way an error goes back through a weight and how a weight's gradient pairs signal and error:
    those that contradict it are rejected, and those that agree say so."""
    fits = sum(v.status == FITS for v in verdicts)
    status = FITS if fits >= 2 else LINE_ONLY if not fits and sum(v.status == LINE_ONLY for v in verdicts) >= 2 else None
    if status is None:
        return verdicts
    out = []
    for verdict in verdicts:
        found = None
        if verdict.status == status:
            found = (gradient_against_the_forward_pass(verdict.candidate, verdict.gradient_of, context.forward)
                     if verdict.gradient_of else None) or against_the_forward_pass(verdict.candidate, context.forward)
        if found is None:
            out.append(verdict)
        elif found[0]:
            out.append(replace(verdict, evidence=f"{verdict.evidence}; {found[1]}"))
        else:
            out.append(replace(verdict, status=REJECTED, evidence=found[1]))
    return out


def _shape_keeping(possible, operands) -> list:
    """Of rewrites that could not be followed, those whose result has the shape of an original operand (a
    fix usually makes one operand fit the other); all of them when none does."""
    shapes = {tuple(shape) for _, shape in operands if shape is not None}
    kept = [v for v in possible if v.result in shapes]
    return kept or possible


def _said(candidate: Candidate, shape) -> str:
    """A fix in words: a rewrite of the failing line, or of the line that made an operand."""
    if candidate.at_line:
        gives = f"; this line then gives {format_shape(shape)}" if shape is not None else ""
        return f"at line {candidate.at_line}: `{candidate.text}` instead of `{candidate.replaces}`{gives}"
    return _line(candidate.text, shape, candidate.question)


def _line(text: str, shape, question: str) -> str:
    said = f"`{text}` gives {format_shape(shape)}" if shape is not None else f"`{text}`"
    return f"{said}: {question}" if question else said


def _with_evidence(line: str, evidence: str) -> str:
    return f"{line} {evidence[0].upper()}{evidence[1:]}" if line.endswith("?") else f"{line}; {evidence}"


def _coinciding(fits) -> list[str]:
    """When two fixes that fit give the same shape, the sizes cannot tell them apart: say so."""
    shapes = [v.result for v in fits[:4]]
    repeated = {s for s in shapes if shapes.count(s) > 1}
    if not repeated:
        return []
    texts = [f"`{v.candidate.text}`" for v in fits if v.result in repeated]
    return [f"{' and '.join(texts[:2])} both fit only because sizes coincide here: they pair the operands' "
            "axes differently and give the same shape, so the shapes cannot tell which is right; re-run with all "
            "sizes different to tell them apart"]


def _square(fits, operands) -> list[str]:
    """A square operand fits transposed or not: a fix that uses it one way is as checked as the other, and
    only the learner knows which way the matrix maps its layers. Said once per square operand."""
    if not fits:
        return []
    said = []
    for text, shape in operands:
        settled = any(("multiplies by `" in v.evidence or " computes `" in v.evidence) and text in v.evidence
                      for v in fits)                                                # by the forward pass
        if shape is not None and len(shape) == 2 and shape[0] == shape[1] > 1 and not settled:
            said.append(f"`{text}` is square {format_shape(shape)}: the shapes fit it transposed or not, so they "
                        f"cannot tell whether the fix should use `{text}` or its transpose; check which way it maps "
                        "its layers (re-run with layers of different widths to let the shapes tell)")
    return said


# --- integer class labels ---------------------------------------------------------------------------------

def label_candidates(symbol: str, operands, values) -> tuple[list[tuple[Candidate, tuple]], list[str]]:
    """``y - t`` with ``y`` ``(n, t)`` (or ``(t, n)``) probabilities and ``t`` ``(n,)`` integer class labels:
    the fix is one-hot encoding ``np.eye(t)[labels]`` (never a reshape, which would subtract the label's
    number from every probability), and for ``-`` the index form as advice. ([], []) when no operand holds
    class labels for the other's classes."""
    if values is None or len(operands) != 2 or symbol not in ("-", "+", "*"):
        return [], []
    for index in (0, 1):
        labels_text, labels_shape = operands[index]
        other_text, other_shape = operands[1 - index]
        if labels_shape is None or other_shape is None or len(labels_shape) != 1 or len(other_shape) != 2:
            continue
        n = labels_shape[0]
        rows = other_shape[0] == n
        classes = other_shape[1] if rows else other_shape[0] if other_shape[1] == n else None
        offset = _label_offset(values[index], classes) if classes else None
        if offset is None:
            continue
        shifted = f"{labels_text} - 1" if offset else labels_text
        one_hot = f"np.eye({classes})[{shifted}]" + ("" if rows else ".T")
        template_labels = (RIGHT if index else LEFT) + (" - 1" if offset else "")
        template_one_hot = f"np.eye({classes})[{template_labels}]" + ("" if rows else ".T")
        other_template = LEFT if index else RIGHT
        pair = (one_hot, other_text) if index == 0 else (other_text, one_hot)
        template = (template_one_hot, other_template) if index == 0 else (other_template, template_one_hot)
        question = (f"`{labels_text}` holds class labels ({'1' if offset else '0'} to "
                    f"{classes - 1 + offset}), one per sample: compare probabilities with their one-hot rows")
        candidate = Candidate(f"{pair[0]} {symbol} {pair[1]}", f"{template[0]} {symbol} {template[1]}",
                              question=question)
        advice = []
        if symbol == "-" and index == 1 and rows:
            advice.append(f"or, without one-hot: copy `{other_text}` and subtract 1 at each sample's label, "
                          f"`d = {other_text}.copy(); d[np.arange(len({labels_text})), {shifted}] -= 1`")
        return [(candidate, tuple(other_shape))], advice
    return [], []


def _label_offset(values, classes: int) -> int | None:
    """0 for labels 0..classes-1, 1 for labels 1..classes (as in Octave), None when ``values`` are not
    class labels (not integral, or outside both ranges)."""
    array = np.asarray(values)
    if array.size == 0 or classes < 2:
        return None
    if not (np.issubdtype(array.dtype, np.integer) or
            np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        return None
    low, high = array.min(), array.max()
    if low >= 0 and high <= classes - 1:
        return 0
    if low >= 1 and high == classes:
        return 1
    return None
