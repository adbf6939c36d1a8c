"""reference_nets stands alone: a copy of its folder, with shapecheck not importable, trains and computes gradients."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

#: Run in a child process whose only copy of our code is reference_nets/ in its working directory.
CHILD = r'''
import sys


class NoShapecheck:
    """Any import of shapecheck (or tabulate, which only prints tables) fails, as it would where a learner
    copied reference_nets/ beside numpy alone."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("shapecheck", "tabulate"):
            raise ImportError(f"{name} is not importable here")
        return None


sys.meta_path.insert(0, NoShapecheck())
import numpy as np

import reference_nets
from reference_nets import MLP, datasets, shape_plan
from reference_nets.errors import ReferenceNetsError, ShapeError

assert reference_nets.__file__.startswith(sys.argv[1]), reference_nets.__file__

X, Y = datasets.xor()
net = MLP([2, 4, 1], activation="sigmoid", output="sigmoid", loss="bce", seed=0)
history = net.fit(X, Y, epochs=2000, lr=1.0)
assert history[-1] < 0.1 and net.accuracy(X, Y) == 1.0, history[-1]

rng = np.random.default_rng(0)
for layout in ("rows", "columns", "columns-wT"):
    net = MLP([5, 3, 2], activation="tanh", output="softmax", loss="softmax-cross-entropy", layout=layout, seed=1)
    Xs, labels = rng.normal(size=(7, 5)), rng.integers(0, 2, 7)
    Ys = np.eye(2)[labels]
    if layout != "rows":
        Xs, Ys = Xs.T, Ys.T
    grads = net.gradients(Xs, Ys)
    assert {k: v.shape for k, v in grads.items()} == net.param_shapes
    W = net.params["W1"]
    W[0, 1] += 1e-6
    up = net.loss(Xs, Ys)
    W[0, 1] -= 2e-6
    down = net.loss(Xs, Ys)
    W[0, 1] += 1e-6
    assert abs((up - down) / 2e-6 - grads["W1"][0, 1]) < 1e-7
    moved = net.perturbed_losses(Xs, Ys, ["W1"], [0], [1], [1e-6])
    assert abs(moved[0] - up) < 1e-12

print(shape_plan([5, 3, 2], layout="columns", batch_size=7)["dW2"].line())
try:
    net.load_params({"W1": np.ones((2, 2))})
except ReferenceNetsError as error:
    assert isinstance(error, ValueError) and error.to_dict()["error"] == "ParameterError"
try:
    MLP([2, 3, 1], activation="tanh", output="sigmoid", loss="bce").loss(np.ones((4, 3)), np.ones((4, 1)))
except ShapeError as error:
    print("ShapeError:", error)
assert not [name for name in sys.modules if name.startswith("shapecheck")]
print("standalone ok")
'''


def test_reference_nets_runs_without_shapecheck(tmp_path):
    shutil.copytree(ROOT / "reference_nets", tmp_path / "reference_nets",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={"PATH": "", "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "dW2 = dZ2 @ A1.T / n"
    assert lines[1].startswith("ShapeError: X has shape (4, 3)")
    assert lines[-1] == "standalone ok"
