"""One flat parameter vector: the course exercise's ``nn_params``, both weight matrices unrolled into it.

``cost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)`` returns ``(J, grad)``
with ``Theta1`` ``(h, d+1)`` and ``Theta2`` ``(t, h+1)`` (the bias as the first column) unrolled into one
vector of ``P = h(d+1) + t(h+1)`` numbers, in Octave's column-major order (``[Theta1(:); Theta2(:)]``,
``order="F"`` in numpy) or numpy's row-major one (``ravel()``). X ``(n, d)`` has no ones column, y holds
integer labels ``0..t-1`` (or Octave's ``1..t``) or one-hot rows ``(n, t)``.

d comes from X, t from y, and P has one solution for h. Each :class:`Unrolling` (an order and a label
base) shows ``nn_params`` as two matrices that are *views* of the learner's own vector, so that compare's
probes write into it and the learner's code, which reads it, sees them; their gradients and loss are called
with their own labels, and their flat gradient is cut in the same order.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace

import numpy as np

from shapecheck._arrays import format_shape
from shapecheck.errors import ShapeError

#: The learner's names for the two matrices, as the course exercise writes them.
NAMES = ("Theta1", "Theta2")
ORDERS = {"C": "row-major (numpy's ravel / flatten)", "F": "column-major (Octave's Theta1(:), order='F')"}


@dataclass(frozen=True)
class Unrolling:
    """``vector`` read as Theta1 ``(h, d+1)`` then Theta2 ``(t, h+1)`` in ``order``; y's labels start at
    ``base`` (0, 1; None for one-hot or one output's 0/1 targets)."""

    vector: np.ndarray
    d: int
    h: int
    t: int
    order: str
    base: int | None
    #: the learner's labels as a 2-d column ``(m, 1)`` or row ``(1, m)``: compare reads them 1-d (a column
    #: of 0/1 labels would otherwise be one output's targets) and hands them back in this shape
    held: tuple | None = None

    @property
    def shapes(self) -> tuple:
        return (self.h, self.d + 1), (self.t, self.h + 1)

    def split(self, flat) -> dict:
        """The two matrices of a flat vector of P numbers, in this order (views when ``flat`` allows)."""
        flat = np.asarray(flat).reshape(-1, order="A")
        k = self.h * (self.d + 1)
        return {NAMES[0]: flat[:k].reshape(self.shapes[0], order=self.order),
                NAMES[1]: flat[k:].reshape(self.shapes[1], order=self.order)}

    def params(self) -> dict:
        """Theta1 and Theta2 as views of the learner's own vector (compare writes into them)."""
        flat = self.vector.reshape(-1, order="A")
        found = self.split(flat)
        if not all(np.shares_memory(m, self.vector) for m in found.values()):
            raise ShapeError("nn_params is not one contiguous array, so compare cannot write its probe weights "
                             "into it: pass np.ascontiguousarray(nn_params), used by your code too",
                             name="params", expected="a contiguous 1-d array", got="a strided view")
        return found

    def labels(self, Y):
        """y as compare reads it: labels from 0, 1-d (an (m, 1) column of labels too)."""
        if self.base is None:
            return Y
        Y = np.asarray(Y).reshape(-1)
        return Y - self.base if self.base else Y

    def learners_labels(self, Y):
        """compare's y back in the learner's own labels, dtype and shape (its (m, 1) column)."""
        if self.base is None:
            return Y
        Y = np.asarray(Y)
        if self.base:
            Y = (Y + self.base).astype(Y.dtype)
        return Y if self.held is None else Y.reshape(self.held)

    def gradients(self, fn):
        """The learner's ``gradients(X, y)`` (returning ``(J, grad)`` or ``grad``, flat) as Theta1's and Theta2's."""
        def gradients(X, Y):
            return self._cut(fn(X, self.learners_labels(Y)))
        return gradients

    def step(self, fn):
        def step(X, Y):
            return fn(X, self.learners_labels(Y))
        return step

    def loss_fn(self, fn):
        if fn is None or _takes_no_data(fn):
            return fn

        def loss_fn(X, Y):
            return fn(X, self.learners_labels(Y))
        return loss_fn

    def _cut(self, result):
        """The flat gradient in ``result`` cut into Theta1's and Theta2's; anything else is the learner's own."""
        size = self.vector.size
        if isinstance(result, np.ndarray) and result.size == size:
            return self.split(result)
        if isinstance(result, (tuple, list)):
            flat = [i for i, part in enumerate(result) if isinstance(part, np.ndarray) and part.size == size]
            if len(flat) == 1:
                return self.split(result[flat[0]])
            arrays = [part for part in result if isinstance(part, np.ndarray) and part.ndim]
            if len(arrays) == 1 and arrays[0].size != size:
                raise ShapeError(f"your gradients returned an array of shape {format_shape(arrays[0].shape)}; compare "
                                 f"expected the gradient of nn_params unrolled like it, {size} numbers "
                                 f"(Theta1_grad {format_shape(self.shapes[0])} then Theta2_grad "
                                 f"{format_shape(self.shapes[1])}), alone or as (J, grad)", name="gradients",
                                 expected=f"({size},)", got=format_shape(arrays[0].shape))
        return result

    def describe(self, explained: bool = True) -> tuple:
        """The report's line on how nn_params was read (``explained``: this order explains the gradients)."""
        (h, d1), (t, h1) = self.shapes
        size = self.vector.size
        what = (f"nn_params {format_shape(self.vector.shape)} unrolled {ORDERS[self.order]}: Theta1 = the first "
                f"{h * d1} numbers as {format_shape((h, d1))}, Theta2 = the last {t * h1} as {format_shape((t, h1))}, "
                "each with its bias as the first column (Theta1[:, 0], Theta2[:, 0])")
        labels = {None: "", 0: f", y's labels 0..{self.t - 1}", 1: f", y's labels 1..{self.t} (Octave's)"}[self.base]
        if labels and self.held is not None:
            labels += " as an (m, 1) column" if self.held == (-1, 1) else " as a (1, m) row"
        source = (f"read from X's {self.d} inputs{labels} and the vector's length, {size} = {h}*({self.d}+1) + "
                  f"{t}*({h}+1); " + ("the order is the one that explains your gradients" if explained else
                                      "no order explains your gradients: this one is shown"))
        return ("parameters", what, source)


def _takes_no_data(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return not [p for p in params if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def is_flat(params, X) -> bool:
    """``params`` is one vector of numbers, not a single output's ``(d,)`` weights (an (P, 1) column too)."""
    if not isinstance(params, np.ndarray) or params.dtype.kind != "f" or params.size < 2:
        return False
    if params.ndim == 2 and 1 not in params.shape:
        return False
    return params.ndim in (1, 2) and np.ndim(X) == 2 and params.size != np.shape(X)[1]


def unrollings(X, Y, vector) -> list[Unrolling]:
    """Every way ``vector`` unrolls Theta1 and Theta2 for this X and y, the likely first; a ShapeError that
    says what was expected when P has no whole-number h."""
    d, size = np.shape(X)[1], vector.size
    outputs = _outputs(np.asarray(Y), np.shape(X)[0])
    held = None if np.ndim(Y) == 1 else ((-1, 1) if np.shape(Y)[1] == 1 else (1, -1))
    found = []
    for t, base in outputs:
        h, rest = divmod(size - t, d + 1 + t)
        if rest == 0 and h >= 1:
            found += [Unrolling(vector, d, h, t, order, base, None if base is None else held) for order in ("C", "F")]
    if found:
        return found
    tried = "; ".join(f"t = {t}{_labels_text(t, base)} leaves h = ({size} - {t}) / ({d} + 1 + {t}) = "
                      f"{(size - t) / (d + 1 + t):.4g}" for t, base in outputs) or "y gives no number of outputs"
    raise ShapeError(f"params is one flat vector of {size} numbers, read as the course exercise's nn_params: Theta1 "
                     f"(h, d+1) and Theta2 (t, h+1) unrolled into P = h*(d+1) + t*(h+1) numbers, with d = {d} from X "
                     f"{format_shape(np.shape(X))} (without its ones column) and t from y {format_shape(np.shape(Y))}; "
                     f"no whole h fits: {tried} (t is read from y's largest label: a class absent from this batch makes it "
                     "smaller). Check that nn_params, X and y belong together, or pass the matrices "
                     "as params={'Theta1': Theta1, 'Theta2': Theta2}", name="params",
                     expected="P = h*(d+1) + t*(h+1)", got=str(size))


def _labels_text(t, base) -> str:
    return {None: "", 0: f" (labels 0..{t - 1})", 1: f" (labels 1..{t})"}[base]


def _outputs(Y, n) -> list[tuple]:
    """(t, label base) candidates from y: integer labels 0..t-1 or 1..t, one-hot rows, one output's 0/1."""
    if Y.ndim == 2 and Y.shape[0] == n and Y.shape[1] > 1:
        return [(Y.shape[1], None)]
    flat = Y.reshape(-1)
    if flat.size != n or not np.all(flat == np.round(flat)) or flat.min() < 0:
        return []
    top, low = int(flat.max()), int(flat.min())
    found = [(top, 1)] if low >= 1 and top >= 2 else []
    if top >= 1:
        found.append((top + 1, 0))
    if top <= 1:
        found.append((1, None))
    return found


def annotated(report, unrolling: Unrolling, note: str = ""):
    """The report with how nn_params was read among its conventions; the notes on other readings and on X's
    orientation are left out (the exercise fixes both: X (n, d) times Theta1.T)."""
    notes = tuple(text for text in report.notes if not text.startswith("the arrays' shapes also fit"))
    kept = tuple(line for line in report.conventions if line[0] != "data")
    return replace(report, conventions=(unrolling.describe(not note),) + kept, notes=notes + ((note,) if note else ()))
