"""The L2 term as learners write it: declared in their own form, said in their own numbers, found on its line.

Learners write the same penalty three ways: ``lambda_ / (2 * m) * sum(W**2)`` (the course exercise, over
the non-bias columns), ``lambda_ * sum(W**2)`` (a university problem set), ``lambda_ / 2 * sum(W**2)``
(CS231n's ``0.5 * reg * np.sum(W * W)``). ``reg=`` takes a number (compare's own convention: ``reg / 2 *
sum(W**2)`` on the mean loss, whose gradient is ``reg * W``) or the term as a string, e.g.
``reg="1.5/(2*m) * sum(W**2)"``: :class:`L2Form`. The sum covers the weights, never the biases.

A term found in the gradients (``G = c H + mu W``) is said in the learner's possible forms
(:func:`learner_terms`). A term that also covers the biases (``Theta1_grad += lambda_/m * Theta1``, its
bias column too) is the mistake ``l2-on-bias``; it and ``l2-mismatch`` are placed at the line of the
learner's code that makes the term (:func:`locate_l2`), checked on their run.
"""

from __future__ import annotations

import ast
import linecache
import re
from dataclasses import dataclass

import numpy as np

from shapecheck.comparison.located_run import RESIDUAL, fitted_factor, run_learner
from shapecheck.comparison.report import Diagnosis, Location
from shapecheck.errors import ConfigurationError

#: ``sum(W**2)`` as learners write it: np.sum(W ** 2), sum(W*W), np.sum(np.square(W)), sum(W^2).
_SUM = re.compile(r"(np\.|numpy\.)?sum\(\s*(W\s*\*\*\s*2|W\s*\*\s*W|W\s*\^\s*2|(np\.|numpy\.)?square\(\s*W\s*\))\s*\)")
FORMS = ("lambda_/(2*m) * sum(W**2)", "lambda_ * sum(W**2)", "lambda_/2 * sum(W**2)")


@dataclass(frozen=True)
class L2Form:
    """``reg=`` as the learner's own term: ``text`` as written, ``coefficient`` the expression that multiplies
    ``sum(W**2)``, in numbers and ``m`` (the number of samples; ``n`` and ``N`` too)."""

    text: str
    coefficient: str

    def term(self, m: int) -> float:
        """The coefficient of ``sum(W**2)`` in the loss with ``m`` samples."""
        return _evaluate(ast.parse(self.coefficient, mode="eval").body, m)

    def gradient(self, m: int) -> float:
        """What the term adds to each weight's gradient, per unit of weight: twice its coefficient."""
        return 2.0 * self.term(m)

    def said(self, m: int) -> str:
        return (f"reg={self.text!r} you declared (with m = {m}: {self.term(m):.6g} * sum(W**2), whose gradient "
                f"is {self.gradient(m):.6g} * W)")


def parse(reg) -> L2Form | None:
    """``reg=`` given as a string, read as the learner's L2 term; None for a number (compare's own convention)."""
    if not isinstance(reg, str):
        return None
    text = reg.strip()
    found = list(_SUM.finditer(text.replace("Σ", "sum(").replace("W²", "W**2)") if "Σ" in text else text))
    expression = _SUM.sub("1", text) if len(found) == 1 else ""
    expression = re.sub(r"(\d)\s*([mnN])\b", r"\1*\2", expression)         # 2m -> 2*m
    try:
        form = L2Form(text, expression)
        value = form.term(7)
    except (SyntaxError, ValueError, ZeroDivisionError):
        value = None
    if value is None or not np.isfinite(value) or value < 0:
        raise ConfigurationError(
            f"reg={reg!r} is not an L2 term compare can read: write it as your loss adds it, a number (or an "
            f"expression in numbers and m, the number of samples) times sum(W**2), e.g. {', '.join(map(repr, FORMS))} "
            "with your lambda_ written as a number; or a number alone for compare's own reg / 2 * sum(W**2)",
            name="reg", expected="'c * sum(W**2)'", got=repr(reg))
    return form


