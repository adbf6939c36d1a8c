"""The shape rules engine agrees with numpy, draws aligned broadcast diagrams and suggests fixes numpy accepts.

Property tests run the real numpy operation on arrays of the drawn shapes and compare: the same result
shape, or a raised error exactly where ``predict`` returns a Conflict. Hand-written cases use pairwise
different sizes (n=7 samples, d=5 inputs, h=3 hidden, t=2 outputs) so a transposed operand cannot pass
by coincidence.
"""

from __future__ import annotations

import functools
import operator
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from shapecheck.tracing.shapes.broadcasting import broadcast_diagram, stretched
from shapecheck.tracing.shapes.core import Conflict
from shapecheck.tracing.shapes.fixes import Fix, suggest_fixes
from shapecheck.tracing.shapes.rules import BROADCAST_OPERATORS, REDUCTIONS, predict

n, d, h, t = 7, 5, 3, 2

OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": operator.pow, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne, "&": operator.and_, "|": operator.or_,
    "^": operator.xor,
}

#: Small sizes, so that drawn shapes both match and clash often.
small_shapes = functools.partial(hnp.array_shapes, min_side=1, max_side=3)
PROPERTY = settings(max_examples=120, deadline=None)


def numpy_shape(function, shapes, errors=(ValueError,)):
    """The shape numpy's ``function`` gives on int arrays of ``shapes``, or ``"error"`` if it raises."""
    arrays = [np.ones(shape, dtype=int) for shape in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty axis
        try:
            return np.shape(function(*arrays))
        except errors:
            return "error"


def assert_agrees(predicted, expected):
    if expected == "error":
        assert isinstance(predicted, Conflict), f"numpy raises, predict gave {predicted}"
        assert predicted.message and predicted.kind
    else:
        assert predicted == expected


# --- predict against numpy -------------------------------------------------------------------------

@PROPERTY
@given(st.sampled_from(BROADCAST_OPERATORS), st.lists(small_shapes(min_dims=0, max_dims=3), min_size=1, max_size=3))
def test_broadcasting_operators_agree_with_numpy(op, shapes):
    expected = numpy_shape(lambda *arrays: functools.reduce(OPERATORS[op], arrays), shapes)
    assert_agrees(predict(op, tuple(shapes)), expected)
    assert_agrees(predict("broadcast", shapes), numpy_shape(lambda *arrays: np.broadcast(*arrays), shapes))


@PROPERTY
@given(st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=2), min_size=0, max_size=3))
def test_broadcasting_with_empty_axes_agrees_with_np_broadcast_shapes(shapes):
    try:
        expected = np.broadcast_shapes(*shapes)
    except ValueError:
        expected = "error"
    assert_agrees(predict("broadcast", shapes), expected)


@PROPERTY
@given(st.lists(small_shapes(min_dims=1, max_dims=3), min_size=2, max_size=3))
def test_broadcast_conflict_names_exactly_the_clashing_axes(shapes):
    conflict = predict("+", shapes)
    if not isinstance(conflict, Conflict):
        return
    assert conflict.kind == "broadcast"
    assert list(conflict.axes) == sorted(set(conflict.axes), reverse=True) and all(a < 0 for a in conflict.axes)
    ones_on = lambda axes, shape: tuple(1 if i - len(shape) in axes else s for i, s in enumerate(shape))
    np.broadcast_shapes(*[ones_on(conflict.axes, shape) for shape in shapes])  # the rest broadcasts
    for axis in conflict.axes:
        others = set(conflict.axes) - {axis}
        with pytest.raises(ValueError):
            np.broadcast_shapes(*[ones_on(others, shape) for shape in shapes])


@PROPERTY
@given(st.sampled_from(["@", "matmul"]), small_shapes(min_dims=0, max_dims=4), small_shapes(min_dims=0, max_dims=4))
def test_matmul_agrees_with_numpy(op, left, right):
    assert_agrees(predict(op, (left, right)), numpy_shape(np.matmul, [left, right]))


