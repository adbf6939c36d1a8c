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


def per_tensor_rows(tensors, losses, realised, atol):
    numeric, forward, backward = entry_estimates(METHODS["central"], losses.reshape(-1), realised.reshape(-1), H,
                                                 BASE)
    error = entries.error_estimate(METHODS["central"], losses.reshape(-1), realised.reshape(-1), BASE, EPS)
    rows, start = [], 0
    for t, name, array, grad, indices in tensors:
        part = slice(start, start + len(indices))
        numerics = (numeric[part], forward[part], backward[part], error[part])
        rows.append(entries._entry_row(None, t, name, array, grad, indices, numerics, METHODS["central"], H, BASE,
                                       RTOL, atol, EPS, None))
        start += len(indices)
    return rows


#: one long tensor among short ones
UNEVEN = [(30, 25), (1,), (2,), (1,)]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4), st.just(UNEVEN)),
       st.integers(0, 2 ** 32 - 1),
       st.sampled_from(["fine", "zeros", "one wrong", "kink", "not finite", "loss not finite"]),
       st.sampled_from(["every entry, flat gradient", "every entry", "a sample of entries"]),
       st.sampled_from([ATOL, 0.0]))
def test_every_row_judged_at_once_is_the_row_judged_alone(shapes, seed, case, entries_checked, atol):
    rng = np.random.default_rng(seed)
    tensors, checked = [], []
    for t, shape in enumerate(shapes):
        size = int(np.prod(shape))
        indices = np.arange(size) if entries_checked != "a sample of entries" else \
            np.sort(rng.choice(size, size=rng.integers(1, size + 1), replace=False))
        tensors.append((t, f"T{t}", np.zeros(shape), rng.normal(size=shape), indices))
        checked.append(len(indices))
    P = sum(checked)
    slopes = rng.normal(size=P) * 10.0 ** rng.integers(-4, 2, size=P)
    curvature = rng.normal(size=P)
    analytic = slopes * (1 + RTOL * 0.05 * rng.uniform(-1, 1, size=P))
    if case == "zeros":                    # some zero gradients: atol decides them, and a tensor may be all zero
        zero = rng.random(P) < 0.5
        slopes[zero] = analytic[zero] = 0.0
    elif case == "one wrong":              # one entry off: its tensor goes through the whole judgement
        analytic[rng.integers(P)] *= 1.5
    elif case == "not finite":             # an analytic entry NaN or infinite: its tensor's row says so
        analytic[rng.integers(P)] = rng.choice([np.nan, np.inf, -np.inf])
    losses, realised = moves(slopes, curvature)
    if case == "loss not finite":          # a move where the loss overflows or is NaN
        losses[rng.integers(P), rng.integers(2)] = rng.choice([np.nan, np.inf])
    if case == "kink":                     # one-sided slopes that disagree at one entry (ReLU at 0)
        k = rng.integers(P)
        losses[k] = [BASE + H * abs(slopes[k]), BASE + H * abs(slopes[k])]
    start = 0
    for t, name, array, grad, indices in tensors:       # each gradient's checked entries: those of analytic
        grad.reshape(-1)[indices] = analytic[start:start + len(indices)]
        start += len(indices)
    flat = analytic if entries_checked == "every entry, flat gradient" else None
    together = entries.judge_many(None, tensors, losses, realised, flat, METHODS["central"], H, BASE, RTOL, atol,
                                  EPS, None)
    alone = per_tensor_rows(tensors, losses, realised, atol)
    assert [row.to_dict() for row in together] == [row.to_dict() for row in alone]     # (NaN fields compare equal)
    assert [row.ok for row in together] == [row.ok for row in alone]



def test_rows_are_taken_side_by_side_unless_one_tensor_is_far_longer():
    """A layout padded to the longest tensor is made only where it holds at most about twice the entries: the
    UNEVEN case above is judged a tensor at a time, the usual MLP's tensors side by side."""
    from shapecheck.gradcheck.segments import SideBySide

    assert SideBySide.of([int(np.prod(shape)) for shape in UNEVEN]) is None
    assert SideBySide.of([80, 8, 64, 8, 24, 3]).index.shape == (6, 80)
