"""Where an operand got its shape, read from the learner's source: the assignment that made it.

An operand is a name (``dZ2``), an attribute chain (``self.a1``, ``self.__b1``) or an element of one
(``self.weights[-l + 1]``). Its assignment is looked for first in the function the failing line is in
(the nearest one before the line), then, for a name the function does not assign, at module level or
in a function that declares it ``global`` (``forwardProp()`` setting ``A2`` for ``backProp()``), and for
an attribute anywhere in the file (``self.a1`` set in ``forward``, used in ``backward``). The same index
tells which names a suggested fix may use: only those in scope at the failing line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

MODULE = 0      # the scope key of module-level code (and of names a function declares global)


@dataclass(frozen=True)
class Scope:
    """A function: its lines, its name, its parameters, the names it declares global, the names it binds."""

    start: int
    end: int
    name: str
    params: frozenset
    globals: frozenset
    binds: frozenset


@dataclass(frozen=True)
class Assignment:
    line: int
    key: str            # "dZ2" or "self.a1"
    scope: int          # the start line of the function it is in, or MODULE
    keeps_shape: bool   # ``x -= v``: an array keeps its shape; the origin is an earlier assignment
    written_in: str     # "forwardProp()" or "module level": where the statement is


@dataclass(frozen=True)
class Origin:
    """An operand's assignment: its line, the function it is in when that is not the failing line's
    function (else ""), and whether the operand is an element of what was assigned."""

    line: int
    elsewhere: str
    element: bool


@lru_cache(maxsize=64)
def parse_source(source: str) -> ast.Module | None:
    """The parsed file (cached: explanations look at the same file several times), None if unparsable."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def operand_key(text: str) -> tuple[str, bool] | None:
    """``("self.weights", True)`` for ``self.weights[-l + 1]``; ``("dZ2", False)`` for ``dZ2``; None for
    an expression that is computed where it stands (``1 - A1 ** 2``, ``f(x)``)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    element = False
    while isinstance(node, ast.Subscript):
        node, element = node.value, True
    key = dotted_name(node)
    return (key, element) if key else None


def find_origin(source: str, line: int, text: str) -> Origin | None:
    """The assignment that gave the operand ``text`` (used at ``line``) its value, or None."""
    found = operand_key(text)
    if found is None:
        return None
    key, element = found
    index = _index(source)
    if index is None:
        return None
    assignments, scopes = index
    shaping = [a for a in assignments if not a.keeps_shape]
    assignments = shaping if any(a.key == key for a in shaping) else assignments
    scope = _enclosing(scopes, line)
    local = _local_scope(scope, key)
    # the failing line's own assignment (``self.b2 = self.b2 - lr * db2``) is not where the operand came from
    assignments = [a for a in assignments if a.line != line]
    same = [a.line for a in assignments if a.key == key and a.scope == local]
    if same:
        before = [at for at in same if at < line]
        return Origin(max(before) if before else max(same), "", element)
    if "." in key:
        others = [a for a in assignments if a.key == key]
    elif scope is not None and key in scope.params:
        return None
    else:
        # a closure's variable: assigned in an enclosing function (innermost first), else at module level
        for outer in sorted((s for s in scopes if s.start < (scope.start if scope else 0) <= s.end),
                            key=lambda s: -s.start):
            enclosing = [a for a in assignments if a.key == key and a.scope == outer.start]
            if enclosing:
                chosen = max(enclosing, key=lambda a: a.line)
                return Origin(chosen.line, chosen.written_in, element)
            if key in outer.params:
                return None
        others = [a for a in assignments if a.key == key and a.scope == MODULE]
    if not others:
        return None
    before = [a for a in others if a.line < line]
    chosen = max(before or others, key=lambda a: a.line)
    return Origin(chosen.line, chosen.written_in, element)


def parameter_of(source: str, line: int, text: str) -> str | None:
    """The name of the function enclosing ``line`` when ``text`` is one of its parameters."""
    index = _index(source)
    scope = _enclosing(index[1], line) if index else None
    return scope.name if scope is not None and text in scope.params else None


def in_scope(source: str, line: int, text: str) -> bool:
    """Whether a fix may use ``text`` (a name or ``self.W2``) at ``line``: its first name is bound in the
    enclosing function (assigned, a parameter) or at module level."""
    found = operand_key(text)
    index = _index(source)
    if found is None or index is None:
        return False
    first = found[0].split(".")[0]
    assignments, scopes = index
    scope = _enclosing(scopes, line)
    if scope is not None and (first in scope.params or first in scope.binds):
        return True
    return any(a.key == first and a.scope == MODULE for a in assignments) or first in _module_names(source)


def assignments(source: str) -> tuple:
    """Every :class:`Assignment` in the file (``()`` when it does not parse)."""
    index = _index(source)
    return index[0] if index else ()


def source_text(source: str, node) -> str:
    """The node's source text on one line (its unparsed text when the source does not hold it)."""
    text = ast.get_source_segment(source, node) or ast.unparse(node)
    return " ".join(text.split())


def source_line(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


# -- the index ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _index(source: str):
    """(every assignment, every function scope) of the file, or None when it does not parse."""
    tree = parse_source(source)
    if tree is None:
        return None
    scopes = tuple(_scope(node) for node in ast.walk(tree)
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    assignments = []
    for node in ast.walk(tree):
        for target in _targets(node):
            for element in _flatten(target):
                key = dotted_name(element)      # an element (``d[mask] = 0``) is set, not the array's shape
                if key is None:
                    continue
                scope = _enclosing(scopes, node.lineno)
                assignments.append(Assignment(node.lineno, key, _local_scope(scope, key),
                                              isinstance(node, ast.AugAssign),
                                              f"{scope.name}()" if scope else "module level"))
    return tuple(assignments), scopes


def _scope(node) -> Scope:
    arguments = node.args
    params = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    params += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    declared, binds = set(), set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Global):
            declared.update(inner.names)
        for target in _targets(inner):
            binds.update(e.id for e in _flatten(target) if isinstance(e, ast.Name))
    name = getattr(node, "name", "<lambda>")
    return Scope(node.lineno, node.end_lineno or node.lineno, name, frozenset(params), frozenset(declared),
                 frozenset(binds))


def _targets(node) -> list:
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
        return [node.target]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _flatten(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _flatten(element)
    elif isinstance(target, ast.Starred):
        yield from _flatten(target.value)
    else:
        yield target


def dotted_name(node) -> str | None:
    """``self.a1`` for an attribute chain over a name, the name itself for a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _enclosing(scopes, line) -> Scope | None:
    inside = [scope for scope in scopes if scope.start <= line <= scope.end]
    return max(inside, key=lambda scope: scope.start) if inside else None


def _local_scope(scope: Scope | None, key: str) -> int:
    """Where a name assigned in ``scope`` lives: the function, or the module when declared global.
    Attributes live on their object; they are keyed by the function that assigns them."""
    if scope is None or ("." not in key and key in scope.globals):
        return MODULE
    return scope.start


@lru_cache(maxsize=64)
def _module_names(source: str) -> frozenset:
    """Names bound at module level by def, class and import (assignments are in the index)."""
    tree = parse_source(source)
    names = set()
    for node in tree.body if tree else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)
