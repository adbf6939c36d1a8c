"""Style (2): a no-bias class with ``wih``/``who``, ``+=`` updates and ``error = targets - outputs``.

Imitates the habits of Tariq Rashid's "Make Your Own Neural Network" code (makeyourownneuralnetwork
and the many ``class neuralNetwork`` copies on GitHub): node counts ``inodes/hnodes/onodes``, weights
``wih (hnodes, inodes)`` and ``who (onodes, hnodes)`` drawn with ``normal(0, pow(n, -0.5))``, NO biases,
``self.lr``, sigmoid everywhere, samples as COLUMNS (``numpy.dot(self.wih, inputs)``), targets 0.01/0.99,
``output_errors = targets - final_outputs`` and ``self.who += self.lr * ...``. The loss is the summed half
squared error 1/2 * sum (targets - outputs)^2; the code has no cost function, so compare gets no loss_fn.

Written for this corpus (not copied). 6 inputs, 4 hidden, 3 outputs, 8 samples.

Planted bugs:
- missing-output-derivative: ``hidden_errors = numpy.dot(self.who.T, output_errors)`` splits the raw
  output error back, without the output sigmoid's derivative (this is how the book writes it);
- stale-weights: ``self.who`` is updated before the hidden errors are sent back through it;
- sign-flip: ``output_errors = final_outputs - targets`` with the ``+=`` update kept.
"""

import numpy

from ._state import step_gradients, marked_lines

INPUTS, HIDDEN, OUTPUTS, N = 6, 4, 3, 8
SEED = 22
CACHING = False

BUGS = {"correct": "match", "missing-output-derivative": "missing-output-derivative",
        "stale-weights": "stale-weights", "sign-flip": "sign-flip"}


class neuralNetwork:

    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate, seed=0, bug="correct"):
        self.inodes = inputnodes
        self.hnodes = hiddennodes
        self.onodes = outputnodes
        rng = numpy.random.default_rng(seed)
        self.wih = rng.normal(0.0, pow(self.hnodes, -0.5), (self.hnodes, self.inodes))
        self.who = rng.normal(0.0, pow(self.onodes, -0.5), (self.onodes, self.hnodes))
        self.lr = learningrate
        self.activation_function = lambda x: 1.0 / (1.0 + numpy.exp(-x))
        self._bug = bug

    def train(self, inputs_list, targets_list):
        """One update on a batch held as columns: inputs (inodes, n), targets (onodes, n)."""
        inputs = numpy.array(inputs_list, ndmin=2)
        targets = numpy.array(targets_list, ndmin=2)

        hidden_inputs = numpy.dot(self.wih, inputs)
        hidden_outputs = self.activation_function(hidden_inputs)
        final_inputs = numpy.dot(self.who, hidden_outputs)
        final_outputs = self.activation_function(final_inputs)

        if self._bug == "sign-flip":
            output_errors = final_outputs - targets           # BUG, and still `+=` below; locate: sign-flip
        else:
            output_errors = targets - final_outputs
        output_gradient = output_errors * final_outputs * (1.0 - final_outputs)

        if self._bug == "stale-weights":
            self.who += self.lr * numpy.dot(output_gradient, numpy.transpose(hidden_outputs))  # locate: stale-weights
            hidden_errors = numpy.dot(self.who.T, output_gradient)     # BUG: the new who; locate: stale-weights
        elif self._bug == "missing-output-derivative":
            hidden_errors = numpy.dot(self.who.T, output_errors)       # BUG: no sigmoid' of the output; locate: missing-output-derivative
        else:
            hidden_errors = numpy.dot(self.who.T, output_gradient)

        if self._bug != "stale-weights":
            self.who += self.lr * numpy.dot(output_gradient, numpy.transpose(hidden_outputs))  # locate: sign-flip
        self.wih += self.lr * numpy.dot(hidden_errors * hidden_outputs * (1.0 - hidden_outputs),  # locate: sign-flip
                                        numpy.transpose(inputs))

    def query(self, inputs_list):
        inputs = numpy.array(inputs_list, ndmin=2)
        hidden_outputs = self.activation_function(numpy.dot(self.wih, inputs))
        return self.activation_function(numpy.dot(self.who, hidden_outputs))


def make(bug: str) -> dict:
    rng = numpy.random.default_rng(SEED + 1)
    inputs = rng.random((INPUTS, N)) * 0.99 + 0.01                # scaled into 0.01 .. 1.00
    targets = numpy.zeros((OUTPUTS, N)) + 0.01
    targets[rng.integers(0, OUTPUTS, N), numpy.arange(N)] = 0.99
    n = neuralNetwork(INPUTS, HIDDEN, OUTPUTS, 0.3, seed=SEED, bug=bug)
    return {"X": inputs, "Y": targets, "params": n, "step": n.train}


def own_loss(kwargs):
    """The summed half squared error the update descends (the code itself has no cost function)."""
    net, X, Y = kwargs["params"], kwargs["X"], kwargs["Y"]
    return lambda: float(0.5 * numpy.sum((Y - net.query(X)) ** 2))


def own_gradients(kwargs):
    net = kwargs["params"]
    return step_gradients(net, [("wih",), ("who",)], kwargs["step"], kwargs["X"], kwargs["Y"], net.lr)


#: The lines compare names for each planted bug (the "locate" comments; issue 15).
LINES = marked_lines(__file__)
