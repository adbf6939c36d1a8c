"""Values mode: one traced call that keeps a copy of what each operation site produced.

The ordinary tracer keeps shapes, never values. To say *where* a backward pass goes wrong, compare re-runs
the learner's gradient step once under a :class:`ValueTracer`, which keeps, in execution order, a copy of
every value of interest (the sizes a quantity of the reference can have) with its site (file, line,
source text) and the chain of the learner's frames from the site up to the traced call: a value computed
inside a correct helper (``sigmoid_prime(z)``) can so be attributed to the line that called it.

Values mode is opt-in and costs nothing elsewhere: ``trace()``, the pytest marker and script mode use the
plain :class:`~shapecheck.tracing.runtime.Tracer`, whose rewrite has no value sites. Memory is bounded by
``max_bytes``; past it nothing more is kept and the run says ``truncated``.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

import numpy as np

from shapecheck.errors import InvalidArgumentError
from shapecheck.tracing.inplace import InstrumentedModules, learners_file
from shapecheck.tracing.rewrite import PREFIX, SiteRegistry
from shapecheck.tracing.runtime import Tracer

#: Default memory bound of one values run (copies of the kept values).
MAX_BYTES = 64 * 2**20


@dataclass(frozen=True, eq=False)
class SiteValue:
    """A copy of the value one operation produced, where, and from which chain of the learner's calls."""

    order: int              # execution counter: the how-many-th traced operation of the run
    site: int               # the index in the tracer's SiteRegistry
    file: str
    line: int
    source: str             # the operation's source text (for ``x = ...`` / ``return ...``: the right-hand side)
    op: str                 # "@", "*", "-=", "call", "T", "=", "return", ...
    value: object           # np.ndarray (a copy), or a numpy scalar
    frames: tuple           # ((file, line), ...): the site's frame first, up to the traced call

    def __repr__(self):
        shape = getattr(self.value, "shape", ())
        return f"SiteValue(#{self.order} {self.file}:{self.line} {self.source!r} {self.op} shape={shape})"


@dataclass(frozen=True)
class ValueRun:
    """What one values run of ``fn`` gave: its value (or exception), the kept values, whether it stopped
    keeping at the byte cap."""

    value: object
    sites: list
    truncated: bool
    exception: BaseException | None = None
    lines_run: frozenset = frozenset()      # (file, line) of every operation site that ran, kept or not

    def __str__(self):
        ending = f", raised {type(self.exception).__name__}" if self.exception is not None else ""
        cut = " (truncated at the byte cap)" if self.truncated else ""
        return f"ValueRun: {len(self.sites)} values kept at {len({s.site for s in self.sites})} sites{cut}{ending}"


@dataclass
class ValueTracer(Tracer):
    """A Tracer that also keeps copies of the values of interest (see the module's docstring)."""

    checks_fixes = False                    # it locates a mistake; it offers no fixes
    fuses = False                           # every operation's value is kept: no fast path skips one

    registry: SiteRegistry = field(default_factory=lambda: SiteRegistry(keep_values=True))
    sizes: frozenset | None = None          # keep only values of these sizes (None: every size)
    max_bytes: int = MAX_BYTES
    kept: list = field(default_factory=list)
    kept_bytes: int = 0
    truncated: bool = False
    counter: int = 0
    sites_run: set = field(default_factory=set)
    entry: object = field(default=None, repr=False)     # the frame that made the traced call: chains stop there

    def functions(self) -> dict:
        made = super().functions()
        for name, function in list(made.items()):
            if name.startswith((PREFIX + "binop_", PREFIX + "inplace_")) or name in (PREFIX + "call", PREFIX + "T"):
                made[name] = self._keeping(function)
        made[PREFIX + "value"] = self._value
        return made

    def _keeping(self, operation):
        keep = self.keep

        def kept(site, *args, **kwargs):
            result = operation(site, *args, **kwargs)
            keep(site, result, sys._getframe(1))
            return result
        return kept

    def _value(self, site, result):
        self.keep(site, result, sys._getframe(1))
        return result

    def keep(self, site, result, frame) -> None:
        """Count the operation; keep a copy of its result when its size is of interest and it fits."""
        self.counter += 1
        self.sites_run.add(site)
        if self.truncated:
            return
        try:
            if isinstance(result, np.ndarray):
                size, nbytes = result.size, result.nbytes
            elif isinstance(result, (np.generic, float, int)) and not isinstance(result, bool):
                size, nbytes = 1, 8
            else:
                return
            if self.sizes is not None and size not in self.sizes:
                return
            if self.kept_bytes + nbytes > self.max_bytes:
                self.truncated = True
                return
            value = np.array(result, copy=True)
            spot = self.registry.sites[site]
            self.kept.append(SiteValue(self.counter, site, spot.file, spot.line, spot.expr, spot.op, value,
                                       self._chain(frame)))
            self.kept_bytes += nbytes
        except Exception as exc:  # noqa: BLE001 - a bug of ours must not change the learner's program
            self.internal(site, exc)

    def _chain(self, frame) -> tuple:
        chain = []
        while frame is not None and frame is not self.entry:
            if learners_file(frame.f_code.co_filename):
                chain.append((frame.f_code.co_filename, frame.f_lineno))
            frame = frame.f_back
        return tuple(chain)


