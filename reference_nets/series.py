"""The loss of each sample as a cubic in the change of one hidden unit: how ``MLP.perturbed_losses`` evaluates
the many copies that move a parameter below the output layer.

Nothing here is needed to read or train the network. Moving W_k[i, j] (or b_k[j]) changes one unit of layer
k: its activation A_k[j] changes by ``s`` (one number per sample, computed exactly from the move), and
everything above follows from that one number. So the loss of sample n, as a function of ``s``, is a smooth
function of one variable, the same for every copy that moves a parameter of unit j:

    loss_n(s) = loss_n(0) + q1[j, n] s + q2[j, n] s**2 + q3[j, n] s**3 + (terms in s**4)

The coefficients come from carrying the series through the layers above (each a matrix product, then the
activation's own series: tanh, sigmoid or identity) up to the logits and through the softmax cross-entropy.
A copy's loss is then a few operations per sample instead of a forward pass through every layer above.

The terms left out are exact to the last digit only while the changes stay small: :data:`REACH` bounds the
change the move makes to every pre-activation above, where the s**4 terms (about ``REACH**4``, some 1e-20 of
an activation's size) sit far below a float64's rounding. Copies that move further are evaluated by the
full forward pass (``reference_nets.perturbed``), as are other activations and losses.
"""

from __future__ import annotations

import numpy as np

#: the largest change of a pre-activation above the moved unit for which the cubic is exact to rounding
REACH = 1e-5


def derivatives(activation: str, A: np.ndarray):
    """``f'``, ``f''``, ``f'''`` of the hidden activation at its cached values ``A`` (each shaped as ``A``);
    None for an activation without a series here (ReLU's kink, say)."""
    if activation == "tanh":
        first = 1.0 - A * A
        return first, -2.0 * A * first, first * (6.0 * A * A - 2.0)
    if activation == "sigmoid":
        first = A * (1.0 - A)
        return first, first * (1.0 - 2.0 * A), first * (1.0 - 6.0 * A + 6.0 * A * A)
    if activation == "identity":
        return np.ones_like(A), np.zeros_like(A), np.zeros_like(A)
    return None


def loss_series(W: dict, A: dict, k: int, L: int, activation: str, logits: np.ndarray, Y: np.ndarray):
    """``(q, reach)`` for moves of layer k below the output (``k < L``) of a network with softmax cross-entropy:
    ``q`` ``(3, size_k, n)`` the coefficients of ``s``, ``s**2`` and ``s**3`` in each sample's loss when unit j
    of A_k changes by ``s``; ``reach`` ``(size_k, n)`` the largest change of any pre-activation above per unit
    of ``s`` (a copy's series is exact while ``|s| * reach <= REACH``). None when the hidden activation has no
    series.

    ``W[m]`` ``(size_{m-1}, size_m)`` the weights (in, out), ``A[m]`` ``(size_m, n)`` the cached activations,
    ``logits`` ``(t, n)`` the unmoved logits (any shift), ``Y`` ``(t, n)`` the targets."""
    found = [derivatives(activation, A[m]) for m in range(k + 1, L)]
    if any(d is None for d in found):
        return None
    n = logits.shape[1]
    # the pre-activations of layer k + 1 change by W_{k+1}[j, :] s: first-order terms only, the same per sample
    z = np.zeros((3, *W[k + 1].shape, n))                                   # (order, size_k, size_{k+1}, n)
    z[0] = W[k + 1][:, :, np.newaxis]
    reach = np.abs(z[0]).max(axis=1)                                         # (size_k, n)
    for m, (f1, f2, f3) in zip(range(k + 1, L), found):
        # through the activation of layer m (the chain rule for series up to s**3), then the next weights
        z1, z2, z3 = z
        c = np.stack([f1 * z1, f1 * z2 + 0.5 * f2 * z1 * z1, f1 * z3 + f2 * z1 * z2 + f3 / 6.0 * z1 * z1 * z1])
        z = np.matmul(W[m + 1].T, c)                       # (size_{m+1}, size_m) @ (..., size_m, n), each order
        reach = np.maximum(reach, np.abs(z[0]).max(axis=1))
    z1, z2, z3 = z
    # logsumexp of the logits moved by u = z1 s + z2 s**2 + z3 s**3: log of the mean of exp(u) under softmax
    p = np.exp(logits - logits.max(axis=0))
    p /= p.sum(axis=0)                                                       # (t, n)
    m1 = np.einsum("tn,jtn->jn", p, z1)
    m2 = np.einsum("tn,jtn->jn", p, z2 + 0.5 * z1 * z1)
    m3 = np.einsum("tn,jtn->jn", p, z3 + z1 * z2 + z1 * z1 * z1 / 6.0)
    # the target's part, sum(Y z), is linear in the logits
    y1, y2, y3 = (np.einsum("tn,jtn->jn", Y, z) for z in (z1, z2, z3))
    q = np.stack([m1 - y1, m2 - 0.5 * m1 * m1 - y2, m3 - m1 * m2 + m1 * m1 * m1 / 3.0 - y3])
    return q, reach
