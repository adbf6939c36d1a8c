"""What every report object offers, the same way: gradient reports, comparison reports, trace reports, sweeps.

=================  ======================================================================================
``report.ok``      True when nothing is wrong (a test can ``assert report.ok``)
``report.verdict`` one word a program can branch on: ``"ok"``/``"wrong"`` (gradients), ``"match"``/
                   ``"mismatch"`` (compare), ``"ok"``/``"warnings"``/``"failed"``/``"incomplete"`` (trace),
                   ``"noise"``/``"bug"`` (a sweep)
``report.summary`` the one line a person reads first (the first line of ``str(report)``)
``str(report)``    the whole text report, as the command line prints it
``to_dict()``      JSON-ready, always with ``"ok"``, ``"verdict"`` and ``"summary"``
``to_html()``      the report for Jupyter (``_repr_html_`` shows it in a notebook)
``repr(report)``   one line, ``<GradientReport wrong: gradients WRONG in W1, b1: ...>``: the verdict and the
                   summary (what Python's own prompt, a debugger or a list of reports shows)
IPython            terminal IPython prints the whole text report (``_repr_pretty_``), as ``print`` does
=================  ======================================================================================

The rows and items inside reports (a gradient report's rows, a comparison's rows and diagnoses, a trace's
sites and warnings) have a one-line repr and IPython's pretty form too (:class:`Pretty`).
"""

from __future__ import annotations

import html


def one_line(text: str) -> str:
    """``text`` on one line: its lines joined by `` / ``."""
    return " / ".join(line.strip() for line in str(text).splitlines() if line.strip())


def pretty_lines(printer, text: str) -> None:
    """Give IPython's pretty ``printer`` the lines of ``text`` (with its line breaks, at its indentation)."""
    for i, line in enumerate(text.split("\n")):
        if i:
            printer.break_()
        printer.text(line)


class Pretty:
    """A one-line ``repr`` (``<TypeName what it says>``) and IPython's pretty form (the text, ``str(self)``).
    Subclasses define ``_repr_line()`` and ``__str__``; a dataclass among them says ``repr=False``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {one_line(self._repr_line())}>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython's pretty printer (terminal IPython, ``IPython.lib.pretty.pretty``): the whole text."""
        pretty_lines(printer, repr(self) if cycle else str(self))

    def _repr_line(self) -> str:
        return str(self)


class Report(Pretty):
    """The shared half of the report contract (see the module): subclasses define ``ok``, ``verdict``,
    ``summary``, ``__str__``, ``_details()`` (their own ``to_dict`` entries) and ``_html_body()``."""

    def _repr_line(self) -> str:
        return f"{self.verdict}: {self.summary}"

    def to_dict(self) -> dict:
        return {"ok": self.ok, "verdict": self.verdict, "summary": self.summary, **self._details()}

    def to_html(self) -> str:
        return f"<div><p><b>{html.escape(self.summary)}</b></p>{self._html_body()}</div>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def _html_body(self) -> str:
        """Everything after the summary, as HTML; by default the text report's other lines."""
        rest = str(self).split("\n", 1)[1:] or [""]
        return f"<pre>{html.escape(rest[0])}</pre>" if rest[0] else ""
