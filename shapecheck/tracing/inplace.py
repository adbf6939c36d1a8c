"""Tracing code that is already imported: swap the functions' code for instrumented code, then back.

The pytest marker needs this: the learner's network lives in modules the test imported long before it
runs. For every function and method defined in a module under ``root`` (outside site-packages and outside
shapecheck), ``function.__code__`` is replaced by the instrumented version for the duration of the
``with`` block, and restored afterwards, so identities, closures and defaults stay as they are.
"""

from __future__ import annotations

import os
import sys
import types

from shapecheck.tracing import PACKAGE_DIR
from shapecheck.tracing.runtime import Tracer



class InstrumentedModules:
    """``with InstrumentedModules(tracer, root):`` every local function runs instrumented."""

    def __init__(self, tracer: Tracer, root: str):
        self.tracer, self.root = tracer, os.path.abspath(root)
        self.swapped: list = []

    def __enter__(self):
        from shapecheck.errors import ShapecheckError
        from shapecheck.tracing.faults import instrumenting_failed
        from shapecheck.tracing.runner import _instrumented_copy

        for function in self._local_functions():
            try:
                code = _instrumented_copy(function, self.tracer).__code__
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
        return self

    def __exit__(self, *exc):
        self.tracer.uninstall()
        for function, code in reversed(self.swapped):
            function.__code__ = code
        self.swapped.clear()
        return False

    def _local_functions(self):
        seen = set()
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
