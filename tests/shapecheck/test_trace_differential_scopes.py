"""Differential test across Python scopes: the random array programs of test_trace_differential, put where
learners and real code put them (methods storing arrays on ``self`` under private, name-mangled
attributes, nested classes, dataclasses, static/class methods and properties, class bodies, lambdas,
comprehensions, generators, closures with ``nonlocal``, ``global``, recursion, private module-level
helpers looked up from a class, ``exec`` of a string, zero-argument ``super()``), give identical
results or identical exceptions traced and untraced, and every recorded shape is what the shape rules
predict. The plain tests at the end pin that each kind of scope really is recorded (a rewrite that
silently stopped inside classes would pass the differential test)."""

import re
import textwrap
from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapecheck.tracing.runtime import Tracer
from shapecheck.tracing.shapes.rules import predict
from tests.shapecheck import test_trace_differential as differential
from tests.shapecheck.test_trace_differential import OPS, SHAPES, _predictions_match

GLOBALS = ["a", "b", "c"]
HEADER = "from dataclasses import dataclass, field\n"
#: shapes for which every operation of the generator works (so that long programs get to their end)
AGREEING = [(3, 3), (2, 2), (), (1, 1)]


def ind(level: int) -> str:
    return "    " * level


class _Gen:
    """Writes one random program. Every ``unit_*`` returns (definition lines, call expression): the
    lines define something at ``level`` in the enclosing scope, the expression (evaluated right after,
    in that scope) runs it and gives its results. ``ops`` are expressions that evaluate to arrays in the
    enclosing scope, ``nested_ops`` those still visible from a function nested in it (a class body's
    own names are not)."""

    def __init__(self, draw):
        self.draw, self.count, self.prelude = draw, 0, []

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def op(self) -> str:
        return self.pick(OPS)

    # -- expressions and statements ------------------------------------------------------------------
    def expr(self, ops) -> str:
        x, y = self.pick(ops), self.pick(ops)
        op = self.op()
        form = self.pick(["binop", "binop", "binop", "T", "dot", "mdot", "nested", "compare", "scalar",
                          "sum", "msum", "matmul", "reshape"])
        if form == "binop":
            return f"{x} {op} {y}"
        if form == "T":
            return f"{x}.T {op} {y}"
        if form == "dot":
            return f"np.dot({x}, {y})"
        if form == "mdot":
            return f"{x}.dot({y})"
        if form == "nested":
            return f"({x} {op} {y}) {self.op()} {x}"
        if form == "compare":
            return f"{x} {self.pick(['>', '<=', '=='])} {y}"
        if form == "scalar":
            return f"0.5 * {x} {op} {y}"          # the literal product is not rewritten, the outer one is
        if form == "sum":
            return self.pick([f"np.sum({x})", f"np.sum({x}, axis=0)", f"np.sum({x}, axis=1, keepdims=True)",
                              f"np.mean({x}, axis=-1)"])
        if form == "msum":
            return self.pick([f"{x}.sum()", f"{x}.sum(axis=0, keepdims=True)", f"{x}.mean(axis=1)"])
        if form == "matmul":
            return f"np.matmul({x}, {y})"
        return f"{x}.reshape(-1) {op} {y}"

    def statements(self, level, ops, nested_ops, targets, depth, ctx="function"):
        """A few statements of a function (or class) body: assignments to new locals, in-place updates
        of ``targets`` (names, private attributes, subscripts), nested units (called at once).
        Returns the lines and the operands, nested operands and targets they leave."""
        lines, ops, nested_ops, targets = [], list(ops), list(nested_ops), list(targets)
        for _ in range(self.draw(st.integers(0, 3))):
            kind = self.pick(["assign", "assign", "inplace", "inplace", "unit", "unit"])
            if kind == "assign":
                name = self.fresh("t")
                lines.append(f"{ind(level)}{name} = {self.expr(ops)}")
                ops.append(name)
                targets.append(name)
                if ctx == "function":
                    nested_ops.append(name)
            elif kind == "inplace":
                value = self.pick([self.pick(ops), self.expr(ops)])
                lines.append(f"{ind(level)}{self.pick(targets)} {self.op()}= {value}")
            elif depth > 0:
                unit_lines, call = self.unit(level, ops, nested_ops, depth - 1, ctx)
                name = self.fresh("u")
                lines += unit_lines
                lines.append(f"{ind(level)}{name} = {call}")
        return lines, ops, nested_ops, targets

    def function_body(self, level, ops, targets, depth):
        """Statements, then ``return`` of a new expression."""
        lines, ops, _, _ = self.statements(level, ops, ops, targets, depth)
        lines.append(f"{ind(level)}return {self.expr(ops)}")
        return lines

    # -- scopes --------------------------------------------------------------------------------------
    def unit(self, level, ops, nested_ops, depth, ctx="module"):
        kinds = ["function", "lambda", "listcomp", "dictcomp", "genexpr", "generator", "closure", "global",
                 "method", "nested_class", "dataclass", "decorated", "class_body", "super", "private_helper",
                 "exec", "operator_class"]
        if ctx != "class":
            kinds.append("recursive")       # a class body's function cannot find itself by name
        kind = self.pick(kinds)
        return getattr(self, f"unit_{kind}")(level, ops, nested_ops, depth)

    def args(self, ops, count):
        return ", ".join(self.pick(ops) for _ in range(count))

    def unit_function(self, level, ops, nested_ops, depth):
        name, x, y = self.fresh("f"), self.fresh("x"), self.fresh("y")
        lines = [f"{ind(level)}def {name}({x}, {y}):"]
        lines += self.function_body(level + 1, [*nested_ops, x, y], [x, y], depth)
        return lines, f"{name}({self.args(ops, 2)})"

    def unit_lambda(self, level, ops, nested_ops, depth):
        name, x, y = self.fresh("lam"), self.fresh("x"), self.fresh("y")
        inner = [*nested_ops, x, y]
        body = self.expr(inner)
        if depth > 0 and self.draw(st.booleans()):      # a lambda returning a lambda
            z = self.fresh("z")
            body = f"(lambda {z}: {self.expr([*inner, z])})({self.pick(inner)})"
        return [f"{ind(level)}{name} = lambda {x}, {y}: {body}"], f"{name}({self.args(ops, 2)})"

    def unit_listcomp(self, level, ops, nested_ops, depth):
        v, w = self.fresh("v"), self.fresh("w")
        if self.draw(st.booleans()):
            return [], f"[{self.expr([*nested_ops, v])} for {v} in ({self.args(ops, 2)})]"
        return [], (f"[{self.expr([*nested_ops, v, w])} for {v} in ({self.args(ops, 2)}) "
                    f"for {w} in ({self.args(nested_ops, 1)},) if {v}.ndim >= 0]")

    def unit_dictcomp(self, level, ops, nested_ops, depth):
        k, v = self.fresh("k"), self.fresh("v")
        return [], f"{{{k}: {self.expr([*nested_ops, v])} for {k}, {v} in enumerate(({self.args(ops, 2)}))}}"

    def unit_genexpr(self, level, ops, nested_ops, depth):
        v = self.fresh("v")
        consumer = self.pick(["sum", "list", "tuple", "next"])  # the builtin sum is a rewritten call name
        return [], f"{consumer}({self.expr([*nested_ops, v])} for {v} in ({self.args(ops, 2)}))"

    def unit_generator(self, level, ops, nested_ops, depth):
        name, x, y, v = self.fresh("gen"), self.fresh("x"), self.fresh("y"), self.fresh("v")
        inner = [*nested_ops, x, y, v]
        lines = [f"{ind(level)}def {name}({x}, {y}):",
                 f"{ind(level + 1)}for {v} in ({x}, {y}):"]
        body, inner, _, _ = self.statements(level + 2, inner, inner, [v], depth)
        lines += body
        lines.append(f"{ind(level + 2)}yield {self.expr(inner)}")
        if self.draw(st.booleans()):
            lines.append(f"{ind(level + 1)}yield from ({self.expr([*nested_ops, x, y])},)")
        return lines, f"list({name}({self.args(ops, 2)}))"

    def unit_closure(self, level, ops, nested_ops, depth):
        outer, step, x, y, acc, v = (self.fresh("outer"), self.fresh("step"), self.fresh("x"), self.fresh("y"),
                                     self.fresh("acc"), self.fresh("v"))
        inner = [*nested_ops, x, y, acc, v]
        update = self.pick([f"{acc} {self.op()}= {v}", f"{acc} = {self.expr(inner)}",
                            f"{acc} {self.op()}= {self.expr(inner)}"])
        lines = [f"{ind(level)}def {outer}({x}, {y}):",
                 f"{ind(level + 1)}{acc} = {self.pick([x, y, self.expr([*nested_ops, x, y])])}",
                 f"{ind(level + 1)}def {step}({v}):",
                 f"{ind(level + 2)}nonlocal {acc}",
                 f"{ind(level + 2)}{update}",
                 f"{ind(level + 2)}return {acc}",
                 f"{ind(level + 1)}first = {step}({self.pick([x, y])})",
                 f"{ind(level + 1)}return first, {step}({self.expr([*nested_ops, x, y, acc])}), {acc}"]
        return lines, f"{outer}({self.args(ops, 2)})"

    def unit_global(self, level, ops, nested_ops, depth):
        name, g, x = self.fresh("glob"), self.fresh("G"), self.fresh("x")
        inner = [*nested_ops, x]
        target = self.pick([None, *GLOBALS])   # also an in-place update of one of the program's own arrays
        lines = [f"{ind(level)}def {name}({x}):",
                 f"{ind(level + 1)}global {g}" + (f", {target}" if target else ""),
                 f"{ind(level + 1)}{g} = {self.expr(inner)}",
                 f"{ind(level + 1)}{g} {self.op()}= {self.pick(inner)}"]
        if target:
            lines.append(f"{ind(level + 1)}{target} {self.op()}= {self.pick([x, g])}")
        lines.append(f"{ind(level + 1)}return {g}")
        return lines, f"{name}({self.args(ops, 1)})"

    def unit_recursive(self, level, ops, nested_ops, depth):
        name, x, y, n = self.fresh("rec"), self.fresh("x"), self.fresh("y"), self.fresh("n")
        inner = [*nested_ops, x, y]
        lines = [f"{ind(level)}def {name}({x}, {y}, {n}):",
                 f"{ind(level + 1)}if {n} <= 0:",
                 f"{ind(level + 2)}return {x}",
                 f"{ind(level + 1)}return {name}({self.expr(inner)}, {y}, {n} - 1)"]
        return lines, f"{name}({self.args(ops, 2)}, {self.draw(st.integers(0, 3))})"

    def method_class(self, level, nested_ops, depth, name=None, base=None):
        """A class whose __init__ stores arrays on self (a private attribute, a weight list, a cache
        dict) and whose run() does array code on them, in place too; run() returns what it computed and
        the state it changed."""
        name = name or self.fresh("Net")
        x, y, z = self.fresh("x"), self.fresh("y"), self.fresh("z")
        lines = [f"{ind(level)}class {name}{f'({base})' if base else ''}:",
                 f"{ind(level + 1)}def __init__(self, {x}, {y}):",
                 f"{ind(level + 2)}self.__w = {x}",
                 f"{ind(level + 2)}self.weights = [{x}, {y}]",
                 f"{ind(level + 2)}self.__ws = [{y}, {self.pick([x, y])}]",
                 f"{ind(level + 2)}self.cache = {{}}"]
        private_method = self.draw(st.booleans())
        if private_method:                  # a private method, called through its mangled name
            lines += [f"{ind(level + 1)}def __helper(self, v):",
                      f"{ind(level + 2)}return {self.expr([*nested_ops, 'v', 'self.__w'])}"]
        lines.append(f"{ind(level + 1)}def run(self, {z}):")
        state = ["self.__w", "self.weights[0]", "self.weights[-1]", "self.__ws[1]"]
        inner = [*nested_ops, z, *state]
        targets = [*state, "self.cache['h']", z, "self.__ws[0][:1]", "self.__w[..., 0]"]
        lines.append(f"{ind(level + 2)}self.cache['h'] = {self.expr(inner)}")
        if self.draw(st.booleans()):        # a gradient step over the weight list
            i = self.fresh("i")
            lines += [f"{ind(level + 2)}for {i} in range(len(self.weights)):",
                      f"{ind(level + 3)}self.weights[{i}] -= 0.1 * {self.expr([*inner, f'self.weights[{i}]'])}"]
        if private_method:
            inner.append("self.__helper(self.weights[0])")
        # what run() nests (lambdas, comprehensions, functions) sees self.__w too, mangled the same way
        body, inner, _, _ = self.statements(level + 2, inner, [*nested_ops, z, *state], targets, depth)
        lines += body
        lines.append(f"{ind(level + 2)}return {self.expr(inner)}, self.__w, self.weights, self.__ws, self.cache")
        return name, lines

    def unit_method(self, level, ops, nested_ops, depth):
        name, lines = self.method_class(level, nested_ops, depth)
        return lines, f"{name}({self.args(ops, 2)}).run({self.args(ops, 1)})"

    def unit_nested_class(self, level, ops, nested_ops, depth):
        """Any unit inside a class body: its definitions and its call run while the outer class is made."""
        outer = self.fresh("Outer")
        if self.draw(st.booleans()):
            inner, lines = self.method_class(level + 1, nested_ops, depth)
            call = f"{outer}.{inner}({self.args(ops, 2)}).run({self.args(ops, 1)})"
            return [f"{ind(level)}class {outer}:", *lines], call
        unit_lines, call = self.unit(level + 1, nested_ops, nested_ops, max(depth - 1, 0), ctx="class")
        return [f"{ind(level)}class {outer}:", *unit_lines, f"{ind(level + 1)}__value = {call}",
                f"{ind(level + 1)}value = __value"], f"{outer}.value"

    def unit_dataclass(self, level, ops, nested_ops, depth):
        name, x = self.fresh("Layer"), self.fresh("x")
        frozen = self.draw(st.booleans())
        lines = [f"{ind(level)}@dataclass{'(frozen=True)' if frozen else ''}",
                 f"{ind(level)}class {name}:",
                 f"{ind(level + 1)}w: np.ndarray",
                 f"{ind(level + 1)}b: object = None"]
        if self.draw(st.booleans()):
            lines.append(f"{ind(level + 1)}extra: object = field(default_factory=lambda: {self.expr(nested_ops)})")
        else:
            lines.append(f"{ind(level + 1)}extra: object = 0.0")
        if not frozen and self.draw(st.booleans()):
            lines += [f"{ind(level + 1)}def __post_init__(self):",
                      f"{ind(level + 2)}self.__gram = {self.expr(['self.w', 'self.w.T', 'self.b'])}",
                      f"{ind(level + 2)}self.b {self.op()}= {self.pick(['self.w', 'self.extra'])}"]
        method = self.pick(["__call__", "dot", "forward"])     # a method named dot is a rewritten call
        inner = [*nested_ops, x, "self.w", "self.b", "self.extra"]
        lines.append(f"{ind(level + 1)}def {method}(self, {x}):")
        lines += self.function_body(level + 2, inner, [x], depth)
        layer = f"{name}({self.args(ops, 2)})"
        call = f"{layer}({self.args(ops, 1)})" if method == "__call__" else f"{layer}.{method}({self.args(ops, 1)})"
        return lines, call

    def unit_decorated(self, level, ops, nested_ops, depth):
        name, x, y = self.fresh("Ops"), self.fresh("x"), self.fresh("y")
        inner = [*nested_ops, x, y]
        lines = [f"{ind(level)}class {name}:",
                 f"{ind(level + 1)}scale = None",
                 f"{ind(level + 1)}@staticmethod",
                 f"{ind(level + 1)}def static({x}, {y}):"]
        lines += self.function_body(level + 2, inner, [x, y], depth)
        lines += [f"{ind(level + 1)}@classmethod",
                  f"{ind(level + 1)}def klass(cls, {x}, {y}):",
                  f"{ind(level + 2)}cls.scale = {x}",
                  f"{ind(level + 2)}cls.scale {self.op()}= {y}",
                  f"{ind(level + 2)}cls.__total = {self.expr([*inner, 'cls.scale'])}",
                  f"{ind(level + 2)}return cls.__total, {self.expr([*inner, 'cls.scale', f'cls.static({x}, {y})'])}",
                  f"{ind(level + 1)}def __init__(self, {x}, {y}):",
                  f"{ind(level + 2)}self.__x, self._y = {x}, {y}",
                  f"{ind(level + 1)}@property",
                  f"{ind(level + 1)}def prop(self):",
                  f"{ind(level + 2)}return {self.expr([*nested_ops, 'self.__x', 'self._y'])}"]
        which = self.pick(["static", "klass", "prop", "all"])
        calls = {"static": f"{name}.static({self.args(ops, 2)})", "klass": f"{name}.klass({self.args(ops, 2)})",
                 "prop": f"{name}({self.args(ops, 2)}).prop"}
        if which == "all":
            return lines, f"({calls['static']}, {calls['klass']}, {calls['prop']})"
        return lines, calls[which]

    def unit_class_body(self, level, ops, nested_ops, depth):
        """Array code run while the class is made: private (mangled) class attributes, an in-place
        update of a class attribute, a comprehension (which sees only the first iterable and globals)."""
        name, ops = self.fresh("K"), nested_ops      # a class body does not see an enclosing class's names
        lines = [f"{ind(level)}class {name}:",
                 f"{ind(level + 1)}__z = {self.expr(ops)}",
                 f"{ind(level + 1)}z = {self.expr([*ops, '__z'])}"]
        targets = ["z", "__z"]
        if self.draw(st.booleans()):
            g = self.fresh("G")
            lines += [f"{ind(level + 1)}global {g}", f"{ind(level + 1)}{g} = {self.expr([*ops, 'z'])}"]
            targets.append(g)
        if self.draw(st.booleans()):
            lines += [f"{ind(level + 1)}box = [z, __z]", f"{ind(level + 1)}box[0] {self.op()}= __z"]
        v = self.fresh("v")
        lines.append(f"{ind(level + 1)}zs = [{self.expr([*nested_ops, v])} for {v} in (z, __z)]")
        body, _, _, _ = self.statements(level + 1, [*ops, "z", "__z"], nested_ops, targets, depth, ctx="class")
        lines += body
        lines.append(f"{ind(level + 1)}z {self.op()}= {self.pick([*ops, '__z'])}")
        return lines, f"({name}.z, {name}._{name}__z, {name}.zs)"

    def unit_super(self, level, ops, nested_ops, depth):
        base, child, x, w, b = self.fresh("Base"), self.fresh("Child"), self.fresh("x"), self.fresh("w"), self.fresh("b")
        lines = [f"{ind(level)}class {base}:",
                 f"{ind(level + 1)}def __init__(self, {w}):",
                 f"{ind(level + 2)}self.__w = {w}",
                 f"{ind(level + 1)}def forward(self, {x}):",
                 f"{ind(level + 2)}return {self.expr([*nested_ops, x, 'self.__w'])}",
                 f"{ind(level)}class {child}({base}):",
                 f"{ind(level + 1)}def __init__(self, {w}, {b}):",
                 f"{ind(level + 2)}super().__init__({w})",
                 f"{ind(level + 2)}self.__b = {b}",
                 f"{ind(level + 1)}def forward(self, {x}):",
                 f"{ind(level + 2)}h = super().forward({x})",
                 f"{ind(level + 2)}h {self.op()}= self.__b",
                 f"{ind(level + 2)}self.__b -= 0.1 * {self.expr([*nested_ops, x, 'h', 'self.__b'])}"]
        if self.draw(st.booleans()):            # super() bound once, used from a lambda
            lines.append(f"{ind(level + 2)}parent = super()")
            lines.append(f"{ind(level + 2)}hs = list(map(lambda v: parent.forward(v) {self.op()} v, (h, {x})))")
            lines.append(f"{ind(level + 2)}return h, hs, self.__b, self._{base}__w")
        else:
            lines.append(f"{ind(level + 2)}return h, self.__b, self._{base}__w")
        return lines, f"{child}({self.args(ops, 2)}).forward({self.args(ops, 1)})"

    def unit_private_helper(self, level, ops, nested_ops, depth):
        """Module-level names starting with __, used inside a class: Python looks them up mangled
        (``__helper`` in class Priv is ``_Priv__helper``), which exists only if the program defines it."""
        name, helper, weight, x, y = (self.fresh("Priv"), self.fresh("__helper"), self.fresh("__W"),
                                      self.fresh("x"), self.fresh("y"))
        if self.draw(st.booleans()):
            self.prelude += [f"def {helper}({x}, {y}):", f"    return {self.expr([x, y])}"]
        else:
            self.prelude.append(f"{helper} = lambda {x}, {y}: {self.expr([x, y])}")
        self.prelude.append(f"{weight} = {self.pick([*GLOBALS, self.expr(GLOBALS)])}")
        for private in (helper, weight):
            if self.draw(st.booleans()):
                self.prelude.append(f"_{name}{private} = {private}")
        v = self.fresh("v")
        lines = [f"{ind(level)}class {name}:",
                 f"{ind(level + 1)}def run(self, {v}):",
                 f"{ind(level + 2)}return {helper}({v}, {weight}) {self.op()} {v}"]
        if self.draw(st.booleans()):
            lines.append(f"{ind(level + 1)}at_creation = {helper}({self.args(nested_ops, 1)}, {weight})")
        return lines, f"{name}().run({self.args(ops, 1)})"

    def unit_exec(self, level, ops, nested_ops, depth):
        """exec of a string: the string's code runs untraced, the code around it traced."""
        code = f"t = {self.expr(['x', 'y'])}\nt {self.op()}= y\n"
        if self.draw(st.booleans()):
            name, x, y = self.fresh("ex"), self.fresh("x"), self.fresh("y")
            lines = [f"{ind(level)}def {name}({x}, {y}):",
                     f"{ind(level + 1)}ns = {{'x': {x}, 'y': {y}, 'np': np}}",
                     f"{ind(level + 1)}exec({code!r}, ns)",
                     f"{ind(level + 1)}return {self.expr([*nested_ops, x, y, 'ns[' + repr('t') + ']'])}"]
            return lines, f"{name}({self.args(ops, 2)})"
        name = self.fresh("E")    # exec in a class body writes to the class namespace
        lines = [f"{ind(level)}class {name}:",
                 f"{ind(level + 1)}x, y = {self.args(nested_ops, 2)}",
                 f"{ind(level + 1)}exec({code!r})",
                 f"{ind(level + 1)}after = {self.expr(['t', 'x', 'y'])}"]
        return lines, f"({name}.t, {name}.after)"

    def unit_operator_class(self, level, ops, nested_ops, depth):
        """A hand-written tensor class (as in micrograd-style backprop): its operators do array code on
        self.data, and the rewritten operators see objects that are not arrays but have a shape."""
        name, other = self.fresh("Tensor"), self.fresh("o")
        data = f"{other}.data if isinstance({other}, {name}) else {other}"
        lines = [f"{ind(level)}class {name}:",
                 f"{ind(level + 1)}def __init__(self, data):",
                 f"{ind(level + 2)}self.data = data",
                 f"{ind(level + 1)}@property",
                 f"{ind(level + 1)}def shape(self):",
                 f"{ind(level + 2)}return self.data.shape",
                 f"{ind(level + 1)}def __matmul__(self, {other}):",
                 f"{ind(level + 2)}return {name}(self.data @ ({data}))",
                 f"{ind(level + 1)}def __add__(self, {other}):",
                 f"{ind(level + 2)}return {name}(self.data + ({data}))",
                 f"{ind(level + 1)}def __mul__(self, {other}):",
                 f"{ind(level + 2)}return {name}(self.data * ({data}))",
                 f"{ind(level + 1)}def __isub__(self, {other}):",
                 f"{ind(level + 2)}self.data -= {data}",
                 f"{ind(level + 2)}return self",
                 f"{ind(level + 1)}@property",
                 f"{ind(level + 1)}def T(self):",
                 f"{ind(level + 2)}return {name}(self.data.T)",
                 f"{ind(level + 1)}def dot(self, {other}):",
                 f"{ind(level + 2)}return self @ {other}"]
        u, v, t = self.fresh("p"), self.fresh("q"), self.fresh("tensor")
        op = self.pick(["@", "+", "*"])
        expr = self.pick([f"{u} {op} {v}", f"{u}.T {op} {v}", f"{u}.dot({v})", f"{u} {op} {v}.data"])
        fn = self.fresh("use")
        lines += [f"{ind(level)}def {fn}({u}, {v}):",
                  f"{ind(level + 1)}{t} = {expr}",
                  f"{ind(level + 1)}{u} -= {self.pick([v, f'{v}.data'])}",
                  f"{ind(level + 1)}return getattr({t}, 'data', {t}), {u}.data"]
        return lines, f"{fn}({name}({self.pick(ops)}), {name}({self.pick(ops)}))"

    # -- the module ----------------------------------------------------------------------------------
    def module(self):
        """The prelude (private helpers), then 1-4 parts, each storing its result in a new rN; a
        guarded part stores its exception there instead, and the program goes on."""
        body = []
        for n in range(self.draw(st.integers(1, 4))):
            result = f"r{n}"
            kind = self.pick(["unit", "unit", "unit", "unit", "statement", "exec"])
            if kind == "statement":          # module-level in-place updates, of a name and of a list item
                lines = self.pick([[f"{self.pick(GLOBALS)} {self.op()}= {self.expr(GLOBALS)}"],
                                   [f"ws = [{self.args(GLOBALS, 2)}]",
                                    f"ws[{self.pick(['0', '1', '-1'])}] {self.op()}= {self.expr(GLOBALS)}",
                                    f"{result} = ws"]])
            elif kind == "exec":
                lines = [f"exec({f'{result} = {self.expr(GLOBALS)}'!r})"]
            else:
                unit_lines, call = self.unit(0, GLOBALS, GLOBALS, self.draw(st.integers(0, 2)))
                lines = [*unit_lines, f"{result} = {call}"]
            if self.draw(st.booleans()):
                lines = ["try:", *("    " + line for line in lines), "except Exception as exc:",
                         f"    {result} = (type(exc).__name__, str(exc))"]
            body += lines
        return HEADER + "\n".join([*self.prelude, *body]) + "\n"


