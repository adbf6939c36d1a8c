"""Jupyter: ``%load_ext shapecheck``, then ``%%shapecheck`` on a cell (or ``%shapecheck on`` for all).

``%%shapecheck`` runs the cell instrumented in the notebook's namespace, shows the report as HTML and,
when the cell fails with a shape error, the explanation (the exception, with our note, still reaches
the notebook as usual). ``%shapecheck on`` adds the rewrite to IPython's ``ast_transformers`` so every
following cell is traced and reported; ``%shapecheck off`` removes it. IPython is imported only here.
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
        source = ipython.transform_cell(cell)
        filename = ipython.compile.cache(source)
        tree = instrument_tree(ast.parse(source, filename=filename), source, filename, tracer.registry)
        *body, last = tree.body if tree.body else [None]
        raised = None
        with tracer:
            try:
                _run(ipython, body if last is not None else [], filename)
                value = _run_last(ipython, last, filename) if last is not None else None
            except Exception as exc:  # noqa: BLE001 - shown below, then re-raised to the notebook
                raised, value = exc, None
        display(ReportDisplay(build_report(tracer, 1 if raised else 0, ".", raised=raised)))
        if raised is not None:
            raise raised
        return value

    return shapecheck


def _run(ipython, statements, filename):
    if statements:
        exec(compile(ast.Module(body=statements, type_ignores=[]), filename, "exec"), ipython.user_ns)


def _run_last(ipython, last, filename):
    """The last statement; an expression's value is returned, so the notebook displays it."""
    if isinstance(last, ast.Expr):
        return eval(compile(ast.Expression(last.value), filename, "eval"), ipython.user_ns)
    _run(ipython, [last], filename)
    return None


class _EveryCell(ast.NodeTransformer):
    """The transformer ``%shapecheck on`` puts in ``ipython.ast_transformers``."""

    def __init__(self, tracer: Tracer):
        self.tracer = tracer

    def visit(self, node):
        source = ast.unparse(node)
        return instrument_tree(node, source, "<cell>", self.tracer.registry)


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

    ipython.events.register("post_run_cell", after_cell)
    _STATE.update(transformer=transformer, tracer=tracer, callback=after_cell)


def _switch_off(ipython):
    if "transformer" not in _STATE:
        return
    ipython.ast_transformers.remove(_STATE["transformer"])
    ipython.events.unregister("post_run_cell", _STATE["callback"])
    _STATE["tracer"].uninstall()
    _STATE.clear()
