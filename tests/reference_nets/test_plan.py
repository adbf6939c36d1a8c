"""The shape plan: its equations are valid numpy that reproduce the shapes and the reference gradients."""

import inspect
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_nets import LAYOUTS, MLP, get_layout, hidden_activation, shape_plan
from reference_nets.activations import sigmoid, softmax
from reference_nets.backprop import BACKWARD, FORWARD
from tests.strategies import distinct_sizes, make_data

CASES = [("sigmoid", "bce"), ("softmax", "softmax-cross-entropy"), ("identity", "mse"), ("tanh", "mse"),
         ("softmax", "half-sse")]


@settings(max_examples=60, deadline=None)
@given(distinct_sizes(max_hidden=3), st.sampled_from(LAYOUTS), st.sampled_from(CASES),
       st.sampled_from(["tanh", "sigmoid", "leaky_relu"]), st.booleans(), st.sampled_from(["mean", "sum"]))
def test_plan_equations_run_and_match_the_network(case, layout, output_loss, activation, bias, reduction):
    """Evaluating every step of the plan gives its stated numeric shape and the MLP's own gradients."""
    sizes, n = case
    output, loss = output_loss
    if output == "softmax" and sizes[-1] == 1:
        output, loss = "sigmoid", "bce"
    net = MLP(sizes, activation=activation, output=output, loss=loss, layout=layout, bias=bias,
              reduction=reduction, seed=n)
    lay = get_layout(layout)
    X, Y = make_data(np.random.default_rng(n), sizes, n, loss)
    X, Y = lay.from_rows(X), lay.from_rows(Y)
    plan = shape_plan(sizes, layout=layout, batch_size=n, bias=bias, activation=activation, output=output,
                      loss=loss, reduction=reduction)
    hidden, out = hidden_activation(activation), net.output
    env = {"X": X, "Y": Y, "n": n, "np": np, "softmax": softmax, "sigmoid": sigmoid,
           activation: hidden, f"{activation}_prime": lambda z: hidden.derivative(z=z),
           f"{output}_prime": lambda z: out.derivative(z=z)}
    if output != "softmax":
        env[output] = out
    env.update(net.params)
    for step in plan.steps:
        if step.equation:
            env[step.name] = eval(step.equation, env)  # noqa: S307 - our own generated text
        assert env[step.name].shape == step.shape, step
    grads = net.gradients(X, Y)
    for name in net.params:
        np.testing.assert_allclose(env[f"d{name}"], grads[name], rtol=1e-10, atol=1e-14)


def test_plan_symbols_for_two_hidden_layers():
    plan = shape_plan([2, 3, 4, 1], layout="columns", batch_size=5)
    assert plan["W2"].symbolic == ("h2", "h1") and plan["W2"].shape == (4, 3)
    assert plan["dZ1"].equation == "dA1 * f_prime(Z1)" and plan["dZ1"].symbolic == ("h1", "n")
    assert plan["dW3"].equation == "dZ3 @ A2.T / n"
    text = str(plan)
    assert "layout 'columns'" in text and "dA2 = W3.T @ dZ3" in text


def test_plan_without_batch_size_keeps_n_symbolic():
    plan = shape_plan([2, 3, 1])
    assert plan["Z1"].shape == ("n", 3) and plan["W1"].shape == (2, 3)
    assert plan.to_dict()["steps"][0]["name"] == "X"


def test_plan_notes_equal_sizes():
    """h = n = 4 (XOR with 4 hidden units) hides transposition bugs: the plan says so."""
    assert "n = h = 4" in str(shape_plan([2, 4, 1], batch_size=4)).replace("h = n", "n = h")
    assert "note:" not in str(shape_plan([2, 4, 1], batch_size=5))
    assert shape_plan([2, 4, 1], batch_size=5).to_dict()["notes"] == []
    (note,) = shape_plan([2, 4, 1], batch_size=4).to_dict()["notes"]       # --json writes the note too
    assert note == shape_plan([2, 4, 1], batch_size=4).equal_sizes_note()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_code_reads_like_the_plan(layout):
    """Each equation of a hidden layer k in the plan is a line of that layout's functions in backprop.py,
    with layer numbers written as k: the plan's ``dW2 = dZ2 @ A1.T / n`` is ``dW[k] = dZ[k] @ A[k - 1].T / n``."""
    plan = shape_plan([2, 3, 4, 1], layout=layout)          # k = 2 is a hidden layer with one below it
    source = " ".join(inspect.getsource(FORWARD[layout]).split()) + " ".join(
        inspect.getsource(BACKWARD[layout]).split())
    as_code = {"Z2": "Z[k]", "A2": "A[k]", "W2": "W[k]", "b2": "b[k]", "dZ2": "dZ[k]", "dW2": "dW[k]",
               "db2": "db[k]", "A1": "A[k - 1]", "Z1": "Z[k - 1]", "dA1": "dA[k - 1]", "dZ1": "dZ[k - 1]"}
    for name in ("Z2", "A2", "dW2", "db2", "dA1", "dZ1"):
        line = re.sub(r"\b(d?[WbZA][12])\b", lambda m: as_code[m.group(1)], plan[name].line())
        line = line.replace("f_prime(Z[k - 1])", "f.derivative(z=Z[k - 1])")
        assert line in source, (name, line)