@st.composite
def scoped_programs(draw):
    if draw(st.booleans()):
        shape = draw(st.sampled_from(AGREEING))
        shapes = {name: shape for name in GLOBALS}
    else:
        shapes = {name: draw(st.sampled_from(SHAPES)) for name in GLOBALS}
    return shapes, _Gen(draw).module()


# -- running and comparing ---------------------------------------------------------------------------
def run(source, shapes, tracer=None):
    return differential.run(source, shapes, tracer, module_name="__prog__")


def assert_same(plain, traced, where):
    """Equal values, recursively through the lists, tuples and dicts the programs return."""
    assert type(traced) is type(plain), (where, type(plain), type(traced))
    if isinstance(plain, np.ndarray):
        assert traced.shape == plain.shape and traced.dtype == plain.dtype, where
        np.testing.assert_array_equal(traced, plain, err_msg=where)
    elif isinstance(plain, np.generic):
        np.testing.assert_array_equal(traced, plain, err_msg=where)
    elif isinstance(plain, (list, tuple)):
        assert len(traced) == len(plain), where
        for k, (p, t) in enumerate(zip(plain, traced)):
            assert_same(p, t, f"{where}[{k}]")
    elif isinstance(plain, dict):
        assert list(traced) == list(plain), where
        for key in plain:
            assert_same(plain[key], traced[key], f"{where}[{key!r}]")
    elif isinstance(plain, (int, float, complex, str, bool, type(None))):
        assert traced == plain or (plain != plain and traced != traced), where


