"""Where a float network's mistake is: one traced run of the learner's step, its floats matched entry by entry.

A learner of floats never forms ``dZ1`` or ``sigmoid'(Z1)`` as arrays: each partial is a float on a line of
its own (``d_h1_d_w1 = x[0] * deriv_sigmoid(h1)``). So the values their step computes (kept by the tracer's
values mode, tracing/values.py) are compared one by one with the entries of what the diagnosed mistake
computes and what the reference computes instead, on the one sample the step was compared on:

- a derivative at the activation: ``g'(A1[j])`` (the reference's is ``g'(Z1[j])``);
- a missing output derivative: the weight sent back bare, ``W2[j, k]`` or ``e[k] * W2[j, k]`` (the
  reference multiplies by ``g'(Z2[k])``);
- a flipped sign: the output error ``-c * (A2 - Y)`` (``c``: the loss's own scale);
- a wrong factor: the output error ``f * c * (A2 - Y)`` where the loss needs ``c * (A2 - Y)``.

A line is named only when a value computed on it (or inside a helper it calls) is the mistake's entry and
differs from the reference's; nothing is named otherwise.
"""

from __future__ import annotations

import ast
import dataclasses
import linecache
import os
import re

import numpy as np

from reference_nets.activations import hidden_activation, output_activation
from shapecheck.comparison.messages import RIGHT_IF_YOURS
from shapecheck.comparison.report import CHECKED, Location, causes_text

_RTOL = 1e-9


def locate_floats(net, report, step, X1, Y1) -> tuple:
    """The :class:`Location` s of the report's diagnosis in the learner's float code (empty: not pinned down).
    ``step``: compare's step on the floats (``FloatNetwork.step``); ``X1``, ``Y1``: the sample it used."""
    diagnosis = report.diagnoses[0]
    functions = _functions(report)
    if report.verdict != "mismatch" or functions is None or len(net.layout.weights) != 2:
        return ()
    q = _quantities(net, functions, X1, Y1)
    if q is None:
        return ()
    scale = _loss_scale(report)
    bugs = set(diagnosis.bug.split(" + "))
    sites = _run(net, step, X1, Y1) if bugs & _LOCATED else []
    wanted = _signatures(bugs, q, scale, _common_scale(report), net, _direction(sites, net), _whose(report))
    if not wanted:
        return ()
    found, groups = {}, {}
    for site in sites:
        value = float(site.value)
        for mutant, reference, hint, group, fallback in wanted:
            if _close(value, mutant) and not _close(mutant, reference) and not _prediction(site, mutant, group, q):
                path, line = site.frames[-1] if site.frames else (site.file, site.line)
                if (path, line) not in found:
                    found[(path, line)] = (hint, group, fallback)
                    groups.setdefault(group, set()).add(fallback)
    # a value that only carries the mistake (a delta made from a derivative computed on a line of its own) is
    # named only when no line computes the mistake itself
    kept = {where: hint for where, (hint, group, fallback) in found.items()
            if not (fallback and False in groups.get(group, ()))}
    return tuple(Location(path, line, linecache.getline(path, line).strip(), "float", "computed", hint)
                 for (path, line), hint in sorted(kept.items(), key=lambda item: item[0][1]))


def _prediction(site, value, group, q) -> bool:
    """A flipped output error that equals the prediction itself (its target is 0: y_pred - y is y_pred) shows
    only on a subtraction, not where the prediction is made (``o = sigmoid(...)``, its helper's return)."""
    return (group[0] == "sign" and site.op in ("=", "return", "call")
            and _close(abs(value), abs(float(q["A2"][group[1]]))))


def with_factor_found(diagnosis, located):
    """The diagnosis with the lines ``located`` on it; a factor found entering on a line that one of the
    diagnosis's causes names (its 2, its 1/t) is that cause, found on the run: the message states it with the
    line, in place of the usual causes. When the factor is the one between the declared loss and another usual
    scaling of it (the learner's code may be right), the line is said once, in the message, and not named as
    the place of a mistake."""
    for location in located:
        found = re.match(r"the factor ([0-9.e+-]+) enters here", location.hint or "")
        if not found:
            continue
        f = float(found.group(1))
        for cause in diagnosis.causes:
            kind, k = cause.evidence or (None, None)
            if (kind == "multiplies" and _near(f, k)) or (kind == "divides" and _near(f, 1.0 / k)):
                checked = dataclasses.replace(cause, fact=cause.fact.format(line=location.line, source=location.source),
                                              established=CHECKED)
                message = diagnosis.message.replace(causes_text(diagnosis.causes), causes_text((checked,)))
                rest = tuple(other for other in located if other is not location or RIGHT_IF_YOURS not in message)
                return dataclasses.replace(diagnosis, message=message, causes=(checked,), locations=rest)
    return dataclasses.replace(diagnosis, locations=located)


