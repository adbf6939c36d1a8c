"""Correct code in the idioms learners use is never warned about, and arrays with their own operator rules
(np.matrix) are left alone rather than misjudged."""

import io
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import trace_script
from shapecheck.tracing.rewrite import Site
from shapecheck.tracing.warnings import check_silent_bugs
from tests.shapecheck.test_trace_semantics import both


def traced(tmp_path, code):
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(code))
    return trace_script(str(path), stderr=io.StringIO())


def test_correct_broadcasting_idioms_are_not_warned(tmp_path):
    report = traced(tmp_path, """
        import numpy as np
        rng = np.random.default_rng(0)
        X = rng.normal(size=(7, 5))
        X -= np.mean(X, axis=0)                          # centering: every row the same change, on purpose
        X /= np.std(X, axis=0)
        W, b = rng.normal(size=(5, 3)), np.zeros((1, 3))
        Z = X @ W
        Z += b                                           # the bias, added in place
        probs = np.exp(Z)
        probs /= probs.sum(axis=1, keepdims=True)        # softmax normalisation
        centres = rng.normal(size=(4, 5))
        distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)   # deliberate (7, 4, 5)
    """)
    assert report.warnings == () and report.ok, str(report)


def test_a_parameter_update_stretched_into_its_target_is_still_warned(tmp_path):
    report = traced(tmp_path, """
        import numpy as np
        W, dW = np.ones((5, 3)), np.ones((1, 3))
        lr = 0.1
        W -= lr * dW
    """)
    assert [w.kind for w in report.warnings] == ["inplace-broadcast"]


def test_np_matrix_products_are_not_judged_by_broadcasting_rules(tmp_path):
    plain, traced_run = both(tmp_path, """
        import numpy as np
        X = np.asmatrix(np.ones((6, 3)))
        W = np.asmatrix(np.ones((3, 4)))
        print((X * W).shape)                             # * is a matrix product for np.matrix
    """)
    assert traced_run.stdout == plain.stdout == "(6, 4)\n"
    assert traced_run.returncode == 0 and "could not trace" not in traced_run.stderr


def test_deep_recursion_works_as_untraced(tmp_path):
    plain, traced_run = both(tmp_path, """
        import sys
        import numpy as np
        def forward(x, W, depth):
            return x if depth == 0 else forward(x @ W, W, depth - 1)
        depth = sys.getrecursionlimit() - 20
        print(forward(np.ones((1, 2)), np.eye(2), depth).shape)
    """)
    assert traced_run.returncode == plain.returncode == 0
    assert traced_run.stdout == plain.stdout and "INCOMPLETE" not in traced_run.stderr


def test_reshape_used_as_a_transpose_is_warned(tmp_path):
    report = traced(tmp_path, """
        import numpy as np
        X_rows = np.arange(35.0).reshape(7, 5)
        X = X_rows.reshape(5, 7)                         # meant X_rows.T
        flat = X_rows.reshape(35)
        same = X_rows.reshape(7, 5)
    """)
    assert [(w.line, w.kind) for w in report.warnings] == [(4, "reshape-transpose")]
    assert "use `X_rows.T`" in report.warnings[0].message


def test_outer_products_made_on_purpose_are_not_warned(tmp_path):
    """Habits from public learner code: a one-hot from labels, an outer product written with two reshapes,
    a positional encoding; each crosses vectors of different lengths, or says both axes explicitly."""
    report = traced(tmp_path, """
        import numpy as np
        y = np.array([0, 2, 1, 2, 0])
        Y = (y.reshape(-1, 1) == np.arange(3)).astype(float)        # one-hot (5, 3)
        x, d = np.ones(4), np.ones(6)
        W = np.zeros((4, 6))
        W -= 0.1 * x.reshape(-1, 1) * d.reshape(1, -1)              # outer product (4, 6), written out
        pos = np.arange(6).reshape(-1, 1)
        angles = pos * np.exp(np.arange(0, 8, 2) * -0.5)             # positional encoding (6, 4)
        G = x.reshape(-1, 1) * x.reshape(1, -1)                      # a Gram matrix (4, 4), both axes explicit
    """)
    assert report.warnings == () and report.ok, str(report)


@settings(max_examples=60, deadline=None)
@given(column=st.integers(2, 40), row=st.integers(2, 40), op=st.sampled_from(["-", "+", "*", "=="]))
def test_outer_broadcast_fires_exactly_when_one_size_crosses_itself(column, row, op):
    """``(a, 1) op (b,)``: warned for a == b (the (n, 1) - (n,) mistake), never for a != b."""
    site = Site("prog.py", 3, 0, op, f"p {op} y", ("p", "y"))
    kinds = {kind for kind, _ in check_silent_bugs(site, op, ((column, 1), (row,)), (column, row))}
    assert ("outer-broadcast" in kinds) == (column == row)
