"""The reference backward pass with known mistakes injected: each mutant is one hypothesis.

A diagnosis is the mutant (or pair of mutants) whose gradients reproduce the learner's, up to one
constant factor that names the scale bugs (n: a missing mean; -1: a flipped sign; anything else: a wrong
scale). The mistakes are written into the same layout methods the reference uses, so they exist in every
layout exactly as a learner would make them.

A mutant is a frozenset of tags: ``("derivative-at-activation", "hidden" or "output")`` (``("derivative-at-activation",
"hidden", k)``: in hidden layer k only), ``("derivative-formula-at-pre-activation", "hidden" or "output")`` (the
derivative's formula in terms of the activation, ``A * (1 - A)`` or ``1 - A**2``, given Z: ``Z * (1 - Z)``; ``(...,
"hidden", k)``: in hidden layer k only), ``("missing-output-derivative",)``,
``("missing-output-derivative", "everywhere")`` (left out of the output layer's own gradient too),
``("missing-output-derivative", "loss-derivative")`` (a sigmoid output under cross-entropy whose delta is the
loss's own derivative dL/dA = (A - Y) / (A * (1 - A)), as a course computes ``dAL``, without sigmoid'(Z)),
``("missing-hidden-derivative", k)``, ``("transposed", k)``, ``("stale-weights", k)``,
``("bias-wrong-axis", k)`` (layer k's bias gradient summed over every axis).
"""

from __future__ import annotations

import numpy as np

from reference_nets.activations import Softmax

#: The derivative of an activation written in terms of its output (sigmoid' = A * (1 - A), tanh' = 1 - A**2): the
#: formula a learner plugs the pre-activation into by mistake (``z * (1 - z)``)
OUTPUT_FORM = {"sigmoid": lambda v: v * (1.0 - v), "tanh": lambda v: 1.0 - v * v}


def mutant_gradients(net, X: np.ndarray, Y: np.ndarray, tags: frozenset, *, lr: float | None = None,
                     forward=None, keep: dict | None = None, applied: dict | None = None) -> dict:
    """The gradients a backward pass with the mistakes ``tags`` computes (same keys and shapes as
    ``net.params``). With no tags this is exactly ``net.gradients``. ``forward``: ``net``'s forward pass
    on X when already computed.

    ``keep``: a dict that receives the intermediate quantities under the names of ``shapecheck plan``, in
    the network's layout: ``dZ{k}`` (for the summed loss), ``dA{k}``, ``dW{k}``, ``db{k}`` (scaled as the
    gradients are, before a transposition mistake), ``prime{k}`` (the hidden activation's derivative where
    this pass takes it), ``error`` (``A_L - Y``), ``sent_back`` (what the output layer sends back) and
    ``W{k} sent back through`` (the weights the error goes back through, updated ones for stale weights).
    ``applied``: the update each weight ``W{k}`` received in the learner's own step (their learning rate times
    their gradient, an L2 term or another loss scale included); a stale ``W{k}`` is updated by it instead of by
    ``lr`` times this pass's gradient.
    The quantities are what the line that computes them would hold, so a learner's line can be matched
    against the reference's (no tags) and a mutant's."""
    fp = forward if forward is not None else net._forward(X)
    L, layout, axis = net.n_layers, net.layout, net.layout.feature_axis
    n = Y.shape[layout.sample_axis]
    scale = 1.0 / n if net.reduction == "mean" else 1.0
    Z, A = fp.Z, fp.A
    at_activation = ("derivative-at-activation", "hidden") in tags
    output_at_activation = ("derivative-at-activation", "output") in tags
    fused = net.loss_fn.requires_output is not None
    if fused:
        dZ = net.loss_fn.output_delta(Z[L], A[L], Y, net.output, axis)              # A_L - Y
    else:
        z_out = A[L] if output_at_activation and not isinstance(net.output, Softmax) else Z[L]
        dZ = net.output.backward(A[L] - Y, z=z_out, axis=axis)                     # (A_L - Y) * g'(Z_L)
        if ("derivative-formula-at-pre-activation", "output") in tags:
            dZ = (A[L] - Y) * OUTPUT_FORM[net.output.name](Z[L])                   # (A_L - Y) * Z_L (1 - Z_L)
    if ("missing-output-derivative", "everywhere") in tags:
        dZ = A[L] - Y                                   # g'(Z_L) forgotten for W_L as well
    if ("missing-output-derivative", "loss-derivative") in tags:
        with np.errstate(all="ignore"):                 # dAL, then sigmoid_backward forgotten
            dZ = (A[L] - Y) / (A[L] * (1 - A[L]))
    sent_back = (A[L] - Y) if ("missing-output-derivative",) in tags else dZ
    kept = keep if keep is not None else {}
    kept["error"], kept["sent_back"] = A[L] - Y, sent_back
    grads = {}
    for k in range(L, 0, -1):
        kept[f"dZ{k}"] = dZ
        dW = layout.weight_grad(A[k - 1], dZ) * scale
        kept[f"dW{k}"] = dW
        grads[f"W{k}"] = dW.T if ("transposed", k) in tags else dW
        if net.bias:
            db = layout.bias_grad(dZ) * scale
            wrong_axis = ("bias-wrong-axis", k) in tags
            grads[f"b{k}"] = kept[f"db{k}"] = np.full_like(db, dZ.sum() * scale) if wrong_axis else db
        if k > 1:
            W = net.params[f"W{k}"]
            if ("stale-weights", k) in tags and lr is not None:
                step = applied.get(f"W{k}") if applied else None
                W = W - (lr * dW if step is None else step)       # updated before the error went back
            kept[f"W{k} sent back through"] = W
            dA = kept[f"dA{k - 1}"] = layout.error_to_previous(sent_back if k == L else dZ, W)
            if ("missing-hidden-derivative", k - 1) in tags:
                dZ = dA
            elif ("derivative-formula-at-pre-activation", "hidden") in tags \
                    or ("derivative-formula-at-pre-activation", "hidden", k - 1) in tags:
                prime = kept[f"prime{k - 1}"] = OUTPUT_FORM[net.activation.name](Z[k - 1])     # Z (1 - Z)
                dZ = dA * prime
            else:
                here = at_activation or ("derivative-at-activation", "hidden", k - 1) in tags
                at = A[k - 1] if here else Z[k - 1]
                kept[f"prime{k - 1}"] = net.activation.derivative(z=at)
                dZ = net.activation.backward(dA, z=at, axis=axis)
    return {name: grads[name] for name in net.params}


