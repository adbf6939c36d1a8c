"""`shapecheck trace course.ipynb` (issue 26, item 4): a notebook's code cells run in order, places said as
"course.ipynb, cell 3, line 2", IPython lines skipped and said so, the same report, --json and exit codes
as a script. The notebooks are written here as a course writes them (json of nbformat 4), samples as
columns, parameters in a dict."""

import json
from pathlib import Path

import pytest

from shapecheck.tracing.notebook import trace_notebook
from shapecheck.tracing.notebook_cells import read_notebook

from .test_trace_examples import run_cli


def notebook(folder, name, cells, *, as_lists=True):
    """Write ``cells`` ([("code" | "markdown", text), ...]) as an nbformat 4 notebook; the path."""
    out = []
    for kind, text in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True) if as_lists else text}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    path = folder / name
    path.write_text(json.dumps({"cells": out, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
                                "nbformat_minor": 5}, indent=1))
    return path


SETUP = """\
import numpy as np
np.random.seed(1)
n_x, n_h, n_y, m = 5, 3, 2, 7          # inputs, hidden units, outputs, examples
X = np.random.randn(n_x, m)            # one example per column
Y = np.random.randn(n_y, m)
"""

PARAMETERS = """\
def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

parameters = initialize_parameters(n_x, n_h, n_y)
"""

FORWARD = """\
def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    return Z2, {"Z1": Z1, "A1": A1, "Z2": Z2}
"""

BACKWARD = """\
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["Z2"] - Y
    dW2 = np.dot(dZ2, cache["A1"].T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(parameters["W2"]{transposed}, dZ2) * (1 - np.power(cache["A1"], 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {{"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}}
"""

TRAIN = """\
for i in range(10):
    Z2, cache = forward_propagation(X, parameters)
    grads = backward_propagation(parameters, cache, X, Y)
    for key in ("W1", "b1", "W2", "b2"):
        parameters[key] = parameters[key] - 0.5 * grads["d" + key]
print("cost", float(np.mean((Z2 - Y) ** 2)))
"""


def course(folder, *, transposed=".T"):
    return notebook(folder, "course.ipynb", [
        ("markdown", "# Week 3: a network with one hidden layer\nRun every cell in order."),
        ("code", SETUP), ("markdown", "## Parameters"), ("code", PARAMETERS), ("code", FORWARD),
        ("code", BACKWARD.format(transposed=transposed)), ("code", TRAIN), ("code", 'print("done")\n')])


# -- a correct notebook ------------------------------------------------------------------------------------

def test_a_correct_notebook_runs_every_cell_and_is_ok(tmp_path, capsys):
    report = trace_notebook(course(tmp_path))
    assert report.ok and report.exit_code == 0, report.render()
    assert report.summary.endswith("no shape problems found")
    assert capsys.readouterr().out.splitlines()[-1] == "done"
    text = report.render()
    # the products are placed in their cells, counted among code cells only (the markdown cells are not)
    assert "course.ipynb, cell 3, line 2  np.dot(parameters[\"W1\"], X)" in text
    assert "course.ipynb, cell 4, line 4  np.dot(dZ2, cache[\"A1\"].T)" in text
    sites = report.to_dict()["sites"]
    assert {"file": "course.ipynb", "cell": 3, "line": 2} == {k: sites[0][k] for k in ("file", "cell", "line")}
    assert list(sites[0])[:3] == ["file", "cell", "line"]
    assert report.notes == ()


# -- a failing cell -----------------------------------------------------------------------------------------

