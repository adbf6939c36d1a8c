"""numpy's warnings from a traced operation are shown at the learner's line, as they would be untraced.

numpy attributes a RuntimeWarning ("divide by zero encountered in divide") to the Python frame that ran
the operation: under the tracer that is the generated operator function, not the learner's line, and
numpy's once-per-location rule would then show one warning for all the learner's lines together. While
tracing, warnings from the operator functions are let through our own filter and re-issued at the
learner's file and line with the learner's filters and registry, so ``error``, ``ignore``, ``once`` and
the default once-per-line behave exactly as without the tracer.
"""

from __future__ import annotations

import os
import re
import sys
import warnings

import numpy as np

from shapecheck.tracing import in_shapecheck
from shapecheck.tracing.faults import mark_as_learners

#: The ``__name__`` of the generated operator functions (what warning filters match against).
OPERATOR_MODULE = "shapecheck.tracing.operators"
#: The modules whose frames run the learner's operations: the operators, and the call wrapper.
OPERATORS = (OPERATOR_MODULE, "shapecheck.tracing.runtime")


class LearnerLineWarnings:
    """``enter()`` while tracing, ``exit()`` after: warnings of the operators move to the learner's line."""

    def __init__(self):
        self._context = None

    def enter(self) -> None:
        if self._context is not None:
            return
        self._context = warnings.catch_warnings()
        self._context.__enter__()
        for module in OPERATORS:
            warnings.filterwarnings("always", module=re.escape(module) + "$")
        shown_by = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            frame = _learner_frame() if in_shapecheck(filename) else None
            if frame is None:
                return shown_by(message, category, filename, lineno, file, line)
            try:
                warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                                       module=frame.f_globals.get("__name__"),
                                       registry=frame.f_globals.setdefault("__warningregistry__", {}),
                                       module_globals=frame.f_globals)
            except Exception as exc:    # the learner's filters made it an error (-W error): theirs
                mark_as_learners(exc)
                raise

        warnings.showwarning = show

    def exit(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None


def _learner_frame():
    """The innermost frame that is not shapecheck's, an operator function's, the warnings module's or
    numpy's (a numpy function the tracer called warns from its own frames, below the tracer's)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (in_shapecheck(filename) or os.path.basename(filename) == "warnings.py"
                or os.path.abspath(filename).startswith(_NUMPY_DIR + os.sep)):
            return frame
        frame = frame.f_back
    return None


_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))
