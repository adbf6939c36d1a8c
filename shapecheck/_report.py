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
=================  ======================================================================================
"""

from __future__ import annotations

import html


class Report:
    """The shared half of the report contract (see the module): subclasses define ``ok``, ``verdict``,
    ``summary``, ``__str__``, ``_details()`` (their own ``to_dict`` entries) and ``_html_body()``."""

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
