"""Operations that succeed but are probably wrong: the silent shape bugs of hand-written backprop.

=====================  =================================================================================
kind                   fires when
=====================  =================================================================================
``outer-broadcast``    both operands are stretched along the same size, e.g. ``(n, 1) - (n,)`` gives
                       ``(n, n)`` (vectors of different lengths crossed are an outer product on purpose)
``inplace-broadcast``  an in-place update's right side is stretched up to the target, e.g. ``W -= dW``
                       with ``dW`` ``(1, h)`` and ``W`` ``(d, h)``
``rank-1``             a ``(k,)`` vector meets a ``(k, 1)`` or ``(1, k)`` array
``reshape-transpose``  ``X.reshape(d, n)`` of an ``(n, d)`` X: a transpose's sizes, the numbers scrambled
=====================  =================================================================================

Updates of a parameter (``parameter-grows``, ``shared-bias-gradient``) are judged in :mod:`updates`, and the
warnings of one rank-1 vector on several lines are made one in :mod:`warning_groups`.

Equal sizes in different roles (a square weight, n equal to a width) are not a warning: the program may
well be right, but a transposed matrix or a wrongly oriented bias would fit as well, so the tracer cannot
see such bugs. :func:`coinciding_sizes` finds them per operation and :func:`sizes_note` turns all of a
run's into one note (kind ``ambiguous-sizes``) naming the sizes and the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import re

from shapecheck._arrays import format_shape
from shapecheck.tracing.roles import looks_like_weights
from shapecheck.tracing.shapes.broadcasting import stretched

ELEMENTWISE = frozenset({"+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^"})
PRODUCT_OPS = frozenset({"@", "@=", "dot", "matmul"})
#: In-place updates that broadcast their right side (``@=`` does not broadcast, comparisons are not updates).
INPLACE = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^="})
#: The kind of the note on equal sizes in different roles (in ``TraceReport.notes``, never a warning).
AMBIGUOUS_SIZES = "ambiguous-sizes"
#: At most this many lines are named in the note's text (the JSON note lists them all).
_LINES_SHOWN = 12


def check_silent_bugs(site, kind: str, shapes: tuple, result: tuple | None) -> list[tuple[str, str]]:
    """The warnings (kind, message) for the first call of a signature at ``site``."""
    arrays = [s for s in shapes if s is not None]
    if kind in ELEMENTWISE and len(arrays) == 2 and result is not None:
        return _elementwise(site, shapes, result)
    if kind in INPLACE and result is not None:
        return _inplace(site, shapes, result)
    if kind == "reshape" and result is not None:
        return _reshape_as_transpose(site, shapes, result)
    return []


def _reshape_as_transpose(site, shapes, result):
    """``X.reshape(d, n)`` of an ``(n, d)`` X: the sizes of a transpose, but the numbers in the wrong places."""
    (shape,) = shapes[:1] or (None,)
    if shape is None or len(shape) != 2 or len(result) != 2 or shape[0] == shape[1] or 1 in shape \
            or tuple(result) != tuple(shape[::-1]):
        return []
    operand = site.receiver or (site.operands[0] if site.operands else "the array")
    return [("reshape-transpose",
             f"`{site.expr}` turns {format_shape(shape)} into {format_shape(result)}: the sizes of a transpose, but "
             f"reshape keeps the numbers in reading order, so rows are cut across samples; use `{operand}.T` "
             f"to swap the axes")]


@dataclass(frozen=True)
class Coincidence:
    """One operation whose operands would fit as well with a transposed matrix or a turned bias."""

    size: int
    roles: str          # "in `a0 @ w0`, (4, 2) @ (2, 4), 4 is both the rows of the left and the columns of the right"


def coinciding_sizes(site, kind: str, shapes: tuple, result: tuple | None) -> Coincidence | None:
    """The size that plays two roles in this operation, or None when every role has its own size."""
    arrays = [s for s in shapes if s is not None]
    if len(arrays) != 2 or len(shapes) != 2:
        return None
    if kind in PRODUCT_OPS:
        return _ambiguous_product(site, shapes)
    if kind in ELEMENTWISE and result is not None and not _elementwise(site, shapes, result):
        return _ambiguous_bias(site, shapes, result)     # a real warning there says more than the note would
    return None


def sizes_note(found: list) -> dict | None:
    """One note for a whole run from ``found``: [(file, line, Coincidence), ...] in report order.

    Returns ``{"kind", "sizes", "lines": [{"file", "line"}], "message"}``, or None when ``found`` is empty.
    """
    if not found:
        return None
    sizes = sorted({c.size for _, _, c in found})
    places = list(dict.fromkeys((file, line) for file, line, _ in found))
    words = (f"size {sizes[0]} plays two roles" if len(sizes) == 1
             else f"sizes {_and(map(str, sizes))} each play two roles")
    message = (f"{words} ({found[0][2].roles}), so a transposed matrix or a wrongly oriented bias would "
               f"still fit at {_where(places)}; re-run with all sizes different (e.g. 7 samples, 5 inputs, "
               f"3 hidden units, 2 outputs) to let shapecheck see such bugs")
    return {"kind": AMBIGUOUS_SIZES, "sizes": sizes,
            "lines": [{"file": file, "line": line} for file, line in places], "message": message}


def _elementwise(site, shapes, result):
    left, right = shapes
    texts = site.operands
    found = []
    deliberate = any(word in text for text in texts for word in ("None", "newaxis")) or len(result) > 2 \
        or all("reshape" in text for text in texts)
    if not deliberate and _is_array(left) and _is_array(right) and stretched(left, result) \
            and stretched(right, result) and _a_size_crosses(left, right, result):
        found.append(("outer-broadcast",
                      f"`{texts[0]}` {format_shape(left)} and `{texts[1]}` {format_shape(right)} are both stretched, "
                      f"giving {format_shape(result)}: an outer product by broadcasting, rarely meant in backprop "
                      f"(a (n, 1) minus a (n,) gives (n, n)); make both operands the same shape"))
    for vector, other, v_text, o_text in ((left, right, texts[0], texts[1]), (right, left, texts[1], texts[0])):
        if vector is not None and other is not None and len(vector) == 1 and vector[0] > 1 and len(other) == 2 \
                and 1 in other and vector[0] in other:
            found.append(("rank-1", f"`{v_text}` is a rank-1 vector {format_shape(vector)} mixed with "
                                    f"`{o_text}` {format_shape(other)}; keep vectors 2-d "
                                    f"({v_text}.reshape(-1, 1) or keepdims=True) so shapes say what they mean"))
            break
    return found


def _stretched_sizes(shape, result) -> set:
    """The sizes of the result's axes along which ``shape`` is repeated."""
    padded = (1,) * (len(result) - len(shape)) + tuple(shape)
    return {target for size, target in zip(padded, result) if size == 1 and target > 1}


