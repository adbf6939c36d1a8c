"""Plain-words messages for each bug id, with the fix, in the learner's own tensor names."""

from __future__ import annotations

from shapecheck.comparison.report import Diagnosis


def scale_bugs(scale: float, n: int, reduction: str, lr_known: bool, sizes) -> list[str]:
    """The bug ids a common factor between the learner's gradients and the hypothesis stands for."""
    bugs = []
    if scale < 0:
        bugs.append("sign-flip")
    size = abs(scale)
    if not lr_known or _close(size, 1.0):
        return bugs
    if reduction == "mean" and _close(size, n):
        bugs.append("missing-mean")
    else:
        bugs.append("wrong-scale")
    return bugs


def _close(a, b) -> bool:
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b))


def describe_bugs(tags: frozenset, scale_ids: list, scale: float, alternative: str | None, residual: float,
                  context) -> Diagnosis:
    """One diagnosis: the ids (structural first, then scale) and a message that says what to fix."""
    net, names, n = context["net"], context["names"], context["n"]
    ids, messages = [], []
    for tag in sorted(tags):
        bug = tag[0]
        if bug not in ids:
            ids.append(bug)
        messages.append(_structural(tag, tags, net, names))
    if alternative is not None:
        ids.append("loss-mismatch")
        messages.append(f"your gradients are those of the {alternative!r} loss, not of the declared "
                        f"{net.loss_fn.name!r}: {_loss_hint(alternative, net)}")
    for bug in scale_ids:
        ids.append(bug)
        messages.append(_scale_message(bug, scale, n, net))
    if not ids:
        message = "your gradients agree with the reference (up to rounding)"
        if not context["lr_known"]:
            message += f"; the learning rate recovered from the step is {scale:.6g}"
        return Diagnosis("match", message, residual, ("match",))
    return Diagnosis(" + ".join(dict.fromkeys(ids)), "; ".join(dict.fromkeys(messages)), residual,
                     tuple(dict.fromkeys(ids)))


def _structural(tag, tags, net, names) -> str:
    bug = tag[0]
    hidden = "the hidden layers'" if net.n_layers > 2 else "the hidden layer's"
    f = net.activation.name
    if bug == "derivative-at-activation":
        places = sorted(t[1] for t in tags if t[0] == bug)
        where = " and ".join({"hidden": f"{hidden}", "output": "the output layer's"}[p] for p in places)
        name = f if places == ["hidden"] else net.output.name if places == ["output"] else "g"
        return (f"{where} activation derivative is evaluated at the activation A instead of the pre-activation Z: "
                f"{name}'(A) is not {name}'(Z) (for sigmoid use A * (1 - A) or sigmoid'(Z); for tanh 1 - A**2)")
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


def _scale_message(bug, scale, n, net) -> str:
    if bug == "sign-flip":
        return "the update climbs the loss: the gradient has the wrong sign (W += lr * dW, or dZ = Y - A)"
    if bug == "missing-mean":
        text = (f"your gradients are n = {n} times too large: the loss is a mean over the samples, so divide dW "
                f"and db by n (e.g. `dW = A.T @ dZ / n`), or declare reduction='sum'")
        if n == 2:
            text += (" (with n = 2 this is also the factor 2 of a squared error without the 1/2: re-run with more "
                     "samples to tell the two apart)")
        return text
    size = abs(scale)
    hint = _name_factor(size, n, net)
    return f"your gradients are off by a constant factor {size:.6g}{hint}"


def _name_factor(size, n, net) -> str:
    named = {2.0: " (2: a squared error without the 1/2, so its derivative has a 2)",
             0.5: " (1/2: a 1/2 too many)"}
    for value, text in named.items():
        if _close(size, value):
            return text
    for symbol, value in (("the number of outputs t", net.sizes[-1]), ("the number of inputs d", net.sizes[0])):
        if value > 1 and _close(size, value):
            return f" ({symbol} = {value})"
        if value > 1 and _close(size, 1 / value):
            return f" (1/{symbol} = 1/{value})"
    if _close(size, 1 / n):
        return f" (1/n = 1/{n}: divided by n twice?)"
    if _close(size, 2 * n):
        return " (2n: a squared error without the 1/2, and the 1/n missing)"
    return ""


def _loss_hint(alternative: str, net) -> str:
    if alternative == "bce" and net.output.name == "sigmoid":
        return ("dZ = A - Y is the delta of sigmoid + binary cross-entropy; for a squared error it is "
                "(A - Y) * A * (1 - A)")
    if alternative == "mse":
        return "(A - Y) * g'(Z) is the delta of a squared error; for the fused cross-entropy it is A - Y"
    if alternative == "softmax-cross-entropy":
        return "A - Y is the delta of softmax + cross-entropy"
    return "declare the loss you implemented, or change the delta"