def _evaluate(node, m):
    """An arithmetic expression of numbers and the sample count's names; ValueError for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in ("m", "n", "N"):
        return float(m)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, m)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        a, b = _evaluate(node.left, m), _evaluate(node.right, m)
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op)) if not isinstance(
            node.op, ast.Div) else a / b
    raise ValueError("not an arithmetic expression of numbers and m")


def declared_coefficient(reg, m: int, loss_factor: float | None):
    """The declared L2 coefficient per unit of the reference's gradient (compare's ``reg``): a number as it
    is; a form's gradient divided by the loss's scale (its data term is ``loss_factor`` times the mean's)."""
    if isinstance(reg, L2Form):
        return reg.gradient(m) / (loss_factor or 1.0)
    return reg


def ratio_text(got: float, expected: float, m: int) -> str:
    """What a learner's L2 gradient ``got`` times W, against ``expected`` times W, usually means; "" otherwise."""
    if not expected:
        return ""
    ratio = got / expected
    for value, words in ((m, f"{m} = m times too large: the 1/m of lambda_/m * W is missing"),
                         (0.5, "half of it: the 2 that sum(W**2) differentiates to is missing"),
                         (2.0, "twice it: a 2 too many, or the loss's term has a 1/2 your gradient does not"),
                         (1.0 / m, f"1/m = 1/{m} of it: divided by m once more than the loss's term")):
        if abs(ratio - value) <= 1e-6 * value:
            return f" ({words})"
    return ""


def learner_terms(term: float, m: int) -> str:
    """A loss term ``term * sum(W**2)`` in the three forms learners write, each with the lambda it means."""
    return (f"lambda_/(2m) * sum(W**2) with lambda_ = {term * 2 * m:.6g} (m = {m}), lambda_/2 * sum(W**2) with "
            f"lambda_ = {term * 2:.6g}, or lambda_ * sum(W**2) with lambda_ = {term:.6g}, as your code writes it")


def with_l2_on_bias(diagnosis: Diagnosis, mu: float, names: dict) -> Diagnosis:
    """The diagnosis with ``l2-on-bias``: the gradients add ``mu`` times the biases too."""
    biases = ", ".join(name.replace(" (bias)", "") for key, name in names.items() if key.startswith("b"))
    weights = ", ".join(name for key, name in names.items() if key.startswith("W"))
    message = (f"your gradients add {mu:.6g} times the biases too ({biases}): the L2 term sums the squares of the "
               f"weights only ({weights}), so a bias's gradient gets no lambda term")
    if diagnosis.bug == "match":
        return Diagnosis("l2-on-bias", message, diagnosis.score, ("l2-on-bias",))
    return Diagnosis(f"{diagnosis.bug} + l2-on-bias", f"{diagnosis.message}; {message}", diagnosis.score,
                     (*diagnosis.bugs, "l2-on-bias"))


def locate_l2(learner, X, Y, setting, mu: float, *, on_bias: bool) -> tuple:
    """The lines of the learner's code that make their L2 term, ``mu`` times each weight (and its bias, with
    ``on_bias``), found among their run's values with that factor exactly; () when it is not seen."""
    if not mu:
        return ()
    reading, obs = setting.reading, setting.observations[0]
    wanted = {}
    for k, i in enumerate(reading.weights):         # the term of the mistake: a folded W whole, a separate b,
        if reading.folded and on_bias:                # else the weights'
            wanted[setting.names[i]] = np.asarray(obs.values[i], dtype=float)
        elif reading.biases and on_bias:
            wanted[setting.learner_names[f"b{k + 1}"]] = setting.net.params[f"b{k + 1}"]
        elif not on_bias:
            wanted[setting.learner_names[f"W{k + 1}"]] = setting.net.params[f"W{k + 1}"]
    sizes = {q.size for q in wanted.values()}
    run = run_learner(learner, X, Y, setting, 0, sizes=sizes, max_bytes=None)
    if run is None:
        return ()
    by_line = {}                           # (file, line) -> the names whose term the line makes
    for name, weight in wanted.items():
        site = next((s for s in run.sites if isinstance(s.value, np.ndarray) and s.value.size == weight.size
                     and _times(s.value, weight, mu)), None)
        if site is None:
            return ()                      # a term whose making is not seen: say nothing rather than half
        by_line.setdefault((site.file, site.line), []).append(name)
    what = ("the bias" if reading.biases else "the weights and the bias") if on_bias else "the weights"
    tail = ("; leave the bias out (its [:, 0] column, or its b)" if on_bias else
            f"; its factor {mu:.6g} is not the one your loss's L2 term differentiates to (see the diagnosis)")
    return tuple(Location(path, line, linecache.getline(path, line).strip(), ", ".join(f"L2 {n}" for n in names),
                          "computed", f"this is your L2 term, {' and '.join(f'{mu:.6g} * {n}' for n in names)}: "
                                      f"it covers {what}{tail}")
                 for (path, line), names in by_line.items())


def _times(value, weight, mu) -> bool:
    """``value`` is ``mu * weight`` (or its transpose), to the run's rounding."""
    v = np.asarray(value, dtype=float)
    for form in (weight, weight.T) if weight.ndim == 2 else (weight,):
        s = fitted_factor(v, np.asarray(form, dtype=float), RESIDUAL)
        if s is not None and abs(s - mu) <= 1e-6 * abs(mu):
            return True
    return False
