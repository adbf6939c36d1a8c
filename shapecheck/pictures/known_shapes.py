"""The shapes of the expressions a run recorded, and of a fix's parts worked out from them.

A trace report knows each recorded operation's source text and operand shapes, and the failing operation's
operands. A fix such as ``(dZ2 @ self.W2.T) * (1 - self.A1 ** 2)`` is drawn with its two sides, so their
shapes are worked out from those: a name or expression seen on the run, ``.T`` (reversed), ``@``/``np.dot``
((m, k) @ (k, p) -> (m, p)), an elementwise operator (numpy's broadcasting), a number (a scalar). A side
that cannot be worked out is None and is drawn as not known, never guessed.
"""

from __future__ import annotations

import ast

import numpy as np

_PRODUCT_CALLS = frozenset({"dot", "matmul"})


def normal(source: str) -> str | None:
    """``source`` as ``ast.unparse`` writes it (``np.dot(a , b)`` -> ``np.dot(a, b)``), None if it does not parse."""
    try:
        return ast.unparse(ast.parse(source.strip(), mode="eval"))
    except (SyntaxError, ValueError, RecursionError):
        return None


def from_report(error: dict | None, sites) -> dict:
    """{normal source text: shape} for the failing operands and both sides and the result of each recorded
    binary operation or two-argument call (its first signature)."""
    known: dict = {}
    for site in sites:
        signature = site.signatures[0] if site.signatures else None
        parts = two_sides(site.expr)
        if signature is None or parts is None:
            continue
        left, _, right = parts
        shapes = signature.get("shapes") or []
        for node, shape in zip((left, right), shapes):
            known.setdefault(ast.unparse(node), tuple(shape) if shape is not None else ())
        key = normal(site.expr)
        if key and signature.get("result") is not None:
            known.setdefault(key, tuple(signature["result"]))
    for found in (error or {}).get("operands", ()):
        key = normal(found["expr"])
        if key and found.get("shape") is not None:
            known[key] = tuple(found["shape"])
    return known


def two_sides(source: str):
    """(left node, operator symbol, right node) of a binary operation or ``np.dot(a, b)``-like call, else None."""
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if isinstance(node, ast.BinOp):
        return node.left, _SYMBOLS.get(type(node.op), "?"), node.right
    if isinstance(node, ast.Call) and _called(node) in _PRODUCT_CALLS and len(node.args) == 2 and not node.keywords:
        return node.args[0], "@", node.args[1]
    return None


def operator_of(source: str) -> str | None:
    """The symbol of the operation ``source`` is (``-``, ``@``), or None."""
    parts = two_sides(source)
    return parts[1] if parts else None


def shape_of(node, known: dict):
    """The shape of ``node`` from ``known`` and numpy's rules (a tuple), or None when it cannot be worked out."""
    key = ast.unparse(node)
    if key in known:
        return known[key]
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return ()
    if isinstance(node, ast.Attribute) and node.attr == "T":
        inner = shape_of(node.value, known)
        return tuple(reversed(inner)) if inner is not None else None
    parts = two_sides(key)
    if parts is None:
        return None
    left, symbol, right = parts
    return combined(symbol, shape_of(left, known), shape_of(right, known))


def combined(symbol: str, left, right):
    """The shape of ``left symbol right`` by numpy's rules, or None when either is unknown or they do not fit."""
    if left is None or right is None:
        return None
    if symbol == "@":
        if len(left) == 2 and len(right) == 2 and left[1] == right[0]:
            return (left[0], right[1])
        if len(left) == 2 and len(right) == 1 and left[1] == right[0]:
            return (left[0],)
        return None
    try:
        return tuple(np.broadcast_shapes(tuple(left), tuple(right)))
    except ValueError:
        return None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%"}
