"""``shapecheck trace course.ipynb``: a notebook's code cells traced in order, as Jupyter's "Run All" runs them.

The cells run one after another in one namespace (``__name__ == "__main__"``, the notebook's folder as the
working directory and first on ``sys.path``, as a Jupyter kernel has them); the first cell that raises
stops the run, and the report says which cell and line. IPython's syntax (magics, shell lines, help) is
replaced as :mod:`notebook_cells` says and listed in a note.

Every location reads ``course.ipynb, cell 3, line 2`` (code cells counted from 1 in document order) and its
JSON is ``{"file": "course.ipynb", "cell": 3, "line": 2}``. The cells are compiled as one file, the
notebook's own path, each at lines ``cell * stride + line`` (``stride`` a power of ten above the longest cell),
so the explanations look for where an operand got its shape across the cells that ran before, and read the
forward pass of an earlier cell; those numbers are turned into cells and lines in everything shown.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import warnings
from contextlib import contextmanager
from dataclasses import replace

from shapecheck.tracing.faults import describe, mark_as_learners
from shapecheck.tracing.notebook_cells import RUN_FILE, python_lines, read_notebook
from shapecheck.tracing.report import TraceReport, build_report
from shapecheck.tracing.rewrite import instrument
from shapecheck.tracing.runner import existing_file, _local_imports, _read_source, _run, _script_environment
from shapecheck.tracing.runtime import Tracer

#: the most IPython lines one note lists by place (the rest are counted)
_LISTED = 6


def is_notebook(path) -> bool:
    """Is ``path`` named as a notebook (``.ipynb``)?"""
    return isinstance(path, (str, os.PathLike)) and os.fspath(path).lower().endswith(".ipynb")


def trace_notebook(path, argv=(), *, show_all: bool = False, stderr=None) -> TraceReport:
    """Run the notebook's code cells in order under the tracer and return the report (``unit`` "notebook").

    A missing file is a ScriptNotFoundError, a file that is not a notebook a NotebookError (both
    ShapecheckErrors: the command line says so in one line and exits 2). The exit code is what the
    notebook's run ended with: 0, 1 when a cell raised, a ``sys.exit`` code.
    """
    stderr = stderr or sys.stderr
    path = existing_file(path, argv, "notebook", ".ipynb")
    cells = read_notebook(path)
    places = CellPlaces(path, [cell.lines for cell in cells])
    tracer, base_dir = Tracer(), os.path.dirname(path)
    main = _main_module()
    main.__dict__[RUN_FILE] = _file_runner(main, tracer)
    reached = {"cell": 0}
    translated = _Translated(stderr, places)
    with places.in_linecache():             # the report reads the cells' lines too (a hint re-reads its line)
        with _script_environment(main, path, argv), _working_directory(base_dir), \
                _local_imports(base_dir, tracer) as hook, _warnings_in_cells(places), tracer:
            exit_code, raised = _run(lambda: _run_cells(cells, places, tracer, main, reached), translated)
        hook.forget()
        report = build_report(tracer, exit_code, base_dir, raised=raised, show_all=show_all)
    try:
        return in_cells(report, places, cells, reached["cell"])
    except Exception as exc:  # noqa: BLE001 - our bug: the report as the tracer made it, INCOMPLETE, saying so
        fault = {"file": None, "line": None, "message": f"placing the report in cells: {describe(exc)}"}
        return replace(report, unit="notebook", internal_errors=(*report.internal_errors, fault))


def _main_module():
    import types

    main = types.ModuleType("__main__")
    main.__dict__.update(__builtins__=__builtins__, __cached__=None, __package__=None,
                         display=_display)
    return main


def _display(*objects, **_options) -> None:
    """IPython's ``display()`` outside IPython: each object printed (a notebook calls it as a builtin)."""
    for obj in objects:
        print(obj)


def _file_runner(main, tracer):
    """What a cell's ``%run [-i] FILE.py ARGS`` calls: the file runs traced as ``__main__`` with its own
    ``sys.argv`` (in the notebook's namespace with ``-i``), and the names it made join the notebook's, as
    IPython's %run does. An exception in it ends the run there (IPython would show it and go on)."""

    def run_file(words):
        shared = words[0] == "-i"
        file, args = (words[1], words[2:]) if shared else (words[0], words[1:])
        path = os.path.abspath(file)
        try:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"%run: no file {file} (looked in {os.getcwd()})")
            code = compile(instrument(_read_source(path), path, tracer.registry), path, "exec")
        except (OSError, SyntaxError) as exc:        # the learner's file is missing or unreadable: theirs, not ours
            mark_as_learners(exc)
            raise exc.with_traceback(None) from None
        namespace = main.__dict__ if shared else {"__name__": "__main__", "__file__": path,
                                                  "__builtins__": __builtins__}
        saved, sys.argv = sys.argv, [path, *args]
        try:
            exec(code, namespace)
        finally:
            sys.argv = saved
        main.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})

    return run_file