@PROPERTY
@given(hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=4, max_side=3))
def test_matmul_of_compatible_shapes_including_1d_and_batches(shapes):
    left, right = shapes.input_shapes
    assert predict("@", (left, right)) == shapes.result_shape == np.matmul(np.ones(left), np.ones(right)).shape


@PROPERTY
@given(st.sampled_from(["dot", "inner", "outer"]), small_shapes(min_dims=0, max_dims=3),
       small_shapes(min_dims=0, max_dims=3))
def test_dot_inner_and_outer_agree_with_numpy(op, left, right):
    assert_agrees(predict(op, (left, right)), numpy_shape(getattr(np, op), [left, right]))


axis_lists = st.lists(st.integers(-3, 2), max_size=3)
tensordot_axes = st.one_of(st.integers(-1, 3), st.tuples(axis_lists, axis_lists),
                           st.tuples(st.integers(-3, 2), st.integers(-3, 2)))


@PROPERTY
@given(small_shapes(min_dims=0, max_dims=3), small_shapes(min_dims=0, max_dims=3),
       tensordot_axes)
def test_tensordot_agrees_with_numpy(left, right, axes):
    expected = numpy_shape(lambda a, b: np.tensordot(a, b, axes=axes), [left, right], (ValueError, IndexError))
    assert_agrees(predict("tensordot", (left, right), axes=axes), expected)


@st.composite
def einsum_problems(draw):
    """``(subscripts, shapes)``: mostly well-formed, with letters from a small set so they repeat."""
    shapes = draw(st.lists(small_shapes(min_dims=0, max_dims=3), min_size=1, max_size=3))
    terms = []
    for shape in shapes:
        if draw(st.booleans()):
            count = draw(st.integers(0, len(shape)))
            letters = draw(st.lists(st.sampled_from("ijk"), min_size=count, max_size=count))
            letters.insert(draw(st.integers(0, count)), "...")
        else:
            count = draw(st.sampled_from([len(shape)] * 4 + [len(shape) + 1, max(len(shape) - 1, 0)]))
            letters = draw(st.lists(st.sampled_from("ijk"), min_size=count, max_size=count))
        terms.append("".join(letters))
    subscripts = ",".join(terms)
    if draw(st.booleans()):
        output = draw(st.lists(st.sampled_from("ijk."), max_size=3, unique=True))
        subscripts += "->" + "".join("..." if item == "." else item for item in output)
    return subscripts, shapes


@PROPERTY
@given(einsum_problems())
def test_einsum_agrees_with_numpy(problem):
    subscripts, shapes = problem
    expected = numpy_shape(lambda *arrays: np.einsum(subscripts, *arrays), shapes)
    assert_agrees(predict("einsum", shapes, subscripts=subscripts), expected)


axis_options = st.one_of(st.none(), st.integers(-4, 3), st.lists(st.integers(-4, 3), max_size=3).map(tuple))


@PROPERTY
@given(st.sampled_from(REDUCTIONS), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), axis_options,
       st.booleans())
def test_reductions_agree_with_numpy(op, shape, axis, keepdims):
    expected = numpy_shape(lambda a: getattr(np, op)(a, axis=axis, keepdims=keepdims), [shape])
    assert_agrees(predict(op, (shape,), axis=axis, keepdims=keepdims), expected)


@st.composite
def joinable_shapes(draw):
    """1 to 3 shapes that are copies of one base shape, some with one size or the number of axes changed."""
    base = draw(small_shapes(min_dims=0, max_dims=3))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        change = draw(st.sampled_from(["none", "none", "size", "ndim"]))
        if change == "size" and shape:
            shape[draw(st.integers(0, len(shape) - 1))] = draw(st.integers(1, 3))
        elif change == "ndim":
            shape = shape[1:] if shape and draw(st.booleans()) else [2] + shape
        shapes.append(tuple(shape))
    return shapes


