"""Plain-words messages for each bug id, with the fix, in the learner's own tensor names."""

from __future__ import annotations

from shapecheck.comparison import conventions as conv
from shapecheck.comparison.l2 import ratio_text
from shapecheck.comparison.report import Cause, Diagnosis, causes_text


def interpret_scale(c: float, *, lr_known: bool, known, family: str, n: int, t: int, d: int, layout: str):
    """Read the common factor ``c`` between the learner's gradients and the hypothesis.

    Returns (scale bug ids, the Scale the loss is taken to have or None, where that came from, the factor
    left unexplained by it). With the loss's scale known (declared, or read from loss_fn) every other
    factor is a bug; without it, a factor that is one of the usual ways of scaling this loss (a sum, a
    mean without the 1/2 ...) is taken as the learner's convention, and said so.
    """
    bugs = []
    if c < 0:
        bugs.append("sign-flip")
    size = abs(c)
    if not lr_known:
        return bugs, None, "", size
    if known is not None:
        factor = size / known.factor
        if not _close(factor, 1.0):
            bugs.append("missing-mean" if known.name.startswith("mean") and _close(factor, n) else "wrong-scale")
        return bugs, known, "", factor
    for scale in conv.scales(family, n, t):
        if _close(size, scale.factor):
            if scale.name == "mean":
                return bugs, scale, ("assumed: the textbook convention, since no gradient can tell a mean from a "
                                     "sum; pass loss_fn= to settle it"), 1.0
            mean = "a mean with the 1/2" if family == "mse" else "a mean"
            return bugs, scale, (f"inferred from the size of your gradients, {size:.6g} times the mean's: right if "
                                 f"your loss is defined this way; if it is {mean}, divide by {size:.6g}; pass "
                                 "loss_fn= to settle it"), 1.0
    bugs.append("wrong-scale")
    return bugs, conv.scales(family, n, t)[0], ("assumed: the textbook convention, since no gradient can tell a "
                                                "mean from a sum; pass loss_fn= to settle it"), size


def _close(a, b) -> bool:
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b))


def describe_bugs(tags: frozenset, scale_ids: list, scale: float, alternative: str | None, residual: float,
                  context) -> Diagnosis:
    """One diagnosis: the ids (structural first, then scale) and a message that says what to fix. A cause of a
    factor that would name something in the learner's code is worded as a possibility here; the audit
    (audit.py) states it as fact only when it finds it in their run."""
    net, names = context["net"], context["names"]
    ids, messages, causes = [], [], ()
    for tag in sorted(tags):
        bug = tag[0]
        if bug not in ids:
            ids.append(bug)
        messages.append(_structural(tag, tags, net, names))
    if alternative is not None:
        ids.append("loss-mismatch")
        loss = (f"the {net.loss_fn.name!r} loss your loss_fn computes" if context.get("loss_source") == "loss_fn"
                else f"the declared {net.loss_fn.name!r} loss")
        messages.append(f"your gradients are those of {alternative.describe(net.n_layers)}, not of {loss}: "
                        f"{_loss_hint(alternative.family, net)}")
    for bug in scale_ids:
        ids.append(bug)
        text, found = _scale_message(bug, scale, context)
        messages.append(text)
        causes += found
    if not ids:
        message = "your gradients agree with the reference (up to rounding)" + _if_your_loss_is(context)
        if not context["lr_known"]:
            message += _step_factor(scale, context)
        return Diagnosis("match", message, residual, ("match",))
    return Diagnosis(" + ".join(dict.fromkeys(ids)), "; ".join(dict.fromkeys(messages)), residual,
                     tuple(dict.fromkeys(ids)), causes=causes)


def _if_your_loss_is(context) -> str:
    """The condition a match holds under when the loss's scale was read from the gradients' size (a sum, say),
    not declared nor read from a loss_fn: said in the verdict's own line, where it is read (a missing 1/n and a
    summed loss give the same gradients)."""
    found = context.get("inferred_scale")
    if found is None:
        return ""
    scale, size = found
    mean = "a mean with the 1/2" if context.get("family") == "mse" else "a mean"
    return (f" if your loss is {scale.text}, as their size says: were it {mean}, they would be {size:.6g} times too "
            "large (pass loss_fn= to settle it)")


