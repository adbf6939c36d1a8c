"""What the statement a fix's result reaches demands of it.

An assignment says more than "the next line runs": ``W = W - lr * v`` and ``W -= v`` must keep ``W``'s shape;
``dA1 = v`` is the gradient of ``A1`` and has its shape; ``nabla_w[-1] = v`` writes into a slot that already
holds a gradient-shaped array. Each check gives '' when the value is fine, else the words of why not.
"""

from __future__ import annotations

import ast
import inspect
import re
import types

import numpy as np

from shapecheck._arrays import format_shape
from shapecheck.tracing.origins import source_text
from shapecheck.tracing.origins import dotted_name as _dotted
from shapecheck.tracing.safe_eval import safe_eval_text


#: Names of gradients that keep the shape of the slot they are written into (``nabla_w[-1] = ...``, ``dW``).
_GRADIENT_SLOT = re.compile(r"(nabla|grad)\w*|d_?(W|w|b|weights?|bias(es)?)\d*(_\w+)?")


def refused_by_slot(statement, node, value, place) -> str:
    """``nabla_w[-1] = <fix>`` where the slot already holds a gradient-shaped array (``np.zeros(w.shape)``):
    a gradient written into it keeps its shape."""
    if not isinstance(statement, ast.Assign) or statement.value is not node or len(statement.targets) != 1:
        return ""
    target = statement.targets[0]
    base = target.value if isinstance(target, ast.Subscript) else target
    key = _dotted(base)
    if key is None or not _GRADIENT_SLOT.fullmatch(key.split(".")[-1]) or not hasattr(value, "shape"):
        return ""
    found, current = safe_eval_text(ast.unparse(target), place.names, place)
    if not found or not isinstance(current, np.ndarray) or current.shape == value.shape:
        return ""
    if squeezed(current.shape) == squeezed(value.shape):
        return ""
    return (f"`{source_text(place.source, target)}` holds {format_shape(current.shape)} before line "
            f"{statement.lineno}, and this would make it {format_shape(value.shape)}")


def refused_as_gradient(statement, value, frame_names, context, checked: list) -> str:
    """``dA1 = <fix>``: the gradient must have the shape of ``A1`` (up to axes of size 1). '' when it has
    it (and ``checked`` then says so) or when the target is not named as a gradient of an array."""
    gradient = gradient_of(statement, frame_names) if statement is not None else None
    if gradient is None or not hasattr(value, "shape"):
        return ""
    of, array = gradient
    target = source_text(context.source, statement.targets[0])
    if tuple(array.shape) == tuple(value.shape):
        checked.append(f"`{target}` gets the shape of `{of}` {format_shape(value.shape)}")
        return ""
    if squeezed(array.shape) == squeezed(value.shape):
        return ""
    return (f"`{target}` would be {format_shape(value.shape)} while `{of}` is {format_shape(array.shape)} "
            "(a gradient has the shape of what it is the gradient of)")


def squeezed(shape) -> tuple:
    return tuple(size for size in shape if size != 1)


def refused_by_statement(statement, node, value, frame_names, context) -> str:
    """Why the statement cannot take the value: an in-place update it would not fit into (``W += v``), or an
    update ``W = W - lr * v`` that would change ``W``'s shape. '' when it takes it."""
    if isinstance(statement, ast.AugAssign) and statement.value is node:
        target = statement.target
    elif keeps_target(statement, node):
        target = statement.targets[0]
    else:
        return ""
    text = source_text(context.source, target)
    found, current = safe_eval_text(ast.unparse(target), frame_names, context)
    if not found or not hasattr(current, "shape"):
        return ""
    if tuple(np.shape(value)) == tuple(current.shape):
        return ""
    if isinstance(statement, ast.AugAssign):
        try:
            if np.broadcast_shapes(current.shape, np.shape(value)) == tuple(current.shape):
                return ""
        except ValueError:
            pass
        return (f"line {statement.lineno} would then fail: {format_shape(np.shape(value))} does not fit into "
                f"`{text}` {format_shape(current.shape)}")
    return (f"line {statement.lineno} would change `{text}` from {format_shape(current.shape)} to "
            f"{format_shape(np.shape(value))}")


def keeps_target(statement, node) -> bool:
    """``W = W - lr * dW``: an assignment of the target plus or minus something, an update that must keep
    the target's shape (``delta = W.T @ delta`` may change it, and does in a loop over layers)."""
    if not isinstance(statement, ast.Assign) or statement.value is not node or len(statement.targets) != 1:
        return False
    key = _dotted(statement.targets[0])
    value = statement.value
    return (key is not None and isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub))
            and _dotted(value.left) == key)


#: How a gradient is named after what it is the gradient of: dW1, d_hidden, grad_W1, W1_grad, dL_dW1.
_GRADIENT_NAMES = (r"d_?(?P<of>\w+)", r"grad_(?P<of>\w+)", r"(?P<of>\w+)_grad", r"dL_?d_?(?P<of>\w+)")


def gradient_of(statement, frame_names: dict):
    """For ``dA1 = ...`` where ``A1`` is an array of the run: (``"A1"``, its array); else None. A gradient
    has the shape of what it is the gradient of."""
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    target = _dotted(statement.targets[0])
    if target is None:
        return None
    prefix, _, name = target.rpartition(".")
    for pattern in _GRADIENT_NAMES:
        match = re.fullmatch(pattern, name)
        if not match:
            continue
        for of in ([f"{prefix}.{match['of']}"] if prefix else [match["of"], f"self.{match['of']}"]):
            found, value = _read_dotted(of, frame_names)
            if found and isinstance(value, np.ndarray) and value.ndim >= 1:
                return of, value
    return None


def _read_dotted(text: str, names: dict):
    head, *rest = text.split(".")
    if head not in names:
        return False, None
    value = names[head]
    for attribute in rest:
        try:
            value = inspect.getattr_static(value, attribute)
        except AttributeError:
            return False, None
    return not isinstance(value, (property, types.FunctionType)), value
