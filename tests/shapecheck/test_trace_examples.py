"""The tracer on the learner-style scripts in examples/trace: right line, operands, shapes and kind."""

import json
import shutil
import subprocess
import sys
from pathlib import Path


from shapecheck import trace_script

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "trace"


def run_cli(*args, cwd=None, stdin=None):
    exe = shutil.which("shapecheck")
    command = [exe, *args] if exe else [sys.executable, "-m", "shapecheck", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd, input=stdin)


def traced(name, *argv, capsys=None):
    report = trace_script(str(EXAMPLES / name), argv)
    return report


def test_failing_broadcast_in_backward_pass(capsys):
    report = traced("backward_broadcast_error.py")
    assert report.exit_code == 1
    error = report.error
    assert (error["file"], error["line"], error["kind"]) == ("backward_broadcast_error.py", 13, "broadcast")
    assert error["operands"] == [{"expr": "dZ2", "shape": [7, 2]}, {"expr": "1 - A1 ** 2", "shape": [7, 3]}]
    assert "got its shape at line 12: dZ2 = A2 - Y" in report.error_text
    assert "`(dZ2 @ W2.T) * (1 - A1 ** 2)` gives (7, 3)" in report.error_text
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "line 13" in err and "shapecheck/tracing" not in err


def test_matmul_inner_mismatch():
    report = traced("matmul_mismatch.py")
    assert report.error["kind"] == "matmul" and report.error["line"] == 11
    assert [o["shape"] for o in report.error["operands"]] == [[7, 2], [3, 2]]
    assert "`dZ2 @ W2.T` gives (7, 3)" in report.error_text


def test_silent_outer_broadcast_is_flagged_once_per_site():
    report = traced("silent_outer_broadcast.py")
    assert report.exit_code == 0 and report.error is None
    kinds = {(w.line, w.kind) for w in report.warnings}
    assert (10, "outer-broadcast") in kinds and (10, "rank-1") in kinds
    assert len(report.warnings) == len(kinds)          # once per site, not once per iteration
    site = next(s for s in report.sites if s.line == 10 and s.op == "-")
    assert site.signatures[0]["shapes"] == [[7, 1], [7]] and site.signatures[0]["result"] == [7, 7]
    assert site.calls == 100


def test_inplace_bias_broadcast():
    report = traced("inplace_bias_broadcast.py")
    assert [(w.line, w.kind) for w in report.warnings] == [(12, "shared-bias-gradient")]
    message = report.warnings[0].message
    assert "`np.sum(dZ, axis=(0, 1), keepdims=True)` at line 11 adds up all of `dZ` (7, 3)" in message
    assert "`np.sum(dZ, axis=0, keepdims=True)` gives one number per unit" in message


def test_bug_inside_an_imported_local_module():
    report = traced("local_module/train.py")
    assert report.error["file"] == "layers.py" and report.error["line"] == 10
    assert "an argument of dense_backward()" in report.error_text
    assert any(s.file == "layers.py" for s in report.sites)
    assert "layers" not in sys.modules                  # unloaded again after the run


def test_correct_training_loop_has_no_warnings():
    report = traced("correct_training_loop.py", "50")
    assert report.exit_code == 0 and report.warnings == () and report.error is None
    assert {s.expr for s in report.matrix_products()} == {"X @ W1", "A1 @ W2", "A1.T @ dZ2", "dZ2 @ W2.T",
                                                          "X.T @ dZ1"}
    assert all(s.calls == 50 for s in report.matrix_products())


