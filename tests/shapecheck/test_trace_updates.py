"""Updates of a parameter that run but are wrong (issue 26, item 3), and one warning per cause (item 5).

The learner programs are written as a course's notebook writes them: a parameters dict, functions for each
pass, samples as columns, np.dot, trained for several epochs; sizes n_x=5, n_h=3, n_y=2, m=7.
"""

import io
import json
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import trace_script
from tests.shapecheck.test_trace_semantics import both

from .test_trace_examples import EXAMPLES, run_cli

COURSE = """\
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_parameters(n_x, n_h, n_y):
    rng = np.random.default_rng(1)
    W1 = rng.normal(size=(n_h, n_x)) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = rng.normal(size=(n_y, n_h)) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"A1": A1, "A2": A2}


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, alpha=1.2):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    dW1, db1 = grads["dW1"], grads["db1"]
    dW2, db2 = grads["dW2"], grads["db2"]
    W1 = W1 - alpha * dW1
    b1 = b1 - alpha * db1
    W2 = W2 - alpha * dW2
    b2 = b2 - alpha * db2
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


rng = np.random.default_rng(0)
X = rng.normal(size=(N_X, M))
Y = (rng.random((N_Y, M)) > 0.5).astype(float)
parameters = initialize_parameters(N_X, N_H, N_Y)
for i in range(10):
    A2, cache = forward_propagation(X, parameters)
    grads = backward_propagation(parameters, cache, X, Y)
    parameters = update_parameters(parameters, grads)
print("b1", parameters["b1"].shape)
"""
CORRECT_DB1 = "    db1 = np.sum(dZ1, axis=1, keepdims=True) / m\n"
UPDATE_B1 = "    b1 = b1 - alpha * db1\n"


def course(db1=CORRECT_DB1, update=UPDATE_B1, n_x=5, n_h=3, n_y=2, m=7):
    code = COURSE.replace(CORRECT_DB1, db1).replace(UPDATE_B1, update)
    return code.replace("N_X", str(n_x)).replace("N_H", str(n_h)).replace("N_Y", str(n_y)).replace("M)", f"{m})")


def line_of(code, text):
    return next(i for i, line in enumerate(code.splitlines(), 1) if line.strip() == text.strip())


