"""Reading a network of Python floats (``self.w1 ... self.w6``, ``self.b1 ... self.b3``) from its own forward pass.

A blog's first network keeps every weight as a float and writes ``h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1]
+ self.b1)``. Which float multiplies which input (or hidden value) is read by running the learner's
``feedforward(x)`` once on one sample with every number on the object replaced by a :class:`Sym`, a float
that remembers what it is made of: a parameter, an input ``x[i]``, a weighted sum of inputs or units plus
biases (``affine``), or a function of one such sum (``unit``: the activation and what is computed from it).
Nothing is guessed from names: a float is a weight because the run multiplied it by an input or a unit, a
bias because the run added it to such a product. What the run does not show as a layered network is a
:class:`~shapecheck.errors.ParameterError` that names the floats and what was seen.

The result, :class:`FloatLayout`, holds per layer the learner's names in the reference's ``rows`` layout:
``weights[k][i][j]`` is the float multiplying input ``i`` of layer ``k`` in its unit ``j`` (shape
``(fan_in, fan_out)``), ``biases[k][j]`` the float added in unit ``j`` (``(1, fan_out)``), or None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shapecheck.errors import ParameterError

__all__ = ["FloatLayout", "Graph", "Sym", "marked", "read_layout"]


class Graph:
    """What one recorded forward pass made: the weighted sums that fed a function (the network's units), in
    the order the run made them, and what was not understood."""

    def __init__(self):
        self.nodes, self.problems = [], []

    def node_of(self, sym) -> int:
        if sym.node is None:
            sym.node = len(self.nodes)
            self.nodes.append(sym)
        return sym.node


class Sym(float):
    """A float that remembers its origin: ``kind`` is "param" (``data``: its name), "input" (its index),
    "affine" (``data``: (terms ((param, source), ...), biases (param, ...))), "unit" (the index of the sum it
    is a function of) or "bad" (not understood)."""

    def __new__(cls, value, graph, kind, data=None):
        made = float.__new__(cls, value)
        made.graph, made.kind, made.data, made.node = graph, kind, data, None
        return made

    def _make(self, value, kind, data=None):
        return Sym(value, self.graph, kind, data)

    def _binary(self, other, op, value):
        return _combine(self.graph, op, self, other, value)

    def __add__(self, other): return self._binary(other, "+", float(self) + float(other))
    def __radd__(self, other): return _combine(self.graph, "+", other, self, float(other) + float(self))
    def __sub__(self, other): return self._binary(other, "-", float(self) - float(other))
    def __rsub__(self, other): return _combine(self.graph, "-", other, self, float(other) - float(self))
    def __mul__(self, other): return self._binary(other, "*", float(self) * float(other))
    def __rmul__(self, other): return _combine(self.graph, "*", other, self, float(other) * float(self))
    def __truediv__(self, other): return self._binary(other, "/", float(self) / float(other))
    def __rtruediv__(self, other): return _combine(self.graph, "/", other, self, float(other) / float(self))
    def __pow__(self, other): return self._binary(other, "**", float(self) ** float(other))
    def __rpow__(self, other): return _combine(self.graph, "**", other, self, float(other) ** float(self))
    def __neg__(self): return _combine(self.graph, "neg", self, 0.0, -float(self))
    def __pos__(self): return self
    def __abs__(self): return _combine(self.graph, "abs", self, 0.0, abs(float(self)))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """np.exp(z), np.tanh(z), np.maximum(0, z), np.float64 * Sym: computed on floats, origin kept."""
        if method != "__call__" or kwargs:
            return NotImplemented
        value = ufunc(*[float(i) if isinstance(i, Sym) else i for i in inputs])
        if ufunc is np.multiply or ufunc is np.add:
            return _combine(self.graph, "*" if ufunc is np.multiply else "+", *inputs, float(value))
        return _generic(self.graph, inputs, float(value), ufunc.__name__)

    __hash__ = float.__hash__


def _is_source(sym) -> bool:
    return isinstance(sym, Sym) and sym.kind in ("input", "unit")


def _combine(graph, op, a, b, value):
    """``a op b``: a parameter times an input or unit is a weighted term; sums of such terms and parameters
    are a weighted sum; anything else is a function of the one sum it reads."""
    if op == "*":
        for p, s in ((a, b), (b, a)):
            if isinstance(p, Sym) and p.kind == "param" and _is_source(s):
                return Sym(value, graph, "affine", (((p.data, _source(graph, s)),), ()))
    if op == "+":
        kinds = (getattr(a, "kind", None), getattr(b, "kind", None))
        if kinds == ("affine", "affine"):
            return Sym(value, graph, "affine", (a.data[0] + b.data[0], a.data[1] + b.data[1]))
        for s, p in ((a, b), (b, a)):
            if getattr(s, "kind", None) == "affine" and getattr(p, "kind", None) == "param":
                return Sym(value, graph, "affine", (s.data[0], s.data[1] + (p.data,)))
    return _generic(graph, (a, b), value, op)


def _source(graph, sym):
    return ("input", sym.data) if sym.kind == "input" else ("unit", sym.data)


def _generic(graph, operands, value, op):
    """A function of operands: it is a unit of the one weighted sum it reads, or not understood."""
    nodes, bad = set(), False
    for operand in operands:
        if not isinstance(operand, Sym):
            continue
        if operand.kind == "affine":
            nodes.add(graph.node_of(operand))
        elif operand.kind == "unit":
            nodes.add(operand.data)
        elif operand.kind == "param":
            graph.problems.append(f"{operand.data} is used in `{op}` other than as a weight (times an input or a "
                                  "unit) or a bias (added to a weighted sum)")
            bad = True
        elif operand.kind == "input":
            graph.problems.append(f"x[{operand.data}] goes through `{op}` before any float multiplies it")
            bad = True
        else:
            bad = True
    if bad:
        return Sym(value, graph, "bad")
    if len(nodes) > 1:
        graph.problems.append(f"`{op}` mixes the sums {', '.join(_sum_text(graph.nodes[n]) for n in sorted(nodes))}")
        return Sym(value, graph, "bad")
    if not nodes:
        return value
    return Sym(value, graph, "unit", nodes.pop())


def _sum_text(sym) -> str:
    terms, biases = sym.data
    words = [f"{p} * {_source_text(s)}" for p, s in terms] + list(biases)
    return " + ".join(words) or "0"


@dataclass(frozen=True)
class FloatLayout:
    """The learner's floats as a layered network: ``sizes`` (d, h, ..., t), per layer ``weights`` (names,
    ``(fan_in, fan_out)``) and ``biases`` (names, ``fan_out``, or None); ``wiring``: one line per unit."""

    sizes: tuple
    weights: tuple
    biases: tuple
    wiring: tuple

    @property
    def names(self) -> list:
        """Every parameter float's name, layer by layer."""
        out = []
        for k, rows in enumerate(self.weights):
            out += [name for row in rows for name in row] + list(self.biases[k] or ())
        return out


