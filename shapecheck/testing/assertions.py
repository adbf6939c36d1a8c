"""Assertions for test suites: the failure messages are the same tables the command line prints.

    from shapecheck.testing import assert_gradients_close, assert_matches_reference, assert_no_shape_warnings
"""

from __future__ import annotations

from shapecheck.gradcheck import assert_gradients_close

__all__ = ["assert_gradients_close", "assert_matches_reference", "assert_no_shape_warnings"]


def assert_matches_reference(X, Y, **compare_kwargs):
    """``shapecheck.compare(X, Y, **compare_kwargs)``; AssertionError with the report (naming the bug)
    unless the learner's gradients match the reference. Returns the report."""
    from shapecheck.comparison.api import compare

    __tracebackhide__ = True            # pytest shows the learner's test line, not this one
    report = compare(X, Y, **compare_kwargs)
    if not report.ok:
        raise AssertionError(str(report))     # its first line, the verdict, is pytest's summary line
    return report


def assert_no_shape_warnings(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` under the tracer; AssertionError with the report when a silent shape bug
    (outer-broadcast, inplace-broadcast, rank-1) or a shape error shows; the note on equal sizes in different
    roles does not fail it. Returns what ``fn`` returned."""
    from shapecheck.tracing.runner import trace

    __tracebackhide__ = True
    report = trace(fn)(*args, **kwargs)
    if report.error is not None:                      # a shape error: the report explains it
        raise AssertionError(report.render()) from report.exception
    if report.exception is not None:                  # any other error is fn's own: raised as it was
        raise report.exception
    if report.warnings or report.internal_errors:     # a run shapecheck could not trace cannot be vouched for
        raise AssertionError(report.render())
    return report.value
