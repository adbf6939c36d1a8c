"""A trace report drawn: the failing operation with its fixes, then the operations the run recorded in the
order they first ran (the network the script actually built), each warning marked at its operation and the
failure last.

Reads the report's facts only (``error``, ``sites``, ``warnings``: see :mod:`shapecheck.tracing.report`), so
the tracer does not depend on this package's internals, and this package not on the tracer's.
"""

from __future__ import annotations

import ast
import re
from html import escape

from shapecheck.pictures import agreement
from shapecheck.pictures.boxes import Drawn, Scale, scale_words
from shapecheck.pictures.failure import failure_html, operands_of
from shapecheck.pictures.known_shapes import from_report, operator_of, two_sides
from shapecheck.pictures.operation import operation, sizes_of
from shapecheck.pictures.page import text_block, write_page
from shapecheck.pictures.plan_view import plan_html, shape_plan
from shapecheck.pictures.strip import Cell, strip
from shapecheck.pictures.svg import CONFLICT, WARNED, figure, text
from shapecheck.tracing.locations import location

#: The most operations the strip draws (a long run's first ones; the page says how many were left out).
MOST_CELLS = 60


def trace_html(report) -> str:
    """The failure's section (when the run failed by shape) and the run's strip, as HTML."""
    parts = []
    error = report.error
    if error and error.get("kind") != "untraced":
        where = location(error["file"], error["line"], error.get("cell"))
        parts.append("<section class='sc-failing'><h2>the failing operation</h2>"
                     f"{failure_html(error, from_report(error, report.sites), where=where)}</section>")
        parts.append(suggested_plan_html(error))
    parts.append(run_html(report))
    return "".join(parts)


#: The plan command an explanation suggests with the run's own sizes (``shapecheck plan 4 2 3 --layout rows -n 2``).
_PLAN_COMMAND = re.compile(r"`shapecheck plan ((?:\d+ )+)--layout (rows|columns) -n (\d+)`")


def suggested_plan_html(error: dict) -> str:
    """When no rewrite fits and the explanation names ``shapecheck plan`` with the run's sizes, that plan drawn
    (the shapes the operands should have had), else ''."""
    found = next((m for m in map(_PLAN_COMMAND.search, error.get("fixes", ())) if m), None)
    if found is None:
        return ""
    sizes = [int(size) for size in found[1].split()]
    try:
        plan = shape_plan(sizes, layout=found[2], batch_size=int(found[3]))
    except Exception:  # noqa: BLE001 - sizes the plan refuses: the advice above still names the command
        return ""
    command = f"shapecheck plan {found[1]}--layout {found[2]} -n {found[3]}"
    return (f"<section class='sc-suggested'><h2>what {escape(command)} lists: the shapes each quantity should "
            f"have with this run's sizes</h2>{plan_html(plan, level=3)}</section>")


def write_trace_page(path: str, report, target: str) -> str:
    """The report's page at ``path``: its summary, the drawings, the text report folded below."""
    body = f"<p class='sc-summary'><b>{escape(report.summary)}</b></p>{trace_html(report)}{text_block(str(report))}"
    return write_page(path, f"shapecheck trace {target}", body)


