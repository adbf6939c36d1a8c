"""Fused expressions (shapecheck/tracing/fused.py): a loop's expression of several operators, once its leaves
repeat their types and shapes, is computed by a generated fast path that checks only the leaves. Everything the
tracer reports must stay what the unfused tracer reports: every record with its count, every warning, every
failure at its own site; and the learner's program must run exactly as untraced."""

import ast
import warnings

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from shapecheck.tracing.rewrite import SiteRegistry, instrument
from shapecheck.tracing.runtime import Tracer
from tests.shapecheck.test_trace_differential import run   # (source, shapes, tracer): namespace, error

SHAPES = [(7,), (5,), (7, 5), (5, 7), (7, 1), (1, 5), (5, 3), (3, 5), (7, 7)]
#: Shapes that broadcast with one another elementwise: most programs then run long enough to use fast paths.
COMPATIBLE = [(7, 5), (7, 1), (1, 5), (5,)]
OPS = ["+", "-", "*", "/", "@"]


@st.composite
def looped_programs(draw):
    """A loop of nested expressions over a, b, c (pairwise-distinct sizes), where at one iteration one of
    them becomes another shape or a Python float: what the fast path learned no longer holds."""
    pool = draw(st.sampled_from([SHAPES, COMPATIBLE, COMPATIBLE]))
    shapes = {name: draw(st.sampled_from(pool)) for name in "abc"}
    names, lines = list("abc"), []
    for i in range(draw(st.integers(1, 4))):
        x, y, z = (draw(st.sampled_from(names)) for _ in range(3))
        ops = OPS if pool is SHAPES else OPS[:-1]       # elementwise only among the compatible shapes
        first, second = draw(st.sampled_from(ops)), draw(st.sampled_from(ops))
        form = draw(st.sampled_from(["nested", "T", "compare", "inplace", "deep", "sum", "dot", "axis", "method"]))
        if form == "nested":
            lines.append(f"r{i} = ({x} {first} {y}) {second} {z}")
        elif form == "T":
            lines.append(f"r{i} = {x}.T {first} {y}")
        elif form == "compare":
            lines.append(f"r{i} = ({x} {first} {y}) > {z}")
        elif form == "sum":
            options = draw(st.sampled_from(["axis=0", "axis=1, keepdims=True", "0", "", "axis=-1"]))
            lines.append(f"r{i} = np.sum({x} {first} {y}, {options}) {second} {z}")
        elif form == "dot":
            lines.append(f"r{i} = np.dot({x}, {y}) {first} {z}.T")
        elif form == "method":          # array methods, reached through an operation or a name
            lines.append(draw(st.sampled_from([f"r{i} = ({x} {first} {y}).sum(axis=0) {second} {z}",
                                               f"r{i} = {x}.T.dot({y}) {first} {z}",
                                               f"r{i} = {x}.dot({y}.T) {first} {z}"])))
        elif form == "axis":            # the axis is a name whose value the loop changes: no fast path may hold it
            lines.append(f"r{i} = np.mean({x}, i % 2) {first} {y}")
        elif form == "deep":
            lines.append(f"r{i} = (({x} {first} {y}) {second} {z}) * (1 - {x})")
        else:
            lines.append(f"{x} {first}= {y} * 0.5")
            continue
        names.append(f"r{i}")
    changed = draw(st.sampled_from("abc"))
    new_value = draw(st.sampled_from(["2.5", *(f"np.ones({shape})" for shape in pool)]))
    at = draw(st.integers(0, 5))
    body = "\n".join("    " + line for line in lines)
    source = f"for i in range(6):\n    if i == {at}:\n        {changed} = {new_value}\n{body}\n"
    return shapes, source


def reported(tracer):
    """What a report is made of, by source position rather than site id (two registries number differently)."""
    sites = tracer.registry.sites
    where = lambda site: (sites[site].line, sites[site].col, sites[site].op)  # noqa: E731
    records = sorted(repr((where(r.site), r.shapes, r.result, r.count, r.kind)) for r in tracer.records.values())
    warned = sorted(repr((where(site), kind)) for site, kind in tracer.warned)
    failures = sorted(repr((where(f.site), f.shapes, f.kind, f.count)) for f in tracer.failures)
    return records, warned, failures


@settings(max_examples=400, deadline=None)
@given(looped_programs())
def test_fused_tracing_reports_and_runs_exactly_as_unfused(program):
    fused = assert_runs_as_unfused(program)
    event(f"fast path taken: {any(f.__name__ == 'fast' for f in fused._trees.values())}")


@pytest.mark.parametrize("program", [
    # found by the property test: untraced, b.dot is looked up (and fails on a float) before a.T runs
    ({"a": (7,), "b": (7,), "c": (7,)},
     "for i in range(6):\n    if i == 0:\n        b = 2.5\n    r0 = b.dot(a.T) + a\n"),
    ({"a": (7,), "b": (7,), "c": (7,)},
     "for i in range(6):\n    if i == 0:\n        a = 2.5\n    r0 = a.dot(a.T) + a\n"),
])
def test_an_array_methods_lookup_keeps_its_place_before_the_arguments(program):
    assert_runs_as_unfused(program)


