"""Evaluating a learner's expression only when that cannot change anything.

To check a fix, the tracer reads the other operand of the operation that uses the fix's result
(``sigmoid_derivative(self.hidden)``) in the learner's frame. That is done only for expressions made of
names, attributes, arithmetic, numpy's functions (not its random ones, nothing with ``out=``), reading
ndarray methods, a few builtins, and the learner's own functions whose bodies only assign local names,
branch and return (three calls deep at most). Anything else is not evaluated.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types

import numpy as np

from shapecheck.tracing.origins import dotted_name, parse_source

def safe_eval_text(text: str, frame_names: dict, context) -> tuple[bool, object]:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False, None
    if not is_safe(node, frame_names, context):
        return False, None
    try:
        return True, eval(compile(ast.Expression(node), "<shapecheck fix check>", "eval"), dict(frame_names))  # noqa: S307
    except Exception:  # noqa: BLE001
        return False, None


#: ndarray methods that only read.
_READING_METHODS = frozenset({"sum", "mean", "reshape", "dot", "max", "min", "copy", "astype", "transpose",
                              "std", "var", "argmax", "argmin", "flatten", "ravel", "squeeze", "item", "prod",
                              "cumsum", "any", "all", "round", "clip", "tolist", "swapaxes"})
_READING_BUILTINS = frozenset({len, abs, float, int, max, min, sum, round, pow, range, isinstance})
_FORBIDDEN_NODES = (ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.ListComp, ast.SetComp,
                    ast.DictComp, ast.GeneratorExp)


def is_safe(expression, names: dict, context, depth: int = 0) -> bool:
    """Whether evaluating ``expression`` with ``names`` can change nothing: no assignment expressions, and
    every call is one that only reads (numpy's non-random functions, reading ndarray methods, a few builtins,
    the learner's own functions that only compute and return)."""
    for node in ast.walk(expression):
        if isinstance(node, _FORBIDDEN_NODES):
            return False
        if isinstance(node, ast.Call):
            if any(k.arg == "out" for k in node.keywords):
                return False
            if not _reading_call(node, names, context, depth):
                return False
    return True


def _reading_call(call: ast.Call, names: dict, context, depth: int) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _READING_METHODS and not _resolves_to_module(func.value, names):
        return True                    # x.sum(axis=0), a.dot(b): a method of an array (or a number)
    dotted = dotted_name(func)
    if dotted is None:
        return False
    try:
        function = eval(dotted, {"__builtins__": builtins}, names)  # noqa: S307 - a dotted name only
    except Exception:  # noqa: BLE001
        return False
    return _reading_function(function, context, depth)


def _resolves_to_module(node, names) -> bool:
    dotted = dotted_name(node)
    if dotted is None:
        return False
    value = names.get(dotted.split(".")[0])
    return isinstance(value, types.ModuleType)


def _reading_function(function, context, depth: int) -> bool:
    if function in _READING_BUILTINS if _hashable(function) else False:
        return True
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__name__", "")
    if isinstance(function, np.ufunc):
        return True
    if module.startswith("numpy") and "random" not in module and callable(function):
        return name not in _WRITING_NUMPY
    if _framework_reading(function, module, name):
        return True
    if isinstance(function, types.MethodType) and isinstance(function.__func__, types.FunctionType):
        return _pure_python(function.__func__, {"self": function.__self__}, context, depth)
    if isinstance(function, types.FunctionType):
        return _pure_python(function, {}, context, depth)
    return False


def _framework_reading(function, module: str, name: str) -> bool:
    """A torch or jax function (``torch.tanh``, ``jnp.tanh``) or a tensor's method (``h.tanh``) that only
    reads: not random, not in place (torch's names ending in ``_``), not one that saves or sets state. The
    frameworks are never imported for this: a function is known by its module's name."""
    owner = getattr(function, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        if type(owner).__name__ not in _FRAMEWORK_ARRAYS:
            return False                # an optimizer's step, a layer's method: they change state
        module = type(owner).__module__ or ""          # a tensor's method: torch.Tensor, jaxlib's ArrayImpl
    if not (module.startswith(("torch", "jax")) and callable(function)) or "random" in module \
            or module.startswith(_STATEFUL_MODULES) or isinstance(function, type) or hasattr(function, "parameters"):
        return False
    return bool(name) and not name.endswith("_") and not name.startswith(("rand", "set_", "save", "load")) \
        and name not in _WRITING_FRAMEWORK


#: The array types whose methods may be read: torch.Tensor (and Parameter), jax's ArrayImpl.
_FRAMEWORK_ARRAYS = frozenset({"Tensor", "Parameter", "ArrayImpl"})
#: torch's and jax's modules whose functions and objects hold or change state (a layer, an optimizer).
_STATEFUL_MODULES = ("torch.nn.modules", "torch.nn.init", "torch.optim", "torch.autograd", "torch.utils",
                     "torch.cuda", "torch.distributed", "torch.backends")
#: torch's functions that draw random numbers, write or change global state under a reading name.
_WRITING_FRAMEWORK = frozenset({"normal", "bernoulli", "multinomial", "poisson", "manual_seed", "seed",
                                "initial_seed", "use_deterministic_algorithms", "backward", "register_hook",
                                "requires_grad", "retain_grad", "share_memory", "apply", "map", "copy",
                                "put", "index_put", "scatter", "block_until_ready", "delete", "resize"})


_WRITING_NUMPY = frozenset({"copyto", "put", "place", "putmask", "fill_diagonal", "save", "savez", "savetxt",
                            "seterr", "set_printoptions", "put_along_axis"})


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _pure_python(function, bound: dict, context, depth: int) -> bool:
    """A learner's function whose body only assigns local names, branches and returns, calling only
    functions that are themselves pure (three levels deep at most)."""
    if depth >= 3:
        return False
    definition = _definition(function, context)
    if definition is None:
        return False
    names = {**function.__globals__, **bound}
    for statement in definition.body:
        for node in ast.walk(statement):
            if isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete, ast.AugAssign, ast.With, ast.Raise,
                                 ast.Try, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                return False
            if isinstance(node, ast.Assign) and not all(isinstance(t, ast.Name) for t in node.targets):
                return False
            if isinstance(node, _FORBIDDEN_NODES):
                return False
            if isinstance(node, ast.Call) and not _call_in_function(node, names, context, depth):
                return False
    return True


def _call_in_function(call: ast.Call, names: dict, context, depth: int) -> bool:
    if any(k.arg == "out" for k in call.keywords):
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _READING_METHODS and not _resolves_to_module(func.value, names):
        return True
    dotted = dotted_name(func)
    if dotted is None:
        return False
    head = dotted.split(".")[0]
    if head not in names and not hasattr(builtins, head):
        return False                   # a local variable's method, say: its type is not known here
    try:
        function = eval(dotted, {"__builtins__": builtins}, names)  # noqa: S307 - a dotted name only
    except Exception:  # noqa: BLE001
        return False
    return _reading_function(function, context, depth + 1)


def _definition(function, context):
    """The ``def`` of a learner function, from the traced sources (a notebook cell too) or its file."""
    code = function.__code__
    source = None
    if context is not None and context.tracer is not None:
        source = context.tracer.registry.sources.get(code.co_filename)
    tree = parse_source(source) if source else None
    if tree is None:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        except (OSError, TypeError, SyntaxError):
            return None
        found = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        return found[0] if found and found[0].name == function.__name__ else None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function.__name__ and (
                node.lineno == code.co_firstlineno or any(d.lineno == code.co_firstlineno for d in node.decorator_list)):
            return node
    return None
