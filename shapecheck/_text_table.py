"""A plain text table of strings, laid out as tabulate's ``simple`` format lays it out.

The gradient report is printed by every check, often in a fresh ``python -c`` or a test run: importing
tabulate there cost about 50 ms (it reads its own version through ``importlib.metadata``, and loads
``wcwidth`` when installed), more than half of what checking a seed-size network adds to a fresh process.
Its ``simple`` layout for string cells is short to write: each column as wide as its longest cell and at
least its header plus two, cells stripped, left-aligned and joined by two spaces, a line of dashes under the header,
trailing spaces stripped. ``tests/shapecheck/test_text_table.py`` keeps it equal to tabulate's output.
"""

from __future__ import annotations


def simple_table(rows: list, headers: list) -> str:
    """``rows`` (lists of strings, each as long as ``headers``) under ``headers``, as tabulate would print
    ``tabulate(rows, headers=headers, disable_numparse=True)``."""
    rows = [[cell.strip() for cell in row] for row in rows]
    widths = [max([len(header) + 2, *(len(row[i]) for row in rows)]) for i, header in enumerate(headers)]
    lines = [_line(headers, widths), "  ".join("-" * width for width in widths)]
    lines += [_line(row, widths) for row in rows]
    return "\n".join(lines)


def _line(cells, widths) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()
