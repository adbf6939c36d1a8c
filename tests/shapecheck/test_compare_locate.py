"""locate(): the line of the learner's code where the diagnosed mistake is, or none (never a guess)."""

from __future__ import annotations

import os
import sysconfig

import numpy as np
import pytest

from shapecheck.comparison.api import _data
from shapecheck.comparison.learner import Learner
from shapecheck.comparison.locate import locate
from shapecheck.comparison.mutants import candidate_mutants
from shapecheck.comparison.readings import readings
from shapecheck.comparison.report import Location
from shapecheck.comparison.study import Study
from tests.shapecheck.compare_corpus import globals_dict, ng_dict_caches, nielsen_lists
from tests.shapecheck.compare_corpus._state import Snapshot

HERE = os.path.abspath(__file__)


# -- two learners written here: a class with a helper method, and module-level functions -----------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ClassNet:
    """Columns layout, sigmoid everywhere, squared error averaged over the samples."""

    def __init__(self, bug="correct"):
        rng = np.random.default_rng(5)
        self.W1, self.b1 = rng.standard_normal((4, 3)), 0.1 * rng.standard_normal((4, 1))
        self.W2, self.b2 = rng.standard_normal((2, 4)), 0.1 * rng.standard_normal((2, 1))
        self.bug = bug

    def sigmoid_prime(self, z):
        s = _sigmoid(z)
        return s * (1 - s)

    def gradients(self, X, Y):
        n = X.shape[1]
        Z1 = self.W1 @ X + self.b1
        A1 = _sigmoid(Z1)
        Z2 = self.W2 @ A1 + self.b2
        A2 = _sigmoid(Z2)
        dZ2 = (A2 - Y) * self.sigmoid_prime(Z2)
        if self.bug == "missing-hidden-derivative":
            dZ1 = self.W2.T @ dZ2                                       # BUG class missing-hidden-derivative
        elif self.bug == "derivative-at-activation":
            dZ1 = self.W2.T @ dZ2 * self.sigmoid_prime(A1)              # BUG class derivative-at-activation
        else:
            dZ1 = self.W2.T @ dZ2 * self.sigmoid_prime(Z1)
        return {"W1": dZ1 @ X.T / n, "b1": dZ1.sum(axis=1, keepdims=True) / n,
                "W2": dZ2 @ A1.T / n, "b2": dZ2.sum(axis=1, keepdims=True) / n}


FUNCTIONS_BUG = "correct"


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2


