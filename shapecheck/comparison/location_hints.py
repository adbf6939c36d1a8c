"""The hint under a located line: what the line does wrong and how to write it, in the learner's own names
(the arguments and targets on their line, their names for the weights), e.g.

    at xor_net.py:38   delta = np.dot(self.weights[-l + 1].T, delta) * self.sigmoidPrime(activations[-l])
                       sigmoidPrime(...) is given activations[-l], the activation A1; it needs the
                       pre-activation Z1 (or write activations[-l] * (1 - activations[-l]))
"""

from __future__ import annotations

import ast
from dataclasses import replace

from shapecheck.comparison import learner_source as source

#: The derivative of an activation written with its output ``a`` (where one exists).
FROM_OUTPUT = {"sigmoid": "{a} * (1 - {a})", "tanh": "1 - {a} ** 2", "relu": "({a} > 0)"}


def hint(location, *, net, names, n, bug: str = "", called: str = "", others=(), shapes=None) -> str:
    """One sentence for ``location`` (a Location without its hint). ``net``: the reference network of the
    diagnosis; ``names``: reference name -> the learner's (``W2`` -> ``self.weights[1]``); ``n``: samples;
    ``called``: for an "argument" location, the helper that was given the wrong input; ``others``: the
    other Locations of the same diagnosis (a stale update names the send-back, and back); ``shapes``:
    reference name -> the shape of the learner's own array (a 1-d bias takes no keepdims)."""
    quantities, kind = location.quantity.split(", "), location.kind
    q = quantities[0]                    # a line shared by several layers holds each one's quantity
    L = net.n_layers
    if kind == "sign":                   # the kinds of the scale mistakes first: their quantity is any of
        return _sign(location, others)   # the reference's (the sign turns on a dZ line too)
    if kind == "update" and q == "turned update":
        return _turned_update(location)
    if kind == "update" and not any(o.kind == "sign" for o in others):
        return "this update adds the learning rate times your gradient, which climbs the loss: subtract it (`-=`)"
    if kind == "update":
        return "this update adds the step: with the error A - Y it must subtract (`-=`), or the error be Y - A"
    if kind == "too large":
        return (f"the first value n = {n} times too large is made here (a sum over the samples where the mean "
                "needs 1/n), and no line after it divides by n: divide by n here or right after")
    if kind == "finalised":
        return _finalised(quantities, names, n, bug)
    act = net.activation.name if q != f"dZ{L}" else net.output.name
    if kind == "argument" and q.startswith("dZ") and bug == "missing-hidden-derivative":
        return _handed_on(location, q[2:], act, called)
    if bug == "derivative-formula-at-pre-activation" and (kind == "argument" or q.startswith(("prime", "dZ"))):
        return _formula_at_z(location, quantities, act, called, L)
    if kind == "argument" or q.startswith("prime") or q.startswith("dZ") and bug == "derivative-at-activation":
        return _at_activation(location, quantities, act, called, L)
    if q == f"dZ{L}" and bug == "missing-output-derivative" and net.loss_fn.requires_output == "sigmoid":
        target = source.assigned_text(location.path, location.line) or f"dZ{L}"
        return (f"{target} is dL/dA{L}, the loss's derivative with respect to A{L}, without the sigmoid's derivative: "
                f"multiply it by sigmoid'(Z{L}) (A{L} * (1 - A{L})), which makes it A{L} - Y")
    if q == f"dZ{L}" and bug in ("loss-mismatch", "missing-output-derivative"):
        target = source.assigned_text(location.path, location.line) or f"dZ{L}"
        derivative = FROM_OUTPUT.get(act, "").format(a=f"A{L}")
        written = f" ({derivative})" if derivative and act != "relu" else ""
        return (f"{target} is A{L} - Y (up to its sign) without the output activation's derivative, the delta of a "
                f"cross-entropy: for a squared error multiply it by {act}'(Z{L}){written}")
    if q.startswith("dZ"):
        k = q[2:]
        target = source.assigned_text(location.path, location.line) or f"dZ{k}"
        derivative = FROM_OUTPUT.get(act, "{a}").format(a=f"Z{k}") if act == "relu" else f"{act}'(Z{k})"
        shared = sorted(x[2:] for x in quantities if x.startswith("dZ") and x[2:].isdigit())
        if len(shared) > 1:              # one line for every hidden layer (a course's helper)
            layers = f"{', '.join(shared[:-1])} and {shared[-1]}"
            each = FROM_OUTPUT["relu"].format(a="Zk") if act == "relu" else f"{act}'(Zk)"
            return (f"{target} is the error sent back to layers {layers} (dA{shared[0]}, ...) as it came: it still "
                    f"needs the activation's derivative at each, {each} for layer k, before it "
                    "is used")
        return (f"{target} is the error sent back to layer {k} (dA{k}); it still needs the activation's "
                f"derivative: multiply it by {derivative} before it is used")
    if q.startswith("dA") and bug == "missing-output-derivative":
        return (f"this sends back A{L} - Y without the output's derivative: send back dZ{L} = (A{L} - Y) * "
                f"{net.output.name}'(Z{L})")
    if q.endswith("sent back through") or (q.startswith("dA") and bug == "stale-weights"):
        return _stale(location, q, names, others)
    if q.startswith("gradient W") and bug == "transposed":
        k = q.split("W")[1]
        return f"this is the gradient of {names.get(f'W{k}', f'W{k}')} transposed: swap the product's operands"
    if q.startswith("db"):
        axis = net.layout.sample_axis
        how = "every axis (one number)" if q.endswith("whole") else "the features axis"
        own = (shapes or {}).get(q.split()[0][1:], (1, 1))          # "db1 ..." -> the learner's b1
        keep = ", keepdims=True" if len(own) == 2 else ""
        return f"this sums over {how}: sum over the samples axis only, `.sum(axis={axis}{keep})`"
    return ""


