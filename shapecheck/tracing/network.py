"""The network a run computed, read from its matrix products: layout, layer sizes and batch size.

When no rewrite of a failing operation fits, the learner needs the shapes their network should have;
``shapecheck plan`` lists them all, given the sizes. They are read from the forward pass the tracer saw:
the first product with the data (``X (n, d) @ W1 (d, h)`` in rows, ``W1 (h, d) @ X (d, n)`` in columns,
``W1.T @ X`` with ``W1 (d, h)``), then each product that carries the same n samples one layer further.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapecheck.tracing.calls import operand_texts
from shapecheck.tracing.roles import looks_like_data, looks_like_error

FORWARD_PRODUCTS = frozenset({"@", "dot", "matmul"})


@dataclass(frozen=True)
class Network:
    layout: str             # "rows", "columns" or "columns-wT"
    sizes: tuple            # (d, h1, ..., t)
    samples: int

    def plan_command(self) -> str:
        return (f"shapecheck plan {' '.join(map(str, self.sizes))} --layout {self.layout} -n {self.samples}")


def infer_network(tracer) -> Network | None:
    """The network of the run's forward pass, or None when its products do not show one."""
    products = []
    for record in tracer.records.values():
        site = tracer.registry.sites[record.site]
        if record.kind in FORWARD_PRODUCTS and len(record.shapes) == 2 and \
                all(s is not None and len(s) == 2 for s in record.shapes):
            texts = operand_texts(site, record.kind, 2, record.method)
            products.append((*texts, *record.shapes))
    for index, (left, right, left_shape, right_shape) in enumerate(products):
        if looks_like_data(left):
            layout, samples, sizes = "rows", left_shape[0], [left_shape[1], right_shape[1]]
        elif looks_like_data(right):
            layout = "columns-wT" if left.endswith(".T") else "columns"
            samples, sizes = right_shape[1], [right_shape[0], left_shape[0]]
        else:
            continue
        _extend(products[index + 1:], layout, samples, sizes)
        # one layer only is more often a forward pass cut short by the bug than a network without a
        # hidden layer: sizes that might be wrong are worse than none
        return Network(layout, tuple(sizes), samples) if len(sizes) >= 3 else None
    return None


def _extend(products, layout, samples, sizes) -> None:
    """Follow the activations of ``samples`` samples through the later products, one layer at a time, up to
    the backward pass (an error sent back through a transposed weight is not a layer)."""
    for left, right, left_shape, right_shape in products:
        if left.endswith(".T") or right.endswith(".T") or looks_like_error(left) or looks_like_error(right):
            break
        if layout == "rows" and left_shape == (samples, sizes[-1]) and right_shape[0] == sizes[-1]:
            sizes.append(right_shape[1])
        elif layout != "rows" and right_shape == (sizes[-1], samples) and left_shape[1] == sizes[-1]:
            sizes.append(left_shape[0])
