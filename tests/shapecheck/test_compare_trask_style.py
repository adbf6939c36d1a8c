"""compare on a learner in the style of a well-known textbook: per-sample updates of module-level
``weights_0_1``/``weights_1_2`` through ``.dot``, no biases, ReLU, a summed squared error without the 1/2, and
``layer_2_delta = layer_2 - goal`` (the 2 of the derivative left out, as the book does)."""

import numpy as np

import shapecheck

alpha = 0.2
weights_0_1 = np.zeros((3, 4))
weights_1_2 = np.zeros((4, 1))


def relu(x):
    return (x > 0) * x


def relu2deriv(output):
    return output > 0


def train(layer_0, goal):
    global weights_0_1, weights_1_2
    layer_1 = relu(np.dot(layer_0, weights_0_1))
    layer_2 = np.dot(layer_1, weights_1_2)
    layer_2_delta = layer_2 - goal
    layer_1_delta = layer_2_delta.dot(weights_1_2.T) * relu2deriv(layer_1)
    weights_1_2 -= alpha * layer_1.T.dot(layer_2_delta)
    weights_0_1 -= alpha * layer_0.T.dot(layer_1_delta)


def train_stale(layer_0, goal):
    global weights_0_1, weights_1_2
    layer_1 = relu(np.dot(layer_0, weights_0_1))
    layer_2 = np.dot(layer_1, weights_1_2)
    layer_2_delta = layer_2 - goal
    weights_1_2 -= alpha * layer_1.T.dot(layer_2_delta)       # locate: updated before the error goes back
    layer_1_delta = layer_2_delta.dot(weights_1_2.T) * relu2deriv(layer_1)   # locate: through the new weights
    weights_0_1 -= alpha * layer_0.T.dot(layer_1_delta)


def cost(layer_0, goal):
    return float(np.sum((relu(layer_0 @ weights_0_1) @ weights_1_2 - goal) ** 2))


def _setup(seed=1):
    rng = np.random.default_rng(seed)
    weights_0_1[...] = 2 * rng.random((3, 4)) - 1
    weights_1_2[...] = 2 * rng.random((4, 1)) - 1
    X = np.array([[1.0, 0.0, 1.0]])
    return X, np.array([[1.0]])


def test_the_left_out_2_of_the_squared_error_is_the_cause_said_first():
    X, Y = _setup()
    report = shapecheck.compare(X, Y, params=[weights_0_1, weights_1_2], step=train, lr=alpha, loss_fn=cost)
    assert report.verdict == "mismatch" and [d.bug for d in report.diagnoses] == ["wrong-scale"]
    first_line = str(report).splitlines()[0]
    assert "off by a constant factor 0.5" in first_line
    assert first_line.index("the squared error's 2 left out") < first_line.index("a 1/2 too many")


def test_weights_updated_before_the_error_goes_back_are_named_at_both_lines():
    X, Y = _setup()
    report = shapecheck.compare(X, Y, params=[weights_0_1, weights_1_2], step=train_stale, lr=alpha,
                                loss_fn=cost)
    assert [d.bug for d in report.diagnoses] == ["stale-weights + wrong-scale"]     # (the book's left-out 2 too)
    text = str(report)
    for marker in ("# locate: updated before", "# locate: through the new weights"):
        assert marker in text
