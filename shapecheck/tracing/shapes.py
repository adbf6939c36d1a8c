"""The shape rules engine: which shape numpy gives an operation, or why numpy refuses it.

Everything here works on shape tuples only, so the tracer can explain a failure without the arrays.

The rules, as they are taught:

* **Broadcasting** (``+ - * / // % ** < <= > >= == != & | ^``): line the shapes up on the *right*.
  On every axis the sizes must be equal or one of them must be 1; a missing axis counts as 1. The
  result takes the size that is not 1 (a 1 is *stretched*, its data repeated). ``(7, 3) + (3,)``
  gives ``(7, 3)``; ``(4, 3) + (2, 4)`` fails on axes -2 (4 vs 2) and -1 (3 vs 4).
* **matmul** (``@``): the last axis of the left operand must equal the second-to-last of the right
  one (``(n, k) @ (k, m) -> (n, m)``). A 1-d left operand is a row (a 1 is put in front and removed
  afterwards), a 1-d right operand a column. Axes before the last two are stacks of matrices and
  broadcast. 0-d operands are refused.
* **dot**: like matmul for 1-d and 2-d operands; with more axes it sums over the last axis of ``a``
  and the second-to-last of ``b`` and keeps *all* other axes: ``a[:-1] + b[:-2] + b[-1:]``. A 0-d
  operand simply multiplies. **inner** sums over the last axes of both, **outer** flattens both,
  **tensordot** and **einsum** sum over the axes they are told to.
* **Reductions** (``sum mean max min prod``) remove the axes in ``axis`` (all when None), or keep
  them as 1 with ``keepdims=True``. ``max``/``min`` of an empty axis have no value.
* **concatenate** joins along an existing axis (all other sizes must match), **stack** along a new
  one (all shapes equal); **hstack** joins 1-d arrays end to end and others along axis 1, **vstack**
  joins along axis 0 after turning 1-d arrays into rows.
* **reshape** keeps the number of elements (one size may be -1: "whatever fits"); **transpose**
  permutes the axes (reverses them by default, as ``.T`` does).

:func:`predict` returns the result shape, or a :class:`Conflict` when numpy would raise;
:func:`broadcast_diagram` draws the right-aligned picture of a broadcast; :func:`suggest_fixes`
tries the usual rewrites of a failing binary operation; :func:`stretched` tells whether broadcasting
repeated an operand's data.
"""

from __future__ import annotations

import ast
import math
import operator
import string
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Conflict:
    """Why numpy refuses an operation.

    ``kind`` is ``"broadcast"``, ``"matmul"`` (a contraction whose sizes differ: matmul, dot, inner,
    tensordot), ``"reshape"``, ``"concatenate"`` (also stack/hstack/vstack), ``"axis"`` (an axis
    argument out of range, repeated or not an int), ``"reduction"`` (max/min of an empty axis) or
    ``"einsum"`` (a subscripts string numpy rejects or whose sizes disagree).

    ``axes``: for ``"broadcast"`` the conflicting axes as negative indices counted from the right,
    innermost first (``(-1, -2)`` for ``(4, 3)`` vs ``(2, 4)``); for ``"matmul"`` the two sizes that
    should have been equal, ``(left_k, right_k)``; otherwise ``()``.
    """

    kind: str
    message: str
    axes: tuple = ()

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Fix:
    """A rewrite numpy accepts: ``text`` is the expression (``"dZ2 @ W2.T"``), ``result`` its shape."""

    text: str
    result: tuple

    def __str__(self) -> str:
        return f"{self.text}  ->  {_shape_text(self.result)}"


BROADCAST_OPERATORS = ("+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^")
MATMUL_OPS = ("@", "matmul", "dot")
REDUCTIONS = ("sum", "mean", "max", "min", "prod")


# ---------------------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    """How to predict one op: ``handler(shapes, **options)``; ``arity`` None means any number of shapes."""

    handler: Callable
    arity: int | None
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


