"""``shapecheck plan``'s quantities drawn: the forward pass in layer order (X, W1, b1, Z1, A1, ..., Y) and
the backward pass as the plan lists it (dZ, dW, db, dA ...), each a box with its symbolic and numeric
shape and its equation, all to one scale, so a learner can hold their own code against it.

``shapecheck.shape_plan(...)`` returns the plan as :class:`PicturedPlan`, which shows these drawings in
Jupyter; ``reference_nets``' own plan stays text (that package imports nothing from shapecheck).
"""

from __future__ import annotations

from html import escape

from reference_nets.plan import ShapePlan, shape_plan as _reference_plan
from shapecheck.pictures.boxes import Scale, operand, scale_words
from shapecheck.pictures.page import fragment, text_block, write_page
from shapecheck.pictures.strip import Cell, strip
from shapecheck.pictures.svg import figure

#: What the fills mean; the names say it too (W and b parameters, a d in front for a gradient).
_LEGEND = ("each array is a box whose sides follow its sizes, columns across and rows down; fills: "
           "tan for parameters (W, b), blue for data and activations (X, Z, A, Y), "
           "purple for gradients (dZ, dW, db, dA)")
_CSS = {"input": "sc-box", "parameter": "sc-box sc-param", "forward": "sc-box", "backward": "sc-box sc-grad"}


def drawing_batch(plan: ShapePlan) -> int:
    """The n the drawing uses: the plan's, else the smallest size from 2 up that no layer has (so n is drawn
    unlike every other size)."""
    if plan.batch_size is not None:
        return plan.batch_size
    return next(k for k in range(2, 10_000) if k not in plan.layer_sizes)


def plan_html(plan: ShapePlan, *, level: int = 2) -> str:
    """The plan's two strips (forward, backward) as HTML sections of figures, headed ``<h{level}>``."""
    n = drawing_batch(plan)
    numeric = {step.name: tuple(n if s == "n" else s for s in step.shape) for step in plan.steps}
    scale = Scale.for_sizes(size for shape in numeric.values() for size in shape)
    said = "" if plan.batch_size is not None else f" (n was not given: drawn with n = {n})"
    said += f" ({scale_words(scale)[2:]})" if scale.logarithmic else ""
    parts = [f"<p class='sc-legend'>{_LEGEND}</p>"]
    backward = [step for step in plan.steps if step.phase == "backward"]
    for title, steps in (("forward, in layer order", forward_order(plan)),
                         ("backward, in the order the plan computes it", backward)):
        cells = [_cell(step, numeric[step.name], scale) for step in steps]
        drawn = strip(cells)
        names = " ".join(step.name for step in steps)
        picture = figure(drawn.width, drawn.height, drawn.svg, title=f"{title}: {names}")
        parts.append(f"<section class='sc-plan' data-phase='{title.split(',')[0]}'>"
                     f"<h{level}>{escape(title)}{escape(said)}</h{level}><figure>{picture}</figure></section>")
    return "".join(parts)


def write_plan_page(path: str, plan: ShapePlan) -> str:
    """The plan's page at ``path``: the drawings, then the plan as text (its table and note)."""
    return write_page(path, plan_title(plan), plan_html(plan) + text_block(str(plan)))


def forward_order(plan: ShapePlan) -> list:
    """X, then each layer's W, b, Z, A in turn, then Y: the order a forward pass meets them."""
    by_name = {step.name: step for step in plan.steps}
    order = ["X"]
    for layer in range(1, len(plan.layer_sizes)):
        order += [f"W{layer}", f"b{layer}", f"Z{layer}", f"A{layer}"]
    return [by_name[name] for name in order + ["Y"] if name in by_name]


def plan_title(plan: ShapePlan) -> str:
    batch = f", n={plan.batch_size}" if plan.batch_size is not None else ""
    return f"Shape plan for layer_sizes {list(plan.layer_sizes)}{batch}, layout {plan.layout!r}"


def _cell(step, shape: tuple, scale: Scale) -> Cell:
    symbolic = "(" + ", ".join(map(str, step.symbolic)) + (",)" if len(step.symbolic) == 1 else ")")
    numeric = "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")
    lines = [f"{symbolic} = {numeric}"] + ([f"= {step.equation}"] if step.equation else [])
    drawn = operand(0, 0, step.name, shape, scale, css=_CSS.get(step.phase, "sc-box"), caption="\n".join(lines))
    return Cell(drawn, name=step.name, new_row=step.name[:1] == "W" and step.name != "W1" or step.name[:2] == "dZ")


class PicturedPlan(ShapePlan):
    """A :class:`~reference_nets.plan.ShapePlan` that Jupyter shows with its drawings (the text table first)."""

    def _repr_html_(self) -> str:
        return f"<pre>{escape(str(self))}</pre>" + fragment(plan_html(self))


def shape_plan(layer_sizes, **options) -> PicturedPlan:
    """:func:`reference_nets.plan.shape_plan` with the same arguments, drawn in Jupyter."""
    plan = _reference_plan(layer_sizes, **options)
    return PicturedPlan(plan.layer_sizes, plan.layout, plan.batch_size, plan.steps)
