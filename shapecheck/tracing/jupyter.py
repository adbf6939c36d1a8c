"""Jupyter: ``%load_ext shapecheck``, then ``%%shapecheck`` on a cell (or ``%shapecheck on`` for all).

``%%shapecheck`` runs the cell through IPython with the rewrite added to its ``ast_transformers``, then
shows the report as HTML (with the explanation of a failure); IPython shows the traceback as usual, and a
cell that raised still fails (so "Run All" stops there).
``%shapecheck on`` keeps the rewrite in ``ast_transformers`` so every following cell is traced; a cell's
report is shown only when there is something to say (a shape problem, a failure, matrix products, a note,
a ``%run`` whose file was not traced); ``%shapecheck off`` removes it. Each cell is its own file in the
reports, named as IPython shows it (``In[7]``, a place ``In[7], line 3`` as in IPython's traceback), so an
explanation quotes that cell's own lines. A ``%run``
of a script that fails (IPython shows its traceback and the cell goes on) is reported as that failure.
IPython is imported only here.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import replace

from shapecheck.tracing.faults import could_not_trace
from shapecheck.tracing.locations import ipython_cells_said, map_strings
from shapecheck.tracing.report import build_report
from shapecheck.tracing.rewrite import PREFIX, SiteRegistry, instrument_tree
from shapecheck.tracing.runtime import Tracer


class ReportDisplay:
    """Shows a report as HTML in a notebook and as text in a terminal."""

    def __init__(self, report):
        self.report = report

    def _repr_html_(self) -> str:
        return self.report.to_html()

    def __repr__(self) -> str:
        return self.report.render()


def load_ipython_extension(ipython) -> None:
    ipython.register_magic_function(_cell_magic(ipython), magic_kind="cell", magic_name="shapecheck")
    ipython.register_magic_function(_line_magic(ipython), magic_kind="line", magic_name="shapecheck")


def unload_ipython_extension(ipython) -> None:
    _switch_off(ipython)


def _cell_magic(ipython):
    def shapecheck(line, cell):
        """Trace this cell: every matrix product and broadcast, with explanations."""
        from IPython.display import display

        tracer = Tracer(registry=_registry(ipython))
        transformer = _EveryCell(tracer, ipython)
        transformer.source = ipython.transform_cell(cell)
        _let_the_tracer_in(ipython)
        ipython.ast_transformers.append(transformer)
        shown_before = _last_shown()
        try:
            with tracer:
                result = ipython.run_cell(cell)           # IPython shows the value or the traceback itself
        finally:
            ipython.ast_transformers.remove(transformer)
            _keep_traced_code_running(ipython)
        from IPython.core.error import UsageError

        if result.error_before_exec is not None:       # nothing ran, nothing was traced: IPython said why
            raise UsageError(f"the cell did not run ({type(result.error_before_exec).__name__}, shown above)")
        raised = result.error_in_exec or _shown_since(shown_before)
        display(ReportDisplay(_cell_report(ipython, tracer, raised, cell)))
        if raised is not None:
            # the cell failed, so "Run All" must stop here as it would without %%shapecheck
            raise UsageError(f"the cell raised {type(raised).__name__} (its traceback and shapecheck's report "
                             "are above)")

    return shapecheck


class _EveryCell(ast.NodeTransformer):
    """The rewrite as one of ``ipython.ast_transformers`` (for ``%%shapecheck`` and ``%shapecheck on``)."""

    def __init__(self, tracer: Tracer, ipython=None):
        self.tracer, self.ipython = tracer, ipython
        self.source = ""      # the cell as IPython parsed it (for the operands' text); "" falls back to unparse

    def visit(self, node):
        # the cell's own tree, or code a magic compiles from a part of it (%timeit's statement): that code's
        # positions are not the cell's, so its operands are read from the tree instead of the cell's text
        source = self.source if _parses_to(self.source, node) else ""
        filename = _cell_name(self.ipython, self.tracer, source)
        return instrument_tree(node, source, filename, self.tracer.registry)


def _parses_to(source: str, node) -> bool:
    """Is ``node`` the tree of ``source`` (so that its line and column numbers point into it)?"""
    try:
        return ast.dump(ast.parse(source)) == ast.dump(node)
    except (SyntaxError, ValueError, TypeError, RecursionError):
        return False


def _cell_name(ipython, tracer: Tracer, source: str) -> str:
    """The cell's name in the reports, as IPython's traceback names it (``In[7]``): IPython has just cached the
    cell it is compiling when it calls the transformers. A name already holding another source (a cell run
    outside the history) gets ``#2``, so that each name keeps its own source for the explanations."""
    base = _shown_name(ipython, _newest_cell(ipython)) if ipython is not None else "<cell>"
    name, again = base, 1
    while tracer.registry.sources.get(name, source) != source:
        again += 1
        name = f"{base}#{again}"
    return name


def _newest_cell(ipython) -> str:
    """The code name IPython gave the cell it cached last (its compiler's map of names to cell numbers)."""
    try:
        names = ipython.compile._filename_map
        return next(reversed(names))
    except Exception:  # noqa: BLE001 - an IPython without that map: its numbering, as it stands
        return f"In[{getattr(ipython, 'execution_count', 0)}]"


def _last_shown():
    """The exception IPython showed last (it keeps it in ``sys.last_value``), to tell a new one from it."""
    return getattr(sys, "last_value", None)


def _shown_since(before):
    """An exception IPython showed during the cell without the cell raising it (a ``%run`` of a failing script
    catches it and shows its traceback), or None."""
    shown = _last_shown()
    return shown if shown is not None and shown is not before else None