@PROPERTY
@given(joinable_shapes(), st.one_of(st.none(), st.integers(-4, 3)))
def test_concatenate_and_stack_agree_with_numpy(shapes, axis):
    assert_agrees(predict("concatenate", shapes, axis=axis),
                  numpy_shape(lambda *arrays: np.concatenate(arrays, axis=axis), shapes))
    if axis is not None:
        assert_agrees(predict("stack", shapes, axis=axis),
                      numpy_shape(lambda *arrays: np.stack(arrays, axis=axis), shapes))
    assert_agrees(predict("hstack", shapes), numpy_shape(lambda *arrays: np.hstack(arrays), shapes))
    assert_agrees(predict("vstack", shapes), numpy_shape(lambda *arrays: np.vstack(arrays), shapes))


@PROPERTY
@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
       st.one_of(st.integers(-1, 12), st.lists(st.sampled_from([-1, 0, 1, 2, 3, 4, 6]), max_size=3).map(tuple)))
def test_reshape_agrees_with_numpy(shape, newshape):
    assert_agrees(predict("reshape", (shape,), newshape=newshape), numpy_shape(lambda a: a.reshape(newshape), [shape]))


@st.composite
def transpose_problems(draw):
    shape = draw(small_shapes(min_dims=0, max_dims=4))
    ndim = len(shape)
    valid = st.permutations(range(ndim)).map(lambda axes: tuple(a - ndim if a % 2 else a for a in axes))
    axes = draw(st.one_of(st.none(), valid, st.lists(st.integers(-5, 4), max_size=5).map(tuple)))
    return shape, axes


@PROPERTY
@given(transpose_problems())
def test_transpose_agrees_with_numpy(problem):
    shape, axes = problem
    assert_agrees(predict("transpose", (shape,), axes=axes), numpy_shape(lambda a: np.transpose(a, axes), [shape]))
    assert predict("T", (shape,)) == np.ones(shape).T.shape


# --- predict: hand-written cases --------------------------------------------------------------------

def test_forward_pass_shapes():
    assert predict("@", ((n, d), (d, h))) == (n, h)
    assert predict("+", ((n, h), (h,))) == (n, h)
    assert predict("+", ((n, h), (1, h))) == (n, h)
    assert predict("dot", ((n, h), (h, t))) == (n, t)
    assert predict("sum", ((n, t),), axis=0, keepdims=True) == (1, t)
    assert predict("mean", ((n, t),)) == ()
    assert predict("max", ((n, t),), axis=-1) == (n,)


def test_broadcast_conflict_reports_axes_from_the_right_with_sizes():
    conflict = predict("-", ((4, 3), (2, 4)))
    assert conflict == Conflict("broadcast", conflict.message, (-1, -2))
    assert "4 vs 2" in conflict.message and "3 vs 4" in conflict.message and "neither is 1" in conflict.message
    single = predict("+", ((n, d), (h,)))
    assert single.axes == (-1,) and single.message == "axis -1: 5 vs 3, and neither is 1"


def test_matmul_conflict_reports_the_inner_dimensions():
    conflict = predict("@", ((d, h), (t, h)))
    assert conflict.kind == "matmul" and conflict.axes == (h, t)
    assert conflict.message == "the inner dimensions differ: the left operand has 3 columns, the right one 2 rows"
    assert predict("@", ((h,), (t, d))).axes == (h, t)
    assert "0-d" in predict("@", ((), (d,))).message
    batch = predict("@", ((t, n, d), (h, d, 1)))
    assert batch.kind == "broadcast" and batch.axes == (-3,) and "batch" in batch.message


def test_matmul_with_vectors_and_batches():
    assert predict("@", ((d,), (d,))) == ()
    assert predict("@", ((d,), (d, h))) == (h,)
    assert predict("@", ((n, d), (d,))) == (n,)
    assert predict("@", ((t, n, d), (d, h))) == (t, n, h)
    assert predict("@", ((t, 1, n, d), (h, d, 1))) == (t, h, n, 1)
    assert predict("dot", ((t, n, d), (h, d, 1))) == (t, n, h, 1)


