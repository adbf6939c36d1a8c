"""einsum: the shape a subscripts string such as ``"ij,jk->ik"`` gives, or why numpy rejects it.

The subscripts are parsed into one term per operand (letters name axes, ``...`` the remaining ones),
each operand's sizes are bound to its letters, and the output is assembled from them.
"""

from __future__ import annotations

import string

from shapecheck.tracing.shapes.broadcasting import predict_broadcast
from shapecheck.tracing.shapes.core import Conflict, Shape


def predict_einsum(shapes: tuple[Shape, ...], subscripts) -> Shape | Conflict | None:
    """``np.einsum(subscripts, *arrays)``, explicit (``"ij,jk->ik"``) or implicit (``"ij,jk"``) form.

    Letters name axes; ``...`` stands for the remaining axes, which broadcast across operands. A letter
    on several operands must have broadcast-compatible sizes (equal or 1), twice on one operand equal
    sizes (a diagonal). The implicit output is ``...`` followed by the letters used once, sorted.
    """
    if not isinstance(subscripts, str):
        return None
    parsed = _parse_einsum(subscripts, len(shapes))
    if isinstance(parsed, Conflict):
        return parsed
    terms, output = parsed
    sizes: dict[str, int] = {}
    ellipsis_shapes = []
    for index, (term, shape) in enumerate(zip(terms, shapes)):
        problem = _bind_einsum_term(index, term, shape, sizes, ellipsis_shapes)
        if problem is not None:
            return problem
    ellipsis = predict_broadcast(tuple(ellipsis_shapes))
    if isinstance(ellipsis, Conflict):
        return _einsum_conflict(f"the '...' axes do not broadcast: {ellipsis.message}")
    if output is None:
        counts = [letter for term in terms for letter in term if letter != "..."]
        output = ["..."] + sorted(letter for letter in set(counts) if counts.count(letter) == 1)
    elif "..." not in output and ellipsis:
        return _einsum_conflict("the '...' axes of the operands must appear in the output")
    result: list[int] = []
    for item in output:
        result.extend(ellipsis if item == "..." else (sizes[item],))
    return tuple(result)


def _einsum_conflict(message: str) -> Conflict:
    return Conflict("einsum", message, ())


def _parse_einsum(subscripts: str, operand_count: int) -> tuple[list[list[str]], list[str] | None] | Conflict:
    """The input terms and the output term (None in the implicit form), each a list of letters and ``...``."""
    inputs, arrow, output_text = subscripts.partition("->")
    if any(mark in inputs for mark in "->"):
        return _einsum_conflict(f"{subscripts!r} has a '-' or '>' that is not part of one '->'")
    terms = [_einsum_term(text) for text in inputs.split(",")]
    output = _einsum_term(output_text) if arrow else None
    for term in terms + [output]:
        if isinstance(term, Conflict):
            return term
    if len(terms) != operand_count:
        return _einsum_conflict(f"{subscripts!r} names {len(terms)} operand(s) but {operand_count} were given")
    if output is not None:
        letters = [item for item in output if item != "..."]
        used = {item for term in terms for item in term}
        if len(set(letters)) != len(letters):
            return _einsum_conflict(f"the output {output_text!r} names an axis twice")
        if not set(letters) <= used:
            return _einsum_conflict(f"the output {output_text!r} names an axis no operand has")
    return terms, output


def _einsum_term(text: str) -> list[str] | Conflict:
    """``"i...j"`` as ``["i", "...", "j"]`` (spaces are ignored, as numpy does)."""
    items, position = [], 0
    text = text.replace(" ", "")
    while position < len(text):
        if text.startswith("...", position):
            items.append("...")
            position += 3
        elif text[position] in string.ascii_letters:
            items.append(text[position])
            position += 1
        else:
            return _einsum_conflict(f"{text!r} holds {text[position]!r}: einsum subscripts must be letters or '...'")
    if items.count("...") > 1:
        return _einsum_conflict(f"{text!r} has more than one '...'")
    return items


def _bind_einsum_term(index: int, term: list[str], shape: Shape, sizes: dict[str, int],
                      ellipsis_shapes: list[Shape]) -> Conflict | None:
    """Record the sizes operand ``index`` gives its letters (and its ``...`` axes); a Conflict if they clash."""
    letters = [item for item in term if item != "..."]
    if len(letters) > len(shape) or ("..." not in term and len(letters) < len(shape)):
        return _einsum_conflict(f"operand {index} has {len(shape)} axes but {''.join(term)!r} names {len(letters)}")
    if "..." in term:
        start = term.index("...")
        stop = start + len(shape) - len(letters)
        ellipsis_shapes.append(shape[start:stop])
        axis_sizes = shape[:start] + shape[stop:]
    else:
        axis_sizes = shape
    own: dict[str, int] = {}
    for letter, size in zip(letters, axis_sizes):
        if own.setdefault(letter, size) != size:
            return _einsum_conflict(f"operand {index} repeats {letter!r} on axes of sizes {own[letter]} and {size}")
    for letter, size in own.items():
        known = sizes.setdefault(letter, size)
        if known != size and 1 not in (known, size):
            return _einsum_conflict(f"axis {letter!r} has size {known} in one operand and {size} in operand {index}")
        sizes[letter] = size if known == 1 else known
    return None