def _near(a, b) -> bool:
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b))


#: The mistakes whose values this module looks for.
_LOCATED = {"derivative-at-activation", "missing-output-derivative", "sign-flip", "wrong-scale", "missing-mean"}


def _whose(report) -> str:
    """Whose loss the reference's derivative is: the declared one, or the one compare read or took."""
    for aspect, _, source in report.conventions:
        if aspect == "loss scale" and "declared" in source:
            return "the declared loss's derivative"
    return "your loss's derivative"


def _direction(sites, net) -> int | None:
    """How the learner's step applies what it computes to the floats: -1 for ``self.w1 -= lr * g`` (g is the
    gradient), +1 for ``self.w1 += lr * g`` (g is minus the gradient: ``err = y - o``), None when the updates
    do not say (an increment that is a sum, mixed signs, no update seen)."""
    names = {name for _, _, found in net.labels for name in np.asarray(found).ravel()}
    signs = set()
    for site in sites:
        update = _update(site, names)
        if update is None:
            continue
        op, rest = update
        sign = _sign(rest)
        if sign is None:
            return None
        signs.add(sign * (1 if op in ("+=", "+") else -1))
    return signs.pop() if len(signs) == 1 else None


def _update(site, names):
    """(the operator, the increment's text) when the site updates one of the floats: ``self.w1 -= ...``, or
    ``self.w1 = self.w1 - ...`` (whose line assigns the float the site's own sum); else None."""
    target, _, rest = site.source.partition(f" {site.op} ")
    if site.op in ("+=", "-="):
        return (site.op, rest) if target.strip() in names else None
    if site.op not in ("+", "-"):
        return None
    try:
        statement = ast.parse(linecache.getline(site.file, site.line).strip()).body[0]
        expression = ast.parse(site.source.strip(), mode="eval").body
    except (SyntaxError, ValueError, IndexError):
        return None
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(expression, ast.BinOp) and ast.dump(statement.value) == ast.dump(expression)):
        return None
    name = ast.unparse(statement.targets[0])
    if name not in names or ast.unparse(expression.left) != name:
        return None
    return site.op, ast.unparse(expression.right)


def _sign(text: str) -> int | None:
    """The sign an update's increment applies: a product of factors, each unary minus turning it (None: a sum
    or a difference, whose sign the text does not show)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    sign, stack = 1, [node]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, stack = -sign, [*stack, node.operand]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            stack += [node.left, node.right]
        elif isinstance(node, ast.BinOp):
            return None
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value < 0:
            sign = -sign
    return sign


def _functions(report):
    """(hidden, output) activation names from the report's ``functions`` line."""
    for aspect, what, _ in report.conventions:
        if aspect == "functions":
            found = re.match(r"(\w+) hidden, (\w+) output", what)
            return (*found.groups(), "squared error" in what) if found else None
    return None


def _loss_scale(report) -> float:
    """``c`` in ``dL/dA2 = c * (A2 - Y)`` on one sample: 2 for a squared error without the 1/2, else 1."""
    for aspect, what, _ in report.conventions:
        if aspect == "loss scale":
            return 2.0 if "without the 1/2" in what else 1.0
    return 1.0


def _common_scale(report) -> float | None:
    scales = {round(row.scale, 6) for row in report.rows}
    return report.rows[0].scale if len(scales) == 1 else None