def predict(op: str, shapes: tuple, **options) -> tuple | Conflict | None:
    """The shape numpy gives ``op`` applied to arrays of ``shapes``, or a :class:`Conflict` if numpy raises.

    ``shapes`` is a sequence of shape tuples, one per operand: ``predict("@", ((5, 2), (2, 3)))`` is
    ``(5, 3)``. Reductions, reshape and transpose take exactly one shape, the matrix products two,
    broadcasting and joining ops any number. Options: ``axis=``/``keepdims=`` (reductions),
    ``axis=`` (concatenate, stack), ``newshape=`` (reshape; ``shape=`` also accepted), ``axes=``
    (transpose, tensordot), ``subscripts=`` (einsum). Returns None only for an einsum form this
    module does not understand (a non-string subscripts argument).

    Raises ValueError for an unknown op, a malformed shape, the wrong number of shapes or an unknown
    option: those are mistakes of the caller, not of the traced program.
    """
    rule = _RULES.get(op)
    if rule is None:
        raise ValueError(f"unknown op {op!r}; known ops: {', '.join(_RULES)}")
    shapes = _as_shapes(shapes)
    if rule.arity is not None and len(shapes) != rule.arity:
        raise ValueError(f"{op!r} takes {rule.arity} shape(s), got {len(shapes)}: {shapes}")
    unknown = sorted(set(options) - set(rule.options))
    if unknown:
        allowed = ", ".join(rule.options) or "none"
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for {op!r}; allowed: {allowed}")
    missing = [name for name in rule.required if name not in options]
    if missing:
        raise ValueError(f"{op!r} needs the option {missing[0]}=")
    return rule.handler(shapes, **options)


def _as_shapes(shapes) -> tuple[Shape, ...]:
    if isinstance(shapes, (str, bytes)) or not isinstance(shapes, Iterable):
        raise ValueError(f"shapes must be a sequence of shape tuples, got {shapes!r}")
    return tuple(_as_shape(shape) for shape in shapes)


def _as_shape(shape) -> Shape:
    """``shape`` as a tuple of non-negative ints; ValueError for anything else."""
    if not isinstance(shape, (tuple, list)):
        raise ValueError(f"a shape must be a tuple of ints, got {shape!r}")
    sizes = tuple(_as_int(size) for size in shape)
    if any(size is None or size < 0 for size in sizes):
        raise ValueError(f"a shape must hold non-negative ints, got {shape!r}")
    return sizes


def _as_int(value) -> int | None:
    """``value`` as a Python int (numpy ints included), None when it is not an integer (bools are not)."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


# --- broadcasting -----------------------------------------------------------------------------------

def _predict_broadcast(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """Right-aligned broadcasting of any number of shapes (what ``np.broadcast_shapes`` does)."""
    result, conflicts = _broadcast_axes(shapes)
    return _broadcast_conflict(conflicts) if conflicts else result


def _broadcast_axes(shapes: tuple[Shape, ...]) -> tuple[Shape, list[tuple[int, list[int]]]]:
    """The broadcast shape, and the conflicting ``(axis, sizes)`` pairs from left to right."""
    ndim = max((len(shape) for shape in shapes), default=0)
    result, conflicts = [], []
    for axis in range(-ndim, 0):
        sizes = _distinct_non_one(_sizes_on_axis(shapes, axis))
        if len(sizes) > 1:
            conflicts.append((axis, sizes))
        result.append(sizes[0] if sizes else 1)
    return tuple(result), conflicts


def _broadcast_conflict(conflicts: list[tuple[int, list[int]]], prefix: str = "") -> Conflict:
    """The Conflict for ``(axis, sizes)`` pairs listed left to right; its axes run innermost first."""
    axes = tuple(axis for axis, _ in reversed(conflicts))
    return Conflict("broadcast", prefix + _broadcast_message(conflicts), axes)


def _sizes_on_axis(shapes: Iterable[Shape], axis: int) -> list[int]:
    """The sizes the shapes have on the negative ``axis`` (shapes too short for it have none)."""
    return [shape[axis] for shape in shapes if len(shape) >= -axis]


def _distinct_non_one(sizes: Iterable[int]) -> list[int]:
    """The sizes other than 1, each once, in order of appearance."""
    return list(dict.fromkeys(size for size in sizes if size != 1))


def _broadcast_message(conflicts: list[tuple[int, list[int]]]) -> str:
    """``axis -1: 3 vs 4, and neither is 1`` (conflicts listed left to right)."""
    versus = [" vs ".join(map(str, sizes)) for _, sizes in conflicts]
    nobody = "neither" if all(len(sizes) == 2 for _, sizes in conflicts) else "none"
    if len(conflicts) == 1:
        return f"axis {conflicts[0][0]}: {versus[0]}, and {nobody} is 1"
    axes = _join_words([str(axis) for axis, _ in conflicts])
    return f"axes {axes}: {_join_words(versus)}, and on each axis {nobody} is 1"


def _join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def stretched(shape: tuple, result: tuple) -> bool:
    """True when broadcasting ``shape`` to ``result`` repeats data.

    That is, some axis of size 1, or an axis ``shape`` lacks, becomes larger than 1:
    ``stretched((3,), (7, 3))`` and ``stretched((7, 1), (7, 3))`` are True, ``stretched((7, 3), (7, 3))``
    is False. Raises ValueError when ``shape`` cannot be broadcast to ``result``.
    """
    shape, result = _as_shape(shape), _as_shape(result)
    if len(shape) > len(result) or _predict_broadcast((shape, result)) != result:
        raise ValueError(f"shape {_shape_text(shape)} cannot be broadcast to {_shape_text(result)}")
    padded = (1,) * (len(result) - len(shape)) + shape
    return any(size == 1 and target > 1 for size, target in zip(padded, result))


# --- matrix products --------------------------------------------------------------------------------

def _predict_matmul(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``a @ b``: ``(..., n, k) @ (..., k, m) -> (..., n, m)``; 1-d operands become a row / a column."""
    left, right = shapes
    if not left or not right:
        side = "left" if not left else "right"
        return Conflict("matmul", f"matmul needs arrays with at least 1 axis, but the {side} operand is 0-d "
                                  f"(a scalar); use * to multiply by a scalar", ())
    a = (1,) + left if len(left) == 1 else left
    b = right + (1,) if len(right) == 1 else right
    if a[-1] != b[-2]:
        return _inner_conflict(left, right)
    batch, conflicts = _broadcast_axes((a[:-2], b[:-2]))
    if conflicts:  # axes counted from the right of the whole shapes, past the two matrix axes
        shifted = [(axis - 2, sizes) for axis, sizes in conflicts]
        return _broadcast_conflict(shifted, prefix="the stacked (batch) axes do not broadcast: ")
    rows = (a[-2],) if len(left) > 1 else ()
    columns = (b[-1],) if len(right) > 1 else ()
    return batch + rows + columns


