"""The errors learners hit, explained: ragged np.array, joins, reshape, einsum, a.dot(b), origins across
functions and attributes, fixes made only of what can be typed at the line; and the same explanations
from explain_errors() for code that was not traced."""

import io
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import trace_script
from shapecheck.tracing.excepthook import explain_exception

SIZES = dict(n=7, d=5, h=3, t=2)


def run(tmp_path, code, name="prog.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    report = trace_script(str(path), stderr=io.StringIO())
    return report, report.error_text


def line_of(code: str, marker: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(code).splitlines(), 1) if marker in line)


# -- calls that used to end in "no shape problems found" ---------------------------------------------------

RAGGED = """
    import numpy as np

    class Net:
        def __init__(self):
            self.weights = [np.ones((3, 5)), np.ones((2, 3))]

        def feed_forward(self, x):
            activations = [x]
            for w in self.weights:
                activations.append(w @ activations[-1])
            return np.array(activations)          # HERE

    Net().feed_forward(np.ones((5, 7)))
"""


def test_ragged_np_array_of_layer_activations_lists_each_shape_and_says_keep_a_list(tmp_path):
    report, text = run(tmp_path, RAGGED)
    assert report.error["kind"] == "ragged" and report.error["line"] == line_of(RAGGED, "# HERE")
    assert "(5, 7), (3, 7), (2, 7)" in report.error["message"]
    for index, shape in enumerate(["(5, 7)", "(3, 7)", "(2, 7)"]):
        assert f"`activations[{index}]`  {shape}" in text
    assert "keep `activations` a Python list" in report.error["fixes"][0]


@pytest.mark.parametrize("call, kind, fix", [
    ("np.concatenate([A, B])", "join", "`np.concatenate([A, B], axis=1)` gives (7, 8)"),
    ("np.vstack([A, B])", "join", "`np.hstack([A, B])` gives (7, 8)"),
    ("np.stack([A, B])", "join", "`np.concatenate([A, B], axis=1)` gives (7, 8)"),
    ("np.hstack([A, A.T])", "join", None),
    ("A.reshape(5, 6)", "reshape", "`A.reshape(5, -1)` gives (5, 7)"),
    ("np.reshape(A, (3, -1))", "reshape", None),
    ("np.einsum('ij,jk->ik', A, B)", "einsum", None),
])
def test_failed_numpy_calls_are_explained(tmp_path, call, kind, fix):
    code = f"""
        import numpy as np
        A, B = np.ones((7, 5)), np.ones((7, 3))
        C = {call}
    """
    report, text = run(tmp_path, code)
    assert report.exit_code == 1 and report.error is not None, "no explanation for " + call
    assert report.error["kind"] == kind and report.error["line"] == 4
    assert "`A`" in text or "`A.T`" in text
    assert "(7, 5)" in text
    if fix is not None:
        assert fix in report.error["fixes"], report.error["fixes"]
    else:
        assert "gives" not in " ".join(report.error["fixes"]) or kind == "join"


def test_dot_method_names_the_array_it_belongs_to(tmp_path):
    code = """
        import numpy as np
        X, dhidden = np.ones((7, 5)), np.ones((7, 3))
        dW1 = X.dot(dhidden)
    """
    report, text = run(tmp_path, code)
    assert report.error["operands"] == [{"expr": "X", "shape": [7, 5]}, {"expr": "dhidden", "shape": [7, 3]}]
    assert "`X.T @ dhidden` gives (5, 3)" in report.error["fixes"]
    assert "`?`" not in text


# -- where an operand got its shape -------------------------------------------------------------------------

GLOBALS = """
    import numpy as np
    X, Y = np.ones((7, 5)), np.ones((7, 2))
    W1, W2 = np.ones((5, 3)), np.ones((3, 2))

    def forward_prop():
        global A1, A2
        A1 = np.tanh(X @ W1)
        A2 = A1 @ W2

    def back_prop():
        dZ2 = A2 - Y
        dZ1 = dZ2 * (1 - A1 ** 2)        # HERE

    forward_prop()
    back_prop()
"""


