"""The tracer never blames the learner for its own faults, and never calls such a run clean."""

import builtins

import numpy as np
import pytest

from shapecheck import trace
from shapecheck.tracing import warnings as tracer_warnings
from shapecheck.tracing.faults import EXIT_INTERNAL
from tests.shapecheck.test_trace_examples import run_cli
from tests.shapecheck.test_trace_semantics import write


def test_a_failure_inside_the_bookkeeping_is_reported_not_hidden(tmp_path, monkeypatch):
    """The program runs on unaffected; the report names the line, says it is shapecheck's bug, and the
    run is not called clean."""
    def broken(*args):
        raise RuntimeError("boom in the warning checks")

    monkeypatch.setattr(tracer_warnings, "check_silent_bugs", broken)

    def program():
        a, b = np.ones((7, 5)), np.ones((5, 3))
        return a @ b

    report = trace(program)()
    assert report.value.shape == (7, 3) and report.exception is None
    assert not report.ok
    assert report.internal_errors and "RuntimeError: boom in the warning checks" in report.internal_errors[0]["message"]
    text = str(report)
    assert "no shape problems found" not in text
    assert "INCOMPLETE" in text and "shapecheck could not trace" in text and "please report it" in text
    assert "test_trace_faults.py:" in text
    assert report.to_dict()["internal_errors"][0]["line"] == report.internal_errors[0]["line"]


def test_an_operand_whose_shape_attribute_is_not_a_shape_does_not_break_the_program():
    """A learner's object may have any attribute called ``shape``: the operation's result stands."""
    class Layer:
        shape = "dense"

        def __add__(self, other):
            return 41 + other

    def program():
        return Layer() + 1

    report = trace(program)()
    assert report.value == 42 and report.exception is None


def test_a_name_of_the_rewrite_that_went_missing_is_our_fault_with_exit_code_3(tmp_path):
    """Simulates the class of bug this issue was about (a rewritten name that cannot be found): the
    command says shapecheck failed, at which line, exits non-zero, and never says "no shape problems"."""
    path = write(tmp_path, "prog.py", """
        import builtins
        import numpy as np
        a, b = np.ones((7, 5)), np.ones((7, 5))
        delattr(builtins, "@sc_binop_add")
        c = a + b
    """)
    result = run_cli("trace", str(path), cwd=tmp_path)
    assert result.returncode == 1                     # the program died (because of us)
    assert "shapecheck could not trace prog.py:6: NameError: name '@sc_binop_add' is not defined" in result.stderr
    assert "INCOMPLETE" in result.stderr
    assert "no shape problems found" not in result.stderr
    assert "bug in shapecheck, not in your code" in result.stderr


def test_an_internal_fault_in_a_program_that_succeeded_exits_3(tmp_path):
    path = write(tmp_path, "prog.py", """
        import numpy as np
        import shapecheck.tracing.warnings as w
        def broken(*args):
            raise RuntimeError("checks broke")
        w.check_silent_bugs = broken
        print((np.ones((7, 5)) @ np.ones((5, 3))).shape)
    """)
    result = run_cli("trace", str(path), cwd=tmp_path)
    assert result.stdout == "(7, 3)\n"
    assert result.returncode == EXIT_INTERNAL
    assert "shapecheck could not trace prog.py:7: RuntimeError: checks broke" in result.stderr
    assert "no shape problems found" not in result.stderr


def test_shape_errors_of_numpy_calls_stay_the_learners():
    """np.dot raising inside the tracer's call wrapper is the learner's error, explained as usual."""
    def program():
        return np.dot(np.ones((7, 5)), np.ones((3, 5)))

    report = trace(program)()
    assert report.internal_errors == ()
    assert report.error is not None and report.error["kind"] == "matmul"


@pytest.mark.parametrize("exception", [KeyboardInterrupt, SystemExit])
def test_trace_lets_interrupt_and_exit_through(exception):
    def program():
        raise exception()

    with pytest.raises(exception):
        trace(program)()
    assert not any(name.startswith("@sc_") for name in vars(builtins))


@pytest.mark.parametrize("shape_attribute", ["[7, 5]", "property(lambda self: 1 / 0)", "'dense'"])
def test_a_learners_object_with_an_odd_shape_is_not_called_our_bug(shape_attribute):
    """A tensor class whose ``shape`` is a list, raises, or is a string: its operations run and are just
    not recorded; nothing is reported as a shapecheck failure."""
    namespace = {}
    exec(f"class Tensor:\n    shape = {shape_attribute}\n    def __add__(self, other):\n        return 3\n"
         f"    def __matmul__(self, other):\n        return 4\n    @property\n    def T(self):\n        return self\n",
         namespace)
    Tensor = namespace["Tensor"]

    def program(a, b):
        return (a + b) + (a @ b) + (a.T @ b)

    report = trace(program)(Tensor(), Tensor())
    assert report.value == 11 and report.exception is None
    assert report.internal_errors == ()
