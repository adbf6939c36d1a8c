"""The last step of every comparison: each claim of the finished report checked against the evidence the
learner's run produced, before the report is returned (issue 24, "never confidently wrong").

- The verdict against every check in the same report: finite differences of the learner's own loss_fn
  (gradients that are not their own loss's are never a match), the table (a match has no MISMATCH row).
- A diagnosis whose gradients are those of the learner's own loss_fn, as compare read it, is only a
  possibility: one of the two readings is wrong, and the report says so.
- A cause that names something in the learner's code (a division by d, a stray 2) is stated as fact only
  when the learner's run shows that operation (the value a line made is the value before it divided by that
  number); otherwise the message keeps the factor and the usual causes, as possibilities.
- A line said to finalise a gradient with the wrong factor is kept only when that gradient's row disagrees.
- A note true only of a reading the report did not keep is dropped.

Each claim carries how it was established (``report.CHECKED`` or ``report.POSSIBLE``), in the text
("possibly ...") and in ``to_dict()`` (``established``).
"""

from __future__ import annotations

import ast
import linecache
from dataclasses import dataclass, replace

import numpy as np

from shapecheck.comparison.own_loss import AGREE, DISAGREE
from shapecheck.comparison.report import CHECKED, POSSIBLE, Diagnosis, Location, causes_text

#: How closely a value must be another one times the factor to show that operation (float64 rounding).
FACTOR_TOLERANCE = 1e-9
#: A note that holds only when the loss_fn's values were not recognised.
UNRECOGNISED = "your loss_fn's values match none of the losses"


@dataclass
class Evidence:
    """What the learner's run produced, beside the report: ``own`` (an :class:`~.own_loss.OwnLossCheck` or
    None) and ``run`` (a callable returning one traced run of the learner's code in values mode, or None:
    called only when a cause needs it)."""

    own: object = None
    run: object = None


def audit(report, evidence: Evidence):
    """``report`` with every claim that fails its check dropped or restated as a possibility (see the module)."""
    diagnoses, notes, verdict = list(report.diagnoses), list(report.notes), report.verdict
    own = evidence.own
    from_loss_fn = _source(report, "functions") == "read from your loss_fn's values"
    if own is not None and own.status == DISAGREE and verdict == "match":
        verdict, diagnoses = "mismatch", [_not_own_loss(report, own)]
    if verdict == "match" and any(row.status != "ok" for row in report.rows):
        verdict = "mismatch"
        diagnoses = [Diagnosis("unknown", "no known mistake reproduces your gradients: the reading that matched "
                               "disagrees with the table below; compare each MISMATCH row's backward step with "
                               "`shapecheck plan`", 1.0, ("unknown",))]
    first = diagnoses[0]
    if own is not None and own.status == AGREE and own.loose and verdict == "mismatch":
        notes.append("that agreement is only up to what the constant in your loss_fn's logs moves: a mistake "
                     "smaller than that, as the one found above may be, is not seen by that check")
    if (own is not None and own.status == AGREE and not own.loose and verdict == "mismatch" and from_loss_fn
            and first.explained
            and not set(first.bugs) & {"loss-mismatch", "l2-mismatch", "l2-on-bias"}):
        first = replace(first, message=f"{first.message}; your loss_fn does the same, so this is a mistake only if "
                                       "you did not mean to regularise the biases", established=POSSIBLE)
        notes.append("your gradients are those of your own loss_fn, and compare read your loss_fn as the loss "
                     "above: one of the two readings is wrong, so the diagnosis is only a possibility")
    if own is not None and own.status == AGREE and not own.loose and first.bugs == ("l2-on-bias",):
        first = replace(first, message=f"{first.message}; your loss_fn does the same, so this is a mistake only if "
                                       "you did not mean to regularise the biases", established=POSSIBLE)
        notes.append("your gradients are those of your own loss_fn, so your loss_fn regularises the biases too: if "
                     "you mean it to, this is no mistake in your backprop; the usual L2 term (the course exercise's "
                     "non-bias columns, CS231n's W1 and W2) leaves the biases out")
    first = _checked_causes(first, evidence)
    first = replace(first, locations=tuple(_held(location, report.rows) for location in first.locations
                                           if _held(location, report.rows) is not None))
    diagnoses[0] = first
    if from_loss_fn:
        notes = [note for note in notes if not note.startswith(UNRECOGNISED)]
    return replace(report, verdict=verdict, diagnoses=tuple(diagnoses), notes=tuple(notes))


def _source(report, aspect) -> str:
    return next((source for name, _, source in report.conventions if name == aspect), "")


def _not_own_loss(report, own) -> Diagnosis:
    """The diagnosis of a match that the learner's own loss_fn contradicts."""
    read = "; ".join(f"{aspect} {what} ({source})" for aspect, what, source in report.conventions
                     if aspect in ("functions", "loss scale"))
    return Diagnosis("unknown", f"your gradients are not those of your own loss_fn ({own.summary}); they agree "
                                f"with the reference only under conventions your loss_fn does not compute ({read}): "
                                "look for a factor or a term that your backward pass and your loss_fn do not share",
                     1.0, ("unknown",))