def _run_cells(cells, places, tracer, main, reached) -> None:
    """Compile and run each cell in turn; a cell that cannot be compiled stops the run as one that raises."""
    for cell in cells:
        reached["cell"] = cell.number
        source = "\n" * places.first_line(cell.number) + cell.source
        try:
            code = compile(instrument(source, places.path, tracer.registry), places.path, "exec")
        except SyntaxError as exc:             # the learner's, at their line; nothing of this cell ran
            mark_as_learners(exc)
            raise exc.with_traceback(None) from None
        places.ran(cell)
        tracer.registry.sources[places.path] = places.source
        places.cache()
        exec(code, main.__dict__)


class CellPlaces:
    """Where each cell's lines are in the one file the cells are compiled as, and back."""

    def __init__(self, path: str, lengths: list):
        self.path, self.lengths = path, lengths
        self.stride = 1000
        while any(length >= self.stride for length in lengths):
            self.stride *= 10
        self.source, self._cached = "", []       # the cells that ran so far, each at its lines

    def first_line(self, cell: int) -> int:
        """The lines before the cell's first line (its line 1 is ``cell * stride + 1``)."""
        return cell * self.stride

    def ran(self, cell) -> None:
        """Add a cell's text to the file's source (what explanations and tracebacks quote)."""
        gap = self.first_line(cell.number) - len(self._cached)
        self.source += "\n" * gap + cell.source
        self._cached += ["\n"] * gap + python_lines(cell.source)

    def cell_line(self, line) -> tuple | None:
        """(cell, line in the cell) for a line of the compiled file, or None when it is not one."""
        if not isinstance(line, int) or line < self.stride:
            return None
        cell, within = divmod(line, self.stride)
        if cell > len(self.lengths) or not 1 <= within <= max(self.lengths[cell - 1], 1):
            return None
        return cell, within

    @contextmanager
    def in_linecache(self):
        """Tracebacks, warnings and explanations read the cells' lines, not the notebook's JSON: the
        entry has no modification time, so linecache never replaces it with the file on disk."""
        saved = linecache.cache.get(self.path)
        try:
            yield
        finally:
            linecache.cache.pop(self.path, None)
            if saved is not None:
                linecache.cache[self.path] = saved

    def cache(self) -> None:
        linecache.cache[self.path] = (len(self.source), None, list(self._cached), self.path)

    # -- the text shown -------------------------------------------------------------------------------
    def text(self, text: str) -> str:
        """``text`` with every place in the compiled file said as the cell and line."""
        if not isinstance(text, str) or not text:
            return text
        name = re.escape(os.path.basename(self.path))
        text = re.sub(rf'(File "[^"]*{name}"), line (\d+)', lambda m: self._said(m, f"{m.group(1)}, "), text)
        text = re.sub(rf"((?<![\w.])[^\s:\"'`(]*{name}):(\d+)", lambda m: self._said(m, f"{m.group(1)}, "), text)
        text = re.sub(r"\blines ((?:\d+, )+\d+)\b", self._lines, text)
        text = text.replace(" not assigned in this file (", " not assigned in the cells run so far (")
        return re.sub(r"\bline (\d+)\b", lambda m: self._said(m, "", 1), text)

    def _said(self, match, before: str, group: int = 2) -> str:
        found = self.cell_line(int(match.group(group)))
        return match.group(0) if found is None else f"{before}cell {found[0]}, line {found[1]}"

    def _lines(self, match) -> str:
        found = [self.cell_line(int(number)) for number in match.group(1).split(", ")]
        if any(place is None for place in found):
            return match.group(0)
        by_cell: dict = {}
        for cell, line in found:
            by_cell.setdefault(cell, []).append(str(line))
        return "; ".join(f"cell {cell}, line{'s' if len(lines) > 1 else ''} {', '.join(lines)}"
                         for cell, lines in by_cell.items())


class _Translated:
    """The stream the learner's traceback is written to, with its places said as cells and lines."""

    def __init__(self, stream, places: CellPlaces):
        self.stream, self.places = stream, places

    def write(self, text: str):
        return self.stream.write(self.places.text(text))

    def flush(self):
        self.stream.flush()


