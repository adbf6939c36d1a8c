"""The reference multilayer perceptron: readable, verified, numerically stable.

Read :meth:`MLP.forward` and :meth:`MLP.gradients` beside your own code. Layer k computes::

    Z_k = affine(A_{k-1}, W_k, b_k)      # rows: A @ W + b;  columns: W @ A + b;  columns-wT: W.T @ A + b
    A_k = f(Z_k)                         # the hidden activation; the output activation g for k = L

and the backward pass runs the chain rule from the loss down, one line per equation: each layout's
passes are written out in ``reference_nets.backprop`` (``shapecheck plan`` prints every shape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from reference_nets.activations import Softmax, hidden_activation, output_activation
from reference_nets.backprop import BACKWARD, FORWARD
from reference_nets.checks import as_float_array, choose, format_shape, positive
from reference_nets.errors import ConfigurationError, ShapeError
from reference_nets.layouts import get_layout
from reference_nets.losses import get_loss, get_reduction, output_and_loss
from reference_nets.params import param_shapes, refuse_beyond_memory, validate_layer_sizes, validate_params
from reference_nets.perturbed import checked_moves, single_entry_losses
from reference_nets.plan import ShapePlan, shape_plan

INITS = ("xavier", "he", "normal")


@dataclass(frozen=True)
class ForwardPass:
    """Everything the forward pass computed: ``Z[k]`` and ``A[k]`` per layer (``A[0]`` is X).

    ``cache["Z1"]`` and ``cache["A2"]`` work too, and it reads as a mapping of those names, in the order
    computed (``list(cache)`` is ``["A0", "Z1", "A1", ...]``, ``dict(cache)`` works); ``output`` is ``A[L]``.
    """

    Z: dict = field(repr=False)
    A: dict = field(repr=False)

    @property
    def output(self) -> np.ndarray:
        return self.A[len(self.Z)]

    def keys(self) -> list[str]:
        """``["A0", "Z1", "A1", ..., "ZL", "AL"]``: every quantity, in the order the forward pass computed them."""
        return ["A0"] + [f"{kind}{k}" for k in sorted(self.Z) for kind in ("Z", "A")]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.A) + len(self.Z)

    def __getitem__(self, key: str) -> np.ndarray:
        table = {"Z": self.Z, "A": self.A}.get(key[:1]) if isinstance(key, str) else None
        if table is None or not key[1:].isdigit() or int(key[1:]) not in table:
            raise KeyError(f"{key!r}: use Z1..Z{len(self.Z)} or A0..A{len(self.Z)}")
        return table[int(key[1:])]

    def __repr__(self) -> str:
        shapes = [f"{kind}{k} {format_shape(v.shape)}" for kind, table in (("A", self.A), ("Z", self.Z))
                  for k, v in table.items()]
        return f"ForwardPass({', '.join(shapes)})"


class MLP:
    """A fully connected network ``layer_sizes = [d, h1, ..., t]`` in one of three layouts.

    ``activation`` (default "sigmoid") is used in every hidden layer, ``output`` in the last; ``loss`` is one
    of "mse", "half-sse", "bce" (needs output="sigmoid"), "softmax-cross-entropy" (needs output="softmax").
    Either of ``output`` and ``loss`` follows from the other when not given (bce -> sigmoid, mse -> identity,
    sigmoid -> bce, softmax -> softmax-cross-entropy, other outputs -> mse); with neither, a classifier
    (sigmoid + bce for one output, softmax + softmax-cross-entropy for more): ``MLP([2, 4, 1])`` is XOR's net.
    ``reduction`` "mean" or "sum" overrides the loss's own (1/n or not). ``init``: "xavier"
    (uniform, limit sqrt(6 / (fan_in + fan_out))), "he" (normal, std sqrt(2 / fan_in)) or "normal"
    (std 0.1); biases start at zero. ``params`` holds the arrays ``W1, b1, W2, b2, ...``.
    """

    def __init__(self, layer_sizes, *, activation: str = "sigmoid", output: str | None = None,
                 loss: str | None = None, reduction: str | None = None, layout: str = "rows", bias: bool = True,
                 init: str = "xavier", seed: int | None = None):
        self.sizes = validate_layer_sizes(layer_sizes)
        refuse_beyond_memory(self.sizes)
        self.layout = get_layout(layout)
        self.activation = hidden_activation(activation)
        output, loss = output_and_loss(output, loss, self.sizes[-1])
        self.output = output_activation(output)
        self.loss_fn = get_loss(loss, output)
        self.reduction = get_reduction(reduction, self.loss_fn)
        if not isinstance(bias, bool):
            raise ConfigurationError(f"bias must be True or False, got {bias!r}", name="bias", expected="bool",
                                     got=repr(bias))
        self.bias = bias
        self.rng = np.random.default_rng(_seed(seed))
        self.params = self._initial_params(choose("init", init, INITS))

    # -- convenience constructors ------------------------------------------------------------
    @classmethod
    def with_one_hidden_layer(cls, d: int, h: int, t: int, **options) -> "MLP":
        """``MLP([d, h, t], **options)``."""
        return cls([d, h, t], **options)

    @classmethod
    def with_two_hidden_layers(cls, d: int, h1: int, h2: int, t: int, **options) -> "MLP":
        """``MLP([d, h1, h2, t], **options)``."""
        return cls([d, h1, h2, t], **options)

    @classmethod
    def from_params(cls, params: Mapping, *, layout: str = "rows", **options) -> "MLP":
        """A network built around existing weights; layer sizes are read from the W's shapes."""
        layout_obj = get_layout(layout)
        if not isinstance(params, Mapping):
            raise ConfigurationError(f"from_params needs a dict of arrays {{'W1': ..., 'b1': ..., 'W2': ...}}, got "
                                     f"{type(params).__name__} {params!r:.60}", name="params",
                                     expected="dict of W1, b1, ...", got=type(params).__name__)
        weights = [params[k] for k in sorted((k for k in params if str(k).startswith("W")), key=lambda k: int(k[1:]))]
        if not weights:
            raise ConfigurationError("params has no W1, W2, ... arrays", name="params", expected="W1, ...",
                                     got=list(params))
        for k, W in zip(range(1, len(weights) + 1), weights):
            shape = np.shape(W)
            if len(shape) != 2 or 0 in shape:
                raise ConfigurationError(f"W{k} must be a 2-d array with no empty axis, got shape {shape}",
                                         name=f"W{k}", expected="2-d, non-empty", got=shape)
        sizes = [layout_obj.weight_as_in_out(np.asarray(weights[0])).shape[0]]
        sizes += [layout_obj.weight_as_in_out(np.asarray(W)).shape[1] for W in weights]
        bias = any(str(k).startswith("b") for k in params)
        net = cls(sizes, layout=layout, bias=bias, **options)
        net.load_params(params)
        return net

    # -- parameters ----------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of weight layers L (hidden layers + 1)."""
        return len(self.sizes) - 1

    @property
    def param_shapes(self) -> dict[str, tuple[int, int]]:
        return param_shapes(self.sizes, self.layout, bias=self.bias)

    def load_params(self, params) -> None:
        """Replace the parameters with (float64 copies of) ``params``, each shape checked."""
        self.params = validate_params(params, self.sizes, self.layout, bias=self.bias)

    def _initial_params(self, init: str) -> dict[str, np.ndarray]:
        params = {}
        for k in range(1, self.n_layers + 1):
            fan_in, fan_out = self.sizes[k - 1], self.sizes[k]
            if init == "xavier":
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                W = self.rng.uniform(-limit, limit, size=(fan_in, fan_out))
            elif init == "he":
                W = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
            else:
                W = self.rng.normal(0.0, 0.1, size=(fan_in, fan_out))
            params[f"W{k}"] = self.layout.weight_from_in_out(W).copy()
            if self.bias:
                params[f"b{k}"] = np.zeros(self.layout.bias_shape(fan_out))
        return params

    # -- forward and backward ----------------------------------------------------------------
    def forward(self, X) -> ForwardPass:
        """Run the network on X (``(n, d)`` for rows, ``(d, n)`` for columns); every Z and A is kept."""
        return self._forward(self._check_X(X))

    def _forward(self, X: np.ndarray) -> ForwardPass:
        W = {k: self.params[f"W{k}"] for k in range(1, self.n_layers + 1)}
        b = {k: self.params.get(f"b{k}", 0.0) for k in W}                   # 0 without biases
        Z, A = FORWARD[self.layout.name](X, W, b, self.activation, self.output)   # see reference_nets.backprop
        return ForwardPass(Z, A)

    def loss(self, X, Y) -> float:
        """The loss on (X, Y), reduced by the mean over samples (or the sum, see ``reduction``)."""
        X, Y = self._check_data(X, Y)
        fp = self._forward(X)
        return self._reduce(fp, Y)

    def _reduce(self, fp: ForwardPass, Y: np.ndarray) -> float:
        L, axis = self.n_layers, self.layout.feature_axis
        per_sample = self.loss_fn.per_sample(fp.Z[L], fp.A[L], Y, axis)     # (n,)
        return float(per_sample.mean() if self.reduction == "mean" else per_sample.sum())

    def gradients(self, X, Y) -> dict[str, np.ndarray]:
        """dLoss/dParam for every parameter: same keys, order and shapes as ``params``."""
        X, Y = self._check_data(X, Y)
        return self._backward(self._forward(X), Y)

    def _backward(self, fp: ForwardPass, Y: np.ndarray) -> dict[str, np.ndarray]:
        L, layout = self.n_layers, self.layout
        n = Y.shape[layout.sample_axis] if self.reduction == "mean" else 1     # the mean's 1/n (1 for a sum)
        # the loss's error at the output pre-activation Z_L (A_L - Y for the fused pairs), same shape as Z_L
        dZ_L = self.loss_fn.output_delta(fp.Z[L], fp.A[L], Y, self.output, layout.feature_axis)
        W = {k: self.params[f"W{k}"] for k in range(1, L + 1)}
        dW, db = BACKWARD[layout.name](W, fp.Z, fp.A, dZ_L, self.activation, n)   # see reference_nets.backprop
        return {name: (dW if name.startswith("W") else db)[int(name[1:])] for name in self.params}

    def perturbed_losses(self, X, Y, names, tensor, flat, delta) -> np.ndarray:
        """The loss on (X, Y) of K copies of this network, each with one parameter entry moved: ``(K,)``.

        Copy c has entry ``flat[c]`` (a flat index) of parameter ``names[tensor[c]]`` moved by ``delta[c]``;
        ``tensor``, ``flat`` and ``delta`` have shape ``(K,)``. All copies run through one vectorised
        forward pass (``reference_nets.perturbed``): the gradient checker's fast path
        (``shapecheck.check_network`` uses it). Nothing here is needed to read or train the network.
        """
        X, Y = self._check_data(X, Y)
        names, tensor, flat, delta = checked_moves(self.params, names, tensor, flat, delta)
        return single_entry_losses(self, self._forward(X), Y, names, tensor, flat, delta)

    # -- training and prediction ------------------------------------------------------------
    def fit(self, X, Y, epochs: int, lr: float, batch_size: int | None = None, *, shuffle: bool = True) -> list[float]:
        """Plain (mini-batch) gradient descent; returns the loss of each epoch.

        ``batch_size=None`` is full-batch. With mini-batches the epoch's loss is the mean of its batch
        losses (each measured before that batch's update), and samples are shuffled each epoch.
        """
        X, Y = self._check_data(X, Y)
        epochs = positive("epochs", epochs, int)
        lr = positive("lr", lr, float)
        n = X.shape[self.layout.sample_axis]
        size = n if batch_size is None else min(positive("batch_size", batch_size, int), n)
        history = []
        for _ in range(epochs):
            order = self.rng.permutation(n) if shuffle and size < n else np.arange(n)
            losses = []
            for start in range(0, n, size):
                batch = order[start:start + size]
                Xb = np.take(X, batch, axis=self.layout.sample_axis)
                Yb = np.take(Y, batch, axis=self.layout.sample_axis)
                fp = self._forward(Xb)
                losses.append(self._reduce(fp, Yb))
                grads = self._backward(fp, Yb)
                for name, grad in grads.items():
                    self.params[name] -= lr * grad
            history.append(float(np.mean(losses)))
        return history

    def predict(self, X) -> np.ndarray:
        """Class labels for classification outputs, values otherwise.

        sigmoid: 0/1 per output (same shape as the output); softmax: the class index per sample,
        shape ``(n,)``; any other output: the output activations themselves.
        """
        out = self.forward(X).output
        if isinstance(self.output, Softmax):
            return out.argmax(axis=self.layout.feature_axis)
        if self.output.name == "sigmoid":
            return (out >= 0.5).astype(np.int64)
        return out

    def accuracy(self, X, Y) -> float:
        """Fraction of correct predictions (classification outputs only)."""
        X, Y = self._check_data(X, Y)
        if isinstance(self.output, Softmax):
            labels = Y.argmax(axis=self.layout.feature_axis)
        elif self.output.name == "sigmoid":
            labels = (Y >= 0.5).astype(np.int64)
        else:
            raise ConfigurationError(
                f"accuracy needs a classification output (sigmoid or softmax), this network's is {self.output.name!r}",
                name="output", expected=["sigmoid", "softmax"], got=self.output.name,
            )
        return float(np.mean(self.predict(X) == labels))

    def shape_plan(self, batch_size: int | None = None) -> ShapePlan:
        """This network's :func:`reference_nets.shape_plan`."""
        return shape_plan(self.sizes, layout=self.layout.name, batch_size=batch_size, bias=self.bias,
                          activation=self.activation.name, output=self.output.name, loss=self.loss_fn.name,
                          reduction=self.reduction)

    def __repr__(self) -> str:
        return (f"MLP({list(self.sizes)}, activation={self.activation.name!r}, output={self.output.name!r}, "
                f"loss={self.loss_fn.name!r}, reduction={self.reduction!r}, layout={self.layout.name!r}, "
                f"bias={self.bias})")

    # -- input checks ----------------------------------------------------------------------------
    def _check_X(self, X) -> np.ndarray:
        X = as_float_array("X", X, allow_int=True)
        d, layout = self.sizes[0], self.layout
        if X.size == 0:
            raise ShapeError(f"X has shape {format_shape(X.shape)}: no samples; at least one is needed",
                             name="X", expected="at least 1 sample", got=X.shape)
        if X.shape[layout.feature_axis] != d:
            expected = layout.data_shape("n", "d")
            hint = ""
            if X.shape[layout.sample_axis] == d:
                hint = f"; it looks transposed: pass X.T (layout {layout.name!r} puts samples along axis {layout.sample_axis})"
            raise ShapeError(
                f"X has shape {format_shape(X.shape)}, but layout {layout.name!r} expects "
                f"({', '.join(expected)}) with d={d} input features{hint}",
                name="X", expected=expected, got=X.shape,
            )
        return X

    def _check_data(self, X, Y) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_X(X)
        layout, t = self.layout, self.sizes[-1]
        n = X.shape[layout.sample_axis]
        Y = self._labels_to_one_hot(Y, n)
        Y = as_float_array("Y", Y, allow_int=True, ndim=None)
        expected = layout.data_shape(n, t)
        if Y.shape != expected:
            raise ShapeError(_target_message(Y.shape, expected, layout, n, t, self.loss_fn.name), name="Y",
                             expected=expected, got=Y.shape)
        self._check_targets(Y)
        return X, Y

    def _check_targets(self, Y: np.ndarray) -> None:
        """Cross-entropy targets must be probabilities: 0..1, and one-hot (rows summing to 1) for softmax."""
        if self.loss_fn.name not in ("bce", "softmax-cross-entropy"):
            return
        if Y.min() < 0 or Y.max() > 1:
            bad = Y.min() if Y.min() < 0 else Y.max()
            raise ShapeError(f"Y holds {bad:g}, but {self.loss_fn.name} targets are probabilities between 0 and 1",
                             name="Y", expected="values in [0, 1]", got=float(bad))
        if self.loss_fn.name == "softmax-cross-entropy":
            sums = Y.sum(axis=self.layout.feature_axis)                        # (n,)
            off = np.abs(sums - 1.0)                     # (np.allclose costs 6x as much, on every loss call)
            if off.max() > 1e-5:
                i = int(np.argmax(off))
                raise ShapeError(f"sample {i} of Y sums to {sums[i]:g} over the classes; softmax-cross-entropy needs "
                                 "one-hot rows (or integer labels 0..t-1)", name="Y", expected="one-hot targets",
                                 got=float(sums[i]))

    def _labels_to_one_hot(self, Y, n: int):
        """Integer class labels ``(n,)`` become one-hot targets in the layout (softmax-cross-entropy only)."""
        labels = np.asarray(Y) if not isinstance(Y, (str, bytes, dict)) and Y is not None else None
        if labels is None or labels.ndim != 1 or labels.dtype.kind not in "iu" \
                or not isinstance(self.output, Softmax):
            return Y
        t = self.sizes[-1]
        if labels.shape[0] == n and ((labels < 0) | (labels >= t)).any():
            bad = labels[(labels < 0) | (labels >= t)][0]
            raise ShapeError(f"Y holds class label {bad}, but the network has t={t} classes (labels 0..{t - 1})",
                             name="Y", expected=f"labels in 0..{t - 1}", got=int(bad))
        if labels.shape[0] != n:
            return Y
        return self.layout.from_rows(np.eye(t)[labels])


