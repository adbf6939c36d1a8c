"""Operations that succeed but are probably wrong: the silent shape bugs of hand-written backprop.

=====================  =================================================================================
kind                   fires when
=====================  =================================================================================
``outer-broadcast``    both operands are stretched, e.g. ``(n, 1) - (n,)`` gives ``(n, n)``
``inplace-broadcast``  an in-place update's right side is stretched up to the target, e.g. ``W -= dW``
                       with ``dW`` ``(1, h)`` and ``W`` ``(d, h)``
``rank-1``             a ``(k,)`` vector meets a ``(k, 1)`` or ``(1, k)`` array
``ambiguous-sizes``    two different roles share a size (a square weight, n equal to a width), so a
                       transposed matrix or a wrongly oriented bias would still fit
=====================  =================================================================================
"""

from __future__ import annotations

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes import stretched

ELEMENTWISE = frozenset({"+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^"})
PRODUCT_OPS = frozenset({"@", "@=", "dot", "matmul"})
#: In-place updates that broadcast their right side (``@=`` does not broadcast, comparisons are not updates).
INPLACE = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^="})


def check_silent_bugs(site, kind: str, shapes: tuple, result: tuple | None) -> list[tuple[str, str]]:
    """The warnings (kind, message) for the first call of a signature at ``site``."""
    found = []
    arrays = [s for s in shapes if s is not None]
    if kind in ELEMENTWISE and len(arrays) == 2 and result is not None:
        found += _elementwise(site, shapes, result)
    elif kind in INPLACE and result is not None:
        found += _inplace(site, shapes, result)
    if kind in PRODUCT_OPS and len(arrays) == 2:
        found += _ambiguous_product(site, shapes)
    return found


def _elementwise(site, shapes, result):
    left, right = shapes
    texts = site.operands
    found = []
    if _is_array(left) and _is_array(right) and stretched(left, result) and stretched(right, result):
        found.append(("outer-broadcast",
                      f"`{texts[0]}` {format_shape(left)} and `{texts[1]}` {format_shape(right)} are both stretched, "
                      f"giving {format_shape(result)}: an outer product by broadcasting, rarely meant in backprop "
                      f"(a (n, 1) minus a (n,) gives (n, n)); make both operands the same shape"))
    for vector, other, v_text, o_text in ((left, right, texts[0], texts[1]), (right, left, texts[1], texts[0])):
        if len(vector) == 1 and vector[0] > 1 and len(other) == 2 and 1 in other and vector[0] in other:
            found.append(("rank-1", f"`{v_text}` is a rank-1 vector {format_shape(vector)} mixed with "
                                    f"`{o_text}` {format_shape(other)}; keep vectors 2-d "
                                    f"({v_text}.reshape(-1, 1) or keepdims=True) so shapes say what they mean"))
            break
    if len(result) == 2 and result[0] == result[1] > 1 and not found:
        for operand, text in ((left, texts[0]), (right, texts[1])):
            if operand is not None and len(operand) == 2 and 1 in operand and operand != result:
                found.append(("ambiguous-sizes",
                              f"`{text}` {format_shape(operand)} broadcasts into the square {format_shape(result)}: "
                              f"it would fit along either axis, so a wrongly oriented bias cannot be seen; "
                              f"re-run with different sizes for samples and units"))
                break
    return found


def _inplace(site, shapes, result):
    target, value = shapes
    if target is None or value is None or len(value) == 0 or target == value or result != target:
        return []   # (result != target: an immutable target such as a numpy scalar was rebound, not updated)
    if stretched(value, target):
        return [("inplace-broadcast",
                 f"`{site.operands[1]}` {format_shape(value)} is stretched to `{site.operands[0]}` "
                 f"{format_shape(target)} by the in-place update `{site.expr}`: every row/column gets the same "
                 f"change; the update should have the target's shape")]
    return []


def _ambiguous_product(site, shapes):
    left, right = shapes
    if len(left) != 2 or len(right) != 2:
        return []
    m, k, p = left[0], left[1], right[1]
    sizes = {"rows of the left": m, "shared inner size": k, "columns of the right": p}
    equal = [(a, b) for i, (a, x) in enumerate(sizes.items()) for b, y in list(sizes.items())[i + 1:]
             if x == y and x > 1]
    if not equal:
        return []
    a, b = equal[0]
    return [("ambiguous-sizes",
             f"`{site.expr}` is {format_shape(left)} @ {format_shape(right)}: the {a} and the {b} are both "
             f"{sizes[a]}, so a transposed operand would still fit; re-run with pairwise-distinct sizes")]


def _is_array(shape) -> bool:
    """An operand that is a real array, not a number or a one-element array."""
    if shape is None or len(shape) == 0:
        return False
    size = 1
    for s in shape:
        size *= s
    return size > 1