def backward(params, X, Y):
    """Rows layout, tanh hidden layer, sigmoid output with binary cross-entropy, mean over the samples."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    out = _sigmoid(a1 @ W2 + b2)
    n = len(X)
    d2 = out - Y
    if FUNCTIONS_BUG == "missing-hidden-derivative":
        d1 = d2 @ W2.T                                                  # BUG functions missing-hidden-derivative
    elif FUNCTIONS_BUG == "derivative-at-activation":
        d1 = d2 @ W2.T * tanh_prime(a1)                                 # BUG functions derivative-at-activation
    else:
        d1 = (d2 @ W2.T) * tanh_prime(z1)
    return {"W1": X.T @ d1 / n, "b1": d1.sum(axis=0, keepdims=True) / n,
            "W2": a1.T @ d2 / n, "b2": d2.sum(axis=0, keepdims=True) / n}


def make_class(bug):
    rng = np.random.default_rng(6)
    net = ClassNet(bug)
    return {"X": rng.standard_normal((3, 8)), "Y": rng.random((2, 8)), "params": net, "gradients": net.gradients}


def make_functions(bug):
    global FUNCTIONS_BUG
    FUNCTIONS_BUG = bug
    rng = np.random.default_rng(7)
    params = {"W1": rng.standard_normal((3, 4)), "b1": 0.1 * rng.standard_normal((1, 4)),
              "W2": rng.standard_normal((4, 2)), "b2": 0.1 * rng.standard_normal((1, 2))}
    return {"X": rng.standard_normal((8, 3)), "Y": (rng.random((8, 2)) > 0.5).astype(float), "params": params,
            "gradients": lambda X, Y: backward(params, X, Y)}


def _bug_line(path, marker="# BUG") -> set:
    with open(path) as handle:
        return {i for i, text in enumerate(handle, 1) if marker in text and "_bug_line(" not in text}


def _study(kwargs):
    learner = Learner(kwargs["params"], gradients=kwargs.get("gradients"), step=kwargs.get("step"),
                      lr=kwargs.get("lr"), loss_fn=kwargs.get("loss_fn"))
    X, Y = _data("X", kwargs["X"]), _data("Y", kwargs["Y"])
    study = Study(learner, X, Y, readings(X, Y, learner.shapes, learner.names, bias=None, layout=None),
                  dict(activation=None, output=None, loss=None, reduction=None, reg=None))
    report = study.run()
    return learner, X, Y, study, report


def _tags(bug, study):
    L = study.setting.net.n_layers
    return {"derivative-at-activation": frozenset({("derivative-at-activation", "hidden")}),
            "missing-hidden-derivative": frozenset(("missing-hidden-derivative", k) for k in range(1, L)),
            "transposed": frozenset({("transposed", 1)})}[bug]


# (make, bug, file, the lines that may be named)
LOCATED = [
    (nielsen_lists.make, "derivative-at-activation", nielsen_lists.__file__,
     _bug_line(nielsen_lists.__file__, "# BUG: the activation, not z")),
    (globals_dict.make, "derivative-at-activation", globals_dict.__file__,
     _bug_line(globals_dict.__file__, "# BUG: at the activation")),
    (ng_dict_caches.make, "transposed", ng_dict_caches.__file__, _bug_line(ng_dict_caches.__file__, "# BUG; locate: transposed")),
    (make_class, "derivative-at-activation", HERE, _bug_line(HERE, "# BUG class derivative-at-activation")),
    (make_class, "missing-hidden-derivative", HERE, _bug_line(HERE, "# BUG class missing-hidden-derivative")),
    (make_functions, "derivative-at-activation", HERE, _bug_line(HERE, "# BUG functions derivative-at-activation")),
    (make_functions, "missing-hidden-derivative", HERE, _bug_line(HERE, "# BUG functions missing-hidden-derivative")),
]


@pytest.mark.parametrize("make, bug, path, lines", LOCATED, ids=lambda v: getattr(v, "__module__", None) or str(v)[:30])
def test_the_planted_line_is_named(make, bug, path, lines):
    """The one location is the line with the planted mistake (or the line calling a correct helper wrongly)."""
    kwargs = make(bug)
    learner, X, Y, study, report = _study(kwargs)
    assert report.diagnoses[0].bug == bug
    snapshot = Snapshot({"params": kwargs["params"]})
    found = locate(learner, X, Y, study.setting, _tags(bug, study))
    assert snapshot.problems() == []                # their state is put back exactly
    assert len(lines) == 1
    assert [(os.path.abspath(f.path), f.line) for f in found] == [(os.path.abspath(path), min(lines))]
    assert found[0].source and isinstance(found[0], Location) and found[0].to_dict()["line"] == min(lines)


@pytest.mark.parametrize("make", [nielsen_lists.make, globals_dict.make, ng_dict_caches.make, make_class,
                                  make_functions], ids=lambda m: m.__module__.rsplit(".", 1)[-1])
def test_a_correct_learner_has_no_location_for_any_mutant(make):
    """Forced to look for any mistake in a correct learner, locate names no line."""
    learner, X, Y, study, report = _study(make("correct"))
    assert report.verdict == "match"
    net = study.setting.net
    mutants = candidate_mutants(net, lr=learner.lr if learner.step is not None else None)
    mutants += [frozenset({("transposed", k)}) for k in range(1, net.n_layers + 1)]
    for tags in mutants:
        assert locate(learner, X, Y, study.setting, tags) == (), sorted(tags)


def test_a_missing_statement_is_placed_after_the_line_it_should_follow():
    """cs231n's missing derivative is a skipped statement (``dhidden[hidden <= 0] = 0``): the line named is the
    one that computes ``dhidden`` and is never finished (kind "unfinished"). In the correct learner the same
    line is followed by the mask, so forced to look for the mistake there, locate names nothing."""
    from tests.shapecheck.compare_corpus import cs231n_l2

    tags = frozenset({("missing-hidden-derivative", 1)})
    learner, X, Y, study, report = _study(cs231n_l2.make("missing-hidden-derivative"))
    assert report.diagnoses[0].bug == "missing-hidden-derivative"
    found = locate(learner, X, Y, study.setting, tags)
    assert [(f.line, f.kind) for f in found] == [(min(cs231n_l2.LINES["missing-hidden-derivative"]), "unfinished")]
    learner, X, Y, study, report = _study(cs231n_l2.make("correct"))
    assert report.verdict == "match" and locate(learner, X, Y, study.setting, tags) == ()


_PACKAGE_SOURCE = '''
import numpy as np

def backward(params, X, Y):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.tanh(z1)
    out = 1 / (1 + np.exp(-(a1 @ params["W2"] + params["b2"])))
    d2 = out - Y
    d1 = d2 @ params["W2"].T * (1 - np.tanh(a1) ** 2)
    n = len(X)
    return {"W1": X.T @ d1 / n, "b1": d1.sum(axis=0, keepdims=True) / n,
            "W2": a1.T @ d2 / n, "b2": d2.sum(axis=0, keepdims=True) / n}
'''


def test_a_gradient_computed_in_an_installed_package_has_no_location():
    """The mistake is made in code shapecheck does not instrument (an installed package): no location."""
    namespace = {}
    exec(compile(_PACKAGE_SOURCE, os.path.join(sysconfig.get_paths()["purelib"], "fake_backprop.py"), "exec"),
         namespace)
    kwargs = make_functions("correct")
    params = kwargs["params"]
    kwargs["gradients"] = lambda X, Y: namespace["backward"](params, X, Y)
    learner, X, Y, study, report = _study(kwargs)
    assert report.diagnoses[0].bug == "derivative-at-activation"
    assert locate(learner, X, Y, study.setting, frozenset({("derivative-at-activation", "hidden")})) == ()


def test_a_run_cut_at_the_byte_cap_or_raising_has_no_location():
    """A truncated values run, or one whose code raises, gives no location."""
    kwargs = make_class("derivative-at-activation")
    learner, X, Y, study, report = _study(kwargs)
    tags = frozenset({("derivative-at-activation", "hidden")})
    assert locate(learner, X, Y, study.setting, tags, max_bytes=64) == ()
    assert locate(learner, X, Y, study.setting, frozenset()) == ()
    kwargs["params"].bug = "raise"
    learner.gradients = lambda X, Y: 1 / 0
    assert locate(learner, X, Y, study.setting, tags) == ()


# -- compare's report carries the locations (step 5) ------------------------------------------------------------
def test_compare_reports_the_line_in_text_and_json():
    """A located diagnosis prints `at FILE:LINE   <source>` under the verdict and carries it in to_dict()."""
    import shapecheck

    report = shapecheck.compare(**nielsen_lists.make("derivative-at-activation"))
    line = min(_bug_line(nielsen_lists.__file__, "# BUG: the activation, not z"))
    assert [(f.line, f.kind) for f in report.diagnoses[0].locations] == [(line, "argument")]
    text = str(report).splitlines()
    assert text[1].startswith(f"  at nielsen_lists.py:{line}   sp = sigmoid_prime(activations[-l])")
    assert report.to_dict()["diagnoses"][0]["locations"][0]["line"] == line


def test_compare_locates_only_on_a_mismatch(monkeypatch):
    """A correct learner's compare never runs locate (its time is unchanged); a mismatch runs it once."""
    import shapecheck
    import shapecheck.comparison.study as study

    calls = []
    real = study.locate
    monkeypatch.setattr(study, "locate", lambda *a, **k: calls.append(1) or real(*a, **k))
    report = shapecheck.compare(**make_functions("correct"))
    assert report.ok and calls == [] and report.to_dict()["diagnoses"][0]["locations"] == []
    report = shapecheck.compare(**make_functions("missing-hidden-derivative"))
    assert calls == [1]
    assert [f.line for f in report.diagnoses[0].locations] == sorted(
        _bug_line(HERE, "# BUG functions missing-hidden-derivative"))


def test_a_transposed_gradient_of_a_non_square_weight_is_located_by_compare():
    """The transposed product found by shape (no mutant fits) is located at its line too."""
    import shapecheck

    report = shapecheck.compare(**ng_dict_caches.make("transposed"))
    assert report.diagnoses[0].bug == "transposed"
    assert [f.line for f in report.diagnoses[0].locations] == sorted(_bug_line(ng_dict_caches.__file__, "# BUG; locate: transposed"))


def test_a_failure_while_locating_leaves_the_diagnosis_and_says_why(monkeypatch):
    """A bug of shapecheck's own inside locate does not change the verdict or the diagnosis: the report has no
    location and a note that names the failure (no traceback reaches the learner)."""
    import shapecheck
    import shapecheck.comparison.study as study

    def broken(*args, **kwargs):
        raise IndexError("tuple index out of range")

    monkeypatch.setattr(study, "locate", broken)
    report = shapecheck.compare(**make_functions("missing-hidden-derivative"))
    assert report.diagnoses[0].bug == "missing-hidden-derivative" and report.diagnoses[0].locations == ()
    assert any("could not look for the line of this mistake (IndexError: tuple index out of range)" in note
               for note in report.notes), report.notes