def assert_runs_as_unfused(program):
    """The program run untraced, fused and unfused: the same values or error, the same report."""
    shapes, source = program
    untraced, untraced_error = run(source, shapes)
    fused, unfused = Tracer(), Tracer(registry=SiteRegistry(fuses=False))
    fused_run, fused_error = run(source, shapes, fused)
    unfused_run, unfused_error = run(source, shapes, unfused)
    assert fused_error == unfused_error == untraced_error, source
    assert fused.internal_errors == [] and unfused.internal_errors == [], source
    assert reported(fused) == reported(unfused), source
    for name, value in untraced.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(fused_run[name], value, err_msg=source)
    return fused


def test_the_loop_expressions_are_fused_and_counted_once_per_iteration():
    source = ("import numpy as np\nX, W, b = np.ones((7, 5)), np.ones((5, 3)), np.zeros((1, 3))\n"
              "for i in range(300):\n    A = np.tanh(X @ W + b)\n    dW = X.T @ (A * (1 - A)) / 7\n")
    tracer = Tracer()
    tree = instrument(source, "<loop>", tracer.registry)
    assert ast.unparse(tree).count("@sc_trees[") == 2
    with tracer:
        exec(compile(tree, "<loop>", "exec"), {})
    assert sorted(r.count for r in tracer.records.values()) == [300] * 5   # (`/ 7`: a number, not traced)
    assert any(f.__name__ == "fast" for f in tracer._trees.values())


def test_the_fast_path_runs_without_the_slow_one_once_learned():
    # each form a learner's loop repeats: operators with a number, .T, np.sum with options, np.dot, a comparison
    source = ("import numpy as np\nX, W, b, n = np.ones((7, 5)), np.ones((5, 3)), np.zeros((1, 3)), 7\n"
              "for i in range(4):\n    Z = X @ W + b\n    dW = X.T @ Z / n\n"
              "    db = np.sum(Z, axis=0, keepdims=True) / n\n    s = np.dot(X, W) * (Z > 0)\n")
    tracer = Tracer()
    code = compile(instrument(source, "<fast>", tracer.registry), "<fast>", "exec")
    with tracer:
        exec(code, {})
        before = {key: record.count for key, record in tracer.records.items()}
        functions = dict(tracer._trees)
        assert len(functions) == 4 and all(f.__name__ == "fast" for f in functions.values())
        for function in functions.values():
            function.__closure__[function.__code__.co_freevars.index("fallback")].cell_contents = _must_not_run
        exec(code, {})           # the same code again: its first two runs of each expression are fast now too
    assert {key: record.count for key, record in tracer.records.items()} == \
        {key: count + 4 for key, count in before.items()}


def _cell(function, name):
    """The value ``function`` (a generated fast or slow path) holds under ``name``."""
    return function.__closure__[function.__code__.co_freevars.index(name)].cell_contents


def _must_not_run(*leaves):
    raise AssertionError("the slow path ran although the leaves kept their types and shapes")


def test_a_line_shared_by_the_layers_gets_a_fast_path_per_layer():
    source = ("import numpy as np\nsizes = [5, 4, 3, 2]\nWs = [np.ones((a, b)) for a, b in zip(sizes, sizes[1:])]\n"
              "bs = [np.zeros((1, b)) for b in sizes[1:]]\nfor epoch in range(20):\n    A = np.ones((7, 5))\n"
              "    for W, b in zip(Ws, bs):\n        A = np.tanh(A @ W + b)\n")
    tracer = Tracer()
    with tracer:
        exec(compile(instrument(source, "<layers>", tracer.registry), "<layers>", "exec"), {})
    (function,) = tracer._trees.values()
    chain = 0
    while function.__name__ == "fast":
        chain += 1
        function = _cell(function, "fallback")
    assert chain == 3
    assert sorted(r.count for r in tracer.records.values()) == [20] * 6


def test_an_expression_of_torch_tensors_stops_learning_and_runs_the_plain_slow_path():
    torch = pytest.importorskip("torch")
    source = "for i in range(40):\n    Z = X @ W + b\n"
    tracer = Tracer()
    namespace = {"X": torch.ones(7, 5), "W": torch.ones(5, 3), "b": torch.zeros(1, 3)}
    with tracer:
        exec(compile(instrument(source, "<torch>", tracer.registry), "<torch>", "exec"), namespace)
    (function,) = tracer._trees.values()
    assert function.__name__ == "slow" and _cell(function, "learned").__name__ == "_ignore"
    assert sorted(r.count for r in tracer.records.values()) == [40, 40]