def _step_factor(size: float, context) -> str:
    """What a step with no known learning rate shows: it moves the weights by ``size`` times the reference's
    gradient, the learning rate times the loss's scale, which one step cannot split; with the loss's scale
    known (declared, or read from the loss_fn), the learning rate that follows from it, said as following."""
    net = context["net"]
    mean = conv.scales(context["family"], context["n"], net.sizes[-1])[0]
    text = (f"; your step moves the weights by {size:.6g} times the gradient of {mean.text} (the reference's "
            "loss): that is your learning rate times your loss's scale, which one step cannot tell apart")
    known = context.get("loss_scale")
    if known is None:
        return text + "; pass lr= (or loss_fn=) to settle it"
    where = "your loss_fn computes" if context.get("scale_source") == "loss_fn" else "you declared"
    ratio = f", {known.factor:.6g} times the mean's" if abs(known.factor - 1.0) > 1e-12 else ""
    return text + (f"; with the loss scale {where} ({known.text}{ratio}), it is a learning rate of "
                   f"{size / known.factor:.6g}")


def with_declared_l2(diagnosis: Diagnosis, found: float, reg: float, loss_factor: float | None = None, *,
                     declared: str | None = None, n: int = 0) -> Diagnosis:
    """The diagnosis, with ``l2-mismatch`` added when the gradients' L2 term is not the declared ``reg * W``.
    ``loss_factor``: the scale of the loss_fn the L2 term was read from, or of the loss a ``declared`` L2 term
    in the learner's form (its words) is added to (None: ``reg`` was declared as a number)."""
    if abs(found - reg) <= 1e-6 * max(abs(reg), 1e-12):
        return diagnosis
    if declared is not None:
        message = (f"your gradients add {found * loss_factor:.6g} * W for the L2 term, not the "
                   f"{reg * loss_factor:.6g} * W of the {declared}{ratio_text(found, reg, n)}")
    elif loss_factor is not None:         # in the loss_fn's own numbers: the coefficient its code multiplies by
        term, grad, got = reg * loss_factor / 2, reg * loss_factor, found * loss_factor
        message = (f"your gradients add {got:.6g} * W for the L2 term, but your loss_fn adds {term:.6g} * "
                   f"sum(W**2), whose gradient is 2 * {term:.6g} * W = {grad:.6g} * W{ratio_text(found, reg, n)}")
    else:
        message = (f"your gradients add {found:.6g} * W for the L2 term, not reg * W = {reg:g} * W for the "
                   f"reg={reg:g} you declared: compare's L2 term is reg / 2 * sum(W**2), whose gradient is reg * W "
                   "(a loss c * sum(W**2) has the gradient 2 * c * W: declare reg=2 * c)")
    if diagnosis.bug == "match":
        return Diagnosis("l2-mismatch", message, diagnosis.score, ("l2-mismatch",))
    return Diagnosis(f"{diagnosis.bug} + l2-mismatch", f"{diagnosis.message}; {message}", diagnosis.score,
                     (*diagnosis.bugs, "l2-mismatch"))


def _derivative_places(bug, tags, hidden) -> tuple[list, str]:
    """Where an activation-derivative mistake ``bug`` is made: its places (``"hidden"``, ``"output"``) and their
    words (``hidden``: the hidden layer's, or hidden layer k's for a mistake in one hidden layer only)."""
    places = sorted(t[1] for t in tags if t[0] == bug)
    layers = sorted(t[2] for t in tags if t[0] == bug and len(t) == 3)
    words = {"hidden": hidden, "output": "the output layer's"}
    if layers:
        words["hidden"] = " and ".join(f"hidden layer {k}'s" for k in layers)
    return places, " and ".join(dict.fromkeys(words[p] for p in places))