def _finalised(quantities, names, n, bug) -> str:
    finalised = ", ".join(names.get(one.split()[-1], one.split()[-1]) for one in quantities)
    many = len(quantities) > 1
    whose = "their" if many else "its"
    what = f"a mean over the samples needs 1/n here or before (n = {n})" if bug == "missing-mean" else \
        f"{whose} factor is not the reference's (see the diagnosis): fix it here or on a line before"
    if all(one.startswith("data term") for one in quantities):
        return (f"this makes the data term of the gradient{'s' * many} of {finalised}, before your L2 term is added "
                f"(a 1/n there would scale the L2 term too): {what}")
    return f"this finalises the gradient{'s' * many} of {finalised}: {what}"


def _derivative_site(location, quantities, called, L) -> tuple[str, str, tuple | None]:
    """For a line computing a layer's activation derivative (``prime{k}`` or ``dZ{k}``): the layer's number
    (empty for a line serving several layers), their words, and the one-argument call of the helper ``called``
    on the line (``(name, (argument,))``, or None)."""
    layers = sorted({int(q[len("prime"):] if q.startswith("prime") else q[2:]) for q in quantities})
    k = str(layers[0]) if len(layers) == 1 else ""     # one line serving several layers: A and Z of each
    words = ["the output" if one == L else f"layer {one}" for one in layers]
    where = words[0] + "'s" if len(words) == 1 else f"each layer's ({', '.join(words[:-1])} and {words[-1]})"
    call = next(((name, args) for name, args in source.calls_on(location.path, location.line)
                 if called and (name == called or name.endswith("." + called)) and len(args) == 1), None)
    return k, where, call


def _at_activation(location, quantities, act, called, L) -> str:
    k, where, call = _derivative_site(location, quantities, called, L)
    if call is None:
        single = {args[0] for name, args in source.calls_on(location.path, location.line) if len(args) == 1}
        at = f"`{single.pop()}`, " if len(single) == 1 else ""
        return f"{where} activation derivative is taken at {at}the activation A{k}; it needs the pre-activation Z{k}"
    name, (arg,) = call
    rewrite = FROM_OUTPUT.get(act)
    alternative = f" (or write {rewrite.format(a=arg)})" if rewrite and act != "relu" else ""
    return f"{name}(...) is given {arg}, the activation A{k}; it needs the pre-activation Z{k}{alternative}"


