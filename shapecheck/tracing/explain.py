"""Explaining a failed array operation in the learner's own terms.

For the operation that raised we know its source text, the source text and shape of each operand, and
the file it is in. The explanation says which axes conflict and why (the broadcasting rule, or the
inner dimension of a matrix product), where each operand got its shape, draws the shapes aligned from
the right, and lists rewrites that would work, checked against the shape rules.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from shapecheck._arrays import format_shape
from shapecheck.tracing.shapes import Conflict, broadcast_diagram, predict, suggest_fixes

PRODUCTS = frozenset({"@", "@=", "dot", "matmul", "inner", "outer", "tensordot"})


@dataclass(frozen=True)
class Explanation:
    """The facts of one failure, for the text report and the JSON ``error`` object."""

    file: str
    line: int
    kind: str                # "broadcast", "matmul" or "inplace-broadcast"
    message: str
    operands: tuple          # ((expr, shape), ...)
    text: str

    def to_dict(self, relative_file: str) -> dict:
        return {"file": relative_file, "line": self.line, "kind": self.kind, "message": self.message,
                "operands": [{"expr": e, "shape": list(s) if s is not None else None} for e, s in self.operands]}


def classify(op: str, exception: BaseException) -> str | None:
    """The error kind, or None when the exception is not a shape error."""
    text = str(exception)
    if not isinstance(exception, ValueError):
        return None
    if "non-broadcastable output operand" in text:
        return "inplace-broadcast"
    if op in PRODUCTS or "matmul" in text or "not aligned" in text:
        return "matmul"
    if "could not be broadcast" in text:
        return "broadcast"
    return None


def explain_failure(tracer, failure) -> str:
    """The explanation text added to the exception (and kept for the report); '' for other errors."""
    explanation = build_explanation(tracer.registry, failure.site, failure.kind, failure.shapes, failure.exception,
                                    known=_known_shapes(tracer, tracer.registry.sites[failure.site].file))
    failure.explanation = explanation
    return explanation.text if explanation else ""


def _known_shapes(tracer, file: str) -> dict:
    """Shapes of named arrays seen as operands in ``file`` so far: name -> shape (latest seen)."""
    known = {}
    for record in tracer.records.values():
        site = tracer.registry.sites[record.site]
        if site.file != file:
            continue
        for text, shape in zip(site.operands, record.shapes):
            if shape is not None and len(shape) == 2 and text.isidentifier():
                known[text] = shape
    return known


def build_explanation(registry, site_id: int, op: str, shapes: tuple, exception, *,
                      known: dict | None = None) -> Explanation | None:
    site = registry.sites[site_id]
    kind = classify(op, exception)
    if kind is None:
        return None
    texts = list(site.operands) if site.op != "call" else list(site.operands[:len(shapes)])
    texts += ["?"] * (len(shapes) - len(texts))
    operands = tuple(zip(texts, shapes))
    source = registry.sources.get(site.file, "")
    symbol = op if op not in ("dot", "matmul") else "@"
    if kind == "inplace-broadcast":
        message, body = _inplace(operands)
    elif kind == "matmul":
        message, body = _matmul(operands)
    else:
        message, body = _broadcast(symbol, operands)
    lines = [f"shapecheck: {kind} error at {display_path(site.file)}:{site.line}: {message}",
             f"    {_source_line(source, site.line)}"]
    width = max(len(f"`{t}`") for t, _ in operands)
    for text, shape in operands:
        origin = _origin(source, site.line, text, shape)
        shape_text = format_shape(shape) if shape is not None else "(no shape)"
        lines.append(f"  {('`' + text + '`').ljust(width)}  {shape_text:<10} {origin}")
    lines += body
    fixes = _fixes(op if op not in ("-=", "+=", "*=", "/=") else op[:-1], operands, source, site.line, kind,
                   known or {})
    if fixes:
        lines.append("  fixes that would work:")
        lines += [f"    {fix}" for fix in fixes]
    return Explanation(site.file, site.line, kind, message, operands, "\n".join(lines))


def _broadcast(symbol, operands):
    shapes = tuple(s for _, s in operands)
    outcome = predict(symbol if symbol in _ELEMENTWISE else "+", shapes)
    diagram = broadcast_diagram([(t, s) for t, s in operands], outcome)
    why = outcome.message if isinstance(outcome, Conflict) else "numpy could not broadcast these shapes"
    rule = ("  the rule: align the shapes from the right; each pair of sizes must be equal, or one of them 1")
    return (f"operands could not be broadcast together: {why}",
            [rule, *("  " + line for line in diagram.splitlines())])


def _matmul(operands):
    ls = operands[0][1]
    rs = operands[1][1] if len(operands) > 1 else None
    outcome = predict("@", (ls, rs)) if ls is not None and rs is not None else None
    why = outcome.message if isinstance(outcome, Conflict) else "the inner dimensions do not match"
    body = ["  the rule: (m, k) @ (k, p) -> (m, p): the left operand's last size must equal the right "
            "operand's second-to-last size"]
    return f"matrix product: {why}", body


def _inplace(operands):
    (target_text, target), (value_text, value) = operands
    return (f"the in-place update cannot change `{target_text}`'s shape {format_shape(target)}: "
            f"`{value_text}` {format_shape(value)} does not broadcast into it",
            [f"  an in-place update keeps the target's shape: the right side must broadcast to "
             f"{format_shape(target)} without growing it"])


_ELEMENTWISE = frozenset({"+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^"})


def _fixes(op, operands, source, line, kind, known) -> list[str]:
    out = []
    if len(operands) == 2 and all(s is not None for _, s in operands):
        symbol = "@" if op in ("dot", "matmul", "@") else op
        if symbol in _ELEMENTWISE or symbol == "@":
            for fix in suggest_fixes(symbol, operands[0], operands[1]):
                out.append(f"`{fix.text}` gives {format_shape(fix.result)}")
        if symbol in _ELEMENTWISE:
            out += _missing_product(symbol, operands, known)
    for text, shape in operands:
        statement = _origin_statement(source, line, text)
        if statement and re.search(r"\.(sum|mean)\(|np\.(sum|mean)\(", statement) and "keepdims" not in statement:
            out.append(f"`{text}` comes from a sum/mean without keepdims=True (`{statement.strip()}`): "
                       "keepdims=True keeps the summed axis as size 1")
    if kind == "inplace-broadcast":
        (target_text, target), (value_text, _) = operands
        out.append(f"make the update the shape of `{target_text}`: `{value_text}.reshape({target_text}.shape)` "
                   f"if it holds the same numbers, or store `{target_text}` in the shape of the update")
    return out[:5]


def _missing_product(symbol, operands, known) -> list[str]:
    """The classic backprop slip: an error not yet sent back through a weight matrix.

    ``dZ2 * (1 - A1**2)`` with dZ2 ``(n, t)`` and A1 ``(n, h)``: a known matrix W2 ``(h, t)`` makes
    ``dZ2 @ W2.T`` ``(n, h)``, which fits.
    """
    (lt, ls), (rt, rs) = operands
    found = []
    for name, shape in known.items():
        for text, matrix in ((f"{name}.T", shape[::-1]), (name, shape)):
            for moved, moved_shape, other, other_shape, left_side in ((lt, ls, rt, rs, True), (rt, rs, lt, ls, False)):
                if not moved.isidentifier():      # an error variable such as dZ2, not an expression
                    continue
                product = predict("@", (moved_shape, matrix))
                if isinstance(product, tuple) and product == other_shape and moved_shape != other_shape:
                    wrapped = f"({moved} @ {text})"
                    fix = (f"{wrapped} {symbol} {_paren(other)}" if left_side
                           else f"{_paren(other)} {symbol} {wrapped}")
                    found.append(f"`{fix}` gives {format_shape(other_shape)}: was `{moved}` meant to go "
                                 f"through `{name}` first (the error sent back through the weights)?")
    return found[:2]


def _paren(text: str) -> str:
    """``text`` wrapped in parentheses unless it is a name, a number or already one call/attribute."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text})"
    return text if isinstance(node, (ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Subscript)) else f"({text})"