def candidate_mutants(net, *, lr: float | None) -> list[frozenset]:
    """Every single mistake that can show in this network (and changes something)."""
    L = net.n_layers
    singles = []
    hidden = L > 1 and net.activation.name not in ("identity", "relu")
    output = (not isinstance(net.output, Softmax) and net.output.name not in ("identity", "relu")
              and net.loss_fn.requires_output is None)
    places = [p for p, possible in (("hidden", hidden), ("output", output)) if possible]
    for place in places:
        singles.append(frozenset({("derivative-at-activation", place)}))
    if len(places) == 2:
        singles.append(frozenset(("derivative-at-activation", place) for place in places))
    if hidden and L > 2:                   # in one hidden layer only (a layer loop written out by hand)
        singles += [frozenset({("derivative-at-activation", "hidden", k)}) for k in range(1, L)]
    formula_places = [place for place, name in (("hidden", net.activation.name if L > 1 else ""),
                                                ("output", net.output.name if "output" in places else ""))
                      if name in OUTPUT_FORM]
    singles += [frozenset({("derivative-formula-at-pre-activation", place)}) for place in formula_places]
    if "hidden" in formula_places and L > 2:
        singles += [frozenset({("derivative-formula-at-pre-activation", "hidden", k)}) for k in range(1, L)]
    if L > 1 and net.loss_fn.requires_output is None and not isinstance(net.output, Softmax) \
            and net.output.name != "identity":
        singles.append(frozenset({("missing-output-derivative",)}))
    if net.loss_fn.requires_output is None and not isinstance(net.output, Softmax) \
            and net.output.name not in ("identity", "sigmoid"):
        # (with a sigmoid output this is the cross-entropy's delta: named as loss-mismatch instead)
        singles.append(frozenset({("missing-output-derivative", "everywhere")}))
    if net.loss_fn.requires_output == "sigmoid" and net.output.name == "sigmoid":
        singles.append(frozenset({("missing-output-derivative", "loss-derivative")}))   # a course's dZ = dAL
    if L > 1 and net.activation.name != "identity":
        singles.append(frozenset(("missing-hidden-derivative", k) for k in range(1, L)))
        if L > 2:
            singles += [frozenset({("missing-hidden-derivative", k)}) for k in range(1, L)]
    for k in range(1, L + 1):
        if net.params[f"W{k}"].shape[0] == net.params[f"W{k}"].shape[1]:
            singles.append(frozenset({("transposed", k)}))
    if lr is not None and L > 1:          # a stale update can only be replayed with the learning rate
        singles.append(frozenset(("stale-weights", k) for k in range(2, L + 1)))
        if L > 2:
            singles += [frozenset({("stale-weights", k)}) for k in range(2, L + 1)]
    if net.bias:
        singles.append(frozenset(("bias-wrong-axis", k) for k in range(1, L + 1)))
        singles += [frozenset({("bias-wrong-axis", k)}) for k in range(1, L + 1)]
    return singles
