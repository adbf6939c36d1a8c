"""The full check judges every tensor's entries at once (``entries.judge_many``); each row must be the row the
per-tensor judgement (``entries._entry_row``, which judges failing tensors) gives, field for field, bit for bit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecheck.gradcheck import entries
from shapecheck.gradcheck.methods import METHODS, entry_estimates

H, BASE, RTOL, ATOL, EPS = 1e-6, 1.3, 1e-5, 1e-8, float(np.finfo(float).eps)
SHAPES = [(3,), (2, 5), (7, 1), (1, 4), (4, 3), (1,)]


def moves(slopes, curvature):
    """The losses and realised steps of central differences at every entry: ``(P, 2)`` each."""
    realised = np.column_stack([np.full(len(slopes), H), np.full(len(slopes), -H)])
    losses = BASE + slopes[:, None] * realised + curvature[:, None] * realised ** 2
    return losses, realised


def per_tensor_rows(tensors, losses, realised):
    numeric, forward, backward = entry_estimates(METHODS["central"], losses.reshape(-1), realised.reshape(-1), H,
                                                 BASE)
    error = entries.error_estimate(METHODS["central"], losses.reshape(-1), realised.reshape(-1), BASE, EPS)
    rows, start = [], 0
    for t, name, array, grad, indices in tensors:
        part = slice(start, start + len(indices))
        numerics = (numeric[part], forward[part], backward[part], error[part])
        rows.append(entries._entry_row(None, t, name, array, grad, indices, numerics, METHODS["central"], H, BASE,
                                       RTOL, ATOL, EPS, None))
        start += len(indices)
    return rows


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4), st.integers(0, 2 ** 32 - 1),
       st.sampled_from(["fine", "zeros", "one wrong", "kink"]), st.booleans())
def test_every_row_judged_at_once_is_the_row_judged_alone(shapes, seed, case, flat_analytic):
    rng = np.random.default_rng(seed)
    sizes = [int(np.prod(shape)) for shape in shapes]
    slopes = rng.normal(size=sum(sizes)) * 10.0 ** rng.integers(-4, 2, size=sum(sizes))
    curvature = rng.normal(size=sum(sizes))
    analytic = slopes * (1 + RTOL * 0.05 * rng.uniform(-1, 1, size=slopes.size))
    if case == "zeros":                    # some zero gradients: atol decides them, and a tensor may be all zero
        zero = rng.random(slopes.size) < 0.5
        slopes[zero] = analytic[zero] = 0.0
    elif case == "one wrong":              # one entry off: its tensor goes through the whole judgement
        analytic[rng.integers(slopes.size)] *= 1.5
    losses, realised = moves(slopes, curvature)
    if case == "kink":                     # one-sided slopes that disagree at one entry (ReLU at 0)
        k = rng.integers(slopes.size)
        losses[k] = [BASE + H * abs(slopes[k]), BASE + H * abs(slopes[k])]
    tensors, start = [], 0
    for t, (shape, size) in enumerate(zip(shapes, sizes)):
        grad = analytic[start:start + size].reshape(shape)
        tensors.append((t, f"T{t}", np.zeros(shape), grad, np.arange(size)))
        start += size
    together = entries.judge_many(None, tensors, losses, realised, analytic if flat_analytic else None,
                                   METHODS["central"], H, BASE, RTOL, ATOL, EPS, None)
    assert together == per_tensor_rows(tensors, losses, realised)
