"""Issue 24, item 6: a run that dies of an error that is not a shape error is reported as the script's
failure (where, what it said, that it is not a shape error), never as "no shape problems found"; a hint is
added only for a cause recognised and checked on the learner's own values (numpy 2's refusal of
``float()`` of a one-value array with dimensions, in a course's accuracy line)."""

import io
import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import trace, trace_script


def _refuses_one_value_arrays() -> bool:
    """float() of a (1, 1) array fails here: numpy 2.4+ (TypeError), or 1.25-2.3 under pytest's warnings-as-
    errors (DeprecationWarning); older numpy converts it silently, and there is nothing to report."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            float(np.ones((1, 1)))
        except (TypeError, DeprecationWarning):
            return True
    return False


needs_refusal = pytest.mark.skipif(not _refuses_one_value_arrays(), reason="this numpy converts a (1, 1) silently")

# a planar-data course's week-3 notebook, as a learner types it: dicts of parameters, columns as samples,
# np.dot everywhere, 1e-7 inside the log, and the accuracy line printed with float() of a (1, 1)
COURSE_SCRIPT = """\
import numpy as np

np.random.seed(3)
X = np.random.randn(2, 7)
Y = (np.random.rand(1, 7) > 0.5) * 1.0

def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2 + 1e-7), Y) + np.multiply(np.log(1 - A2 + 1e-7), 1 - Y)
    return -np.sum(logprobs) / m

parameters = initialize_parameters(2, 3, 1)
A2, cache = forward_propagation(X, parameters)
print("cost", compute_cost(A2, Y))
predictions = A2 > 0.5
print('Accuracy: %d' % float((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T)) / float(Y.size) * 100) + '%')
print("done")
"""
ACCURACY_LINE = 30


def _traced(tmp_path, code, name="course.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return trace_script(str(path), stderr=io.StringIO())


@needs_refusal
def test_a_course_accuracy_line_is_reported_as_the_scripts_failure_with_the_fix(tmp_path):
    report = _traced(tmp_path, COURSE_SCRIPT)
    assert report.exit_code == 1 and report.error is None
    assert not report.ok and report.verdict == "incomplete"
    assert report.summary.endswith(f"FAILED at course.py:{ACCURACY_LINE} ({type(report.exception).__name__}), "
                                   "not a shape error; no shape problems found before it")
    text = str(report)
    assert f"the script failed at course.py:{ACCURACY_LINE}: " in text
    assert "this is not a shape error" in text and "what would have run after it was not checked" in text
    assert "float() was given `(np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T)) / float(Y.size) " \
           "* 100`, a (1, 1) array holding one value" in text
    assert "write `float((...).item())`, or take the element: `float((...)[0, 0])`" in text
    assert report.to_dict()["stopped"]["line"] == ACCURACY_LINE


@needs_refusal
def test_the_fix_the_report_offers_makes_the_course_script_run(tmp_path):
    """The hint is checked on the learner's own value; written into the script, the run finishes."""
    for ending in (".item()", "[0, 0]"):
        fixed = COURSE_SCRIPT.replace("/ float(Y.size) * 100)", f"/ float(Y.size) * 100){ending})") \
            .replace("% float((", "% float(((")
        report = _traced(tmp_path, fixed)
        assert report.exit_code == 0 and report.ok and report.stopped is None, str(report)
        assert report.summary.endswith("no shape problems found")


@needs_refusal
@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       convert=st.sampled_from(["float", "int"]), printed=st.booleans())
def test_a_hint_is_given_only_for_one_value_and_always_works(tmp_path_factory, shape, convert, printed):
    tmp_path = tmp_path_factory.mktemp("conv")
    line = f"print('acc %.1f' % acc)" if printed else f"value = {convert}(acc)"
    report = _traced(tmp_path, f"import numpy as np\nacc = np.full({shape!r}, 0.75)\n{line}\n")
    assert report.verdict == "incomplete" and report.stopped["line"] == 3
    hint = report.stopped["hint"]
    size = int(np.prod(shape))
    if size != 1:
        assert ".item()" not in hint and f"array of {size} values" in hint
        return
    assert "holding one value" in hint
    fix = (f"{convert}(acc.item())" if not printed else "acc.item()")
    assert f"write `{fix}`" in hint
    index = ", ".join("0" for _ in shape)
    written = line.replace("acc)", "acc.item())") if not printed else line.replace("% acc", "% acc.item()")
    again = _traced(tmp_path, f"import numpy as np\nacc = np.full({shape!r}, 0.75)\n{written}\n")
    assert again.ok and again.exit_code == 0, str(again)
    assert f"`{'' if printed else convert + '('}acc[{index}]{'' if printed else ')'}`" in hint


def test_any_other_error_is_the_scripts_failure_with_its_place_and_message(tmp_path):
    report = _traced(tmp_path, """\
        import numpy as np
        weights = {"W1": np.ones((5, 3)), "W2": np.ones((3, 2))}
        X = np.ones((7, 5))
        hidden = np.dot(X, weights["W1"])
        out = np.dot(hidden, weights["w2"])
    """)
    assert report.exit_code == 1 and report.verdict == "incomplete" and not report.ok
    assert report.summary.endswith("FAILED at course.py:5 (KeyError), not a shape error; "
                                   "no shape problems found before it")
    assert report.stopped == {"file": "course.py", "line": 5, "exception": "KeyError", "message": "'w2'",
                              "hint": "", "traced": True}
    assert "the script failed at course.py:5: KeyError: 'w2'" in str(report)