def _recorded_view(tracer):
    """The tracer's records and failures that the option-less rules of _predictions_match cover; the
    reductions with axis=/keepdims= and the reshapes are checked here, with their options."""
    records, failures = {}, []
    for key, record in tracer.records.items():
        site = tracer.registry.sites[record.site]
        if record.kind == "reshape":
            continue                                   # the new shape is not recorded; its size is
        if record.options and any(s is not None for s in record.shapes):
            options = eval(f"dict({record.options})")  # noqa: S307 - the tracer's own "axis=0, keepdims=True"
            assert predict(record.kind, record.shapes, **options) == record.result, site.expr
            continue
        records[key] = record
    for failure in tracer.failures:
        if failure.kind in ("sum", "mean", "reshape"):  # the failing options are not kept with the failure
            continue
        if any(s is None for s in failure.shapes):      # `x @ 0.0`: a number has no shape to predict from
            continue
        failures.append(failure)
    return SimpleNamespace(records=records, failures=failures, registry=tracer.registry)


def _names(namespace):
    # numpy's floating-point warnings create the module's __warningregistry__ (the tracer moves them to the
    # learner's line, but the warnings are ignored here, so whether a registry appears is not the program's)
    return sorted(k for k in namespace if k not in ("__builtins__", "__warningregistry__"))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scoped_programs())