def _structural(tag, tags, net, names) -> str:
    bug = tag[0]
    hidden = "the hidden layers'" if net.n_layers > 2 else "the hidden layer's"
    f = net.activation.name
    if bug == "derivative-at-activation":
        places, where = _derivative_places(bug, tags, hidden)
        name = f if places == ["hidden"] else net.output.name if places == ["output"] else "g"
        return (f"{where} activation derivative is evaluated at the activation A instead of the pre-activation Z: "
                f"{name}'(A) is not {name}'(Z) (for sigmoid use A * (1 - A) or sigmoid'(Z); for tanh 1 - A**2)")
    if bug == "derivative-formula-at-pre-activation":
        places, where = _derivative_places(bug, tags, hidden)
        name = f if places == ["hidden"] else net.output.name
        form = {"sigmoid": ("A * (1 - A)", "Z * (1 - Z)"), "tanh": ("1 - A**2", "1 - Z**2")}[name]
        return (f"{where} activation derivative uses {name}'(Z) = {form[0]}, the formula in terms of the activation A, "
                f"with the pre-activation Z put in for A: {form[1]} is not {name}'(Z) (use {form[0]} with "
                f"A = {name}(Z))")
    if bug == "missing-output-derivative" and tag[1:] == ("loss-derivative",):
        L = net.n_layers
        return (f"the output layer's delta is the loss's derivative dL/dA{L} = (A{L} - Y) / (A{L} * (1 - A{L})) without "
                f"the sigmoid's derivative: dZ{L} = dA{L} * sigmoid'(Z{L}), which is A{L} - Y, for {names[f'W{L}']} "
                "and for the error sent back")
    if bug == "missing-output-derivative" and tag[1:] == ("everywhere",):
        L = net.n_layers
        return (f"the output activation's derivative is left out everywhere: with a {net.output.name} output and a "
                f"squared error the output delta is dZ{L} = (A{L} - Y) * {net.output.name}'(Z{L}), for "
                f"{names[f'W{L}']} and for the error sent back (A{L} - Y alone is the delta of a cross-entropy)")
    if bug == "missing-output-derivative":
        return (f"the error sent back to the hidden layer leaves out the output activation's derivative: send back "
                f"dZ{net.n_layers} = (A{net.n_layers} - Y) * {net.output.name}'(Z{net.n_layers}), the same delta "
                f"used for {names[f'W{net.n_layers}']}")
    if bug == "missing-hidden-derivative":
        layers = sorted(t[1] for t in tags if t[0] == bug)
        which = ", ".join(f"dZ{k} = dA{k} * {f}'(Z{k})" for k in layers)
        return f"the hidden activation derivative is missing: {which}"
    if bug == "transposed":
        k = tag[1]
        return (f"the gradient of {names[f'W{k}']} is transposed; it is square "
                f"{tuple(net.params[f'W{k}'].shape)}, so the shapes did not show it (test with distinct sizes)")
    if bug == "stale-weights":
        layers = sorted(t[1] for t in tags if t[0] == bug)
        which = ", ".join(names[f"W{k}"] for k in layers)
        return (f"{which} were updated before the error was sent back through them: compute every gradient with "
                "the old weights, then update")
    if bug == "bias-wrong-axis":
        layers = sorted(t[1] for t in tags if t[0] == bug)
        which = ", ".join(names[f"b{k}"] for k in layers)
        return (f"the gradient of {which} is summed over every axis (one number for all units): sum over the "
                f"samples axis only, `db = dZ.sum(axis={net.layout.sample_axis}, keepdims=True) / n`")
    return bug


def _scale_message(bug, factor, context) -> tuple:
    """(the message of a scale bug, the Causes its words name)."""
    n = context["n"]
    if bug == "sign-flip":
        return "the update climbs the loss: the gradient has the wrong sign (W += lr * dW, or dZ = Y - A)", ()
    if bug == "missing-mean":
        text = (f"your gradients are n = {n} times too large: the loss is a mean over the samples, so divide dW "
                f"and db by n (e.g. `{_mean_weight_gradient(context['net'].layout.name)}`)")
        if context.get("scale_source") == "loss_fn":
            text += " (your loss_fn takes the mean)"
        else:
            text += ", or, if your loss is a sum, say so (loss_fn= or reduction='sum')"
        if n == 2:
            text += (" (with n = 2 this is also the factor 2 of a squared error without the 1/2: re-run with more "
                     "samples to tell the two apart)")
        return text, ()
    size = abs(factor)
    causes = factor_causes(size, context)
    return f"your gradients are off by a constant factor {size:.6g}{causes_text(causes)}{_declared_usual(size, context)}", \
        causes


#: The words of a factor that is the learner's convention if their loss is scaled that way (see _declared_usual).
RIGHT_IF_YOURS = "if that is your loss, this factor is right"


#: The weight gradient of a mean loss, written in each layout (rows: X (n, d) @ W (d, h); columns: W (h, d) @ X;
#: columns-wT: W (d, h) used as W.T @ X).
MEAN_WEIGHT_GRADIENT = {"rows": "dW = A.T @ dZ / n", "columns": "dW = dZ @ A.T / n", "columns-wT": "dW = A @ dZ.T / n"}


def _mean_weight_gradient(layout: str) -> str:
    return MEAN_WEIGHT_GRADIENT.get(layout, MEAN_WEIGHT_GRADIENT["rows"])


def _declared_usual(size: float, context) -> str:
    """What a factor means when it is the one between the declared loss's scale and another usual way of
    scaling that loss (a squared error without the 1/2, a mean over the outputs too): the factor is right if
    that is the learner's loss, which only their loss_fn can tell (other mistakes named beside it stay)."""
    known = context.get("loss_scale")
    if context.get("scale_source") != "declared" or known is None:
        return ""
    usual = [scale for scale in conv.scales(context["family"], context["n"], context["net"].sizes[-1])
             if scale.name != known.name and _close(size * known.factor, scale.factor)]
    if not usual:
        return ""
    return (f"; that is exactly the factor of {usual[0].text}, where the declared loss is {known.text}: "
            f"{RIGHT_IF_YOURS} (pass loss_fn= to settle it)")


