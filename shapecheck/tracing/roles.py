"""What a name says about its role in a network: data, weights, an activation, an error.

The tracer sees shapes, not meanings; names fill the gap where a suggestion needs one. A fix may send an
error back through the weights (``dZ2 @ W2.T``), never through the data (``X``, ``Y_train``, ``inputs``),
and never through an activation; the network's layout is read from the product that involves the data.
These are heuristics for suggestions only: nothing is flagged on a name alone.
"""

from __future__ import annotations

import re


_DATA_WORDS = ("input", "target", "label", "train", "test", "data", "batch", "sample", "feature")


def looks_like_data(text: str) -> bool:
    """``X``, ``Y``, ``X_train``, ``datasetX``, ``self.input``, ``targets``: the learner's data (or a cache
    of it), never the weights an error is sent back through."""
    last = text.split(".")[-1].lower().strip("_")
    bare = re.sub(r"[\d_]+", "", last)
    return bare in ("x", "y", "xs", "ys", "xb", "yb") or re.match(r"[xy]_", last) is not None \
        or any(word in last for word in _DATA_WORDS)


def looks_like_weights(text: str) -> bool:
    """``W2``, ``w1``, ``self.weights[1]``, ``wih``/``who``, ``syn0``, ``theta1``, ``self.__w1``: named as weights."""
    last = text.split(".")[-1].lower().strip("_")
    return re.match(r"(w|theta|syn|kernel)", last) is not None or "weight" in last


def looks_like_signal(text: str) -> bool:
    """``A1``, ``z2``, ``hidden``, ``out``, ``delta``, ``error1``, ``dZ2``: a signal flowing through the network
    (an activation, a pre-activation or an error), never what an error is sent back through."""
    last = text.split(".")[-1].lower().strip("_")
    return re.match(r"(a|z|d|h|delta|err|out|grad|pred|prob|score|act|sig|layer|l\d)", last) is not None


def looks_like_error(text: str) -> bool:
    """``delta2``, ``dZ2``, ``error``, ``grad_out``, ``d_hidden``: the error being sent back."""
    last = text.split(".")[-1].strip("_")
    return re.match(r"(delta|err|grad|d[A-Z_]|d[a-z]\d|dz|da|dout|dh)", last, re.IGNORECASE) is not None \
        and not last.lower().startswith("data")


def is_dotted_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))
