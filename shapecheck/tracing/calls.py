"""The numpy calls the tracer watches: which function a call really is, its operands and its options.

The rewrite turns every call to a function or method with one of these names into a call through the
tracer (``np.dot(a, b)``, ``a.dot(b)``, ``np.array(layers)``); here, at run time, the callee is checked
to be numpy's, and its arrays and options are read from the call's arguments, the same way for the
tracer (while the program runs) and for ``explain_errors()`` (after it failed).
"""

from __future__ import annotations

import ast

import numpy as np

#: numpy functions whose shapes are recorded when called, by the name the report uses.
PRODUCTS = {np.dot: "dot", np.matmul: "matmul", np.outer: "outer", np.inner: "inner",
            np.tensordot: "tensordot", np.einsum: "einsum"}
SHAPING = {np.sum: "sum", np.mean: "mean", np.concatenate: "concatenate", np.stack: "stack",
           np.hstack: "hstack", np.vstack: "vstack", np.reshape: "reshape", np.transpose: "transpose"}
#: Calls that are only explained when they fail (recording every ``np.array`` would be noise).
CONSTRUCTORS = {np.array: "array", np.asarray: "asarray"}
EXPLAIN_ONLY = frozenset(CONSTRUCTORS.values())
METHODS = {"dot": "dot", "sum": "sum", "mean": "mean", "reshape": "reshape", "transpose": "transpose"}
JOINING = frozenset({"concatenate", "stack", "hstack", "vstack"})
#: The watched functions whose shapes are those of their first argument alone (see :func:`operands`).
ONE_OPERAND = frozenset(SHAPING.values()) - JOINING
OPTION_NAMES = ("axis", "keepdims", "axes")
#: Operand types that never have a shape worth recording: Python numbers and numpy scalars.
SCALAR_TYPES = frozenset({int, float, bool, complex, np.float64, np.float32, np.float16, np.int64, np.int32,
                          np.int16, np.int8, np.uint8, np.bool_, np.complex128, np.complex64})

_BUILTIN_METHOD = type(np.empty(0).sum)
#: What a fix cannot be built from: an operand written inside one of these is no array the learner named.
_UNNAMEABLE = (ast.Starred, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda, ast.Yield,
               ast.YieldFrom, ast.Await, ast.NamedExpr)
_RECORDED = {**PRODUCTS, **SHAPING, **CONSTRUCTORS}


def interesting(function):
    """(report name, the array it is bound to or None) for a watched numpy function or ndarray method;
    (None, None) for anything else."""
    if type(function) is _BUILTIN_METHOD:
        owner = function.__self__
        if isinstance(owner, np.ndarray):
            return METHODS.get(function.__name__), owner
        if owner is not None and is_framework_array(owner):     # t.mm(W), t.view(2, 5): a torch tensor's
            return FRAMEWORK_METHODS.get(function.__name__), owner
    try:
        found = _RECORDED.get(function)
    except TypeError:  # an unhashable callable
        return None, None
    if found is None and getattr(function, "__self__", None) is None:
        module = getattr(function, "__module__", None)
        if isinstance(module, str) and module in FRAMEWORK_MODULES:      # torch.matmul, jnp.dot
            found = FRAMEWORK_FUNCTIONS.get(getattr(function, "__name__", None))
    return found, None


#: torch's and jax.numpy's products and reshapes, by the module and name they report (never imported here):
#: recorded and explained as numpy's (``torch.mm`` is a product, ``t.view(2, 5)`` a reshape).
FRAMEWORK_MODULES = frozenset({"torch", "jax.numpy"})
FRAMEWORK_FUNCTIONS = {"matmul": "matmul", "mm": "matmul", "mv": "matmul", "bmm": "matmul", "dot": "dot",
                       "reshape": "reshape"}
FRAMEWORK_METHODS = {"matmul": "matmul", "mm": "matmul", "mv": "matmul", "bmm": "matmul", "dot": "dot",
                     "reshape": "reshape",
                     "view": "reshape"}


def is_framework_array(value) -> bool:
    """A torch tensor or a jax array, known by its type's module (neither framework is imported here)."""
    module = type(value).__module__ or ""
    return module.startswith(("torch", "jax"))


#: The watched numpy functions by the name a call site writes (``np.dot`` -> "dot").
_BY_NAME = {name: name for name in _RECORDED.values()}


_OPERAND_TYPES = (np.ndarray, np.generic, int, float, complex)