def factor_causes(size: float, context) -> tuple:
    """The usual causes of a factor ``size`` between the learner's gradients and the expected ones, as
    :class:`Cause`: the words of each as a possibility, as a fact (once found in the learner's run), and
    the operation that would show it there."""
    net, n = context["net"], context["n"]
    d, t = net.sizes[0], net.sizes[-1]
    squared = net.loss_fn.name in ("mse", "half-sse")
    no_half = "no-half" in (context.get("scale_name") or "")
    loss = "the declared loss" if context.get("scale_source") == "declared" else "the loss"
    found = []
    if d != n and _close(size, n / d):
        found.append(Cause(f"a division by d = {d}, the number of inputs, instead of by n = {n}, the number of "
                           f"samples (n/d = {n}/{d})",
                           f"n/d = {n}/{d}: line {{line}} divides by {d} (`{{source}}`), which is also d, the "
                           f"number of inputs; the mean is over the n = {n} samples", ("divides", d)))
    if squared and no_half and n > 2 and _close(size, n / 2):
        found.append(Cause(f"the 1/n and the squared error's 2 both left out (n/2 = {n}/2)"))
    if squared and not no_half and _close(size, 2.0):
        found.append(Cause(f"a squared error's derivative with a 2 while {loss} has the 1/2",
                           "2: line {line} multiplies by 2 (`{source}`), the derivative of a squared error "
                           f"without the 1/2, while {loss} has the 1/2", ("multiplies", 2.0)))
    if squared and not no_half and n > 1 and _close(size, 2.0 * n):
        found.append(Cause(f"a squared error's 2 while {loss} has the 1/2, and the 1/n left out (2n = {2 * n})"))
    if squared and no_half and _close(size, 0.5):       # delta = A - Y, the derivative of the loss with a 1/2
        found.append(Cause(f"the squared error's 2 left out: A - Y is the derivative of (A - Y)**2 / 2, and {loss} "
                           "has no 1/2"))
    if _close(size, 0.5):
        found.append(Cause("a 1/2 too many", "1/2: line {line} multiplies by 1/2 (`{source}`), a 1/2 too many",
                           ("multiplies", 0.5)))
    if t > 1 and _close(size, 1.0 / t):
        found.append(Cause(f"a mean over the {t} outputs as well as over the samples (1/t = 1/{t})",
                           f"1/t = 1/{t}: line {{line}} divides by {t}, the number of outputs t (`{{source}}`): a "
                           "mean over the outputs as well as over the samples", ("divides", t)))
    if t > 1 and _close(size, float(t)):
        found.append(Cause(f"a sum over the {t} outputs where the loss takes their mean (t = {t})"))
    summed = getattr(context.get("loss_scale"), "name", "").startswith("sum")     # a loss known to be a sum
    whose = "the declared" if context.get("scale_source") == "declared" else "your"
    if _close(size, 1.0 / n) and summed:          # its gradient takes no 1/n: one division is the factor
        found.append(Cause(f"a division by n = {n}, the number of samples, where {whose} loss is a sum (1/n)",
                           f"1/n = 1/{n}: line {{line}} divides by {n}, the number of samples (`{{source}}`): {whose} "
                           "loss is a sum over the samples, so its gradient takes no 1/n", ("divides", n)))
    elif _close(size, 1.0 / n):
        found.append(Cause(f"a division by n = {n} twice (1/n)"))
    if d > 1 and _close(size, 1.0 / d):
        found.append(Cause(f"a division by d = {d}, the number of inputs (1/d)",
                           f"1/d = 1/{d}: line {{line}} divides by {d} (`{{source}}`), which is also d, the number of "
                           "inputs",
                           ("divides", d)))
    return tuple(found)


def _loss_hint(alternative: str, net) -> str:
    if alternative == "bce" and net.output.name == "sigmoid":
        return ("dZ = A - Y is the delta of sigmoid + binary cross-entropy; for a squared error it is "
                "(A - Y) * A * (1 - A)")
    if alternative == "mse":
        return "(A - Y) * g'(Z) is the delta of a squared error; for the fused cross-entropy it is A - Y"
    if alternative == "softmax-cross-entropy":
        return "A - Y is the delta of softmax + cross-entropy"
    return "declare the loss you implemented, or change the delta"
