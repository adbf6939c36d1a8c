"""The shape rules engine: which shape numpy gives an operation, or why numpy refuses it.

Everything here works on shape tuples only, so the tracer can explain a failure without the arrays.

The rules, as they are taught:

* **Broadcasting** (``+ - * / // % ** < <= > >= == != & | ^``): line the shapes up on the *right*.
  On every axis the sizes must be equal or one of them must be 1; a missing axis counts as 1. The
  result takes the size that is not 1 (a 1 is *stretched*, its data repeated). ``(7, 3) + (3,)``
  gives ``(7, 3)``; ``(4, 3) + (2, 4)`` fails on axes -2 (4 vs 2) and -1 (3 vs 4).
* **matmul** (``@``): the last axis of the left operand must equal the second-to-last of the right
  one (``(n, k) @ (k, m) -> (n, m)``). A 1-d left operand is a row (a 1 is put in front and removed
  afterwards), a 1-d right operand a column. Axes before the last two are stacks of matrices and
  broadcast. 0-d operands are refused.
* **dot**: like matmul for 1-d and 2-d operands; with more axes it sums over the last axis of ``a``
  and the second-to-last of ``b`` and keeps *all* other axes: ``a[:-1] + b[:-2] + b[-1:]``. A 0-d
  operand simply multiplies. **inner** sums over the last axes of both, **outer** flattens both,
  **tensordot** and **einsum** sum over the axes they are told to.
* **Reductions** (``sum mean max min prod``) remove the axes in ``axis`` (all when None), or keep
  them as 1 with ``keepdims=True``. ``max``/``min`` of an empty axis have no value.
* **concatenate** joins along an existing axis (all other sizes must match), **stack** along a new
  one (all shapes equal); **hstack** joins 1-d arrays end to end and others along axis 1, **vstack**
  joins along axis 0 after turning 1-d arrays into rows.
* **reshape** keeps the number of elements (one size may be -1: "whatever fits"); **transpose**
  permutes the axes (reverses them by default, as ``.T`` does).

================  ==================================================================================
``core``          ``Shape``, ``Conflict`` (why numpy refuses), reading shape, size and axis arguments
``rules``         ``predict(op, shapes, **options)``: the table of ops, their operands and options
``broadcasting``  the broadcasting rule, ``stretched`` (was an operand's data repeated?) and
                  ``broadcast_diagram`` (the shapes right-aligned, carets under the conflicts)
``products``      matmul, dot, inner, outer, tensordot
``einsum``        einsum's subscripts
``axes``          reductions, concatenate/stack/hstack/vstack, reshape, transpose
``fixes``         ``suggest_fixes``: rewrites of a failing binary operation that numpy accepts
================  ==================================================================================

Each module imports only those above it in this order: ``core``; ``broadcasting``; ``products``,
``einsum``, ``axes``; ``rules``; ``fixes``.
"""