def test_traced_and_untraced_runs_agree_in_every_scope(program):
    shapes, source = program
    plain, plain_error = run(source, shapes)
    tracer = Tracer()
    traced, traced_error = run(source, shapes, tracer)
    assert traced_error == plain_error, source
    assert tracer.internal_errors == [], (tracer.internal_errors, source)
    for name, value in plain.items():
        if re.fullmatch(r"r\d+|[abc]|G\d+|ws", name):
            assert name in traced, (name, source)
            assert_same(value, traced[name], f"{name} in\n{source}")
    _predictions_match(_recorded_view(tracer), source)
    # the same module-level names: none of the rewrite's own left behind in the learner's globals
    assert _names(traced) == _names(plain), source


# -- every kind of scope is recorded -----------------------------------------------------------------
def trace_source(source, shapes=None):
    """Run ``source`` traced (and untraced, to compare) and return the tracer and the program's namespace."""
    source = HEADER + textwrap.dedent(source)
    shapes = shapes or {"a": (4, 3), "b": (3, 2), "c": (2, 3)}
    plain, plain_error = run(source, shapes)
    tracer = Tracer()
    traced, traced_error = run(source, shapes, tracer)
    assert traced_error == plain_error
    assert plain_error is None, plain_error
    assert tracer.internal_errors == []
    for name, value in plain.items():
        if re.fullmatch(r"r\d+", name):
            assert_same(value, traced[name], name)
    return tracer, traced, source


