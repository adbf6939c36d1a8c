"""The tracer on learner-style programs written the way public learner code is written (classes with
weight lists, private name-mangled attributes, layer objects, dataclasses, module globals, two files,
recursion, the .dot method), each with one planted shape bug on the line marked ``# BUG``.

The programs are in trace_corpus/; each docstring says which public style it imitates and what the
bug is. The bug's line is read from the file, never hard-coded here.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shapecheck.tracing.runner import trace_script

CORPUS = Path(__file__).resolve().parent / "trace_corpus"
PRODUCT_OPS = {"@", "dot"}


@dataclass(frozen=True)
class Planted:
    script: str                 # the program to run, relative to trace_corpus/
    bug_file: str               # the file holding the `# BUG` line, relative to the script's folder
    kind: str                   # "broadcast" or "matmul"
    operands: tuple             # ((source text, shape), ...) of the failing operation
    product: tuple              # (source text, operand shapes) of one matrix product that ran
    product_in: str             # "method" (inside a class) or "function"
    origins: tuple = ()         # ((operand text, the assignment that gave it its shape), ...)

    @property
    def id(self) -> str:
        return Path(self.script).stem if "/" not in self.script else self.script.split("/")[0]


PROGRAMS = [
    Planted("class_weight_lists.py", "class_weight_lists.py", "matmul",
            (("self.weights[-l + 1]", [2, 3]), ("delta", [2, 1])),
            ("np.dot(w, activation)", [[3, 5], [5, 1]]), "method"),
    Planted("class_private.py", "class_private.py", "broadcast",
            (("x @ self.__w1", [4, 3]), ("self.__b1", [7, 3])),
            ("x @ self.__w1", [[7, 5], [5, 3]]), "method"),
    Planted("layer_objects.py", "layer_objects.py", "matmul",
            (("grad", [2, 7]), ("self.input", [3, 7])),
            ("np.dot(self.weights, self.input)", [[3, 5], [5, 7]]), "method"),
    Planted("dataclass_net.py", "dataclass_net.py", "matmul",
            (("(1 / m) * dZ2", [2, 7]), ("A1", [3, 7])),
            ("np.dot(self.W1, X)", [[3, 5], [5, 7]]), "method",
            origins=(("A1", 'A1, A2 = cache["A1"], cache["A2"]'),)),
    Planted("module_globals.py", "module_globals.py", "broadcast",
            (("A2", [2, 7]), ("Y", [7, 2])),
            ("np.dot(W1, X)", [[3, 5], [5, 7]]), "function",
            origins=(("A2", "A2 = 1 / (1 + np.exp(-Z2))"),)),
    Planted("two_file/train.py", "mynet.py", "broadcast",
            (("delta2", [7, 2]), ("self.a1", [7, 3])),
            ("X @ self.W1", [[7, 5], [5, 3]]), "method",
            origins=(("delta2", "delta2 = (self.out - Y) / len(Y)"),)),
    Planted("recursive_helper.py", "recursive_helper.py", "matmul",
            (("a", [7, 3]), ("W", [2, 3])),
            ("a @ W", [[7, 5], [5, 3]]), "function",
            origins=(("W", "W, b = layers[0]"),)),
    Planted("dot_method.py", "dot_method.py", "matmul",
            (("X", [7, 5]), ("dhidden", [7, 3])),
            ("X.dot(W1)", [[7, 5], [5, 3]]), "method",
            origins=(("dhidden", "dhidden = dscores.dot(W2.T)"),)),
]


def bug_path(planted: Planted) -> Path:
    return (CORPUS / planted.script).parent / planted.bug_file


def bug_line(path: Path) -> int:
    marked = [number for number, line in enumerate(path.read_text().splitlines(), 1)
              if line.rstrip().endswith("# BUG")]
    assert len(marked) == 1, f"{path.name} must mark exactly one line with `# BUG`, found {marked}"
    return marked[0]


def line_of(path: Path, statement: str) -> int:
    found = [number for number, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == statement]
    assert len(found) == 1, f"{statement!r} should be one line of {path.name}, found {found}"
    return found[0]


def spans(path: Path, where: str) -> list:
    """(first, last) line of every method (a def directly in a class body) or every function."""
    tree = ast.parse(path.read_text())
    if where == "method":
        defs = [node for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef) for node in cls.body
                if isinstance(node, ast.FunctionDef)]
    else:
        defs = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    return [(node.lineno, node.end_lineno) for node in defs]


@pytest.fixture(scope="module")
def traced():
    """Each program traced once: (report, what it printed to stderr)."""
    cache = {}

    def run(planted: Planted):
        if planted.script not in cache:
            stderr = io.StringIO()
            report = trace_script(str(CORPUS / planted.script), argv=[], stderr=stderr)
            cache[planted.script] = report, stderr.getvalue()
        return cache[planted.script]

    return run


@pytest.mark.parametrize("planted", PROGRAMS, ids=lambda p: p.id)
def test_program_fails_only_at_its_planted_line_without_the_tracer(planted):
    """The corpus itself: plain `python program.py` fails with a ValueError on the `# BUG` line."""
    script = CORPUS / planted.script
    result = subprocess.run([sys.executable, "-B", script.name], cwd=script.parent, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    last_frame = [line for line in result.stderr.splitlines() if line.strip().startswith("File ")][-1]
    assert f'{planted.bug_file}", line {bug_line(bug_path(planted))},' in last_frame
    assert result.stderr.rstrip().splitlines()[-1].startswith("ValueError: ")


@pytest.mark.parametrize("planted", PROGRAMS, ids=lambda p: p.id)
def test_failure_is_the_planted_bug(planted, traced):
    report, stderr = traced(planted)
    assert "NameError" not in stderr and "__sc_" not in stderr, stderr
    assert report.exit_code == 1
    assert report.error is not None, stderr
    error = report.error
    assert (error["file"], error["line"], error["kind"]) == (planted.bug_file, bug_line(bug_path(planted)),
                                                             planted.kind)
    assert [o["shape"] for o in error["operands"]] == [shape for _, shape in planted.operands]
    assert [o["expr"] for o in error["operands"]] == [text for text, _ in planted.operands]
    assert "ValueError" in stderr and f"line {error['line']}" in stderr


@pytest.mark.parametrize("planted", PROGRAMS, ids=lambda p: p.id)
def test_explanation_names_each_operand(planted, traced):
    report, _ = traced(planted)
    text = report.error_text
    assert text, "no explanation"
    assert "__sc_" not in text
    for expr, shape in planted.operands:
        assert f"`{expr}`" in text, f"`{expr}` is not named in:\n{text}"
        assert f"({', '.join(map(str, shape))})" in text


@pytest.mark.parametrize("planted", [p for p in PROGRAMS if p.origins], ids=lambda p: p.id)
def test_explanation_says_where_each_named_operand_got_its_shape(planted, traced):
    report, _ = traced(planted)
    rows = report.error_text.splitlines()
    for expr, statement in planted.origins:
        row = next((r for r in rows if r.strip().startswith(f"`{expr}`")), None)
        assert row is not None, f"no row for `{expr}` in:\n{report.error_text}"
        line = line_of(bug_path(planted), statement)
        assert f"got its shape at line {line}: {statement}" in row, row


@pytest.mark.parametrize("planted", PROGRAMS, ids=lambda p: p.id)
def test_matrix_products_inside_methods_are_reported(planted, traced):
    report, _ = traced(planted)
    expr, shapes = planted.product
    inside = spans(bug_path(planted), planted.product_in)
    assert inside, f"{planted.bug_file} has no {planted.product_in}"
    products = [s for s in report.sites if s.op in PRODUCT_OPS and s.file == planted.bug_file
                and any(first <= s.line <= last for first, last in inside)]
    assert products, f"no matrix product reported inside a {planted.product_in}: {report.sites}"
    site = next((s for s in products if s.expr == expr), None)
    assert site is not None, [s.expr for s in products]
    assert shapes in [signature["shapes"] for signature in site.signatures], site.signatures
    assert site in report.matrix_products()


def test_private_attributes_are_traced_through_in_place_updates(traced):
    """class_private.py trains 3 epochs before the failing prediction: its in-place updates of
    name-mangled attributes (self.__w1 -= ...) ran under the tracer and were recorded."""
    planted = next(p for p in PROGRAMS if p.script == "class_private.py")
    report, _ = traced(planted)
    updates = {s.expr: s for s in report.sites if s.op == "-="}
    assert set(updates) == {f"self.__{name} -= self.__lr * {grad}"
                            for name, grad in (("w2", "dw2"), ("b2", "dz2"), ("w1", "dw1"), ("b1", "dz1"))}
    assert all(site.calls == 3 for site in updates.values())
    forward = next(s for s in report.sites if s.expr == "x @ self.__w1")
    assert sorted(sig["shapes"] for sig in forward.signatures) == [[[4, 5], [5, 3]], [[7, 5], [5, 3]]]


def test_recursion_reports_the_failing_level_not_the_first(traced):
    """The same `a @ W` ran at the first level of the recursion with other shapes before failing."""
    planted = next(p for p in PROGRAMS if p.script == "recursive_helper.py")
    report, _ = traced(planted)
    site = next(s for s in report.sites if s.expr == "a @ W")
    assert [sig["shapes"] for sig in site.signatures] == [[[7, 5], [5, 3]]]
    assert [o["shape"] for o in report.error["operands"]] == [[7, 3], [2, 3]]


def test_the_second_file_is_instrumented_and_unloaded_again(traced):
    planted = next(p for p in PROGRAMS if p.script == "two_file/train.py")
    report, _ = traced(planted)
    assert {s.file for s in report.matrix_products()} == {"mynet.py"}
    assert "mynet" not in sys.modules


JUPYTER_CELL = """\
class Net:
    def __init__(self):
        self.__A1 = np.ones((6, 3))

    def backward(self, dZ2):
        return dZ2 * self.__A1

Net().backward(np.ones((6, 2)))
"""


def test_jupyter_cell_with_a_class_method_explains_the_broadcast(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "shapecheck")
    shell.run_cell("import numpy as np")
    capsys.readouterr()
    shell.run_cell("%%shapecheck\n" + JUPYTER_CELL)      # the cell fails, as it would untraced
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "NameError" not in text and "__sc_" not in text, text
    assert re.search(r"FAILED at In\[\d+\](#\d+)?, line 6 \(broadcast\)", text), text
    assert "`dZ2`" in text and "`self.__A1`" in text
    assert "(6, 2)" in text and "(6, 3)" in text
    assert "ValueError" in text