def test_a_failing_cell_is_named_with_its_line_operands_and_the_fix(tmp_path, capsys):
    report = trace_notebook(course(tmp_path, transposed=""))
    assert report.exit_code == 1 and report.verdict == "failed"
    error = report.error
    assert (error["file"], error["cell"], error["line"], error["kind"]) == ("course.ipynb", 4, 6, "matmul")
    assert error["operands"] == [{"expr": 'parameters["W2"]', "shape": [2, 3]}, {"expr": "dZ2", "shape": [2, 7]}]
    assert "FAILED at course.ipynb, cell 4, line 6 (matmul)" in report.summary
    text = report.error_text
    assert "matmul error at course.ipynb, cell 4, line 6:" in text
    assert 'dZ1 = np.dot(parameters["W2"], dZ2)' in text.splitlines()[1]
    # where dZ2 got its shape: this cell; the checked fix follows the result to the cell's next line
    assert "got its shape at cell 4, line 3: dZ2 = cache[\"Z2\"] - Y" in text
    assert '`parameters["W2"]`  (2, 3)     an element of `parameters`, an argument of backward_propagation()' in text
    assert error["fixes"][0].startswith('`parameters["W2"].T @ dZ2` gives (3, 7); checked on this run')
    assert "3002" not in json.dumps(report.to_dict()) and "4006" not in text
    # the traceback names the cells, innermost last
    shown = capsys.readouterr()
    assert 'course.ipynb", cell 5, line 3, in <module>' in shown.err
    assert 'course.ipynb", cell 4, line 6, in backward_propagation' in shown.err
    # Run All stops there: the last cell did not run, and a note says so
    assert "done" not in shown.out
    assert report.notes[-1]["cells"] == [6]
    assert report.notes[-1]["message"] == ("cell 6 of course.ipynb did not run: the run stopped in cell 5, as "
                                           "Jupyter's Run All does")


def test_an_operand_made_in_an_earlier_cell_is_found_there(tmp_path):
    path = notebook(tmp_path, "week2.ipynb", [
        ("code", "import numpy as np\nrng = np.random.default_rng(0)\n"),
        ("code", "w = rng.normal(size=(5, 1))\nb = 0.0\n"),
        ("code", "X = rng.normal(size=(7, 5))\nA = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))\n")])
    report = trace_notebook(path)
    assert (report.error["cell"], report.error["line"]) == (3, 2)
    assert "`w.T`" in report.error_text
    assert "`w` got its shape at cell 2, line 1: w = rng.normal(size=(5, 1))" in report.error_text
    assert "`X`    (7, 5)     got its shape at cell 3, line 1" in report.error_text


def test_an_operand_no_cell_assigns_is_said_so_in_cells(tmp_path):
    path = notebook(tmp_path, "made.ipynb", [
        ("code", "import numpy as np\nfor name, shape in [('W1', (3, 5)), ('W2', (2, 3))]:\n"
                 "    globals()[name] = np.ones(shape)\n"),
        ("code", "H = np.ones((5, 7))\nOut = W2 @ H\n")])
    text = trace_notebook(path).error_text
    assert "`W2`  (2, 3)     not assigned in the cells run so far (imported, or made by a loop or a call" in text


def test_a_cell_that_python_cannot_read_stops_the_run_there(tmp_path, capsys):
    path = notebook(tmp_path, "typo.ipynb", [
        ("code", "import numpy as np\nW = np.ones((3, 5))\nprint('cell 1 ran')\n"),
        ("code", "Z = np.dot(W, np.ones((5, 7))\nprint(Z.shape)\n"), ("code", "print('cell 3 ran')\n")])
    report = trace_notebook(path)
    assert report.exit_code == 1 and report.stopped["exception"] == "SyntaxError"
    assert (report.stopped["cell"], report.stopped["line"]) == (2, 1)
    assert "Python could not read cell 2; nothing of that cell or the cells after it ran" in report.render()
    out = capsys.readouterr()
    assert out.out == "cell 1 ran\n"
    assert 'typo.ipynb", cell 2, line 1' in out.err


def test_a_name_error_in_a_cell_is_not_a_shape_error(tmp_path, capsys):
    path = notebook(tmp_path, "order.ipynb", [
        ("code", "import numpy as np\nA = np.ones((3, 5))\nB = np.dot(A, A.T)\n"),
        ("code", "print(parameters['W1'])\n")])
    report = trace_notebook(path)
    assert report.verdict == "incomplete"
    assert "FAILED at order.ipynb, cell 2, line 1 (NameError), not a shape error" in report.summary
    assert "the notebook failed at order.ipynb, cell 2, line 1: NameError" in report.render()


# -- magics and shell lines ---------------------------------------------------------------------------------

