"""Jupyter: ``%load_ext shapecheck``, then ``%%shapecheck`` on a cell (or ``%shapecheck on`` for all).

``%%shapecheck`` runs the cell through IPython with the rewrite added to its ``ast_transformers``, then
shows the report as HTML (with the explanation of a failure); IPython shows the traceback as usual, and a
cell that raised still fails (so "Run All" stops there).
``%shapecheck on`` keeps the rewrite in ``ast_transformers`` so every following cell is traced and
reported; ``%shapecheck off`` removes it. IPython is imported only here.
"""

from __future__ import annotations

import ast

from shapecheck.tracing.report import build_report
from shapecheck.tracing.rewrite import instrument_tree
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

        tracer = Tracer()
        transformer = _EveryCell(tracer)
        transformer.source = ipython.transform_cell(cell)
        ipython.ast_transformers.append(transformer)
        try:
            with tracer:
                result = ipython.run_cell(cell)           # IPython shows the value or the traceback itself
        finally:
            ipython.ast_transformers.remove(transformer)
        raised = result.error_in_exec
        display(ReportDisplay(build_report(tracer, 1 if raised else 0, ".", raised=raised)))
        if raised is not None:
            from IPython.core.error import UsageError

            # the cell failed, so "Run All" must stop here as it would without %%shapecheck
            raise UsageError(f"the cell raised {type(raised).__name__} (its traceback and shapecheck's report "
                             "are above)")

    return shapecheck


class _EveryCell(ast.NodeTransformer):
    """The rewrite as one of ``ipython.ast_transformers`` (for ``%%shapecheck`` and ``%shapecheck on``)."""

    def __init__(self, tracer: Tracer):
        self.tracer = tracer
        self.source = ""      # the cell as IPython parsed it (for the operands' text); "" falls back to unparse

    def visit(self, node):
        return instrument_tree(node, self.source, "<cell>", self.tracer.registry)


def _line_magic(ipython):
    def shapecheck(line):
        """%shapecheck on | off: trace every following cell, or stop."""
        word = line.strip()
        if word == "on":
            _switch_on(ipython)
        elif word == "off":
            _switch_off(ipython)
        else:
            print("usage: %shapecheck on | off   (or %%shapecheck at the top of one cell)")

    return shapecheck


_STATE = {}


def _switch_on(ipython):
    if "transformer" in _STATE:
        return
    tracer = Tracer()
    transformer = _EveryCell(tracer)
    tracer.install()
    ipython.ast_transformers.append(transformer)

    def after_cell(result):
        from IPython.display import display

        raised = result.error_in_exec
        display(ReportDisplay(build_report(tracer, 1 if raised else 0, ".", raised=raised)))
        tracer.records.clear()
        tracer.warned.clear()
        tracer.failures.clear()

    def before_cell(info):
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
