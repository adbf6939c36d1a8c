"""Jupyter (IPython in the test extra): %load_ext shapecheck, %%shapecheck, %shapecheck on/off,
and shapecheck.explain_errors() for code that was not traced."""

import re

import numpy as np
import pytest

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from shapecheck.tracing.excepthook import explain_exception  # noqa: E402


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "shapecheck")
    ip.run_cell("import numpy as np")
    yield ip
    ip.run_line_magic("shapecheck", "off")


def test_cell_magic_reports_matrix_products_and_shows_the_value(shell, capsys):
    shell.run_cell_magic("shapecheck", "", "a = np.ones((4, 2))\nb = np.ones((2, 3))\n(a @ b).shape\n")
    out = capsys.readouterr().out
    assert "(4, 3)" in out                                     # the cell's value, displayed by IPython
    assert "a @ b" in out and "(4, 2) , (2, 3)" in out and "no shape problems found" in out
    assert shell.user_ns["a"].shape == (4, 2)
    assert not any(type(t).__name__ == "_EveryCell" for t in shell.ast_transformers)


def test_cell_magic_explains_a_failure(shell, capsys):
    shell.run_cell("%%shapecheck\ndZ = np.ones((5, 2))\nW = np.ones((3, 2))\ndA = dZ @ W\n")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert re.search(r"FAILED at In\[\d+\](#\d+)?, line 3 \(matmul\)", text) and "`dZ @ W.T` gives (5, 3)" in text
    assert "ValueError" in text                                # IPython's own traceback display


def test_report_html(shell, capsys):
    from shapecheck.tracing.jupyter import ReportDisplay
    from shapecheck import trace

    def f(x):
        return x @ x.T

    html = ReportDisplay(trace(f)(np.ones((3, 2))))._repr_html_()
    assert "<table" in html and "x @ x.T" in html


def test_every_cell_mode_uses_ast_transformers(shell, capsys):
    shell.run_line_magic("shapecheck", "on")
    assert any(type(t).__name__ == "_EveryCell" for t in shell.ast_transformers)
    shell.run_cell("y = np.ones((7, 1)) - np.ones(7)")
    out = capsys.readouterr().out
    assert "outer-broadcast" in out
    shell.run_line_magic("shapecheck", "off")
    assert not any(type(t).__name__ == "_EveryCell" for t in shell.ast_transformers)
    shell.run_cell("z = np.ones((7, 1)) - np.ones(7)")
    assert "outer-broadcast" not in capsys.readouterr().out


def untraced_backward(dZ2, W2, A1):
    return dZ2 * W2 * A1


def test_explain_exception_for_untraced_code():
    dZ2, W2, A1 = np.ones((5, 2)), np.ones((3, 2)), np.ones((5, 3))
    with pytest.raises(ValueError) as info:
        untraced_backward(dZ2, W2, A1)
    text = explain_exception(info.value)
    assert "broadcast error" in text and "`dZ2`" in text and "(5, 2)" in text and "(3, 2)" in text


def test_explain_errors_installs_a_hook_once(monkeypatch):
    import sys

    from shapecheck import explain_errors

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    explain_errors()
    explain_errors()
    assert getattr(sys.excepthook, "_shapecheck", False)


def test_a_failing_traced_cell_still_fails_and_is_explained_once(shell, capsys):
    result = shell.run_cell("%%shapecheck\ndZ = np.ones((5, 2))\nW = np.ones((3, 2))\ndA = dZ @ W\n")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert not result.success                             # "Run All" stops here, as without the magic
    assert text.count("`dZ @ W.T` gives (5, 3)") == 1     # the explanation once (in the report)


def test_a_failure_in_a_loop_shows_the_learners_line_not_the_tracers_frames(shell, capsys):
    """After the loop's expression got its fast path, the last iteration fails: IPython's traceback shows the
    cell's line and skips the fast and slow paths' frames (``__tracebackhide__``); only the frame that raised
    (numpy's operator, run by the tracer) stays, as IPython never hides that one."""
    shell.run_cell("%%shapecheck\nX, W, b = np.ones((7, 5)), np.ones((5, 3)), np.zeros((1, 3))\n"
                   "for i in range(4):\n    if i == 3:\n        b = np.zeros((3, 1))\n    Z = np.tanh(X @ W + b)\n")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Z = np.tanh(X @ W + b)" in text and "skipping hidden" in text
    assert "fused expression" not in text


def test_a_failing_cells_fixes_are_checked_on_its_run(shell, capsys):
    """A cell's code is named by IPython (``<ipython-input-...>``, a kernel's temporary file), its sites
    ``In[7]``: the failure still finds the cell's frame, so its fixes are checked as a script's are."""
    shell.run_cell("%%shapecheck\nX, W, b = np.ones((7, 5)), np.ones((5, 3)), np.zeros((1, 3))\n"
                   "for i in range(4):\n    if i == 3:\n        b = np.zeros((3, 1))\n    Z = np.tanh(X @ W + b)\n")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "fixes that would work:" in text and "not checked on a run" not in text
    assert "`X @ W + b.reshape(-1)` gives (7, 3); checked on this run" in text