def _seed(seed):
    """``seed`` checked: None or a non-negative int (numpy's own error would name its internals)."""
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0):
        return seed
    raise ConfigurationError(f"seed must be None or a non-negative int, got {seed!r}", name="seed",
                             expected="None or int >= 0", got=repr(seed))


def _target_message(got, expected, layout, n, t, loss="") -> str:
    sym = layout.data_shape("n", "t")
    message = (f"Y has shape {format_shape(got)}, but the network's output has shape {format_shape(expected)} "
               f"= ({', '.join(sym)}) with n={n} samples and t={t} outputs")
    if len(got) == 1 and got[0] == n and loss == "softmax-cross-entropy":
        return message + "; class labels must be integers 0..t-1 (got floats: use Y.astype(int)), or one-hot"
    if len(got) == 1 and got[0] == n and t == 1:
        fix = "Y.reshape(-1, 1)" if layout.sample_axis == 0 else "Y.reshape(1, -1)"
        return message + f"; it is 1-d: use {fix} (a (n,) target broadcasts against (n, 1) into (n, n))"
    if got == expected[::-1]:
        return message + "; it is transposed: use Y.T"
    if len(got) >= 1 and got[layout.sample_axis if len(got) == 2 else 0] != n:
        return message + "; X and Y have different numbers of samples"
    return message

