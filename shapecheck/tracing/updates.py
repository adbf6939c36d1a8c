"""Updates of a parameter that run but are wrong: the parameter grows, or every unit gets one shared number.

=========================  ==========================================================================
kind                       fires when
=========================  ==========================================================================
``parameter-grows``        an update that reads its own target (``b1 = b1 - alpha * db1``, ``self.W =
                           self.W - ...``, ``params["b1"] = params["b1"] - ...``: ``Site.update``) gives
                           a result of another shape than the target had: ``b1`` (h, 1) minus a ``db1``
                           (1, m) is (h, m), and training goes on with it
``shared-bias-gradient``   a bias of several units is updated (by reassignment or in place) with one
                           number that a sum or mean over a whole array (no axis) made on this run, at
                           the update's line or where the gradient's name is assigned: every unit then
                           gets the same change
=========================  ==========================================================================

An ordinary reassignment (``delta = W.T @ delta``, ``self.A1 = ...`` for a batch of another size) changes
shape at will and is never judged here. A target that is a Python number (``b = 0``) is not judged either:
a parameter sized by its first update cannot be told from a bias that grew. Both checks run once per
signature (from ``Tracer.first_time``), never on the per-operation path.
"""

from __future__ import annotations

import ast
import math
import re

from shapecheck._arrays import format_shape
from shapecheck.tracing import origins
from shapecheck.tracing.shapes.broadcasting import stretched
from shapecheck.tracing.warnings import INPLACE, is_parameter_target, learning_rate_in

#: numpy reductions whose call without an axis makes one number of a whole array.
_REDUCTIONS = frozenset({"sum", "mean"})
_BIAS = re.compile(r"(b[a-z]?|bias|biases|b_\w+|bias_\w+)\d*", re.IGNORECASE)


def check_update(tracer, site, kind: str, shapes: tuple, result: tuple | None) -> list[tuple[str, str]]:
    """The warnings (kind, message) for the first call of a signature at an update's site: ``site.update``
    set (a reassignment) or an in-place operator. ``shapes``: (the target's, the update's)."""
    if len(shapes) != 2:
        return []
    found = []
    if site.update and kind in ("+", "-"):
        found += _grows(tracer, site, shapes, result)
    if (site.update and kind in ("+", "-")) or kind in INPLACE:
        found += _shared_bias(tracer, site, shapes)
    return found


# -- a parameter that grows ---------------------------------------------------------------------------------

def _grows(tracer, site, shapes, result):
    """``b1 = b1 - alpha * db1``: b1 (h, 1), the update (1, m), the new b1 (h, m)."""
    target, value = shapes
    if target is None or len(target) == 0 or result is None or tuple(result) == tuple(target) \
            or not stretched(target, result):
        return []
    value_text = site.operands[1]
    if not is_parameter_target(site.update) and not learning_rate_in(value_text):
        return []           # total = total + batch_losses: not a parameter's update
    if any(word in text for text in site.operands for word in ("None", "newaxis")):
        return []           # an axis added on purpose
    gradient = _gradient(tracer, site, value_text, value)
    return [("parameter-grows",
             f"`{site.expr}` changes `{site.update}` from {format_shape(target)} to {format_shape(result)}: "
             f"`{value_text}` {format_shape(value) if value is not None else '(a number)'} is stretched against "
             f"it, so training goes on with a `{site.update}` of the wrong shape{gradient}; the update should "
             f"have `{site.update}`'s shape {format_shape(target)}")]


def _gradient(tracer, site, value_text: str, value_shape, read=None) -> str:
    """'; `db1` (1, 7): a value of that shape is made at line 24: db1 = ...': the one array named in the
    update (its shape recorded on this line, or read by ``read(text)`` -> shape or None), with the line that
    gave it that shape; '' when that is not one array or no line is known."""
    arrays = {}
    for text in _names_in(value_text, site.update or site.operands[0]):
        shape = value_shape if text == value_text else _recorded_shape(tracer, site, text)
        if shape is None and read is not None:
            shape = read(text)
        if shape is not None and len(shape) > 0:
            arrays[text] = shape
    if len(arrays) != 1:
        return ""
    (text, shape), = arrays.items()
    source = tracer.registry.sources.get(site.file, "")
    made = _made_at(tracer, site, text, shape)
    if made:
        return f"; `{text}` {format_shape(shape)}: a value of that shape is made at line {made}: " \
               f"{origins.source_line(source, made)}"
    found = origins.find_origin(source, site.line, text)
    if found is None or found.element or found.elsewhere:
        return ""
    return f"; `{text}` {format_shape(shape)} got its shape at line {found.line}: {origins.source_line(source, found.line)}"


def gradient_line(tracer, site, value_text: str, value_shape, read=None) -> str:
    """For a failing in-place update's explanation: ``  `db1` (7, 1): a value of that shape is made at line 9:
    ...`` (the line where the update's wrongly shaped array was built), or ''."""
    found = _gradient(tracer, site, value_text, value_shape, read)
    return "  " + found[2:] if found else ""


