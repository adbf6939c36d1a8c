"""The gradient checker's results: one row per tensor, the verdict first, JSON-ready."""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Callable


from shapecheck._arrays import format_shape
from shapecheck._report import Pretty, Report
from shapecheck._text_table import simple_table

#: Row statuses: ``ok``; ``FAIL`` (analytic and numeric disagree); ``kink`` (one-sided differences
#: disagree, as at ReLU(0), so the entry cannot be judged); ``noisy`` (a disagreement that moved with the
#: step size when re-measured: rounding or truncation, not a bug); ``nan`` (a non-finite loss or
#: gradient); ``shape`` (the gradient is missing or has another shape than the parameter).
STATUSES = ("ok", "FAIL", "kink", "noisy", "nan", "shape")


@dataclass(frozen=True, repr=False)
class GradientRow(Pretty):
    """The verdict on one tensor, with the worst entry's index and values (``str``: its row of the table)."""

    name: str
    shape: tuple
    status: str
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple | None
    analytic: float | None
    numeric: float | None
    checked: int
    failed: int = 0
    detail: str = ""
    suspects: tuple = ()
    power: float = math.nan      # an error in an entry of median size or more is caught above this (relative)
    measured: str = "entries"    # "entries", or "directions": the errors (and analytic, numeric) are fast mode's
                                 # derivatives along random directions moving every entry at once, not an entry's

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "kink", "noisy")

    def __str__(self) -> str:
        table = simple_table([_cells(self)], _HEADERS)
        return table + (f"\n{self.name}: {self.detail}" if self.detail else "")

    def _repr_line(self) -> str:
        name, shape, status, _, rel, where, analytic, numeric = _cells(self)
        at = f" at {where}, analytic {analytic} vs numeric {numeric}" if where else ""
        return f"{name} {shape} {status}: max rel error {rel}{at}" + (f"; {self.detail}" if self.detail else "")

    def to_dict(self) -> dict:
        return {
            "name": self.name, "shape": list(self.shape), "status": self.status,
            "max_abs_error": _json_float(self.max_abs_error), "max_rel_error": _json_float(self.max_rel_error),
            "worst_index": _index_list(self.worst_index), "analytic": _json_float(self.analytic),
            "numeric": _json_float(self.numeric), "checked": self.checked, "failed": self.failed,
            "detail": self.detail, "suspects": [list(s) for s in self.suspects], "power": _json_float(self.power),
            "measured": self.measured,
        }


def ok_row(name, shape, max_abs_error, max_rel_error, worst_index, analytic, numeric, checked, power) -> GradientRow:
    """``GradientRow(name, shape, "ok", ..., checked, power=power)``, the other fields at their defaults, built
    without the frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field, ~3 us a row; a full
    check makes one per tensor). The same object: equal, and with the same fields, as the one it builds."""
    row = object.__new__(GradientRow)
    values = row.__dict__
    values.update(_ROW_TEMPLATE)        # every field, in the order of the fields (as __init__ sets them)
    values["name"], values["shape"], values["status"] = name, shape, "ok"
    values["max_abs_error"], values["max_rel_error"], values["worst_index"] = max_abs_error, max_rel_error, worst_index
    values["analytic"], values["numeric"], values["checked"], values["power"] = analytic, numeric, checked, power
    return row


def unless_the_loss_is_not_finite(row: GradientRow, base: float) -> GradientRow:
    """A ``nan`` row whose cause is the loss itself, already not finite before any step, says so."""
    if row.status != "nan" or math.isfinite(base):
        return row
    return replace(row, detail=f"loss_fn returns {base} at the parameters as given, before any step: the loss "
                               "itself is not finite (a log of 0, an exp that overflows?); fix it first")


#: every field of GradientRow with its default (None where it has none: ok_row sets those)
_ROW_TEMPLATE = {f.name: None if f.default is MISSING else f.default for f in fields(GradientRow)}