def _checked_causes(diagnosis, evidence) -> Diagnosis:
    """The diagnosis with the first cause its message names that the learner's run shows stated as fact."""
    wanted = [cause for cause in diagnosis.causes if cause.evidence]
    if not wanted or evidence.run is None:
        return diagnosis
    run = evidence.run()
    if run is None:
        return diagnosis
    for cause in diagnosis.causes:
        found = list(_operations(run.sites, *cause.evidence)) if cause.evidence else []
        if not found:
            continue
        line, source, _ = found[0]
        checked = replace(cause, fact=cause.fact.format(line=line, source=source), established=CHECKED)
        causes = (checked,)
        message = diagnosis.message.replace(causes_text(diagnosis.causes), causes_text(causes))
        return replace(diagnosis, message=message, causes=causes,
                       locations=_at_the_factor(diagnosis.locations, found, cause.evidence))
    return diagnosis


def _at_the_factor(locations, found, evidence) -> tuple:
    """The locations once the lines that bring the factor in are ``found`` in the run: those lines, in place of
    the lines that finalise a gradient from values already carrying it (each is right up to the factor its
    input has: the factor did not enter there)."""
    kind, k = evidence
    what = f"divides by {k:g}" if kind == "divides" else f"multiplies by {k:g}"
    factors = {}
    for line, _, path in found:
        factors.setdefault((path, line), Location(
            path, line, linecache.getline(path, line).strip(), f"factor {k:g}", "factor",
            hint=f"the factor of the diagnosis enters here: this line {what} (see the diagnosis); what is computed "
                 "from it carries the factor", established=CHECKED))
    lines = {line for _, line in factors}
    kept = [location for location in locations if location.kind != "finalised" and location.line not in lines]
    return (*factors.values(), *kept)


def _operations(sites, kind: str, k: float):
    """(line, source of the expression, file) of each operation of the learner's run that divides by ``k``
    (``kind`` "divides") or multiplies by it ("multiplies"), in execution order: a value that is the last
    earlier value of the same shape (its input) times ``1/k`` (or ``k``), made by ``/`` (``*``); or the scalar
    ``1/k`` made by ``/`` (``1 / m``)."""
    factor = 1.0 / k if kind == "divides" else float(k)
    ops = ("/", "/=") if kind == "divides" else ("*", "*=")
    arrays = [s for s in sites if isinstance(s.value, np.ndarray) and s.value.dtype.kind == "f"]
    for site in arrays:
        if not _operators(site) & set(ops) or not np.all(np.isfinite(site.value)):
            continue
        if kind == "divides" and _scaled_division(site):
            continue
        if site.value.size == 1:
            if kind == "divides" and abs(float(site.value.ravel()[0]) - factor) <= FACTOR_TOLERANCE * factor:
                yield site.line, site.source, site.file
            continue
        # the operation's input: the value of the same shape made last before it (any earlier one would let a
        # coincidence of sizes pass for the factor: `dZ2 * (2 / t)` with t = 8 is no 1/2 of anything it reads)
        inputs = [e for e in arrays if e.order < site.order and e.value.shape == site.value.shape]
        before = max(inputs, key=lambda e: e.order).value if inputs else None
        # a minus on the operand is no operation of its own: `-(y / p - (1 - y) / (1 - p)) / outputs`
        if inputs and (_times(site.value, before, factor) or _negated(site) and _times(site.value, before, -factor)):
            yield site.line, site.source, site.file


def _operators(site) -> set:
    """The arithmetic operators a site applies: its own (``/``, ``*=``) and those in its expression (an
    assignment's ``dZ2 = 2 * dZ2``, a product ``1 / m * np.dot(...)``, whose ``1 / m`` of two plain numbers
    is no site of its own)."""
    found = {site.op}
    try:
        tree = ast.parse(site.source, mode="eval")
    except (SyntaxError, ValueError):
        return found
    return found | {{ast.Mult: "*", ast.Div: "/"}[type(node.op)] for node in ast.walk(tree)
                    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div))}


def _negated(site) -> bool:
    """The site's expression holds a unary minus (which the run does not show as a value of its own)."""
    try:
        tree = ast.parse(site.source, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) for node in ast.walk(tree))


def _scaled_division(site) -> bool:
    """The site's expression divides a number other than 1 (``dZ2 * (2 / Y.shape[1])``): its value being
    ``1/k`` times an earlier one does not show a division by ``k`` (2 / 4 is 1/2, not a division by 2)."""
    try:
        tree = ast.parse(site.source, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.left, ast.Constant)
               and node.left.value != 1 for node in ast.walk(tree))


def _times(value, before, factor) -> bool:
    scale = float(np.max(np.abs(before)))
    return scale > 0 and bool(np.all(np.abs(value - factor * before) <= FACTOR_TOLERANCE * abs(factor) * scale))


def _held(location, rows):
    """``location``, unless it says a gradient is finalised with the wrong factor while that gradient's row
    agrees with the reference (None)."""
    if location.kind != "finalised":
        return location
    names = [quantity.split()[-1] for quantity in location.quantity.split(", ")]
    wrong = {row.reference for row in rows if row.status != "ok"}
    wrong |= {row.name.split("[")[0] for row in rows if row.status != "ok"}     # a folded W: the learner's whole array
    return location if any(name in wrong for name in names) else None
