"""The command line of `shapecheck trace` (issue 11, part B): a function's arguments, shapecheck options
written after the script, tracebacks with only the learner's frames, and JSON that carries the text report."""

import json
import textwrap

import pytest

from .test_trace_examples import EXAMPLES, run_cli

FUNCTIONS = """\
import numpy as np


def show(*args, **kwargs):
    print("args", repr(args), "kwargs", repr(kwargs))


def train(n, h=3, scale=1.0):
    print("train", repr(n), repr(h), repr(scale))
    X, W = np.ones((n, 5)), np.ones((5, h))
    return X @ W * scale


def nothing():
    print("called")
"""


@pytest.fixture
def functions(tmp_path):
    (tmp_path / "nets.py").write_text(FUNCTIONS)
    return tmp_path


def _stdout_of(result):
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# -- 1. FILE.py:FUNC ARGS --------------------------------------------------------------------------------

def test_function_target_receives_its_arguments(functions):
    result = run_cli("trace", "nets.py:train", "7", "2", cwd=functions)
    assert _stdout_of(result) == "train 7 2 1.0"
    assert "2 matrix products" not in result.stderr and "1 matrix products" in result.stderr


def test_literals_become_values_and_other_words_strings(functions):
    result = run_cli("trace", "nets.py:show", "3", "abc", "-0.5", "[7, 5, 3]", "'3'", "None", "data.csv",
                     cwd=functions)
    assert _stdout_of(result) == "args (3, 'abc', -0.5, [7, 5, 3], '3', None, 'data.csv') kwargs {}"


def test_name_equals_value_is_a_keyword_for_a_parameter(functions):
    result = run_cli("trace", "nets.py:train", "scale=0.5", "7", "h=2", cwd=functions)
    assert _stdout_of(result) == "train 7 2 0.5"
    # not a parameter of show(): passed as the string it is
    assert _stdout_of(run_cli("trace", "nets.py:show", "a=1", cwd=functions)) == "args ('a=1',) kwargs {}"


@pytest.mark.parametrize("args, why", [
    (["nothing", "1"], "too many positional arguments"),
    (["train", "7", "2", "0.5", "x"], "too many positional arguments"),
    (["train"], "missing a required argument: 'n'"),
    (["train", "7", "n=5"], "multiple values for argument 'n'"),
])
def test_arguments_that_do_not_fit_are_refused_in_one_line(functions, args, why):
    name, *rest = args
    result = run_cli("trace", f"nets.py:{name}", *rest, cwd=functions)
    assert result.returncode == 2
    assert result.stdout == ""                                    # the function was not called
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"shapecheck trace: error: {name}(")
    assert why in lines[0] and "Traceback" not in result.stderr
    signature = {"nothing": "nothing()", "train": "train(n, h=3, scale=1.0)"}[name]
    assert signature in lines[0]


# -- 2. shapecheck options after the script ------------------------------------------------------------------

ARGV = """\
import sys
print(sys.argv[1:])
"""


@pytest.fixture
def argv_script(tmp_path):
    (tmp_path / "show_argv.py").write_text(ARGV)
    return tmp_path


def test_json_after_the_script_goes_to_the_script_and_the_report_says_so(argv_script):
    result = run_cli("trace", "show_argv.py", "--json", "out.json", cwd=argv_script)
    assert result.returncode == 0
    assert result.stdout.strip() == "['--json', 'out.json']"      # as `python show_argv.py --json out.json`
    assert not (argv_script / "out.json").exists()
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("note: --json out.json came after show_argv.py, so it went to the script's sys.argv, as with "
                    "python; put shapecheck options before the script: shapecheck trace --json out.json show_argv.py")


def test_every_trace_option_after_the_script_is_named(argv_script):
    result = run_cli("trace", "--all", "show_argv.py", "5", "--strict", "--json=r.json", "-v", cwd=argv_script)
    assert result.stdout.strip() == "['5', '--strict', '--json=r.json', '-v']"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("note: --strict and --json=r.json came after show_argv.py, so they went to")
    assert last.endswith("shapecheck trace --all --strict --json=r.json show_argv.py 5 -v")


def test_strict_after_the_script_does_not_make_trace_strict(tmp_path):
    script = tmp_path / "outer.py"
    script.write_text((EXAMPLES / "silent_outer_broadcast.py").read_text())
    result = run_cli("trace", str(script), "--strict")
    assert result.returncode == 0 and "[outer-broadcast]" in result.stderr
    assert "note: --strict came after" in result.stderr.strip().splitlines()[-1]


def test_the_note_is_in_the_json_too(argv_script):
    result = run_cli("trace", "--json", "r.json", "show_argv.py", "--all", cwd=argv_script)
    data = json.loads((argv_script / "r.json").read_text())
    (note,) = data["notes"]
    assert note["kind"] == "options-after-script" and note["options"] == ["--all"]
    assert f"note: {note['message']}" in result.stderr
    assert data["summary"].endswith("see the note below")


