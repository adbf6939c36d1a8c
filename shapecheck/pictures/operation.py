"""An operation drawn: its operands left to right as boxes with the operator between them, then ``=`` and
the result's box, or a cross when it had none (the failure). Used for the failing operation, its fixes,
and each recorded operation of a run."""

from __future__ import annotations

from shapecheck.pictures.boxes import Drawn, Scale, body_size, operand
from shapecheck.pictures.known_shapes import normal
from shapecheck.pictures.svg import CONFLICT, element, text, text_width

_GAP = 14.0


def sizes_of(shapes) -> list:
    """The sizes a drawing of these shapes shows (the last two axes of each; None and scalars add none)."""
    return [size for shape in shapes if shape for size in tuple(shape)[-2:]]


def operation(parts: list, symbol: str, marks: list, *, result, scale: Scale | None = None, top: float = 10.0) -> Drawn:
    """Operands ``parts`` ([(source text, shape)]) left to right from (10, ``top``), ``symbol`` between them,
    then ``= result`` (or, for a failure of two or more, a cross: no result); ``marks`` per operand (see
    :mod:`agreement`); one ``scale`` for all (by default made from their sizes)."""
    if scale is None:
        scale = Scale.for_sizes(sizes_of([shape for _, shape in parts] + [result]))
    tallest = max([body_size(shape, scale)[1] for _, shape in parts] + [body_size(result, scale)[1] if result else 0])
    middle = top + 40 + tallest / 2 + 7         # the operator's baseline, beside the middle of the boxes
    pieces, x, height = [], 10.0, 0.0
    for index, ((label, shape), mark) in enumerate(zip(parts, marks)):
        if index:
            pieces.append(text(x + _GAP, middle, symbol, css="sc-op"))
            x += 2 * _GAP + text_width(symbol, size=22)
        box = operand(x, top, _short(label), shape, scale, marks=mark, room=tallest)
        pieces.append(box.svg)
        x, height = x + box.width, max(height, box.height)
    if result is not None:
        pieces.append(text(x + _GAP, middle, "=", css="sc-op"))
        x += 2 * _GAP + text_width("=", size=22)
        box = operand(x, top, "result", result, scale, css="sc-box sc-result", room=tallest)
        pieces.append(box.svg)
        x, height = x + box.width, max(height, box.height)
    elif len(parts) > 1:
        pieces.append(text(x + _GAP, middle, f"{CONFLICT} no result", css="sc-op sc-failed", anchor="start"))
        x += _GAP + text_width(f"{CONFLICT} no result", size=22) + 10
    return Drawn(element("g", {}, "".join(pieces)), x + 10, top + height + 10)


def _short(label: str) -> str:
    label = normal(label) or " ".join(label.split())
    return label if len(label) <= 40 else label[:37] + "..."

