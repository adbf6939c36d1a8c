"""``shapecheck demo``: a tour of each capability on a bundled example, in a few screens."""

from __future__ import annotations

from typing import TextIO

import numpy as np

from shapecheck.cli.common import EXIT_OK

NAME = "demo"
SEED = 0


#: Where the demo writes its page, in the folder it is run from (``--html FILE`` to choose another).
PAGE = "shapecheck-demo.html"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(NAME, help="a tour of what shapecheck does, on the XOR network")
    parser.add_argument("--html", metavar="FILE", default=PAGE,
                        help=f"where to write the tour's pictures (default: {PAGE} in the current folder)")


def run(args, out: TextIO) -> int:
    """Print the tour to ``out`` and write its pictures to ``args.html``; EXIT_OK. The learner's code of
    sections 4 to 7 is written to files of a temporary folder, as a learner's would be: the tracer and
    compare name lines only in a learner's files."""
    import os
    import tempfile

    from shapecheck.pictures.page import check_path

    page = args.html
    if page == PAGE and not os.access(os.getcwd(), os.W_OK):       # a read-only folder: the temporary one
        page = os.path.join(tempfile.gettempdir(), PAGE)
    check_path(page)                # a page that cannot be written is said before the tour, not after it
    with tempfile.TemporaryDirectory() as folder:
        return _tour(out, folder, page)


def _tour(out: TextIO, folder: str, page: str = PAGE) -> int:
    from reference_nets import MLP, datasets
    from shapecheck.gradcheck import check_network

    X, Y = datasets.xor()
    net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=SEED)
    _section(out, "1. The reference network learns XOR")
    print(f"{net}", file=out)
    print("X (4, 2) and Y (4, 1) are the XOR truth table; full-batch gradient descent, lr=1.0", file=out)
    history = net.fit(X, Y, epochs=2000, lr=1.0)
    for epoch in (1, 10, 100, 500, 1000, 2000):
        print(f"  epoch {epoch:>4}: loss {history[epoch - 1]:.4f}", file=out)
    outputs = net.forward(X).output
    for x, y, a in zip(X, Y, outputs):
        print(f"  x={x.astype(int).tolist()}  target {int(y[0])}  output {a[0]:.3f}", file=out)
    print(f"  accuracy {net.accuracy(X, Y):.0%}", file=out)

    _section(out, "2. The shape plan: every forward and backward quantity (shapecheck plan 2 4 1 -n 4)")
    print(net.shape_plan(batch_size=4), file=out)

    _section(out, "3. Its gradients against central finite differences")
    rng = np.random.default_rng(SEED)
    X_check = rng.normal(size=(5, 2))
    Y_check = (rng.random(size=(5, 1)) > 0.5).astype(float)
    print("on 5 random samples (n=5 differs from every layer width, so no shape coincides)", file=out)
    print(check_network(net, X_check, Y_check), file=out)

    learner = _import_file(_write(folder, "compare", COMPARE_LEARNER, "learner_of_section_4.py"))
    _section(out, "4. A learner's backprop, correct and with sigmoid'(A1) instead of sigmoid'(Z1)")
    _correct_and_broken(learner, net, X_check, Y_check, out)

    _section(out, "5. Fast mode finds one wrong entry among 79,510 parameters")
    _fast_mode_localisation(out)

    _section(out, "6. The shape tracer on a learner's script (shapecheck trace script.py)")
    traced = _trace_learner_script(_write(folder, "trace", LEARNER_SCRIPT), out)

    _section(out, "7. A learner's backprop compared with the reference: which bug is it?")
    _compare_learner(learner, net, X_check, Y_check, out)

    _section(out, "8. The same, drawn (shapecheck trace --html FILE, shapecheck plan --html FILE)")
    _write_pictures(page, traced, net.shape_plan(batch_size=4))
    print(f"picture: {page}: section 6's failure and its fix, that run's products in the order they ran, and "
          "section 2's plan, each array a box sized by its shape; open it in a browser", file=out)
    return EXIT_OK


def _write_pictures(path: str, traced, plan) -> None:
    """One page: the traced script's drawings, then the plan's."""
    from html import escape

    from shapecheck.pictures.page import text_block, write_page
    from shapecheck.pictures.plan_view import plan_html, plan_title
    from shapecheck.pictures.trace_view import trace_html

    body = (f"<h2>6. shapecheck trace learner.py</h2><p class='sc-summary'><b>{escape(traced.summary)}</b></p>"
            f"{trace_html(traced)}{text_block(str(traced))}<h2>2. {escape(plan_title(plan))}</h2>{plan_html(plan)}")
    write_page(path, "shapecheck demo: the pictures", body)