@contextmanager
def _working_directory(folder: str):
    """A Jupyter kernel runs in the notebook's folder: relative paths (``data.csv``) are read from there."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _warnings_in_cells(places: CellPlaces):
    """Python's warnings (numpy's RuntimeWarning) name the cell and line too."""
    original = warnings.formatwarning

    def formatwarning(message, category, filename, lineno, line=None):
        return places.text(original(message, category, filename, lineno, line))

    warnings.formatwarning = formatwarning
    try:
        yield
    finally:
        warnings.formatwarning = original


# -- the report in cells --------------------------------------------------------------------------------------

def in_cells(report: TraceReport, places: CellPlaces, cells: list, reached: int) -> TraceReport:
    """The report with every place as (file, cell, line) and every text saying "cell N, line M"; notes on
    the IPython lines replaced and on the cells that did not run."""
    name = os.path.basename(places.path)
    moved = replace(
        report, unit="notebook", error_text=places.text(report.error_text),
        sites=tuple(_placed(site, places, name) for site in report.sites),
        warnings=tuple(_placed(warning, places, name, message=places.text(warning.message))
                       for warning in report.warnings),
        error=_in_cells(report.error, places, name), stopped=_ipython_only(_in_cells(report.stopped, places, name)),
        caught=_in_cells(report.caught, places, name), internal_errors=_in_cells(report.internal_errors, places, name),
        notes=_in_cells(report.notes, places, name))
    note = _replaced_note(cells, name, reached)
    moved = moved.with_note(note) if note else moved
    if reached < len(cells):
        left = [cell.number for cell in cells[reached:]]
        span = f"cell {left[0]}" if len(left) == 1 else f"cells {left[0]} to {left[-1]}"
        why = (f"the run was interrupted in cell {reached}" if report.interrupted
               else f"the run stopped in cell {reached}, as Jupyter's Run All does" if report.exception is not None
               else f"cell {reached} ended the run (sys.exit)")
        moved = moved.with_note({"kind": "cells-not-run", "cells": left, "message": f"{span} of {name} did not run: {why}"})
    return moved


def _ipython_only(stopped: dict | None) -> dict | None:
    """A NameError of IPython's own names (``get_ipython``): the cell needs IPython, not a fix of the learner's."""
    if stopped and stopped["exception"] == "NameError" and not stopped["hint"] \
            and "'get_ipython'" in stopped["message"]:
        return {**stopped, "hint": "get_ipython() exists only inside IPython, and shapecheck runs the cells as "
                                   "plain Python: in Jupyter, `%load_ext shapecheck` and `%%shapecheck` trace a cell "
                                   "where it runs"}
    return stopped


def _placed(item, places, name, **changes):
    found = places.cell_line(item.line) if item.file == name else None
    if found is not None:
        changes.update(cell=found[0], line=found[1])
    return replace(item, **changes)


def _in_cells(value, places, name):
    """Every ``{"file", "line"}`` in ``value`` (dicts, lists, tuples of them) as ``{"file", "cell", "line"}``,
    every string translated."""
    if isinstance(value, str):
        return places.text(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_in_cells(item, places, name) for item in value)
    if not isinstance(value, dict):
        return value
    found = places.cell_line(value.get("line")) if value.get("file") == name else None
    out = {}
    for key, item in value.items():
        if key == "line" and found is not None:
            out["cell"], out["line"] = found
        else:
            out[key] = _in_cells(item, places, name)
    return out


def _replaced_note(cells, name: str, reached: int) -> dict | None:
    """The note listing the IPython lines (magics, shell, help) replaced in the cells that ran."""
    replaced = [line for cell in cells[:reached] for line in cell.skipped]
    if not replaced:
        return None
    listed = "; ".join(f"cell {s.cell}, line {s.line} `{s.text}` ({_HOW[s.how]})" for s in replaced[:_LISTED])
    more = f"; and {len(replaced) - _LISTED} more" if len(replaced) > _LISTED else ""
    return {"kind": "ipython-lines", "lines": [{"file": name, "cell": s.cell, "line": s.line, "text": s.text,
                                                "how": s.how} for s in replaced],
            "message": (f"{len(replaced)} IPython line(s) of {name} are not Python (magics, shell commands, help); "
                        f"what this run did with each: {listed}{more}; what a skipped line would have done "
                        "(a package installed, a file written, a name set) is not part of this run")}


_HOW = {"skipped": "skipped", "cell-skipped": "the whole cell skipped", "statement-ran": "its statement ran, untimed",
        "body-ran": "the cell's body ran as Python", "file-ran": "the file ran, traced"}
