"""What the learner's source file says around a line: the function it is in, the names it binds, the calls
it makes. locate.py uses it to tell a line that finishes a quantity from one a later line still changes,
and location_hints.py to write a hint in the learner's own names."""

from __future__ import annotations

import ast
import functools


@functools.lru_cache(maxsize=64)
def tree(path):
    """The parsed module at ``path``, or None (unreadable, not Python)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return None


@functools.lru_cache(maxsize=64)
def _functions(path) -> tuple:
    parsed = tree(path)
    if parsed is None:
        return ()
    spans = [(node.lineno, node.end_lineno, getattr(node, "name", "<lambda>")) for node in ast.walk(parsed)
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    return tuple(sorted(spans, key=lambda s: (s[0], -s[1])))


def function_at(path, line):
    """(first line, last line, name) of the innermost function (def or lambda) around ``line``, or None."""
    for span in reversed(_functions(path)):
        if span[0] <= line <= span[1]:
            return span
    return None


def _own_nodes(path, line, kinds) -> list:
    """The nodes of the ``kinds`` that lie in the function around ``line`` (the module when none) and not in a
    function nested in it."""
    parsed, function = tree(path), function_at(path, line)
    if parsed is None:
        return []
    first, last = (function[0], function[1]) if function else (1, float("inf"))
    return [node for node in ast.walk(parsed) if isinstance(node, kinds) and first <= node.lineno
            and node.end_lineno <= last and function_at(path, node.lineno) == function]


@functools.lru_cache(maxsize=4096)
def in_loop(path, line) -> bool:
    """``line`` lies in a ``for`` or ``while`` loop of its own function (a comprehension counts too)."""
    loops = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return any(node.lineno <= line <= node.end_lineno for node in _own_nodes(path, line, loops))


@functools.lru_cache(maxsize=4096)
def in_branch(path, line) -> bool:
    """``line`` lies in a branch of an ``if`` of its own function: it runs in some calls of it only (the
    output layer's ``dZ = dA`` beside the hidden layers' ``dZ = relu_backward(dA, cache)``)."""
    return any(node.lineno < line <= node.end_lineno for node in _own_nodes(path, line, ast.If))


@functools.lru_cache(maxsize=4096)
def counts_samples(path, line) -> bool:
    """The function around ``line`` binds a name to a size read off an array (``m = A_prev.shape[1]``,
    ``samples = len(dvalues)``): where a learner's code computes the n it divides by."""
    def sized(value):
        return isinstance(value, ast.Subscript) and isinstance(value.value, ast.Attribute) \
            and value.value.attr == "shape" or isinstance(value, ast.Call) \
            and isinstance(value.func, ast.Name) and value.func.id == "len"

    if function_at(path, line) is None:
        return False
    return any(sized(node.value) for node in _own_nodes(path, line, ast.Assign))


def statements_at(path, line) -> list:
    """The simple statements that start on ``line`` (an assignment, a return, an expression)."""
    parsed = tree(path)
    if parsed is None:
        return []
    return [node for node in ast.walk(parsed) if isinstance(node, ast.stmt) and node.lineno == line
            and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For,
                                      ast.While, ast.With, ast.Try))]


def bound_names(path, line) -> set:
    """The names the assignments on ``line`` bind (``x`` for ``x = ...``, ``self`` for ``self.a[0] = ...``)."""
    names = set()
    for node in statements_at(path, line):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {_root_name(t) for t in targets} - {None}
    return names


def binding_kind(path, line) -> str:
    """What the assignment on ``line`` does with its value: "computes" (an expression with an operation),
    "alias" (a plain name bound to another name: ``dZ1 = dA1``), "store" (a name's value kept elsewhere,
    unchanged: ``self.delta1 = d1``, ``nabla_b[-l] = delta``, ``d = np.array(d1)``, ``x.copy()``), or ""
    when no assignment starts on the line."""
    for node in statements_at(path, line):
        if not isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) or node.value is None:
            continue
        if isinstance(node, ast.AugAssign):
            return "computes"
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        plain = all(isinstance(t, ast.Name) for t in targets)
        value = node.value
        if isinstance(value, ast.Name):
            return "alias" if plain else "store"
        if _is_copy(value):
            return "store"
        return "computes"
    return ""


def passes_on(path, line) -> bool:
    """The assignment on ``line`` binds a plain name to a name or an attribute as it is (``dA = dA_prev``,
    ``grad = dense.dinputs``): it passes a value on, it makes none."""
    for node in statements_at(path, line):
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            return isinstance(node.value, (ast.Name, ast.Attribute))
    return False


def _is_copy(value) -> bool:
    """``np.array(x)``, ``np.copy(x)``, ``np.asarray(x)``, ``x.copy()``: the value of a name, copied."""
    if not isinstance(value, ast.Call):
        return False
    name = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
    if name == "copy" and not value.args and isinstance(value.func, ast.Attribute):
        return isinstance(value.func.value, (ast.Name, ast.Attribute, ast.Subscript))
    return name in ("array", "copy", "asarray") and len(value.args) == 1 \
        and isinstance(value.args[0], (ast.Name, ast.Attribute, ast.Subscript))


def assigned_text(path, line) -> str:
    """The source of the first assignment target on ``line`` (``dZ1``, ``self.delta``), or ""."""
    for node in statements_at(path, line):
        if isinstance(node, ast.Assign):
            return ast.unparse(node.targets[0])
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            return ast.unparse(node.target)
    return ""


def calls_on(path, line) -> list:
    """(called name, [argument sources]) for every call on ``line`` (``sigmoid_prime``, ``self.act_prime``)."""
    found = []
    for statement in statements_at(path, line):
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and node.lineno == line:
                found.append((ast.unparse(node.func), [ast.unparse(a) for a in node.args]))
    return found


def subtraction_on(path, line):
    """(left, right) source of the one subtraction ``left - right`` on ``line``, or None (none, or several)."""
    found = [node for statement in statements_at(path, line) for node in ast.walk(statement)
             if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)]
    if len(found) != 1:
        return None
    return ast.unparse(found[0].left), ast.unparse(found[0].right)


def changed_later(path, line, lines_run) -> bool:
    """A statement after ``line`` in its function that ran (``lines_run``: (file, line) pairs) assigns, or
    changes in place, a name the line binds; or the line binds none (unknown: taken as changed)."""
    span = function_at(path, line)
    parsed = tree(path)
    if span is None or parsed is None:
        return True
    bound = bound_names(path, line)
    if not bound:
        return True
    apart = _other_branches(parsed, line)
    for node in ast.walk(parsed):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and line < node.lineno <= span[1] \
                and (path, node.lineno) in lines_run and not any(a <= node.lineno <= b for a, b in apart):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if bound & ({_root_name(t) for t in targets} - {None}):
                return True
    return False


def _other_branches(parsed, line) -> list:
    """The line spans of the branches that cannot run in the same pass as ``line``: the ``else`` (or ``elif``)
    of an ``if`` whose body holds it (the course's ``dZ = relu_backward(...)`` and, for the output layer, the
    ``dZ = sigmoid_backward(...)`` of another call)."""
    spans = []
    for node in ast.walk(parsed):
        if isinstance(node, ast.If) and node.body and node.orelse \
                and node.body[0].lineno <= line <= node.body[-1].end_lineno:
            spans.append((node.orelse[0].lineno, node.orelse[-1].end_lineno))
    return spans


def _root_name(target):
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None