def _formula_at_z(location, quantities, act, called, L) -> str:
    """A derivative written for the activation's output (``a * (1 - a)``) given the pre-activation Z."""
    k, where, call = _derivative_site(location, quantities, called, L)
    form = FROM_OUTPUT[act]
    if call is not None:
        name, (arg,) = call
        return (f"{name}(...) computes {form.format(a='x')} of what it is given, the formula in terms of the "
                f"activation, and is given {arg}, the pre-activation Z{k}: give it A{k} = {act}(Z{k})")
    return (f"{where} activation derivative is {form.format(a=f'Z{k}')}, the formula written for the activation "
            f"({form.format(a=f'A{k}')}) with the pre-activation put in: use A{k} = {act}(Z{k}) in it")


def _handed_on(location, k, act, called) -> str:
    """The call that passes the error sent back to layer ``k`` (dA) where its dZ belongs."""
    call = next(((name, args) for name, args in source.calls_on(location.path, location.line)
                 if name.rsplit(".", 1)[-1] == called and len(args) == 1), None)
    given = f"{call[0]}(...) is given {call[1][0]}, " if call else "this call is given "
    derivative = FROM_OUTPUT[act].format(a=f"Z{k}") if act == "relu" else f"{act}'(Z{k})"
    return (f"{given}the error sent back to layer {k} (dA{k}), where dZ{k} belongs: pass it through the "
            f"activation's backward first (dZ{k} = dA{k} * {derivative})")


def _turned_update(location) -> str:
    """An update that subtracts a step already made negative (``weight_updates = -lr * dweights``)."""
    statement = next((node for node in source.statements_at(location.path, location.line)
                      if isinstance(node, ast.AugAssign)), None)
    if statement is None:
        return "this subtracts a step that already holds minus the learning rate times the gradient: add it"
    target, value = ast.unparse(statement.target), ast.unparse(statement.value)
    return (f"this subtracts {value}, which already holds minus the learning rate times the gradient, so the "
            f"step climbs the loss: add it (`{target} += {value}`)")


def _stale(location, q, names, others) -> str:
    k = q.split()[0][1:] if q.endswith("sent back through") else str(int(q[2:]) + 1)
    weight = names.get(f"W{k}", f"W{k}")
    if q.endswith("sent back through"):
        later = [o for o in others if o.quantity.startswith("dA")]
        after = f" (line {later[0].line})" if later else ""
        return f"this updates {weight} before the error is sent back through it{after}: update it afterwards"
    earlier = [o for o in others if o.quantity.endswith("sent back through")]
    before = f" after line {earlier[0].line} updated it" if earlier else " after it was updated"
    return (f"this sends the error back through {weight}{before}: send it back first (or keep the old "
            f"{weight})")


def _sign(location, others) -> str:
    updates = [o for o in others if o.kind == "update"]
    parts = source.subtraction_on(location.path, location.line)
    swapped = f"`{parts[1]} - {parts[0]}`" if parts else "the other order"
    if updates:
        many = len(updates) > 1
        lines = ", ".join(str(o.line) for o in updates)
        said = f"the updates on lines {lines} add" if many else f"the update on line {lines} adds"
        return f"this is A - Y and {said} it: write {swapped} here, or subtract in the update{'s' * many}"
    first = location.quantity.split(", ")[0]
    if first.startswith("turn "):
        said = "error A - Y" if first[5:] == "error" else first[5:]
        return (f"this turns the sign: it is minus the reference's {said}, and the code after it needs the "
                "reference's sign")
    if first == "error" and parts:
        return (f"this is Y - A, minus the error A - Y that the code after it needs (it subtracts the step, or "
                f"returns the gradient): write {swapped}")
    if first.startswith("dL/dA"):
        out = first[4:]
        return (f"this is minus {first}, the loss's derivative with respect to the output ({out} - Y) / ({out} * "
                f"(1 - {out})), the sign the code after it needs: flip it here")
    return (f"this is minus the reference's {first} (A - Y and what follows from it), the sign the code after it "
            "needs: flip it here")


def with_hints(locations, bugs, setting) -> tuple:
    """``locations`` (of one diagnosis whose bug ids are ``bugs``) each with its hint."""
    net = setting.net
    n = setting.data.Y.shape[net.layout.sample_axis]
    bug = next((b for b in bugs if b not in ("l2-mismatch", "l2-on-bias")), "")
    shapes = {name: setting.learner_shape(name) for name in net.params}
    return tuple(replace(location, hint=hint(location, net=net, names=setting.learner_names, n=n, bug=bug,
                                             called=location.called, others=locations, shapes=shapes))
                 for location in locations)