def traced(tmp_path, code, name="prog.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return trace_script(str(path), stderr=io.StringIO())


# -- a parameter that grows ----------------------------------------------------------------------------------

def test_a_bias_that_grows_by_reassignment_is_warned_at_the_update_with_the_gradients_line(tmp_path):
    code = course(db1="    db1 = np.sum(dZ1, axis=0, keepdims=True) / m\n")      # (1, m): summed over the units
    report = traced(tmp_path, code)
    assert [(w.line, w.kind) for w in report.warnings] == [(line_of(code, UPDATE_B1), "parameter-grows")]
    message = report.warnings[0].message
    assert "changes `b1` from (3, 1) to (3, 7)" in message
    assert "`alpha * db1` (1, 7) is stretched against it" in message
    made = line_of(code, "db1 = np.sum(dZ1, axis=0, keepdims=True) / m")
    assert f"`db1` (1, 7): a value of that shape is made at line {made}: db1 = np.sum(dZ1, axis=0" in message


def test_a_dict_entry_that_grows_is_warned_and_a_correct_run_of_the_same_network_is_not(tmp_path):
    grows = course(db1="    db1 = np.sum(dZ1, axis=0) / m\n",
                   update='    b1 = b1 - alpha * db1\n    parameters["b1"] = parameters["b1"] - alpha * db1\n')
    report = traced(tmp_path, grows)
    assert {(w.line, w.kind) for w in report.warnings} == {
        (line_of(grows, UPDATE_B1), "parameter-grows"),
        (line_of(grows, 'parameters["b1"] = parameters["b1"] - alpha * db1'), "parameter-grows")}
    assert any('changes `parameters["b1"]` from (3, 1) to (3, 7)' in w.message for w in report.warnings)
    assert traced(tmp_path, course()).ok


def test_a_bias_updated_in_place_with_a_gradient_of_the_wrong_shape_fails_as_an_inplace_broadcast(tmp_path):
    code = course(db1="    db1 = np.sum(dZ1, axis=0, keepdims=True) / m\n", update="    b1 -= alpha * db1\n")
    report = traced(tmp_path, code)
    error = report.error
    assert (error["kind"], error["line"]) == ("inplace-broadcast", line_of(code, "b1 -= alpha * db1"))
    assert [(o["expr"], o["shape"]) for o in error["operands"]] == [("b1", [3, 1]), ("alpha * db1", [1, 7])]
    made = line_of(code, "db1 = np.sum(dZ1, axis=0, keepdims=True) / m")
    assert f"`db1` (1, 7): a value of that shape is made at line {made}: db1 = np.sum(dZ1, axis=0" \
        in error["explanation"]


def test_an_inplace_update_numpy_calls_a_broadcast_error_is_an_inplace_broadcast(tmp_path):
    # (3, 1) -= (7, 1): numpy says "operands could not be broadcast", not "non-broadcastable output"
    code = course(db1="    db1 = np.sum(dZ1.T, axis=1, keepdims=True) / m\n", update="    b1 -= alpha * db1\n")
    report = traced(tmp_path, code)
    assert report.error["kind"] == "inplace-broadcast", report.error_text
    assert f"FAILED at prog.py:{line_of(code, 'b1 -= alpha * db1')} (inplace-broadcast)" in report.summary
    assert "a value of that shape is made at line" in report.error["explanation"]


# -- one number for every unit -------------------------------------------------------------------------------

def test_a_bias_gradient_summed_over_the_whole_array_is_warned_by_reassignment_and_in_place(tmp_path):
    for update in (UPDATE_B1, "    b1 -= alpha * db1\n"):
        code = course(db1="    db1 = np.sum(dZ1) / m\n", update=update)
        report = traced(tmp_path, code)
        assert [(w.line, w.kind) for w in report.warnings] == [(line_of(code, update), "shared-bias-gradient")]
        message = report.warnings[0].message
        assert f"`np.sum(dZ1)` at line {line_of(code, 'db1 = np.sum(dZ1) / m')} adds up all of `dZ1` (3, 7)" \
            in message
        assert "every unit of `b1` gets the same change" in message
        assert "`np.sum(dZ1, axis=1, keepdims=True)` gives one number per unit" in message


def test_a_logistic_regression_with_one_output_unit_may_sum_its_bias_gradient_over_everything(tmp_path):
    report = traced(tmp_path, """
        import numpy as np
        rng = np.random.default_rng(2)
        X = rng.normal(size=(5, 7))
        Y = (rng.random((1, 7)) > 0.5).astype(float)
        w, b = np.zeros((5, 1)), 0.0
        learning_rate = 0.1
        for i in range(20):
            A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
            dz = A - Y
            dw = np.dot(X, dz.T) / 7
            db = np.sum(dz) / 7
            w = w - learning_rate * dw
            b = b - learning_rate * np.sum(dz) / 7
        b_array = np.zeros((1, 1))
        b_array = b_array - learning_rate * db
        b_array -= learning_rate * db
        print(w.shape, b)
    """)
    assert report.warnings == () and report.ok, str(report)


# -- reassignments that may change shape -----------------------------------------------------------------------

def test_a_cache_that_changes_shape_between_a_training_and_a_test_batch_is_not_warned(tmp_path):
    report = traced(tmp_path, """
        import numpy as np

        class TwoLayerNet:
            def __init__(self, n_x, n_h, n_y):
                rng = np.random.default_rng(3)
                self.W1, self.b1 = rng.normal(size=(n_h, n_x)) * 0.1, np.zeros((n_h, 1))
                self.W2, self.b2 = rng.normal(size=(n_y, n_h)) * 0.1, np.zeros((n_y, 1))
                self.lr = 0.5

            def forward(self, X):
                self.X = X
                self.A1 = np.tanh(np.dot(self.W1, X) + self.b1)
                self.A2 = np.dot(self.W2, self.A1) + self.b2
                return self.A2

            def backward(self, Y):
                m = Y.shape[1]
                dZ2 = (self.A2 - Y) / m
                dZ1 = np.dot(self.W2.T, dZ2) * (1 - self.A1 ** 2)
                self.W2 = self.W2 - self.lr * np.dot(dZ2, self.A1.T)
                self.b2 = self.b2 - self.lr * np.sum(dZ2, axis=1, keepdims=True)
                self.W1 = self.W1 - self.lr * np.dot(dZ1, self.X.T)
                self.b1 = self.b1 - self.lr * np.sum(dZ1, axis=1, keepdims=True)

        rng = np.random.default_rng(4)
        net = TwoLayerNet(5, 3, 2)
        X_train, Y_train = rng.normal(size=(5, 7)), rng.normal(size=(2, 7))
        X_test = rng.normal(size=(5, 11))
        for epoch in range(5):
            net.forward(X_train)
            net.backward(Y_train)
        print(net.forward(X_test).shape, net.A1.shape)
    """)
    assert report.warnings == () and report.ok, str(report)


def test_an_error_sent_back_through_the_layers_in_a_loop_is_not_warned(tmp_path):
    report = traced(tmp_path, """
        import numpy as np
        rng = np.random.default_rng(5)
        sizes = [5, 4, 3, 2]
        weights = [rng.normal(size=(b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
        biases = [np.zeros((b, 1)) for b in sizes[1:]]
        x, y = rng.normal(size=(5, 7)), rng.normal(size=(2, 7))
        eta = 0.1
        for epoch in range(3):
            activations = [x]
            for W, b in zip(weights, biases):
                activations.append(np.tanh(np.dot(W, activations[-1]) + b))
            delta = (activations[-1] - y) * (1 - activations[-1] ** 2)
            for layer in range(len(weights) - 1, -1, -1):
                grad_W = np.dot(delta, activations[layer].T)
                grad_b = np.sum(delta, axis=1, keepdims=True)
                delta_before = delta
                delta = np.dot(weights[layer].T, delta)
                delta = delta * (1 - activations[layer] ** 2)
                weights[layer] = weights[layer] - eta * grad_W
                biases[layer] = biases[layer] - eta * grad_b
        total = 0
        total = total + activations[-1]
        column_sums = np.zeros((1, 7))
        column_sums = column_sums + activations[-1]
        print(delta.shape)
    """)
    assert report.warnings == () and report.ok, str(report)


def test_the_update_programs_run_traced_as_untraced(tmp_path):
    for code in (course(db1="    db1 = np.sum(dZ1, axis=0, keepdims=True) / m\n"), course(db1="    db1 = np.sum(dZ1) / m\n"),
                 course(db1="    db1 = np.sum(dZ1, axis=0, keepdims=True) / m\n", update="    b1 -= alpha * db1\n")):
        plain, traced_run = both(tmp_path, code)
        assert traced_run.stdout == plain.stdout and traced_run.returncode == plain.returncode
        assert all(line in traced_run.stderr.splitlines() for line in plain.stderr.splitlines()[-1:])


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=4, max_size=4, unique=True))
def test_at_any_distinct_sizes_growth_is_warned_once_and_the_correct_network_never(tmp_path_factory, sizes):
    n_x, n_h, n_y, m = sizes
    tmp_path = tmp_path_factory.mktemp("sizes")
    assert traced(tmp_path, course(n_x=n_x, n_h=n_h, n_y=n_y, m=m)).warnings == ()
    grows = course(db1="    db1 = np.sum(dZ1, axis=0, keepdims=True) / m\n", n_x=n_x, n_h=n_h, n_y=n_y, m=m)
    report = traced(tmp_path, grows)
    assert [(w.line, w.kind) for w in report.warnings] == [(line_of(grows, UPDATE_B1), "parameter-grows")]
    assert f"changes `b1` from ({n_h}, 1) to ({n_h}, {m})" in report.warnings[0].message
    shared = course(db1="    db1 = np.sum(dZ1) / m\n", n_x=n_x, n_h=n_h, n_y=n_y, m=m)
    assert [w.kind for w in traced(tmp_path, shared).warnings] == ["shared-bias-gradient"]