def marked(graph, names, values, describe, x_row) -> tuple:
    """The parameters ``names`` (their ``values``) and one sample's inputs ``x_row`` as :class:`Sym` objects,
    to hand the learner's forward pass; ``describe(name)`` is how the learner writes a float (``self.w1``)."""
    params = {name: Sym(float(value), graph, "param", describe(name)) for name, value in zip(names, values)}
    x = np.empty(len(x_row), dtype=object)
    for i, value in enumerate(x_row):
        x[i] = Sym(float(value), graph, "input", i)
    return params, x


def read_layout(graph, result) -> FloatLayout:
    """The layered network behind the forward pass's ``result`` (its output, or a sequence of outputs)."""
    outputs = list(result) if isinstance(result, (list, tuple, np.ndarray)) else [result]
    out_nodes = []
    for value in outputs:
        if isinstance(value, Sym) and value.kind == "affine":
            out_nodes.append(graph.node_of(value))
        elif isinstance(value, Sym) and value.kind == "unit":
            out_nodes.append(value.data)
        elif not graph.problems:
            _refuse(graph, "its result was not made from the floats by weighted sums (a math.exp or float() "
                    "on the way hides them)")
    if graph.problems:
        _refuse(graph, "")
    depth = {}
    for index, node in enumerate(graph.nodes):
        sources = [s for _, s in node.data[0]]
        depth[index] = 1 + max((depth[s[1]] if s[0] == "unit" else 0 for s in sources), default=0)
    n_layers = max(depth[n] for n in out_nodes)
    if any(depth[n] != n_layers for n in out_nodes):
        _refuse(graph, "its outputs are not all in the last layer")
    layers = [[n for n in range(len(graph.nodes)) if depth[n] == k] for k in range(1, n_layers + 1)]
    layers[-1] = sorted(out_nodes, key=out_nodes.index) if set(layers[-1]) == set(out_nodes) else layers[-1]
    return _layout(graph, layers, out_nodes)


