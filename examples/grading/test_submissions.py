"""Check every submission against the reference network on hypothesis-drawn architectures and data.

    pytest examples/grading             # or, for a large class: pytest examples/grading -n auto
"""

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck import strategies as sst
from shapecheck.testing import assert_matches_reference

SUBMISSIONS = sorted((Path(__file__).parent / "submissions").glob("*.py"))


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", SUBMISSIONS, ids=lambda path: path.stem)
@settings(max_examples=15)                  # conftest.py loads the shapecheck profile: no explain phase
@given(sizes=sst.layer_sizes(min_hidden=1, max_hidden=1, min_width=2, max_width=9), seed=st.integers(0, 999),
       data=st.data())
def test_submission_matches_the_reference(path, sizes, seed, data):
    submission = load(path)
    layer_sizes, n = sizes
    spec = sst.MLPSpec(layer_sizes, n, "sigmoid", "sigmoid", "bce", submission.LAYOUT)
    X, Y = data.draw(sst.batches(spec))
    params = submission.init(layer_sizes, seed)
    assert_matches_reference(X, Y, params=params, gradients=lambda X, Y: submission.backward(params, X, Y),
                             activation="sigmoid", output="sigmoid", loss="bce", layout=submission.LAYOUT)
