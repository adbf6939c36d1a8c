"""Learner programs a reviewer wrote (review 25): each a module with ``CASES`` (case -> the bug compare must
name, or "match") and ``make(case, hints)`` (compare's keyword arguments: the convention hints, or only the
learner's own loss_fn). The lines compare must name for a case carry ``# locate: <case>``.
See tests/shapecheck/test_compare_locate_review.py."""
