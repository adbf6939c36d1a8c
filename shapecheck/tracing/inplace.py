"""Tracing code that is already imported: swap the functions' code for instrumented code, then back.

The pytest marker needs this: the learner's network lives in modules the test imported long before it
runs. For every function and method defined in a module under ``root`` (outside site-packages and outside
shapecheck), ``function.__code__`` is replaced by the instrumented version for the duration of the
``with`` block, and restored afterwards, so identities, closures and defaults stay as they are.

``targets`` names code to instrument explicitly, with or without a ``root``: modules, a module's globals
dict (compare's submission module is not in ``sys.modules``), classes (their methods and their bases'),
and functions; whatever of it lives in shapecheck, site-packages or the standard library is left alone.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import types

from shapecheck.tracing import PACKAGE_DIR
from shapecheck.tracing.runtime import Tracer



class InstrumentedModules:
    """``with InstrumentedModules(tracer, root):`` every local function runs instrumented (and with
    ``targets=``, every function of those modules, globals dicts, classes or functions)."""

    def __init__(self, tracer: Tracer, root: str | None, *, targets=()):
        self.tracer, self.root = tracer, None if root is None else os.path.abspath(root)
        self.targets = tuple(targets)
        self.swapped: list = []

    def __enter__(self):
        from shapecheck.errors import ShapecheckError
        from shapecheck.tracing.faults import instrumenting_failed
        from shapecheck.tracing.function_copy import instrumented_copy

        try:
            for function in self._local_functions():
                try:
                    code = instrumented_copy(function, self.tracer).__code__
                except (ShapecheckError, SyntaxError, StopIteration, OSError):
                    continue                          # no source at hand: leave the function as it is
                except Exception as exc:  # noqa: BLE001 - our bug: the report says INCOMPLETE, no traceback of ours
                    instrumenting_failed(self.tracer, function, exc)
                    continue
                if code.co_freevars != function.__code__.co_freevars:
                    continue
                self.swapped.append((function, function.__code__))
                function.__code__ = code
            self.tracer.install()
        except BaseException:                     # Ctrl-C halfway: every function gets its own code back
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.tracer.uninstall()
        for function, code in reversed(self.swapped):
            function.__code__ = code
        self.swapped.clear()
        return False

    def _local_functions(self):
        seen = set()
        for function in _functions_of_targets(self.targets):
            if id(function) not in seen and learners_file(function.__code__.co_filename):
                seen.add(id(function))
                yield function
        if self.root is None:
            return
        for module in list(sys.modules.values()):
            path = os.path.abspath(getattr(module, "__file__", None) or "")
            if not path.startswith(self.root + os.sep) or path.startswith(PACKAGE_DIR + os.sep) \
                    or "site-packages" in path or "dist-packages" in path:
                continue
            for value in list(vars(module).values()):
                for function in _functions_in(value, module.__name__):
                    if id(function) not in seen:
                        seen.add(id(function))
                        yield function


def _functions_in(value, module_name):
    if isinstance(value, types.FunctionType) and value.__module__ == module_name:
        yield value
    elif isinstance(value, type) and value.__module__ == module_name:
        for attribute in vars(value).values():
            inner = attribute.__func__ if isinstance(attribute, (staticmethod, classmethod)) else attribute
            if isinstance(inner, types.FunctionType):
                yield inner


def _functions_of_targets(targets):
    for target in targets:
        if isinstance(target, types.ModuleType):
            namespace, name = vars(target), target.__name__
        elif isinstance(target, dict):
            namespace, name = target, target.get("__name__")
        elif isinstance(target, type):
            for klass in target.__mro__:
                if klass is not object:
                    yield from _functions_in(klass, klass.__module__)
            continue
        elif isinstance(target, types.FunctionType):
            yield target
            continue
        else:
            continue
        for value in list(namespace.values()):
            yield from _functions_in(value, name)


_LIBRARY_DIRS = tuple(os.path.abspath(p) + os.sep for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")})


def learners_file(filename: str) -> bool:
    """Whether code in ``filename`` can be the learner's: a real file (or notebook cell) outside shapecheck,
    installed packages and the standard library."""
    if filename.startswith("<frozen") or filename.startswith("<shapecheck "):
        return False
    path = os.path.abspath(filename)
    return not (path.startswith(PACKAGE_DIR + os.sep) or "site-packages" in path or "dist-packages" in path
                or path.startswith(_LIBRARY_DIRS))
