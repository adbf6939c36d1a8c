"""Checking a fix on the learner's own run before it is offered.

A rewrite of the failing operation (``d_output @ W.T`` for ``d_output.dot(W)``) can make its own line run
and still break the program: a (1, 1) that the next line stretches silently over (4, 4) trains nothing and
fails nowhere. So at the failure, where the tracer holds the live operands and the learner's frame, each
candidate is evaluated on the operands and its result followed to where it goes: the operations around
it on the same line, then the first later use, in the same function, of the name it is assigned to (or the
caller's line, for a returned value), up to four times. A consumer that fails, or that stretches the result
by broadcasting (the silent bugs), rejects the fix; so does an assignment it does not fit (see
:mod:`fix_targets`) and an earlier call of the same line that it would break.

The other operand of a consumer is read by evaluating its source in the learner's frame, and only when
that cannot change anything: names, attributes, arithmetic, numpy's functions (not its random ones) and
the learner's own functions that only compute and return. While that runs the tracer's records are set
aside and put back, so the report shows the learner's run alone. What cannot be evaluated so leaves the
fix checked on its own line only, and the report says that it is a possibility.
"""

from __future__ import annotations

import ast
import builtins
import copy
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from shapecheck._arrays import format_shape
from shapecheck.tracing.fix_targets import (gradient_of, keeps_target, refused_as_gradient, refused_by_slot,
                                            refused_by_statement)
from shapecheck.tracing.origins import parse_source, source_text
from shapecheck.tracing.frameworks import framework_kind
from shapecheck.tracing.origins import dotted_name as _dotted
from shapecheck.tracing.safe_eval import is_safe, safe_eval_text

#: What a candidate's template calls the failing operation's operands.
LEFT, RIGHT = "_sc_left", "_sc_right"
_VALUE = "_sc_value"

FITS, LINE_ONLY, REJECTED = "fits", "line-only", "rejected"


@dataclass(frozen=True)
class Candidate:
    """A rewrite of the failing expression: ``text`` as the learner would type it, ``template`` the same
    expression with the operands as ``_sc_left`` / ``_sc_right`` (evaluated on the live values);
    ``names`` maps further placeholders to source text read from the frame (a weight matrix ``W2``)."""

    text: str
    template: str
    names: tuple = ()           # ((placeholder, source text), ...)
    question: str = ""          # what the fix assumes, said after it ("was `dZ2` meant to go through W2?")
    at_line: int = 0            # a fix of the line that made an operand (0: of the failing line itself)
    replaces: str = ""          # with ``at_line``: the statement it replaces there


@dataclass(frozen=True)
class Verdict:
    """How a candidate fared: ``status`` is ``fits`` (it runs, and so does each use of its result that
    could be followed), ``line-only`` (it runs; its result's use could not be checked) or ``rejected``;
    ``result`` its shape; ``evidence`` the words that say what was checked."""

    candidate: Candidate
    status: str
    result: tuple | None
    evidence: str
    gradient_of: str = ""       # the weight whose gradient the failing line assigns (``dW1 = ...``: ``W1``)

    def to_dict(self) -> dict:
        return {"text": self.candidate.text, "status": self.status,
                "result": list(self.result) if self.result is not None else None, "evidence": self.evidence,
                "checked_on_this_run": self.status == FITS}


@dataclass
class Context:
    """What a failure leaves to check fixes with: the file's source, the failing site, the operands'
    values, the learner's frame (its globals and locals at the failure) and the tracer (whose records are
    set aside while learner functions run for the check)."""

    source: str
    site: object
    values: tuple
    frame: object
    tracer: object = None
    earlier: tuple = ()         # the operand shapes of the calls of this line that ran before
    forward: tuple = ()         # ForwardUse: how each weight was multiplied in products that ran before

    @property
    def frame_names(self) -> dict:
        return {**self.frame.f_globals, **self.frame.f_locals}


def check_candidates(context: Context, candidates: list[Candidate]) -> list[Verdict]:
    """Each candidate evaluated on the live operands and followed to its result's uses, in order."""
    verdicts = []
    with _set_aside(context.tracer):
        for candidate in candidates:
            try:
                verdicts.append(_check(context, candidate))
            except Exception:  # noqa: BLE001 - a check of ours that breaks leaves the fix unchecked
                verdicts.append(Verdict(candidate, LINE_ONLY, None, "not checked"))
    return verdicts