def test_origin_of_a_global_set_in_another_function(tmp_path):
    report, text = run(tmp_path, GLOBALS)
    row = next(line for line in text.splitlines() if line.strip().startswith("`dZ2`"))
    assert f"got its shape at line {line_of(GLOBALS, 'dZ2 = A2 - Y')}: dZ2 = A2 - Y" in row
    # and the fix sends the error through W2, a module-level weight in scope in back_prop
    assert "`(dZ2 @ W2.T) * (1 - A1 ** 2)` gives (7, 3)" in report.error["fixes"][0]


def test_origin_of_an_element_of_a_dict_passed_in(tmp_path):
    code = """
    import numpy as np

    def backward_propagation(parameters, grads_in):
        dZ2 = grads_in["dZ2"]
        return np.dot(parameters["W2"], dZ2)

    parameters = {"W1": np.ones((3, 5)), "W2": np.ones((2, 3))}
    backward_propagation(parameters, {"dZ2": np.ones((2, 7))})
    """
    _, text = run(tmp_path, code)
    assert '`parameters["W2"]`  (2, 3)     an element of `parameters`, an argument of backward_propagation()' in text


def test_origin_through_global_declaration(tmp_path):
    code = GLOBALS.replace("dZ2 = A2 - Y\n        dZ1 = dZ2 * (1 - A1 ** 2)        # HERE",
                           "dZ1 = (A2 - Y) * A1                # HERE")
    report, text = run(tmp_path, code)
    row = next(line for line in text.splitlines() if line.strip().startswith("`A1`"))
    assert f"got its shape at line {line_of(code, 'A1 = np.tanh')}: A1 = np.tanh(X @ W1)  (in forward_prop())" in row


ATTRIBUTES = """
    import numpy as np

    class Net:
        def __init__(self):
            self.W1, self.W2 = np.ones((5, 3)), np.ones((3, 2))

        def forward(self, X):
            self.a1 = np.tanh(X @ self.W1)
            self.out = self.a1 @ self.W2
            return self.out

        def backward(self, X, Y):
            delta2 = self.out - Y
            delta1 = delta2 * (1 - self.a1 ** 2)     # HERE
            return delta1

    net = Net()
    X, Y = np.ones((7, 5)), np.ones((7, 2))
    net.forward(X)
    net.backward(X, Y)
"""


def test_origin_of_an_attribute_set_in_another_method_and_a_fix_through_self_w2(tmp_path):
    report, text = run(tmp_path, ATTRIBUTES)
    row = next(line for line in text.splitlines() if line.strip().startswith("`delta2`"))
    assert "got its shape at line" in row and "delta2 = self.out - Y" in row
    assert report.error["fixes"][0].startswith("`(delta2 @ self.W2.T) * (1 - self.a1 ** 2)` gives (7, 3)")
    assert not any("X" in fix.split("gives")[0].replace("`", " ").split() for fix in report.error["fixes"])


# -- only fixes a learner could type at that line ----------------------------------------------------------

def test_no_fix_sends_the_error_through_data_or_out_of_scope_names(tmp_path):
    """W2 is a local of another function, X and Y are data: no fix may use them; with no sound rewrite
    the explanation points at the shape plan with the sizes this run used."""
    code = """
        import numpy as np

        def forward(X):
            W1, W2 = np.ones((5, 3)), np.ones((3, 2))
            A1 = np.tanh(X @ W1)
            return A1, A1 @ W2

        def backward(A1, out, Y):
            dZ2 = out - Y
            return dZ2 * A1                  # HERE

        X, Y = np.ones((7, 5)), np.ones((7, 2))
        A1, out = forward(X)
        backward(A1, out, Y)
    """
    report, text = run(tmp_path, code)
    fixes = " ".join(report.error["fixes"])
    assert "W2" not in fixes and "@ X" not in fixes and "@ Y" not in fixes
    assert "shapecheck plan 5 3 2 --layout rows -n 7" in fixes


def test_an_in_place_update_is_never_fixed_by_transposing_its_target(tmp_path):
    code = """
        import numpy as np
        W, dW = np.ones((5, 3)), np.ones((3, 5))
        W -= 0.1 * dW
    """
    report, _ = run(tmp_path, code)
    fixes = report.error["fixes"]
    assert not any("W.T -=" in fix or "W.T - " in fix for fix in fixes)
    assert any(fix.startswith("`W -= 0.1 * dW.T`") or fix.startswith("`W -= (0.1 * dW).T`") for fix in fixes), fixes


