"""Running learner code under the tracer: a script, a module's function, or one Python function.

A script runs as ``python script.py`` would run it: ``__name__ == "__main__"``, ``sys.argv``,
``__file__``, the script's directory first on ``sys.path``, its own stdin/stdout/stderr, its exit code
(``sys.exit(n)`` included), and a traceback that shows only the learner's frames. Modules it imports
from its own directory tree, or from folders it adds to ``sys.path``, are instrumented too (an import hook);
Python's library and installed packages are not.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import tokenize
import traceback
import types
import warnings
from contextlib import contextmanager
from dataclasses import replace

from shapecheck.errors import ConfigurationError, InvalidArgumentError, ShapecheckError, UntraceableError
from shapecheck.tracing import in_shapecheck
from shapecheck.tracing.explain import display_path
from shapecheck.tracing.faults import could_not_trace, escaped_fault, instrumenting_failed, mark_as_learners
from shapecheck.tracing.function_copy import instrumented_copy as _instrumented_copy
from shapecheck.tracing.report import TraceReport, build_report
from shapecheck.tracing.rewrite import instrument
from shapecheck.tracing.runtime import Tracer

_OWN_DIR = os.path.dirname(os.path.abspath(__file__))


class ScriptNotFoundError(ShapecheckError, FileNotFoundError):
    """The script (or module) to trace does not exist."""


def existing_file(path, argv, kind: str, suffix: str) -> str:
    """The absolute path of the ``kind`` ("script", "notebook") to run, its ``argv`` checked; an
    InvalidArgumentError for a path or argv of the wrong type, a ScriptNotFoundError for a missing file."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"path must be a file path, got {path!r}", name="path",
                                   expected=f"{_article(suffix)} {suffix} file path", got=repr(path))
    if not isinstance(argv, (list, tuple)) or not all(isinstance(a, (str, int, float)) for a in argv):
        raise InvalidArgumentError(f"argv must be a list of strings, got {argv!r}", name="argv",
                                   expected="list of str", got=repr(argv))
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        what = f"is a directory, not a {kind}" if os.path.isdir(path) else "does not exist"
        raise ScriptNotFoundError(f"no such {kind}: {path} {what}", name=kind,
                                  expected=f"an existing {suffix} file", got=path)
    return path


def _article(suffix: str) -> str:
    return "an" if suffix == ".ipynb" else "a"          # "an .ipynb file", "a .py file"


def trace_script(path: str, argv=(), *, show_all: bool = False, stderr=None) -> TraceReport:
    """Run the script at ``path`` with arguments ``argv`` under the tracer and return its report.

    The script's own output goes where it always goes; an uncaught exception is printed to ``stderr``
    (default ``sys.stderr``) as Python would print it, with our explanation added, and the report's
    ``exit_code`` is what ``python path argv...`` would have exited with.
    """
    stderr = stderr or sys.stderr
    path = existing_file(path, argv, "script", ".py")
    if path.lower().endswith(".ipynb"):         # its JSON is not Python: null, true ... are not defined
        raise ConfigurationError(f"{os.path.basename(path)} is a notebook: shapecheck.trace_notebook(path) runs its "
                                 "code cells", name="path", expected="a .py file", got=path)
    tracer = Tracer()
    base_dir = os.path.dirname(path)
    try:
        source = _read_source(path)
    except SyntaxError as exc:          # not UTF-8 and no coding cookie, or bytes no codec reads
        stderr.write(f"  File \"{path}\"\n{type(exc).__name__}: {exc.msg}\n")
        return _unreadable(tracer, base_dir, exc, path)
    try:
        code = compile(instrument(source, path, tracer.registry), path, "exec")
    except SyntaxError as exc:
        stderr.write("".join(traceback.format_exception_only(type(exc), exc)))
        return _unreadable(tracer, base_dir, exc, path)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __builtins__=__builtins__, __cached__=None, __package__=None)
    with _script_environment(main, path, argv), _local_imports(base_dir, tracer) as hook, tracer:
        exit_code, raised = _run(lambda: exec(code, main.__dict__), stderr)
    hook.forget()
    return build_report(tracer, exit_code, base_dir, raised=raised, show_all=show_all)


def _unreadable(tracer, base_dir: str, exc: SyntaxError, path: str) -> TraceReport:
    """The report of a script Python cannot read or compile: the learner's failure at its line, not ours."""
    exc.filename = exc.filename or path
    mark_as_learners(exc)
    return replace(build_report(tracer, 1, base_dir, raised=exc), error_text="")


