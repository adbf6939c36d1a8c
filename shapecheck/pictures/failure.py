"""The failing operation drawn: its operands as boxes side by side, the operation between them, the axes
that must agree marked on both, the conflicting one crossed; below it each fix drawn the same way with
its result.

Input is the trace report's ``error`` (its JSON form: ``kind``, ``expr``, ``operands`` [{"expr", "shape"}],
``message``, ``fix_checks`` [{"text", "status", "result", "evidence"}]) and the shapes the run recorded
(:func:`~shapecheck.pictures.known_shapes.from_report`). Output is HTML: ``<figure>`` elements holding
inline SVG, readable without a script.
"""

from __future__ import annotations

import ast
import re
from html import escape

from shapecheck.pictures import agreement
from shapecheck.pictures.boxes import Scale
from shapecheck.pictures.boxes import shape_text as _shape
from shapecheck.pictures.operation import operation, sizes_of
from shapecheck.pictures.known_shapes import combined, operator_of, shape_of, two_sides
from shapecheck.pictures.svg import AGREE, CONFLICT, figure

_SHOWN_STATUS = {"fits": f"{AGREE} checked on this run",
                 "line-only": "possible (its result's use could not be followed)"}


def operands_of(error: dict) -> list:
    """[(source text, shape or None)] of the failing operation; for ``np.array`` of ragged elements, the
    elements (``activations[0]`` (2, 4), ...), read from the error's message."""
    found = [(o["expr"], tuple(o["shape"]) if o.get("shape") is not None else None) for o in error.get("operands", ())]
    if error.get("kind") == "ragged":
        shapes = re.findall(r"\((\d+(?:, \d+)*,?)\)", error.get("message", "").split("shapes:", 1)[-1])
        listed = [tuple(int(s) for s in shape.split(",") if s.strip()) for shape in shapes]
        name = found[0][0] if len(found) == 1 else "element"
        if listed:
            return [(f"{name}[{i}]", shape) for i, shape in enumerate(listed)]
    return found


def failure_html(error: dict, known: dict, *, where: str) -> str:
    """The failing operation (titled with ``where``, e.g. ``s000a_first.py:44``) and its fixes, as HTML."""
    parts = operands_of(error)
    kind = error.get("kind", "")
    symbol = {"matmul": "@", "ragged": ","}.get(kind) or operator_of(error.get("expr", "")) or "?"
    shapes = [shape for _, shape in parts]
    drawn = operation(parts, symbol, agreement.marks(kind, shapes), result=None)
    rules = agreement.rule_lines(kind, shapes) or [error.get("message", "")]
    if Scale.for_sizes(sizes_of(shapes)).logarithmic:
        rules.append("the sides are drawn on a log scale: the sizes differ more than 8 times")
    caption = (f"<figcaption><b>{CONFLICT} {escape(kind)} error at {escape(where)}</b>: "
               f"<code>{escape(error.get('expr', ''))}</code>"
               f"<ul class='sc-rules'>{''.join(f'<li>{escape(r)}</li>' for r in rules)}</ul></figcaption>")
    title = f"{kind} error at {where}: " + ", ".join(f"{e} {_shape(s)}" for e, s in parts)
    picture = figure(drawn.width, drawn.height, drawn.svg, title=title)
    head = f"<figure class='sc-failure' data-kind='{escape(kind)}'>{picture}{caption}</figure>"
    return head + fixes_html(error, known)


def fixes_html(error: dict, known: dict) -> str:
    """Each fix checked on the run (and each possible one, said so), drawn with its result; advice that is not
    a rewrite (no rewrite fits; keep a list) as words."""
    checks = [c for c in error.get("fix_checks", ()) if c.get("status") in _SHOWN_STATUS]
    figures = [_fix_figure(check, known) for check in checks]
    drawn_texts = {c["text"] for c in checks}
    advice = [f for f in error.get("fixes", ()) if not any(t in f for t in drawn_texts)]
    words = "".join(f"<p class='sc-advice'>{escape(a)}</p>" for a in advice)
    if not figures and not words:
        return ""
    head = "fixes that would work" if figures else "what to do"
    return f"<section class='sc-fixes'><h3>{head}</h3>{''.join(figures)}{words}</section>"


def _fix_figure(check: dict, known: dict) -> str:
    """One fix: its two sides, the operation, '=' and the result box; or its text and result alone."""
    result = tuple(check["result"]) if check.get("result") is not None else None
    sides = two_sides(check["text"])
    if sides is not None:
        left, symbol, right = sides
        shapes = [shape_of(left, known), shape_of(right, known)]
        if None not in shapes and result is not None and combined(symbol, *shapes) not in (None, result):
            shapes = [None, None]                 # worked out wrongly: draw them as not known, never guessed
        kind = "matmul" if symbol == "@" else "broadcast"
        parts = [(ast.unparse(left), shapes[0]), (ast.unparse(right), shapes[1])]
        drawn = operation(parts, symbol, agreement.marks(kind, shapes), result=result)
    else:
        drawn = operation([(check["text"], None)], "", [{}], result=result)
    evidence = check.get("evidence") or ""
    status = _SHOWN_STATUS[check["status"]]
    said = f"{AGREE} {evidence}" if evidence.startswith("checked on this run") else \
        f"{status}{'; ' + evidence if evidence else ''}"
    caption = (f"<figcaption><code>{escape(check['text'])}</code> gives {escape(_shape(result))}: "
               f"{escape(said)}</figcaption>")
    title = f"fix: {check['text']} gives {_shape(result)}"
    return (f"<figure class='sc-fix' data-status='{escape(check['status'])}'>"
            f"{figure(drawn.width, drawn.height, drawn.svg, title=title)}{caption}</figure>")
