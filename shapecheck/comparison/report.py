"""The comparison's result: the verdict, the diagnoses best first, and one row per tensor."""

from __future__ import annotations

import os
from dataclasses import dataclass

from tabulate import tabulate

from shapecheck._arrays import format_shape
from shapecheck._report import Pretty, Report

#: How a claim in a report was established (rustc's MachineApplicable / MaybeIncorrect): checked against the
#: learner's own run (their values, their code, their loss_fn), or only a possibility, said with "possibly".
CHECKED, POSSIBLE = "checked on your run", "possibility"

#: The stable bug ids.
BUG_IDS = ("match", "missing-mean", "wrong-scale", "sign-flip", "derivative-at-activation",
           "derivative-formula-at-pre-activation",
           "missing-output-derivative", "missing-hidden-derivative", "bias-wrong-axis", "transposed",
           "stale-weights", "loss-mismatch", "l2-mismatch", "l2-on-bias", "wrong-unit", "unknown")


@dataclass(frozen=True)
class Location:
    """A line of the learner's code where the diagnosed mistake is: ``quantity`` is the plan's name of what
    the line computes (``prime1``, ``dZ2``, ...); ``kind`` is "computed" (the line computes it), "argument"
    (the line hands a correct helper, ``called``, the wrong input), "unfinished" (the line computes a value
    that is never finished: a derivative left out after it), "finalised" (the line finalises a gradient),
    "sign" (the sign turns here) or "update" (an update whose direction disagrees with the error's sign).
    ``hint``: what is wrong and how to write it, in the learner's names."""

    path: str
    line: int
    source: str
    quantity: str
    kind: str = "computed"
    hint: str = ""
    called: str = ""
    established: str = CHECKED      # a line is named only when the learner's values there show the mistake

    def __str__(self) -> str:
        place = f"at {os.path.basename(self.path)}:{self.line}   "
        text = place + self.source
        return text + (f"\n{' ' * len(place)}{self.hint}" if self.hint else "")

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "source": self.source, "quantity": self.quantity,
                "kind": self.kind, "hint": self.hint, "established": self.established}


@dataclass(frozen=True)
class Cause:
    """What in the learner's code may make a factor: ``possible`` is the words used while it is not found
    (the diagnosis's message holds them), ``fact`` the words once the audit finds it in the learner's run
    (``{line}`` and ``{source}`` filled in); ``evidence``: ("divides", k) or ("multiplies", k), the operation
    to look for, or () when nothing in the code can show it (a 1/n left out)."""

    possible: str
    fact: str = ""
    evidence: tuple = ()
    established: str = POSSIBLE

    @property
    def text(self) -> str:
        return self.fact if self.established == CHECKED else self.possible

    def to_dict(self) -> dict:
        return {"text": self.text, "established": self.established}


def causes_text(causes) -> str:
    """The words a message gives its causes: `` (possibly a; or b)`` while none is found in the learner's run,
    `` (what was found)`` once one is; "" for none."""
    checked = [cause for cause in causes if cause.established == CHECKED]
    if checked:
        return f" ({checked[0].fact})"
    if not causes:
        return ""
    if len(causes) == 1:
        return f" (possibly {causes[0].possible}: not found in your code)"
    return f" (usual causes, none found in your code: {'; or '.join(cause.possible for cause in causes)})"


@dataclass(frozen=True, repr=False)
class Diagnosis(Pretty):
    """One explanation of the learner's gradients: the bug id(s), a plain message with the fix, and how
    closely the hypothesis reproduces the gradients (``score``: the relative residual, 0 is exact)."""

    bug: str                 # one id from BUG_IDS, or two joined by " + "
    message: str
    score: float
    bugs: tuple = ()
    locations: tuple = ()    # Location(s) in the learner's code where the mistake is (empty: not pinned down)
    causes: tuple = ()       # Cause(s) of a factor, as the message words them (see audit.py)
    established: str = CHECKED   # the mistake's gradients reproduce the learner's at every point compare ran

    def __str__(self) -> str:
        located = ["  " + line for location in self.locations for line in str(location).splitlines()]
        return "\n".join([f"{self.bug}: {self.message}", *located])

    def _repr_line(self) -> str:
        return f"{self.bug}: {self.message}"

    @property
    def explained(self) -> bool:
        """A known mistake (or none) reproduces the learner's gradients."""
        return self.bug != "unknown"

    def to_dict(self) -> dict:
        return {"bug": self.bug, "bugs": list(self.bugs or (self.bug,)), "message": self.message,
                "score": self.score, "established": self.established,
                "causes": [cause.to_dict() for cause in self.causes],
                "locations": [location.to_dict() for location in self.locations]}