# -- one cause, one warning ------------------------------------------------------------------------------------

RANK1_LABELS = """\
import numpy as np

rng = np.random.default_rng(4)
n, d, h = 7, 5, 3
X = rng.normal(size=(n, d))
y = (rng.random(n) > 0.5).astype(float)
W1, b1 = rng.normal(size=(d, h)) * 0.1, np.zeros((1, h))
W2, b2 = rng.normal(size=(h, 1)) * 0.1, np.zeros((1, 1))
lr = 0.5


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


for epoch in range(20):
    A1 = np.tanh(np.dot(X, W1) + b1)
    A2 = sigmoid(np.dot(A1, W2) + b2)
    log_likelihood = y * np.log(A2)
    log_other = (1 - y) * np.log(1 - A2)
    loss = -np.mean(log_likelihood + log_other)
    correct = (A2 > 0.5) == y
    squared = (A2 - y) ** 2
    dZ2 = A2 - y
    dW2 = np.dot(A1.T, dZ2) / n
    W2 -= lr * dW2
print(loss)
"""


def test_a_rank1_label_vector_stretched_on_five_lines_is_one_warning_and_the_failure_points_back(tmp_path):
    report = traced(tmp_path, RANK1_LABELS)
    stretched = [19, 20, 22, 23, 24]
    assert [(w.line, w.kind) for w in report.warnings] == [(6, "rank-1")]
    warning = report.warnings[0]
    assert [line["line"] for line in warning.lines] == stretched
    assert all(sorted(line["kinds"]) == ["outer-broadcast", "rank-1"] for line in warning.lines)
    assert "`y` is a rank-1 vector (7,), made here" in warning.message
    assert "one cause for these 10 warnings" in warning.message and "`y.reshape(-1, 1)`" in warning.message
    assert "line 24 `A2 - y` gives (7, 7)" in warning.message
    assert (report.error["kind"], report.error["line"]) == ("inplace-broadcast", 26)
    assert "and this run was warned before, at prog.py:6 [rank-1]" in report.error_text
    data = report.to_dict()
    assert [(w["line"], w["kind"], [x["line"] for x in w["lines"]]) for w in data["warnings"]] == \
        [(6, "rank-1", stretched)]


