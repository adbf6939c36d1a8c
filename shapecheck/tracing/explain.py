"""Explaining a failed array operation in the learner's own terms.

For the operation that raised we know its source text, the source text and shape of each operand, and
the file it is in. The explanation says which axes conflict and why (the broadcasting rule, the inner
dimension of a matrix product, the sizes a join or a reshape needs), where each operand got its shape
(see ``origins``), draws the shapes aligned from the right, and lists rewrites that would work, checked
against the shape rules and made only of what the learner could type at that line. When no rewrite is
sound it says so and points at ``shapecheck plan``, which lists every shape the network should have.
"""

from __future__ import annotations

import ast
import math
import os
import re
from dataclasses import dataclass

from shapecheck._arrays import format_shape
from shapecheck.tracing import calls, origins, roles
from shapecheck.tracing.backward_orientation import ForwardUse
from shapecheck.tracing.explain_calls import explain_call
from shapecheck.tracing.fix_check import LEFT, RIGHT, Candidate, Context
from shapecheck.tracing.frameworks import framework_class, framework_kind, in_the_frameworks_idiom
from shapecheck.tracing.fix_offers import Offer, label_candidates, offer
from shapecheck.tracing.network import infer_network
from shapecheck.tracing.origins import parse_source, source_line
from shapecheck.tracing.reduction_fixes import normalises, reduction_candidates, reduction_of
from shapecheck.tracing.shapes.broadcasting import broadcast_diagram
from shapecheck.tracing.shapes.core import Conflict
from shapecheck.tracing.shapes.fixes import candidate_fixes, suggest_fixes
from shapecheck.tracing.shapes.rules import predict

__all__ = ["Explanation", "build_explanation", "classify", "display_path", "explain_failure", "parse_source"]