def _read_source(path: str) -> str:
    """The script's text, decoded as Python would (PEP 263); a SyntaxError, as from python, when it cannot be."""
    try:
        with tokenize.open(path) as handle:
            source = handle.read()
    except SyntaxError as exc:
        raise SyntaxError(f"{exc.msg} (the file is not UTF-8 text: save it as UTF-8, or declare its encoding on "
                          "line 1 or 2, e.g. # -*- coding: latin-1 -*-)") from None
    except UnicodeDecodeError as exc:
        raise SyntaxError(f"byte {exc.object[exc.start:exc.start + 1]!r} at offset {exc.start} cannot be decoded "
                          f"as {exc.encoding}: save the file as UTF-8 text") from None
    if "\x00" in source:               # python says so too; compile() on 3.11 raises a ValueError instead
        raise SyntaxError("source code cannot contain null bytes (is it a binary file? trace runs Python source)")
    return source


def trace_function_target(target: str, args=(), *, show_all: bool = False, stderr=None) -> TraceReport:
    """Trace ``module:function`` or ``path/to/file.py:function``: import it instrumented, call it.

    ``args`` are the command line's words after the target, passed to the function (see
    :func:`function_arguments`); a ShapecheckError naming the function's signature when they do not fit it.
    """
    stderr = stderr or sys.stderr
    if isinstance(args, (str, bytes)) or not all(isinstance(a, str) for a in args):
        raise InvalidArgumentError(f"args must be a list of strings, got {args!r}", name="args",
                                   expected="list of str", got=repr(args))
    module_part, _, function_name = target.rpartition(":")
    if not module_part or not function_name:
        raise ConfigurationError(f"expected MODULE:FUNCTION or FILE.py:FUNCTION, got {target!r}", name="target",
                                 expected="module:function", got=target)
    tracer = Tracer()
    if module_part.endswith(".py"):
        path = os.path.abspath(module_part)
        if not os.path.isfile(path):
            raise ScriptNotFoundError(f"no such file: {path}", name="target", expected="an existing .py file",
                                      got=path)
        base_dir, module_name = os.path.dirname(path), os.path.splitext(os.path.basename(path))[0]
    else:
        base_dir, module_name = os.getcwd(), module_part
    sys.path.insert(0, base_dir)
    try:
        with _local_imports(base_dir, tracer) as hook, tracer:
            def call():
                try:
                    __import__(module_name)   # not importlib.import_module: the import statement's
                    module = sys.modules[module_name]   # path, whose tracebacks leave out importlib's frames
                except ModuleNotFoundError as exc:
                    if exc.name != module_name.split(".")[0] and exc.name != module_name:
                        raise                     # the module exists but an import inside it fails
                    raise ScriptNotFoundError(f"no module named {module_name!r} (looked in {base_dir} and on "
                                              "sys.path)", name="target", expected="an importable module",
                                              got=module_name) from None
                function = getattr(module, function_name, None)
                if not callable(function):
                    raise ConfigurationError(f"{module_name} has no function {function_name!r}", name="target",
                                             expected="a function", got=function_name)
                positional, keywords = function_arguments(function, args, function_name)
                function(*positional, **keywords)
            exit_code, raised = _run(call, stderr)
        hook.forget()
    finally:
        sys.path.remove(base_dir)
    if isinstance(raised, ShapecheckError):
        raise raised
    return build_report(tracer, exit_code, base_dir, raised=raised, show_all=show_all)