def test_tensordot_and_einsum_examples():
    assert predict("tensordot", ((n, d), (d, h)), axes=1) == (n, h)
    assert predict("tensordot", ((n, d), (n, h)), axes=([0], [0])) == (d, h)
    assert predict("tensordot", ((n, d), (h, d)), axes=([0], [0])).kind == "matmul"
    assert predict("einsum", ((n, d), (d, h)), subscripts="nd,dh->nh") == (n, h)
    assert predict("einsum", ((n, d), (d, h)), subscripts="ij,jk") == (n, h)
    assert predict("einsum", ((t, n, d),), subscripts="...ij->...ji") == (t, d, n)
    assert predict("einsum", ((n, n),), subscripts="ii") == ()
    assert predict("einsum", ((n, d), (h, d)), subscripts="ij,jk->ik").kind == "einsum"
    assert predict("einsum", ((n, d),), subscripts=["i", "j"]) is None  # the interleaved form: not supported


def test_joining_reshaping_and_transposing():
    assert predict("concatenate", ((n, d), (t, d))) == (n + t, d)
    assert predict("concatenate", ((n, d), (n, h)), axis=0).kind == "concatenate"
    assert predict("concatenate", ((n, d), (t, h)), axis=None) == (n * d + t * h,)
    assert predict("stack", ((d,), (d,), (d,)), axis=-1) == (d, 3)
    assert predict("hstack", ((d,), (h,))) == (d + h,)
    assert predict("vstack", ((d,), (1, d))) == (2, d)
    assert predict("reshape", ((n, d),), newshape=-1) == (n * d,)
    assert predict("reshape", ((n, d),), newshape=(d, -1)) == (d, n)
    assert predict("reshape", ((n, d),), newshape=(h, -1)).kind == "reshape"
    assert predict("transpose", ((n, d, h),), axes=(2, 0, 1)) == (h, n, d)
    assert predict("transpose", ((n, d, h),)) == predict("T", ((n, d, h),)) == (h, d, n)
    assert predict("sum", ((n, d),), axis=2).kind == "axis"
    assert predict("max", ((0, d),), axis=0).kind == "reduction"


def test_caller_mistakes_raise_value_error():
    with pytest.raises(ValueError, match="unknown op 'cross'"):
        predict("cross", ((3,), (3,)))
    with pytest.raises(ValueError, match="takes 2 shape"):
        predict("@", ((n, d),))
    with pytest.raises(ValueError, match="unknown option"):
        predict("sum", ((n, d),), axes=0)
    with pytest.raises(ValueError, match="subscripts"):
        predict("einsum", ((n, d),))
    with pytest.raises(ValueError, match="shape"):
        predict("+", (n, d))
    with pytest.raises(ValueError, match="shape"):
        predict("+", ((n, -1),))


# --- broadcast_diagram --------------------------------------------------------------------------------

def axis_columns(line: str) -> list[int]:
    """The column of the last digit of every size in the shape part of a diagram line."""
    start = line.index("(")
    return [start + match.end() - 1 for match in re.finditer(r"\d+", line[start:])]


def test_diagram_marks_the_conflicting_axes():
    diagram = broadcast_diagram([("dZ2", (4, 3)), ("W2", (2, 4))])
    first, second, marks = diagram.splitlines()
    assert first.startswith("dZ2") and second.startswith("W2")
    assert axis_columns(first) == axis_columns(second)
    assert [i for i, char in enumerate(marks) if char == "^"] == axis_columns(first)
    assert marks.rstrip().endswith("axes -2 and -1 conflict: 4 vs 2, 3 vs 4")


def test_diagram_aligns_axes_from_the_right_and_shows_the_result():
    diagram = broadcast_diagram([("X", (n, 10, h)), ("bias", (h,)), ("scale", (1, 1)), ("s", ())])
    lines = diagram.splitlines()
    columns = [axis_columns(line) for line in lines if re.search(r"\d", line)]
    full = columns[0]
    assert len(lines) == 5 and lines[-1].startswith("result")
    assert columns[1] == full[-1:] and columns[2] == full[-2:] and columns[-1] == full
    assert lines[3].index(")") == lines[0].index(")")  # the 0-d shape ends where the others do
    assert lines[1].rstrip().endswith("(3,)")


