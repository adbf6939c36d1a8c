"""compare() on a course notebook's network, as learners write it: habits compare once misread.

- the single output's weights are kept 1-d, ``weights_hidden_output (h,)``, with 1-d targets ``(n,)``;
- the step uses momentum in the moving-average form, ``v = beta * v + (1 - beta) * g``;
- the object holds ``learnrate`` and an ``alpha`` that is not a learning rate (a leaky slope kept for later).

Nothing is declared: compare reads the 1-d weights as the last layer, takes the rate the step uses, divides
out the momentum's ``1 - beta`` and names the bug. It says how it knows each of these in its notes.

Run:  python examples/compare/course_notebook.py
      shapecheck compare examples/compare/course_notebook.py:factory_buggy
"""

import numpy as np

import shapecheck


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class Notebook:
    def __init__(self, n_features, n_hidden, bug=None, seed=0):
        rng = np.random.default_rng(seed)
        self.weights_input_hidden = rng.normal(scale=n_features ** -0.5, size=(n_features, n_hidden))
        self.weights_hidden_output = rng.normal(scale=n_features ** -0.5, size=n_hidden)
        self.velocity_input_hidden = np.zeros((n_features, n_hidden))
        self.velocity_hidden_output = np.zeros(n_hidden)
        self.learnrate, self.beta, self.alpha = 0.5, 0.9, 0.01
        self.bug = bug

    def train_epoch(self, features, targets):
        """One update over all records: the loop accumulates each record's step, averaged at the end."""
        del_ih = np.zeros(self.weights_input_hidden.shape)
        del_ho = np.zeros(self.weights_hidden_output.shape)
        for x, y in zip(features, targets):
            hidden = sigmoid(np.dot(x, self.weights_input_hidden))
            output = sigmoid(np.dot(hidden, self.weights_hidden_output))
            error_term = (y - output) * output * (1 - output)
            back = (y - output) if self.bug == "missing-output-derivative" else error_term
            del_ho += error_term * hidden
            del_ih += (back * self.weights_hidden_output * hidden * (1 - hidden)) * x[:, None]
        n = len(features)
        for weights, velocity, delta in ((self.weights_input_hidden, self.velocity_input_hidden, del_ih),
                                         (self.weights_hidden_output, self.velocity_hidden_output, del_ho)):
            velocity[...] = self.beta * velocity + (1 - self.beta) * delta / n
            weights += self.learnrate * velocity

    def loss(self, features, targets):
        hidden = sigmoid(np.dot(features, self.weights_input_hidden))
        return float(0.5 * np.mean((sigmoid(np.dot(hidden, self.weights_hidden_output)) - targets) ** 2))


def make(bug=None):
    """compare's arguments, as the learner has them: the object, its data, its training step, its loss."""
    rng = np.random.default_rng(3)
    net = Notebook(4, 3, bug=bug)
    features, targets = rng.normal(size=(9, 4)), (rng.random(9) > 0.5).astype(float)
    return dict(X=features, Y=targets, params=net, step=net.train_epoch, loss_fn=net.loss)


def factory():
    return make()


def factory_buggy():
    return make("missing-output-derivative")


if __name__ == "__main__":
    for bug in (None, "missing-output-derivative"):
        report = shapecheck.compare(**make(bug))
        print(f"--- learner with {bug or 'no bug'}\n{report}\n")
