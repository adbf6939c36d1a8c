"""``shapecheck compare FILE.py:FACTORY``: load a submission's factory and get compare's arguments."""

from __future__ import annotations

import importlib.util
import os
import sys

from shapecheck.comparison.learner import LearnerCodeError
from shapecheck.errors import ConfigurationError

REQUIRED = ("X", "Y", "params")


def load_factory(target: str) -> dict:
    """Import ``FILE.py`` (its folder first on sys.path, as running it would), call ``FACTORY()``, check
    that it returned the keyword arguments of ``shapecheck.compare``."""
    path, _, name = target.rpartition(":")
    if not path or not name:
        raise ConfigurationError(f"expected FILE.py:FACTORY, got {target!r}", name="target",
                                 expected="FILE.py:FACTORY", got=target)
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        what = "is a directory, not a .py file" if os.path.isdir(path) else "does not exist"
        raise ConfigurationError(f"{path} {what}", name="target", expected="an existing .py file", got=path)
    folder = os.path.dirname(path)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(f"_shapecheck_submission_{abs(hash(path))}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except SystemExit as exc:
        raise LearnerCodeError(f"importing {os.path.basename(path)} called sys.exit({exc.code!r})",
                               name="target") from None
    except Exception as exc:  # noqa: BLE001 - importing the submission failed (SyntaxError included)
        raise LearnerCodeError(f"importing {os.path.basename(path)} raised {type(exc).__name__}: {exc}",
                               name="target") from exc
    finally:
        sys.path.remove(folder)
    factory = getattr(module, name, None)
    if not callable(factory):
        raise ConfigurationError(f"{os.path.basename(path)} has no function {name!r}", name="factory",
                                 expected="a function returning a dict", got=name)
    try:
        arguments = factory()
    except SystemExit as exc:
        raise LearnerCodeError(f"{name}() called sys.exit({exc.code!r})", name=name) from None
    except Exception as exc:  # noqa: BLE001 - the submission's own code failed
        raise LearnerCodeError(f"{name}() raised {type(exc).__name__}: {exc}", name=name) from exc
    if not isinstance(arguments, dict):
        raise ConfigurationError(f"{name}() must return a dict of compare's keyword arguments, got "
                                 f"{type(arguments).__name__}", name="factory", expected="dict",
                                 got=type(arguments).__name__)
    import inspect

    from shapecheck.comparison.api import compare

    known = [p for p in inspect.signature(compare).parameters]
    unknown = [key for key in arguments if key not in known]
    if unknown:
        raise ConfigurationError(f"{name}() returned unknown argument(s) {', '.join(map(repr, unknown))}; compare "
                                 f"takes {', '.join(known)}", name="factory", expected=known, got=unknown)
    missing = [key for key in REQUIRED if key not in arguments]
    if missing:
        raise ConfigurationError(f"{name}() returned no {', '.join(missing)}; compare needs {', '.join(REQUIRED)} "
                                 "and one of gradients, step", name="factory", expected=list(REQUIRED),
                                 got=list(arguments))
    return arguments
