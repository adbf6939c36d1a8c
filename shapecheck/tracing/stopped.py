"""A run that ended in an exception that is not a shape error: where it stopped, what it said, and, for a
cause we recognise and have checked in the learner's own frame, what to write.

The tracer watches shapes; a ``TypeError`` in an accuracy line, a ``KeyError`` in a dict of weights or a
missing module end the run just as surely, and what would have run after them was not checked. The report
says so instead of "no shape problems found" (issue 24).

The one cause recognised so far is numpy's refusal to make a Python number of an array with dimensions:
``float(np.dot(Y, A.T))`` of a ``(1, 1)`` array worked silently before numpy 1.25, warned from 1.25 and is
a ``TypeError`` in recent numpy (2.4.6 raises it; a course's accuracy line meets it first). The hint is given only
when the failing line's conversion, re-run on the value the learner's frame holds, raises the very same
error, and the rewrite it offers, run on that value, does not.
"""

from __future__ import annotations

import ast
import linecache
import os
import sysconfig
import warnings

import numpy as np

from shapecheck._arrays import format_shape
from shapecheck.tracing import in_shapecheck
from shapecheck.tracing.locations import location
from shapecheck.tracing.origins import source_text

#: The builtins that turn an array into one Python number (recent numpy refuses them for ndim > 0).
_CONVERSIONS = {"float": float, "int": int, "complex": complex}
#: Pure builtins a side-effect-free operand may call while it is re-evaluated (``float(Y.size)``).
_PURE_BUILTINS = (float, int, len, abs, round, complex)
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))
_LIBRARY_DIRS = tuple({os.path.abspath(p) + os.sep for key in ("stdlib", "platstdlib", "purelib", "platlib")
                       if (p := sysconfig.get_paths().get(key))})


def stopped_at(raised: BaseException, relative, traced=lambda filename: True) -> dict:
    """``{"file", "line", "exception", "message", "hint", "traced"}`` for a run ended by ``raised`` (not a shape
    error): the innermost frame in the learner's own code (``relative`` maps its file to what the report shows;
    ``traced`` says whether that file ran traced: a file ``%run`` in a notebook did not), the exception's type
    and message, and a hint ("" when no recognised cause was confirmed)."""
    frame, line = learner_frame(raised.__traceback__)
    message = " ".join(str(raised).split())
    filename = frame.f_code.co_filename if frame is not None else None
    if isinstance(raised, SyntaxError) and raised.filename:     # where the file cannot be read, not the import
        frame, filename, line = None, raised.filename, raised.lineno
        message = " ".join(str(raised.msg).split())
    found = {"file": relative(filename) if filename else None, "line": line,
             "exception": type(raised).__name__, "message": message, "hint": "",
             "traced": not filename or bool(traced(filename)) or isinstance(raised, SyntaxError)}
    if frame is not None:
        try:
            found["hint"] = _conversion_hint(raised, frame, line)
        except Exception:  # noqa: BLE001 - a hint we could not check is not given
            found["hint"] = ""
    return found


def stopped_text(stop: dict, sites: int, who: str = "script", problems: int = 0) -> str:
    """The report's paragraph: the failure first, then that it is not a shape error (and what the shapes seen
    before it were: ``problems`` counts the warnings and caught shape errors listed above), then the hint."""
    where = _where(stop)
    said = f"{stop['exception']}: {stop['message']}" if stop["message"] else stop["exception"]
    if not stop.get("traced", True):
        ran = f"{stop['file'] or 'the failing code'} ran untraced, so its shapes were not checked"
    elif problems:
        ran = ("the shape problem(s) listed above came before it: if a value used here was made on one of those "
               "lines, fix that line first")
    elif sites:
        ran = f"the {sites} operation site(s) that ran before it had shapes that fit"
    else:
        ran = "no array operation had run before it"
    after = "what would have run after it was not checked"
    if stop["exception"] == "SyntaxError" and stop.get("cell"):       # a notebook's cell: the cells before it ran
        ran, after = f"Python could not read cell {stop['cell']}", "nothing of that cell or the cells after it ran"
    elif stop["exception"] == "SyntaxError":          # raised while reading a file, before any of it ran
        ran, after = f"Python could not read {stop['file'] or 'the file'}", "nothing of that file ran or was checked"
    lines = [f"the {who} failed{where}: {said}", f"  this is not a shape error: {ran}; {after}"]
    if stop["hint"]:
        lines.append("  " + stop["hint"])
    return "\n".join(lines)


def stop_phrase(stop: dict, sites: int, warnings: int) -> str:
    """The summary's end: ``FAILED at f.py:24 (TypeError), not a shape error; no shape problems found before it``."""
    where = _where(stop)
    before = (f"{stop['file'] or 'the failing code'} ran untraced" if not stop.get("traced", True)
              else f"{warnings} warning(s) before it" if warnings
              else "no shape problems found before it" if sites else "no array operation ran before it")
    return f"FAILED{where} ({stop['exception']}), not a shape error; {before}"


def _where(stop: dict) -> str:
    """`` at f.py:24``, `` in f.py`` (no line: a file that cannot be decoded), or ''."""
    if not stop["file"]:
        return ""
    return f" at {location(stop['file'], stop['line'], stop.get('cell'))}" if stop["line"] else f" in {stop['file']}"


