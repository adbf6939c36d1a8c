"""The located line reaches every surface: the CLI's text and --json, assert_matches_reference, and HTML."""

from __future__ import annotations

import importlib.util
import json

import pytest

from shapecheck.cli import main
from shapecheck.testing import assert_matches_reference

# a learner with sigmoid'(A1) where sigmoid'(Z1) belongs; n=7, d=5, h=3, t=2 (no two sizes coincide)
LEARNER = '''import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def gradients(params, X, Y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    Z1 = X @ W1 + b1
    A1 = sigmoid(Z1)
    A2 = sigmoid(A1 @ W2 + b2)
    dZ2 = A2 - Y
    dZ1 = (dZ2 @ W2.T) * sigmoid_prime(A1)
    return {"W1": X.T @ dZ1 / n, "b1": dZ1.sum(axis=0, keepdims=True) / n,
            "W2": A1.T @ dZ2 / n, "b2": dZ2.sum(axis=0, keepdims=True) / n}


def factory():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 5)), (rng.random(size=(7, 2)) > 0.5).astype(float)
    params = {"W1": rng.normal(size=(5, 3)), "b1": 0.1 * rng.normal(size=(1, 3)),
              "W2": rng.normal(size=(3, 2)), "b2": 0.1 * rng.normal(size=(1, 2))}
    return dict(X=X, Y=Y, params=params, gradients=lambda X_, Y_: gradients(params, X_, Y_))
'''
BUG_LINE = 1 + LEARNER.splitlines().index("    dZ1 = (dZ2 @ W2.T) * sigmoid_prime(A1)")
SOURCE = "dZ1 = (dZ2 @ W2.T) * sigmoid_prime(A1)"
HINT = "sigmoid_prime(...) is given A1, the activation A1; it needs the pre-activation Z1 (or write A1 * (1 - A1))"


@pytest.fixture
def learner(tmp_path):
    path = tmp_path / "learner.py"
    path.write_text(LEARNER)
    return path


def _factory_arguments(path):
    spec = importlib.util.spec_from_file_location("_located_learner", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.factory()


def test_cli_text_and_json_name_the_line(learner, tmp_path, capsys):
    """`shapecheck compare FILE.py:factory --json OUT` prints 'at learner.py:LINE   source' under the
    verdict, and the JSON carries the same location's path, line, source, quantity and kind."""
    target = tmp_path / "out.json"
    assert main(["compare", f"{learner}:factory", "--json", str(target)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("MISMATCH:") and "derivative-at-activation" in lines[0]
    assert lines[1] == f"  at learner.py:{BUG_LINE}   {SOURCE}"
    assert lines[2] == " " * len(f"  at learner.py:{BUG_LINE}   ") + HINT      # in the learner's own names
    (location,) = json.loads(target.read_text())["diagnoses"][0]["locations"]
    assert set(location) == {"path", "line", "source", "quantity", "kind", "hint", "established"}
    assert location["established"] == "checked on your run"
    assert (location["path"], location["line"], location["source"]) == (str(learner), BUG_LINE, SOURCE)
    assert (location["quantity"], location["kind"], location["hint"]) == ("prime1", "argument", HINT)


def test_assert_matches_reference_failure_shows_the_line(learner):
    """The AssertionError of assert_matches_reference names the line."""
    with pytest.raises(AssertionError) as failure:
        assert_matches_reference(**_factory_arguments(learner))
    assert f"at learner.py:{BUG_LINE}   {SOURCE}" in str(failure.value)


def test_html_report_highlights_the_line_and_escapes_every_text(learner):
    """In Jupyter the report renders as HTML: each located line as FILE:LINE with its source in a <mark>,
    and every text of the learner's (source, tensor names, messages) escaped."""
    import html

    from shapecheck.comparison.api import compare
    from shapecheck.comparison.report import ComparisonReport, Diagnosis, Location, TensorRow

    located = compare(**_factory_arguments(learner))
    page = located._repr_html_()
    assert f"<code>learner.py:{BUG_LINE}</code> <mark><code>{html.escape(SOURCE)}</code></mark>" in page
    assert html.escape(HINT) in page

    tricky = "d1 = (z1 > 0) & (a1 < 1) * W2.T  # <b>"
    report = ComparisonReport(
        "mismatch", (Diagnosis("unknown", "no <known> mistake & no guess", 0.5,
                               locations=(Location("/tmp/<dir>/net.py", 12, tricky, "dZ1", hint="use <Z1>"),)),
                     Diagnosis("sign-flip", "flip <it>", 0.6)),
        (TensorRow("layer<1>.W", "W1", (5, 3), 0.5, 1.0, "MISMATCH"),), "rows", (5, 3, 2),
        notes=("a <note> & more",), conventions=(("loss", "<mse>", "a <guess>"),))
    page = report._repr_html_()
    assert f"<code>net.py:12</code> <mark><code>{html.escape(tricky)}</code></mark>" in page
    for text in (tricky, "<known>", "layer<1>", "<note>", "<mse>", "<guess>", "<it>", "<Z1>"):
        assert text not in page and html.escape(text) in page
    assert "<dir>" not in page and page.count("<mark>") == 1


# -- the mistake in a file the learner's file imports (issue 15: "in files imported by the learner's file") ------
LIBRARY = '''import numpy as np


def backward(params, X, Y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    m = X.shape[0]
    A1 = np.tanh(X @ W1 + b1)
    A2 = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
    dZ2 = A2 - Y
    dZ1 = dZ2 @ W2.T
    return {"W1": X.T @ dZ1 / m, "b1": dZ1.sum(axis=0, keepdims=True) / m,
            "W2": A1.T @ dZ2 / m, "b2": dZ2.sum(axis=0, keepdims=True) / m}


class Net:
    def __init__(self, params):
        self.params = params

    def gradients(self, X, Y):
        return backward(self.params, X, Y)
'''
IMPORTS = {"from-import": ("from backprop_lib import backward", "lambda X, Y: backward(params, X, Y)"),
           "module": ("import backprop_lib", "lambda X, Y: backprop_lib.backward(params, X, Y)"),
           "class": ("from backprop_lib import Net", "Net(params).gradients")}


@pytest.mark.parametrize("style", list(IMPORTS))
def test_a_mistake_in_an_imported_file_is_named_there(style, tmp_path, capsys):
    """The learner's file imports its backward pass from a file beside it (by name, as a module, or as a class):
    `shapecheck compare learner.py:factory` names the line in that file. n=7, d=5, h=3, t=2."""
    line = 1 + LIBRARY.splitlines().index("    dZ1 = dZ2 @ W2.T")
    importing, gradients = IMPORTS[style]
    (tmp_path / "backprop_lib.py").write_text(LIBRARY)
    (tmp_path / "learner.py").write_text(f'''import numpy as np
{importing}


def factory():
    rng = np.random.default_rng(3)
    params = {{"W1": rng.normal(size=(5, 3)), "b1": np.zeros((1, 3)), "W2": rng.normal(size=(3, 2)),
              "b2": np.zeros((1, 2))}}
    X, Y = rng.normal(size=(7, 5)), (rng.random((7, 2)) > 0.5).astype(float)
    return dict(X=X, Y=Y, params=params, gradients={gradients})
''')
    assert main(["compare", f"{tmp_path / 'learner.py'}:factory"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "missing-hidden-derivative" in lines[0]
    assert lines[1] == f"  at backprop_lib.py:{line}   dZ1 = dZ2 @ W2.T", lines
    assert lines[2].strip().startswith("dZ1 is the error sent back to layer 1 (dA1)")
