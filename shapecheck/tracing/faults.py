"""Telling the tracer's own failures from the learner's: the tool never blames the learner for its bugs.

Two kinds of fault are ours: a failure inside the tracer's bookkeeping, which the runtime catches and
records as an :class:`~shapecheck.tracing.runtime.InternalError` while the learner's program runs on,
and an exception that escaped into the learner's program from shapecheck's own code (or a name the
rewrite introduced that could not be found). Both end the report with "shapecheck could not trace ...;
please report it", a non-zero exit code, and never "no shape problems found".
"""

from __future__ import annotations

import os

from shapecheck.errors import ShapecheckError
from shapecheck.tracing import PACKAGE_DIR, in_shapecheck
from shapecheck.tracing.locations import location
from shapecheck.tracing.rewrite import PREFIX, Site

#: The exit code of ``shapecheck trace`` when the learner's program succeeded but the tracer failed.
EXIT_INTERNAL = 3


def mark_as_learners(exc: BaseException) -> None:
    """The learner's own operation raised ``exc`` while the tracer was calling it: not a fault of ours,
    although the innermost frame is the tracer's."""
    try:
        exc._shapecheck_learners = True
    except AttributeError:      # an exception class with __slots__: it is judged by its frames instead
        pass


def instrumenting_failed(tracer, function, exception: BaseException) -> None:
    """Instrumenting ``function`` failed by a fault of ours: it runs untraced, and the report says INCOMPLETE
    ("could not trace") at its ``def`` line instead of letting our traceback reach the learner."""
    code = function.__code__
    site = tracer.registry.add(Site(code.co_filename, code.co_firstlineno, 0, "def", f"def {function.__name__}",
                                    ()))
    tracer.internal(site, exception)


def escaped_fault(exc: BaseException | None) -> tuple[str, int] | None:
    """(file, line) in the learner's code where an exception of ours escaped into their program, or None
    when ``exc`` is the learner's own (including every shape error numpy raised for them)."""
    if exc is None or not isinstance(exc, Exception) or isinstance(exc, ShapecheckError) \
            or getattr(exc, "_shapecheck_learners", False):
        return None
    frames = _frames(exc.__traceback__)
    if not frames:
        return None
    raised_in_our_code = os.path.abspath(frames[-1][0]).startswith(PACKAGE_DIR + os.sep)
    rewritten_name = isinstance(exc, NameError) and PREFIX in str(getattr(exc, "name", "") or "")
    if not raised_in_our_code and not rewritten_name:
        return None
    learner = [(f, line) for f, line in frames if not _is_ours(f)]
    return learner[-1] if learner else frames[-1]


def describe(exception: BaseException) -> str:
    """``TypeError: ...`` on one line."""
    text = " ".join(str(exception).split())
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__


def could_not_trace(file: str | None, line: int | None, exception: BaseException | str, *, cell=None) -> str:
    """The sentence the report and the command line print for one fault of ours (``cell``: a notebook's)."""
    where = location(file, line, cell) if file else "this program"
    what = exception if isinstance(exception, str) else describe(exception)
    return (f"shapecheck could not trace {where}: {what}; this is a bug in shapecheck, not in "
            "your code: please report it, with this message and your script")


def _frames(tb) -> list[tuple[str, int]]:
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def _is_ours(filename: str) -> bool:
    return in_shapecheck(filename) or filename.startswith("<frozen ")