def test_cli_json_contract_and_exit_codes(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("trace", "--json", str(target), str(EXAMPLES / "matmul_mismatch.py"))
    assert result.returncode == 1
    data = json.loads(target.read_text())
    assert set(data) == {"ok", "verdict", "summary", "exit_code", "error", "sites", "warnings", "notes", "caught",
                         "internal_errors", "stopped"}
    assert set(data["error"]) == {"file", "line", "kind", "message", "operands", "explanation", "fixes",
                                  "fix_checks", "expr", "col"}
    assert all(set(site) >= {"file", "line", "op", "expr", "calls", "signatures"} for site in data["sites"])
    assert all(set(sig) >= {"shapes", "result", "count"} for site in data["sites"] for sig in site["signatures"])
    assert result.stderr.count("shapecheck: matmul error") == 1        # once: in the traceback or the report
    traceback_part = result.stderr.split("shapecheck trace:")[0]
    assert "ValueError" in traceback_part and "shapecheck: matmul error" not in traceback_part   # numpy's own


def test_cli_strict_exits_2_on_warnings_and_report_goes_to_stderr():
    result = run_cli("trace", "--strict", str(EXAMPLES / "silent_outer_broadcast.py"))
    assert result.returncode == 2
    assert result.stdout.startswith("final loss")           # the script's own output, untouched
    assert "outer-broadcast" in result.stderr and "outer-broadcast" not in result.stdout
    assert run_cli("trace", "--strict", str(EXAMPLES / "correct_training_loop.py"), "20").returncode == 0


def test_cli_all_lists_elementwise_operations():
    result = run_cli("trace", "--all", str(EXAMPLES / "correct_training_loop.py"), "5")
    assert "every traced operation" in result.stderr and "A2 - Y" in result.stderr


def test_class_based_network_with_private_attributes_and_weight_lists():
    """examples/trace/class_network.py: the error sent back through an untransposed weight of a list."""
    report = traced("class_network.py")
    assert report.exit_code == 1 and report.internal_errors == ()
    assert (report.error["file"], report.error["line"], report.error["kind"]) == ("class_network.py", 36, "matmul")
    assert report.error["operands"] == [{"expr": "self.weights[-layer + 1]", "shape": [2, 3]},
                                        {"expr": "delta", "shape": [2, 7]}]
    assert "`self.weights[-layer + 1].T @ delta` gives (3, 7)" in report.error_text
    assert "an element of `self.weights`, which is made at line 17" in report.error_text
    products = {(s.line, s.expr) for s in report.matrix_products()}
    assert (27, "np.dot(w, activations[-1])") in products


def test_a_book_layout_with_common_helpers_and_rank_1_labels():
    """ch04/ imports common/ through sys.path.append(os.pardir): both silent (n, n)s are warned, in the
    script and in common/functions.py, and the failing update names the script's warned line."""
    report = traced("book_layout/ch04/logistic_regression.py")
    warned = {(Path(w.file).name, w.line, w.kind) for w in report.warnings}
    assert {("functions.py", 11, "outer-broadcast"), ("logistic_regression.py", 26, "outer-broadcast")} <= warned
    assert report.error["kind"] == "inplace-broadcast" and report.error["line"] == 28
    assert "and this run was warned before, at logistic_regression.py:26 [outer-broadcast]" in report.error_text


def test_the_xor_class_example_is_offered_only_the_fix_that_fits_the_next_line():
    """examples/trace/xor_class_checked_fix.py: the (4, 4) fix, checked on the run; the (1, 1) one refused."""
    error = trace_script(str(EXAMPLES / "xor_class_checked_fix.py"), ()).error
    assert error["line"] == 31 and error["kind"] == "matmul"
    assert error["fixes"][0].startswith("`d_output @ self.weights_hidden_output.T` gives (4, 4); checked on this run")
    assert any(f.startswith("not offered: `d_output.T @ self.weights_hidden_output` gives (1, 1)")
               for f in error["fixes"])


def test_the_growing_bias_example_is_warned_at_its_update():
    """examples/trace/growing_bias.py runs to the end with b1 grown to (3, 7): one parameter-grows warning."""
    report = trace_script(str(EXAMPLES / "growing_bias.py"), ())
    assert report.error is None
    grows = [w for w in report.warnings if w.kind == "parameter-grows"]
    assert [(w.line, "from (3, 1) to (3, 7)" in w.message) for w in grows] == [(24, True)]