def test_a_failure_made_from_a_grouped_line_names_the_cause(tmp_path):
    code = RANK1_LABELS.replace("    W2 -= lr * dW2\n", "    dZ1 = np.dot(dZ2, W2.T) * (1 - A1 ** 2)\n")
    report = traced(tmp_path, code)
    assert report.error["line"] == 26 and report.error["kind"] == "matmul"
    assert "the cause is the warning at prog.py:6 [rank-1]: `dZ2` (7, 7) got its shape at line 24" \
        in report.error_text


def test_a_rank1_vector_on_one_line_keeps_its_two_warnings(tmp_path):
    report = traced(tmp_path, """
        import numpy as np
        y = np.arange(7.0)
        p = np.ones((7, 1))
        error = p - y
    """)
    assert [w.kind for w in report.warnings] == ["outer-broadcast", "rank-1"]


def test_a_local_module_beside_the_scripts_folder_is_named_relative_to_it(tmp_path):
    script = EXAMPLES / "book_layout" / "ch04" / "logistic_regression.py"
    out = tmp_path / "report.json"
    done = run_cli("trace", "--json", str(out), str(script))
    data = json.loads(out.read_text())
    files = {w["file"] for w in data["warnings"]}
    assert files == {"../common/functions.py", "logistic_regression.py"}
    assert "\n  ../common/functions.py:11 [outer-broadcast]" in done.stderr
    assert str(EXAMPLES) not in done.stderr.split("warnings (operations")[1].split("shapecheck:")[0]