def _quantities(net, functions, X1, Y1):
    """The forward pass on the sample, from the floats as compare holds them."""
    try:
        g1, g2 = hidden_activation(functions[0]), output_activation(functions[1])
    except Exception:  # noqa: BLE001 - a softmax or a name we do not read: no line
        return None
    arrays = {reference: net.proxy[label] for label, reference, _ in net.labels}
    W1, W2 = arrays["W1"], arrays["W2"]
    b1, b2 = arrays.get("b1", 0.0), arrays.get("b2", 0.0)
    x, y = np.asarray(X1, dtype=float)[:1], np.asarray(Y1, dtype=float).reshape(1, -1)
    Z1 = x @ W1 + b1
    A1 = g1(Z1)
    Z2 = A1 @ W2 + b2
    A2 = g2(Z2)
    return dict(squared=functions[2], g1=g1, g2=g2, Z1=Z1[0], A1=A1[0], Z2=Z2[0], A2=A2[0], Y=y[0], W2=W2)


def _signatures(bugs, q, c, f, net, direction=None, whose="your loss's derivative") -> list:
    """(mutant's value, reference's value, hint, group, fallback) per entry, for the diagnosed mistakes: a
    ``fallback`` entry is named only when no other entry of its ``group`` is. ``direction``: how the step
    applies its values (see :func:`_direction`); a flipped sign is looked for only when it is known."""
    out = []
    error = c * (q["A2"] - q["Y"])
    names = net.layout.weights[1]
    units = net.layout.wiring
    if "derivative-at-activation" in bugs:
        at_a, at_z = q["g1"].derivative(z=q["A1"]), q["g1"].derivative(z=q["Z1"])
        dZ2 = error * (q["g2"].derivative(z=q["Z2"]) if q["squared"] else 1.0)
        sent = q["W2"] @ dZ2
        for j in range(len(at_a)):
            hint = (f"this derivative is taken at u{j + 1}'s activation; it needs its weighted sum "
                    f"({units[j].split(' = f(', 1)[1][:-1]}): {q['g1'].name}'(sum), not "
                    f"{q['g1'].name}'({q['g1'].name}(sum))")
            out.append((at_a[j], at_z[j], hint, ("at", j), False))
            out.append((sent[j] * at_a[j], sent[j] * at_z[j], hint, ("at", j), True))   # the hidden delta inline
    if "missing-output-derivative" in bugs:
        prime = q["g2"].derivative(z=q["Z2"])
        for j, row in enumerate(names):
            for k, name in enumerate(row):
                hint = (f"this sends back {name} without the output activation's derivative: multiply by "
                        f"{q['g2'].name}'(the output's weighted sum)")
                out.append((q["W2"][j, k], q["W2"][j, k] * prime[k], hint, ("sent", j, k), False))
                out.append((error[k] * q["W2"][j, k], error[k] * q["W2"][j, k] * prime[k], hint, ("sent", j, k),
                            False))
    if "sign-flip" in bugs and direction is not None:
        # a step that adds (self.w1 += lr * err * ...) needs err = y - y_pred: there the flip is y_pred - y
        for k in range(len(error)):
            hint = (f"the output error's sign turns here: {whose} is {c:g} * (y_pred - y), this is {c:g} * "
                    "(y - y_pred)")
            if direction > 0:
                hint = (f"the output error's sign turns here: your updates add (+=), so this needs {c:g} * "
                        f"(y - y_pred), minus {whose} ({c:g} * (y_pred - y)); this is {c:g} * (y_pred - y)")
            out.append((direction * error[k], -direction * error[k], hint, ("sign", k), False))
    if ("wrong-scale" in bugs or "missing-mean" in bugs) and f is not None and f > 0:
        for k in range(len(error)):
            out.append((f * error[k], error[k], f"the factor {f:.4g} enters here: this output error is "
                                                f"{f * c:.4g} * (y_pred - y); {whose} is "
                                                f"{c:g} * (y_pred - y)", ("factor", k), False))
    return out


def _run(net, step, X1, Y1) -> list:
    """The values the learner's step computes on the sample, its floats and compare's arrays put back."""
    from shapecheck.tracing.values import trace_values

    with net.kept():
        run = trace_values(step, X1, Y1, sizes={1})
    if run.exception is not None or run.truncated:
        return []
    return [s for s in run.sites if np.size(s.value) == 1 and os.path.exists(s.file)]


def _close(a, b) -> bool:
    a, b = float(a), float(b)
    return abs(a - b) <= _RTOL * max(abs(a), abs(b)) and max(abs(a), abs(b)) > 1e-300
