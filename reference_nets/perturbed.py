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
- with softmax cross-entropy and a smooth hidden activation (tanh, sigmoid, identity), each sample's loss
  is, to the last digit, a cubic in that one change da (:mod:`reference_nets.series`), with coefficients
  computed once per unit: a copy's loss is then a few operations per sample, not a pass through every
  layer above. Moves that reach too far for the cubic, other losses and activations with a kink go on:
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
from reference_nets.series import REACH, loss_series

BLOCK_BYTES = 2**19          # bytes for one activation array of a block of copies
SERIES_BYTES = 2**20         # bytes for the moved units' changes of the copies evaluated through the series at once


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
    """The network's parameters and cached forward pass, rearranged units-first for the copies.

    Two sums ride on the copies' matrix products instead of costing a pass over their activations: under
    its units, each activation array of a block carries constant rows, a row of ones whose weights are the
    next layer's bias and, before softmax cross-entropy, a row of ``-top`` (the unmoved logits' largest
    class, per sample) whose weights are ones. The copies' logits come out shifted by ``top``, which keeps
    ``exp`` finite (a move changes the logits by little), and the loss adds ``top (1 - sum(Y))`` back. A
    block whose shifted logits still overflow or underflow is computed again, shifted by each copy's own
    largest class, as the network's own loss is.
    """

    def __init__(self, net, cache, Y):
        layout = net.layout
        self.net, self.L, self.sizes = net, net.n_layers, net.sizes
        self.W = {k: layout.weight_as_in_out(net.params[f"W{k}"]) for k in range(1, self.L + 1)}  # (in, out)
        self.W_out_in = {k: np.ascontiguousarray(W.T) for k, W in self.W.items()}                # (out, in)
        self.Z = {k: layout.to_rows(cache.Z[k]).T for k in self.W}                # (size_k, n)
        self.A = {k: layout.to_rows(cache.A[k]).T for k in range(self.L + 1)}     # (size_k, n)
        self.n = self.A[0].shape[1]
        self.Y = layout.to_rows(Y).T[:, np.newaxis, :]                             # (t, 1, n)
        self.shapes = {k: net.params[f"W{k}"].shape for k in self.W}
        self.in_out = layout.weight_is_in_out
        self.buffers = {}          # (layer, shape) -> an array reused by every block of that shape
        in_place = getattr(net.activation, "_value", None)
        self.in_place = in_place if isinstance(in_place, np.ufunc) else None      # np.tanh: f(Z, out=Z)
        self.softmax_ce = net.loss_fn.name == "softmax-cross-entropy"
        top = self.Z[self.L].max(axis=0)                                           # (n,)
        if self.softmax_ce:
            self.Z[self.L] = self.Z[self.L] - top                                  # the logits, shifted
            self.shift_back = top * (1.0 - self.Y[:, 0, :].sum(axis=0))            # (n,)
            self.labels, self.samples = _labels(self.Y[:, 0, :]), np.arange(self.n)
            self.shift_back_total = float(np.add.reduce(self.shift_back))
            self.product_starts = np.arange(0, self.n, PRODUCT_SAMPLES)
            shifted = self.Z[self.L]                       # each sample's unmoved loss, summed
            self.unmoved_total = float(np.add.reduce(np.log(np.exp(shifted).sum(axis=0)) + self.shift_back
                                                     - (self.Y[:, 0, :] * shifted).sum(axis=0)))
        self.series = {}           # layer -> series.loss_series of its moves
        self.constants, self.W_folded = {}, {}
        for k in range(2, self.L + 1):
            rows, weights = [], [self.W[k]]
            if net.bias:
                rows.append(np.ones(self.n))
                weights.append(net.params[f"b{k}"].reshape(1, -1))
            if self.softmax_ce and k == self.L:
                rows.append(-top)
                weights.append(np.ones((1, self.sizes[k])))
            self.constants[k - 1] = rows                   # under the units of A_{k-1}
            # (size_k, size_{k-1} + rows), contiguous: BLAS multiplies it 15% faster than a transposed view
            self.W_folded[k] = np.ascontiguousarray(np.vstack(weights).T)

    def losses(self, names, tensor, flat, delta) -> np.ndarray:
        layer = np.array([int(name[1:]) for name in names], dtype=int)[tensor]
        is_bias = np.array([name.startswith("b") for name in names])[tensor]
        result = np.empty(len(flat))
        with np.errstate(over="ignore", under="ignore"):     # exp of the shifted logits: redone if out of range
            for k in range(1, self.L + 1):
                moved = np.flatnonzero(layer == k)
                if len(moved):
                    result[moved] = self._layer_losses(k, is_bias[moved], flat[moved], delta[moved])
        return result

    def _layer_losses(self, k, is_bias, flat, delta) -> np.ndarray:
        """Losses ``(K_k,)`` of the copies that move a parameter of layer k: through the loss's series in the
        moved unit's change (:mod:`reference_nets.series`) where it is exact, else block by block."""
        unit, source = self._unit_and_source(k, is_bias, flat)                             # (K_k,), (K_k,)
        inputs = np.vstack([self.A[k - 1], np.ones((1, self.n))])    # (size_{k-1} + 1, n): a bias's input is 1
        widest = max(self.sizes[k + 1:] or self.sizes[k:])     # the arrays a block makes
        block = max(1, BLOCK_BYTES // (8 * self.n * widest))
        series = self._series(k)
        step = max(block, SERIES_BYTES // (8 * self.n)) if series is not None else block
        losses = np.empty(len(flat))
        for s in range(0, len(flat), step):
            part = slice(s, s + step)
            dz = inputs[source[part]]                   # the change of Z_k in each copy's unit, per sample: (K, n)
            dz *= delta[part, np.newaxis]
            found = self._series_losses(k, unit[part], dz, series) if series is not None else None
            losses[part] = found if found is not None else self._block_losses(k, unit[part], dz, block)
        return losses

    def _block_losses(self, k, unit, dz, block) -> np.ndarray:
        """Losses ``(K,)`` of copies whose Z_k moved by ``dz`` ``(K, n)`` in unit ``unit``, ``block`` copies at a
        time through the layers above."""
        losses = np.empty(len(unit))
        for s in range(0, len(unit), block):
            part = slice(s, s + block)
            found = self._downstream(k, unit[part], dz[part])
            if found is None:                  # the shared shift did not keep exp in range: each copy's own
                found = self._downstream(k, unit[part], dz[part], own_shift=True)
            losses[part] = found
        return losses

    def _series(self, k):
        """``(q, reach)`` of :func:`series.loss_series` for moves of layer k, made once; None at the output layer
        and where there is no series (another loss, an activation with a kink)."""
        if k == self.L or not self.softmax_ce:
            return None
        if k not in self.series:
            self.series[k] = loss_series(self.W, self.A, k, self.L, self.net.activation.name, self.Z[self.L],
                                         self.Y[:, 0, :])
        return self.series[k]

    def _series_losses(self, k, unit, dz, series) -> np.ndarray | None:
        """Losses ``(K,)`` of copies whose Z_k moved by ``dz`` ``(K, n)`` in unit ``unit``, from each sample's loss
        as a cubic in the change of the unit's activation; None when a change reaches too far for the cubic to be
        exact (see :mod:`reference_nets.series`)."""
        q, reach = series
        change = self.Z[k][unit]
        change += dz
        self._activate(change)
        change -= self.A[k][unit]                          # s: the change of each copy's unit of A_k (K, n)
        if not float(np.max(np.abs(change) * reach[unit])) <= REACH:      # (NaN too)
            return None
        coefficients = np.take(q, unit, axis=1)                               # (3, K, n)
        total = coefficients[2] * change                   # ((q3 s + q2) s + q1) s, summed over the samples
        total += coefficients[1]
        total *= change
        total += coefficients[0]
        total *= change
        totals = np.add.reduce(total, axis=1) + self.unmoved_total
        return totals / self.n if self.net.reduction == "mean" else totals

    def _downstream(self, k, unit, dz, own_shift=False) -> np.ndarray | None:
        """Losses ``(K,)`` of K copies whose Z_k moved by ``dz`` ``(K, n)`` in one unit each (``unit``); None when
        the logits, shifted by the unmoved ``top``, overflow or underflow ``exp`` (softmax cross-entropy)."""
        net, L, K = self.net, self.L, len(unit)
        if k == L:
            Z = self._output_with_change(unit, dz)
        else:
            da = self.Z[k][unit]
            da += dz
            self._activate(da)
            da -= self.A[k][unit]                                                        # (K, n)
            # Z_{k+1} of these copies: the cached one plus the change of one input unit
            rows = self._buffer(k + 1, K)
            # (einsum writes the outer products of a contiguous (size_{k+1}, K) twice as fast as a broadcast
            # multiply by a gathered, strided one)
            Z = np.einsum("uk,kn->ukn", np.take(self.W_out_in[k + 1], unit, axis=1), da, out=rows[:self.sizes[k + 1]])
            Z += self.Z[k + 1][:, np.newaxis, :]                                         # (size_{k+1}, K, n)
            for m in range(k + 1, L):
                self._activate(Z)
                W = self.W_folded[m + 1]             # the bias (and the shift) ride on the constant rows
                rows, below = self._buffer(m + 1, K), rows
                Z = rows[:self.sizes[m + 1]]
                np.matmul(W, below.reshape(W.shape[1], -1), out=Z.reshape(len(Z), -1))
        if self.softmax_ce:
            totals = self._softmax_cross_entropy(Z, own_shift)                           # (K,)
            if totals is None:
                return None
        else:
            fused = net.loss_fn.requires_output is not None   # computed from the logits: no output needed
            per_sample = net.loss_fn.per_sample(Z, None if fused else net.output(Z, axis=0), self.Y, 0)
            totals = np.add.reduce(per_sample, axis=-1)
        return totals / self.n if net.reduction == "mean" else totals

    def _activate(self, Z) -> None:
        """Z <- the hidden activation of Z, in place (np.tanh(Z, out=Z) where the activation is a ufunc)."""
        if self.in_place is not None:
            self.in_place(Z, out=Z)
        else:
            np.copyto(Z, self.net.activation(Z))

    def _buffer(self, layer, K) -> np.ndarray:
        """The ``(size_layer + constant rows, K, n)`` array of this layer's copies, reused from block to block
        (fresh arrays of this size would be mapped from the system, page by page, every time); its constant
        rows are written once, when it is made."""
        constants = self.constants.get(layer, [])
        shape = (self.sizes[layer] + len(constants), K, self.n)
        found = self.buffers.get((layer, shape))
        if found is None:
            found = self.buffers[layer, shape] = np.empty(shape)
            for r, row in enumerate(constants):
                found[self.sizes[layer] + r] = row
        return found

    def _softmax_cross_entropy(self, Z, own_shift) -> np.ndarray | None:
        """The sum over the samples of ``logsumexp(Z) - sum(Y Z)`` over the classes (axis 0), for each copy ``(K,)``,
        from the shifted logits ``Z`` ``(t, K, n)`` (overwritten), plus the shift's share; None when the shared
        shift leaves a sum of exp outside (1e-4, 1e4).

        With the shared shift the logs are taken of products of ``PRODUCT_SAMPLES`` samples' sums of exp (each
        in (1e-4, 1e4), so a product stays in range): a log per 64 samples instead of one per sample."""
        if self.labels is not None:        # one-hot targets: the target's logit of each copy and sample
            picked = Z[self.labels, :, self.samples].T
        else:
            picked = np.einsum("tkn,tn->kn", Z, self.Y[:, 0, :])
        if own_shift:
            top = Z.max(axis=0)
            Z -= top
        np.exp(Z, out=Z)                  # (overflow and underflow are quiet here: see losses)
        total = Z.sum(axis=0)                                                       # (K, n)
        if own_shift:
            np.log(total, out=total)
            total += top
            total -= picked
            total += self.shift_back
            return np.add.reduce(total, axis=-1)
        if not (total.min() > _TINY and total.max() < _HUGE):    # NaN too
            return None
        products = np.multiply.reduceat(total, self.product_starts, axis=-1)       # (K, n / 64)
        np.log(products, out=products)
        return np.add.reduce(products, axis=-1) - np.add.reduce(picked, axis=-1) + self.shift_back_total

    def _unit_and_source(self, k, is_bias, flat) -> tuple[np.ndarray, np.ndarray]:
        """Which unit of Z_k each move changes, and which row of A_{k-1} (with a row of ones under it) that
        unit's change is the move times: (K_k,), (K_k,). A bias moves its unit as a weight on the ones would."""
        row, col = np.divmod(flat, self.shapes[k][1])
        i_in, j_out = (row, col) if self.in_out else (col, row)
        return np.where(is_bias, flat, j_out), np.where(is_bias, self.sizes[k - 1], i_in)

    def _output_with_change(self, unit, dz) -> np.ndarray:
        """Z_L ``(t, K_L, n)`` of the copies moved in the output layer (shifted, for softmax cross-entropy)."""
        Z = np.repeat(self.Z[self.L][:, np.newaxis, :], len(unit), axis=1)
        Z[unit, np.arange(len(unit)), :] += dz
        return Z


def _labels(Y) -> np.ndarray | None:
    """The class of each sample ``(n,)`` when the targets ``Y`` ``(t, n)`` are one-hot, else None."""
    labels = Y.argmax(axis=0)
    one_hot = np.zeros_like(Y)
    one_hot[labels, np.arange(Y.shape[1])] = 1.0
    return labels if np.array_equal(one_hot, Y) else None


#: the sums of exp the shared shift may leave (else the block is redone with each copy's own shift): a product of
#: PRODUCT_SAMPLES of them stays far inside float64's range, with every digit of its log kept
_TINY, _HUGE = 1e-4, 1e4
PRODUCT_SAMPLES = 64