def _made_at(tracer, site, text: str, shape) -> int | None:
    """The line where the gradient ``text`` (``db1``, ``grads["db1"]``) got its shape on this run: an
    assignment of that name (or of the dictionary key's name) in the file at which an operation gave
    ``shape``; the last such line before the update, else the last one. None when no line qualifies."""
    words = _words(text)
    source = tracer.registry.sources.get(site.file, "")
    lines = {a.line for a in origins.assignments(source) if a.key in words}
    made = {tracer.registry.sites[r.site].line for r in list(tracer.records.values())
            if r.result is not None and tuple(r.result) == tuple(shape)
            and tracer.registry.sites[r.site].file == site.file and tracer.registry.sites[r.site].line in lines}
    if not made:
        return None
    before = [line for line in made if line < site.line]
    return max(before or made)


def _words(text: str) -> set:
    """``{"db1"}`` for ``db1``, ``self.db1``, ``grads["db1"]``: the name and the dictionary keys."""
    found = origins.operand_key(text)
    words = set(re.findall(r"""["']([A-Za-z_]\w*)["']""", text))
    if found is not None:
        words |= {found[0], found[0].split(".")[-1]}
    return words


def _names_in(text: str, target: str) -> list[str]:
    """The names, attributes and elements in an expression (``alpha * grads["db1"]`` -> alpha,
    grads["db1"]), not the callees, the target or the learning rates."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return []
    found, skip = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            skip.add(id(node.func))
        if id(node) in skip:
            skip.update(id(child) for child in ast.iter_child_nodes(node))
            continue
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            skip.update(id(child) for child in ast.walk(node) if child is not node)
            words = ast.unparse(node)
            if origins.operand_key(words) is not None and words != target and not learning_rate_in(words):
                found.append(words)
    return found


def _recorded_shape(tracer, site, text: str):
    """The shape an operand written ``text`` had in an operation recorded on the same line (or None)."""
    from shapecheck.tracing.calls import operand_texts

    for record in list(tracer.records.values()):
        other = tracer.registry.sites[record.site]
        if other.file != site.file or other.line != site.line:
            continue
        for operand, shape in zip(operand_texts(other, record.kind, len(record.shapes), record.method),
                                  record.shapes):
            if operand == text and shape is not None:
                return shape
    return None


# -- one number for every unit of a bias --------------------------------------------------------------------

def _shared_bias(tracer, site, shapes):
    """``b1 = b1 - alpha * db1`` (or ``b1 -= ...``) with ``db1 = np.sum(dZ1)``: one number for h units."""
    target, value = shapes
    target_text = site.update or site.operands[0]
    if target is None or math.prod(target) <= 1 or (value is not None and math.prod(value) != 1) \
            or not _names_a_bias(target_text):
        return []
    units = [size for size in target if size > 1]
    if len(units) != 1:
        return []
    reduction = _whole_reduction(tracer, site, units[0])
    if reduction is None:
        return []
    where, expr, operand_text, operand = reduction
    axis = [i for i, size in enumerate(operand) if size != units[0]]
    keep = "" if len(target) == 1 else ", keepdims=True"
    callee = expr.split("(")[0]
    call = f"{callee}(axis={axis[0]}{keep})" if callee.startswith(operand_text + ".") \
        else f"{callee}({operand_text}, axis={axis[0]}{keep})"
    advice = (f"; sum over the samples only: `{call}` gives one number per unit"
              if len(axis) == 1 and len(operand) == 2 else "")
    return [("shared-bias-gradient",
             f"the bias `{target_text}` {format_shape(target)} is updated with one number: `{expr}` at {where} "
             f"adds up all of `{operand_text}` {format_shape(operand)}, samples and units together, so every "
             f"unit of `{target_text}` gets the same change{advice}")]


def _names_a_bias(text: str) -> bool:
    """``b1``, ``self.bias``, ``params["b2"]``, ``self.biases[i]``: named as a bias."""
    return any(_BIAS.fullmatch(word) for word in re.findall(r"[A-Za-z_]\w*", text)[-3:])


def _whole_reduction(tracer, site, units: int):
    """(where, expression, operand text, operand shape) of a sum or mean without an axis recorded on this run
    at the update's line or where a name the update reads is assigned, over an array with the bias's
    ``units`` along one axis and more than one value along another; None when there is none."""
    from shapecheck.tracing.calls import operand_texts

    source = tracer.registry.sources.get(site.file, "")
    lines = {site.line} | _assigned_at(source, site)
    for record in list(tracer.records.values()):
        other = tracer.registry.sites[record.site]
        if other.file != site.file or other.line not in lines or record.kind not in _REDUCTIONS \
                or not record.shapes or record.shapes[0] is None:
            continue
        operand = record.shapes[0]
        if record.result is None or math.prod(record.result) != 1 or len(operand) < 2 \
                or units not in operand or sum(size > 1 for size in operand) < 2:
            continue
        text = operand_texts(other, record.kind, 1, record.method)[0]
        where = "this line" if other.line == site.line else f"line {other.line}"
        return where, other.expr, text, operand
    return None


def _assigned_at(source: str, site) -> set:
    """The lines where the names the update reads are assigned in the file (``db1``, and the ``db1`` of a
    ``grads["db1"]``)."""
    words = set()
    for text in _names_in(site.operands[1], site.update or site.operands[0]):
        words |= _words(text)
    return {a.line for a in origins.assignments(source) if a.key in words}
