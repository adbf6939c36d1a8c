"""Issue 24, item 7: ``%shapecheck on`` in a notebook, driven through a real IPython InteractiveShell with
cells as a learner types them. A cell's report is printed only when there is something to say; a failing
cell's report quotes that cell's own lines (and a function's, from the cell that defined it); a ``%run`` of
a script that fails is reported as that failure, never as "exit code 0 ... no shape problems found"."""

import re
import textwrap

import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from tests.shapecheck.test_trace_failures import needs_refusal  # noqa: E402


@pytest.fixture
def notebook(capsys):
    """A shell with the extension loaded; ``run(cell)`` runs one cell as a notebook does (in the history,
    numbered) and returns (its number, everything it printed)."""
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "shapecheck")
    capsys.readouterr()

    def run(cell):
        result = ip.run_cell(textwrap.dedent(cell), store_history=True)
        captured = capsys.readouterr()
        return result.execution_count, _plain(captured.out + captured.err)

    yield run
    ip.run_line_magic("shapecheck", "off")


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_switching_on_says_so_once_and_quiet_cells_print_nothing(notebook):
    _, said = notebook("%shapecheck on")
    assert said.startswith("shapecheck: every cell from here on is traced") and "operation sites" not in said
    for cell in ("import numpy as np", "n_samples, n_in, n_hidden = 7, 5, 3",
                 "X = np.random.randn(n_samples, n_in)\nb1 = np.zeros((1, n_hidden))", "lr = 0.1 * 2"):
        _, printed = notebook(cell)
        assert printed == "", (cell, printed)
    _, printed = notebook("W1 = np.random.randn(n_in, n_hidden)\nZ1 = np.dot(X, W1) + b1\nprint(Z1.shape)")
    assert printed.startswith("(7, 3)\nshapecheck trace: exit code 0; 2 operation sites, 1 matrix products")
    assert "np.dot(X, W1)" in printed


def test_a_failing_cell_quotes_its_own_lines_not_an_earlier_cells(notebook):
    notebook("%shapecheck on")
    notebook("""\
        import numpy as np
        rng = np.random.default_rng(0)
        X = rng.normal(size=(7, 5))
        Y = rng.normal(size=(7, 2))
        W1 = rng.normal(size=(5, 3))
        W2 = rng.normal(size=(3, 2))
    """)
    notebook("A1 = np.tanh(X @ W1)\nA2 = A1 @ W2")
    number, printed = notebook("""\
        dZ2 = (A2 - Y) / 7
        dW2 = A1.T @ dZ2
        dA1 = dZ2 @ W2
    """)
    assert f"FAILED at In[{number}], line 3 (matmul)" in printed
    assert f"Cell In[{number}], line 3" in printed                     # the name IPython's traceback uses
    explanation = printed[printed.index("shapecheck: matmul error"):]
    assert explanation.startswith(f"shapecheck: matmul error at In[{number}], line 3: matrix product")
    assert explanation.splitlines()[1].strip() == "dA1 = dZ2 @ W2"
    assert "got its shape at line 1: dZ2 = (A2 - Y) / 7" in explanation
    assert "W2 = rng.normal" not in explanation.splitlines()[1]
    assert "`dZ2 @ W2.T` gives (7, 3)" in explanation


def test_a_function_from_an_earlier_cell_is_quoted_from_that_cell(notebook):
    notebook("%shapecheck on")
    defined, _ = notebook("""\
        import numpy as np

        def backward(dZ2, W2, A1):
            dA1 = np.dot(dZ2, W2)
            return dA1 * (1 - A1 ** 2)
    """)
    _, printed = notebook("dA1 = backward(np.ones((7, 2)), np.ones((3, 2)), np.ones((7, 3)))")
    assert f"FAILED at In[{defined}], line 4 (dot)" in printed or f"FAILED at In[{defined}], line 4 (matmul)" in printed
    explanation = printed[printed.index("shapecheck: "):]
    assert explanation.splitlines()[1].strip() == "dA1 = np.dot(dZ2, W2)"


def test_a_run_of_a_failing_script_reports_its_failure(notebook, tmp_path):
    script = tmp_path / "train_net.py"
    script.write_text("import numpy as np\nX = np.ones((7, 5))\nW1 = np.ones((3, 5))\nZ1 = X @ W1\nprint('done')\n")
    notebook("%shapecheck on")
    _, printed = notebook(f"%run {script}")
    assert "no shape problems found" not in printed and "exit code 0" not in printed
    assert "FAILED at" in printed and "train_net.py:4" in printed
    assert "`X @ W1.T` gives (7, 3)" in printed
    assert f"%run {script} ran the file untraced" in printed