def learner_frame(tb):
    """(frame, line) of the innermost frame in the learner's own code: not shapecheck's, numpy's, importlib's
    or an installed package's or Python's library's; (None, None) when there is none."""
    found = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if _learners(name):
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _learners(filename: str) -> bool:
    if in_shapecheck(filename) or filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):           # a notebook cell, a string run by exec: the learner's
        return True
    path = os.path.abspath(filename)
    return not path.startswith((_NUMPY_DIR + os.sep, *_LIBRARY_DIRS))


# -- float() of an array with dimensions ------------------------------------------------------------------

def _conversion_hint(raised, frame, line) -> str:
    """The hint for ``float(a)`` / ``int(a)`` / ``"%.2f" % a`` of an array with dimensions, when re-running it on
    the frame's value raises exactly ``raised``; '' otherwise."""
    if not isinstance(raised, (TypeError, DeprecationWarning)):
        return ""
    from shapecheck.tracing.excepthook import _statement_at

    source = "".join(linecache.getlines(frame.f_code.co_filename, frame.f_globals))
    statement = _statement_at(source, line) if source else None
    if statement is None:
        return ""
    for node in sorted(ast.walk(statement), key=lambda n: sum(1 for _ in ast.walk(n))):   # inner first
        hint = _hint_for(node, source, frame, raised)
        if hint:
            return hint
    return ""


def _hint_for(node, source, frame, raised) -> str:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1 \
            and not node.keywords and node.func.id in _CONVERSIONS \
            and _value(node.func, frame) is _CONVERSIONS[node.func.id]:
        convert, operand = _CONVERSIONS[node.func.id], node.args[0]
        value = _value(operand, frame)
        if not _dimensioned(value) or not _same_failure(lambda: convert(value), raised):
            return ""
        return _advice(f"{node.func.id}()", source_text(source, operand), value,
                       lambda fixed: convert(fixed), node.func.id, raised)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str) and not isinstance(node.right, ast.Tuple):
        template, value = node.left.value, _value(node.right, frame)
        if not _dimensioned(value) or not _same_failure(lambda: template % value, raised):
            return ""
        return _advice("the % format", source_text(source, node.right), value, lambda fixed: template % fixed, "", raised)
    return ""


def _advice(what: str, text: str, value: np.ndarray, redo, call: str, raised) -> str:
    """What the array is and, for one value, the two rewrites that work on it (each checked)."""
    shape = format_shape(value.shape)
    if value.size != 1:
        return f"{what} was given `{text}`, a {shape} array of {value.size} values: it makes a number of one value only"
    element = (0,) * value.ndim
    if not (_works(lambda: redo(value.item())) and _works(lambda: redo(value[element]))):
        return ""
    operand = text if _atomic(text) else f"({text})" if len(text) <= 40 else "(...)"
    index = ", ".join("0" for _ in element)
    wrap = (lambda inner: f"{call}({inner})") if call else (lambda inner: inner)
    refuses = (f"numpy {np.__version__} makes a number only of a 0-dimensional array (numpy 1.25 began warning "
               "about it, and code written for older numpy, as many courses' is, relied on it)"
               if isinstance(raised, TypeError) else
               f"numpy {np.__version__} warns that this will stop working (as it has in newer numpy), and your "
               "warning filters made the warning an error")
    return (f"{what} was given `{text}`, a {shape} array holding one value: {refuses}"
            f"\n  write `{wrap(operand + '.item()')}`, or take the "
            f"element: `{wrap(operand + '[' + index + ']')}`")


def _dimensioned(value) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0


def _same_failure(run, raised) -> bool:
    """Does ``run()`` fail as the learner's line did (same type, same message), numpy's deprecation warning
    (numpy 1.25 to 2.3) counted as the failure it becomes under ``-W error``?"""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            run()
        except (TypeError, DeprecationWarning) as again:
            return type(again) is type(raised) and str(again) == str(raised)
    return False


def _works(run) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            run()
        except Exception:  # noqa: BLE001 - a rewrite that fails is not offered
            return False
    return True


def _atomic(text: str) -> bool:
    """Can ``.item()`` follow ``text`` without parentheses (a name, an attribute, a subscript, a call)?"""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))


def _value(node, frame):
    """A side-effect-free expression (names, attributes, subscripts, arithmetic, numpy's functions and
    ``float``/``int``/``len``/``abs``) evaluated in the failing frame; None when it is not one or fails."""
    from shapecheck.tracing.excepthook import _SAFE, _numpy_call

    for part in ast.walk(node):
        if isinstance(part, _SAFE) or isinstance(part, ast.keyword):
            continue
        if isinstance(part, ast.Call) and (_numpy_call(part, frame) or _pure_builtin(part, frame)):
            continue
        return None
    try:
        return eval(compile(ast.Expression(node), "<shapecheck operand>", "eval"), frame.f_globals, frame.f_locals)
    except Exception:  # noqa: BLE001 - an operand we cannot evaluate gives no hint
        return None


def _pure_builtin(call, frame) -> bool:
    if not isinstance(call.func, ast.Name):
        return False
    try:
        function = eval(call.func.id, frame.f_globals, frame.f_locals)
    except Exception:  # noqa: BLE001
        return False
    return any(function is pure for pure in _PURE_BUILTINS)
