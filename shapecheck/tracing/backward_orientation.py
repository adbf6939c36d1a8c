"""Which way an error goes back through a weight, read from the run's own forward pass.

When several rewrites of a failing product fit the shapes (sizes that coincide, a square weight), the
forward product that ran decides: ``A1 @ W2`` sends ``dZ2`` back as ``dZ2 @ W2.T`` and makes ``W2``'s
gradient ``A1.T @ dZ2``; ``W2 @ A1`` sends it back as ``W2.T @ dZ2`` with gradient ``dZ2 @ A1.T``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from shapecheck.tracing.fix_check import Candidate
from shapecheck.tracing.roles import looks_like_error
from shapecheck.tracing.origins import dotted_name as _dotted


@dataclass(frozen=True)
class ForwardUse:
    """A product of the run that multiplied ``weight`` by a signal (not by an error): on the ``side`` (0 left,
    1 right), ``transposed`` or not, at ``line`` in ``expr``."""

    weight: str
    side: int
    transposed: bool
    line: int
    expr: str
    signal: str = ""            # the other factor's text (``A1`` in ``A1 @ W2``), without ``.T``


def against_the_forward_pass(candidate: Candidate, forward: tuple) -> tuple[bool, str] | None:
    """An error goes back through a weight the other way round from how the forward pass used it: the
    forward ``A1 @ W2`` sends ``dZ2`` back as ``dZ2 @ W2.T``, ``W2 @ A1`` as ``W2.T @ dZ2``. (True, words)
    when the candidate multiplies a weight so, (False, why) when it contradicts the run's forward product,
    None when it multiplies no weight the run used in one way only."""
    for weight, side, transposed in _weights_in(candidate.text):
        uses = {(u.side, u.transposed) for u in forward if u.weight == weight}
        if len(uses) != 1:
            continue
        use = next(u for u in forward if u.weight == weight)
        expected = (use.side, not use.transposed)
        said = f"line {use.line} multiplies by `{weight}` as `{use.expr}`, so an error goes back through " + \
            ("`" + weight + ("" if use.transposed else ".T") + "` on the " + ("left" if use.side == 0 else "right"))
        if (side, transposed) == expected:
            return True, said
        return False, said
    return None


def _weights_in(text: str):
    """(name, side, transposed) of each named factor of the products in ``text`` that multiply it by an
    error being sent back (``dZ2``, ``delta``, ``d_output``)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return
    for node in ast.walk(tree):
        pair = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            pair = (node.left, node.right)
        elif isinstance(node, ast.Call) and len(node.args) == 2 and _dotted(node.func) in ("np.dot", "np.matmul"):
            pair = tuple(node.args)
        for side, factor in enumerate(pair or ()):
            transposed = isinstance(factor, ast.Attribute) and factor.attr == "T"
            name = _dotted(factor.value if transposed else factor)
            other = pair[1 - side]
            other = other.value if isinstance(other, ast.Attribute) and other.attr == "T" else other
            if name is not None and _dotted(other) and looks_like_error(_dotted(other)):
                yield name, side, transposed


def gradient_against_the_forward_pass(candidate: Candidate, weight: str, forward: tuple) -> tuple[bool, str] | None:
    """The gradient of a weight pairs the forward product's signal with the error: ``A1 @ W2`` makes
    ``dW2 = A1.T @ dZ2``, ``W2 @ A1`` makes ``dZ2 @ A1.T``, ``W2.T @ A1`` makes ``A1 @ dZ2.T``. (True, words)
    when the candidate's product has the signal and the error so, (False, why) when it has the signal
    otherwise, None when the run's forward product of ``weight`` is not known (or not one)."""
    uses = {(u.side, u.transposed, u.signal) for u in forward if u.weight == weight and u.signal}
    if len(uses) != 1:
        return None
    use = next(u for u in forward if u.weight == weight and u.signal)
    signal_side = use.side if use.transposed else 1 - use.side
    expected = f"{use.signal}{'' if use.transposed else '.T'}"
    shape = (f"{expected} @ <error>{'.T' if use.transposed else ''}" if signal_side == 0
             else f"<error>{'.T' if use.transposed else ''} @ {expected}")
    said = f"line {use.line} computes `{use.expr}`, so the gradient of `{weight}` is `{shape}`"
    for left, right in _products(candidate.text):
        factors = [_factor(left), _factor(right)]
        sides = [i for i, (name, _) in enumerate(factors) if name == use.signal]
        if not sides:
            continue
        side = sides[0]
        right_signal = side == signal_side and factors[side][1] == (not use.transposed)
        right_error = factors[1 - side][1] == use.transposed
        return (right_signal and right_error), said
    return None


def _products(text: str):
    """(left, right) of each matrix product in ``text``."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            yield node.left, node.right
        elif isinstance(node, ast.Call) and len(node.args) == 2 and _dotted(node.func) in ("np.dot", "np.matmul"):
            yield node.args[0], node.args[1]


def _factor(node) -> tuple[str, bool]:
    """(source text without ``.T``, whether it is transposed) of one factor."""
    transposed = isinstance(node, ast.Attribute) and node.attr == "T"
    return ast.unparse(node.value if transposed else node), transposed
