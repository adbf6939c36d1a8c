"""The tracer's report: every matrix product (or every operation), the silent bugs, the failure.

``TraceReport.to_dict()`` is the JSON contract that CI tools rely on::

    {"ok": bool,
     "verdict": "ok" | "warnings" | "failed" | "incomplete",
     "summary": str,
     "exit_code": int,
     "error": null | {"file", "line", "kind", "message", "operands": [{"expr", "shape"}],
                      "explanation": str, "fixes": [str],
                      "fix_checks": [{"text", "status", "result", "evidence", "checked_on_this_run"}],
                      "expr": str, "col": int},
     "sites": [{"file", "line", "op", "expr", "calls", "signatures": [{"shapes", "result", "count"}]}],
     "warnings": [{"file", "line", "kind", "message", "lines" (a group's only): [{"file", "line", "kinds"}]}],
     "notes": [{"kind", "message", ...}],
     "internal_errors": [{"file", "line", "message"}],
     "stopped": null | {"file", "line", "exception", "message", "hint", "traced"}}

``file`` is relative to the script's directory (``../common/functions.py`` for a learner's module two folders
up at most); in a notebook's report (``shapecheck trace course.ipynb``)
every place has ``"cell"`` between ``file`` and ``line``: ``{"file": "course.ipynb", "cell": 3, "line": 2}``,
the code cell counted from 1 in document order and the line in that cell (a script's places have no
``cell``), and ``notes`` may hold ``{"kind": "ipython-lines", "lines": [{"file", "cell", "line", "text",
"how"}], "message"}`` (the magics, shell and help lines not run as Python; ``how`` is ``skipped``,
``cell-skipped``, ``statement-ran``, ``body-ran`` or ``file-ran``) and ``{"kind": "cells-not-run", "cells": [int],
"message"}`` (the cells after the one that stopped the run); ``kind`` of an error is ``broadcast``, ``matmul`` or
``inplace-broadcast``; ``summary`` is the text report's first line (``verdict`` one word for programs, as
in every report: :mod:`shapecheck._report`); ``error.explanation`` is the whole
explanation the text report (or the traceback) shows, and ``error.fixes`` its "fixes that would work",
one string each (``[]`` when there are none); ``error.fix_checks`` says, for each rewrite considered, how it
fared on the run: ``status`` ``fits`` (it ran, and so did what uses its result: ``checked_on_this_run``),
``line-only`` (a possibility: its result's use could not be followed) or ``rejected`` (not offered);
``error.expr`` and ``error.col`` are the failing expression's source text and column, what a fix replaces.
``warnings`` are operations that ran but are probably
wrong (``outer-broadcast``, ``inplace-broadcast``, ``rank-1``, ``reshape-transpose``, ``parameter-grows``,
``shared-bias-gradient``; a ``rank-1`` warning with ``lines`` stands for the warnings of every line one rank-1
vector was stretched at, see :mod:`warning_groups`): they make the report not ``ok`` and
``--strict`` exit 2. ``notes`` never do: ``{"kind": "ambiguous-sizes", "sizes": [int], "lines": [{"file",
"line"}], "message"}`` says, once per run, that equal sizes in different roles hide some bugs from the
tracer; ``{"kind": "options-after-script", "options": [str], "message"}`` (from the command line) that
shapecheck options written after the script went to the script. ``internal_errors`` are failures of
shapecheck itself (never of the learner's code): when there are any, the report says so first and is
not ``ok``. ``stopped`` is the exception that ended the run when it is not a shape error (a ``TypeError``,
a ``KeyError``, a missing module): where in the learner's code, its message, and a ``hint`` for a cause
recognised and checked in the learner's frame (else ""), and ``traced``: false when the failing file ran
untraced (a script ``%run`` from a notebook); the verdict is then ``incomplete``, since what would have run
after it was not checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from tabulate import tabulate

from shapecheck._arrays import format_shape
from shapecheck._report import Pretty, Report
from shapecheck.tracing.explain import looks_like_a_shape_error
from shapecheck.tracing.frameworks import framework_kind
from shapecheck.tracing.faults import could_not_trace, describe, escaped_fault
from shapecheck.tracing.locations import location, place_dict
from shapecheck.tracing.runtime import MATRIX_PRODUCTS
from shapecheck.tracing.stopped import stop_phrase, stopped_at, stopped_text
from shapecheck.tracing.warning_groups import GROUPED, groups, points_back
from shapecheck.tracing.warning_groups import message as group_message
from shapecheck.tracing.warnings import coinciding_sizes, sizes_note


@dataclass(frozen=True, repr=False)
class SiteReport(Pretty):
    """One traced operation site, with the shapes it saw (``str``: its row of the report's table)."""

    file: str
    line: int
    op: str
    expr: str
    signatures: tuple            # ({"shapes": [...], "result": [...], "count": int, "options": str}, ...)
    cell: int | None = None      # in a notebook: the code cell (from 1), ``line`` then counts in it
    first_seen: tuple = field(default=(), compare=False)     # per signature: its place in the run's order

    @property
    def calls(self) -> int:
        return sum(s["count"] for s in self.signatures)

    @property
    def is_matrix_product(self) -> bool:
        return self.op in MATRIX_PRODUCTS

    def __str__(self) -> str:
        return _site_table([self])

    def _repr_line(self) -> str:
        return f"{location(self.file, self.line, self.cell)} {self.op} `{self.expr}`: {self.calls} call(s)"

    def to_dict(self) -> dict:
        return {**place_dict(self.file, self.line, self.cell), "op": self.op, "expr": self.expr,
                "calls": self.calls, "signatures": [dict(s) for s in self.signatures]}


@dataclass(frozen=True, repr=False)
class WarningReport(Pretty):
    """A warning of the trace (``str``: the line the report prints for it)."""

    file: str
    line: int
    kind: str
    message: str
    lines: tuple = ()       # a group's warned lines: ({"file", "line", "kinds"}, ...) (warning_groups)
    cell: int | None = None      # in a notebook: the code cell (from 1), ``line`` then counts in it

    def __str__(self) -> str:
        return f"{location(self.file, self.line, self.cell)} [{self.kind}] {self.message}"

    def to_dict(self) -> dict:
        found = {**place_dict(self.file, self.line, self.cell), "kind": self.kind, "message": self.message}
        return {**found, "lines": [dict(line) for line in self.lines]} if self.lines else found


@dataclass(frozen=True, repr=False)
class TraceReport(Report):
    """What the tracer saw: the exit code, the failure (if any), the sites, the warnings and the notes
    (facts worth knowing that are not problems: they never make the report not ``ok``). ``verdict`` is
    ``"ok"``, ``"warnings"``, ``"failed"`` or ``"incomplete"`` (see :mod:`shapecheck._report`)."""

    exit_code: int
    error: dict | None
    sites: tuple
    warnings: tuple
    error_text: str = ""
    show_all: bool = field(default=False, compare=False)
    internal_errors: tuple = ()          # ({"file", "line", "message"}, ...): shapecheck's own failures
    value: object = field(default=None, compare=False, repr=False)       # what trace(fn) returned
    exception: object = field(default=None, compare=False, repr=False)   # what ended the run, if anything
    notes: tuple = ()                    # ({"kind", "message", ...}, ...): shown last, never warnings
    caught: tuple = ()                   # ({"file", "line", "kind", "message", "count"}, ...): errors the program caught
    function: str = ""                   # trace(fn): "forward()", said in the summary instead of an exit code
    stopped: dict | None = None          # {"file", "line", "exception", "message", "hint", "traced"}: see above
    unit: str = "script"                 # what ran, in the report's words: "script", "notebook", or "cell" (Jupyter)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.warnings and not self.internal_errors and not self.interrupted \
            and self.stopped is None

    @property
    def interrupted(self) -> bool:
        """The script was stopped by Ctrl-C (exit code 130): what did not run was not checked."""
        return isinstance(self.exception, KeyboardInterrupt)

    @property
    def verdict(self) -> str:
        if self.internal_errors or (self.interrupted or self.stopped) and not self.error:
            return "incomplete"
        return "failed" if self.error else "warnings" if self.warnings else "ok"

    @property
    def summary(self) -> str:
        notes = len(self.notes)
        return self._outcome() + ("" if not notes else "; see the note below" if notes == 1
                                  else f"; see the {notes} notes below")

    def _details(self) -> dict:
        return {"exit_code": self.exit_code, "error": self.error,
                "sites": [s.to_dict() for s in self.sites], "warnings": [w.to_dict() for w in self.warnings],
                "notes": [dict(n) for n in self.notes], "caught": [dict(c) for c in self.caught],
                "internal_errors": [dict(e) for e in self.internal_errors],
                "stopped": dict(self.stopped) if self.stopped else None}

    def with_note(self, note: dict) -> "TraceReport":
        """The same report with one more note (``{"kind", "message", ...}``) at its end."""
        return replace(self, notes=(*self.notes, dict(note)))

    def matrix_products(self) -> list:
        return [s for s in self.sites if s.is_matrix_product]

    def __str__(self) -> str:
        return self.render(show_all=self.show_all)

    def render(self, *, show_all: bool = False) -> str:
        """The text report: the verdict, shapecheck's own failures, the products (or every operation), the
        warnings, the explanation of the failure, the notes."""
        parts = [self.summary, *(could_not_trace(e["file"], e["line"], e["message"], cell=e.get("cell"))
                                    for e in self.internal_errors)]
        shown = self.sites if show_all else self.matrix_products()
        title = "every traced operation" if show_all else "matrix products"
        if shown:
            parts.append(f"\n{title}:\n" + _site_table(shown))
        if self.warnings:
            parts.append("\nwarnings (operations that ran but are probably wrong):")
            parts += [f"  {w}" for w in self.warnings]
        if self.caught:
            parts.append("\nshape errors your program caught and went on after:")
            parts += [f"  {location(c['file'], c['line'], c.get('cell'))} [{c['kind']}] {_times(c['count'])}: "
                      f"{c['message']}"
                      for c in self.caught]
        if self.error_text:
            parts.append("\n" + self.error_text)
        if self.stopped:
            parts.append("\n" + self.stopped_text())
        if self.notes:
            parts.append("\n" + "\n".join(f"note: {n['message']}" for n in self.notes))
        return "\n".join(parts)

    def _outcome(self) -> str:
        products = len(self.matrix_products())
        ended = f"exit code {self.exit_code}"
        if self.function:
            raised = type(self.exception).__name__ if self.exception is not None else None
            ended = f"{self.function} {'raised ' + raised if raised else 'returned'}"
        head = f"shapecheck trace: {ended}; {len(self.sites)} operation sites, {products} matrix products"
        if self.internal_errors:
            return f"{head}; INCOMPLETE: shapecheck itself failed at {len(self.internal_errors)} place(s)"
        if self.error:
            where = location(self.error["file"], self.error["line"], self.error.get("cell"))
            return f"{head}; FAILED at {where} ({self.error['kind']})"
        if self.interrupted:
            warned = f"{len(self.warnings)} warning(s) so far; " if self.warnings else ""
            return f"{head}; {warned}interrupted: what had not run yet was not checked"
        if self.stopped:
            return f"{head}; {stop_phrase(self.stopped, len(self.sites), len(self.warnings))}"
        if self.warnings:
            return f"{head}; {len(self.warnings)} warning(s)"
        if self.exit_code != 0 and not self.sites:
            return f"{head}; the {'function' if self.function else self.unit} stopped before any array operation ran"
        return f"{head}; no shape problems found"

    def stopped_text(self) -> str:
        """The paragraph on a failure that is not a shape error ('' when the run did not end in one)."""
        if not self.stopped:
            return ""
        return stopped_text(self.stopped, len(self.sites), "function" if self.function else self.unit,
                            len(self.warnings) + len(self.caught))

    def _html_body(self) -> str:
        """The report for Jupyter, after the summary: the tables, warnings, the explanation and the notes."""
        import html

        rows = self.sites if self.show_all else self.matrix_products()
        table = tabulate(_site_rows(rows), headers=_HEADERS, tablefmt="html", disable_numparse=True)
        warnings = "".join(f"<li><b>{html.escape(w.kind)}</b> {'' if w.cell is None else f'cell {w.cell}, '}line "
                           f"{w.line}: {html.escape(w.message)}</li>"
                           for w in self.warnings)
        error = f"<pre>{html.escape(self.error_text or self.stopped_text())}</pre>" \
            if self.error_text or self.stopped else ""
        notes = "".join(f"<p><i>note:</i> {html.escape(n['message'])}</p>" for n in self.notes)
        return f"{table}{'<ul>' + warnings + '</ul>' if warnings else ''}{error}{notes}{self._pictures()}"

    def _pictures(self) -> str:
        """The drawings of ``shapecheck trace --html`` for a notebook cell ('' if drawing them failed: a bug of
        ours must not cost the learner the report)."""
        from shapecheck.pictures.page import fragment
        from shapecheck.pictures.trace_view import trace_html

        try:
            return fragment(trace_html(self))
        except Exception:  # noqa: BLE001 - the text above already says everything the drawings show
            return ""


_HEADERS = ["location", "expression", "shapes", "result", "calls"]


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _site_rows(sites) -> list:
    rows = []
    for site in sites:
        for signature in site.signatures:
            shapes = " , ".join(format_shape(s) if s is not None else "scalar" for s in signature["shapes"])
            result = format_shape(signature["result"]) if signature["result"] is not None else ""
            expr = " ".join(site.expr.split())          # an expression over several lines, on one
            expr = expr if len(expr) <= 48 else expr[:45] + "..."
            if signature.get("options"):
                shapes += f"  ({signature['options']})"
            rows.append([location(site.file, site.line, site.cell), expr, shapes, result, signature["count"]])
    return rows


def _site_table(sites) -> str:
    return tabulate(_site_rows(sites), headers=_HEADERS, disable_numparse=True)


def build_report(tracer, exit_code: int, base_dir: str, *, raised: BaseException | None = None,
                 show_all: bool = False, name_of=None) -> TraceReport:
    """Collect the tracer's records into a report; files are made relative to ``base_dir``. ``name_of`` maps a
    frame's file name to the name its code was instrumented under (a notebook cell's ``In[7]``)."""
    # a learner's module beside the script's folder (a book's ../common) is relative too, as documented
    relative = lambda path: _relative(path, base_dir, local=_local_file(tracer, path))  # noqa: E731
    by_site: dict[int, list] = {}
    hidden = getattr(tracer, "wrapped_sites", ())      # inside a package's np.dot: the learner's call stands for them
    seen = {id(record): index for index, record in enumerate(tracer.records.values())}    # the order they ran
    for record in tracer.records.values():
        if record.site not in hidden:
            by_site.setdefault(record.site, []).append(record)
    sites = []
    for site_id in sorted(by_site, key=lambda i: (tracer.registry.sites[i].file, tracer.registry.sites[i].line, i)):
        site = tracer.registry.sites[site_id]
        records = sorted(by_site[site_id], key=lambda r: -r.count)
        signatures = tuple({"shapes": [list(s) if s is not None else None for s in r.shapes],
                            "result": list(r.result) if r.result is not None else None, "count": r.count,
                            **({"options": r.options} if r.options else {})}
                           for r in records)
        op = site.op if site.op != "call" else _call_name(by_site[site_id])
        sites.append(SiteReport(relative(site.file), site.line, op, site.expr, signatures,
                                first_seen=tuple(seen[id(r)] for r in records)))
    grouped = groups(tracer, by_site)
    warnings = _warning_reports(tracer, grouped, relative)
    error, text = None, ""
    failure = _the_failure(tracer, raised)
    if failure is not None and failure.explanation is not None:
        explanation = failure.explanation
        error = explanation.to_dict(relative(explanation.file))
        text = explanation.text.replace(f" at {explanation.file}:", f" at {error['file']}:")
        error["explanation"] = text
    if error is None and raised is not None and looks_like_a_shape_error(raised):
        error, text = _untraced_failure(raised, relative)
    back = ""
    if error is not None and grouped and failure is not None and failure.explanation is not None:
        file = failure.explanation.file
        back = points_back(grouped, error, tracer.registry.sources.get(file, ""), file, relative)
    if back or error is not None and warnings and error["kind"] == "inplace-broadcast":
        text += back or _warned_first(warnings, error)
        error["explanation"] = text
    note, faults = _sizes_note(tracer, by_site, relative)
    internal = _internal_errors(tracer, raised, relative) + faults
    return TraceReport(exit_code, error, tuple(sites), warnings, text, show_all, exception=raised,
                       internal_errors=internal, notes=(note,) if note else (),
                       caught=_caught(tracer, failure, relative),
                       stopped=_stopped(raised, error, tracer, relative, name_of or (lambda file: file)))


def _stopped(raised, error, tracer, relative, name_of) -> dict | None:
    """The run's ending when it is an exception that is neither a shape error nor Ctrl-C nor ours."""
    if raised is None or error is not None or isinstance(raised, KeyboardInterrupt) \
            or escaped_fault(raised) is not None:
        return None
    return stopped_at(raised, lambda file: relative(name_of(file)),
                      lambda file: name_of(file) in tracer.registry.sources)


def _caught(tracer, ending, relative) -> tuple:
    """The shape errors that did not end the run (the program caught them), once per line and kind."""
    found = {}
    for failure in tracer.failures:
        explanation = failure.explanation
        if failure is ending or explanation is None:
            continue
        key = (relative(explanation.file), explanation.line, explanation.kind)
        if key in found:
            found[key]["count"] += failure.count
        else:
            found[key] = {"file": key[0], "line": key[1], "kind": key[2], "message": explanation.message,
                          "count": failure.count}
    return tuple(found.values())


def _untraced_failure(raised, relative) -> tuple:
    """The error dict and text for a shape error the tracer did not see happen: raised in code it does not
    rewrite. The failing statement is re-read in the learner's frame, as explain_errors() does."""
    from shapecheck.tracing.excepthook import explain_exception, learner_frame

    frame, line = learner_frame(raised.__traceback__, past_installed=True)
    inner, inner_line = learner_frame(raised.__traceback__)
    file = relative(frame.f_code.co_filename) if frame is not None else "?"
    explanation = explain_exception(raised)
    where = ("a string run by exec, numpy called from C code (functools.reduce(np.dot, ...), map), np.matrix or "
             "scipy.sparse arithmetic (their * is a matrix product)")
    if framework_kind(raised) is not None:
        where = ("a torch or jax function the tracer does not watch (it traces @ and the operators, matmul, mm, "
                 "mv, bmm, dot, reshape and view): the shapes are in the message above")
    if inner is not frame and inner is not None:        # the innermost line is an installed package's
        where = f"{inner.f_code.co_filename}:{inner_line}, an installed package's code, called from this line"
    text = explanation or (
        f"shapecheck: a shape error at {file}:{line} that the tracer did not see happen: "
        f"{' '.join(str(raised).split())}\n  it was raised in code the tracer does not rewrite: {where}")
    error = {"file": file, "line": line, "kind": "untraced", "message": " ".join(str(raised).split()),
             "operands": [], "fixes": [], "explanation": text}
    return error, text


def _warning_reports(tracer, grouped, relative) -> tuple:
    """The run's warnings in the order first seen, a group's members replaced by its one warning."""
    reports, shown = [], set()
    for (site_id, kind), message in tracer.warned.items():
        site = tracer.registry.sites[site_id]
        group = next((g for g in grouped if site_id in g.sites and kind in GROUPED), None)
        if group is None:
            reports.append(WarningReport(relative(site.file), site.line, kind, message))
        elif id(group) not in shown:
            shown.add(id(group))
            lines = tuple({"file": relative(f), "line": line, "kinds": list(kinds)} for f, line, kinds, *_ in group.members)
            reports.append(WarningReport(relative(group.file), group.line, "rank-1", group_message(group, relative),
                                         lines))
    return tuple(reports)


def _warned_first(warnings, error) -> str:
    """An update that fails in a run that was warned before: a gradient of the wrong shape is how a silent
    outer broadcast or rank-1 vector usually surfaces, where the fixes listed only make the update fit. The
    tracer does not follow values from line to line, so it is said as a condition. The warning named is the
    last one above the failing line in its file, else the run's first."""
    def last_above(w):                  # a group counts at its lines, not only where its vector is made
        lines = [w.line] * (w.file == error["file"]) + [x["line"] for x in w.lines if x["file"] == error["file"]]
        return max((line for line in lines if line <= error["line"]), default=None)

    above = [w for w in warnings if last_above(w) is not None]
    first = max(above, key=last_above) if above else warnings[0]
    return (f"\n  and this run was warned before, at {first.file}:{first.line} [{first.kind}]: if an operand here "
            "was made from that line's result, fix that line first (a shape an outer product or a rank-1 vector "
            "made often fails only later, and the fixes above would only make this line fit)")


def _outer_sizes(tracer, by_site) -> set:
    """The sizes of the squares (n, n) that warned outer broadcasts made: a coincidence of sizes in an operation
    on such a square is part of that warning, not a note of its own."""
    warned = {site for site, kind in tracer.warned if kind == "outer-broadcast"}
    return {record.result[0] for site in warned for record in by_site.get(site, ())
            if record.result is not None and len(record.result) == 2 and record.result[0] == record.result[1]}


def _sizes_note(tracer, by_site, relative) -> tuple:
    """(the one ``ambiguous-sizes`` note of the run or None, internal errors met while making it)."""
    found, faults = [], []
    made_by_a_warning = _outer_sizes(tracer, by_site)
    for site_id in sorted(by_site, key=lambda i: (tracer.registry.sites[i].file, tracer.registry.sites[i].line, i)):
        site = tracer.registry.sites[site_id]
        for record in by_site[site_id]:
            try:
                coincidence = coinciding_sizes(site, record.kind, record.shapes, record.result)
            except Exception as exc:  # noqa: BLE001 - a bug of ours must not cost the learner the report
                fault = {"file": relative(site.file), "line": site.line, "message": describe(exc)}
                if fault not in faults:
                    faults.append(fault)
                continue
            on_a_warned_square = any(shape is not None and tuple(shape) == (size, size)
                                     for shape in record.shapes for size in made_by_a_warning)
            if coincidence is not None and not on_a_warned_square:
                found.append((relative(site.file), site.line, coincidence))
                break
    return sizes_note(found), tuple(faults)


def _internal_errors(tracer, raised, relative) -> tuple:
    """shapecheck's own failures: those the runtime caught, and one that escaped into the program."""
    found = []
    for error in tracer.internal_errors:
        site = tracer.registry.sites[error.site] if error.site is not None else None
        found.append({"file": relative(site.file) if site else None, "line": site.line if site else None,
                      "message": describe(error.exception)})
    escaped = escaped_fault(raised)
    if escaped is not None:
        found.append({"file": relative(escaped[0]), "line": escaped[1], "message": describe(raised)})
    return tuple(found)


def _call_name(records) -> str:
    """A call site's op is the numpy function it called (``dot``, ``sum`` ...)."""
    return records[0].kind or "call"


def _the_failure(tracer, raised):
    """The failure that ended the run (the raised exception, or one it was chained from), else None."""
    if raised is None:
        return None
    chain = []
    exc = raised
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    for failure in reversed(tracer.failures):
        if failure.exception in chain:
            return failure
    return None


def _local_file(tracer, path: str) -> bool:
    """A file of the learner's that the tracer instrumented (not a notebook cell such as ``In[7]``)."""
    return path in tracer.registry.sources and os.path.isfile(path)


def _relative(path: str, base: str, *, local: bool = False) -> str:
    """``path`` relative to ``base`` when it is inside it, or when it is one of the learner's instrumented
    files (``local``) at most two folders up (``../common/functions.py``); else as it is."""
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return path
    if not rel.startswith(".."):
        return rel
    return rel if local and not rel.startswith(os.path.join(os.pardir, os.pardir, os.pardir)) else path