@needs_refusal
def test_a_run_of_a_script_dying_of_a_non_shape_error_says_so(notebook, tmp_path):
    script = tmp_path / "week3.py"
    script.write_text(textwrap.dedent("""\
        import numpy as np
        Y = np.array([[1, 0, 1, 1, 0, 1, 0]])
        A2 = np.full((1, 7), 0.75)
        predictions = A2 > 0.5
        print('Accuracy: %d' % float((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T)) / float(Y.size) * 100) + '%')
    """))
    notebook("%shapecheck on")
    _, printed = notebook(f"%run {script}")
    assert "FAILED at" in printed and "week3.py:5" in printed and "not a shape error" in printed
    assert "week3.py ran untraced" in printed and "no array operation" not in printed
    assert "write `float((...).item())`" in printed


def test_a_run_of_a_script_that_finishes_says_it_was_not_traced(notebook, tmp_path):
    script = tmp_path / "fine.py"
    script.write_text("import numpy as np\nZ = np.ones((7, 5)) @ np.ones((5, 3))\n")
    notebook("%shapecheck on")
    _, printed = notebook(f"%run {script}")
    assert "ran the file untraced" in printed and "FAILED" not in printed


def test_a_cell_that_never_ran_gets_no_report_and_a_magics_statement_is_quoted_as_written(notebook):
    """A syntax error: IPython says why and nothing was traced. %timeit compiles its statement apart from the
    cell, so its operands are read from that statement, not from the cell text at the same positions."""
    notebook("%shapecheck on")
    notebook("import numpy as np\nW1 = np.ones((5, 3))")
    _, printed = notebook("Z1 = np.dot(np.ones((7, 5)), W1")
    assert "SyntaxError" in printed and "shapecheck trace" not in printed
    _, printed = notebook("%timeit -n1 -r1 np.ones((7, 5)) @ W1")
    assert "np.ones((7, 5)) @ W1" in printed and "get_ipython()" not in printed


def test_a_cell_failing_for_another_reason_says_so_in_the_cells_words(notebook):
    notebook("%shapecheck on")
    notebook("import numpy as np\nparameters = {'W1': np.ones((5, 3)), 'b1': np.zeros((1, 3))}")
    number, printed = notebook("X = np.ones((7, 5))\nZ1 = np.dot(X, parameters['W1']) + parameters['B1']")
    assert f"FAILED at In[{number}], line 2 (KeyError), not a shape error" in printed
    assert f"the cell failed at In[{number}], line 2: KeyError: 'B1'" in printed


def test_functions_defined_while_tracing_still_run_after_it_stops(notebook):
    """A function defined in a traced cell, called after %shapecheck off (or after a %%shapecheck cell),
    raised NameError: name '@sc_binop_matmul' is not defined."""
    notebook("%shapecheck on")
    notebook("import numpy as np\n\ndef forward(X, W1):\n    return np.tanh(X @ W1)")
    notebook("%shapecheck off")
    _, printed = notebook("print(forward(np.ones((7, 5)), np.ones((5, 3))).shape)")
    assert printed.strip() == "(7, 3)", printed
    notebook("%%shapecheck\ndef backward(dZ2, W2):\n    return dZ2 @ W2.T")
    _, printed = notebook("print(backward(np.ones((7, 2)), np.ones((3, 2))).shape)")
    assert printed.strip() == "(7, 3)", printed


def test_tracing_leaves_nothing_in_the_builtins_and_nothing_visible_to_who(notebook):
    import builtins

    notebook("%shapecheck on")
    notebook("import numpy as np\ndef predict(X, W):\n    return X @ W")
    notebook("%shapecheck off")
    assert not [name for name in vars(builtins) if name.startswith("@sc_")]
    _, printed = notebook("%who")
    assert "@sc_" not in printed and "predict" in printed
    notebook("%shapecheck on")
    _, printed = notebook("Z = predict(np.ones((7, 5)), np.ones((3, 5)))")     # traced again: explained
    assert "FAILED at" in printed and "`X @ W.T` gives (7, 3)" in printed


def test_a_failure_of_shapecheck_after_a_cell_is_one_line_not_its_traceback(notebook, monkeypatch):
    from shapecheck.tracing import jupyter

    def broken(*args, **kwargs):
        raise RuntimeError("report failed")

    notebook("%shapecheck on")
    monkeypatch.setattr(jupyter, "build_report", broken)
    _, printed = notebook("import numpy as np\nZ = np.ones((7, 5)) @ np.ones((5, 3))")
    assert "shapecheck could not trace this cell: RuntimeError: report failed" in printed
    assert "please report it" in printed and "Traceback" not in printed and "jupyter.py" not in printed


def test_a_traced_cell_that_never_ran_is_not_called_free_of_shape_problems(notebook, tmp_path):
    _, printed = notebook("%%shapecheck\nimport numpy as np\nZ1 = np.dot(np.ones((7, 5)), np.ones((5, 3))")
    assert "SyntaxError" in printed and "no shape problems found" not in printed
    assert "the cell did not run (SyntaxError, shown above)" in printed
    script = tmp_path / "net.py"
    script.write_text("import numpy as np\nZ = np.ones((7, 5)) @ np.ones((7, 3))\n")
    notebook("%shapecheck on")
    _, printed = notebook(f"%run -i {script}")
    assert f"%run {script} ran the file untraced" in printed and "FAILED at" in printed