# -- property: every failing call of these kinds is explained, never silently passed over ----------------

shapes_2d = st.tuples(st.sampled_from([2, 3, 5, 7]), st.sampled_from([2, 3, 5, 7]))


@settings(max_examples=120, deadline=None)
@given(left=shapes_2d, right=shapes_2d, call=st.sampled_from(
    ["np.concatenate([A, B])", "np.concatenate([A, B], axis=1)", "np.vstack([A, B])", "np.hstack([A, B])",
     "np.stack([A, B])", "np.einsum('ij,jk->ik', A, B)", "A.dot(B)", "np.dot(A, B)", "A.reshape(B.shape)",
     "np.array([A, B])"]))
def test_every_failing_call_is_explained_and_every_working_one_is_not(tmp_path_factory, left, right, call):
    A, B = np.ones(left), np.ones(right)
    try:
        eval(call, {"np": np, "A": A, "B": B})
        fails = False
    except ValueError:
        fails = True
    tmp_path = tmp_path_factory.mktemp("prog")
    report, text = run(tmp_path, f"import numpy as np\nA, B = np.ones({left}), np.ones({right})\nC = {call}\n")
    assert report.internal_errors == ()
    if fails:
        assert report.exit_code == 1 and report.error is not None, call
        assert report.error["line"] == 3 and text
    else:
        assert report.exit_code == 0 and report.error is None


# -- explain_errors(): the same explanations without tracing --------------------------------------------------

def _untraced_inplace(W, dW):
    W -= 0.1 * dW


def _untraced_dot(X, dhidden):
    return X.dot(dhidden)


def _untraced_ragged(activations):
    return np.array(activations)


def _untraced_concatenate(A, B):
    return np.concatenate([A, B])


def _untraced_reshape(A):
    return A.reshape(5, 6)


def _untraced_call_operand(W2, dZ2, A1):
    return np.dot(W2.T, dZ2) * (1 - A1.T ** 2)


@pytest.mark.parametrize("function, args, expected", [
    (_untraced_inplace, (np.ones((5, 1)), np.ones((5, 3))), ["inplace-broadcast error", "`W`", "(5, 1)",
                                                             "`0.1 * dW`", "(5, 3)"]),
    (_untraced_inplace, (np.ones((5, 3)), np.ones((3, 5))), ["broadcast error", "`W -= (0.1 * dW).T` gives (5, 3)"]),
    (_untraced_dot, (np.ones((7, 5)), np.ones((7, 3))), ["matmul error", "`X`", "`dhidden`",
                                                         "`X.T @ dhidden` gives (5, 3)"]),
    (_untraced_ragged, ([np.ones((5, 7)), np.ones((3, 7))],), ["ragged error", "(5, 7), (3, 7)", "Python list"]),
    (_untraced_concatenate, (np.ones((7, 5)), np.ones((7, 3))), ["join error", "axis=1"]),
    (_untraced_reshape, (np.ones((7, 5)),), ["reshape error", "35"]),
    (_untraced_call_operand, (np.ones((2, 4)), np.ones((2, 9)), np.ones((4, 9))),
     ["broadcast error", "`np.dot(W2.T, dZ2)`  (4, 9)", "(9, 4)"]),
])
def test_explain_errors_covers_in_place_dot_and_calls(function, args, expected):
    with pytest.raises(ValueError) as info:
        function(*args)
    text = explain_exception(info.value)
    for fragment in expected:
        assert fragment in text, (fragment, text)


def test_stacking_a_list_of_layers_says_to_keep_the_list(tmp_path):
    code = """
        import numpy as np
        deltas = [np.ones((3, 7)), np.ones((2, 7))]
        all_deltas = np.vstack(deltas)
        stacked = np.stack(deltas)
    """
    report, text = run(tmp_path, code)
    assert report.error["kind"] == "join" and report.error["line"] == 5       # vstack fits, stack does not
    assert "`deltas[0]`  (3, 7)" in text and "`deltas[1]`  (2, 7)" in text
    assert "keep it a Python list" in report.error["fixes"][-1]


