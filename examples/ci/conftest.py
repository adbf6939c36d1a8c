"""shapecheck's hypothesis profile for these tests: no explain phase and no deadline, so a failing property
test reports its shrunk example in seconds (the same as `pytest --hypothesis-profile=shapecheck`)."""
from hypothesis import settings

import shapecheck.strategies  # noqa: F401  (registers the profile)

settings.load_profile("shapecheck")
