"""Which axes of a failing operation's operands must agree, and which of them conflict.

A broadcast aligns the shapes from the right: each pair of sizes must be equal, or one of them 1. A matrix
product needs the left operand's last size to equal the right one's second-to-last (a (k,) vector's only
size). ``np.array`` of several arrays needs them all of one shape. The result is a mark per operand and
axis (:data:`~shapecheck.pictures.boxes.AGREES` or :data:`~shapecheck.pictures.boxes.CONFLICTS`), which
the boxes draw on their edges, and one line of words per rule, which the figure prints under them.
"""

from __future__ import annotations

from collections import Counter

from shapecheck.pictures.boxes import AGREES, CONFLICTS
from shapecheck.pictures.svg import AGREE, CONFLICT

#: The kinds of operation whose operands are aligned from the right.
BROADCASTS = frozenset({"broadcast", "inplace-broadcast"})


def marks(kind: str, shapes: list) -> list:
    """One {axis: mark} per operand (axes counted from the right: -1, -2) for ``kind``'s rule."""
    known = [tuple(s) if s is not None else None for s in shapes]
    found = [{} for _ in known]
    if kind in BROADCASTS and len(known) >= 2 and None not in known[:2]:
        for axis, agree in _broadcast_axes(known[0], known[1]):
            found[0][axis] = found[1][axis] = AGREES if agree else CONFLICTS
    elif kind == "matmul" and len(known) >= 2 and None not in known[:2] and known[0] and known[1]:
        left, right = known[0], known[1]
        inner_right = -2 if len(right) >= 2 else -1
        mark = AGREES if left[-1] == right[inner_right] else CONFLICTS
        found[0][-1], found[1][inner_right] = mark, mark
    elif kind == "ragged":
        usual = _most_common(known)
        for index, shape in enumerate(known):
            if shape is not None and usual is not None and len(shape) == len(usual):
                for axis in (-1, -2)[:len(shape)]:
                    found[index][axis] = AGREES if shape[axis] == usual[axis] else CONFLICTS
    return found


def rule_lines(kind: str, shapes: list) -> list:
    """The rule's verdict on each axis, in words with a sign: ``axis -1: 3 vs 4 \u2717 conflict``."""
    known = [tuple(s) if s is not None else None for s in shapes]
    if kind in BROADCASTS and len(known) >= 2 and None not in known[:2]:
        head = "aligned from the right, each pair of sizes must be equal or one of them 1:"
        return [head] + [f"axis {axis}: {known[0][axis]} vs {known[1][axis]}  "
                         f"{_said(agree, known[0][axis], known[1][axis])}"
                         for axis, agree in sorted(_broadcast_axes(known[0], known[1]))]
    if kind == "matmul" and len(known) >= 2 and None not in known[:2] and known[0] and known[1]:
        inner = known[1][-2] if len(known[1]) >= 2 else known[1][-1]
        agree = known[0][-1] == inner
        return ["(m, k) @ (k, p) -> (m, p): the left operand's last size must equal the right's second-to-last:",
                f"inner sizes: {known[0][-1]} vs {inner}  {_said(agree, 1, 1)}"]
    if kind == "ragged":
        usual = _most_common(known)
        odd = [str(i) for i, s in enumerate(known) if s != usual]
        return ["np.array needs every element to have one shape:",
                f"element{'s' if len(odd) > 1 else ''} {', '.join(odd)} differ{'' if len(odd) > 1 else 's'}"
                f" from {_shape(usual)}  {CONFLICT} conflict" if odd else "every element has one shape"]
    return []


def _broadcast_axes(left: tuple, right: tuple) -> list:
    """[(axis, agrees)] for the axes both shapes have, from -1 leftwards."""
    return [(-i, left[-i] == right[-i] or 1 in (left[-i], right[-i]))
            for i in range(1, min(len(left), len(right)) + 1)]


def _said(agree: bool, a: int, b: int) -> str:
    if not agree:
        return f"{CONFLICT} conflict"
    return f"{AGREE} agree" if a == b else f"{AGREE} agree (the 1 is stretched)"


def _most_common(shapes: list):
    counted = Counter(s for s in shapes if s is not None)
    return counted.most_common(1)[0][0] if counted else None


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")") if shape is not None else "?"