def trace_values(fn, *args, sizes=None, max_bytes: int = MAX_BYTES, targets=(), **kwargs) -> ValueRun:
    """Call ``fn(*args, **kwargs)`` once with the learner's code instrumented in values mode.

    Instrumented: ``fn`` itself (a ``def``), and the functions of the learner's code it reaches: the module
    of its globals, the classes of a bound method's ``__self__``, and what a lambda's closure holds
    (functions, bound methods, instances: their classes and modules), plus ``targets`` (modules, globals
    dicts, classes, functions). Code in shapecheck, installed packages and the standard library is never
    instrumented. Every function gets its own code back afterwards, whatever happens.
    """
    if not callable(fn):
        raise InvalidArgumentError(f"fn must be callable, got {fn!r}", name="fn", expected="a callable",
                                   got=repr(fn))
    if sizes is not None:
        try:
            sizes = frozenset(int(s) for s in sizes)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"sizes must be an iterable of ints or None, got {sizes!r}", name="sizes",
                                       expected="iterable of int", got=repr(sizes)) from None
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise InvalidArgumentError(f"max_bytes must be an int >= 0, got {max_bytes!r}", name="max_bytes",
                                   expected="int >= 0", got=repr(max_bytes))
    tracer = ValueTracer(sizes=sizes, max_bytes=max_bytes)
    value, raised = None, None
    with InstrumentedModules(tracer, None, targets=(*reached_code(fn), *targets)):
        tracer.entry = sys._getframe()
        try:
            value = fn(*args, **kwargs)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            raised = exc
        finally:
            tracer.entry = None
    sites = tracer.registry.sites
    lines_run = frozenset((sites[i].file, sites[i].line) for i in tracer.sites_run)
    return ValueRun(value, tracer.kept, tracer.truncated, raised, lines_run)


def reached_code(fn) -> list:
    """The modules (globals dicts), classes and functions of the learner's code that ``fn`` reaches
    directly: itself, its globals, a bound method's class, the contents of a closure."""
    found, seen = [], set()

    def add(obj, depth):
        if id(obj) in seen or depth > 2:
            return
        seen.add(id(obj))
        if isinstance(obj, types.MethodType):
            add(obj.__func__, depth)
            add(obj.__self__ if isinstance(obj.__self__, type) else type(obj.__self__), depth)
        elif isinstance(obj, types.FunctionType):
            if not learners_file(obj.__code__.co_filename):
                for cell in obj.__closure__ or ():       # compare's own lambdas: what they close over
                    add(_cell(cell), depth + 1)
                return
            found.append(obj)
            found.append(obj.__globals__)
            for cell in obj.__closure__ or ():
                add(_cell(cell), depth + 1)
            for name in _names(obj.__code__):     # what it uses by a global name: functions, classes and
                value = obj.__globals__.get(name)  # objects (layers) from another file, modules
                if isinstance(value, types.ModuleType):
                    if learners_file(getattr(value, "__file__", None) or ""):
                        found.append(value)
                elif value is not None:
                    add(value, depth + 1)
        elif isinstance(obj, type):
            found.append(obj)               # its methods and its bases' (InstrumentedModules keeps the learner's)
            for klass in obj.__mro__:       # and the module-level helpers its methods call
                method = next((f for f in vars(klass).values() if isinstance(f, types.FunctionType)), None)
                if method is not None and learners_file(method.__code__.co_filename):
                    found.append(method.__globals__)
        elif obj is not None and not isinstance(obj, (int, float, str, bytes, np.ndarray, np.generic)):
            if isinstance(obj, (list, tuple)):
                for item in obj[:16]:
                    add(item, depth + 1)
            elif hasattr(type(obj), "__dict__") and type(obj).__module__ != "builtins":
                add(type(obj), depth)

    add(fn, 0)
    return found


def _names(code) -> set:
    """The global names a code object and the functions nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:          # an empty cell
        return None