def function_arguments(function, words, name: str) -> tuple[list, dict]:
    """The command line's ``words`` as (positional, keyword) arguments for ``function``.

    The rule: a word that is a Python literal (``3``, ``-0.5``, ``1e-3``, ``True``, ``None``, ``'abc'``,
    ``[7, 5, 3]``, ``(2, 3)``) is passed as that value (``ast.literal_eval``); any other word is passed as
    the string it is (``abc``, ``data.csv``). ``NAME=VALUE``, when NAME is one of the function's
    parameters, passes VALUE (read by the same rule) by keyword. When the arguments do not fit the
    function's signature, a ShapecheckError names the signature and what was given.
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):       # no signature to read (a builtin): let the call decide
        signature = None
    keyword_names = set() if signature is None else {
        p.name for p in signature.parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    positional, keywords = [], {}
    for word in words:
        key, equals, value = word.partition("=")
        if equals and key in keyword_names and key not in keywords:
            keywords[key] = _literal_or_text(value)
        else:
            positional.append(_literal_or_text(word))
    if signature is not None:
        try:
            signature.bind(*positional, **keywords)
        except TypeError as exc:
            given = ", ".join([*map(repr, positional), *(f"{k}={v!r}" for k, v in keywords.items())])
            raise InvalidArgumentError(
                f"{name}{signature} cannot take the arguments given ({given or 'none'}): {exc}; a word that is "
                "a Python literal is passed as its value, any other as a string, NAME=VALUE by keyword",
                name="args", expected=f"arguments for {name}{signature}", got=given) from None
    return positional, keywords


def _literal_or_text(word: str):
    try:
        return ast.literal_eval(word)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return word


def trace(function):
    """``trace(fn)(*args, **kwargs)`` runs ``fn`` instrumented and returns its :class:`TraceReport`.

    ``report.value`` is what ``fn`` returned; an exception it raised is ``report.exception`` (and its
    explanation is in the report). Only ``fn``'s own body is instrumented, and every run of it during the
    call is traced: its recursive calls too, however they reach it (its name, ``self.method``, another
    function calling back), since ``fn`` runs the instrumented code until the call returns.
    """
    target = inspect.unwrap(getattr(function, "__func__", function))      # decorated: trace the function itself
    if not isinstance(target, types.FunctionType):
        raise UntraceableError(f"trace() needs a Python function, got {type(function).__name__}",
                               name="function", expected="function", got=type(function).__name__)
    if target.__name__ == "<lambda>":
        raise UntraceableError("trace() cannot instrument a lambda (its source is part of another statement); "
                               "define it with def", name="function", expected="a def function", got="lambda")
    if inspect.isgeneratorfunction(target) or inspect.iscoroutinefunction(target) \
            or inspect.isasyncgenfunction(target):
        raise UntraceableError(f"trace() runs plain functions; {target.__name__} is a generator or coroutine "
                               "function: trace a function that consumes it instead", name="function",
                               expected="a plain function", got=target.__name__)

    def run(*args, **kwargs) -> TraceReport:
        tracer = Tracer()
        instrumented = _instrumented_or_fault(target, tracer)
        if hasattr(function, "__self__"):
            args = (function.__self__, *args)
        outcome = {}
        with tracer, _running(target, instrumented.__code__):
            def call():
                outcome["value"] = instrumented(*args, **kwargs)
            exit_code, raised = _run(call, None, propagate=(KeyboardInterrupt, SystemExit))
        base_dir = os.path.dirname(os.path.abspath(inspect.getsourcefile(target) or "."))
        report = build_report(tracer, exit_code, base_dir, raised=raised)
        return replace(report, value=outcome.get("value"), exception=raised, function=f"{target.__qualname__}()")

    return run


# -- running and reporting the way Python does --------------------------------------------------------

def _run(body, stderr, *, propagate=()):
    """Run ``body``; return (exit code, the exception that ended it or None), printing it like Python.
    Exceptions of the ``propagate`` types are re-raised (``trace(fn)`` lets Ctrl-C and exit through)."""
    try:
        body()
    except propagate:
        raise
    except SystemExit as exc:
        return _exit_code(exc, stderr), None
    except BaseException as exc:  # noqa: BLE001 - the learner's program may raise anything
        if isinstance(exc, ShapecheckError) and exc.__traceback__ and _ours(exc.__traceback__.tb_frame):
            return 1, exc
        if stderr is not None:
            stderr.write(_format_ending(exc))
        return (130 if isinstance(exc, KeyboardInterrupt) else 1), exc
    return 0, None


def _format_ending(exc: BaseException) -> str:
    """The learner's traceback, or for a fault of ours the whole traceback under a line saying so."""
    fault = escaped_fault(exc)
    if fault is None:
        return format_learner_traceback(exc)
    file, line = fault
    return could_not_trace(display_path(file), line, exc) + "\n" + "".join(traceback.format_exception(exc))


def _ours(frame) -> bool:
    return os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _OWN_DIR


def _exit_code(exc: SystemExit, stderr) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    if stderr is not None:
        print(code, file=stderr)
    return 1


def format_learner_traceback(exc: BaseException) -> str:
    """The traceback Python would print, without the tracer's own frames."""
    summary = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    _drop_own_frames(summary, set())
    return "".join(summary.format())


def _drop_own_frames(summary, seen):
    if summary is None or id(summary) in seen:
        return
    seen.add(id(summary))
    kept = [frame for frame in summary.stack if not _own_file(frame.filename)]
    summary.stack = traceback.StackSummary.from_list(kept)
    _drop_own_frames(summary.__cause__, seen)
    _drop_own_frames(summary.__context__, seen)