def recorded(tracer, source, marker, op="@"):
    """The record(s) of ``op`` on the line of ``source`` that ends with ``# marker``."""
    lines = [n for n, text in enumerate(source.splitlines(), 1) if text.rstrip().endswith(f"# {marker}")]
    assert len(lines) == 1, marker
    assert len(tracer.records) > 0
    found = [r for r in tracer.records.values()
             if tracer.registry.sites[r.site].line == lines[0] and r.kind == op]
    assert found, (marker, sorted((tracer.registry.sites[r.site].line, r.kind) for r in tracer.records.values()))
    return found


def test_method_with_private_attributes_and_weight_list_is_recorded():
    tracer, ns, source = trace_source("""
        class Net:
            def __init__(self, w, v):
                self.__w = w
                self.weights = [w, v]
            def forward(self, x):
                h = x @ self.__w                        # forward
                self.__w -= 0.1 * x.T @ h               # private update
                self.weights[0] += self.__w             # subscript update
                for i in range(len(self.weights)):
                    self.weights[i] -= 0.1 * self.weights[i]
                return h
        r0 = Net(b, b.T).forward(a)
    """)
    assert recorded(tracer, source, "forward")[0].shapes == ((4, 3), (3, 2))
    recorded(tracer, source, "private update")
    recorded(tracer, source, "private update", op="-=")
    recorded(tracer, source, "subscript update", op="+=")
    assert not [k for k in ns if k.startswith(("@", "_Net@", "__sc", "_Net__sc"))]


