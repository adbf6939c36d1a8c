"""Reports in a terminal: every report and result object has a one-line repr (the verdict and summary, not a
dataclass dump) and an IPython pretty form that prints the whole text, as ``print`` does."""

import numpy as np
import pytest

import shapecheck
from reference_nets import shape_plan
from tests.shapecheck.test_strategies_shrinking import backward

D, H, T, N = 3, 4, 2, 5          # pairwise distinct


def wrong_gradients():
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(N, D)), rng.normal(size=(D, T))
    return shapecheck.check_gradients(lambda p: float(np.sum((X @ p["W"]) ** 2)), {"W": W},
                                      {"W": 2.2 * X.T @ (X @ W)})


def comparison():
    rng = np.random.default_rng(1)
    X, Y = rng.uniform(-2, 2, (N, D)), rng.uniform(-2, 2, (N, T))
    params = {"W1": rng.uniform(-1, 1, (D, H)), "b1": rng.uniform(-1, 1, (1, H)),
              "W2": rng.uniform(-1, 1, (H, T)), "b2": rng.uniform(-1, 1, (1, T))}
    return shapecheck.compare(X, Y, params=params, gradients=lambda X, Y: backward(params, X, Y, "missing-mean"),
                              activation="tanh", output="identity", loss="mse", layout="rows")


def outer_broadcast(X, w, y):
    return X @ w - y                       # (n, 1) - (n,) -> (n, n)


def traced():
    return shapecheck.trace(outer_broadcast)(np.ones((N, D)), np.ones((D, 1)), np.ones(N))


REPORTS = {
    "gradient report": wrong_gradients,
    "gradient row": lambda: wrong_gradients()["W"],
    "sweep": lambda: wrong_gradients().sweep(),
    "comparison": comparison,
    "comparison row": lambda: comparison().rows[0],
    "diagnosis": lambda: comparison().diagnoses[0],
    "trace report": traced,
    "trace site": lambda: traced().sites[0],
    "trace warning": lambda: traced().warnings[0],
    "shape plan": lambda: shape_plan([D, H, T], batch_size=N),
    "plan step": lambda: shape_plan([D, H, T], batch_size=N)["dW2"],
}


@pytest.fixture(params=sorted(REPORTS), ids=str)
def report(request):
    return REPORTS[request.param]()


def test_repr_is_one_line_naming_the_type(report):
    text = repr(report)
    assert "\n" not in text and text.startswith(f"<{type(report).__name__} ") and text.endswith(">")
    assert "=(" not in text and "object at 0x" not in text                 # not a dataclass dump nor object's
    if hasattr(report, "verdict"):
        assert text == f"<{type(report).__name__} {report.verdict}: {report.summary}>"


@pytest.mark.parametrize("make", [wrong_gradients, comparison, traced], ids=["gradients", "compare", "trace"])
def test_repr_of_a_report_is_far_shorter_than_the_dataclass_dump(make):
    report = make()
    assert len(repr(report)) < len(report.summary) + 40


def test_ipython_pretty_prints_the_whole_text(report):
    pretty = pytest.importorskip("IPython.lib.pretty")
    assert pretty.pretty(report) == str(report)
    assert "\n" in str(report) or type(report).__name__ in ("PlanStep", "WarningReport")


class FakePrinter:
    """IPython's RepresentationPrinter, as far as _repr_pretty_ uses it."""

    def __init__(self):
        self.parts = []

    def text(self, text):
        self.parts.append(text)

    def break_(self):
        self.parts.append("\n")


@pytest.mark.parametrize("cycle", [False, True])
def test_repr_pretty_with_a_fake_printer(report, cycle):
    printer = FakePrinter()
    report._repr_pretty_(printer, cycle)
    expected = repr(report) if cycle and type(report).__name__ != "PlanStep" else str(report)
    assert "".join(printer.parts) == expected


def test_the_tables_are_in_the_pretty_form():
    assert "max rel err" in str(wrong_gradients()["W"]) and "rel error" in str(comparison().rows[0])
    assert "matrix products" in str(traced()) and "phase" in str(shape_plan([D, H, T]))
