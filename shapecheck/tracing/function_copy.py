"""An instrumented copy of one Python function: the same function compiled from rewritten source.

The copy has the original's globals, defaults and closure, and, for a method, the name mangling of its class.
Instrumented code is kept per (source, function): a function traced again (compare traces the learner's
functions at every call, and a hypothesis test calls compare hundreds of times) is not parsed, rewritten and
compiled again; its sites are copied into the new run's registry (site ids are unique in the process).
"""

from __future__ import annotations

import ast
import copy
import functools
import linecache
import types

from shapecheck.errors import UntraceableError
from shapecheck.tracing.rewrite import PREFIX, SiteRegistry, instrument_tree


def instrumented_copy(function: types.FunctionType, tracer) -> types.FunctionType:
    """The same function compiled from instrumented source, with its globals, defaults and closure.

    The ``def`` is compiled inside a maker function whose parameters are the original's free variables
    (so the closure cells fit), and, for a method, inside a class of the same name as the class that
    defines it, so that ``self.__w`` is mangled to ``self._Net__w`` exactly as in the original. The maker
    declares the names this scaffolding binds (the function's own, the class's) ``global`` unless the
    original closes over them: inside the original, a recursive call ``forward(...)`` or a mention of
    ``Net`` is a global (or a cell of the enclosing function), never a closure cell of the maker's.
    """
    filename = function.__code__.co_filename
    full_source = "".join(linecache.getlines(filename, function.__globals__))
    code = _instrumented_module(full_source, filename, function.__name__, function.__code__.co_firstlineno,
                                function.__code__.co_freevars, function.__qualname__, tracer.registry)
    owner = _mangling_class(function.__qualname__)
    holder = _nested_code(code, PREFIX + "make")
    if owner is not None:
        holder = _nested_code(holder, owner)
    inner = _nested_code(holder, function.__name__)
    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or ()))
    closure = tuple(cells[name] for name in inner.co_freevars)
    copy = types.FunctionType(inner, function.__globals__, function.__name__, function.__defaults__, closure)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


#: (source, file, name, line, free variables, qualified name, values mode) -> (code, its sites)
_INSTRUMENTED: dict = {}
_INSTRUMENTED_KEPT = 256


def _instrumented_module(full_source, filename, name, line, freevars, qualname, registry) -> types.CodeType:
    """The compiled maker module of :func:`instrumented_copy`, its sites registered in ``registry``."""
    key = (full_source, filename, name, line, freevars, qualname, registry.keep_values)
    cached = _INSTRUMENTED.get(key)
    if cached is None:
        scratch = SiteRegistry(keep_values=registry.keep_values)
        code = _compile_instrumented(full_source, filename, name, line, freevars, qualname, scratch)
        if len(_INSTRUMENTED) >= _INSTRUMENTED_KEPT:
            _INSTRUMENTED.clear()
        cached = _INSTRUMENTED[key] = (code, scratch.sites)
    code, sites = cached
    registry.sites.update(sites)
    registry.sources.setdefault(filename, full_source)
    return code


def _compile_instrumented(full_source, filename, name, line, freevars, qualname, registry) -> types.CodeType:
    """Parse, rewrite and compile the ``def`` of function ``name`` at ``line`` inside its maker (see
    :func:`instrumented_copy`)."""
    definition = _find_definition(full_source, name, line)
    if definition is None:
        raise UntraceableError(f"cannot read the source of {name} (defined in {filename}); trace() "
                               "needs a function defined with def in a file or a notebook cell", name="function")
    definition.decorator_list = []
    free = [variable for variable in freevars if variable != "__class__"]
    owner = _mangling_class(qualname)
    body = [definition]
    if owner is not None:       # compiled in a class body: private names mangle, super() gets its __class__
        body = [ast.ClassDef(name=owner, bases=[], keywords=[], body=[definition], decorator_list=[])]
    scaffolding = sorted({name, owner} - {None} - set(free))
    if scaffolding:
        body.insert(0, ast.Global(names=scaffolding))
    maker = ast.FunctionDef(name=PREFIX + "make", args=ast.arguments(
        posonlyargs=[], args=[ast.arg(variable) for variable in free], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=body, decorator_list=[])
    module = ast.fix_missing_locations(ast.copy_location(ast.Module(body=[maker], type_ignores=[]), definition))
    return compile(instrument_tree(module, full_source, filename, registry), filename, "exec")


def _mangling_class(qualname: str) -> str | None:
    """The innermost class whose body lexically holds the function, from its qualified name:
    ``Net.backprop`` -> ``Net``; ``Net.fit.<locals>.step`` -> ``Net``; ``train.<locals>.step`` -> None."""
    parts = qualname.split(".")[:-1]
    while parts:
        if parts[-1] == "<locals>":
            parts = parts[:-2]            # the enclosing function and its <locals> marker
        else:
            return parts[-1]
    return None


def _nested_code(code: types.CodeType, name: str) -> types.CodeType:
    """The code object named ``name`` among the constants of ``code``."""
    return next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)


def _find_definition(source: str, name: str, line: int) -> ast.FunctionDef | None:
    """The ``def`` node of function ``name`` whose code starts at ``line`` in its file's source: a copy, the
    caller may change it; the file is parsed once for all its functions (swapping the functions of a
    module's classes parsed the same file once per function)."""
    node = _definitions(source).get((name, line))
    return None if node is None else copy.deepcopy(node)


@functools.lru_cache(maxsize=16)
def _definitions(source: str) -> dict:
    """(name, line) -> ``def`` node, for every function of ``source``, by its ``def`` line and its first
    decorator's line; empty when the source does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.setdefault((node.name, first), node)
            found.setdefault((node.name, node.lineno), node)
    return found
