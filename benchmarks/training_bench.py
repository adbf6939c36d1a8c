"""Reference training speed: reference_nets.MLP.fit against scikit-learn's MLPClassifier, per epoch.

Same architecture [64, 32, 10] (tanh, softmax + cross-entropy), same data (10,000 x 64 blobs), same
batch size, plain SGD (no momentum, no L2, no early stopping). Target: no slower than scikit-learn.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reference_nets import MLP, datasets  # noqa: E402


def competitors(*, samples: int = 10_000, epochs: int = 3, batch_size: int = 64):
    X, labels = datasets.blobs(samples, centers=10, dims=64, seed=0, labels=True)
    Y = np.eye(10)[labels]

    def reference():
        net = MLP([64, 32, 10], activation="tanh", output="softmax", loss="softmax-cross-entropy", seed=0)
        net.fit(X, Y, epochs=epochs, lr=0.05, batch_size=batch_size)
        return epochs

    out = {"reference_nets.MLP.fit": reference}
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        def sklearn():
            classifier = MLPClassifier(hidden_layer_sizes=(32,), activation="tanh", solver="sgd",
                                       learning_rate_init=0.05, momentum=0.0, nesterovs_momentum=False,
                                       batch_size=batch_size, alpha=0.0, max_iter=epochs, shuffle=True,
                                       early_stopping=False, tol=0.0, n_iter_no_change=10**6, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                classifier.fit(X, labels)
            return epochs

        out["scikit-learn MLPClassifier"] = sklearn
    except ImportError:
        out["scikit-learn MLPClassifier"] = None
    return out
