"""Float-network learners (a blog's first network, its habits in our own code) with planted mistakes.

Each mistake rewrites the lines marked ``# PLANT:<mark>`` in a corpus file; the variant is written to a file
of its own (compare names its lines) and imported. ``MISTAKES`` maps a mistake to (the bug id compare must
name, {mark: the new right-hand side or statement}).
"""

from __future__ import annotations

import importlib.util
import pathlib
import re

import numpy as np

CORPUS = pathlib.Path(__file__).parent / "float_corpus"

#: corpus file -> {mistake: (bug id, {mark: replacement of the marked line's code})}
MISTAKES = {
    "blog_floats": {
        "derivative-at-activation": ("derivative-at-activation", {
            "h1-w1": "d_h1_d_w1 = x[0] * deriv_sigmoid(h1)", "h1-w2": "d_h1_d_w2 = x[1] * deriv_sigmoid(h1)",
            "h1-b1": "d_h1_d_b1 = deriv_sigmoid(h1)", "h2-w3": "d_h2_d_w3 = x[0] * deriv_sigmoid(h2)",
            "h2-w4": "d_h2_d_w4 = x[1] * deriv_sigmoid(h2)", "h2-b2": "d_h2_d_b2 = deriv_sigmoid(h2)"}),
        "sign-flip": ("sign-flip", {"output-error": "d_L_d_ypred = 2 * (y_true - y_pred)"}),
        "missing-output-derivative": ("missing-output-derivative", {
            "back-h1": "d_ypred_d_h1 = self.w5", "back-h2": "d_ypred_d_h2 = self.w6"}),
        "missing-2": ("wrong-scale", {"output-error": "d_L_d_ypred = -(y_true - y_pred)"}),
        "one-over-n": ("wrong-scale", {"output-error": "d_L_d_ypred = -2 * (y_true - y_pred) / len(all_y_trues)"}),
        "wrong-unit": ("wrong-unit", {
            "update-w3": "self.w3 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h2_d_w3"}),
    },
    "lesson_floats": {
        "derivative-at-activation": ("derivative-at-activation", {
            "delta-h1": "delta_h1 = delta_out * self.v1 * sigmoid(h1) * (1 - sigmoid(h1))",
            "delta-h2": "delta_h2 = delta_out * self.v2 * sigmoid(h2) * (1 - sigmoid(h2))"}),
        "sign-flip": ("sign-flip", {"error": "error = target - out"}),
        "missing-output-derivative": ("missing-output-derivative", {
            "delta-h1": "delta_h1 = error * self.v1 * h1 * (1 - h1)",
            "delta-h2": "delta_h2 = error * self.v2 * h2 * (1 - h2)"}),
        "factor-2": ("wrong-scale", {"error": "error = 2 * (out - target)"}),
        "one-over-n": ("wrong-scale", {"error": "error = (out - target) / len(X)"}),
        "wrong-unit": ("wrong-unit", {"update-v2": "self.v2 -= self.learn_rate * delta_out * h1"}),
    },
    # review 25: updates by += (the error is y - o); the flip reassigns the error after the correct line
    "review_plus_updates": {
        "sign-flip": ("sign-flip", {"reassign": "err = o - y"}),
        "wrong-unit": ("wrong-unit", {"update-w4": "self.w4 += self.learning_rate * delta_2 * x[1]"}),
    },
    # review 25: tanh hidden units, each derivative on a line of its own that the deltas then read
    "review_tanh": {
        "derivative-at-activation": ("derivative-at-activation", {
            "t1": "t1 = 1 - np.tanh(h1) ** 2", "t2": "t2 = 1 - np.tanh(h2) ** 2"}),
    },
    # review 25: a mean squared error without the 1/2, so a correct -2 * (y - p) (test_compare_floats declares
    # loss="mse" for it too)
    "review_no_half": {},
    # review 25: 3 hidden units; test_compare_floats plants a derivative at the activation in u1 alone too
    "review_one_unit": {
        "sign-flip": ("sign-flip", {"dL": "dL = 2 * (y - out)"}),
        "wrong-unit": ("wrong-unit", {"update-w5": "self.w5 -= self.eta * gc * x[1]"}),
    },
}

#: corpus file -> (the class, its forward method, its loss over the data)
NETWORKS = {"blog_floats": ("TinyNet", "feedforward", "mse_loss"),
            "lesson_floats": ("ThreeInputNet", "predict", "half_mse"),
            "review_plus_updates": ("Net", "forward", "half_sse"), "review_tanh": ("TinyNet", "predict", "half_sse"),
            "review_no_half": ("ThreeHidden", "feedforward", "mse_no_half"),
            "review_one_unit": ("Net3", "feedforward", "mse_no_half")}
#: corpus file -> its hidden activation, when not sigmoid
HIDDEN = {"review_tanh": "tanh"}


def variant(name: str, mistake: str | None, directory) -> tuple:
    """The corpus file ``name`` with ``mistake`` planted, written under ``directory`` and imported: (module,
    {mark: line number of the planted line})."""
    text = (CORPUS / f"{name}.py").read_text()
    lines, planted = text.splitlines(), {}
    for number, line in enumerate(lines, start=1):
        mark = re.search(r"# PLANT:([\w-]+)", line)
        planting = MISTAKES[name][mistake][1] if mistake is not None else {}
        if mark and mark.group(1) in planting:
            indent = line[:len(line) - len(line.lstrip())]
            lines[number - 1] = indent + planting[mark.group(1)]
            planted[mark.group(1)] = number
    path = pathlib.Path(directory) / f"{name}_{(mistake or 'correct').replace('-', '_')}.py"
    path.write_text("\n".join(lines) + "\n")
    return load(path), planted


def load(path):
    """The learner's file imported as a module of its own."""
    path = pathlib.Path(path)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: (weight, height) style data, as the blog centres it, and a 3-input set (pairwise-distinct sizes: 5 and 7)
DATA = {"blog_floats": (np.array([[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0], [3.0, 0.5]]) / 10,
                        np.array([1.0, 0.0, 0.0, 1.0, 0.0])),
        "lesson_floats": (np.random.default_rng(11).normal(size=(7, 3)),
                          np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])),
        "review_plus_updates": (np.random.default_rng(2).normal(size=(5, 3)), np.array([0.0, 1.0, 1.0, 0.0, 1.0])),
        "review_tanh": (np.array([[0.5, -1.2], [1.5, 0.3], [-0.7, 0.9], [0.2, 2.0], [-1.1, -0.4]]),
                        np.array([0.0, 1.0, 1.0, 0.0, 1.0])),
        "review_no_half": (np.array([[0.3, -0.8], [1.1, 0.4], [-1.4, 0.2], [0.6, 1.7], [-0.2, -1.3], [0.9, -0.1],
                                     [1.6, 1.0]]), np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0])),
        "review_one_unit": (np.random.default_rng(5).normal(size=(6, 3)), np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0]))}


def arguments(name, module, *, hints: bool) -> tuple:
    """(the network, compare's keyword arguments): with the activations declared, or with only the
    learner's own loss over the data. Nothing else: the blog's train keeps its learning rate local, the
    lesson's is on the object."""
    cls, forward, loss = NETWORKS[name]
    net = getattr(module, cls)()
    X, Y = DATA[name]
    kwargs = dict(X=X, Y=Y, params=net, step=net.train)
    if hints:
        kwargs.update(activation=HIDDEN.get(name, "sigmoid"), output="sigmoid")
    else:
        kwargs["loss_fn"] = lambda X, Y: getattr(module, loss)(Y, np.apply_along_axis(getattr(net, forward), 1, X))
    return net, kwargs