def test_nested_class_is_recorded():
    tracer, _, source = trace_source("""
        class Outer:
            class Inner:
                def __init__(self, w):
                    self.__w = w
                def forward(self, x):
                    return x @ self.__w           # inner
            made = Inner(b).forward(a) @ c        # outer body
        r0 = Outer.made
    """)
    recorded(tracer, source, "inner")
    assert recorded(tracer, source, "outer body")[0].shapes == ((4, 2), (2, 3))


def test_dataclass_fields_are_recorded():
    tracer, _, source = trace_source("""
        @dataclass
        class Layer:
            w: np.ndarray
            b: np.ndarray = field(default_factory=lambda: c.T @ c)     # factory
            def __call__(self, x):
                return x @ self.w                                     # call
        r0 = Layer(b)(a)
    """)
    recorded(tracer, source, "factory")
    recorded(tracer, source, "call")


def test_static_class_methods_and_properties_are_recorded():
    tracer, _, source = trace_source("""
        class Ops:
            scale = None
            def __init__(self, x):
                self.__x = x
            @staticmethod
            def static(x, y):
                return x @ y                     # static
            @classmethod
            def klass(cls, x, y):
                cls.__s = x
                cls.__s -= 0.5 * x
                return x @ y                     # classmethod
            @property
            def prop(self):
                return self.__x @ self.__x.T      # property
        r0, r1, r2 = Ops.static(a, b), Ops.klass(b, c), Ops(a).prop
    """)
    for marker in ("static", "classmethod", "property"):
        recorded(tracer, source, marker)


