"""Equal sizes in different roles: one note for the whole run, never a warning (issue 11, part A)."""

import json
import textwrap

import numpy as np
import pytest

from shapecheck import trace_script
from shapecheck.testing import assert_no_shape_warnings
from shapecheck.tracing.warnings import Coincidence, sizes_note

from .test_trace_examples import run_cli

# XOR, rows layout, n = h = 4: correct, but a transposed matrix or a turned bias would fit as well.
XOR = """\
import numpy as np

rng = np.random.default_rng(0)
X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
Y = np.array([[0.], [1.], [1.], [0.]])
W1, b1 = rng.normal(size=(2, 4)), np.zeros((1, 4))
W2, b2 = rng.normal(size=(4, 1)), np.zeros((1, 1))
for step in range(50):
    A1 = np.tanh(X @ W1 + b1)
    A2 = A1 @ W2 + b2
    dZ2 = (A2 - Y) / 4
    dW2 = A1.T @ dZ2
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    dW1 = X.T @ dZ1
    W1 -= 0.5 * dW1
    W2 -= 0.5 * dW2
print("done")
"""
XOR_NOTE_LINES = [9, 10, 12, 13, 14]

# The same sizes with a real silent bug at line 11: a 1-d target makes (4, 1) - (4,) an outer product.
XOR_OUTER = XOR.replace("    A2 = A1 @ W2 + b2\n", "    A2 = A1 @ W2 + b2\n    loss = ((A2 - Y.ravel()) ** 2).mean()\n")

# Pairwise-distinct sizes n=7, d=5, h=3, t=2: nothing hides.
DISTINCT = """\
import numpy as np

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 2))
W1, b1 = rng.normal(size=(5, 3)), np.zeros((1, 3))
W2 = rng.normal(size=(3, 2))
for step in range(5):
    A1 = np.tanh(X @ W1 + b1)
    dZ2 = A1 @ W2 - Y
    dZ1 = dZ2 @ W2.T * (1 - A1 ** 2)
    W1 -= 0.1 * X.T @ dZ1
    W2 -= 0.1 * A1.T @ dZ2
"""