def _a_size_crosses(left, right, result) -> bool:
    """Both operands are stretched, and one size is both what the left is stretched along and what the right
    is: ``(n, 1) - (n,)`` gives ``(n, n)``, the mistake. Vectors of different lengths crossed, ``(5, 1) ==
    (3,)`` (a one-hot), ``(6, 1) * (4,)`` (a positional encoding), make an outer product on purpose."""
    return bool(_stretched_sizes(left, result) & _stretched_sizes(right, result))


def _ambiguous_bias(site, shapes, result):
    """A (1, k) or (k, 1) operand broadcast into a square (k, k): it would fit along either axis."""
    if len(result) != 2 or result[0] != result[1] or result[0] <= 1:
        return None
    for operand, text in zip(shapes, site.operands):
        if operand is not None and len(operand) == 2 and 1 in operand and operand != result:
            return Coincidence(result[0], f"in `{site.expr}`, `{text}` {format_shape(operand)} fits the square "
                                          f"{format_shape(result)} whichever way it is turned")
        if operand is not None and len(operand) == 1 and operand[0] == result[0]:
            # e / e.sum(axis=1) with as many samples as classes: the sums meet the columns, not the rows
            return Coincidence(result[0], f"in `{site.expr}`, the rank-1 `{text}` {format_shape(operand)} is "
                                          f"stretched over the rows of the square {format_shape(result)}: right "
                                          "for one value per column (a bias), wrong for one value per row (a "
                                          "sum without keepdims=True)")
    return None


def _inplace(site, shapes, result):
    target, value = shapes
    if target is None or value is None or len(value) == 0 or target == value or result != target:
        return []   # (result != target: an immutable target such as a numpy scalar was rebound, not updated)
    if not _is_parameter_update(site):
        return []   # X -= X.mean(axis=0), Z += b, probs /= probs.sum(...): stretching is what is meant
    if stretched(value, target):
        return [("inplace-broadcast",
                 f"`{site.operands[1]}` {format_shape(value)} is stretched to `{site.operands[0]}` "
                 f"{format_shape(target)} by the in-place update `{site.expr}`: every row/column gets the same "
                 f"change; the update should have the target's shape")]
    return []


_LEARNING_RATES = re.compile(r"\b(lr|eta|alpha|learning_?rate|learningRate|step_?size|LR)\b", re.IGNORECASE)


def _is_parameter_update(site) -> bool:
    """``W -= lr * dW``: an update of a parameter (named as weights or a bias, or moved by a learning rate),
    where a stretched right side means every row or column got the same change."""
    if site.op not in ("-=", "+="):
        return False
    return is_parameter_target(site.operands[0]) or learning_rate_in(site.operands[1])


def is_parameter_target(text: str) -> bool:
    """``W``, ``self.b1``, ``weights[i]``, ``bias``: the target of an update named as weights or a bias."""
    target = text.split("[")[0]
    last = target.split(".")[-1].lower().strip("_")
    return looks_like_weights(target) or last in ("b", "bias", "biases") or re.match(r"b\d|bias", last) is not None


def learning_rate_in(text: str) -> bool:
    """``alpha * db1``, ``self.lr * grad``: the expression names a learning rate."""
    return _LEARNING_RATES.search(text) is not None


def _ambiguous_product(site, shapes):
    left, right = shapes
    if len(left) != 2 or len(right) != 2:
        return None
    m, k, p = left[0], left[1], right[1]
    roles = (("the rows of the left", m), ("the shared inner size", k), ("the columns of the right", p))
    for i, (a, x) in enumerate(roles):
        for b, y in roles[i + 1:]:
            if x == y and x > 1:
                return Coincidence(x, f"in `{site.expr}`, {format_shape(left)} @ {format_shape(right)}, {x} is "
                                      f"both {a} and {b}")
    return None


def _where(places) -> str:
    """``lines 28, 30 of xor.py`` (or per file when there are several), the first few only."""
    shown, rest = places[:_LINES_SHOWN], len(places) - _LINES_SHOWN
    by_file: dict[str, list] = {}
    for file, line in shown:
        by_file.setdefault(file, []).append(line)
    parts = [f"{'line' if len(lines) == 1 else 'lines'} {', '.join(map(str, lines))} of {file}"
             for file, lines in by_file.items()]
    return "; ".join(parts) + (f" and {rest} more" if rest > 0 else "")


def _and(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _is_array(shape) -> bool:
    """An operand that is a real array, not a number or a one-element array."""
    if shape is None or len(shape) == 0:
        return False
    size = 1
    for s in shape:
        size *= s
    return size > 1