def test_a_failure_inside_the_learners_helper_names_the_helpers_line(tmp_path):
    (tmp_path / "helpers.py").write_text("import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
                                         "\ndef load():\n    return np.loadtxt('missing_data.csv')\n")
    report = _traced(tmp_path, "import helpers\nX = helpers.load()\n", name="train.py")
    assert report.stopped["file"] == "helpers.py" and report.stopped["line"] == 7
    assert report.stopped["exception"] == "FileNotFoundError"
    assert report.summary.endswith("FAILED at helpers.py:7 (FileNotFoundError), not a shape error; "
                                   "no array operation ran before it")


def test_an_unchecked_conversion_gets_no_hint(tmp_path):
    """float() of what the learner's own function returns: re-running it could have side effects, so the
    cause is not checked and no fix is offered, only the failure."""
    report = _traced(tmp_path, """\
        import numpy as np
        calls = []
        def accuracy(Y, P):
            calls.append(1)
            return np.dot(Y, P.T) / Y.shape[1]
        Y, P = np.ones((1, 7)), np.ones((1, 7))
        print(float(accuracy(Y, P)))
    """)
    assert report.stopped is not None and report.stopped["line"] == 7 and report.stopped["hint"] == ""


def predict(params, X):
    scores = np.dot(X, params["W"])
    return params["b"] + scores


def test_a_function_that_raises_is_reported_as_the_functions_failure():
    report = trace(predict)({"W": np.ones((5, 3))}, np.ones((7, 5)))
    assert report.verdict == "incomplete" and report.stopped["exception"] == "KeyError"
    assert report.summary.startswith("shapecheck trace: predict() raised KeyError;")
    assert "the function failed at test_trace_failures.py:" in str(report)


def test_a_correct_run_and_a_shape_error_are_unchanged(tmp_path):
    good = _traced(tmp_path, "import numpy as np\nZ = np.dot(np.ones((7, 5)), np.ones((5, 3)))\n")
    assert good.ok and good.stopped is None and good.summary.endswith("no shape problems found")
    bad = _traced(tmp_path, "import numpy as np\nZ = np.dot(np.ones((7, 5)), np.ones((3, 5)))\n")
    assert bad.verdict == "failed" and bad.stopped is None and "not a shape error" not in str(bad)


def test_the_command_line_prints_the_failure_and_writes_it_to_json(tmp_path):
    script = tmp_path / "course.py"
    script.write_text("import numpy as np\nW = np.ones((5, 3))\nprint(W[7, 0])\n")
    target = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "shapecheck", "trace", "--json", str(target), str(script)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "FAILED at course.py:3 (IndexError), not a shape error" in result.stderr
    assert "no shape problems found\n" not in result.stderr
    data = json.loads(target.read_text())
    assert data["verdict"] == "incomplete" and data["stopped"]["exception"] == "IndexError"


@needs_refusal
def test_a_failure_after_a_warning_does_not_call_the_shapes_before_it_fine(tmp_path):
    """Rank-1 targets make the error (7, 7); the mean over axis 0 is then (1, 7), which float() refuses. The
    report points back at the warned line as a condition, and states the (1, 7) it checked, with no fix."""
    report = _traced(tmp_path, """\
        import numpy as np
        X = np.random.randn(7, 5)
        y = np.random.randn(7)
        w = np.zeros((5, 1))
        error = X @ w - y
        print("loss %.3f" % float(np.mean(error ** 2, axis=0, keepdims=True)))
    """)
    assert report.summary.endswith("FAILED at course.py:6 (TypeError), not a shape error; 2 warning(s) before it")
    text = report.stopped_text()
    assert "shapes that fit" not in text and "the shape problem(s) listed above came before it" in text
    assert "a (1, 7) array of 7 values" in text and ".item()" not in text


def test_a_syntax_error_is_placed_at_its_own_line_in_the_script_or_its_helper(tmp_path):
    report = _traced(tmp_path, "import numpy as np\nW1 = np.random.randn(5, 3\nprint(W1)\n", name="train.py")
    assert report.summary.endswith("FAILED at train.py:2 (SyntaxError), not a shape error; "
                                   "no array operation ran before it")
    assert "Python could not read train.py; nothing of that file ran or was checked" in str(report)
    (tmp_path / "layers.py").write_text("import numpy as np\n\ndef relu(z):\n    return np.maximum(0, z\n")
    report = _traced(tmp_path, "import numpy as np\nZ = np.dot(np.ones((7, 5)), np.ones((5, 3)))\nimport layers\n",
                     name="train.py")
    assert report.summary.endswith("FAILED at layers.py:4 (SyntaxError), not a shape error; "
                                   "no shape problems found before it")
    assert not report.internal_errors and report.stopped["traced"]