def _own_file(filename: str) -> bool:
    """shapecheck's frames, importlib's (Python hides them too), and the warnings module's (they appear only
    when a warning the tracer moved to the learner's line is turned into an error)."""
    return in_shapecheck(filename) or filename.startswith("<frozen importlib") \
        or os.path.abspath(filename) == os.path.abspath(warnings.__file__)


@contextmanager
def _script_environment(main, path, argv):
    saved = sys.argv, sys.modules.get("__main__"), list(sys.path)
    sys.argv = [path, *map(str, argv)]
    sys.modules["__main__"] = main
    sys.path.insert(0, os.path.dirname(path))
    try:
        yield
    finally:
        sys.argv = saved[0]
        if saved[1] is not None:
            sys.modules["__main__"] = saved[1]
        sys.path[:] = saved[2]


# -- the import hook ------------------------------------------------------------------------------------

class _LocalImportHook(importlib.abc.MetaPathFinder):
    """Finds the learner's own modules and instruments them as they load: those beside the script, and those
    it reaches by adding a folder to ``sys.path`` (``sys.path.append(os.pardir)``, a book's ``common/``),
    but never Python's own library, installed packages, or shapecheck and reference_nets."""

    def __init__(self, root: str, tracer: Tracer):
        self.root, self.tracer, self.loaded = os.path.abspath(root), tracer, []

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return None
        origin = os.path.abspath(spec.origin)
        if not _learners_file(origin, self.root):
            return None
        spec.loader = _InstrumentingLoader(fullname, origin, self.tracer)
        self.loaded.append(fullname)
        return spec

    def forget(self):
        """Unload the instrumented modules, so a later run (or an untraced import) starts clean."""
        for name in self.loaded:
            sys.modules.pop(name, None)


#: Folders whose modules are never the learner's: Python's library (the venv's and the base install's),
#: and the packages of shapecheck itself
_NOT_LEARNERS = tuple(os.path.abspath(folder) + os.sep for folder in {
    sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(_OWN_DIR),
    os.path.join(os.path.dirname(os.path.dirname(_OWN_DIR)), "reference_nets")})


def _learners_file(origin: str, root: str) -> bool:
    """Is the module at ``origin`` the learner's own code: beside the script (``root``; even when a virtual
    environment was made in that folder), or anywhere but Python's library and ours; never an installed package?"""
    if "site-packages" in origin or "dist-packages" in origin:
        return False
    return origin.startswith(root + os.sep) or not origin.startswith(_NOT_LEARNERS)


class _InstrumentingLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname, path, tracer):
        super().__init__(fullname, path)
        self.tracer = tracer

    def get_code(self, fullname):  # never the cached bytecode: always the instrumented source
        source = importlib.util.decode_source(self.get_data(self.path))
        try:
            tree = instrument(source, self.path, self.tracer.registry)
        except SyntaxError as exc:      # the learner's syntax error, without the parser's frames
            mark_as_learners(exc)
            raise exc.with_traceback(None) from None
        return compile(tree, self.path, "exec")


@contextmanager
def _local_imports(root, tracer):
    hook = _LocalImportHook(root, tracer)
    sys.meta_path.insert(0, hook)
    try:
        yield hook
    finally:
        sys.meta_path.remove(hook)


# -- instrumenting one function ---------------------------------------------------------------------------

def _instrumented_or_fault(function: types.FunctionType, tracer: Tracer) -> types.FunctionType:
    """The instrumented copy of ``function``; when making it fails by a fault of ours (not a source it
    cannot read: that ShapecheckError is the caller's), the fault is recorded at the ``def`` line, so the
    report says INCOMPLETE, and ``function`` itself comes back, to run untraced."""
    try:
        return _instrumented_copy(function, tracer)
    except ShapecheckError:
        raise
    except Exception as exc:  # noqa: BLE001 - our own bug: the learner's function must still run
        instrumenting_failed(tracer, function, exc)
        return function


@contextmanager
def _running(function: types.FunctionType, code: types.CodeType):
    """Inside the block every call of ``function`` runs ``code``: its recursive calls reach the original
    function object (by its global name, as a bound method, from another function), not the copy."""
    original = function.__code__
    if code is original or code.co_freevars != original.co_freevars:
        yield
        return
    function.__code__ = code
    try:
        yield
    finally:
        function.__code__ = original