def display_path(path: str) -> str:
    """A path relative to the working directory when it is inside it, as tracebacks read best."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _source_line(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _origin(source: str, line: int, text: str, shape) -> str:
    """Where an operand got its shape, in words."""
    if not text.isidentifier():
        return "computed on this line"
    statement_line = _assignment_line(source, line, text)
    if statement_line is None:
        function = _parameter_of(source, line, text)
        if function:
            return f"an argument of {function}(), passed in with this shape"
        return "a global or loop variable"
    return f"got its shape at line {statement_line}: {_source_line(source, statement_line)}"


def _origin_statement(source: str, line: int, text: str) -> str | None:
    if not text.isidentifier():
        return None
    found = _assignment_line(source, line, text)
    return _source_line(source, found) if found else None


def _assignment_line(source: str, line: int, name: str) -> int | None:
    """The line of the assignment to ``name`` nearest before ``line`` in the same function (or module)."""
    assignments, scopes = _index(source)
    scope = _enclosing(scopes, line)
    candidates = [at for at, target, in_scope in assignments if target == name and in_scope == scope]
    before = [at for at in candidates if at < line]
    if before:
        return max(before)
    return max(candidates) if candidates else None


@lru_cache(maxsize=64)
def _index(source: str):
    """(assignment line, name, enclosing function start) for every assignment, and the function spans."""
    tree = parse_source(source)
    if tree is None:
        return (), ()
    scopes = tuple((node.lineno, node.end_lineno) for node in ast.walk(tree)
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    assignments = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
            targets = [node.target]
        for target in targets:
            for name in _names(target):
                assignments.append((node.lineno, name, _enclosing(scopes, node.lineno)))
    return tuple(assignments), scopes


@lru_cache(maxsize=64)
def parse_source(source: str) -> ast.Module | None:
    """The parsed file (cached: explanations look at the same file several times), None if unparsable."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _parameter_of(source: str, line: int, name: str) -> str | None:
    """The name of the function enclosing ``line`` when ``name`` is one of its parameters."""
    tree = parse_source(source)
    if tree is None:
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= node.end_lineno:
            arguments = node.args
            names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
            if name in names and (best is None or node.lineno > best.lineno):
                best = node
    return best.name if best else None


def _names(target):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element)


def _enclosing(scopes, line):
    inside = [start for start, end in scopes if start <= line <= (end or start)]
    return max(inside) if inside else 0
