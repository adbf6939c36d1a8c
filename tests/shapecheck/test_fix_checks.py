"""Issue 24: a fix is offered only when it was checked on the learner's own run.

Each test is a learner program written the way learners write them; the tracer must offer the fix that
works in the program (not only on the failing line), say what it checked, never offer a rewrite that the
next line stretches silently, and never leave a trace of its checks in the report.
"""

from __future__ import annotations

import io
import textwrap

import hypothesis.strategies as st
import numpy as np
from hypothesis import HealthCheck, given, settings

from shapecheck import trace_script
from tests.shapecheck import fix_harness


def traced(tmp_path, source: str, name: str = "learner.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return trace_script(str(path), stderr=io.StringIO())


XOR_CLASS = """
    import numpy as np

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def sigmoid_derivative(x):
        return x * (1 - x)

    class NeuralNetwork:
        def __init__(self, inputs, outputs):
            self.inputs, self.outputs = inputs, outputs
            np.random.seed(1)
            self.weights_input_hidden = np.random.uniform(size=(2, 4))
            self.weights_hidden_output = np.random.uniform(size=(4, 1))

        def feedforward(self):
            self.hidden = sigmoid(np.dot(self.inputs, self.weights_input_hidden))
            self.output = sigmoid(np.dot(self.hidden, self.weights_hidden_output))

        def backpropagation(self, lr=0.5):
            error = self.outputs - self.output
            d_output = error * sigmoid_derivative(self.output)
            error_hidden = d_output.dot(self.weights_hidden_output)
            d_hidden = error_hidden * sigmoid_derivative(self.hidden)
            self.weights_hidden_output += self.hidden.T.dot(d_output) * lr
            self.weights_input_hidden += self.inputs.T.dot(d_hidden) * lr

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])
    nn = NeuralNetwork(X, y)
    for epoch in range(2000):
        nn.feedforward()
        nn.backpropagation()
"""


def test_the_xor_class_is_offered_the_fix_that_fits_the_next_line(tmp_path):
    """(4, 1).dot((4, 1)): the (1, 1) rewrite runs on its line but the next line stretches it silently;
    the (4, 4) one, an outer product over the single output, is the right one and is offered."""
    report = traced(tmp_path, XOR_CLASS)
    error = report.error
    assert {s.expr: s.calls for s in report.sites}["x * (1 - x)"] == 1    # the check's own calls are not counted
    assert error["fixes"][0].startswith("`d_output @ self.weights_hidden_output.T` gives (4, 4); checked on this run: "
                                        "line 25 `error_hidden * sigmoid_derivative(self.hidden)` then gives (4, 4)")
    offered = fix_harness.offered_fixes(error)
    assert offered == ["d_output @ self.weights_hidden_output.T"]
    rejected = [c for c in error["fix_checks"] if c["status"] == "rejected"]
    assert rejected[0]["text"] == "d_output.T @ self.weights_hidden_output"
    assert "stretch its (1, 1) silently to (4, 4)" in rejected[0]["evidence"]
    assert any(line.startswith("not offered: `d_output.T @ self.weights_hidden_output` gives (1, 1)")
               for line in error["fixes"])


def test_checking_fixes_leaves_no_trace_in_the_report(tmp_path):
    """The check runs sigmoid_derivative on the fix's result: the report's call counts stay the run's own,
    and a learner function that changes something (appends to a list) is never run by the check."""
    source = XOR_CLASS.replace("""    def sigmoid_derivative(x):
        return x * (1 - x)""", """    calls = []

    def sigmoid_derivative(x):
        calls.append(1)
        return x * (1 - x)""")
    report = traced(tmp_path, source)
    counts = {site.expr: site.calls for site in report.sites}
    assert counts["x * (1 - x)"] == 1           # once for d_output; the check did not call it
    checks = {c["text"]: c for c in report.error["fix_checks"]}
    # what line 25 computes could not be read without side effects: the right fix is only a possibility,
    # and the forward pass (line 19, hidden @ W) still tells which way the error goes back
    assert checks["d_output @ self.weights_hidden_output.T"]["status"] == "line-only"
    assert checks["d_output.T @ self.weights_hidden_output"]["status"] == "rejected"
    assert "possible fixes" in report.error["explanation"]


INTEGER_LABELS = """
    import numpy as np

    def softmax(x):
        x = x - np.max(x, axis=-1, keepdims=True)
        return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)

    class SoftmaxWithLoss:
        def forward(self, x, t):
            self.t = t
            self.y = softmax(x)
            return -np.sum(np.log(self.y[np.arange(len(t)), t] + 1e-7)) / len(t)

        def backward(self, dout=1):
            batch_size = self.t.shape[0]
            dx = (self.y - self.t) / batch_size
            return dx

    layer = SoftmaxWithLoss()
    layer.forward(np.random.default_rng(0).normal(size=(5, 10)), np.array([3, 0, 9, 2, 7]))
    layer.backward()
"""


def test_integer_labels_minus_probabilities_get_one_hot_never_a_reshape(tmp_path):
    error = traced(tmp_path, INTEGER_LABELS).error
    assert fix_harness.offered_fixes(error) == ["self.y - np.eye(10)[self.t]"]
    assert "holds class labels (0 to 9)" in error["fixes"][0]
    assert any("d[np.arange(len(self.t)), self.t] -= 1" in line for line in error["fixes"])
    assert "reshape" not in error["explanation"].split("fixes that would work:")[1]


def test_labels_counted_from_one_are_shifted(tmp_path):
    """Octave-style labels 1..t: np.eye(t)[labels - 1]."""
    source = INTEGER_LABELS.replace("np.array([3, 0, 9, 2, 7])", "np.array([3, 1, 10, 2, 7])").replace(
        "self.y[np.arange(len(t)), t]", "self.y[np.arange(len(t)), t - 1]")
    error = traced(tmp_path, source).error
    assert fix_harness.offered_fixes(error) == ["self.y - np.eye(10)[self.t - 1]"]


def test_real_valued_targets_are_not_read_as_labels(tmp_path):
    """(n, t) outputs minus (n,) real-valued targets: no classes to encode, no label advice."""
    error = traced(tmp_path, """
        import numpy as np
        rng = np.random.default_rng(2)
        A2 = rng.random((7, 2))
        y = rng.normal(size=7)
        dZ2 = A2 - y
    """).error
    assert "class labels" not in error["explanation"]


def test_a_shared_line_is_not_rewritten_for_one_of_its_calls(tmp_path):
    """A recursive forward pass runs `a @ W + b` for each layer; the second layer's W was written the other
    way round. `a @ W.T` fits the failing call and breaks the first: it is not offered."""
    error = traced(tmp_path, """
        import numpy as np

        def feed(a, layers):
            if not layers:
                return a
            W, b = layers[0]
            return feed(np.tanh(a @ W + b), layers[1:])

        rng = np.random.default_rng(9)
        layers = [(rng.normal(size=(5, 3)), np.zeros(3)), (rng.normal(size=(2, 3)), np.zeros(2))]
        feed(rng.normal(size=(7, 5)), layers)
    """).error
    assert fix_harness.offered_fixes(error) == []
    assert "this line ran before with (7, 5) and (5, 3), where it would fail" in error["explanation"]


def test_a_gradient_must_have_the_shape_of_what_it_is_the_gradient_of(tmp_path):
    """`dA1 = dZ2 @ W2` at the end of a script: nothing uses dA1 after it, but A1 tells its shape."""
    error = traced(tmp_path, """
        import numpy as np
        rng = np.random.default_rng(1)
        X, W1, W2 = rng.normal(size=(7, 5)), rng.normal(size=(5, 3)), rng.normal(size=(3, 2))
        A1 = np.tanh(X @ W1)
        dZ2 = A1 @ W2
        dA1 = dZ2 @ W2
    """).error
    assert error["fixes"][0] == "`dZ2 @ W2.T` gives (7, 3); checked on this run: `dA1` gets the shape of `A1` (7, 3)"


def test_every_offered_fix_in_the_corpora_works_when_applied():
    """The harness: each offered fix, applied to a copy of its program, lets the line run, warns of no new
    silent broadcast after it, and (where the corpus knows the correct line) computes the correct GRADS."""
    outcomes = fix_harness.audit()
    wrong = [str(o) for o in outcomes if o.verdict == "wrong"]
    assert not wrong, "\n".join(wrong)
    for script in fix_harness.programs():          # and no check of ours broke on the way
        error = fix_harness.trace_quietly(script).error or {}
        assert all(c["evidence"] != "not checked" for c in error.get("fix_checks", [])), script
    checked_against_grads = [o for o in outcomes if o.why == "GRADS equal the correct program's"]
    corpus = sorted(p.name for p in (fix_harness.ROOT / "tests/shapecheck/fix_corpus").glob("*.py"))
    assert sorted({o.program.split("/")[1] for o in checked_against_grads}) == corpus   # each one gets a right fix
    assert len(outcomes) >= 17


ROWS_SCRIPT = """
import numpy as np
rng = np.random.default_rng({seed})
X, Y = rng.normal(size=({n}, {d})), rng.normal(size=({n}, {t}))
W1, W2 = rng.normal(size=({d}, {h})), rng.normal(size=({h}, {t}))
A1 = np.tanh(X @ W1)
dZ2 = (A1 @ W2 - Y) / {n}
dZ1 = {hidden_error}  # correct: {correct}
GRADS = {{"dW1": X.T @ dZ1, "dW2": A1.T @ dZ2}}
"""
COLUMNS_SCRIPT = """
import numpy as np
rng = np.random.default_rng({seed})
X, Y = rng.normal(size=({d}, {n})), rng.normal(size=({t}, {n}))
W1, W2 = rng.normal(size=({h}, {d})), rng.normal(size=({t}, {h}))
A1 = np.tanh(W1 @ X)
dZ2 = (W2 @ A1 - Y) / {n}
dZ1 = {hidden_error}  # correct: {correct}
GRADS = {{"dW1": dZ1 @ X.T, "dW2": dZ2 @ A1.T}}
"""
HIDDEN_ERRORS = {  # layout -> (the line, what its failing expression should be)
    "rows": [("(dZ2 @ W2) * (1 - A1 ** 2)", "dZ2 @ W2.T"),
             ("dZ2 * (1 - A1 ** 2)", "(dZ2 @ W2.T) * (1 - A1 ** 2)")],
    "columns": [("(W2 @ dZ2) * (1 - A1 ** 2)", "W2.T @ dZ2"),
                ("dZ2 * (1 - A1 ** 2)", "(W2.T @ dZ2) * (1 - A1 ** 2)")],
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.permutations([2, 3, 5, 7]), layout=st.sampled_from(["rows", "columns"]),
       which=st.integers(0, 1), seed=st.integers(0, 50))
def test_every_fix_offered_for_a_hidden_error_gives_the_right_gradients(tmp_path_factory, sizes, layout, which, seed):
    """At any pairwise-distinct sizes and in both layouts, every fix offered for a hidden error that was not
    sent back through W2 (or sent back untransposed) computes the correct gradients when applied."""
    n, d, h, t = sizes
    bug, correct = HIDDEN_ERRORS[layout][which]
    template = ROWS_SCRIPT if layout == "rows" else COLUMNS_SCRIPT
    folder = tmp_path_factory.mktemp("prop")
    script = folder / "learner.py"
    script.write_text(template.format(seed=seed, n=n, d=d, h=h, t=t, hidden_error=bug, correct=correct))
    outcomes = fix_harness.audit_program(script)
    if fix_harness.trace_quietly(script).error is None:
        return              # these sizes let the wrong line run (no failure to fix)
    assert outcomes, "a failure with no fix offered"
    assert all(o.verdict == "right" for o in outcomes), [str(o) for o in outcomes]
    assert np.all([o.why == "GRADS equal the correct program's" for o in outcomes])


def test_the_exception_hook_checks_its_fixes_on_the_failed_frame(tmp_path):
    """Without the tracer (explain_errors() after an ordinary run), the fix is checked on the frame the
    traceback keeps, and the (1, 1) rewrite is still not offered."""
    import runpy

    import pytest

    from shapecheck.tracing.excepthook import explain_exception

    path = tmp_path / "xor.py"
    path.write_text(textwrap.dedent(XOR_CLASS))
    with pytest.raises(ValueError) as info:
        runpy.run_path(str(path))
    text = explain_exception(info.value)
    assert "`d_output @ self.weights_hidden_output.T` gives (4, 4); checked on this run" in text
    assert "not offered: `d_output.T @ self.weights_hidden_output`" in text


SQUARE_W2 = """
    import numpy as np
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 5))
    W1, W2, W3 = rng.normal(size=(5, 4)), rng.normal(size=(4, 4)), rng.normal(size=(4, 2))
    A1 = np.tanh(X @ W1)
    A2 = np.tanh(A1 @ W2)
    dZ3 = A2 @ W3 - 1.0
    dZ2 = (dZ3 @ W3.T) * (1 - A2 ** 2)
    dA1 = W2 @ dZ2
    dZ1 = dA1 * (1 - A1 ** 2)
"""


def test_a_square_weight_is_sent_back_the_way_the_forward_pass_used_it(tmp_path):
    """Two hidden layers of equal width make W2 square (4, 4): `dZ2 @ W2` and `dZ2 @ W2.T` both fit the
    shapes; the forward pass `A1 @ W2` (line 7) tells that the error goes back through W2.T."""
    error = traced(tmp_path, SQUARE_W2).error
    assert fix_harness.offered_fixes(error) == ["dZ2 @ W2.T"]
    assert "line 7 computes `A1 @ W2`, so the gradient of `A1` is `<error> @ W2.T`" in error["fixes"][0]
    assert any(line.startswith("not offered: `dZ2 @ W2` gives (7, 4), but line 7 computes `A1 @ W2`")
               for line in error["fixes"])
    assert "is square" not in error["explanation"]


def test_a_square_weight_with_no_forward_pass_is_said_to_fit_either_way(tmp_path):
    """The backward pass alone (activations made up, no product with W2 ran): the shapes cannot tell
    `dZ2 @ W2` from `dZ2 @ W2.T`, and the report says so instead of choosing."""
    source = SQUARE_W2.replace("A2 = np.tanh(A1 @ W2)", "A2 = np.tanh(rng.normal(size=(7, 4)))")
    error = traced(tmp_path, source).error
    assert sorted(fix_harness.offered_fixes(error)) == ["dZ2 @ W2", "dZ2 @ W2.T"]
    assert "`W2` is square (4, 4): the shapes fit it transposed or not" in error["explanation"]
    assert "both fit only because sizes coincide here" in error["explanation"]


def test_a_bias_summed_over_the_wrong_axis_is_fixed_where_it_is_summed(tmp_path):
    """`db2 = np.sum(dscores, axis=1)` (9,) fails two lines on, in the update of the (3,) bias: the fix is the
    other axis at the line of the sum (checked: the bias then keeps its shape), and `self.b2` got its shape
    in __init__, not at the failing update that assigns it."""
    error = traced(tmp_path, """
        import numpy as np

        class Net:
            def __init__(self, rng):
                self.W2 = rng.normal(size=(5, 3))
                self.b2 = np.zeros(3)

            def step(self, h, dscores, learning_rate=0.1):
                dW2 = h.T @ dscores
                db2 = np.sum(dscores, axis=1)
                self.W2 = self.W2 - learning_rate * dW2
                self.b2 = self.b2 - learning_rate * db2

        rng = np.random.default_rng(3)
        net = Net(rng)
        net.step(rng.normal(size=(9, 5)), rng.normal(size=(9, 3)))
    """).error
    assert error["fixes"][0].startswith("at line 11: `db2 = np.sum(dscores, axis=0)` instead of "
                                        "`db2 = np.sum(dscores, axis=1)`; this line then gives (3,); checked on this run")
    assert "got its shape at line 7: self.b2 = np.zeros(3)  (in __init__())" in error["explanation"]
    assert "keepdims" not in error["explanation"]


def test_a_fix_followed_to_a_line_that_reads_its_name_twice_uses_the_new_value_in_both_places(tmp_path):
    """``Z = np.tanh(xb @ W + b)`` fails on the last mini-batch; following the fix ``b.reshape(-1)`` to
    ``Z * (1 - Z)`` must give both ``Z`` the fixed value, not the first the fix's (2, 3) and the second the
    (4, 3) an earlier batch left in the frame (which refused the one fix that works)."""
    report = traced(tmp_path, """
        import numpy as np
        rng = np.random.default_rng(0)
        X = rng.normal(size=(10, 5))
        W, b = rng.normal(size=(5, 3)), np.zeros((1, 3))
        for start in range(0, 10, 4):
            xb = X[start:start + 4]
            if start == 8:
                b = np.zeros((3, 1))
            Z = np.tanh(xb @ W + b)
            dW = xb.T @ (Z * (1 - Z)) / len(xb)
    """)
    assert fix_harness.offered_fixes(report.error) == ["xb @ W + b.reshape(-1)"]
    assert "line 11 `Z * (1 - Z)` then gives (2, 3)" in report.error["fixes"][0]