def _inner_conflict(left: Shape, right: Shape) -> Conflict:
    """The contraction sizes of ``left @ right`` (or dot) differ."""
    left_k = left[-1]
    right_k = right[0] if len(right) == 1 else right[-2]
    left_part = (f"the left operand is a vector of length {left_k}" if len(left) == 1
                 else f"the left operand has {_plural(left_k, 'column')}")
    right_part = (f"the right one is a vector of length {right_k}" if len(right) == 1
                  else f"the right one {_plural(right_k, 'row')}")
    return Conflict("matmul", f"the inner dimensions differ: {left_part}, {right_part}", (left_k, right_k))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _predict_dot(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.dot(a, b)``: sums over the last axis of ``a`` and the second-to-last of ``b`` (its only one if 1-d)."""
    a, b = shapes
    if not a or not b:
        return b if not a else a
    if len(a) == 1 and len(b) == 1:
        if a[0] != b[0]:
            return Conflict("matmul", f"the vectors differ in length: {a[0]} vs {b[0]}", (a[0], b[0]))
        return ()
    b_k = b[0] if len(b) == 1 else b[-2]
    if a[-1] != b_k:
        return _inner_conflict(a, b)
    return a[:-1] + (b[:-2] + b[-1:] if len(b) > 1 else ())


def _predict_inner(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.inner(a, b)``: sums over the last axes of both: ``a[:-1] + b[:-1]``."""
    a, b = shapes
    if not a or not b:
        return b if not a else a
    if a[-1] != b[-1]:
        return Conflict("matmul", f"the last axes differ: the left operand has {a[-1]} entries on it, "
                                  f"the right one {b[-1]}", (a[-1], b[-1]))
    return a[:-1] + b[:-1]


def _predict_outer(shapes: tuple[Shape, ...]) -> Shape:
    """``np.outer(a, b)``: both are flattened, so ``(a.size, b.size)``."""
    a, b = shapes
    return (math.prod(a), math.prod(b))


def _predict_tensordot(shapes: tuple[Shape, ...], axes=2) -> Shape | Conflict:
    """``np.tensordot(a, b, axes)``: sums over ``axes_a`` of ``a`` paired with ``axes_b`` of ``b``.

    An int ``n`` means the last ``n`` axes of ``a`` with the first ``n`` of ``b``; the result keeps
    the other axes of ``a`` then those of ``b``.
    """
    a, b = shapes
    pairs = _tensordot_axes(axes)
    if isinstance(pairs, Conflict):
        return pairs
    axes_a, axes_b = pairs
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        return Conflict("axis", f"tensordot axes must not repeat, got {axes_a} and {axes_b}", ())
    if len(axes_a) != len(axes_b):
        return Conflict("axis", f"tensordot needs as many axes of a as of b, got {axes_a} and {axes_b}", ())
    for axis_a, axis_b in zip(axes_a, axes_b):
        for axis, shape, name in ((axis_a, a, "a"), (axis_b, b, "b")):
            if not -len(shape) <= axis < len(shape):
                return Conflict("axis", f"axis {axis} is out of range for {name} of shape {_shape_text(shape)}", ())
        if a[axis_a] != b[axis_b]:
            return Conflict("matmul", f"the summed axes differ: axis {axis_a} of a has size {a[axis_a]}, "
                                      f"axis {axis_b} of b has size {b[axis_b]}", (a[axis_a], b[axis_b]))
    summed_a = {axis % len(a) for axis in axes_a}
    summed_b = {axis % len(b) for axis in axes_b}
    if len(summed_a) != len(axes_a) or len(summed_b) != len(axes_b):
        return Conflict("axis", f"tensordot axes {axes_a} and {axes_b} name the same axis twice", ())
    kept_a = tuple(size for axis, size in enumerate(a) if axis not in summed_a)
    kept_b = tuple(size for axis, size in enumerate(b) if axis not in summed_b)
    return kept_a + kept_b


def _tensordot_axes(axes) -> tuple[list[int], list[int]] | Conflict:
    """The two axis lists numpy makes of tensordot's ``axes`` argument."""
    count = _as_int(axes)
    if count is not None:
        return list(range(-count, 0)), list(range(count))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        return Conflict("axis", f"tensordot axes must be an int or a pair of axis sequences, got {axes!r}", ())
    lists = [_int_list(side) for side in (axes_a, axes_b)]
    if None in lists:
        return Conflict("axis", f"tensordot axes must be ints, got {axes!r}", ())
    return lists[0], lists[1]


def _int_list(value) -> list[int] | None:
    """An int or a sequence of ints as a list; None when something in it is not an int."""
    single = _as_int(value)
    if single is not None:
        return [single]
    try:
        items = [_as_int(item) for item in value]
    except TypeError:
        return None
    return None if None in items else items


# --- einsum ------------------------------------------------------------------------------------------

def _predict_einsum(shapes: tuple[Shape, ...], subscripts) -> Shape | Conflict | None:
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
    ellipsis = _predict_broadcast(tuple(ellipsis_shapes))
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


# --- reductions ---------------------------------------------------------------------------------------

def _reduction(name: str) -> Callable:
    """The predictor of ``np.<name>(a, axis=..., keepdims=...)``."""

    def predict_reduction(shapes: tuple[Shape, ...], axis=None, keepdims=False) -> Shape | Conflict:
        (shape,) = shapes
        if not shape and name != "mean" and _as_int(axis) in (0, -1):
            return ()  # a numpy quirk: ufunc reductions of a 0-d array accept a bare axis 0 or -1
        reduced = _reduced_axes(shape, axis)
        if isinstance(reduced, Conflict):
            return reduced
        if name in ("max", "min"):
            empty = [axis for axis in reduced if shape[axis] == 0]
            if empty:
                return Conflict("reduction", f"{name} over axis {empty[0]} of size 0: the {name} of nothing "
                                             f"has no value", ())
        if keepdims:
            return tuple(1 if axis in reduced else size for axis, size in enumerate(shape))
        return tuple(size for axis, size in enumerate(shape) if axis not in reduced)

    predict_reduction.__name__ = f"_predict_{name}"
    return predict_reduction


def _reduced_axes(shape: Shape, axis) -> set[int] | Conflict:
    """The non-negative axes ``axis`` (None, an int or a tuple of ints) refers to."""
    if axis is None:
        return set(range(len(shape)))
    if isinstance(axis, tuple):
        axes = [_normalised_axis(item, len(shape)) for item in axis]
    else:
        axes = [_normalised_axis(axis, len(shape))]
    for item in axes:
        if isinstance(item, Conflict):
            return item
    if len(set(axes)) != len(axes):
        return Conflict("axis", f"axis {axis} names the same axis twice", ())
    return set(axes)


def _normalised_axis(axis, ndim: int) -> int | Conflict:
    """``axis`` in ``range(ndim)`` (negative axes count from the end), or a Conflict."""
    index = _as_int(axis)
    if index is None:
        return Conflict("axis", f"an axis must be an int (or a tuple of ints), got {axis!r}", ())
    if not -ndim <= index < ndim:
        axes = "1 axis" if ndim == 1 else f"{ndim} axes"
        return Conflict("axis", f"axis {index} is out of range for an array with {axes}", ())
    return index % ndim


# --- joining --------------------------------------------------------------------------------------------

def _predict_concatenate(shapes: tuple[Shape, ...], axis=0) -> Shape | Conflict:
    """``np.concatenate(arrays, axis)``: sizes add up on ``axis``, all other axes must match."""
    if not shapes:
        return Conflict("concatenate", "concatenate needs at least one array", ())
    if axis is None:
        return (sum(math.prod(shape) for shape in shapes),)
    if any(not shape for shape in shapes):
        return Conflict("concatenate", "0-d arrays (scalars) cannot be concatenated; use np.stack or axis=None", ())
    ndims = {len(shape) for shape in shapes}
    if len(ndims) > 1:
        return Conflict("concatenate", "all arrays must have the same number of axes, got "
                        + ", ".join(map(_shape_text, shapes)), ())
    index = _normalised_axis(axis, len(shapes[0]))
    if isinstance(index, Conflict):
        return index
    others = {shape[:index] + shape[index + 1:] for shape in shapes}
    if len(others) > 1:
        return Conflict("concatenate", f"every axis except axis {axis} must match, got "
                        + ", ".join(map(_shape_text, shapes)), ())
    first = shapes[0]
    return first[:index] + (sum(shape[index] for shape in shapes),) + first[index + 1:]


def _predict_stack(shapes: tuple[Shape, ...], axis=0) -> Shape | Conflict:
    """``np.stack(arrays, axis)``: equal shapes, joined along a new axis of size ``len(arrays)``."""
    if not shapes:
        return Conflict("concatenate", "stack needs at least one array", ())
    if len(set(shapes)) > 1:
        listed = ", ".join(map(_shape_text, shapes))
        return Conflict("concatenate", f"stack needs arrays of one shape, got {listed}", ())
    index = _normalised_axis(axis, len(shapes[0]) + 1)
    if isinstance(index, Conflict):
        return index
    return shapes[0][:index] + (len(shapes),) + shapes[0][index:]


def _predict_hstack(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.hstack``: 1-d arrays end to end, anything else along axis 1 (0-d arrays count as 1-d)."""
    shapes = tuple(shape or (1,) for shape in shapes)
    axis = 0 if shapes and len(shapes[0]) == 1 else 1
    return _predict_concatenate(shapes, axis=axis)


def _predict_vstack(shapes: tuple[Shape, ...]) -> Shape | Conflict:
    """``np.vstack``: along axis 0, after 1-d arrays became rows ``(1, n)`` and 0-d ones ``(1, 1)``."""
    rows = tuple((1,) * (2 - len(shape)) + shape if len(shape) < 2 else shape for shape in shapes)
    return _predict_concatenate(rows, axis=0)


# --- reshape and transpose ----------------------------------------------------------------------------

def _predict_reshape(shapes: tuple[Shape, ...], newshape=None, shape=None) -> Shape | Conflict:
    """``a.reshape(newshape)``: same number of elements; one negative size (-1) is worked out."""
    (old,) = shapes
    wanted = newshape if newshape is not None else shape
    if wanted is None:
        raise ValueError("'reshape' needs the option newshape=")
    sizes = _int_list(wanted)
    if sizes is None:
        return Conflict("reshape", f"the new shape must be ints, got {wanted!r}", ())
    unknown = [index for index, size in enumerate(sizes) if size < 0]
    if len(unknown) > 1:
        return Conflict("reshape", f"only one size may be -1, got {tuple(sizes)}", ())
    count = math.prod(old)
    known = math.prod(size for size in sizes if size >= 0)
    if unknown and known and count % known == 0:
        sizes[unknown[0]] = count // known
    elif unknown or known != count:
        return Conflict("reshape", f"cannot reshape {_shape_text(old)} ({_plural(count, 'element')}) "
                                   f"into {_shape_text(tuple(sizes))}", ())
    return tuple(sizes)


def _predict_transpose(shapes: tuple[Shape, ...], axes=None) -> Shape | Conflict:
    """``a.transpose(axes)``: the axes in the order given (reversed when None)."""
    (shape,) = shapes
    if axes is None:
        return shape[::-1]
    order = _int_list(axes)
    if order is None or len(order) != len(shape):
        return Conflict("axis", f"transpose axes {axes!r} must name each of the {len(shape)} axes once", ())
    normalised = [_normalised_axis(axis, len(shape)) for axis in order]
    for axis in normalised:
        if isinstance(axis, Conflict):
            return axis
    if len(set(normalised)) != len(normalised):
        return Conflict("axis", f"transpose axes {axes!r} repeat an axis", ())
    return tuple(shape[axis] for axis in normalised)


def _predict_T(shapes: tuple[Shape, ...]) -> Shape:
    """``a.T``: all axes reversed."""
    return shapes[0][::-1]


def _build_rules() -> dict[str, _Rule]:
    rules = {op: _Rule(_predict_broadcast, None) for op in BROADCAST_OPERATORS + ("broadcast",)}
    rules.update({
        "@": _Rule(_predict_matmul, 2), "matmul": _Rule(_predict_matmul, 2), "dot": _Rule(_predict_dot, 2),
        "outer": _Rule(_predict_outer, 2), "inner": _Rule(_predict_inner, 2),
        "tensordot": _Rule(_predict_tensordot, 2, ("axes",)),
        "einsum": _Rule(_predict_einsum, None, ("subscripts",), ("subscripts",)),
        "concatenate": _Rule(_predict_concatenate, None, ("axis",)), "stack": _Rule(_predict_stack, None, ("axis",)),
        "hstack": _Rule(_predict_hstack, None), "vstack": _Rule(_predict_vstack, None),
        "reshape": _Rule(_predict_reshape, 1, ("newshape", "shape")),
        "transpose": _Rule(_predict_transpose, 1, ("axes",)), "T": _Rule(_predict_T, 1),
    })
    rules.update({name: _Rule(_reduction(name), 1, ("axis", "keepdims")) for name in REDUCTIONS})
    return rules


_RULES = _build_rules()


# ---------------------------------------------------------------------------------------------------
# broadcast_diagram
# ---------------------------------------------------------------------------------------------------

class _Columns:
    """Where each axis of a right-aligned shape goes: axis ``-1`` in the last column, and so on."""

    def __init__(self, shapes: Sequence[Shape]):
        self.ndim = max((len(shape) for shape in shapes), default=0)
        widths = [max([len(str(size)) for size in _sizes_on_axis(shapes, axis)] or [1])
                  for axis in range(-self.ndim, 0)]
        self.ends, position = [], 1  # column 0 starts after the "("
        for width in widths:
            self.ends.append(position + width)
            position += width + 2  # ", "
        self.width = (self.ends[-1] + 2) if self.ends else 2

    def caret_position(self, axis: int) -> int | None:
        """The column of the last digit of negative ``axis``; None if the diagram has no such axis."""
        return self.ends[self.ndim + axis] - 1 if -self.ndim <= axis < 0 else None

    def render(self, shape: Shape) -> str:
        """``shape`` written as a tuple with each size right-aligned in its axis's column."""
        if not self.ndim:
            return "()"
        cells = [" "] * self.width
        if not shape:
            cells[self.ends[-1] - 1:self.ends[-1] + 1] = "()"
            return "".join(cells).rstrip()
        first_column = self.ndim - len(shape)
        for offset, size in enumerate(shape):
            end = self.ends[first_column + offset]
            text = str(size) + ("," if offset < len(shape) - 1 or len(shape) == 1 else "")
            cells[end - len(str(size)):end - len(str(size)) + len(text)] = text
        last = self.ends[-1] + (1 if len(shape) == 1 else 0)
        cells[last] = ")"
        cells[self.ends[first_column] - len(str(shape[0])) - 1] = "("
        return "".join(cells).rstrip()


def broadcast_diagram(operands: list[tuple[str, tuple]], result: tuple | Conflict | None = None) -> str:
    """The broadcast of ``operands`` drawn as it is taught: shapes right-aligned, one axis per column.

    ``operands`` are ``(source text, shape)`` pairs; ``result`` is the predicted shape or Conflict
    (computed by broadcasting when None). The last line is the result, or carets under the
    conflicting axes::

        dZ2    (4, 3)
        W2     (2, 4)
                ^  ^   axes -2 and -1 conflict: 4 vs 2, 3 vs 4
    """
    labels = [str(text) for text, _ in operands]
    shapes = [_as_shape(shape) for _, shape in operands]
    if result is None:
        result = _predict_broadcast(tuple(shapes))
    result_shape = None if isinstance(result, Conflict) else _as_shape(result)
    columns = _Columns(shapes + ([result_shape] if result_shape is not None else []))
    label_width = max(len(label) for label in labels + ["result"]) + 3
    lines = [label.ljust(label_width) + columns.render(shape) for label, shape in zip(labels, shapes)]
    if result_shape is not None:
        lines.append("result".ljust(label_width) + columns.render(result_shape))
    else:
        lines.append(" " * label_width + _conflict_marks(result, shapes, columns))
    return "\n".join(line.rstrip() for line in lines)


def _conflict_marks(conflict: Conflict, shapes: list[Shape], columns: _Columns) -> str:
    """Carets under the conflicting axes and what conflicts there; the bare message for other conflicts."""
    positions = [columns.caret_position(axis) for axis in conflict.axes] if conflict.kind == "broadcast" else []
    marked = sorted((axis, position) for axis, position in zip(conflict.axes, positions) if position is not None)
    if not marked:
        return f"conflict: {conflict.message}"
    cells = [" "] * columns.width
    for _, position in marked:
        cells[position] = "^"
    versus = [" vs ".join(map(str, _distinct_non_one(_sizes_on_axis(shapes, axis)))) for axis, _ in marked]
    axes = _join_words([str(axis) for axis, _ in marked])
    verb = "conflicts" if len(marked) == 1 else "conflict"
    noun = "axis" if len(marked) == 1 else "axes"
    return f"{''.join(cells).rstrip()}   {noun} {axes} {verb}: {', '.join(versus)}"


def _shape_text(shape: Shape) -> str:
    return str(tuple(shape))


# ---------------------------------------------------------------------------------------------------
# suggest_fixes
# ---------------------------------------------------------------------------------------------------

Operand = tuple[str, Shape]

#: Python's operator precedence, higher binds tighter (only the levels that matter for rendering).
_PRECEDENCE = {"|": 7, "^": 8, "&": 9, "<<": 10, ">>": 10, "+": 11, "-": 11,
               "*": 12, "@": 12, "/": 12, "//": 12, "%": 12, "**": 14}
_COMPARISON = 6
_UNARY, _ATOM = 13, 16
_AST_OPERATORS = {ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>",
                  ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/",
                  ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}


def suggest_fixes(op: str, left: tuple[str, tuple], right: tuple[str, tuple]) -> list[Fix]:
    """Rewrites of ``left <op> right`` that numpy accepts, best first, at most four.

    ``left`` and ``right`` are ``(source text, shape)``. For ``@``/``matmul``/``dot`` the candidates
    are ``L.T @ R``, ``L @ R.T``, ``R @ L`` and ``L.T @ R.T``; for broadcasting operators a 1-d
    operand reshaped to a column or a row, a 2-d operand transposed, and a column or row flattened.
    Fixes whose result has the shape of one of the operands come first. A fix that is itself an
    outer product (both operands stretched on one axis, or a matrix product over an axis of size 1)
    is offered only when nothing else works. ``matmul`` and ``dot`` render as ``np.matmul(L, R)`` and
    ``np.dot(L, R)``; other ops as ``L <op> R``. Ops that are neither give ``[]``.
    """
    if op not in _RULES:
        raise ValueError(f"unknown op {op!r}; known ops: {', '.join(_RULES)}")
    left, right = (str(left[0]), _as_shape(left[1])), (str(right[0]), _as_shape(right[1]))
    if op in MATMUL_OPS:
        candidates = _matmul_candidates(left, right)
    elif op in BROADCAST_OPERATORS:
        candidates = _broadcast_candidates(left, right)
    else:
        return []
    return _best_fixes(op, candidates, (left[1], right[1]))


def _best_fixes(op: str, candidates: Iterable[tuple[Operand, Operand]], original: tuple[Shape, Shape]) -> list[Fix]:
    """The accepted candidates, ranked: no outer product, then result shaped like an operand, then order."""
    ranked = {}
    for order, (left, right) in enumerate(candidates):
        result = predict(op, (left[1], right[1]))
        text = _render(op, left[0], right[0])
        if isinstance(result, Conflict) or text in ranked:
            continue
        outer = _is_outer_product(op, left[1], right[1], result)
        ranked[text] = ((outer, result not in original, order), Fix(text, result))
    ordered = sorted(ranked.values(), key=lambda item: item[0])
    sensible = [fix for (outer, _, _), fix in ordered if not outer]
    return (sensible or [fix for _, fix in ordered])[:4]


def _matmul_candidates(left: Operand, right: Operand) -> Iterator[tuple[Operand, Operand]]:
    left_t, right_t = _matrix_transposed(left), _matrix_transposed(right)
    if left_t:
        yield left_t, right
    if right_t:
        yield left, right_t
    yield right, left
    if left_t and right_t:
        yield left_t, right_t


def _broadcast_candidates(left: Operand, right: Operand) -> Iterator[tuple[Operand, Operand]]:
    for rewrite in (_as_column, _as_row, _transposed_2d, _flattened):
        for new_left, new_right in ((rewrite(left), right), (left, rewrite(right))):
            if new_left is not None and new_right is not None:
                yield new_left, new_right


def _matrix_transposed(operand: Operand) -> Operand | None:
    """``x.T`` for a 2-d operand, ``x.swapaxes(-1, -2)`` for a stack of matrices; None for fewer axes."""
    text, shape = operand
    if len(shape) < 2:
        return None
    suffix = ".T" if len(shape) == 2 else ".swapaxes(-1, -2)"
    return _postfix(text, suffix), shape[:-2] + (shape[-1], shape[-2])


def _transposed_2d(operand: Operand) -> Operand | None:
    return _matrix_transposed(operand) if len(operand[1]) == 2 else None


def _as_column(operand: Operand) -> Operand | None:
    text, shape = operand
    return (_postfix(text, ".reshape(-1, 1)"), shape + (1,)) if len(shape) == 1 else None


def _as_row(operand: Operand) -> Operand | None:
    text, shape = operand
    return (_postfix(text, ".reshape(1, -1)"), (1,) + shape) if len(shape) == 1 else None


def _flattened(operand: Operand) -> Operand | None:
    """A column ``(n, 1)`` or row ``(1, n)`` made 1-d."""
    text, shape = operand
    if len(shape) == 2 and 1 in shape:
        return _postfix(text, ".reshape(-1)"), (math.prod(shape),)
    return None


def _is_outer_product(op: str, left: Shape, right: Shape, result: Shape) -> bool:
    """Whether the fix pairs every entry of one operand with every entry of the other: a broadcast
    that stretches both operands (``(7, 1) - (7,)``), or a matrix product over an axis of size 1 that
    gives more entries than either operand holds (``(5, 1) @ (1, 5)``)."""
    if op in MATMUL_OPS:
        if not left or not right:
            return False
        return left[-1] == 1 and math.prod(result) > max(math.prod(left), math.prod(right))
    return stretched(left, result) and stretched(right, result)


def _render(op: str, left: str, right: str) -> str:
    if op in ("matmul", "dot"):
        return f"np.{op}({_wrapped(left, 1)}, {_wrapped(right, 1)})"
    level = _COMPARISON if op not in _PRECEDENCE else _PRECEDENCE[op]
    grouped_right = op == "**" or level == _COMPARISON  # a ** b ** c and a < b < c do not group leftwards
    left_text = _wrapped(left, level + grouped_right)
    right_text = _wrapped(right, level + (op != "**"))
    return f"{left_text} {op} {right_text}"


def _postfix(text: str, suffix: str) -> str:
    """``text`` followed by an attribute access, in parentheses unless it is already an atom; ``x.T``
    transposed again is ``x``, not ``x.T.T``."""
    if suffix == ".T" and text.endswith(".T") and _parses(text[:-2]) and _precedence(text[:-2]) >= _ATOM:
        return text[:-2]
    return _wrapped(text, _ATOM) + suffix


def _wrapped(text: str, level: int) -> str:
    """``text`` in parentheses when its precedence is below ``level``."""
    text = text.strip()
    return text if _precedence(text) >= level else f"({text})"


def _precedence(text: str) -> int:
    """How tightly the expression ``text`` binds (0 when it does not parse)."""
    if text.startswith("(") and text.endswith(")") and _parses(text[1:-1]):
        return _ATOM
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return 0
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE[_AST_OPERATORS[type(node.op)]]
    if isinstance(node, ast.UnaryOp):
        return 5 if isinstance(node.op, ast.Not) else _UNARY
    if isinstance(node, ast.Compare):
        return _COMPARISON
    if isinstance(node, ast.BoolOp):
        return 4 if isinstance(node.op, ast.And) else 3
    if isinstance(node, (ast.Tuple, ast.NamedExpr, ast.Lambda, ast.IfExp, ast.Starred, ast.Await)):
        return 0
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)):
        return _ATOM - 1  # 3.T would not parse
    return _ATOM


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True