def write(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(source)
    return path


def test_equal_sizes_give_one_note_and_no_warning(tmp_path):
    report = trace_script(str(write(tmp_path, "xor.py", XOR)))
    assert report.exit_code == 0 and report.error is None
    assert report.warnings == () and report.ok              # the note does not spoil the report
    (note,) = report.notes
    assert note["kind"] == "ambiguous-sizes" and note["sizes"] == [4]
    assert note["lines"] == [{"file": "xor.py", "line": line} for line in XOR_NOTE_LINES]
    assert "lines 9, 10, 12, 13, 14 of xor.py" in note["message"]
    assert "size 4 plays two roles" in note["message"] and "all sizes different" in note["message"]


def test_cli_strict_exits_0_with_one_note_at_the_end(tmp_path):
    script = write(tmp_path, "xor.py", XOR)
    target = tmp_path / "report.json"
    result = run_cli("trace", "--strict", "--json", str(target), str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    lines = result.stderr.strip().splitlines()
    assert lines[0].endswith("no shape problems found; see the note below")
    assert lines[-1].startswith("note: size 4 plays two roles")
    assert result.stderr.count("note:") == 1 and "warning" not in result.stderr
    assert "ambiguous-sizes" not in result.stderr       # the kind is for JSON readers, not learners
    data = json.loads(target.read_text())
    assert data["warnings"] == [] and [n["kind"] for n in data["notes"]] == ["ambiguous-sizes"]
    assert data["notes"][0]["message"] in result.stderr and data["summary"] == lines[0]


def test_real_warning_and_the_note_together(tmp_path):
    script = write(tmp_path, "xor_outer.py", XOR_OUTER)
    report = trace_script(str(script))
    kinds = {(w.line, w.kind) for w in report.warnings}
    assert (11, "outer-broadcast") in kinds and (11, "rank-1") in kinds
    assert all(w.kind != "ambiguous-sizes" for w in report.warnings) and not report.ok
    assert [n["kind"] for n in report.notes] == ["ambiguous-sizes"]
    assert 11 not in [p["line"] for p in report.notes[0]["lines"]]   # an outer product is a warning, not a note
    result = run_cli("trace", "--strict", str(script))
    assert result.returncode == 2
    assert "[outer-broadcast]" in result.stderr and result.stderr.strip().splitlines()[-1].startswith("note: size 4")
    assert "warning(s); see the note below" in result.stderr.splitlines()[0]


def test_pairwise_distinct_sizes_give_no_note(tmp_path):
    script = write(tmp_path, "distinct.py", DISTINCT)
    report = trace_script(str(script))
    assert report.ok and report.warnings == () and report.notes == ()
    result = run_cli("trace", "--strict", str(script))
    assert result.returncode == 0 and "note" not in result.stderr
    assert result.stderr.splitlines()[0].endswith("no shape problems found")


def test_a_square_weight_and_a_bias_turned_either_way_are_noted(tmp_path):
    script = write(tmp_path, "square.py", textwrap.dedent("""\
        import numpy as np
        X = np.ones((7, 3))
        W = np.ones((3, 3))
        b = np.ones((3, 1))
        Z = X @ W
        S = W + b
    """))
    (note,) = trace_script(str(script)).notes
    assert note["sizes"] == [3] and [p["line"] for p in note["lines"]] == [5, 6]


def test_note_across_files_names_each_file_and_every_size(tmp_path):
    found = [("train.py", 3, Coincidence(4, "in `a @ b`, (4, 2) @ (2, 4), 4 is both the rows of the left and "
                                            "the columns of the right")),
             ("layers.py", 8, Coincidence(2, "x")), ("layers.py", 9, Coincidence(4, "y"))]
    note = sizes_note(found)
    assert note["sizes"] == [2, 4] and "sizes 2 and 4 each play two roles" in note["message"]
    assert "line 3 of train.py; lines 8, 9 of layers.py" in note["message"]
    assert "(in `a @ b`, (4, 2) @ (2, 4), 4 is both" in note["message"]
    many = sizes_note([("f.py", line, Coincidence(5, "r")) for line in range(1, 21)])
    assert "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 of f.py and 8 more" in many["message"]
    assert len(many["lines"]) == 20
    assert sizes_note([]) is None


def test_html_report_shows_the_note(tmp_path):
    report = trace_script(str(write(tmp_path, "xor.py", XOR)))
    assert "<i>note:</i> size 4 plays two roles" in report.to_html()


def _square_layer(X, W):
    return np.tanh(X @ W)


def _outer_residual(X, w, y):
    return X @ w - y


def test_assert_no_shape_warnings_ignores_the_note_but_not_a_warning():
    value = assert_no_shape_warnings(_square_layer, np.ones((4, 4)), np.ones((4, 4)))
    assert value.shape == (4, 4)
    with pytest.raises(AssertionError, match="outer-broadcast"):
        assert_no_shape_warnings(_outer_residual, np.ones((4, 4)), np.ones((4, 1)), np.ones(4))


PLUGIN_NETWORK = """
import numpy as np

def layer(X, W):
    return np.tanh(X @ W)                 # (4, 4) @ (4, 4): sizes coincide, nothing wrong

def residuals(X, w, y):
    return X @ w - y                      # (n, 1) - (n,) -> (n, n)
"""

PLUGIN_TESTS = """
import numpy as np
import pytest

from squarenet import layer, residuals

@pytest.mark.shapecheck
def test_square_sizes_pass():
    assert layer(np.ones((4, 4)), np.ones((4, 4))).shape == (4, 4)

@pytest.mark.shapecheck
def test_real_warning_fails():
    residuals(np.ones((4, 4)), np.ones((4, 1)), np.ones(4))
"""


def test_pytest_plugin_fails_on_warnings_not_on_the_note(pytester):
    pytester.makepyfile(squarenet=PLUGIN_NETWORK, test_square=PLUGIN_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_real_warning_fails*", "*[[]outer-broadcast[]]*"])
    strict = pytester.runpytest("-p", "no:cacheprovider", "--shapecheck-strict", "-k", "square_sizes")
    strict.assert_outcomes(passed=1)


def test_a_softmax_without_keepdims_is_named_when_samples_equal_classes(tmp_path):
    """``e / np.sum(e, axis=1)`` with as many samples as classes runs (the sums meet the columns, not the
    rows): the note names its line among those that could hide a bug; with other sizes it fails loudly."""
    code = textwrap.dedent("""\
        import numpy as np
        z = np.random.default_rng(0).normal(size=(10, 10))
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / np.sum(e, axis=1)
    """)
    path = tmp_path / "softmax.py"
    path.write_text(code)
    report = trace_script(str(path))
    (note,) = report.notes
    assert report.ok and {"file": "softmax.py", "line": 4} in note["lines"], note


def test_a_failure_after_a_warning_points_back_at_it_and_its_square_makes_no_note(tmp_path):
    """Rank-1 labels: ``p - y`` makes a (25, 25) silently (warned), and the update fails three lines later. The
    fix offered for the failing line only makes it fit; the report now names the warned line, and
    the (25, 25) that the warning made is not noted again as 'size 25 plays two roles'."""
    code = textwrap.dedent("""\
        import numpy as np
        rng = np.random.default_rng(0)
        X, y = rng.normal(size=(25, 4)), (rng.random(25) > 0.5).astype(float)
        w = np.zeros((4, 1))
        p = 1 / (1 + np.exp(-(X @ w)))
        dz = p - y
        dw = X.T @ dz / 25
        w -= 0.1 * dw
    """)
    path = tmp_path / "logreg.py"
    path.write_text(code)
    report = trace_script(str(path))
    assert {(w.line, w.kind) for w in report.warnings} == {(6, "outer-broadcast"), (6, "rank-1")}
    assert report.error["line"] == 8
    assert "and this run was warned before, at logreg.py:6 [outer-broadcast]" in report.error_text
    assert report.error["explanation"] == report.error_text and report.notes == ()
