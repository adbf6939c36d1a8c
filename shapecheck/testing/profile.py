"""The hypothesis profile ``shapecheck``: the settings a property test of a backprop runs fast with.

    pytest --hypothesis-profile=shapecheck             # or in pytest's addopts; or, in a conftest.py:
    settings.load_profile("shapecheck")                # after importing shapecheck.strategies

It leaves out hypothesis's ``explain`` phase, which after shrinking re-runs the failing example some
hundreds of times to say which parts of it did not matter (seconds per failing test, nothing a grader
reads), and has no deadline (the first example of a test loads the tracer or the reference network).
Everything else is hypothesis's default. Registered by the pytest plugin when the option asks for it,
and by ``shapecheck.strategies`` when it is imported; hypothesis is imported only then.
"""

from __future__ import annotations

PROFILE = "shapecheck"


def register_profile() -> None:
    """Register the ``shapecheck`` profile with hypothesis (does not load it)."""
    from hypothesis import Phase, settings

    settings.register_profile(PROFILE, deadline=None, phases=[p for p in Phase if p is not Phase.explain])
