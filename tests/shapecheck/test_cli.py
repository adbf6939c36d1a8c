"""The command line as a user runs it: the installed ``shapecheck`` script and ``python -m shapecheck``."""

import json
import shutil
import subprocess
import sys

import pytest

from shapecheck.cli import main


def run(*args, cwd=None):
    exe = shutil.which("shapecheck")
    command = [exe, *args] if exe else [sys.executable, "-m", "shapecheck", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_demo_trains_xor_and_shows_plan_and_gradients(tmp_path):
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "accuracy 100%" in out
    assert "dW1 = X.T @ dZ1 / n" in out
    assert "gradients OK: 4 tensors" in out
    assert "broken: gradients WRONG in W1, b1" in out
    assert "found: W1[700, 37] (FAIL)" in out
    assert "class TwoLayerNet:" in out                           # the tracer's section uses a class
    assert "FAILED at learner.py:14 (broadcast)" in out and "[outer-broadcast]" in out
    assert "learner.py:9   X @ self.W1" in out
    assert "`(dZ2 @ self.W2.T) * (1 - self.A1 ** 2)` gives (7, 3)" in out
    assert "MISMATCH: network [2, 4, 1], layout 'rows'; derivative-at-activation" in out
    assert "at learner_of_section_4.py:17   dZ1 = (dZ2 @ W2.T) * sigmoid_prime(A1)" in out     # the line, in the learner's file
    assert "\npicture: shapecheck-demo.html: section 6's failure and its fix" in out      # where the page is
    page = (tmp_path / "shapecheck-demo.html").read_text()
    assert page.count("<svg") >= 4 and "<script" not in page and "learner.py:14" in page
    assert result.stderr == ""


def test_demo_html_into_a_missing_folder_is_one_line_before_the_tour(tmp_path):
    """--html into a folder that does not exist: one line naming it, exit 2, no tour and no traceback."""
    result = run("demo", "--html", str(tmp_path / "nowhere" / "demo.html"), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "shapecheck", "plan", "2", "3", "1"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "Z1 = X @ W1 + b1" in result.stdout


def test_plan_two_hidden_layers_numeric_shapes(tmp_path):
    target = tmp_path / "plan.json"
    result = run("plan", "2", "3", "4", "1", "--layout", "columns", "-n", "5", "--json", str(target))
    assert result.returncode == 0
    assert "W2                                         (h2, h1)" in result.stdout.replace("  ", "  ") or \
        "(h2, h1)    (4, 3)" in result.stdout
    data = json.loads(target.read_text())
    assert data["layout"] == "columns" and {s["name"]: s["shape"] for s in data["steps"]}["dZ2"] == [4, 5]


@pytest.mark.parametrize("args, message", [
    (["plan", "2", "x"], "argument SIZE: expected a positive integer, got 'x'"),
    (["plan", "3"], "plan needs at least two layer sizes"),
    (["plan", "2", "3", "1", "--loss", "bce", "--output", "tanh"], "loss 'bce' needs output='sigmoid'"),
    (["plan", "2", "3", "--json", "/nonexistent/dir/p.json"], "No such file or directory"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2_without_traceback(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_main_returns_exit_code(capsys):
    assert main(["plan", "4", "2"]) == 0
    assert "(n, d)" in capsys.readouterr().out


def test_demo_piped_into_head_ends_quietly(tmp_path):
    """`shapecheck demo | head -2` must not print a broken-pipe error."""
    exe = shutil.which("shapecheck") or f"{sys.executable} -m shapecheck"
    result = subprocess.run(f"{exe} demo | head -2", shell=True, capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert "XOR" in result.stdout and "Broken pipe" not in result.stderr and "Traceback" not in result.stderr


def test_grad_command_ok_and_json(tmp_path):
    target = tmp_path / "report.json"
    result = run("grad", "--layers", "4,5,3", "--activation", "tanh", "--loss", "mse", "--layout", "columns",
                 "--json", str(target))
    assert result.returncode == 0, result.stderr
    assert "gradients OK: 4 tensors" in result.stdout and "W1        (5, 4)" in result.stdout
    data = json.loads(target.read_text())
    assert data["ok"] is True and [row["name"] for row in data["rows"]] == ["W1", "b1", "W2", "b2"]


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_grad_command_with_a_planted_error_exits_1_and_names_it(mode):
    result = run("grad", "--layers", "4,5,3", "--loss", "softmax-cross-entropy", "--mode", mode, "--plant", "W2[3,1]")
    assert result.returncode == 1
    assert "gradients WRONG in W2: W2[3, 1]" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["grad", "--layers", "4"], "expected at least two positive sizes"),
    (["grad", "--layers", "4,x"], "expected sizes like 4,5,3"),
    (["grad", "--layers", "4,5,3", "--plant", "W2[9,0]"], "--plant index [9, 0] is outside W2"),
    (["grad", "--layers", "4,5,3", "--loss", "bce", "--output", "tanh"], "loss 'bce' needs output='sigmoid'"),
])
def test_grad_usage_errors(args, message):
    result = run(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_each_command_is_one_module_over_the_shared_exit_codes():
    """shapecheck/cli/ has one module per command, each with NAME, add_parser and run; the exit codes are the
    guide's (docs/command-line.md: 0 ok, 1 found something wrong, 2 a usage error, 3 trace could not trace all)."""
    import shapecheck.cli as cli
    from shapecheck.cli import common

    assert list(cli.COMMANDS) == ["demo", "plan", "grad", "compare", "trace"]
    for name, module in cli.COMMANDS.items():
        assert module.__name__ == f"shapecheck.cli.{name}" and callable(module.add_parser) and callable(module.run)
    assert (common.EXIT_OK, common.EXIT_FAILED, common.EXIT_USAGE, common.EXIT_INTERNAL) == (0, 1, 2, 3)


CRASHING_BACKPROP = """\
import numpy as np


def factory():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 2)), rng.normal(size=(7, 1))
    params = {"W1": rng.normal(size=(2, 3)), "b1": np.zeros((1, 3)), "W2": rng.normal(size=(3, 1)),
              "b2": np.zeros((1, 1))}

    def gradients(X, Y):
        raise ValueError("my backprop is unfinished")

    return dict(X=X, Y=Y, params=params, gradients=gradients, activation="tanh", output="identity", loss="mse")
"""


@pytest.mark.parametrize("args, code, error, message", [
    (["compare", "{tmp}/sub.py:nothing"], 2, "ConfigurationError", "sub.py has no function 'nothing'"),
    (["compare", "{tmp}/sub.py:factory"], 1, "LearnerCodeError", "raised ValueError: my backprop is unfinished"),
    (["trace", "nomodule:func"], 2, "ScriptNotFoundError", "no module named 'nomodule'"),
    (["compare", "{tmp}/none.py:factory"], 2, "ConfigurationError", "none.py does not exist"),
    (["plan", "3"], 2, "ConfigurationError", "plan needs at least two layer sizes (d t), got [3]"),
])
def test_an_error_goes_to_the_json_file_too(tmp_path, args, code, error, message):
    """With --json FILE an error's facts are written there (type, message, name, expected, got, exit code),
    besides the one line on stderr."""
    (tmp_path / "sub.py").write_text(CRASHING_BACKPROP)
    target = tmp_path / "out.json"
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = subprocess.run([sys.executable, "-m", "shapecheck", args[0], "--json", str(target), *args[1:]],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == code and message in result.stderr, result.stderr
    data = json.loads(target.read_text())
    assert data["error"] == error and message in data["message"] and data["exit_code"] == code
    assert set(data) == {"error", "message", "name", "expected", "got", "exit_code"}