_RUN_MAGIC = re.compile(r"^\s*%run\s+(?:-\S+\s+)*([^\s-]\S*)", re.M)     # %run [-i -e ...] FILE


def _cell_report(ipython, tracer: Tracer, raised, cell: str):
    """The cell's report; a ``%run`` in it adds a note that the file it ran was not traced."""
    code = _exit_code(raised)
    report = build_report(tracer, code, ".", raised=None if isinstance(raised, SystemExit) else raised,
                          name_of=lambda filename: _shown_name(ipython, filename))
    report = _said_as_ipython(replace(report, unit="cell"))
    for match in _RUN_MAGIC.finditer(cell or ""):
        report = report.with_note({"kind": "run-untraced", "message": (
            f"%run {match.group(1)} ran the file untraced (only the cells' own code is traced): its shape "
            f"problems are not in this report; `!shapecheck trace {match.group(1)}` traces it")})
    return report


def _said_as_ipython(report):
    """The report's texts with each cell's place as IPython's traceback says it (``In[7], line 3``)."""
    said = lambda value: map_strings(value, ipython_cells_said)  # noqa: E731
    return replace(report, error_text=said(report.error_text), error=said(report.error), stopped=said(report.stopped),
                   warnings=tuple(replace(w, message=said(w.message)) for w in report.warnings),
                   caught=said(report.caught), notes=said(report.notes))


def _shown_name(ipython, filename: str) -> str:
    """A cell's code name as IPython shows it (``In[7]``); any other file as it is."""
    try:
        label = ipython.compile.format_code_name(filename)
    except Exception:  # noqa: BLE001 - an IPython without it: the name as Python has it
        label = None
    return label[1] if label else filename


def _exit_code(raised) -> int:
    if raised is None:
        return 0
    if isinstance(raised, SystemExit):
        return raised.code if isinstance(raised.code, int) else 0 if raised.code is None else 1
    return 1


def _worth_showing(report) -> bool:
    """Is there something to say about a cell: a problem, a failure, a note, or matrix products to list?"""
    return bool(report.error or report.warnings or report.internal_errors or report.stopped or report.caught
                or report.notes or report.interrupted or report.exit_code or report.matrix_products())


def _line_magic(ipython):
    def shapecheck(line):
        """%shapecheck on | off: trace every following cell, or stop."""
        word = line.strip()
        if word == "on":
            _switch_on(ipython)
            print("shapecheck: every cell from here on is traced; a cell's report is shown when there is something "
                  "to say (a shape problem, a failure, matrix products); %shapecheck off stops")
        elif word == "off":
            _switch_off(ipython)
        else:
            print("usage: %shapecheck on | off   (or %%shapecheck at the top of one cell)")

    return shapecheck


_STATE = {}


def _switch_on(ipython):
    if "transformer" in _STATE:
        return
    tracer = Tracer(registry=_registry(ipython))
    transformer = _EveryCell(tracer, ipython)
    _let_the_tracer_in(ipython)
    tracer.install()
    ipython.ast_transformers.append(transformer)

    seen = {}

    def after_cell(result):
        from IPython.display import display

        try:
            raised = result.error_in_exec or _shown_since(seen.get("shown"))
            report = _cell_report(ipython, tracer, raised, seen.get("cell", ""))
            if result.error_before_exec is None and _worth_showing(report):  # a cell that never ran: IPython said why
                display(ReportDisplay(report))
        except Exception as exc:  # noqa: BLE001 - our failure: one line saying so, never our traceback
            print(could_not_trace(None, None, exc).replace("this program", "this cell"), file=sys.stderr)
        finally:
            tracer.clear_records()
            tracer.warned.clear()
            tracer.failures.clear()
            tracer.internal_errors.clear()

    def before_cell(info):
        seen.update(cell=info.raw_cell or "", shown=_last_shown())
        transformer.source = ipython.transform_cell(info.raw_cell or "")

    ipython.events.register("pre_run_cell", before_cell)
    ipython.events.register("post_run_cell", after_cell)
    _STATE.update(transformer=transformer, tracer=tracer, callback=after_cell, before=before_cell)


def _switch_off(ipython):
    if "transformer" not in _STATE:
        return
    ipython.ast_transformers.remove(_STATE["transformer"])
    ipython.events.unregister("post_run_cell", _STATE["callback"])
    ipython.events.unregister("pre_run_cell", _STATE["before"])
    _STATE["tracer"].uninstall()
    _STATE.clear()
    _keep_traced_code_running(ipython)


def _keep_traced_code_running(ipython) -> None:
    """Code compiled while tracing (a function defined in a traced cell) calls the tracer's functions by
    their ``@sc_`` names, which leave the builtins when tracing stops: the notebook's namespace keeps them,
    bound to a tracer nobody reads and hidden from ``%who``, so that such a function called from an untraced
    cell runs as written (it raised a NameError of those names)."""
    quiet = Tracer(registry=_registry(ipython)).functions()
    ipython.user_ns.update(quiet)
    ipython.user_ns_hidden.update(quiet)


#: One registry of sites per shell, shared by every tracer it starts: a function defined in a traced cell
#: carries its sites' numbers, and is traced (and explained) again whenever tracing is on
_REGISTRIES: dict = {}


def _registry(ipython) -> SiteRegistry:
    return _REGISTRIES.setdefault(id(ipython), SiteRegistry())


def _let_the_tracer_in(ipython) -> None:
    """Take those names out of the namespace again: while tracing, the builtins' (the tracer's) must be seen."""
    for name in [name for name in ipython.user_ns if name.startswith(PREFIX)]:
        del ipython.user_ns[name]
        ipython.user_ns_hidden.pop(name, None)
