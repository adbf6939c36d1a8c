"""Differential test: random small array programs give identical results or identical exceptions
traced and untraced, and the tracer's shape rules predict numpy's result (or its error) every time."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck.tracing.rewrite import instrument
from shapecheck.tracing.runtime import Tracer
from shapecheck.tracing.shapes.core import Conflict
from shapecheck.tracing.shapes.rules import predict

SHAPES = [(), (3,), (2,), (2, 3), (3, 2), (3, 1), (1, 3), (2, 1), (1, 2), (3, 3), (4, 2, 3)]
OPS = ["+", "-", "*", "/", "@"]


@st.composite
def programs(draw):
    shapes = {name: draw(st.sampled_from(SHAPES)) for name in "abc"}
    names, lines = list("abc"), []
    for i in range(draw(st.integers(1, 6))):
        x, y = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        op = draw(st.sampled_from(OPS))
        form = draw(st.sampled_from(["binop", "binop", "inplace", "T", "dot", "nested", "compare"]))
        if form == "binop":
            lines.append(f"r{i} = {x} {op} {y}")
        elif form == "inplace":
            lines.append(f"{x} {op}= {y}")
            continue
        elif form == "T":
            lines.append(f"r{i} = {x}.T {op} {y}")
        elif form == "dot":
            lines.append(f"r{i} = np.dot({x}, {y})")
        elif form == "nested":
            lines.append(f"r{i} = ({x} {op} {y}) {draw(st.sampled_from(OPS))} {x}")
        else:
            lines.append(f"r{i} = {x} > {y}")
        names.append(f"r{i}")
    return shapes, "\n".join(lines) + "\n"


def fresh_namespace(shapes):
    namespace = {"np": np}
    for k, (name, shape) in enumerate(shapes.items()):
        size = int(np.prod(shape)) if shape else 1
        namespace[name] = (np.arange(size, dtype=float).reshape(shape) + 1.5 + k)
    return namespace


def run(source, shapes, tracer=None, *, module_name=None):
    """(the program's namespace, (exception type, message) or None), traced when a tracer is given."""
    namespace = fresh_namespace(shapes)
    if module_name is not None:
        namespace["__name__"] = module_name
    code = compile(instrument(source, "<prog>", tracer.registry) if tracer else source, "<prog>", "exec")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # overflow or division warnings, the same in both runs
        try:
            if tracer:
                with tracer:
                    exec(code, namespace)
            else:
                exec(code, namespace)
        except Exception as exc:  # noqa: BLE001 - compared below
            return namespace, (type(exc), str(exc))
    return namespace, None


@settings(max_examples=300, deadline=None)
@given(programs())
def test_traced_and_untraced_runs_agree(program):
    shapes, source = program
    plain, plain_error = run(source, shapes)
    tracer = Tracer()
    traced, traced_error = run(source, shapes, tracer)
    assert traced_error == plain_error, source
    assert tracer.internal_errors == [], (tracer.internal_errors, source)
    for name, value in plain.items():
        if isinstance(value, np.ndarray):
            assert isinstance(traced[name], np.ndarray) and traced[name].shape == value.shape, (name, source)
            np.testing.assert_array_equal(traced[name], value)
    _predictions_match(tracer, source)


def _predictions_match(tracer, source):
    for record in tracer.records.values():
        site = tracer.registry.sites[record.site]
        op = record.kind
        if any(s is None for s in record.shapes):
            continue
        if op.endswith("=") and op not in ("==", "<=", ">=", "!="):
            # in place the target keeps its shape; an immutable target (a numpy scalar) is rebound instead
            assert predict(op[:-1], record.shapes) == record.result, source
        elif op == "T":
            assert predict("T", record.shapes) == record.result, source
        else:
            assert predict(op, record.shapes) == record.result, (site.expr, source)
    for failure in tracer.failures:
        if not isinstance(failure.exception, ValueError):    # e.g. TypeError for boolean subtraction
            continue
        op = failure.kind
        if op.endswith("=") and op not in ("==", "<=", ">=", "!="):
            outcome = predict(op[:-1], failure.shapes)
            assert isinstance(outcome, Conflict) or outcome != failure.shapes[0], source
        else:
            assert isinstance(predict(op, failure.shapes), Conflict), source
