"""The traced program behaves exactly like the untraced one: names, argv, exit codes, order, errors."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from shapecheck import trace, trace_script
from shapecheck.tracing.runner import ScriptNotFoundError
from tests.shapecheck.test_trace_examples import run_cli


def write(tmp_path, name, code):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code))
    return path


def both(tmp_path, code, *argv, stdin=None):
    """(untraced, traced) CompletedProcess of the same script."""
    path = write(tmp_path, "prog.py", code)
    plain = subprocess.run([sys.executable, str(path), *argv], capture_output=True, text=True, input=stdin,
                           timeout=60, cwd=tmp_path)
    return plain, run_cli("trace", str(path), *argv, stdin=stdin, cwd=tmp_path)


def test_main_argv_file_and_exit_code(tmp_path):
    plain, traced_run = both(tmp_path, """
        import sys
        print(__name__, sys.argv[1:], __file__.endswith("prog.py"))
        sys.exit(int(sys.argv[1]))
    """, "3")
    assert traced_run.stdout == plain.stdout == "__main__ ['3'] True\n"
    assert traced_run.returncode == plain.returncode == 3


def test_sys_exit_with_message_and_stdin(tmp_path):
    plain, traced_run = both(tmp_path, """
        import sys
        data = sys.stdin.read()
        print(data.upper(), end="")
        sys.exit("bye")
    """, stdin="hello\n")
    assert traced_run.stdout == plain.stdout == "HELLO\n"
    assert traced_run.returncode == plain.returncode == 1 and "bye" in traced_run.stderr


def test_non_shape_error_keeps_type_message_and_learner_traceback(tmp_path):
    plain, traced_run = both(tmp_path, """
        def helper(x):
            return x["missing"]
        helper({})
    """)
    assert traced_run.returncode == plain.returncode == 1
    assert plain.stderr.strip().splitlines()[-1] == "KeyError: 'missing'"
    assert "KeyError: 'missing'" in traced_run.stderr and "line 3, in helper" in traced_run.stderr
    assert "shapecheck" not in traced_run.stderr.split("shapecheck trace:")[0]


def test_syntax_error_is_shown_like_python(tmp_path):
    plain, traced_run = both(tmp_path, "x = (1,\n")
    assert traced_run.returncode == plain.returncode == 1
    assert "SyntaxError" in traced_run.stderr and "prog.py" in traced_run.stderr
    assert "Traceback" not in traced_run.stderr


def test_missing_script_is_a_usage_error(tmp_path):
    result = run_cli("trace", str(tmp_path / "nope.py"))
    assert result.returncode == 2 and "no such script" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(ScriptNotFoundError):
        trace_script(str(tmp_path / "nope.py"))


def test_augmented_assignment_evaluates_target_once_and_stays_in_place(tmp_path):
    plain, traced_run = both(tmp_path, """
        import numpy as np
        calls = []
        class Box:
            def __init__(self):
                self.w = np.zeros((2, 3))
        def box():
            calls.append("box")
            return holder
        def index():
            calls.append("index")
            return 1
        holder = Box()
        w = holder.w
        box().w += np.ones((2, 3))
        grid = np.zeros((3, 3))
        view = grid[1]
        (calls.append("grid") or grid)[index()] += np.arange(3.0)
        print(calls, w is holder.w, float(w.sum()), grid[1].tolist(), view.tolist())
    """)
    assert traced_run.stdout == plain.stdout
    assert "['box', 'grid', 'index'] True 6.0 [0.0, 1.0, 2.0] [0.0, 1.0, 2.0]" in plain.stdout


def test_relative_imports_inside_a_local_package(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/ops.py", "from .util import double\ndef run(a, b):\n    return double(a) @ b\n")
    write(tmp_path, "pkg/util.py", "def double(x):\n    return x + x\n")
    plain, traced_run = both(tmp_path, """
        import numpy as np
        from pkg.ops import run
        print(run(np.ones((2, 3)), np.ones((3, 4))).shape)
    """)
    assert traced_run.stdout == plain.stdout == "(2, 4)\n" and traced_run.returncode == 0
    assert "ops.py:3" in traced_run.stderr and "double(a) @ b" in traced_run.stderr


def test_module_function_target(tmp_path):
    write(tmp_path, "lib.py", """
        import numpy as np
        def main():
            print((np.ones((4, 2)) @ np.ones((2, 3))).shape)
    """)
    result = run_cli("trace", "lib.py:main", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "(4, 3)\n" and "lib.py:4" in result.stderr
    assert run_cli("trace", "lib.py:nothing", cwd=tmp_path).returncode == 2


def test_a_long_loop_keeps_one_record_per_signature(tmp_path):
    path = write(tmp_path, "loop.py", """
        import numpy as np
        a, w5, w4 = np.ones((3, 2)), np.ones((2, 5)), np.ones((2, 4))
        for i in range(10_000):
            b = a @ (w5 if i % 2 else w4)
    """)
    report = trace_script(str(path))
    (site,) = [s for s in report.sites if s.op == "@" and len(s.signatures) == 2]
    assert sorted(sig["count"] for sig in site.signatures) == [5000, 5000]


def test_trace_a_function_with_a_closure():
    scale = np.full((1, 3), 2.0)

    def forward(X, W):
        return (X @ W) * scale

    report = trace(forward)(np.ones((4, 2)), np.ones((2, 3)))
    assert report.value.shape == (4, 3) and report.exit_code == 0
    assert [s.expr for s in report.matrix_products()] == ["X @ W"]

    failing = trace(forward)(np.ones((4, 2)), np.ones((3, 3)))
    assert failing.exit_code == 1 and failing.error["kind"] == "matmul"
    assert isinstance(failing.exception, ValueError)


def test_torch_tensors_simply_work(tmp_path):
    pytest.importorskip("torch")
    path = write(tmp_path, "t.py", """
        import torch
        a, b = torch.ones(4, 2), torch.ones(2, 3)
        c = a @ b
        d = torch.ones(4, 1) - torch.ones(4)
    """)
    report = trace_script(str(path))
    assert report.exit_code == 0
    assert any(s.expr == "a @ b" and s.signatures[0]["result"] == [4, 3] for s in report.sites)
    assert any(w.kind == "outer-broadcast" for w in report.warnings)


def test_comparisons_are_not_mistaken_for_in_place_updates(tmp_path):
    path = write(tmp_path, "cmp.py", """
        import numpy as np
        W, db = np.ones((3, 4)), np.ones((1, 1))
        mask = W <= db
        W -= db
    """)
    report = trace_script(str(path))
    assert [(w.line, w.kind) for w in report.warnings] == [(5, "inplace-broadcast")]


def test_class_methods_with_private_attributes_trace_like_python(tmp_path):
    """The rewrite's own names are never mangled: a class with self.__w runs and its products are listed."""
    plain, traced_run = both(tmp_path, """
        import numpy as np

        class Net:
            def __init__(self):
                self.__w = np.ones((5, 3))
                self.__b = np.zeros((1, 3))

            def __forward(self, X):
                return X @ self.__w + self.__b

            def step(self, X):
                out = self.__forward(X)
                self.__w -= 0.1 * X.T @ out
                return out

        print(Net().step(np.ones((7, 5))).shape)
    """)
    assert traced_run.stdout == plain.stdout == "(7, 3)\n"
    assert traced_run.returncode == plain.returncode == 0
    assert "X @ self.__w" in traced_run.stderr and "(7, 5) , (5, 3)" in traced_run.stderr


