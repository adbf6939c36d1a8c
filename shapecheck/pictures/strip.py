"""A strip of drawings in order, wrapped into rows: the network's quantities (the plan) or the operations a
run recorded (the trace), each in a cell with a frame; a cell can be marked as warned or as the failure.

Every box of one strip is drawn with one :class:`~shapecheck.pictures.boxes.Scale`, so sizes compare across
the whole network.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapecheck.pictures.boxes import Drawn
from shapecheck.pictures.svg import element, text

#: The widest a strip is drawn before it wraps (pixels), the room between cells and rows.
WIDTH, GAP = 1100.0, 12.0
_FRAMES = {"": "sc-cell-frame", "warned": "sc-cell-warned", "failed": "sc-cell-failed"}


@dataclass(frozen=True)
class Cell:
    """One cell's drawing (drawn from (0, 0)), a note under it (a warning's kind) and its ``state``:
    "" (plain), "warned" or "failed"."""

    drawn: Drawn
    note: str = ""
    state: str = ""
    name: str = ""          # what the cell stands for (``W1``, ``line 9``), for a reader of the DOM
    new_row: bool = False   # start a row with this cell (a layer's first quantity)


def strip(cells: list, *, width: float = WIDTH) -> Drawn:
    """The cells left to right, wrapped into rows no wider than ``width``; each cell in a frame, its note
    under the drawing."""
    pieces, x, y, row_height, widest = [], GAP, GAP, 0.0, 0.0
    for cell in cells:
        cell_w = cell.drawn.width + 2 * GAP
        cell_h = cell.drawn.height + (22 if cell.note else 0) + GAP
        if x > GAP and (x + cell_w > width or cell.new_row):
            x, y, row_height = GAP, y + row_height + GAP, 0.0
        frame = element("rect", {"x": 0, "y": 0, "width": cell_w, "height": cell_h, "rx": 6,
                                 "class": _FRAMES[cell.state]})
        note = text(cell_w / 2, cell.drawn.height + 16, cell.note,
                    css="sc-warned-text" if cell.state == "warned" else "sc-size sc-failed") if cell.note else ""
        inner = element("g", {"transform": f"translate({GAP:g},0)"}, cell.drawn.svg)
        placed = {"class": "sc-cell", "data-name": cell.name or None, "data-state": cell.state or None,
                  "transform": f"translate({x:.1f},{y:.1f})"}
        pieces.append(element("g", placed, frame + inner + note))
        x += cell_w + GAP
        row_height = max(row_height, cell_h)
        widest = max(widest, x)
    return Drawn("".join(pieces), widest, y + row_height + GAP)