def run_html(report) -> str:
    """The recorded matrix products and warned operations in the order they first ran, then the failure."""
    entries = _entries(report)
    shown = entries[:MOST_CELLS]
    failing = _failing_parts(report.error)
    shapes = [shape for _, _, parts, result, _ in shown for shape in [*(s for _, s in parts), result]]
    scale = Scale.for_sizes(sizes_of(shapes + [s for _, s in failing or ()]))
    cells = [_cell(header, parts, symbol, result, warned, scale) for header, symbol, parts, result, warned in
             ((h, _symbol(site_expr), p, r, w) for h, site_expr, p, r, w in shown)]
    if failing:
        kind = report.error["kind"]
        symbol = {"matmul": "@", "ragged": ","}.get(kind) or operator_of(report.error.get("expr", "")) or "?"
        drawn = operation(failing, symbol, agreement.marks(kind, [s for _, s in failing]), result=None,
                          scale=scale, top=30)
        header = location(report.error["file"], report.error["line"], report.error.get("cell"))
        cells.append(Cell(_headed(drawn, header), note=f"{CONFLICT} failed here ({kind})", state="failed",
                          name=header))
    left_out = len(entries) - len(shown)
    said = f" (the first {MOST_CELLS}; {left_out} more not drawn)" if left_out else ""
    if not cells:
        return ("<section class='sc-run'><h2>the run</h2><p>no matrix product or warned operation was recorded</p>"
                "</section>")
    drawn = strip(cells)
    title = "the operations this run recorded, in the order they first ran" + said
    warnings = "".join(f"<li>{WARNED} {escape(location(w.file, w.line, w.cell))} [{escape(w.kind)}] "
                       f"{escape(w.message)}</li>" for w in report.warnings)
    return (f"<section class='sc-run'><h2>{escape(title)}</h2><p>every matrix product, and each operation a "
            f"warning is about ({WARNED}), drawn to one scale{scale_words(scale)}</p>"
            f"<figure>{figure(drawn.width, drawn.height, drawn.svg, title=title)}"
            f"{f'<figcaption><ul class=sc-rules>{warnings}</ul></figcaption>' if warnings else ''}</figure></section>")


def _entries(report) -> list:
    """[(header, expr, [(operand text, shape)], result, warning kinds)] in the order first run."""
    warned = {}
    for warning in report.warnings:
        places = [(warning.file, warning.line, warning.cell)]
        places += [(w["file"], w["line"], w.get("cell")) for w in warning.lines]
        for place in places:
            warned.setdefault(place, []).append(warning.kind)
    found = []
    elementwise = {(site.file, site.line, site.cell) for site in report.sites if not site.is_matrix_product}
    for site in report.sites:
        place = (site.file, site.line, site.cell)
        # no warning is about a product: on a line with another operation, that one carries the mark
        kinds = warned.get(place, []) if not (site.is_matrix_product and place in elementwise) else []
        if not site.is_matrix_product and not kinds:
            continue
        order = site.first_seen or tuple(range(len(site.signatures)))
        for seen, signature in zip(order, site.signatures):
            labels = _operand_texts(site.expr, len(signature["shapes"]))
            parts = [(label, tuple(shape) if shape is not None else ())
                     for label, shape in zip(labels, signature["shapes"])]
            result = tuple(signature["result"]) if signature.get("result") is not None else None
            calls = signature["count"]
            header = f"{location(site.file, site.line, site.cell)}" + (f"  ({calls} calls)" if calls > 1 else "")
            found.append((seen, (header, site.expr, parts, result, sorted(set(kinds)))))
    return [entry for _, entry in sorted(found, key=lambda pair: pair[0])]


def _cell(header: str, parts: list, symbol: str, result, warned: list, scale: Scale) -> Cell:
    drawn = operation(parts, symbol, [{} for _ in parts], result=result, scale=scale, top=30)
    note = f"{WARNED} " + ", ".join(warned) if warned else ""
    return Cell(_headed(drawn, header), note=note, state="warned" if warned else "", name=header)


def _headed(drawn: Drawn, header: str) -> Drawn:
    """The drawing with its place (``learner.py:9  (2 calls)``) written over it."""
    return Drawn(text(10, 16, header, css="sc-label", anchor="start") + drawn.svg,
                 max(drawn.width, 10 + 0.6 * 13 * len(header) + 10), drawn.height)


def _failing_parts(error) -> list | None:
    if not error or error.get("kind") == "untraced":
        return None
    parts = operands_of(error)
    return parts or None


def _operand_texts(expr: str, count: int) -> list:
    """The source text of each operand of ``expr`` (its two sides, a call's arguments), else placeholders."""
    sides = two_sides(expr)
    if sides is not None and count == 2:
        return [ast.unparse(sides[0]), ast.unparse(sides[2])]
    try:
        node = ast.parse(expr.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        node = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and count == 1:
        return [ast.unparse(node.func.value)]
    return [" ".join(expr.split())] if count == 1 else [f"operand {i + 1}" for i in range(count)]


def _symbol(expr: str) -> str:
    return operator_of(expr) or "\u2218"
