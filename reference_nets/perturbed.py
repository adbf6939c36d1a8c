"""Losses of an MLP under many small parameter moves at once: the gradient checker's fast path.

Nothing here is needed to read or train the network. A finite-difference check of an MLP evaluates
the loss once per moved parameter entry; doing that one forward pass at a time costs P passes.
Here all the moved copies run through one vectorised forward pass, and the work a move cannot
change is skipped:

- layers below the moved parameter are the cached forward pass, shared by every copy;
- at the moved layer, moving W[i, j] by delta changes only output unit j, by delta * A_prev[:, i]
  (and moving b[j] adds delta to unit j), so no matrix product is needed there;
- above it, the copies go through ordinary broadcast matrix products together.

Everything is computed with the units first, ``(size_k, K, n)`` for K copies and n samples, whatever
the layout: reductions over the units (softmax, the loss) then run over the outer axis, which numpy
does far faster than over a short last axis.
"""

from __future__ import annotations

import numpy as np


MEMORY_BUDGET = 16 * 2**20   # bytes for one activation array of all copies; larger batches are split


def single_entry_losses(net, cache, Y: np.ndarray, names: list[str], tensor: np.ndarray, flat: np.ndarray,
                        delta: np.ndarray) -> np.ndarray:
    """Loss ``(K,)`` of K copies of ``net``: copy c has entry ``flat[c]`` of parameter ``names[tensor[c]]``
    moved by ``delta[c]``. ``cache`` is the unmoved forward pass on the checked X, ``Y`` its targets."""
    n = cache.A[0].shape[net.layout.sample_axis]
    chunk = max(1, MEMORY_BUDGET // (8 * n * max(net.sizes)))
    parts = [_losses(net, cache, Y, names, tensor[s:s + chunk], flat[s:s + chunk], delta[s:s + chunk])
             for s in range(0, len(flat), chunk)]
    return np.concatenate(parts) if parts else np.empty(0)


def _losses(net, cache, Y, names, tensor, flat, delta) -> np.ndarray:
    layout, L = net.layout, net.n_layers
    layer = np.array([int(name[1:]) for name in names])[tensor]
    is_bias = np.array([name.startswith("b") for name in names])[tensor]
    order = np.argsort(layer, kind="stable")           # copies moved in lower layers come first
    layer, is_bias, flat, delta = layer[order], is_bias[order], flat[order], delta[order]
    n = cache.A[0].shape[layout.sample_axis]
    A = np.empty((net.sizes[0], 0, n))                  # copies already running on their own
    for k in range(1, L + 1):
        W = layout.weight_as_in_out(net.params[f"W{k}"])                          # (size_{k-1}, size_k)
        b = net.params[f"b{k}"].reshape(-1, 1, 1) if net.bias else 0.0           # (size_k, 1, 1)
        Z_running = (W.T @ A.reshape(len(W), -1)).reshape(W.shape[1], -1, n) + b  # (size_k, K_running, n)
        Z_new = _moved_at_layer(layout, cache, k, net.params[f"W{k}"].shape,
                                is_bias[layer == k], flat[layer == k], delta[layer == k])
        Z = np.concatenate([Z_running, Z_new], axis=1)
        A = (net.output if k == L else net.activation)(Z, axis=0)
    targets = layout.from_rows(layout.to_rows(Y)).T if layout.sample_axis == 0 else Y    # (t, n)
    per_sample = net.loss_fn.per_sample(Z, A, targets[:, np.newaxis, :], 0)             # (K, n)
    losses = per_sample.mean(axis=-1) if net.reduction == "mean" else per_sample.sum(axis=-1)
    result = np.empty_like(losses)
    result[order] = losses
    return result


def _moved_at_layer(layout, cache, k, weight_shape, is_bias, flat, delta) -> np.ndarray:
    """Z_k ``(size_k, K_k, n)`` of the copies whose moved entry is in layer k: the cached Z_k plus the move."""
    Z_base = layout.to_rows(cache.Z[k]).T               # (size_k, n)
    A_prev = layout.to_rows(cache.A[k - 1]).T           # (size_{k-1}, n)
    Z = np.repeat(Z_base[:, np.newaxis, :], len(flat), axis=1)
    copies = np.arange(len(flat))
    weights = ~is_bias
    row, col = np.unravel_index(flat[weights], weight_shape)
    i_in, j_out = (row, col) if layout.weight_is_in_out else (col, row)
    Z[j_out, copies[weights], :] += delta[weights, np.newaxis] * A_prev[i_in]
    Z[flat[is_bias], copies[is_bias], :] += delta[is_bias, np.newaxis]
    return Z