def test_shape_errors_the_program_catches_are_listed_once_with_their_count(tmp_path):
    code = """
        import numpy as np
        A, B = np.ones((7, 5)), np.ones((7, 3))
        for attempt in range(1000):
            try:
                C = A @ B
            except ValueError:
                C = A.T @ B
    """
    report, _ = run(tmp_path, code)
    assert report.exit_code == 0 and report.error is None
    assert report.caught == ({"file": "prog.py", "line": 6, "kind": "matmul", "count": 1000,
                              "message": report.caught[0]["message"]},)
    assert "[matmul] 1000 times: matrix product" in str(report)


def test_a_shape_error_raised_in_code_the_tracer_does_not_rewrite_is_not_called_clean(tmp_path):
    code = """
        import functools
        import numpy as np
        mats = [np.ones((7, 5)), np.ones((3, 2))]
        product = functools.reduce(np.dot, mats)
    """
    report, text = run(tmp_path, code)
    assert report.exit_code == 1
    assert "no shape problems found" not in str(report)
    assert report.error["kind"] == "untraced" and report.error["line"] == 5
    assert "functools.reduce" in text


# -- found in public learner code: a sum over an axis a rank-1 vector lacks; a learner's own ValueError -------

@settings(max_examples=20, deadline=None)
@given(n=st.sampled_from([7, 11, 13]), method=st.booleans())
def test_a_sum_over_an_axis_a_rank_1_vector_lacks_is_explained(tmp_path_factory, n, method):
    """``np.sum(dZ2, axis=1)`` of a (n,) error vector raised AxisError and the report said 'no shape problems
    found'."""
    call = "dZ2.sum(axis=1, keepdims=True)" if method else "np.sum(dZ2, axis=1, keepdims=True)"
    code = f"""
        import numpy as np
        A2, y = np.ones(({n},)), np.zeros({n})
        dZ2 = (A2 - y) / {n}
        db2 = {call}
    """
    report, text = run(tmp_path_factory.mktemp("axis"), code)
    assert report.error is not None and report.error["kind"] == "axis", str(report)
    assert report.error["line"] == line_of(code, "db2 =")
    assert f"sum over axis 1, but `dZ2` ({n},) has 1 axis" in text and "rank-1 vector" in text
    assert "no shape problems" not in str(report)


def test_a_learners_own_class_raising_value_error_is_not_blamed_on_shapes(tmp_path):
    report, text = run(tmp_path, """
        import numpy as np

        class Tensor:
            def __init__(self, data, requires_grad=True):
                self.data, self.requires_grad = np.asarray(data, dtype=float), requires_grad

            @property
            def shape(self):
                return self.data.shape

            def __matmul__(self, other):
                if not other.requires_grad:
                    raise ValueError("cannot multiply with a tensor that does not require grad")
                return Tensor(self.data @ other.data)

        Tensor(np.ones((7, 5))) @ Tensor(np.ones((5, 3)), requires_grad=False)
    """)
    assert report.exit_code == 1 and report.error is None and text == "", str(report)


def test_numpy_functions_called_under_another_name_are_traced(tmp_path):
    """``mm = numpy.matmul`` and ``from numpy import dot as mult``: their products were not recorded, and a
    failing one was 'untraced' with causes that did not apply."""
    code = """
        import numpy
        from numpy import dot as mult

        mm = numpy.matmul
        X, W1, W2 = numpy.ones((7, 5)), numpy.ones((5, 3)), numpy.ones((3, 2))
        H = mult(X, W1)
        delta = mm(H, W2)
        back = mm(delta, W2)
    """
    report, text = run(tmp_path, code)
    assert [(s.line, s.expr) for s in report.matrix_products()] == [(line_of(code, "H = mult"), "mult(X, W1)"),
                                                                    (line_of(code, "delta = mm"), "mm(H, W2)")]
    assert report.error["kind"] == "matmul" and report.error["line"] == line_of(code, "back = mm")
    assert "`delta @ W2.T` gives (7, 3)" in text