MAGICS = [
    ("code", "!pip install numpy\n%matplotlib inline\n%load_ext autoreload\nimport numpy as np\nnp.dot?\n"),
    ("code", "%%bash\necho not python\n"),
    ("code", "%%time\nn, d, h = 7, 5, 3\nX = np.ones((n, d))\nW1 = np.ones((d, h))\n"
             "template = '''\n%d samples\n'''\nrest = (10\n% 3)\n"),
    ("code", "%time A1 = X @ W1\nfiles = !ls\nfor i in range(2):\n    %timeit X @ W1\n"
             "display(A1.shape, template.strip() % n, rest)\n"),
]


def test_magics_and_shell_lines_are_skipped_and_listed(tmp_path, capsys):
    report = trace_notebook(notebook(tmp_path, "magic.ipynb", MAGICS))
    assert report.ok and report.exit_code == 0, report.render()
    # %%time's body and %time's statement ran (traced); a % inside a string or continuing a sum is Python
    assert capsys.readouterr().out == "(7, 3)\n7 samples\n1\n"        # display() printed each object
    assert [(s.cell, s.line, s.expr) for s in report.matrix_products()] == [(4, 1, "X @ W1")]
    note = report.notes[0]
    assert note["kind"] == "ipython-lines"
    assert [(line["cell"], line["line"], line["how"]) for line in note["lines"]] == [
        (1, 1, "skipped"), (1, 2, "skipped"), (1, 3, "skipped"), (1, 5, "skipped"), (2, 1, "cell-skipped"),
        (3, 1, "body-ran"), (4, 1, "statement-ran"), (4, 2, "skipped"), (4, 4, "skipped")]
    assert note["message"].startswith("9 IPython line(s) of magic.ipynb are not Python (magics, shell commands, "
                                      "help); what this run did with each: cell 1, line 1 `!pip install numpy` "
                                      "(skipped);")
    assert "cell 2, line 1 `%%bash` (the whole cell skipped)" in note["message"]
    assert "and 3 more" in note["message"]
    assert "note: 9 IPython line(s)" in report.render()


def test_ipython_lines_become_pass_and_keep_the_line_numbers():
    from shapecheck.tracing.notebook_cells import _as_python

    cell = _as_python(2, "for x in range(3):\n    !echo {x}\n    y = x\nnp.ones??\n")
    assert cell.source == "for x in range(3):\n    pass\n    y = x\npass\n"
    assert [(s.line, s.how) for s in cell.skipped] == [(2, "skipped"), (4, "skipped")]
    plain = "s = '''\n%d\n!x\n'''\nprint(s)\n"          # Python: left as it is
    assert _as_python(1, plain).source == plain and _as_python(1, plain).skipped == ()


def test_a_source_given_as_one_string_and_markdown_cells_not_counted(tmp_path):
    path = notebook(tmp_path, "strings.ipynb", [("markdown", "# x"), ("code", "a = 1\nb = 2"), ("raw", "%%x"),
                                                ("code", "c = a + b\n")], as_lists=False)
    cells = read_notebook(str(path))
    assert [(c.number, c.source) for c in cells] == [(1, "a = 1\nb = 2\n"), (2, "c = a + b\n")]


def test_the_notebook_runs_in_its_own_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("1,2,3,4,5\n6,7,8,9,10\n")
    path = notebook(tmp_path, "load.ipynb", [("code", "import numpy as np\nX = np.loadtxt('data/train.csv', "
                                                      "delimiter=',')\nprint(X.shape)\n")])
    monkeypatch.chdir("/")
    report = trace_notebook(path)
    assert report.ok, report.render()


# -- a silent outer broadcast -----------------------------------------------------------------------------

OUTER = [
    ("code", "import numpy as np\nnp.random.seed(2)\nm, n_x = 7, 5\nX = np.random.randn(n_x, m)\n"
             "Y = np.random.randn(m)              # labels as a rank-1 vector\n"),
    ("code", "w = np.zeros((n_x, 1))\nfor i in range(20):\n    A = np.dot(w.T, X)\n    dZ = A.T - Y\n"
             "    w = w - 0.01 * np.dot(X, dZ).mean(axis=1, keepdims=True)\n"),
]