#: the columns of a comparison's table
HEADERS = ["your tensor", "reference", "shape", "rel error", "scale", "status"]


@dataclass(frozen=True, repr=False)
class TensorRow(Pretty):
    """One parameter: the learner's name, the reference name, shape, relative error, best scale."""

    name: str
    reference: str
    shape: tuple
    rel_error: float
    scale: float
    status: str              # "ok", "MISMATCH" or "shape"

    def cells(self) -> list:
        """The row in the report's table: a gradient of another shape has no error or scale to show."""
        if self.status == "shape":
            return [self.name, self.reference, format_shape(self.shape), "-", "-", self.status]
        return [self.name, self.reference, format_shape(self.shape), f"{self.rel_error:.1e}", f"{self.scale:.4g}",
                self.status]

    def __str__(self) -> str:
        return tabulate([self.cells()], headers=HEADERS, disable_numparse=True)

    def _repr_line(self) -> str:
        name, reference, shape, error, scale, status = self.cells()
        return f"{name} (reference {reference}) {shape} {status}: rel error {error}, scale {scale}"

    def to_dict(self) -> dict:
        shape = self.status == "shape"          # no error or scale between arrays of different shapes
        return {"name": self.name, "reference": self.reference, "shape": list(self.shape),
                "rel_error": None if shape else self.rel_error, "scale": None if shape else self.scale,
                "status": self.status}


@dataclass(frozen=True, repr=False)
class ComparisonReport(Report):
    """The learner's gradients against the reference's: ``verdict`` ``"match"`` or ``"mismatch"``, the
    diagnoses (the best first, with the lines it names), one row per tensor (see :mod:`shapecheck._report`)."""

    verdict: str             # "match" or "mismatch"
    diagnoses: tuple
    rows: tuple
    layout: str
    sizes: tuple
    notes: tuple = ()
    conventions: tuple = ()      # ((aspect, what was used, where it came from), ...)

    @property
    def ok(self) -> bool:
        return self.verdict == "match"

    @property
    def summary(self) -> str:
        return (f"{self.verdict.upper()}: network {list(self.sizes)}, layout {self.layout!r}; "
                f"{self.diagnoses[0].bug}: {self.diagnoses[0].message}")

    def __str__(self) -> str:
        head = self.summary
        table = [r.cells() for r in self.rows]
        located = ["  " + line for location in self.diagnoses[0].locations for line in str(location).splitlines()]
        lines = [head, *located, tabulate(table, headers=HEADERS, disable_numparse=True)]
        for other in self.diagnoses[1:]:
            lines.append(f"also consistent: {other.bug} (residual {other.score:.1e}): {other.message}")
        lines += [f"{aspect}: {what} ({source})" if source else f"{aspect}: {what}"
                  for aspect, what, source in self.conventions]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    def _html_body(self) -> str:
        """The report for Jupyter, after the summary: each located line highlighted, the table, the rest."""
        import html

        located = "".join(f"<li>at <code>{html.escape(os.path.basename(location.path))}:{location.line}</code> "
                          f"<mark><code>{html.escape(location.source)}</code></mark>"
                          f"{'<br>' + html.escape(location.hint) if location.hint else ''}</li>"
                          for location in self.diagnoses[0].locations)
        table = [r.cells() for r in self.rows]
        table = tabulate(table, headers=HEADERS, tablefmt="html", disable_numparse=True)          # tabulate's "html" escapes the cells
        others = "".join(f"<p>also consistent: {html.escape(other.bug)} (residual {other.score:.1e}): "
                         f"{html.escape(other.message)}</p>" for other in self.diagnoses[1:])
        conventions = "".join(f"<p>{html.escape(aspect)}: {html.escape(what)}"
                              f"{f' ({html.escape(source)})' if source else ''}</p>"
                              for aspect, what, source in self.conventions)
        notes = "".join(f"<p><i>note:</i> {html.escape(note)}</p>" for note in self.notes)
        located = f"<ul>{located}</ul>{_beside_plan(self)}" if located else ""
        return f"{located}{table}{others}{conventions}{notes}"

    def _details(self) -> dict:
        return {"layout": self.layout, "sizes": list(self.sizes),
                "diagnoses": [d.to_dict() for d in self.diagnoses], "rows": [r.to_dict() for r in self.rows],
                "conventions": [{"aspect": a, "used": w, "source": s} for a, w, s in self.conventions],
                "notes": list(self.notes)}


def _beside_plan(report) -> str:
    """The located lines beside the plan's equations (shapecheck.pictures.compare_view); '' if that fails."""
    from shapecheck.pictures.compare_view import located_html

    try:
        return located_html(report)
    except Exception:  # noqa: BLE001 - the located lines above already say where the mistake is
        return ""
