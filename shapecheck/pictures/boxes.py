"""An array drawn by its shape: a box whose sides follow its sizes, a bar for rank 1, a dot for a scalar.

A (rows, columns) array is a box ``scale.side(columns)`` wide and ``scale.side(rows)`` tall, so two
operands drawn with one :class:`Scale` can be held side by side; a (k,) vector is a bar ``scale.side(k)``
long and :data:`BAR` thick; a scalar (shape ``()``) is a dot; a rank-3 or higher array is its last two axes
as a box with a stack behind it. The box's edges carry the sizes they stand for, and an edge can be marked
as one that must agree with another operand's (:data:`AGREES`) or as the one that conflicts
(:data:`CONFLICTS`): a mark is a class (colour and line style) and a sign (check mark or cross) beside
the size, so it reads without colour too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapecheck.errors import ConfigurationError
from shapecheck.pictures.svg import AGREE, CONFLICT, element, text, text_width

#: The longest and shortest side a size is drawn with (pixels), a bar's thickness, a dot's radius.
LONGEST, SHORTEST, BAR, DOT = 140.0, 10.0, 8.0, 5.0
#: Sizes within this ratio of each other are drawn to one linear scale; beyond it, logarithmically.
LINEAR_RATIO = 8.0
#: The pixels a size of 1 takes at most (a (2, 3) array is not drawn the size of a page).
LARGEST_UNIT = 28.0
AGREES, CONFLICTS = "agree", "conflict"
_FONT = 13.0


@dataclass(frozen=True)
class Scale:
    """Sizes to pixels, the same for every box of one drawing: ``side(size)`` strictly grows with size."""

    unit: float             # pixels per unit of size (linear), or per natural log of the size (logarithmic)
    logarithmic: bool

    @classmethod
    def for_sizes(cls, sizes) -> "Scale":
        """The scale for a drawing whose arrays have these sizes (any iterable of non-negative ints): linear
        when the largest is at most :data:`LINEAR_RATIO` times the smallest, else logarithmic."""
        positive = [int(s) for s in sizes if int(s) > 0]
        if not positive:
            return cls(LARGEST_UNIT, False)
        low, high = min(positive), max(positive)
        if high <= LINEAR_RATIO * low and min(LARGEST_UNIT, LONGEST / high) * low >= SHORTEST:
            return cls(min(LARGEST_UNIT, LONGEST / high), False)
        return cls((LONGEST - SHORTEST) / math.log(high), True)

    def side(self, size: int) -> float:
        """The pixels a side of ``size`` is drawn with (0 for an empty axis is drawn as a sliver of 2)."""
        if size < 0:
            raise ConfigurationError(f"a size to draw must be >= 0, got {size}", name="size", expected=">= 0",
                                     got=size)
        if size == 0:
            return 2.0
        if self.logarithmic:
            return SHORTEST + self.unit * math.log(size)
        return self.unit * size


def scale_words(scale: Scale) -> str:
    """What a reader must know of the scale: '' when linear, else that sides grow with the log of the size."""
    return "; sides on a log scale: the sizes differ more than 8 times" if scale.logarithmic else ""


@dataclass(frozen=True)
class Drawn:
    """An SVG fragment and the rectangle it takes, from its top-left corner: ``width`` x ``height``."""

    svg: str
    width: float
    height: float


def shape_text(shape) -> str:
    """``(4, 3)``, ``(7,)``, ``()``, or ``?`` for a shape not known."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def body_size(shape, scale: Scale) -> tuple:
    """(width, height) of the array's own mark for ``shape``: (cols, rows) sides for rank >= 2, a bar for
    rank 1, a dot for rank 0; a shape not known (None) is a dashed square of the shortest side."""
    if shape is None:
        return SHORTEST * 2, SHORTEST * 2
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 2 * DOT, 2 * DOT
    if len(shape) == 1:
        return scale.side(shape[0]), BAR
    stack = 2 * _STEP * min(len(shape) - 2, 2)
    return scale.side(shape[-1]) + stack, scale.side(shape[-2]) + stack


_STEP = 4.0          # how far each layer of a rank-3+ stack is drawn behind the front box