def test_class_body_is_recorded():
    tracer, _, source = trace_source("""
        class K:
            __z = a @ b                           # private class attribute
            z = __z @ c                           # class attribute
            z += a
            zs = [v @ b for v in (a, z)]          # comprehension
        r0, r1 = K.z, K._K__z
    """)
    recorded(tracer, source, "private class attribute")
    recorded(tracer, source, "class attribute")
    assert len(recorded(tracer, source, "comprehension")) == 1   # both (4, 3) @ (3, 2): one signature


def test_lambdas_comprehensions_and_generator_expressions_are_recorded():
    tracer, _, source = trace_source("""
        f = lambda x, y: x @ y                            # lambda
        r0 = f(a, b)
        r1 = [x @ b for x in (a, a)]                      # list
        r2 = {k: x @ b for k, x in enumerate((a,))}       # dict
        r3 = sum(x @ b for x in (a, a))                   # generator expression
    """)
    for marker in ("lambda", "list", "dict", "generator expression"):
        recorded(tracer, source, marker)


def test_generators_closures_globals_and_recursion_are_recorded():
    tracer, _, source = trace_source("""
        def gen(x, w):
            for _ in range(2):
                yield x @ w                               # yield
        def outer(x):
            acc = x
            def step(w):
                nonlocal acc
                acc = acc @ w                             # nonlocal
                acc -= 0.5 * acc
            step(b)
            return acc
        def glob():
            global G
            G = a @ b                                     # global
        def rec(x, n):
            return x if n == 0 else rec(x @ c.T @ x.T @ x, n - 1)    # recursive
        r0, r1 = list(gen(a, b)), outer(a)
        glob()
        r2 = G
        r3 = rec(a, 2)
    """, shapes={"a": (3, 3), "b": (3, 3), "c": (3, 3)})
    for marker in ("yield", "nonlocal", "global", "recursive"):
        recorded(tracer, source, marker)


