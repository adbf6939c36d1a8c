"""The shape plan: every forward and backward quantity of an MLP with its equation and shape.

Answers "what shape must W2 have?" and "what is the backward step for a second hidden layer?"
without running anything. The equations are valid numpy (with ``f``/``f_prime`` standing for the
hidden activation and its derivative, or their names when given), so they can be pasted and run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


from reference_nets.activations import OUTPUT_ACTIVATIONS, hidden_activation, output_activation
from reference_nets.checks import choose, format_shape, positive
from reference_nets.layouts import get_layout, size_symbols
from reference_nets.errors import ConfigurationError
from reference_nets.losses import REDUCTIONS, get_loss, get_reduction, output_and_loss, refuse_single_softmax
from reference_nets.params import validate_layer_sizes


@dataclass(frozen=True, repr=False)
class PlanStep:
    """One quantity: ``name = equation``, with its symbolic shape (``("n", "h1")``) and numeric one."""

    phase: str
    name: str
    equation: str
    symbolic: tuple
    shape: tuple

    def line(self) -> str:
        return f"{self.name} = {self.equation}" if self.equation else self.name

    def __str__(self) -> str:
        return f"{self.phase}: {self.line()}  ({', '.join(map(str, self.symbolic))}) = {_numeric(self.shape)}"

    def __repr__(self) -> str:
        return f"<PlanStep {self}>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


@dataclass(frozen=True, repr=False)
class ShapePlan:
    """The ordered steps of the forward and backward pass, printable as a table (``print(plan)``; terminal
    IPython shows the table too; ``repr`` is one line)."""

    layer_sizes: tuple
    layout: str
    batch_size: int | None
    steps: tuple

    def __getitem__(self, name: str) -> PlanStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def summary(self) -> str:
        """The first line of ``str(plan)``."""
        sizes = ", ".join(f"{s}={v}" for s, v in zip(size_symbols(self.layer_sizes), self.layer_sizes))
        batch = f", n={self.batch_size}" if self.batch_size is not None else ""
        return f"Shape plan for layer_sizes {list(self.layer_sizes)} ({sizes}{batch}), layout {self.layout!r}"

    def __repr__(self) -> str:
        return f"<ShapePlan {self.summary}: {len(self.steps)} steps>"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython's pretty printer (terminal IPython): the whole table, as ``print(plan)``."""
        for i, line in enumerate((repr(self) if cycle else str(self)).split("\n")):
            if i:
                printer.break_()
            printer.text(line)

    def __str__(self) -> str:
        from tabulate import tabulate      # only for printing: the network itself needs numpy alone

        head = self.summary
        table = [[s.phase, s.line(), "(" + ", ".join(map(str, s.symbolic)) + ")", _numeric(s.shape)] for s in self.steps]
        text = head + "\n" + tabulate(table, headers=["phase", "step", "symbolic", "shape"])
        note = self.equal_sizes_note()
        return text + ("\nnote: " + note if note else "")

    def equal_sizes_note(self) -> str:
        """A warning when two roles share a size: a transposed W or misplaced bias would then go unnoticed."""
        named = dict(zip(size_symbols(self.layer_sizes), self.layer_sizes))
        if self.batch_size is not None:
            named["n"] = self.batch_size
        groups = {}
        for symbol, size in named.items():
            groups.setdefault(size, []).append(symbol)
        equal = [" = ".join(symbols) + f" = {size}" for size, symbols in groups.items() if len(symbols) > 1]
        if not equal:
            return ""
        return (f"{'; '.join(equal)}: with equal sizes a transposed matrix or a wrongly oriented bias still "
                "has the right shape; test with pairwise-distinct sizes")

    def to_dict(self) -> dict:
        note = self.equal_sizes_note()
        return {"layer_sizes": list(self.layer_sizes), "layout": self.layout, "batch_size": self.batch_size,
                "steps": [dict(asdict(s), symbolic=list(s.symbolic), shape=list(s.shape)) for s in self.steps],
                "notes": [note] if note else []}


def _numeric(shape) -> str:
    if all(isinstance(s, int) for s in shape):
        return format_shape(shape)
    return "(" + ", ".join(str(s) for s in shape) + ")"