def _check(context: Context, candidate: Candidate) -> Verdict:
    namespace = {"np": np, "numpy": np, LEFT: context.values[0], RIGHT: context.values[-1]}
    frame_names = context.frame_names
    for placeholder, text in candidate.names:
        found, value = safe_eval_text(text, frame_names, context)
        if not found:
            return Verdict(candidate, LINE_ONLY, None, f"`{text}` could not be read")
        namespace[placeholder] = value
    try:
        value = eval(candidate.template, {"__builtins__": builtins}, namespace)  # noqa: S307 - our own text
    except Exception as exc:  # noqa: BLE001 - numpy refused it on the live operands
        return Verdict(candidate, REJECTED, None, f"it fails on this run's arrays ({_first_line(exc)})")
    shape = tuple(np.shape(value))
    shared = _breaks_earlier_calls(context, candidate, namespace)
    if shared:
        return Verdict(candidate, REJECTED, shape, shared)
    tree = parse_source(context.source)
    node = _failing_node(tree, context.site) if tree is not None else None
    if node is None:
        return Verdict(candidate, LINE_ONLY, shape, "its result's use could not be found")
    return _follow(context, candidate, tree, node, value, shape)


def _breaks_earlier_calls(context: Context, candidate: Candidate, namespace: dict) -> str:
    """The same line ran before with other shapes (a loop over layers, a recursive helper, a function
    called for each layer): a rewrite must work for those calls too, or it fixes one call and breaks the
    others. '' when it does (or when the line never ran before, or the fix reads more than the two operands:
    what else it reads, a weight or a sum, is this call's own)."""
    if candidate.names:
        return ""
    for shapes in context.earlier:
        if len(shapes) != 2 or any(s is None or math.prod(s) > _LARGEST_STAND_IN for s in shapes):
            continue
        stand_ins = {**namespace, LEFT: np.ones(shapes[0]), RIGHT: np.ones(shapes[1])}
        try:
            eval(candidate.template, {"__builtins__": builtins}, stand_ins)  # noqa: S307 - our own text
        except Exception:  # noqa: BLE001 - the rewrite does not fit an earlier call of this line
            left, right = (format_shape(s) for s in shapes)
            return (f"this line ran before with {left} and {right}, where it would fail: the line is shared by "
                    "calls that need different shapes, so the operand made differently for this call is the one "
                    "to fix, where it is made")
    return ""


#: Earlier calls are re-created with arrays of ones no larger than this.
_LARGEST_STAND_IN = 10**6


# --- following the result ----------------------------------------------------------------------------------

#: How many assignments (or returns) a fix's result is followed through.
_HOPS = 4


@dataclass
class _Place:
    """Where the value being followed is: a file's source and tree, and the frame whose names it reads."""

    source: str
    tree: object
    frame: object
    tracer: object = None

    @property
    def parents(self) -> dict:
        return _parents(self.tree)

    @property
    def names(self) -> dict:
        return {**self.frame.f_globals, **self.frame.f_locals}


def _follow(context, candidate, tree, node, value, shape) -> Verdict:
    """The candidate's ``value`` put where the failing ``node`` stood, through the operations around it on
    its line, then to the first later use of the name the line assigns it to (or, from a ``return``, to the
    caller's line), up to four times. The evidence names, on each line, the operation that takes the value
    first, and what an assignment checks (a gradient's shape, an update's target)."""
    place = _Place(context.source, tree, context.frame, context.tracer)
    checked, first_statement, first_node = [], None, None
    rebound = {}        # names the followed value was assigned to, in this place: read as that value from then on
    shown = (source_text(context.source, node), candidate.text)      # the failing text, and the fix shown for it
    for hop in range(_HOPS):
        said_here = False
        while True:
            outcome = _climb(place.parents, node, value, {**place.names, **rebound}, place,
                             shown if hop == 0 else None)
            if outcome[0] == REJECTED:
                return Verdict(candidate, REJECTED, shape, outcome[1])
            if outcome[0] != "value":
                break
            _, node, value, said = outcome
            if said and not said_here:
                checked.append(said)
                said_here = True
        statement = outcome[1]
        if hop == 0:
            first_statement, first_node = statement, node
        if statement is None:
            break
        refused = refused_by_statement(statement, node, value, place.names, place) or \
            refused_by_slot(statement, node, value, place) or \
            (refused_as_gradient(statement, value, place.names, place, checked) if hop == 0 else "")
        if refused:
            return Verdict(candidate, REJECTED, shape, refused)
        if isinstance(statement, ast.AugAssign) or keeps_target(statement, node):
            target = statement.target if isinstance(statement, ast.AugAssign) else statement.targets[0]
            checked.append(f"`{source_text(place.source, target)}` keeps its shape")
        if isinstance(statement, ast.Return) and statement.value is node:
            place, node = _caller(place)
            rebound = {}
        else:
            rebound.update(_bound_names(statement, node, value))
            node = _next_use(place.tree, place.parents, statement, node)
        if node is None:
            break
    found = gradient_of(first_statement, context.frame_names)
    of = found[0] if found and first_statement.value is first_node else ""
    if not checked:
        return Verdict(candidate, LINE_ONLY, shape, "what uses its result was not checked", of)
    return Verdict(candidate, FITS, shape, "checked on this run: " + "; ".join(checked[:4]), of)