def _write(folder: str, subfolder: str, text: str, name: str = "learner.py") -> str:
    """``text`` written to ``folder/subfolder/name``; returns its path (section 4's learner has a name of
    its own, so that section 7's line is not looked for in section 6's learner.py)."""
    import os

    os.makedirs(os.path.join(folder, subfolder))
    path = os.path.join(folder, subfolder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _import_file(path: str):
    """The module of the Python file at ``path`` (not added to sys.modules)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_shapecheck_demo_learner", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compare_learner(learner, net, X, Y, out: TextIO) -> None:
    from shapecheck.comparison.api import compare

    params = {name: value.copy() for name, value in net.params.items()}
    for bug in (False, True):
        report = compare(X, Y, params=params,           # nothing else: layout, activations and loss are inferred
                         gradients=learner.backprop(params, derivative_at_activation=bug))
        label = "the broken learner of section 4" if bug else "the correct learner of section 4"
        print(f"{label}:\n{report}\n", file=out)


#: The learner of sections 4 and 7, in a file of its own: compare names a line only in the learner's
#: files, never in shapecheck's, and only when the callable it is given is defined there.
COMPARE_LEARNER = '''from reference_nets.activations import sigmoid


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def gradients(params, X, Y, derivative_at_activation=False):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    Z1 = X @ W1 + b1
    A1 = sigmoid(Z1)
    A2 = sigmoid(A1 @ W2 + b2)
    dZ2 = A2 - Y
    if derivative_at_activation:
        dZ1 = (dZ2 @ W2.T) * sigmoid_prime(A1)
    else:
        dZ1 = (dZ2 @ W2.T) * sigmoid_prime(Z1)
    return {"W1": X.T @ dZ1 / n, "b1": dZ1.sum(axis=0, keepdims=True) / n,
            "W2": A1.T @ dZ2 / n, "b2": dZ2.sum(axis=0, keepdims=True) / n}


def backprop(params, derivative_at_activation=False):
    return lambda X, Y: gradients(params, X, Y, derivative_at_activation)
'''


LEARNER_SCRIPT = '''import numpy as np

class TwoLayerNet:
    def __init__(self, d, h, t, seed=0):
        rng = np.random.default_rng(seed)
        self.W1, self.W2 = rng.normal(size=(d, h)), rng.normal(size=(h, t))

    def forward(self, X):
        self.A1 = np.tanh(X @ self.W1)                  # cached for backward
        return self.A1 @ self.W2

    def backward(self, X, Y):
        dZ2 = self.forward(X) - Y
        dZ1 = dZ2 * (1 - self.A1 ** 2)                  # forgot "@ self.W2.T"
        return X.T @ dZ1

rng = np.random.default_rng(1)
X, y = rng.normal(size=(7, 5)), rng.normal(size=7)      # y is (7,), not (7, 1)
net = TwoLayerNet(5, 3, 2)
residual = net.forward(X)[:, :1] - y                    # (7, 1) - (7,) -> (7, 7), silently
net.backward(X, rng.normal(size=(7, 2)))
'''


def _trace_learner_script(path: str, out: TextIO):
    import io

    from shapecheck.tracing.runner import trace_script

    print("the script:", file=out)
    for number, line in enumerate(LEARNER_SCRIPT.splitlines(), start=1):
        print(f"  {number:>2}  {line}", file=out)
    report = trace_script(path, stderr=io.StringIO())     # the traceback itself is not shown here
    print(f"\n{report.render()}", file=out)
    return report


def _correct_and_broken(learner, net, X, Y, out: TextIO) -> None:
    from tabulate import tabulate

    from shapecheck.gradcheck import check_gradients

    def loss(_params):
        return net.loss(X, Y)

    reports = [check_gradients(loss, net.params, learner.gradients(net.params, X, Y, derivative_at_activation=bug))
               for bug in (False, True)]
    table = [[good.name, good.status, f"{good.max_rel_error:.1e}", bad.status, f"{bad.max_rel_error:.1e}",
              "" if bad.status == "ok" else str(list(bad.worst_index))]
             for good, bad in zip(*(report.rows for report in reports))]
    print(tabulate(table, headers=["tensor", "correct", "rel err", "broken", "rel err", "worst index"],
                   disable_numparse=True), file=out)
    print(f"broken: {reports[1].summary}", file=out)


def _fast_mode_localisation(out: TextIO) -> None:
    from reference_nets import MLP
    from shapecheck.gradcheck import check_gradients

    rng = np.random.default_rng(SEED)
    X, Y = rng.normal(size=(16, 784)), np.eye(10)[rng.integers(0, 10, 16)]
    net = MLP([784, 100, 10], activation="tanh", output="softmax", loss="softmax-cross-entropy", seed=SEED)
    grads = net.gradients(X, Y)
    grads["W1"][700, 37] += 1e-4                                  # one wrong entry
    report = check_gradients(lambda _p: net.loss(X, Y), net.params, grads, mode="fast")
    row = report["W1"]
    print(f"planted: W1[700, 37] off by 1e-4; found: {row.name}{list(row.worst_index)} "
          f"({row.status}), {report.evaluations} loss evaluations in all for 4 tensors "
          f"(a full check needs {2 * sum(p.size for p in net.params.values()) + 1})", file=out)


def _section(out: TextIO, title: str) -> None:
    print(f"\n== {title} ==", file=out)
