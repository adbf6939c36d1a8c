"""The pytest plugin (entry point ``pytest11``, name ``shapecheck``; disable with ``-p no:shapecheck``).

- ``@pytest.mark.shapecheck``: the test runs with its own code and every function of the project's own
  modules traced; a silent shape bug (or a shape error) fails it, with the tracer's report in the output.
- ``--shapecheck-strict``: the same for every test.
- fixtures ``gradcheck`` (assert gradients against finite differences) and ``reference_mlp`` (a factory).
- ``--hypothesis-profile=shapecheck`` loads hypothesis's profile of that name, registered here (see
  :mod:`shapecheck.testing.profile`): no ``explain`` phase, no deadline.

Import-light: only pytest is imported until a marked test or a fixture is used.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("shapecheck")
    group.addoption("--shapecheck-strict", action="store_true", default=False,
                    help="run every test under the shape tracer and fail on shape warnings")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Register the ``shapecheck`` hypothesis profile before hypothesis's plugin loads the one asked for
    (only then is hypothesis imported)."""
    from shapecheck.testing.profile import PROFILE, register_profile

    if _option(config, "hypothesis_profile") == PROFILE:
        register_profile()
    _add_marker(config)


def _option(config, name):
    """A command-line option of another plugin (None when that plugin is not installed or disabled)."""
    try:
        return config.getoption(name)
    except ValueError:
        return None


def _add_marker(config):
    config.addinivalue_line("markers", "shapecheck: run this test under the shape tracer; fail on silent shape "
                                       "bugs (outer-broadcast, inplace-broadcast, rank-1)")


@pytest.hookimpl(hookwrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    if pyfuncitem.get_closest_marker("shapecheck") is None and not pyfuncitem.config.getoption("shapecheck_strict"):
        yield
        return
    from dataclasses import replace

    from shapecheck.tracing.inplace import InstrumentedModules
    from shapecheck.tracing.report import build_report
    from shapecheck.tracing.runtime import Tracer

    tracer = Tracer()
    root = str(pyfuncitem.config.rootpath)
    with InstrumentedModules(tracer, root):
        outcome = yield
    raised = outcome.excinfo[1] if outcome.excinfo else None
    report = replace(build_report(tracer, 1 if raised else 0, root, raised=raised), unit="test")
    if raised is not None:
        pyfuncitem.add_report_section("call", "shapecheck", report.render())
        return
    if report.warnings or report.error or report.internal_errors:
        head = ("shapecheck could not trace all of this test (a bug in shapecheck, not in your code; "
                "-p no:shapecheck turns the plugin off):" if report.internal_errors
                else "shape problems found by the tracer:")
        failure = pytest.fail.Exception(head + "\n" + report.render(), pytrace=False)
        if hasattr(outcome, "force_exception"):
            outcome.force_exception(failure)
        else:  # pragma: no cover - older pluggy
            raise failure


@pytest.fixture
def gradcheck():
    """``gradcheck(loss_fn, params, grads, **options)``: assert that the gradients match finite differences
    (full central check by default); the AssertionError carries the checker's table. Returns the report."""
    from shapecheck.gradcheck import assert_gradients_close

    return assert_gradients_close


@pytest.fixture
def reference_mlp():
    """``reference_mlp(sizes, **options)``: a ``reference_nets.MLP`` (seed 0, sigmoid + bce unless given)."""
    from reference_nets import MLP

    def make(sizes, **options):
        options.setdefault("activation", "sigmoid")
        options.setdefault("output", "sigmoid")
        options.setdefault("loss", "bce")
        options.setdefault("seed", 0)
        return MLP(sizes, **options)

    return make
