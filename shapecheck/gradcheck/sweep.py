"""Noise or bug? The error of one entry against the step size eps.

With a correct gradient the central-difference error falls as eps**2 until rounding (about
machine-epsilon * |L| / eps) takes over: a V on a log-log plot, whose bottom is far below the
tolerance. With a wrong gradient the error stops falling at a floor, the size of the mistake,
whatever eps is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shapecheck._report import Report
from shapecheck._text_table import simple_table
from shapecheck.errors import MissingDependencyError

DEFAULT_EPS_VALUES = tuple(10.0 ** -k for k in range(1, 13))


@dataclass(frozen=True, repr=False)
class SweepReport(Report):
    """``rows``: (eps, numeric, absolute error, relative error) at ``name[index]``. ``verdict`` is ``"noise"``
    or ``"bug"``, ``ok`` True for noise (see :mod:`shapecheck._report`)."""

    name: str
    index: tuple
    analytic: float
    rows: tuple
    rtol: float

    @property
    def best(self) -> tuple:
        """The row with the smallest relative error."""
        return min(self.rows, key=lambda row: row[3])

    @property
    def correct(self) -> bool:
        """True when some step size brings the error under the tolerance (noise, not a bug)."""
        return self.best[3] <= self.rtol

    def slope(self) -> float:
        """Log-log slope of the error over the three largest steps (2 for central differences)."""
        large = [row for row in sorted(self.rows, reverse=True)[:3] if row[2] > 0]
        if len(large) < 2:
            return float("nan")
        x = np.log10([row[0] for row in large])
        y = np.log10([row[2] for row in large])
        return float(np.polyfit(x, y, 1)[0])

    @property
    def ok(self) -> bool:
        return self.correct

    @property
    def verdict(self) -> str:
        return "noise" if self.correct else "bug"

    @property
    def summary(self) -> str:
        eps, _, _, rel = self.best
        where = f"{self.name}{list(self.index)}"
        if self.correct:
            return (f"{where}: noise, not a bug: the error falls to {rel:.1e} at eps={eps:g} "
                    f"(slope {self.slope():.1f} at large eps; rounding takes over below)")
        steps = [row[0] for row in self.rows]
        return (f"{where}: a floor: the relative error stays at or above {rel:.1e} for every eps from "
                f"{max(steps):g} to {min(steps):g}, so the analytic value {self.analytic:.6g} is wrong "
                "(rounding noise would vanish at some step size)")

    def __str__(self) -> str:
        table = [[f"{e:.0e}", f"{n:.10g}", f"{a:.2e}", f"{r:.2e}"] for e, n, a, r in self.rows]
        return self.summary + "\n" + simple_table(table, ["eps", "numeric", "abs err", "rel err"])

    def _details(self) -> dict:
        return {"name": self.name, "index": list(self.index), "analytic": self.analytic, "correct": self.correct,
                "rows": [dict(zip(("eps", "numeric", "abs_error", "rel_error"), row)) for row in self.rows]}

    def plot(self, ax=None):
        """Plot error versus eps on log-log axes (needs matplotlib, imported only here)."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise MissingDependencyError("plotting needs matplotlib, which is not installed: pip install matplotlib",
                                         name="matplotlib", expected="installed", got="missing") from None
        if ax is None:
            _, ax = plt.subplots()
        eps = [row[0] for row in self.rows]
        ax.loglog(eps, [max(row[3], 1e-17) for row in self.rows], marker="o")
        ax.axhline(self.rtol, linestyle="--", color="gray", label=f"rtol={self.rtol:g}")
        ax.set_xlabel("eps")
        ax.set_ylabel("relative error")
        ax.set_title(f"{self.name}{list(self.index)}")
        ax.legend()
        return ax