def _caller(place: _Place):
    """(the caller's place, the call's node) for a value returned from ``place``'s function: the one call of
    that function on the caller's current line, in learner code the tracer instrumented; (place, None)
    otherwise."""
    caller = place.frame.f_back
    if caller is None or place.tracer is None:
        return place, None
    source = place.tracer.registry.sources.get(caller.f_code.co_filename)
    tree = parse_source(source) if source else None
    if tree is None:
        return place, None
    name = place.frame.f_code.co_name
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n, "lineno", None) == caller.f_lineno
             and (_dotted(n.func) or "").split(".")[-1] == name]
    if len(calls) != 1:
        return place, None
    return _Place(source, tree, caller, place.tracer), calls[0]


def _climb(parents, node, value, frame_names, context, shown=None):
    """One step up from ``node`` (now holding ``value``): ``("value", parent, new value, words)`` after an
    operation that accepts it, ``(REJECTED, why)``, or ``("statement", statement)`` at the statement.
    ``shown``: (failing text, fix text), to quote the parent with the fix in place."""
    parent = parents.get(node)
    while isinstance(parent, (ast.keyword, ast.Starred)):
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.stmt) or parent is None:
        return "statement", parent
    if isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Lambda, ast.NamedExpr, ast.JoinedStr,
                           ast.FormattedValue, ast.comprehension, ast.ListComp, ast.GeneratorExp)):
        return "statement", None
    expression = _substituted(parent, node)
    if expression is None or not is_safe(expression, frame_names, context):
        return "statement", None
    namespace = {**frame_names, _VALUE: value}
    try:
        result = eval(compile(ast.Expression(expression), "<shapecheck fix check>", "eval"), namespace)  # noqa: S307
    except Exception as exc:  # noqa: BLE001 - the learner's next operation refuses the fix's result
        # a name not set yet at the failure: cannot follow further (but jax's shape errors are TypeErrors)
        if isinstance(exc, (NameError, AttributeError, KeyError, IndexError, TypeError)) and not framework_kind(exc):
            return "statement", None
        return REJECTED, f"line {parent.lineno} would then fail: `{_quoted(context, parent, shown)}` ({_first_line(exc)})"
    stretched = _stretched_by(parent, node, value, result)
    if stretched:
        return REJECTED, (f"line {parent.lineno} would stretch its {format_shape(np.shape(value))} silently to "
                          f"{format_shape(np.shape(result))} in `{_quoted(context, parent, shown)}`")
    said = ""
    if _is_operation(parent):
        said = f"line {parent.lineno} `{_quoted(context, parent, shown)}` then gives {format_shape(np.shape(result))}"
    return "value", parent, result, said


def _quoted(context, parent, shown) -> str:
    """The parent's source, with the fix in place of the failing text when it is on the failing line."""
    text = source_text(context.source, parent)
    if shown and shown[0] in text:
        fix = shown[1] if _is_atom(shown[1]) else f"({shown[1]})"
        text = text.replace(f"({shown[0]})", fix, 1) if f"({shown[0]})" in text else text.replace(shown[0], fix, 1)
    return text


def _is_atom(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant))