def test_diagram_of_one_conflicting_axis_and_of_a_non_broadcast_conflict():
    diagram = broadcast_diagram([("X", (n, d)), ("b", (h,))])
    marks = diagram.splitlines()[-1]
    assert marks.index("^") == axis_columns(diagram.splitlines()[1])[0]
    assert "axis -1 conflicts: 5 vs 3" in marks
    matmul = broadcast_diagram([("A", (n, d)), ("B", (h, d))], predict("@", ((n, d), (h, d))))
    assert matmul.splitlines()[-1].strip().startswith("conflict: the inner dimensions differ")


# --- suggest_fixes ---------------------------------------------------------------------------------------

def test_fix_for_a_weight_used_untransposed():
    fixes = suggest_fixes("@", ("dZ2", (5, 2)), ("W2", (3, 2)))
    assert fixes[0] == Fix("dZ2 @ W2.T", (5, 3))


def test_fix_for_labels_against_a_column_is_not_an_outer_product():
    fixes = suggest_fixes("-", ("y", (n,)), ("a", (n, 1)))
    assert fixes[0] == Fix("y.reshape(-1, 1) - a", (n, 1))
    assert all(fix.result != (n, n) for fix in fixes)


def test_fix_for_a_column_bias_keeps_the_operand_order():
    fixes = suggest_fixes("+", ("b1", (h, 1)), ("Z", (n, h)))
    assert fixes[0] == Fix("b1.T + Z", (n, h))


def test_fix_wraps_compound_operands_in_parentheses():
    assert suggest_fixes("@", ("a + b", (d, h)), ("W", (d, t)))[0] == Fix("(a + b).T @ W", (h, t))
    assert Fix("(a - b).reshape(-1, 1) * c", (n, 1)) in suggest_fixes("*", ("a - b", (n,)), ("c", (n, 1)))
    assert suggest_fixes("dot", ("x", (d, n)), ("W", (d, h)))[0] == Fix("np.dot(x.T, W)", (n, h))
    assert suggest_fixes("@", ("X", (t, n, d)), ("W", (t, h, d)))[0].text == "X @ W.swapaxes(-1, -2)"


def test_outer_products_only_when_nothing_else_works():
    fixes = suggest_fixes("+", ("u", (d,)), ("v", (h,)))
    assert fixes and all(len(fix.result) == 2 for fix in fixes)  # only outer sums make these meet
    assert suggest_fixes("@", ("p", (n, 1)), ("q", (n, 1))) == [Fix("p.T @ q", (1, 1))]
    assert suggest_fixes("sum", ("x", (n,)), ("y", (n,))) == []
    with pytest.raises(ValueError):
        suggest_fixes("cross", ("x", (3,)), ("y", (3,)))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["@", "matmul", "dot", "+", "-", "*", "<", "**"]), small_shapes(min_dims=1, max_dims=3),
       small_shapes(min_dims=1, max_dims=3))
def test_every_fix_runs_in_numpy_and_gives_its_shape(op, left, right):
    fixes = suggest_fixes(op, ("A", left), ("B + 0", right))
    assert len(fixes) <= 4 and len({fix.text for fix in fixes}) == len(fixes)
    names = {"np": np, "A": np.ones(left, dtype=int), "B": np.ones(right, dtype=int)}
    for fix in fixes:
        assert not isinstance(fix.result, Conflict)
        assert np.shape(eval(fix.text, names)) == fix.result


# --- stretched ------------------------------------------------------------------------------------------

def test_stretched():
    assert stretched((h,), (n, h))
    assert stretched((n, 1), (n, h))
    assert stretched((), (t,))
    assert not stretched((n, h), (n, h))
    assert not stretched((1, h), (1, h))
    assert not stretched((1,), (0,))
    with pytest.raises(ValueError):
        stretched((d,), (n, h))