def test_a_silent_outer_broadcast_is_warned_at_its_cell_and_line(tmp_path):
    report = trace_notebook(notebook(tmp_path, "outer.ipynb", OUTER))
    assert report.exit_code == 0 and report.verdict == "warnings"
    outer = [w for w in report.warnings if w.kind == "outer-broadcast"][0]
    assert (outer.file, outer.cell, outer.line) == ("outer.ipynb", 2, 4)
    assert "  outer.ipynb, cell 2, line 4 [outer-broadcast] `A.T` (7, 1) and `Y` (7,)" in report.render()
    assert {"file": "outer.ipynb", "cell": 2, "line": 4, "kind": "outer-broadcast"}.items() <= \
        report.to_dict()["warnings"][0].items()


# -- the command line -------------------------------------------------------------------------------------

def test_the_command_line_exit_codes_and_json(tmp_path):
    course(tmp_path, transposed="")
    notebook(tmp_path, "outer.ipynb", OUTER)
    failed = run_cli("trace", "--json", "failed.json", "course.ipynb", cwd=tmp_path)
    assert failed.returncode == 1
    assert "FAILED at course.ipynb, cell 4, line 6 (matmul)" in failed.stderr
    data = json.loads((tmp_path / "failed.json").read_text())
    assert data["verdict"] == "failed"
    assert {k: data["error"][k] for k in ("file", "cell", "line")} == {"file": "course.ipynb", "cell": 4, "line": 6}
    assert "cell 4, line 6" in data["error"]["explanation"]
    strict = run_cli("trace", "--strict", "outer.ipynb", cwd=tmp_path)
    assert strict.returncode == 2 and "outer.ipynb, cell 2, line 4 [outer-broadcast]" in strict.stderr
    assert run_cli("trace", "outer.ipynb", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("name, content, said", [
    ("missing.ipynb", None, "no such notebook: "),
    ("script.ipynb", "import numpy as np\nprint(null)\n", "script.ipynb is not a notebook: it is not JSON"),
    ("data.ipynb", '{"rows": [1, 2]}', 'data.ipynb is JSON but not a notebook: it has no "cells" list'),
])
def test_a_file_that_is_not_a_notebook_is_one_clear_line(tmp_path, name, content, said):
    if content is not None:
        (tmp_path / name).write_text(content)
    result = run_cli("trace", "--json", "error.json", name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("shapecheck trace: error: ") and said in result.stderr
    assert "Traceback" not in result.stderr and "NameError" not in result.stderr
    assert json.loads((tmp_path / "error.json").read_text())["exit_code"] == 2


def test_the_guides_transcript_is_what_the_example_notebook_gives(capsys):
    example = Path(__file__).resolve().parents[2] / "examples" / "trace" / "course_notebook.ipynb"
    readme = (example.parents[2] / "docs" / "tracer.md").read_text()
    block = readme.split("$ shapecheck trace examples/trace/course_notebook.ipynb\n", 1)[1].split("```", 1)[0]
    shown = block[block.index("shapecheck trace: exit code"):].rstrip("\n")
    assert trace_notebook(example).render() == shown
    assert 'course_notebook.ipynb", cell 4, line 6, in backward_propagation' in capsys.readouterr().err


def test_ipython_only_names_and_other_entry_points_say_what_to_do(tmp_path):
    from shapecheck import ConfigurationError, trace_script

    path = notebook(tmp_path, "plots.ipynb", [("code", "import numpy as np\nA = np.ones((3, 5)) @ np.ones((5, 7))\n"),
                                              ("code", "get_ipython().run_line_magic('matplotlib', 'inline')\n")])
    report = trace_notebook(path)
    assert report.stopped["exception"] == "NameError" and (report.stopped["cell"], report.stopped["line"]) == (2, 1)
    assert "get_ipython() exists only inside IPython" in report.render()
    with pytest.raises(ConfigurationError, match="plots.ipynb is a notebook: shapecheck.trace_notebook"):
        trace_script(str(path))
    result = run_cli("trace", "plots.ipynb:train", cwd=tmp_path)
    assert result.returncode == 2 and "a notebook's function cannot be traced alone" in result.stderr


def test_a_module_beside_the_notebook_is_traced_at_its_own_lines(tmp_path, capsys):
    (tmp_path / "layers.py").write_text("import numpy as np\n\n\ndef dense(W, A):\n    return np.dot(A, W)\n")
    path = notebook(tmp_path, "uses.ipynb", [
        ("code", "import numpy as np\nfrom layers import dense\n"),
        ("code", "W1 = np.ones((3, 5))\nA0 = np.ones((5, 7))\nA1 = dense(W1, A0)\n")])
    report = trace_notebook(path)
    assert {k: report.error[k] for k in ("file", "line")} == {"file": "layers.py", "line": 5}
    assert "cell" not in report.error and "matmul error at layers.py:5:" in report.error_text
    assert "`W`  (3, 5)     an argument of dense(), passed in with this shape" in report.error_text
    err = capsys.readouterr().err
    assert 'uses.ipynb", cell 2, line 3, in <module>' in err and 'layers.py", line 5, in dense' in err


def test_sys_exit_in_a_cell_ends_the_run_and_the_later_cells_are_named(tmp_path, capsys):
    path = notebook(tmp_path, "early.ipynb", [("code", "import sys\nprint('one')\n"), ("code", "sys.exit(0)\n"),
                                              ("code", "print('three')\n"), ("code", "print('four')\n")])
    report = trace_notebook(path)
    assert report.exit_code == 0 and capsys.readouterr().out == "one\n"
    assert report.notes[-1]["message"] == "cells 3 to 4 of early.ipynb did not run: cell 2 ended the run (sys.exit)"


def test_lines_are_counted_as_python_counts_them(tmp_path, capsys):
    # a form feed inside a line does not end it: the failing line is still line 3, and the traceback quotes it
    path = notebook(tmp_path, "ff.ipynb", [("code", "import numpy as np\nx = 1 \x0c+ 1\nA = np.ones((3, 5)) @ "
                                                    "np.ones((3, 5))\n")])
    report = trace_notebook(path)
    assert (report.error["cell"], report.error["line"]) == (1, 3)
    err = capsys.readouterr().err.splitlines()
    assert err[1].endswith("ff.ipynb\", cell 1, line 3, in <module>")
    assert err[2].strip() == "A = np.ones((3, 5)) @ np.ones((3, 5))"


def test_the_equal_sizes_note_names_the_cell_and_its_lines(tmp_path):
    # the classic XOR notebook: 4 samples and 4 hidden units, correct; a note, never a warning
    path = notebook(tmp_path, "xor.ipynb", [
        ("code", "import numpy as np\nX = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])\ny = np.array([[0], [1], [1], [0]])\n"
                 "rng = np.random.default_rng(0)\nW1 = rng.normal(size=(2, 4))\nW2 = rng.normal(size=(4, 1))\n"),
        ("code", "for i in range(3):\n    h = 1 / (1 + np.exp(-(X @ W1)))\n    out = 1 / (1 + np.exp(-(h @ W2)))\n"
                 "    d_out = (y - out) * out * (1 - out)\n    d_h = d_out @ W2.T * h * (1 - h)\n"
                 "    W2 += h.T @ d_out\n    W1 += X.T @ d_h\n")])
    report = trace_notebook(path)
    assert report.ok and report.notes[0]["kind"] == "ambiguous-sizes"
    assert "would still fit at cell 2, lines 2, 3, 5, 6, 7 of xor.ipynb;" in report.notes[0]["message"]
    assert report.notes[0]["lines"][0] == {"file": "xor.ipynb", "cell": 2, "line": 2}


def test_numpy_warnings_and_a_long_cell_are_placed_in_their_cells(tmp_path):
    long_cell = "".join(f"v{i} = {i}\n" for i in range(1, 1200)) + "B = np.ones((3, 5)) + np.ones((5, 3))\n"
    notebook(tmp_path, "long.ipynb", [("code", "import numpy as np\nloss = np.log(np.zeros(2))\n"), ("code", long_cell)])
    result = run_cli("trace", "--json", "long.json", "long.ipynb", cwd=tmp_path)
    error = json.loads((tmp_path / "long.json").read_text())["error"]
    assert (error["cell"], error["line"]) == (2, 1200)
    assert "FAILED at long.ipynb, cell 2, line 1200 (broadcast)" in result.stderr
    assert "long.ipynb, cell 1, line 2: RuntimeWarning: divide by zero encountered in log" in result.stderr


def test_a_fault_of_ours_while_placing_the_report_is_said_never_a_traceback(tmp_path, monkeypatch):
    import shapecheck.tracing.notebook as notebook_module

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(notebook_module, "_replaced_note", broken)
    report = trace_notebook(notebook(tmp_path, "fine.ipynb", [("code", "x = 1\n")]))
    assert report.verdict == "incomplete" and report.exit_code == 0
    assert "shapecheck could not trace this program: placing the report in cells: RuntimeError: boom" in report.render()


@pytest.mark.parametrize("content, said", [
    ("[1, 2]", 'JSON but not a notebook: it has no "cells" list'),
    ('{"cells": "print(1)"}', 'JSON but not a notebook: it has no "cells" list'),
    ('{"cells": [{"cell_type": "code", "source": null}]}', "code cell 1's source is NoneType"),
    ('{"cells": [{"cell_type": "markdown", "source": "# a"}, {"cell_type": "code", "source": ["x = 1\\n", 2]}]}',
     "code cell 1's source is list"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    (b"\xff\xfe{}", "it is not UTF-8 text"),
    ("", "it is not JSON (Expecting value at line 1, column 1)"),
])
def test_hostile_notebook_files_are_one_error_each(tmp_path, content, said):
    from shapecheck.tracing.notebook_cells import NotebookError

    path = tmp_path / "odd.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(NotebookError, match="odd.ipynb") as raised:
        trace_notebook(path)
    assert said in str(raised.value)


def test_nbformat_3_worksheets_are_read(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["# old"]},
        {"cell_type": "code", "input": ["import numpy as np\n", "A = np.ones((3, 5)) @ np.ones((3, 5))\n"]}]}]}))
    report = trace_notebook(path)
    assert (report.error["file"], report.error["cell"], report.error["line"]) == ("old.ipynb", 1, 2)