PRODUCTS = frozenset({"@", "@=", "dot", "matmul", "inner", "outer", "tensordot"})
_ELEMENTWISE = frozenset({"+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "&", "|", "^"})
#: The kinds of a failed numpy call (other than a product), by the function's name.
CALL_KINDS = {**{name: "join" for name in calls.JOINING}, "reshape": "reshape", "einsum": "einsum",
              **{name: "ragged" for name in calls.EXPLAIN_ONLY}}


@dataclass(frozen=True)
class Explanation:
    """The facts of one failure, for the text report and the JSON ``error`` object."""

    file: str
    line: int
    kind: str                # "broadcast", "matmul", "inplace-broadcast", "join", "reshape", "einsum", "ragged"
    message: str
    operands: tuple          # ((expr, shape), ...)
    text: str
    fixes: tuple = ()        # the rewrites (or advice) listed under "fixes that would work"
    fix_checks: tuple = ()   # fix_check.Verdict of each rewrite considered: what was checked on the run
    expr: str = ""           # the failing expression's source text (what a rewrite replaces) and its column
    col: int = 0

    def to_dict(self, relative_file: str) -> dict:
        return {"file": relative_file, "line": self.line, "kind": self.kind, "message": self.message,
                "operands": [{"expr": e, "shape": list(s) if s is not None else None} for e, s in self.operands],
                "fixes": list(self.fixes), "fix_checks": [v.to_dict() for v in self.fix_checks],
                "expr": self.expr, "col": self.col}


_SHAPE_WORDS = ("broadcast", "not aligned", "core dimension", "inhomogeneous", "cannot reshape",
                "must match exactly", "same shape", "same number of dimensions", "subscripts", "shape mismatch",
                "out of bounds for array of dimension")


def looks_like_a_shape_error(exc: BaseException) -> bool:
    """A numpy shape error (by its message), whether or not the tracer saw it happen; or torch's or jax's."""
    return isinstance(exc, ValueError) and any(word in str(exc) for word in _SHAPE_WORDS) or bool(framework_kind(exc))


_INPLACE_OPS = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^="})


def classify(op: str, exception: BaseException) -> str | None:
    """The error kind, or None when the exception is not a shape error."""
    text = str(exception)
    if framework_kind(exception) is not None:       # torch's, jax's: see frameworks
        return framework_class(op, exception, PRODUCTS | {"@=", "einsum"}, CALL_KINDS, _INPLACE_OPS)
    if not isinstance(exception, ValueError):
        return None
    if re.search(_AXIS_ERROR, text):
        return "axis"
    if op in CALL_KINDS:
        return CALL_KINDS[op]
    if "non-broadcastable output operand" in text or (op in _INPLACE_OPS and "could not be broadcast" in text):
        return "inplace-broadcast"          # b1 -= db1 with (3, 1) and (7, 1): numpy says only "broadcast"
    if op in PRODUCTS or "matmul" in text or "not aligned" in text:
        return "matmul"
    if "could not be broadcast" in text:
        return "broadcast"
    return None


def explain_failure(tracer, failure) -> str:
    """The explanation text added to the exception (and kept for the report); '' for other errors."""
    site = tracer.registry.sites[failure.site]

    def plan():                  # read from the run only when no rewrite fits
        network = infer_network(tracer)
        return network.plan_command() if network else None

    context = None
    if failure.values is not None and failure.frame is not None and getattr(tracer, "checks_fixes", False):
        earlier = tuple(dict.fromkeys(r.shapes for r in tracer.records.values() if r.site == failure.site))
        context = Context(tracer.registry.sources.get(site.file, ""), site, failure.values, failure.frame, tracer,
                          earlier, _forward_uses(tracer, failure.site))
    explanation = build_explanation(tracer.registry, failure.site, failure.kind, failure.shapes, failure.exception,
                                    known=_known_shapes(tracer, site.file), details=failure.details, plan=plan,
                                    context=context)
    failure.explanation = explanation = in_the_frameworks_idiom(explanation, failure.exception, context)
    failure.values = failure.frame = None          # the run's arrays and frame are not kept past this
    return explanation.text if explanation else ""


def _forward_uses(tracer, failing_site: int) -> tuple:
    """How each named weight was multiplied in the products that ran before the failure, in its file
    (products of a signal, not of an error being sent back): backward_orientation.ForwardUse each."""
    file = tracer.registry.sites[failing_site].file
    uses = []
    for record in list(tracer.records.values()):
        site = tracer.registry.sites[record.site]
        if record.site == failing_site or site.file != file or record.kind not in ("@", "dot", "matmul"):
            continue
        texts = calls.operand_texts(site, record.kind, 2, record.method)
        for side, text in enumerate(texts):
            transposed = text.endswith(".T")
            name = text[:-2] if transposed else text
            if roles.is_dotted_name(name) and not roles.looks_like_error(texts[1 - side]) \
                    and not roles.looks_like_error(name) and not roles.looks_like_data(name):
                other = texts[1 - side]
                uses.append(ForwardUse(name, side, transposed, site.line, site.expr,
                                       other[:-2] if other.endswith(".T") else other))
    return tuple(uses)


def _known_shapes(tracer, file: str) -> dict:
    """Shapes of the 2-d arrays named in ``file`` (``W2``, ``self.W2``) as operands so far: text -> shape."""
    known = {}
    for record in tracer.records.values():
        site = tracer.registry.sites[record.site]
        if site.file != file:
            continue
        texts = calls.operand_texts(site, record.kind, len(record.shapes), record.method)
        for text, shape in zip(texts, record.shapes):
            if shape is not None and len(shape) == 2 and text.endswith(".T"):
                text, shape = text[:-2], shape[::-1]        # W2.T (t, h) says W2 is (h, t)
            if shape is not None and len(shape) == 2 and roles.is_dotted_name(text):
                known[text] = shape
    return known


def build_explanation(registry, site_id: int, op: str, shapes: tuple, exception, *, known: dict | None = None,
                      details: dict | None = None, plan=None, context: Context | None = None) -> Explanation | None:
    """The explanation of ``op`` failing on operands of ``shapes`` at the site; ``known``: shapes of names
    seen in the run (for "send it through W first"), ``details``: a call's options, ``plan``: the
    ``shapecheck plan`` command for the network the run computed (or a function giving it, called only when
    no rewrite fits), ``context``: the live operands and frame, on which each fix is checked before it is
    offered (without it fixes are said to fit the shapes only). None when it is not a shape error."""
    site = registry.sites[site_id]
    kind = classify(op, exception)
    if kind is None:
        return None
    details = details or {}
    operands = tuple(zip(calls.operand_texts(site, op, len(shapes), details.get("method", False)), shapes))
    source = registry.sources.get(site.file, "")
    if kind == "axis":
        return _missing_axis(site, op, operands, exception, source)
    if kind in ("join", "reshape", "einsum", "ragged"):
        message, body, fixes = explain_call(kind, op, site, operands, details,
                                            origin=lambda text: origin_text(source, site.line, text))
        written = (site.operands[:1] or ("?",)) if kind == "join" else [t for t, _ in operands[:1]]
        if kind in ("join", "reshape") and not all(calls.nameable(t) for t in written):
            fixes = [_unnamed(written)]
        return _assemble(site, kind, message, operands, body, fixes, source, listed=False)
    symbol = op if op not in ("dot", "matmul") else "@"
    if kind == "inplace-broadcast":
        message, body = _inplace(operands)
        body = [*_gradient_built(site, operands, context), *body]
    elif kind == "matmul":
        message, body = _matmul(operands)
    else:
        message, body = _broadcast(symbol, operands)
    if not all(calls.nameable(text) for text, _ in operands):    # never a fix built from `*[...]` or `?`
        return _assemble(site, kind, message, operands, body, Offer("what to do:", (_unnamed(
            [text for text, _ in operands]),)), source)
    fixes = _fixes(op, operands, source, site.line, kind, known or {}, context)
    if not fixes.fitting and len(operands) == 2 and not any(not line.startswith("not offered")
                                                            for line in fixes.lines):
        fixes = Offer("what to do:", (_no_sound_fix(operands, plan, bool(fixes.verdicts)), *fixes.lines),
                      fixes.verdicts)
    return _assemble(site, kind, message, operands, body, fixes, source)


#: numpy's AxisError: "axis 1 is out of bounds for array of dimension 1"
_AXIS_ERROR = r"axis (-?\d+) is out of bounds for array of dimension (\d+)"


def _missing_axis(site, op, operands, exception, source) -> Explanation:
    """``np.sum(dz, axis=1)`` of a 1-d ``dz``: the axis named is one the array does not have."""
    axis, ndim = (int(group) for group in re.search(_AXIS_ERROR, str(exception)).groups())
    text, shape = operands[0] if operands else ("the array", None)
    shown = format_shape(shape) if shape is not None else f"{ndim}-d"
    message = f"{op} over axis {axis}, but `{text}` {shown} has {ndim} ax{'is' if ndim == 1 else 'es'}"
    body = ["  the rule: an axis must be one the array has: "
            + ("a 1-d array has only axis 0 (or -1)" if ndim == 1 else f"0 to {ndim - 1} (or -{ndim} to -1)")]
    if ndim == 1:
        fixes = [f"`{text}` is a rank-1 vector: keep it 2-d where it is made (`.reshape(-1, 1)`, or keepdims=True on "
                 "the sum that made it), so axis 0 (samples as rows) or axis 1 (samples as columns) means what you "
                 "think; or sum it with axis=0"]
    else:
        fixes = [f"use an axis from 0 to {ndim - 1}; `{text}` has shape {shown}"]
    return _assemble(site, "axis", message, operands[:1], body, fixes, source)


def _assemble(site, kind, message, operands, body, fixes, source, *, listed=True) -> Explanation:
    """The explanation's text: the verdict, the line, each operand with its shape and origin, the rule,
    the fixes (an :class:`Offer`, or a list of advice)."""
    if not isinstance(fixes, Offer):
        fixes = Offer("fixes that would work:" if fixes and not fixes[0].startswith("no rewrite") else "what to do:",
                      tuple(fixes))
    lines = [f"shapecheck: {kind} error at {display_path(site.file)}:{site.line}: {message}",
             f"    {source_line(source, site.line)}"]
    if listed and operands:
        width = max(len(f"`{t}`") for t, _ in operands)
        for text, shape in operands:
            shape_text = format_shape(shape) if shape is not None else "(no shape)"
            lines.append(f"  {('`' + text + '`').ljust(width)}  {shape_text:<10} {origin_text(source, site.line, text)}")
    lines += body
    if fixes.lines:
        lines.append(f"  {fixes.header}")
        lines += [f"    {fix}" for fix in fixes.lines]
    return Explanation(site.file, site.line, kind, message, operands, "\n".join(lines), fixes.lines, fixes.verdicts,
                       site.expr, site.col)


def origin_text(source: str, line: int, text: str) -> str:
    """Where an operand got its shape, in words."""
    if text.endswith(".T") and origins.operand_key(text[:-2]) is not None:
        return f"`{text[:-2]}` transposed; `{text[:-2]}` {_shape_origin(source, line, text[:-2])}"
    if origins.operand_key(text) is None:
        return "computed on this line"
    return _shape_origin(source, line, text)


def _shape_origin(source: str, line: int, text: str) -> str:
    found = origins.find_origin(source, line, text)
    if found is None:
        function = origins.parameter_of(source, line, text)
        if function:
            return f"an argument of {function}(), passed in with this shape"
        key = origins.operand_key(text)
        function = origins.parameter_of(source, line, key[0]) if key and key[1] else None
        if function:                 # parameters["W2"] of a dict passed in
            return f"an element of `{key[0]}`, an argument of {function}()"
        return "not assigned in this file (imported, or made by a loop or a call elsewhere)"
    where = ("" if not found.elsewhere else "  (at module level)" if found.elsewhere == "module level"
             else f"  (in {found.elsewhere})")
    if found.element:
        base = origins.operand_key(text)[0]
        return f"an element of `{base}`, which is made at line {found.line}: {source_line(source, found.line)}{where}"
    return f"got its shape at line {found.line}: {source_line(source, found.line)}{where}"


def _broadcast(symbol, operands):
    shapes = tuple(s for _, s in operands)
    outcome = predict(symbol if symbol in _ELEMENTWISE else "+", shapes)
    diagram = broadcast_diagram([(t, s) for t, s in operands], outcome)
    why = outcome.message if isinstance(outcome, Conflict) else "numpy could not broadcast these shapes"
    rule = ("  the rule: align the shapes from the right; each pair of sizes must be equal, or one of them 1")
    return (f"operands could not be broadcast together: {why}",
            [rule, *("  " + line for line in diagram.splitlines())])


def _matmul(operands):
    ls = operands[0][1]
    rs = operands[1][1] if len(operands) > 1 else None
    outcome = predict("@", (ls, rs)) if ls is not None and rs is not None else None
    why = outcome.message if isinstance(outcome, Conflict) else "the inner dimensions do not match"
    body = ["  the rule: (m, k) @ (k, p) -> (m, p): the left operand's last size must equal the right "
            "operand's second-to-last size"]
    return f"matrix product: {why}", body


def _inplace(operands):
    (target_text, target), (value_text, value) = operands
    return (f"the in-place update cannot change `{target_text}`'s shape {format_shape(target)}: "
            f"`{value_text}` {format_shape(value)} does not broadcast into it",
            [f"  an in-place update keeps the target's shape: the right side must broadcast to "
             f"{format_shape(target)} without growing it"])


def _gradient_built(site, operands, context) -> list:
    """For an in-place update whose right side is computed on its line (``alpha * db1``): the line where the
    array in it got the shape that does not fit, its shape read in the learner's frame (``updates``)."""
    if context is None or context.tracer is None or len(operands) != 2 or operands[1][1] is None \
            or origins.operand_key(operands[1][0]) is not None:
        return []
    from shapecheck.tracing.safe_eval import safe_eval_text
    from shapecheck.tracing.updates import gradient_line

    names = context.frame_names

    def read(text):
        found, value = safe_eval_text(text, names, context)
        return calls.shape_of(value) if found else None

    line = gradient_line(context.tracer, site, operands[1][0], operands[1][1], read)
    return [line] if line else []


def _fixes(op, operands, source, line, kind, known, context) -> Offer:
    """Rewrites that numpy accepts, using only the operands and names in scope at ``line``, each checked on
    the run when ``context`` holds it; then advice (keepdims, summing an update to its target's shape)."""
    in_place = op.endswith("=") and op not in ("==", "<=", ">=", "!=")
    symbol = op[:-1] if in_place else op
    symbol = "@" if symbol in ("dot", "matmul", "@") else symbol
    rewrites, advice = [], []
    if len(operands) == 2 and all(s is not None for _, s in operands):
        if symbol in _ELEMENTWISE and not in_place:
            rewrites, advice = label_candidates(symbol, operands, context.values if context else None)
        if not rewrites and (symbol in _ELEMENTWISE or symbol == "@"):
            rewrites = _rewrites(symbol, operands, in_place, context) + _outer_products(symbol, operands)
            if symbol in _ELEMENTWISE and not in_place:
                rewrites += _missing_product(symbol, operands, known, source, line)
    refused = []
    if context is not None and not in_place and symbol in _ELEMENTWISE and len(operands) == 2:
        made, refused, kept = _reduction_fixes(symbol, operands, source, line, context)
        if kept:                # the operand's values are wrong: no rewrite of this line that keeps them
            refused += [(candidate, shape, kept) for candidate, shape in rewrites]
            rewrites = []
        rewrites = made + rewrites
    for text, shape in operands:
        statement = _origin_statement(source, line, text)
        if refused or any(c.at_line for c, _ in rewrites):
            break                         # the reductions were checked: no unchecked advice about them
        if statement and re.search(r"\.(sum|mean)\(|np\.(sum|mean)\(", statement) and "keepdims" not in statement:
            advice.append(f"`{text}` comes from a sum/mean without keepdims=True (`{statement.strip()}`): "
                          "keepdims=True keeps the summed axis as size 1")
    if kind == "inplace-broadcast":
        advice.append(_update_of_the_targets_shape(*operands))
    advice += [f"`{text}` is `{text[:-2]}` itself: `.T` does nothing to a 1-d array {format_shape(shape)} (make it 2-d "
               "where it is made, or use np.outer for a product of two vectors)"
               for text, shape in operands if text.endswith(".T") and shape is not None and len(shape) == 1]
    offered = offer(rewrites, context if not in_place else None, operands, refused)
    if in_place and rewrites:                 # an in-place fix keeps its target's shape by construction
        offered = Offer("fixes that would work:", offered.lines)
    return Offer(offered.header or "what to do:", (*offered.lines, *advice)[:6], offered.verdicts)


def _reduction_fixes(symbol, operands, source, line, context) -> tuple[list, list, str]:
    """Fixes at the line that summed an operand (another axis, keepdims), as (candidates, refused, why
    the operand's values are wrong or ''): see :mod:`reduction_fixes`. A normalisation over the run's
    samples refuses its reduction and every rewrite of this line that keeps the operand's values."""
    reduction = reduction_of(source, line, operands)
    if reduction is None:
        return [], [], ""
    network = infer_network(context.tracer) if context.tracer is not None and \
        normalises(reduction, operands, symbol) else None
    made, kept = reduction_candidates(reduction, f"{LEFT} {symbol} {RIGHT}", context.frame_names, context, network)
    candidates = [(c, None) for c, why in made if not why]
    refused = [(c, None, why) for c, why in made if why]
    return candidates, refused, kept


def _outer_products(symbol, operands) -> list:
    """Two 1-d vectors of different lengths in a matrix product (``np.dot(d2, h.T)``, where ``.T`` does
    nothing): the gradient of a weight matrix is their outer product, one way round or the other."""
    (lt, ls), (rt, rs) = operands
    if symbol != "@" or len(ls) != 1 or len(rs) != 1 or ls == rs:
        return []
    left, right = (t[:-2] if t.endswith(".T") else t for t in (lt, rt))
    return [(Candidate(f"np.outer({a}, {b})", f"np.outer({ta}, {tb})"), (sa[0], sb[0]))
            for a, b, ta, tb, sa, sb in ((left, right, LEFT, RIGHT, ls, rs), (right, left, RIGHT, LEFT, rs, ls))]


def _rewrites(symbol, operands, in_place, context) -> list:
    """The rewrites of the two operands, as (Candidate, result shape): every one numpy accepts when the run
    can check them, else the shape rules' best four."""
    found = candidate_fixes(symbol, operands[0], operands[1]) if context else \
        suggest_fixes(symbol, operands[0], operands[1])
    out = []
    for fix in found:
        if in_place:
            rewritten = _as_update(fix, operands[0], symbol)
            if rewritten:
                out.append((Candidate(rewritten.strip("`"), fix.template), fix.result))
        else:
            out.append((Candidate(fix.text, fix.template), fix.result))
    return out


def _update_of_the_targets_shape(target_operand, value_operand) -> str:
    """How to give an in-place update the target's shape: sum over the axes the target has as 1 (a bias
    update summed over the samples), or reshape when the numbers are the same count."""
    (target_text, target), (value_text, value) = target_operand, value_operand
    if target and value and len(target) == len(value):
        axes = [i for i, (t, v) in enumerate(zip(target, value)) if t == 1 and v != 1]
        if axes and all(t in (1, v) for t, v in zip(target, value)):
            axis = axes[0] if len(axes) == 1 else tuple(axes)
            return (f"sum the update over the axis that `{target_text}` has as 1: "
                    f"`{_paren(value_text)}.sum(axis={axis}, keepdims=True)` gives {format_shape(target)}")
    if target and value and math.prod(target) == math.prod(value):
        return (f"make the update the shape of `{target_text}`: `{_paren(value_text)}.reshape({target_text}.shape)` "
                "holds the same numbers")
    return (f"the update has {math.prod(value)} numbers and `{target_text}` {math.prod(target)}: compute it in the "
            f"shape of `{target_text}` {format_shape(target)}")


def _as_update(fix, target, symbol) -> str | None:
    """An in-place update can only change its right side: ``W -= dW.T`` is a fix, ``W.T -= dW`` is not
    (it would update a transposed view), and the result must keep the target's shape."""
    text, shape = target
    prefix = f"{text} {symbol} "
    if not fix.text.startswith(prefix) or fix.result != tuple(shape):
        return None
    return f"`{text} {symbol}= {fix.text[len(prefix):]}`"


def _unnamed(texts) -> str:
    """Why no fix is offered when an operand is not an expression of the code (a wrapper's starred
    ``*[a.astype('float32') for a in args]``, an operand shown as ``?``)."""
    text = next((t for t in texts if not calls.nameable(t)), "?")
    what = "the operand shown as `?` is one the tracer could not name" if text.strip() == "?" else \
        f"`{text}` is not an array written as one expression (a starred argument or a comprehension)"
    return f"no fix is offered: {what}, so no rewrite of this line can be built from it"


def _no_sound_fix(operands, plan, checked=False) -> str:
    (lt, _), (rt, _) = operands
    plan = plan() if callable(plan) else plan
    command = (f"`{plan}` (the sizes this run used)" if plan
               else "`shapecheck plan d h ... t --layout rows|columns -n N` with your layer sizes")
    fits = "fits this run (each one tried is listed below with why)" if checked else "fits"
    return (f"no rewrite of these two operands {fits}, so one of them has the wrong shape: look up the shapes "
            f"`{lt}` and `{rt}` should have in {command}, which lists every forward and backward quantity "
            "with its shape")


def _origin_statement(source: str, line: int, text: str) -> str | None:
    found = origins.find_origin(source, line, text) if roles.is_dotted_name(text) else None
    return source_line(source, found.line) if found else None


def _missing_product(symbol, operands, known, source, line) -> list[str]:
    """The classic backprop slip: an error not yet sent back through a weight matrix.

    ``dZ2 * (1 - A1**2)`` with dZ2 ``(n, t)`` and A1 ``(n, h)``: a weight matrix W2 ``(h, t)`` in scope
    makes ``dZ2 @ W2.T`` ``(n, h)``, which fits. Data arrays (X, Y, inputs, labels...) are not weights,
    and names not in scope at ``line`` (another function's locals) cannot be typed there.
    """
    (lt, ls), (rt, rs) = operands
    found = []
    usable = [name for name in known if name not in (lt, rt) and not roles.looks_like_data(name)
              and origins.in_scope(source, line, name)]
    weights = [name for name in usable if roles.looks_like_weights(name)] or \
              [name for name in usable if not roles.looks_like_signal(name)]
    movable = [o for o in (lt, rt) if roles.is_dotted_name(o)]      # an error variable such as dZ2, not an expression
    errors = [o for o in movable if roles.looks_like_error(o)]
    movable = errors if len(errors) == 1 else movable           # only the error is sent back, when one is
    for name in weights:
        shape = known[name]
        for text, matrix in ((f"{name}.T", shape[::-1]), (name, shape)):
            weight = "_sc_weight" + (".T" if text.endswith(".T") else "")
            for moved, moved_shape, other, other_shape, left_side in ((lt, ls, rt, rs, True), (rt, rs, lt, ls, False)):
                if moved not in movable or moved_shape == other_shape:
                    continue
                placeholder = LEFT if left_side else RIGHT
                for weight_first in (False, True):      # dZ2 @ W2.T (samples as rows), W2.T @ dZ2 (as columns)
                    pair = (matrix, moved_shape) if weight_first else (moved_shape, matrix)
                    if predict("@", pair) != other_shape:
                        continue
                    wrapped = f"({text} @ {moved})" if weight_first else f"({moved} @ {text})"
                    sent = f"({weight} @ {placeholder})" if weight_first else f"({placeholder} @ {weight})"
                    fix = f"{wrapped} {symbol} {_paren(other)}" if left_side else f"{_paren(other)} {symbol} {wrapped}"
                    template = f"{sent} {symbol} {RIGHT}" if left_side else f"{LEFT} {symbol} {sent}"
                    question = f"was `{moved}` meant to go through `{name}` first (the error sent back through the weights)?"
                    found.append((Candidate(fix, template, (("_sc_weight", name),), question), other_shape))
    return found[:2]


def _paren(text: str) -> str:
    """``text`` wrapped in parentheses unless it is a name, a number or already one call/attribute."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text})"
    return text if isinstance(node, (ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Subscript)) else f"({text})"


def display_path(path: str) -> str:
    """A path relative to the working directory when it is inside it, as tracebacks read best."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