def array_body(x: float, y: float, shape, scale: Scale, *, marks: dict | None = None, css: str = "sc-box") -> str:
    """The mark of one array with its top-left corner at (x, y): a ``<rect>`` (box or bar) or ``<circle>``
    (scalar) carrying ``data-shape`` and the drawn ``data-width``/``data-height`` for a reader of the DOM,
    and its edges marked by axis (``marks``: {-1: AGREES, -2: CONFLICTS}; axis -1 is the top edge, the
    columns, or a bar's length; axis -2 the left edge, the rows)."""
    marks = marks or {}
    width, height = body_size(shape, scale)
    if shape is None:
        return element("rect", {"x": x, "y": y, "width": width, "height": height, "class": f"{css} sc-unknown",
                                "data-shape": "?"})
    shape = tuple(int(s) for s in shape)
    data = {"data-shape": ",".join(map(str, shape)), "data-rank": len(shape)}
    if not shape:
        return element("circle", {"cx": x + DOT, "cy": y + DOT, "r": DOT, "class": f"{css} sc-scalar", **data,
                                  "data-width": 2 * DOT, "data-height": 2 * DOT})
    layers = min(len(shape) - 2, 2) if len(shape) > 2 else 0
    behind = "".join(element("rect", {"x": x + (layers - i) * 2 * _STEP, "y": y + i * 2 * _STEP,
                                      "width": width - layers * 2 * _STEP, "height": height - layers * 2 * _STEP,
                                      "class": f"{css} sc-stack"})
                     for i in range(layers))
    front_x, front_y = x, y + layers * 2 * _STEP
    front_w, front_h = width - layers * 2 * _STEP, height - layers * 2 * _STEP
    kind = "sc-bar" if len(shape) == 1 else "sc-matrix"
    body = element("rect", {"x": front_x, "y": front_y, "width": front_w, "height": front_h,
                            "class": f"{css} {kind}", **data, "data-width": front_w, "data-height": front_h})
    return behind + body + _edges(front_x, front_y, front_w, front_h, shape, marks)


def _edges(x, y, width, height, shape, marks) -> str:
    """The sizes along the edges (columns above, rows at the left), each marked edge drawn over its side."""
    parts = []
    top = shape[-1]
    parts.append(_edge_label(x + width / 2, y - 5, top, marks.get(-1), anchor="middle"))
    if marks.get(-1):
        parts.append(element("line", {"x1": x, "y1": y, "x2": x + width, "y2": y, "class": f"sc-mark-{marks[-1]}",
                                      "data-axis": -1}))
    if len(shape) >= 2:
        parts.append(_edge_label(x - 5, y + height / 2 + 4, shape[-2], marks.get(-2), anchor="end"))
        if marks.get(-2):
            parts.append(element("line", {"x1": x, "y1": y, "x2": x, "y2": y + height,
                                          "class": f"sc-mark-{marks[-2]}", "data-axis": -2}))
    return "".join(parts)


def _edge_label(x, y, size, mark, *, anchor) -> str:
    sign = {AGREES: AGREE + " ", CONFLICTS: CONFLICT + " "}.get(mark, "")
    css = f"sc-size sc-size-{mark}" if mark else "sc-size"
    return text(x, y, f"{sign}{size}", css=css, anchor=anchor)


def edge_room(shape) -> tuple:
    """(left, top) pixels an array's edge labels need beside its body."""
    if shape is None or len(shape) == 0:
        return 0.0, 0.0
    left = text_width(f"{CONFLICT} {shape[-2]}", size=_FONT) + 8 if len(shape) >= 2 else 0.0
    return left, 18.0


def operand(x: float, y: float, label: str, shape, scale: Scale, *, marks: dict | None = None,
            css: str = "sc-box", caption: str | None = None, room: float = 0.0) -> Drawn:
    """One array with its source text above and its shape below (``caption``, one or more lines, replaces
    the shape text), drawn from (x, y): the whole group's width and height are returned with it. ``room``:
    the height kept for the body (the tallest of a row, so the captions of a row share one baseline)."""
    width, height = body_size(shape, scale)
    left, top = edge_room(shape)
    below = (caption if caption is not None else shape_text(shape)).split("\n")
    wide = max(left + width, text_width(label), *(text_width(words) for words in below)) + 4
    body_x = x + max(left, (wide - width) / 2)
    base = max(y + 22 + top + height, y + 40 + room)      # under the body, or under the row's tallest
    parts = [text(x + wide / 2, y + 14, label, css="sc-expr"),
             array_body(body_x, y + 22 + top, shape, scale, marks=marks, css=css),
             *(text(x + wide / 2, base + 18 * (i + 1), words, css="sc-shape") for i, words in enumerate(below))]
    return Drawn(element("g", {"class": "sc-operand"}, "".join(parts)), wide, base - y + 18 * len(below) + 6)
