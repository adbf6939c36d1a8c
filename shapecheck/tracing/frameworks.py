"""torch tensors and jax arrays: their shape errors known by message, and fixes written in their idiom.

Neither framework is ever imported here (nor anywhere in shapecheck): an error is known by its message, an
operand by its type's module name.
"""

from __future__ import annotations

import dataclasses
import re

#: torch's shape errors (RuntimeError) and jax's (TypeError, ValueError), by message, as (words, kind): read
#: from the message alone, so neither framework is ever imported here.
_FRAMEWORK_ERRORS = (
    ("mat1 and mat2 shapes cannot be multiplied", "matmul"),            # torch: a (32x27) @ (64x27)
    ("size mismatch, got input", "matmul"),                              # torch.mv / addmv
    ("Expected size for first two dimensions of batch2", "matmul"),      # torch.bmm / baddbmm
    ("inconsistent tensor size, expected tensor", "matmul"),             # torch.dot of two vectors
    ("doesn't match the broadcast shape", "inplace-broadcast"),           # torch: b -= db, db (7, 1) into (3, 1)
    ("must match the size of tensor b", "broadcast"),                    # torch: (3) vs (7) at dimension 1
    ("is invalid for input of size", "reshape"),                         # torch: .view/.reshape
    ("dot_general requires contracting dimensions", "matmul"),           # jax: jnp.dot, @
    ("matmul input operand", "matmul"),                                  # jax.numpy.matmul
    ("incompatible shapes for broadcasting", "broadcast"),               # jax: add got ... (7, 3), (3, 1)
    ("cannot reshape array of shape", "reshape"),                        # jax.numpy.reshape (a TypeError)
)


def framework_kind(exc: BaseException) -> str | None:
    """The kind of a torch or jax shape error, read from its message, or None."""
    if not isinstance(exc, (RuntimeError, TypeError, ValueError)):
        return None
    text = str(exc).lower()
    return next((kind for words, kind in _FRAMEWORK_ERRORS if words.lower() in text), None)


def framework_class(op: str, exception: BaseException, products, call_kinds, in_place) -> str | None:
    """explain.classify for a torch or jax shape error: its kind, or None when the operation the tracer saw
    is not one the message is about (a product's message at ``+``, a reshape's at an operator)."""
    kind = framework_kind(exception)
    if kind == "reshape" and op not in call_kinds:
        return None                 # a .view() the tracer does not watch: no operands to explain with
    if kind == "broadcast" and op in in_place:
        return "inplace-broadcast"
    if kind == "matmul" and op not in products:
        return None
    return kind


def in_the_frameworks_idiom(explanation, exception, context):
    """A torch or jax failure's fixes written as that framework writes them: torch's ``keepdim=True`` (its
    ``keepdims=True``, which the fix was checked with, is the same), ``torch.outer``; jax.numpy's functions
    under the name the learner imported it as (``jnp.outer``). Only the fixes' text changes."""
    if explanation is None or not explanation.fixes or framework_kind(exception) is None:
        return explanation
    values = context.values if context is not None else ()
    modules = {type(v).__module__.split(".")[0] for v in values if v is not None}
    torch = "torch" in modules or isinstance(exception, RuntimeError) and "jax" not in modules
    if torch:
        pairs = [("keepdims=True", "keepdim=True"), ("np.outer(", "torch.outer("), ("np.sum(", "torch.sum("),
                 ("np.mean(", "torch.mean(")]
    else:
        names = context.frame_names if context is not None else {}
        alias = next((name for name, value in names.items()
                      if getattr(value, "__name__", None) == "jax.numpy" and name.isidentifier()), "jnp")
        pairs = [("np.", f"{alias}.")]

    def idiom(line: str) -> str:
        for old, new in pairs:
            line = re.sub(r"(?<![\w.])" + re.escape(old), new, line) if old.startswith("np.") else line.replace(old, new)
        return line

    fixes = tuple(idiom(line) for line in explanation.fixes)
    text = explanation.text
    for old, new in zip(explanation.fixes, fixes):
        text = text.replace(f"    {old}", f"    {new}", 1)
    return dataclasses.replace(explanation, fixes=fixes, text=text)