def test_trace_a_method_that_uses_private_names_and_super():
    """trace(obj.method) compiles the method as if inside its class: self.__w and super() keep working."""
    report = trace(_Child().forward)(np.ones((7, 5)))
    assert report.exception is None and report.value.shape == (7, 3)
    assert [s.expr for s in report.matrix_products()] == ["X @ self.__w"]


class _Parent:
    def scale(self, value):
        return value * 2.0


class _Child(_Parent):
    def __init__(self):
        self.__w = np.ones((5, 3))

    def forward(self, X):
        return super().scale(X @ self.__w)


def test_numpy_warnings_point_at_the_learners_lines_once_per_line(tmp_path):
    """A RuntimeWarning of a traced operation is shown at the learner's line, once per line as Python
    does, not once for the tracer's operator function."""
    plain, traced_run = both(tmp_path, """
        import numpy as np
        a = np.zeros(3)
        x = a / a
        y = a / a
        for i in range(3):
            z = a / a
    """)
    shown = [line for line in plain.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(shown) == 3 and all("prog.py:" in line for line in shown)
    assert [line for line in traced_run.stderr.splitlines() if "RuntimeWarning" in line] == shown


def test_a_warning_made_an_error_by_the_learner_stays_theirs(tmp_path):
    path = write(tmp_path, "prog.py", """
        import warnings
        import numpy as np
        warnings.simplefilter("error")
        x = np.zeros(3) / np.zeros(3)
    """)
    result = run_cli("trace", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert "RuntimeWarning: invalid value encountered in divide" in result.stderr
    assert "could not trace" not in result.stderr and "<shapecheck" not in result.stderr


def test_a_syntax_error_in_an_imported_local_module_reads_as_python_prints_it(tmp_path):
    write(tmp_path, "broken.py", "def f(:\n    pass\n")
    plain, traced_run = both(tmp_path, """
        import numpy as np
        import broken
    """)
    assert traced_run.returncode == plain.returncode == 1
    python_traceback = plain.stderr
    assert traced_run.stderr.startswith(python_traceback)
    assert "could not trace" not in traced_run.stderr and "frozen" not in traced_run.stderr


def test_numpy_function_warnings_point_at_the_learners_line_too(tmp_path):
    """A warning raised inside a numpy function the tracer called (``.mean`` of an empty batch) is shown at
    the learner's line, once per line, as untraced."""
    plain, traced_run = both(tmp_path, """
        import numpy as np
        empty = np.zeros((0, 4))
        grad_mean = empty.mean(axis=0)
        loss_mean = empty.mean(axis=0)
    """)
    shown = [line for line in plain.stderr.splitlines() if "Mean of empty slice" in line]
    assert len(shown) == 2 and all("prog.py:" in line for line in shown)
    assert [line for line in traced_run.stderr.splitlines() if "Mean of empty slice" in line] == shown


def test_modules_reached_through_a_folder_the_script_adds_to_sys_path_are_traced(tmp_path):
    """A book's habit: ``ch04/train.py`` does ``sys.path.append(os.pardir)`` and imports ``common.functions``;
    a silent outer broadcast there went unreported ("no shape problems found")."""
    import io
    import os

    from shapecheck import trace_script

    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "functions.py").write_text(
        "import numpy as np\n\ndef mean_squared_error(y, t):\n    return 0.5 * np.sum((y - t) ** 2) / len(y)\n")
    (tmp_path / "ch04").mkdir()
    script = tmp_path / "ch04" / "train.py"
    script.write_text("import os, sys\nsys.path.append(os.path.join(os.path.dirname(__file__), os.pardir))\n"
                      "import numpy as np\nfrom common.functions import mean_squared_error\n"
                      "print(mean_squared_error(np.ones((7, 1)), np.zeros(7)))\n")
    report = trace_script(str(script), stderr=io.StringIO())
    assert report.exit_code == 0
    assert {(w.file.replace(os.sep, "/").split("/")[-1], w.line, w.kind) for w in report.warnings} == {
        ("functions.py", 4, "outer-broadcast"), ("functions.py", 4, "rank-1")}, str(report)


def test_modules_beside_the_script_are_traced_even_inside_a_virtual_environment(tmp_path, monkeypatch):
    """A learner who made the venv in the project folder (``python -m venv .``): sys.prefix is the script's own
    folder, and its modules there are still the learner's."""
    import io
    import os

    from shapecheck import trace_script
    from shapecheck.tracing import runner

    monkeypatch.setattr(runner, "_NOT_LEARNERS", runner._NOT_LEARNERS + (str(tmp_path) + os.sep,))
    (tmp_path / "helpers.py").write_text("def loss(y, t):\n    return ((y - t) ** 2).sum()\n")
    script = tmp_path / "train.py"
    script.write_text("import numpy as np\nfrom helpers import loss\nprint(loss(np.ones((7, 1)), np.zeros(7)))\n")
    report = trace_script(str(script), stderr=io.StringIO())
    assert ("helpers.py", 2, "outer-broadcast") in {(w.file, w.line, w.kind) for w in report.warnings}, str(report)