def test_script_arguments_that_are_not_trace_options_get_no_note(argv_script):
    result = run_cli("trace", "show_argv.py", "--jsonl", "x", "--verbose", "--", "all", cwd=argv_script)
    assert result.stdout.strip() == "['--jsonl', 'x', '--verbose', '--', 'all']"
    assert "note" not in result.stderr


def test_options_after_a_function_target_are_named_too(functions):
    result = run_cli("trace", "nets.py:show", "--strict", cwd=functions)
    assert result.stdout.strip() == "args ('--strict',) kwargs {}"
    assert "note: --strict came after nets.py:show, so it went to the function as an argument" in result.stderr
    refused = run_cli("trace", "nets.py:nothing", "--all", cwd=functions)
    assert refused.returncode == 2 and refused.stderr.startswith("shapecheck trace: error: nothing()")
    assert "note: --all came after nets.py:nothing" in refused.stderr


# -- 3. tracebacks show only the learner's frames ------------------------------------------------------------

def _only_learner_frames(stderr, *expected):
    assert "Traceback (most recent call last)" in stderr
    frames = [line for line in stderr.splitlines() if line.startswith('  File "')]
    assert frames, stderr
    for frame in frames:
        assert "shapecheck/" not in frame and "<shapecheck" not in frame and "<frozen importlib" not in frame, frame
    for text in expected:
        assert text in stderr


LAYERS = """\
import numpy as np


def dense_backward(dZ, W):
    return dZ @ W                           # BUG: should be dZ @ W.T
"""

NET = """\
import numpy as np
from layers import dense_backward


class Net:
    def __init__(self):
        self.W = np.ones((5, 3))

    def backward(self, dZ):
        return dense_backward(dZ, self.W)


def run():
    Net().backward(np.ones((7, 3)))


if __name__ == "__main__":
    run()
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "layers.py").write_text(LAYERS)
    (tmp_path / "net.py").write_text(NET)
    (tmp_path / "broken_at_import.py").write_text(textwrap.dedent("""\
        import numpy as np
        Z = np.ones((7, 5)) @ np.ones((3, 2))


        def run():
            pass
    """))
    (tmp_path / "imports_broken.py").write_text("import broken_at_import\n")
    return tmp_path


def test_script_failing_in_a_class_method_in_an_imported_module(project):
    result = run_cli("trace", "net.py", cwd=project)
    assert result.returncode == 1
    _only_learner_frames(result.stderr, "in backward", "in dense_backward", "in <module>", "in run")


def test_script_importing_a_failing_local_module(project):
    result = run_cli("trace", "imports_broken.py", cwd=project)
    assert result.returncode == 1
    _only_learner_frames(result.stderr, "broken_at_import.py\", line 2, in <module>")


def test_function_target_failing_in_a_class_method(project):
    result = run_cli("trace", "net.py:run", cwd=project)
    assert result.returncode == 1
    _only_learner_frames(result.stderr, "in run", "in backward", "in dense_backward")


def test_function_target_whose_module_fails_at_import(project):
    result = run_cli("trace", "broken_at_import.py:run", cwd=project)
    assert result.returncode == 1
    _only_learner_frames(result.stderr, "broken_at_import.py\", line 2, in <module>")
    assert "matmul error at broken_at_import.py:2" in result.stderr


# -- 4. the JSON carries what the text report shows ------------------------------------------------------------

def test_json_error_carries_the_explanation_and_its_fixes(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("trace", "--json", str(target), str(EXAMPLES / "matmul_mismatch.py"))
    data = json.loads(target.read_text())
    error = data["error"]
    assert error["fixes"][0].startswith("`dZ2 @ W2.T` gives (7, 3); checked on this run")
    assert error["fix_checks"][0] == {"text": "dZ2 @ W2.T", "status": "fits", "result": [7, 3],
                                      "evidence": "checked on this run: `dA1` gets the shape of `A1` (7, 3)",
                                      "checked_on_this_run": True}
    assert error["explanation"].startswith("shapecheck: matmul error at ")
    assert "matmul_mismatch.py:11: matrix product" in error["explanation"]
    assert error["explanation"] in result.stderr          # the same text, shown under the traceback
    for fix in error["fixes"]:
        assert f"    {fix}" in error["explanation"]
    report_lines = result.stderr[result.stderr.index("shapecheck trace: exit code"):].splitlines()
    assert data["summary"] == report_lines[0]


def test_json_carries_the_warnings_and_verdict_of_the_text_report(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("trace", "--json", str(target), str(EXAMPLES / "silent_outer_broadcast.py"))
    data = json.loads(target.read_text())
    assert data["error"] is None and data["notes"] == []
    assert data["summary"] in result.stderr.splitlines()
    for warning in data["warnings"]:
        assert f"  {warning['file']}:{warning['line']} [{warning['kind']}] {warning['message']}" in result.stderr
