"""The intermediate quantities of the reference's and a mutant's backward pass (``mutant_gradients(...,
keep=)``), named as ``shapecheck plan`` names them: the groundwork for pointing at a learner's line."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_nets import LAYOUTS, MLP, get_layout, hidden_activation, shape_plan
from reference_nets.activations import sigmoid, softmax
from shapecheck.comparison.mutants import mutant_gradients
from tests.strategies import distinct_sizes, make_data

CASES = [("sigmoid", "bce"), ("softmax", "softmax-cross-entropy"), ("tanh", "mse")]


def network_and_data(sizes, n, layout, output, loss, activation):
    net = MLP(sizes, activation=activation, output=output, loss=loss, layout=layout, seed=n)
    lay = get_layout(layout)
    X, Y = make_data(np.random.default_rng(n), sizes, n, loss)
    return net, lay.from_rows(X), lay.from_rows(Y)


@settings(max_examples=40, deadline=None)
@given(distinct_sizes(max_hidden=2), st.sampled_from(LAYOUTS), st.sampled_from(CASES),
       st.sampled_from(["tanh", "sigmoid", "leaky_relu"]))
def test_the_reference_keeps_every_quantity_of_the_plan(case, layout, output_loss, activation):
    sizes, n = case
    output, loss = output_loss
    if output == "softmax" and sizes[-1] == 1:
        output, loss = "sigmoid", "bce"
    net, X, Y = network_and_data(sizes, n, layout, output, loss, activation)
    plan = shape_plan(sizes, layout=layout, batch_size=n, activation=activation, output=output, loss=loss)
    hidden, out = hidden_activation(activation), net.output
    env = {"X": X, "Y": Y, "n": n, "np": np, "softmax": softmax, "sigmoid": sigmoid, activation: hidden,
           f"{activation}_prime": lambda z: hidden.derivative(z=z), f"{output}_prime": lambda z: out.derivative(z=z)}
    if output != "softmax":
        env[output] = out
    env.update(net.params)
    for step in plan.steps:
        if step.equation:
            env[step.name] = eval(step.equation, env)  # noqa: S307 - our own generated text
    kept = {}
    mutant_gradients(net, X, Y, frozenset(), keep=kept)
    backward = [step.name for step in plan.steps if step.phase == "backward"]
    assert backward and all(name in kept for name in backward)
    for name in backward:
        np.testing.assert_allclose(kept[name], env[name], rtol=1e-10, atol=1e-14, err_msg=name)
    np.testing.assert_allclose(kept["error"], env[f"A{len(sizes) - 1}"] - Y)


def test_a_mutant_keeps_what_its_wrong_line_computes():
    """sigmoid'(A1) instead of sigmoid'(Z1): prime1 and dZ1 are the mutant's, everything after the output
    layer's error is the same as the reference's up to that point."""
    net, X, Y = network_and_data([5, 3, 2], 7, "columns", "sigmoid", "bce", "sigmoid")
    reference, mutant = {}, {}
    mutant_gradients(net, X, Y, frozenset(), keep=reference)
    mutant_gradients(net, X, Y, frozenset({("derivative-at-activation", "hidden")}), keep=mutant)
    A1 = net.forward(X).A[1]
    np.testing.assert_allclose(mutant["prime1"], sigmoid(A1) * (1 - sigmoid(A1)))    # sigmoid'(A1)
    np.testing.assert_allclose(reference["prime1"], A1 * (1 - A1))                    # sigmoid'(Z1)
    for same in ("dZ2", "dW2", "dA1"):
        np.testing.assert_array_equal(mutant[same], reference[same])
    for different in ("prime1", "dZ1", "dW1"):
        assert not np.allclose(mutant[different], reference[different]), different


def test_stale_weights_keep_the_updated_weights_the_error_went_back_through():
    net, X, Y = network_and_data([5, 3, 2], 7, "rows", "sigmoid", "bce", "tanh")
    kept = {}
    mutant_gradients(net, X, Y, frozenset({("stale-weights", 2)}), lr=0.5, keep=kept)
    np.testing.assert_allclose(kept["W2 sent back through"], net.params["W2"] - 0.5 * kept["dW2"])