def _stretched_by(parent, node, value, result) -> bool:
    """An elementwise operation (``*``, ``-``, ``np.maximum``...) that broadcasts the value to more entries:
    a (1, 1) over (4, 4), or one side of an outer product. Products and reductions may change sizes."""
    if not isinstance(value, np.ndarray) or value.ndim == 0 or not isinstance(result, np.ndarray):
        return False
    elementwise = isinstance(parent, ast.BinOp) and not isinstance(parent.op, ast.MatMult)
    elementwise = elementwise or isinstance(parent, ast.Call) and _is_binary_ufunc_call(parent)
    if not elementwise:
        return False
    return result.size > value.size


def _is_binary_ufunc_call(call: ast.Call) -> bool:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    ufunc = getattr(np, name, None)
    return isinstance(ufunc, np.ufunc) and ufunc.nin == 2


def _is_operation(node) -> bool:
    return isinstance(node, (ast.BinOp, ast.Call, ast.Compare))


def _next_use(tree, parents, statement, node):
    """The first later read, in the same function, of what ``statement`` assigns the value to
    (``error_hidden = ...`` then ``error_hidden * ...``); None for anything else."""
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is not node:
        return None
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if len(targets) != 1 or not _dotted(targets[0]):
        return None
    key = _dotted(targets[0])
    scope = _scope(parents, statement)
    end = (statement.end_lineno, statement.end_col_offset)
    later = sorted((n for n in ast.walk(scope) if _dotted(n) == key and (n.lineno, n.col_offset) > end),
                   key=lambda n: (n.lineno, n.col_offset))
    if not later or not isinstance(later[0].ctx, ast.Load):
        return None                   # assigned again before it is read, or never read here
    use = later[0]
    return use


def _bound_names(statement, node, value) -> dict:
    """{name: value} when ``statement`` assigns the followed value to a plain name (``Z = np.tanh(...)``): its
    next use, ``Z * (1 - Z)``, must read the new value in both places, not the frame's older ``Z``."""
    if isinstance(statement, ast.Assign) and statement.value is node and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], ast.Name):
        return {statement.targets[0].id: value}
    return {}


def _scope(parents, node):
    while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        node = parents.get(node)
    return node


@contextmanager
def _set_aside(tracer):
    """Run checks without leaving a trace: the tracer's records, warnings and failures are put back as they
    were, its ``failed`` ignores what the checks raise, and numpy's warnings are not shown."""
    saved = None
    if tracer is not None:
        saved = ({key: replace(record) for key, record in tracer.records.items()}, dict(tracer.warned),
                 list(tracer.failures), list(tracer.internal_errors), dict(tracer._functions_at))
        tracer.probing = True
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        if tracer is not None:
            records, warned, failures, internal, functions_at = saved
            tracer.clear_records()
            tracer.records.update(records)
            tracer.warned.clear()
            tracer.warned.update(warned)
            tracer.failures[:] = failures
            tracer.internal_errors[:] = internal
            tracer._functions_at.clear()
            tracer._functions_at.update(functions_at)
            tracer.probing = False


# --- the syntax tree -------------------------------------------------------------------------------------------

def _failing_node(tree, site):
    """The expression of the failing operation: the operation that starts at the site's line and column and
    reads as the site's expression (the outermost one there, when the text does not settle it)."""
    try:
        wanted = ast.unparse(ast.parse(site.expr.strip(), mode="eval").body)
    except SyntaxError:
        wanted = None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.Call)) and node.lineno == site.line and node.col_offset == site.col:
            if ast.unparse(node) == wanted:
                return node
            best = best or node
    return best


def _parents(tree) -> dict:
    found = getattr(tree, "_sc_parents", None)
    if found is None:
        found = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        tree._sc_parents = found
    return found


def _substituted(parent, node):
    """A copy of ``parent`` with ``node`` replaced by the value's placeholder (None if it cannot be made)."""
    try:
        copied = _Swap(node).visit(copy.deepcopy(parent, memo={id(node): node}))
    except Exception:  # noqa: BLE001
        return None
    return ast.fix_missing_locations(copied)


class _Swap(ast.NodeTransformer):
    def __init__(self, node):
        self.node = node

    def visit(self, current):
        if current is self.node:
            return ast.copy_location(ast.Name(id=_VALUE, ctx=ast.Load()), current)
        return self.generic_visit(current)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
