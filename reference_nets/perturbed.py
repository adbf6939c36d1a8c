"""Losses of an MLP under many small parameter moves at once (``MLP.perturbed_losses``): the gradient
checker's fast path.

Nothing here is needed to read or train the network. A finite-difference check of an MLP evaluates
the loss once per moved parameter entry; doing that one forward pass at a time costs P passes.
Here all the moved copies run through one vectorised forward pass, and the work a move cannot
change is skipped:

- layers below the moved parameter are the cached forward pass, shared by every copy;
- moving W_k[i, j] by delta changes only unit j of Z_k, by delta * A_{k-1}[i] (moving b_k[j] adds
  delta), so only that unit's activation is recomputed: its change da reaches the next layer as
  Z_{k+1} = Z_{k+1} (cached) + outer(W_{k+1}[j, :], da), without a matrix product;
- from there on, the copies go through ordinary matrix products together, a block of copies at a time
  (blocks of about ``BLOCK_BYTES`` per activation array stay in the processor's cache, and are small
  enough to be reused by the allocator instead of being mapped afresh);
- a loss fused with its output (softmax or sigmoid cross-entropy) is computed from the logits: the output
  activation is never evaluated.

Everything is computed with the units first, ``(size_k, K, n)`` for K copies and n samples, whatever
the layout: reductions over the units (softmax, the loss) then run over the outer axis, which numpy
does far faster than over a short last axis.
"""

from __future__ import annotations

import numpy as np

from reference_nets.checks import format_shape
from reference_nets.errors import ParameterError, ShapeError

BLOCK_BYTES = 2**19          # bytes for one activation array of a block of copies


def single_entry_losses(net, cache, Y: np.ndarray, names: list[str], tensor: np.ndarray, flat: np.ndarray,
                        delta: np.ndarray) -> np.ndarray:
    """Loss ``(K,)`` of K copies of ``net``: copy c has entry ``flat[c]`` of parameter ``names[tensor[c]]``
    moved by ``delta[c]``. ``cache`` is the unmoved forward pass on the checked X, ``Y`` its targets."""
    return _UnitsFirst(net, cache, Y).losses(names, tensor, flat, delta)


def checked_moves(params: dict, names, tensor, flat, delta) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """The arguments of :func:`single_entry_losses` checked: names of ``params``, three ``(K,)`` arrays
    (integer ``tensor`` and ``flat`` indices inside their parameter, float ``delta``)."""
    names = list(names)
    unknown = [str(name) for name in names if name not in params]
    if unknown:
        raise ParameterError(f"{', '.join(unknown)} is not a parameter; parameters are {', '.join(params)}",
                             name="names", expected=list(params), got=[str(name) for name in names])
    tensor, flat, delta = np.asarray(tensor), np.asarray(flat), np.asarray(delta)
    if tensor.ndim != 1 or not tensor.shape == flat.shape == delta.shape \
            or tensor.dtype.kind not in "iu" or flat.dtype.kind not in "iu" or delta.dtype.kind not in "iuf":
        raise ShapeError(f"tensor, flat and delta must be (K,) arrays (integer, integer, float), got "
                         f"{tensor.dtype} {format_shape(tensor.shape)}, {flat.dtype} {format_shape(flat.shape)}, "
                         f"{delta.dtype} {format_shape(delta.shape)}", name="tensor", expected="(K,) each",
                         got=[tensor.shape, flat.shape, delta.shape])
    sizes = np.array([params[name].size for name in names], dtype=np.intp)
    if tensor.size and (tensor.min() < 0 or tensor.max() >= len(names) or ((flat < 0) | (flat >= sizes[tensor])).any()):
        raise ShapeError(f"an index is outside its parameter: tensor takes 0..{len(names) - 1} (into "
                         f"{', '.join(names)}), flat 0..size-1 (sizes {sizes.tolist()})", name="flat",
                         expected="indices inside each parameter", got=[tensor.tolist(), flat.tolist()])
    return names, tensor, flat, delta.astype(np.float64)