def replaced(function, callee: str, args) -> str | None:
    """The report name of a watched numpy function that a package replaced with a wrapper of its own
    (``np.dot = dot`` at its ``init()``, a function casting every argument to float32), for a call site that
    wrote that name (``np.dot(a, b)``, ``numpy.dot``, ``dot`` imported from numpy after the replacement) and
    reaches exactly what numpy holds under it now, with arrays, numpy scalars or Python numbers for operands (as
    numpy's own function is recorded: ``np.matmul(a, 0.0)`` fails the same through the wrapper); None for
    anything else (a learner's own ``dot``, ``self.dot``, a wrapper called on lists)."""
    name = _BY_NAME.get(callee)
    if name is None or function is None or getattr(np, callee, None) is not function or not args:
        return None
    found = operands(name, None, args)
    return name if found and all(isinstance(o, _OPERAND_TYPES) for o in found) else None


def nameable(text: str) -> bool:
    """Is ``text`` an operand the learner wrote as a plain expression, which a fix can be built from? Not
    '?' (an operand the tool could not name), a starred argument (``*[a.astype(...) for a in args]``), a
    comprehension, a lambda."""
    try:            # in parentheses: an operand written over several lines (a backslash, a call's arguments)
        tree = ast.parse(f"({text.strip()}\n)", mode="eval")
    except (SyntaxError, ValueError):
        return False
    return not any(isinstance(node, _UNNAMEABLE) for node in ast.walk(tree))


def operands(name: str, owner, args) -> tuple:
    """The arrays whose shapes describe the call: both factors of a product, the operands of an einsum
    (after its subscripts), the one array of a reduction or reshape, every array of a join."""
    if owner is not None:
        args = (owner, *args)
    if name in JOINING:
        return tuple(args[0]) if args and isinstance(args[0], (list, tuple)) else args[:1]
    if name == "einsum":
        return tuple(args[1:]) if args and isinstance(args[0], str) else tuple(args)
    return args[:2] if name in PRODUCTS.values() else args[:1]


def record_key(site: int, operands: tuple, kwargs: dict) -> tuple:
    """The key of a call's record: its site, its operands' shapes (one operand's shape alone), its options."""
    raw = (operands[0].shape if len(operands) == 1 and hasattr(operands[0], "shape")
           else tuple([getattr(o, "shape", None) for o in operands]))
    options = (kwargs.get("axis"), kwargs.get("keepdims"), kwargs.get("axes")) if kwargs else ()
    return site, raw, options


def details(name: str, owner, args, kwargs) -> dict:
    """What the explanation of a failed call needs besides the operands' shapes: whether it was a method
    (``a.dot(b)``: ``a`` is the left operand), and the call's options (``axis``, the new shape of a
    reshape, the einsum subscripts, the shapes of the elements given to ``np.array``)."""
    found = {"method": owner is not None}
    rest = args if owner is not None else args[1:]
    if name == "reshape":
        wanted = kwargs.get("newshape", kwargs.get("shape"))
        if wanted is None and rest:
            wanted = rest[0] if len(rest) == 1 else tuple(rest)
        found["newshape"] = wanted
    elif name in ("concatenate", "stack"):
        found["axis"] = rest[0] if rest else kwargs.get("axis", 0)
    elif name == "einsum" and args and isinstance(args[0], str):
        found["subscripts"] = args[0]
    elif name in EXPLAIN_ONLY and args:
        found["elements"] = element_shapes(args[0])
    return found


def shape_of(value) -> tuple | None:
    """The shape as a tuple of ints, or None for a value without one (a Python number) or with a
    ``.shape`` that is not a shape (a learner's own object may have any attribute called shape)."""
    shape = getattr(value, "shape", None)
    if shape is None:
        return None
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        return None


def element_shapes(value, limit: int = 12) -> list | None:
    """The shape of each element of a list or tuple (None for an element without one), at most
    ``limit`` of them; None when ``value`` is not a list or tuple."""
    if not isinstance(value, (list, tuple)):
        return None
    shapes = []
    for element in value[:limit]:
        shapes.append(_nested_shape(element))
    return shapes


def _nested_shape(value):
    """An array's shape, or the shape a nested list would have if it were regular (None if it is not)."""
    if getattr(value, "shape", None) is not None:
        return shape_of(value)
    if isinstance(value, (list, tuple)):
        inner = {_nested_shape(element) for element in value}
        if len(inner) == 1:
            (only,) = inner
            return None if only is None else (len(value), *only)
        return (len(value),) if not value else None
    return () if isinstance(value, (int, float, complex, bool, np.generic)) else None


def operand_texts(site, op: str, count: int, method: bool) -> list[str]:
    """The source text of each operand: for ``a.dot(b)`` the array the method belongs to comes first;
    for ``np.einsum("ij,jk", a, b)`` the subscripts are not an operand."""
    texts = list(site.operands)
    if site.op == "call":
        if method and site.receiver:
            texts = [site.receiver, *texts]
        elif op == "einsum" and texts:
            texts = texts[1:]
    texts = texts[:count]
    return texts + ["?"] * (count - len(texts))