def test_a_run_magic_runs_its_file_traced_and_its_names_join_the_notebook(tmp_path, capsys):
    (tmp_path / "helpers.py").write_text(
        "import sys\nimport numpy as np\n\n\ndef layer(W, A):\n    return np.dot(W, A)\n\n\n"
        "print('helpers loaded', sys.argv[1:])\n")
    path = notebook(tmp_path, "uses_run.ipynb", [
        ("code", "import numpy as np\n%run helpers.py --seed 3\n"),
        ("code", "W1 = np.ones((3, 5))\nA1 = layer(W1, np.ones((3, 7)))\n")])
    report = trace_notebook(path)
    assert capsys.readouterr().out == "helpers loaded ['--seed', '3']\n"
    assert {k: report.error[k] for k in ("file", "line", "kind")} == {"file": "helpers.py", "line": 6,
                                                                      "kind": "matmul"}
    assert report.notes[0]["lines"][0]["how"] == "file-ran"
    assert "cell 1, line 2 `%run helpers.py --seed 3` (the file ran, traced)" in report.notes[0]["message"]
    # options this does not do, and a notebook, are skipped and said so
    from shapecheck.tracing.notebook_cells import _as_python

    assert [s.how for s in _as_python(1, "%run -t helpers.py\n%run other.ipynb\n").skipped] == ["skipped", "skipped"]


def test_a_run_magic_of_a_missing_file_is_the_learners_failure(tmp_path, capsys):
    report = trace_notebook(notebook(tmp_path, "gone.ipynb", [("code", "%run utils.py\n"), ("code", "x = 1\n")]))
    assert report.internal_errors == () and report.stopped["exception"] == "FileNotFoundError"
    assert (report.stopped["cell"], report.stopped["line"]) == (1, 1)
    assert "the notebook failed at gone.ipynb, cell 1, line 1: FileNotFoundError: %run: no file utils.py" \
        in report.render()


def test_a_notebooks_argv_is_checked_as_a_scripts_is():
    """trace_notebook and trace_script share one check of the path and argv: argv=5 is named, not crashed on."""
    from shapecheck.errors import InvalidArgumentError

    notebook = Path(__file__).resolve().parents[2] / "examples" / "trace" / "course_notebook.ipynb"
    with pytest.raises(InvalidArgumentError, match="argv must be a list of strings, got 5"):
        trace_notebook(notebook, argv=5)