def test_a_silent_broadcast_that_starts_after_the_fast_path_was_learned_is_still_flagged():
    # the last mini-batch's targets lose their column: (7, 1) - (7,) broadcasts to (7, 7) there only
    source = ("import numpy as np\nA, w = np.ones((7, 1)), np.ones((1, 1))\n"
              "for i in range(5):\n    Y = np.ones((7, 1)) if i < 4 else np.ones(7)\n    d = (A - Y) * w\n")
    tracer = Tracer()
    with tracer:
        exec(compile(instrument(source, "<batches>", tracer.registry), "<batches>", "exec"), {})
    kinds = {kind for _, kind in tracer.warned}
    assert "broadcast-n-by-n" in kinds or any("(7, 7)" in message for message in tracer.warned.values()), \
        tracer.warned
    counts = {r.shapes: r.count for r in tracer.records.values() if r.kind == "-"}
    assert counts == {((7, 1), (7, 1)): 4, ((7, 1), (7,)): 1}


def test_a_failure_after_the_fast_path_was_learned_is_explained_at_its_own_operation():
    source = ("import numpy as np\nX, W, b = np.ones((7, 5)), np.ones((5, 3)), np.zeros((1, 3))\n"
              "for i in range(4):\n    if i == 3:\n        b = np.zeros((3, 1)).T.T\n    Z = X @ W + b\n")
    tracer = Tracer()
    with pytest.raises(ValueError, match="broadcast"):
        with tracer:
            exec(compile(instrument(source, "<fails>", tracer.registry), "<fails>", "exec"), {})
    (failure,) = tracer.failures
    site = tracer.registry.sites[failure.site]
    assert (site.line, site.op, failure.shapes) == (6, "+", ((7, 3), (3, 1)))
    assert failure.explanation is not None


def test_leaves_after_an_operation_that_could_show_the_new_order_are_not_fused():
    # f() runs after X @ W untraced: fused, it would run first (its print would come before X @ W's error)
    tree = ast.unparse(instrument("Z = X @ W + f()\nY = np.sum(X, axis=0) * W + b\n", "<order>", SiteRegistry()))
    first, second = tree.splitlines()
    assert "@sc_trees" not in first and "@sc_binop_matmul" in first
    assert "@sc_trees" in second                     # a call evaluated before any operation may lead


def test_a_numpy_warning_in_the_fast_path_is_shown_at_the_learners_line():
    # a - b is zero: every iteration divides by zero, the last two in the fast path
    source = ("import numpy as np\na, b, c = np.ones((7, 1)), np.ones((7, 1)), np.ones((1, 5))\n"
              "for i in range(4):\n    r = c / (a - b)\n")
    tracer = Tracer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tracer:
            exec(compile(instrument(source, "<warns>", tracer.registry), "<warns>", "exec"), {"__name__": "learner"})
    divide = [w for w in caught if "divide by zero" in str(w.message)]
    assert [(w.filename, w.lineno) for w in divide] == [("<warns>", 4)] * 4
    assert any(f.__name__ == "fast" for f in tracer._trees.values())


def test_a_fault_of_ours_while_learning_leaves_the_slow_path_and_is_reported(monkeypatch):
    from shapecheck.tracing import fused

    def broken(*args):
        raise RuntimeError("planted")

    monkeypatch.setattr(fused, "_records", broken)
    source = "import numpy as np\nX, W, b = np.ones((7, 5)), np.ones((5, 3)), np.zeros((1, 3))\nfor i in range(9):\n" \
             "    Z = X @ W + b\n"
    tracer = Tracer()
    namespace = {}
    with tracer:
        exec(compile(instrument(source, "<ours>", tracer.registry), "<ours>", "exec"), namespace)
    assert namespace["Z"].shape == (7, 3)
    assert [str(error.exception) for error in tracer.internal_errors] == ["planted"]
    assert sorted(record.count for record in tracer.records.values()) == [9, 9]


def test_a_learners_object_that_neither_hashes_nor_compares_is_no_fault_of_ours():
    # layer.sum(x) + b: the call is reached through the learner's object, whose == makes an array and which
    # has no hash (a dataclass-like class defining __eq__)
    source = ("import numpy as np\nclass Layer:\n    def __eq__(self, other):\n        return np.ones(3)\n"
              "    def sum(self, x, axis=0):\n        return np.sum(x, axis=axis)\n"
              "layer, x, b = Layer(), np.ones((7, 3)), np.ones(3)\nfor i in range(20):\n"
              "    s = layer.sum(x * 2, axis=0) + b\n")
    tracer = Tracer()
    namespace = {}
    with tracer:
        exec(compile(instrument(source, "<object>", tracer.registry), "<object>", "exec"), namespace)
    assert tracer.internal_errors == []
    np.testing.assert_array_equal(namespace["s"], np.full(3, 15.0))


def test_values_mode_fuses_nothing():
    tree = ast.unparse(instrument("Z = X @ W + b\n", "<values>", SiteRegistry(keep_values=True)))
    assert "@sc_trees" not in tree