@dataclass(frozen=True, repr=False)
class GradientReport(Report):
    """The checker's result: ``ok``, one row per tensor, and how many loss evaluations it took. ``verdict``
    is ``"ok"`` or ``"wrong"``; ``summary`` the one-line verdict (see :mod:`shapecheck._report`)."""

    rows: tuple
    evaluations: int
    mode: str
    method: str
    eps: float
    rtol: float
    atol: float
    notes: tuple = ()
    _sweeper: Callable | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def power(self) -> float:
        """The relative error that one wrong entry, of median size or more in its tensor, would have needed
        to be caught by this run (the worst tensor's; in sample mode, among the sampled entries only)."""
        found = [row.power for row in self.rows if math.isfinite(row.power)]
        return max(found) if found else math.nan

    def __getitem__(self, name: str) -> GradientRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"{name!r}; tensors: {', '.join(r.name for r in self.rows)}")

    @property
    def verdict(self) -> str:
        """``"ok"`` or ``"wrong"``."""
        return "ok" if self.ok else "wrong"

    @property
    def summary(self) -> str:
        """One line: OK with the largest error, or which tensor and entry is wrong."""
        how = f"{self.method} differences, {self.mode} mode, eps={self.eps:g}, {self.evaluations} loss evaluations"
        bad = [row for row in self.rows if not row.ok]
        if not bad:
            worst = max((row.max_rel_error for row in self.rows), default=0.0)
            along = {row.measured for row in self.rows}
            worst_text = f"{worst:.1e}" + (" along random directions" if along == {"directions"}
                                           else " (of random directions or entries)" if len(along) > 1 else "")
            kinks = [row.name for row in self.rows if row.status == "kink"]
            extra = f"; kinks (one-sided differences disagree) in {', '.join(kinks)}" if kinks else ""
            noisy = [row.name for row in self.rows if row.status == "noisy"]
            if noisy:
                extra += (f"; noisy (the difference moves with the step: rounding, truncation or a kink, not a bug) "
                          f"in {', '.join(noisy)}")
            if math.isfinite(self.power):
                where = "a sampled entry" if self.mode == "sample" else "any entry"
                extra += (f"; an error larger than about {_round_up(self.power)} relative in {where} of median size "
                          "or more would have been caught")
            return f"gradients OK: {len(self.rows)} tensors, max relative error {worst_text} ({how}){extra}"
        first, names = bad[0], ", ".join(row.name for row in bad)
        if first.status in ("shape", "nan") or first.worst_index is None:
            return f"gradients WRONG in {names}: {first.detail} ({how})"
        where = f"{first.name}{list(first.worst_index)}"
        suspects = len(first.suspects)
        count = (f"{suspects} suspect {'entry' if suspects == 1 else 'entries'} localised" if self.mode == "fast"
                 else f"{first.failed} of {first.checked} checked entries fail")
        text = (f"gradients WRONG in {names}: {where} analytic {first.analytic:.6g} vs numeric {first.numeric:.6g} "
                f"(relative error {first.max_rel_error:.1e}; {count}; {how})")
        return text + (f"; {first.detail}" if first.detail else "")

    def __str__(self) -> str:
        table = simple_table(self._table(), _HEADERS)
        return "\n".join([self.summary, table, *self._after_table()])

    def _table(self) -> list:
        return [_cells(row) for row in self.rows]

    def _after_table(self) -> list:
        """The lines under the table: other tensors' details, suspect entries, notes."""
        lines = []
        first_bad = next((row for row in self.rows if not row.ok), None)
        for row in self.rows:
            if row.detail and row.status != "ok" and row is not first_bad:   # the first one is in the summary
                lines.append(f"{row.name}: {row.detail}")
            if len(row.suspects) > 1:
                lines.append(f"{row.name}: suspect entries {', '.join(str(list(s)) for s in row.suspects)}")
        if any(row.measured == "directions" for row in self.rows):
            lines.append(f"{_DIRECTION}: that row's numbers are of derivatives along random directions that move all "
                         "of the tensor's entries at once (fast mode), not of one entry")
        return lines + [f"note: {note}" for note in self.notes]

    def _html_body(self) -> str:
        import html

        from tabulate import tabulate       # (not for text: see _text_table)

        table = tabulate(self._table(), headers=_HEADERS, tablefmt="html", disable_numparse=True)
        return table + "".join(f"<p>{html.escape(line)}</p>" for line in self._after_table())

    def _details(self) -> dict:
        return {"evaluations": self.evaluations, "mode": self.mode, "method": self.method, "eps": self.eps,
                "rtol": self.rtol, "atol": self.atol, "power": _json_float(self.power),
                "rows": [row.to_dict() for row in self.rows], "notes": list(self.notes)}

    def sweep(self, tensor: str | None = None, index: tuple | None = None, *, eps_values=None):
        """Error versus step size at one entry (default: the worst entry of the first failing tensor).

        A correct gradient shows a V: the error falls with eps (as eps**2 for central differences)
        until rounding takes over; a wrong one shows a floor that no eps gets under. Returns a
        :class:`shapecheck.gradcheck.sweep.SweepReport`. The parameters must still be the ones checked.
        """
        if self._sweeper is None:
            raise ValueError("this report was not made by check_gradients and cannot sweep")
        return self._sweeper(self, tensor, index, eps_values)


_HEADERS = ["tensor", "shape", "status", "max abs err", "max rel err", "worst index", "analytic", "numeric"]


#: what the worst-index column shows for a row measured along random directions (fast mode)
_DIRECTION = "(a direction)"


def _cells(row: GradientRow) -> list:
    """The row's cells in the report's table (``_HEADERS``)."""
    return [row.name, format_shape(row.shape), row.status, _fmt(row.max_abs_error), _fmt(row.max_rel_error),
            _where(row), _fmt(row.analytic), _fmt(row.numeric)]


def _where(row: GradientRow) -> str:
    """The worst-index cell: the entry, or a label saying the row's numbers are of random directions."""
    if row.measured == "directions":
        return _DIRECTION
    return "" if row.worst_index is None else str(list(row.worst_index))


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3g}"


def _json_float(value):
    if value is None or math.isfinite(value):
        return value
    return str(value)


def _index_list(index):
    return None if index is None else list(index)


def _round_up(value: float) -> str:
    """Two significant digits, rounded up (a stated power must not promise more than was measured)."""
    exponent = math.floor(math.log10(value)) - 1
    return f"{math.ceil(value / 10 ** exponent - 1e-9) * 10.0 ** exponent:.2g}"