def shape_plan(layer_sizes, *, layout: str = "rows", batch_size: int | None = None, bias: bool = True,
               activation: str | None = None, output: str | None = None, loss: str | None = None,
               reduction: str | None = None) -> ShapePlan:
    """Every quantity of the forward and backward pass for ``layer_sizes`` in ``layout``.

    ``activation``/``output`` name the functions in the equations (``f``/``g`` when not given);
    ``loss`` decides the output error (``A_L - Y`` for the fused sigmoid+bce and softmax+cross-entropy);
    ``reduction`` "mean" puts ``/ n`` in the weight and bias gradients.
    """
    sizes = validate_layer_sizes(layer_sizes)
    lay = get_layout(layout)
    if not isinstance(bias, bool):
        raise ConfigurationError(f"bias must be True or False, got {bias!r}", name="bias", expected="bool",
                                 got=repr(bias))
    if reduction is not None:
        choose("reduction", reduction, REDUCTIONS)
    if batch_size is not None:
        batch_size = positive("batch_size", batch_size, int)
    f = hidden_activation(activation).name if activation is not None else "f"
    if loss is not None:
        output, loss = output_and_loss(output, loss, sizes[-1])      # refuses a softmax over one output
    else:
        refuse_single_softmax(output, sizes[-1])
    g = choose("output activation", output, OUTPUT_ACTIVATIONS) if output is not None else "g"
    loss_obj = get_loss(loss, g) if loss is not None else None
    mean = (get_reduction(reduction, loss_obj) if loss_obj else (reduction or "mean")) == "mean"
    symbols = size_symbols(sizes)
    n_value = batch_size if batch_size is not None else "n"
    value = dict(zip(symbols, sizes), n=n_value)
    steps: list[PlanStep] = []

    def add(phase, name, equation, symbolic):
        steps.append(PlanStep(phase, name, equation, tuple(symbolic), tuple(value.get(s, s) for s in symbolic)))

    L = len(sizes) - 1
    data = lambda width: lay.data_shape("n", width)  # noqa: E731  (symbolic data shape)
    add("input", "X", "", data("d"))
    add("input", "Y", "", data("t"))
    for k in range(1, L + 1):
        add("parameter", f"W{k}", "", lay.weight_shape(symbols[k - 1], symbols[k]))
        if bias:
            add("parameter", f"b{k}", "", lay.bias_shape(symbols[k]))
    for k in range(1, L + 1):
        prev = "X" if k == 1 else f"A{k - 1}"
        affine = lay.affine_text.format(A=prev, W=f"W{k}", b=f"b{k}")
        if not bias:
            affine = affine.replace(f" + b{k}", "")
        add("forward", f"Z{k}", affine, data(symbols[k]))
        fn = g if k == L else f
        call = f"{fn}(Z{k}, axis={lay.feature_axis})" if fn == "softmax" else f"{fn}(Z{k})"
        add("forward", f"A{k}", call, data(symbols[k]))
    per_n = " / n" if mean else ""
    for name, equation in _output_error(L, g, loss_obj, lay.feature_axis):
        add("backward", name, equation, data("t"))
    for k in range(L, 0, -1):
        prev = "X" if k == 1 else f"A{k - 1}"
        add("backward", f"dW{k}", lay.weight_grad_text.format(A=prev, dZ=f"dZ{k}") + per_n,
            lay.weight_shape(symbols[k - 1], symbols[k]))
        if bias:
            add("backward", f"db{k}", lay.bias_grad_text.format(dZ=f"dZ{k}") + per_n, lay.bias_shape(symbols[k]))
        if k > 1:
            add("backward", f"dA{k - 1}", lay.error_text.format(dZ=f"dZ{k}", W=f"W{k}"), data(symbols[k - 1]))
            add("backward", f"dZ{k - 1}", f"dA{k - 1} * {f}_prime(Z{k - 1})", data(symbols[k - 1]))
    return ShapePlan(sizes, lay.name, batch_size, tuple(steps))


def _output_error(L: int, g: str, loss, axis: int) -> list[tuple[str, str]]:
    """The equations for dZ_L, the error at the output pre-activation (gradient of the summed loss)."""
    if loss is None:
        return [(f"dZ{L}", f"dLoss_dA{L} * {g}_prime(Z{L})")]
    if loss.requires_output is not None or g == "identity":
        return [(f"dZ{L}", f"A{L} - Y")]
    if g == "softmax":
        return [(f"dA{L}", f"A{L} - Y"),
                (f"dZ{L}", f"A{L} * (dA{L} - (dA{L} * A{L}).sum(axis={axis}, keepdims=True))")]
    output_activation(g)
    return [(f"dZ{L}", f"(A{L} - Y) * {g}_prime(Z{L})")]