class _UnitsFirst:
    """The network's parameters and cached forward pass, rearranged units-first for the copies."""

    def __init__(self, net, cache, Y):
        layout = net.layout
        self.net, self.L = net, net.n_layers
        self.W = {k: layout.weight_as_in_out(net.params[f"W{k}"]) for k in range(1, self.L + 1)}  # (in, out)
        self.b = {k: net.params[f"b{k}"].reshape(-1, 1, 1) if net.bias else 0.0 for k in self.W}
        self.Z = {k: layout.to_rows(cache.Z[k]).T for k in self.W}                # (size_k, n)
        self.A = {k: layout.to_rows(cache.A[k]).T for k in range(self.L + 1)}     # (size_k, n)
        self.Y = layout.to_rows(Y).T[:, np.newaxis, :]                             # (t, 1, n)
        self.shapes = {k: net.params[f"W{k}"].shape for k in self.W}
        self.in_out = layout.weight_is_in_out
        self.buffers = {}          # (layer, shape) -> an array reused by every block of that shape
        in_place = getattr(net.activation, "_value", None)
        self.in_place = in_place if isinstance(in_place, np.ufunc) else None      # np.tanh: f(Z, out=Z)
        self.softmax_ce = net.loss_fn.name == "softmax-cross-entropy"

    def losses(self, names, tensor, flat, delta) -> np.ndarray:
        layer = np.array([int(name[1:]) for name in names], dtype=int)[tensor]
        is_bias = np.array([name.startswith("b") for name in names])[tensor]
        n, L = self.A[0].shape[1], self.L
        result = np.empty(len(flat))
        for k in range(1, L + 1):
            moved = np.flatnonzero(layer == k)
            if not len(moved):
                continue
            unit, dz = self._unit_change(k, is_bias[moved], flat[moved], delta[moved])   # (K_k,), (K_k, n)
            widest = max(self.net.sizes[k + 1:] or self.net.sizes[k:])     # the arrays a block makes
            block = max(1, BLOCK_BYTES // (8 * n * widest))
            for s in range(0, len(moved), block):
                result[moved[s:s + block]] = self._downstream(k, unit[s:s + block], dz[s:s + block])
        return result

    def _downstream(self, k, unit, dz) -> np.ndarray:
        """Losses ``(K,)`` of K copies whose Z_k moved by ``dz`` ``(K, n)`` in one unit each (``unit``)."""
        net, L = self.net, self.L
        if k == L:
            Z = self._output_with_change(unit, dz)
        else:
            da = net.activation(self.Z[k][unit] + dz)
            da -= self.A[k][unit]                                                        # (K, n)
            # Z_{k+1} of these copies: the cached one plus the change of one input unit
            W_next = self.W[k + 1]
            Z = np.multiply(W_next[unit].T[:, :, np.newaxis], da, out=self._buffer(k + 1, len(unit)))
            Z += self.Z[k + 1][:, np.newaxis, :]                                         # (size_{k+1}, K, n)
            for m in range(k + 1, L):
                A = self.in_place(Z, out=Z) if self.in_place is not None else net.activation(Z)
                W = self.W[m + 1]
                Z = self._buffer(m + 1, len(unit))
                np.matmul(W.T, A.reshape(len(W), -1), out=Z.reshape(W.shape[1], -1))
                Z += self.b[m + 1]
        if self.softmax_ce:
            per_sample = self._softmax_cross_entropy(Z)                                  # (K, n)
        else:
            fused = net.loss_fn.requires_output is not None   # computed from the logits: no output needed
            per_sample = net.loss_fn.per_sample(Z, None if fused else net.output(Z, axis=0), self.Y, 0)
        return per_sample.mean(axis=-1) if net.reduction == "mean" else per_sample.sum(axis=-1)

    def _buffer(self, layer, K) -> np.ndarray:
        """The ``(size_layer, K, n)`` array of this layer's copies, reused from block to block (fresh arrays of
        this size would be mapped from the system, page by page, every time)."""
        shape = (self.net.sizes[layer], K, self.A[0].shape[1])
        found = self.buffers.get((layer, shape))
        if found is None:
            found = self.buffers[layer, shape] = np.empty(shape)
        return found

    def _softmax_cross_entropy(self, Z) -> np.ndarray:
        """``logsumexp(Z) - sum(Y Z)`` over the classes (axis 0) of each copy and sample, ``Z`` overwritten."""
        picked = np.einsum("tkn,tn->kn", Z, self.Y[:, 0, :])
        top = Z.max(axis=0)
        Z -= top
        np.exp(Z, out=Z)
        total = Z.sum(axis=0)
        np.log(total, out=total)
        total += top
        total -= picked
        return total

    def _unit_change(self, k, is_bias, flat, delta):
        """Which unit of Z_k each move changes, and by how much for every sample: (K_k,), (K_k, n)."""
        unit = np.empty(len(flat), dtype=int)
        dz = np.empty((len(flat), self.A[0].shape[1]))
        row, col = np.unravel_index(flat[~is_bias], self.shapes[k])
        i_in, j_out = (row, col) if self.in_out else (col, row)
        unit[~is_bias], unit[is_bias] = j_out, flat[is_bias]
        dz[~is_bias] = delta[~is_bias, np.newaxis] * self.A[k - 1][i_in]
        dz[is_bias] = delta[is_bias, np.newaxis]
        return unit, dz

    def _output_with_change(self, unit, dz) -> np.ndarray:
        """Z_L ``(t, K_L, n)`` of the copies moved in the output layer."""
        Z = np.repeat(self.Z[self.L][:, np.newaxis, :], len(unit), axis=1)
        Z[unit, np.arange(len(unit)), :] += dz
        return Z