def test_private_module_names_used_in_a_class_are_recorded_and_mangled_like_python():
    tracer, _, source = trace_source("""
        def __helper(x, y):
            return x @ y                                  # helper
        __W = b
        _Net__helper, _Net__W = __helper, __W
        class Net:
            def run(self, x):
                return __helper(x, __W) @ c               # method
        r0 = Net().run(a)
    """)
    recorded(tracer, source, "helper")
    recorded(tracer, source, "method")
    # without the mangled aliases the lookup fails, traced exactly as untraced
    bare = "class Net:\n    def run(self, x):\n        return __helper(x) @ x\n__helper = lambda x: x\nr0 = Net().run(a)\n"
    plain, plain_error = run(bare, {"a": (2, 2)})
    tracer = Tracer()
    _, traced_error = run(bare, {"a": (2, 2)}, tracer)
    assert plain_error == traced_error == (NameError, "name '_Net__helper' is not defined")


def test_exec_of_a_string_runs_untraced_inside_a_traced_program():
    tracer, _, source = trace_source("""
        class E:
            exec("t = a @ b")
            after = t @ c                                 # after exec
        def f(x, y):
            ns = {"x": x, "y": y}
            exec("t = x @ y", ns)
            return ns["t"] @ c                            # after exec in a function
        r0, r1 = E.after, f(a, b)
    """)
    recorded(tracer, source, "after exec")
    recorded(tracer, source, "after exec in a function")
    assert all(tracer.registry.sites[r.site].file == "<prog>" for r in tracer.records.values())
    assert not [r for r in tracer.records.values() if tracer.registry.sites[r.site].expr in ("a @ b", "x @ y")]


def test_zero_argument_super_in_a_subclass_is_recorded():
    tracer, _, source = trace_source("""
        class Base:
            def __init__(self, w):
                self.__w = w
            def forward(self, x):
                return x @ self.__w                       # base
        class Child(Base):
            def __init__(self, w, v):
                super().__init__(w)
                self.__v = v
            def forward(self, x):
                h = super().forward(x)
                h = h @ self.__v                          # child
                return h
        r0 = Child(b, c).forward(a)
    """)
    recorded(tracer, source, "base")
    recorded(tracer, source, "child")


def test_a_shape_error_inside_a_method_is_the_same_exception_and_is_recorded_as_a_failure():
    shapes = {"a": (4, 3), "b": (2, 3)}
    source = "class Net:\n    def __init__(self, w):\n        self.__w = w\n    def f(self, x):\n" \
             "        return x @ self.__w\nr0 = Net(b).f(a)\n"
    plain, plain_error = run(source, shapes)
    tracer = Tracer()
    _, traced_error = run(source, shapes, tracer)
    assert plain_error is not None and traced_error == plain_error
    assert [(tracer.registry.sites[f.site].line, f.kind, f.shapes) for f in tracer.failures] == [(5, "@", ((4, 3), (2, 3)))]
