"""The learning rate a float network's ``train`` keeps as a local constant (``learn_rate = 0.1``).

A blog's ``train`` sets ``learn_rate = 0.1`` and ``epochs = 1000`` as locals, so the learning rate is on no
object compare can read. A local named like a learning rate (update_rule.LR_NAMES, and ``learn_rate``)
assigned a number in the step's own code is a candidate; it is kept only when a copy of the step whose code
holds twice that number moves every float exactly twice as far, checked on the learner's run.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types

import numpy as np

from shapecheck.comparison.update_rule import LR_NAMES


def local_rate(net, user_step, whole, X1, Y1):
    """(rate, note) read from ``user_step``'s code and checked, or None."""
    function = getattr(user_step, "__func__", user_step)
    code = getattr(function, "__code__", None)
    found = _assigned(function)
    if code is None or found is None:
        return None
    name, value, line = found
    doubled = types.FunctionType(code.replace(co_consts=tuple(
        2 * c if type(c) is type(value) and c == value else c for c in code.co_consts)),
        function.__globals__, function.__name__, function.__defaults__, function.__closure__)
    if hasattr(user_step, "__self__"):
        doubled = types.MethodType(doubled, user_step.__self__)
    once, twice = _moves(net, net.step(user_step, whole), X1, Y1), _moves(net, net.step(doubled, whole), X1, Y1)
    if not all(np.allclose(2 * once[k], twice[k], rtol=1e-9, atol=0) for k in once) or \
            not any(np.any(v) for v in once.values()):
        return None
    return float(value), (f"learning rate {float(value):g} read from your step's `{name} = {value!r}` (line {line}): "
                          "with it doubled your step moves every float twice as far")


def _assigned(function):
    """(name, number, line) of the step's one assignment of a number to a local named like a learning rate."""
    try:
        lines, first = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    names = set(LR_NAMES)
    found = [(node.targets[0].id, node.value.value, first + node.lineno - 1) for node in ast.walk(tree)
             if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
             and node.targets[0].id in names and isinstance(node.value, ast.Constant)
             and isinstance(node.value.value, (int, float)) and not isinstance(node.value.value, bool)
             and node.value.value > 0]
    return found[0] if len(found) == 1 else None


def _moves(net, step, X1, Y1) -> dict:
    """How far ``step`` moves compare's arrays; everything put back."""
    with net.kept() as arrays:
        before = {k: v.copy() for k, v in arrays.items()}
        step(X1, Y1)
        return {k: arrays[k] - before[k] for k in arrays}