def _layout(graph, layers, out_nodes) -> FloatLayout:
    """Weights and biases per layer, after checking each float is used once and each unit reads all of the
    previous layer's units (or inputs) once."""
    seen = {}
    for node in graph.nodes:
        for name in [p for p, _ in node.data[0]] + list(node.data[1]):
            seen.setdefault(name, []).append(_sum_text(node))
    twice = [f"{name} (in {' and in '.join(where)})" for name, where in seen.items() if len(where) > 1]
    if twice:
        _refuse(graph, "a float is used in more than one place: " + "; ".join(twice))
    if set(layers[-1]) != set(out_nodes):
        _refuse(graph, "some weighted sums are not used by the result: " + ", ".join(
            _sum_text(graph.nodes[n]) for n in layers[-1] if n not in out_nodes))
    d = 1 + max((s[1] for node in graph.nodes for _, s in node.data[0] if s[0] == "input"), default=-1)
    previous = [("input", i) for i in range(d)]
    weights, biases, wiring, sizes = [], [], [], [d]
    for layer in layers:
        rows = [[None] * len(layer) for _ in previous]
        for j, n in enumerate(layer):
            terms, bias = graph.nodes[n].data
            got = [s for _, s in terms]
            if sorted(got) != sorted(previous):
                _refuse(graph, f"the sum {_sum_text(graph.nodes[n])} does not weigh each of "
                        f"{', '.join(_source_text(s) for s in previous)} once")
            for p, s in terms:
                rows[previous.index(s)][j] = p
            wiring.append(f"u{n + 1} = f({_sum_text(graph.nodes[n])})")
        if len({len(graph.nodes[n].data[1]) for n in layer}) > 1 or any(len(graph.nodes[n].data[1]) > 1
                                                                          for n in layer):
            _refuse(graph, "the units of a layer do not each add one bias: " + "; ".join(
                _sum_text(graph.nodes[n]) for n in layer))
        has_bias = bool(graph.nodes[layer[0]].data[1])
        biases.append(tuple(graph.nodes[n].data[1][0] for n in layer) if has_bias else None)
        weights.append(tuple(tuple(row) for row in rows))
        previous = [("unit", n) for n in layer]
        sizes.append(len(layer))
    if len({b is None for b in biases}) > 1:
        said = [f"layer {k + 1} adds {', '.join(b)}" if b else f"layer {k + 1} adds no bias"
                for k, b in enumerate(biases)]
        _refuse(graph, f"some layers add a bias and others do not ({'; '.join(said)}); the reference has a bias "
                "in every layer or in none")
    return FloatLayout(tuple(sizes), tuple(weights), tuple(biases), tuple(wiring))


def _source_text(source) -> str:
    return f"x[{source[1]}]" if source[0] == "input" else f"u{source[1] + 1}"


def _refuse(graph, why):
    problems = "; ".join(dict.fromkeys(graph.problems))
    text = "; ".join(t for t in (why, problems) if t)
    raise ParameterError(f"could not read your floats as a network from your forward pass: {text}",
                         name="params", expected="weights times inputs or units, plus biases", got=text)
