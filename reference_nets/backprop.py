"""The forward and backward pass of the MLP, written out once per layout: read the one you use.

Notation, as in ``shapecheck plan``: layer k (1..L) maps ``size_{k-1}`` units to ``size_k``; ``A[0]`` is X;
``Z[k]`` is the pre-activation and ``A[k]`` the activation of layer k; ``f`` is the hidden activation
and ``g`` the output one; ``W[k]``, ``b[k]`` and the gradients ``dW[k]``, ``db[k]`` are keyed by layer.
Each line below is one equation of the shape plan (``reference_nets.plan``), in the same words, e.g.
``dW2 = dZ2 @ A1.T / n`` in the columns layout; tests/reference_nets/test_plan.py evaluates the plan's
equations and checks them against these functions in every layout, so the two cannot drift apart.

The backward pass starts from ``dZ_L``, the loss's error at the output pre-activation (``A_L - Y`` for
sigmoid + bce and softmax + cross-entropy; see ``reference_nets.losses``), taken for the SUMMED loss;
``n`` is the mean's divisor (the number of samples, or 1 for a summed loss).
"""

from __future__ import annotations

# -- rows: X (n, d), W[k] (size_{k-1}, size_k), b[k] (1, size_k) ----------------------------------------


def forward_rows(X, W: dict, b: dict, f, g) -> tuple[dict, dict]:
    """Samples as rows: ``Z[k]`` and ``A[k]`` of shape ``(n, size_k)``; ``b[k]`` may be 0 (no bias)."""
    L = len(W)
    Z, A = {}, {0: X}                                      # A[0] = X            (n, d)
    for k in range(1, L + 1):
        Z[k] = A[k - 1] @ W[k] + b[k]                      # (n, size_k)
        A[k] = f(Z[k]) if k < L else g(Z[k], axis=1)       # (n, size_k)         softmax over the classes, axis 1
    return Z, A


def backward_rows(W: dict, Z: dict, A: dict, dZ_L, f, n) -> tuple[dict, dict]:
    """Samples as rows: ``dW[k]`` ``(size_{k-1}, size_k)`` and ``db[k]`` ``(1, size_k)``, from dZ_L ``(n, t)``."""
    L = len(W)
    dZ, dA, dW, db = {L: dZ_L}, {}, {}, {}
    for k in range(L, 0, -1):
        dW[k] = A[k - 1].T @ dZ[k] / n                     # (size_{k-1}, size_k)  same shape as W[k]
        db[k] = dZ[k].sum(axis=0, keepdims=True) / n       # (1, size_k)           same shape as b[k]
        if k > 1:
            dA[k - 1] = dZ[k] @ W[k].T                     # (n, size_{k-1})       same shape as A[k-1]
            dZ[k - 1] = dA[k - 1] * f.derivative(z=Z[k - 1])   # (n, size_{k-1})   f'(Z), not f'(A)
    return dW, db


# -- columns: X (d, n), W[k] (size_k, size_{k-1}), b[k] (size_k, 1) -------------------------------------


def forward_columns(X, W: dict, b: dict, f, g) -> tuple[dict, dict]:
    """Samples as columns: ``Z[k]`` and ``A[k]`` of shape ``(size_k, n)``; ``b[k]`` may be 0 (no bias)."""
    L = len(W)
    Z, A = {}, {0: X}                                      # A[0] = X            (d, n)
    for k in range(1, L + 1):
        Z[k] = W[k] @ A[k - 1] + b[k]                      # (size_k, n)
        A[k] = f(Z[k]) if k < L else g(Z[k], axis=0)       # (size_k, n)         softmax over the classes, axis 0
    return Z, A


def backward_columns(W: dict, Z: dict, A: dict, dZ_L, f, n) -> tuple[dict, dict]:
    """Samples as columns: ``dW[k]`` ``(size_k, size_{k-1})`` and ``db[k]`` ``(size_k, 1)``, from dZ_L ``(t, n)``."""
    L = len(W)
    dZ, dA, dW, db = {L: dZ_L}, {}, {}, {}
    for k in range(L, 0, -1):
        dW[k] = dZ[k] @ A[k - 1].T / n                     # (size_k, size_{k-1})  same shape as W[k]
        db[k] = dZ[k].sum(axis=1, keepdims=True) / n       # (size_k, 1)           same shape as b[k]
        if k > 1:
            dA[k - 1] = W[k].T @ dZ[k]                     # (size_{k-1}, n)       same shape as A[k-1]
            dZ[k - 1] = dA[k - 1] * f.derivative(z=Z[k - 1])   # (size_{k-1}, n)   f'(Z), not f'(A)
    return dW, db


# -- columns-wT: X (d, n), W[k] (size_{k-1}, size_k), b[k] (size_k, 1) ----------------------------------


def forward_columns_wT(X, W: dict, b: dict, f, g) -> tuple[dict, dict]:
    """Samples as columns, W stored ``(d_in, d_out)``: ``Z[k]`` and ``A[k]`` of shape ``(size_k, n)``."""
    L = len(W)
    Z, A = {}, {0: X}                                      # A[0] = X            (d, n)
    for k in range(1, L + 1):
        Z[k] = W[k].T @ A[k - 1] + b[k]                    # (size_k, n)
        A[k] = f(Z[k]) if k < L else g(Z[k], axis=0)       # (size_k, n)         softmax over the classes, axis 0
    return Z, A


def backward_columns_wT(W: dict, Z: dict, A: dict, dZ_L, f, n) -> tuple[dict, dict]:
    """Samples as columns, W ``(d_in, d_out)``: ``dW[k]`` ``(size_{k-1}, size_k)``, ``db[k]`` ``(size_k, 1)``,
    from dZ_L ``(t, n)``."""
    L = len(W)
    dZ, dA, dW, db = {L: dZ_L}, {}, {}, {}
    for k in range(L, 0, -1):
        dW[k] = A[k - 1] @ dZ[k].T / n                     # (size_{k-1}, size_k)  same shape as W[k]
        db[k] = dZ[k].sum(axis=1, keepdims=True) / n       # (size_k, 1)           same shape as b[k]
        if k > 1:
            dA[k - 1] = W[k] @ dZ[k]                       # (size_{k-1}, n)       same shape as A[k-1]
            dZ[k - 1] = dA[k - 1] * f.derivative(z=Z[k - 1])   # (size_{k-1}, n)   f'(Z), not f'(A)
    return dW, db


#: layout name -> its forward and backward pass
FORWARD = {"rows": forward_rows, "columns": forward_columns, "columns-wT": forward_columns_wT}
BACKWARD = {"rows": backward_rows, "columns": backward_columns, "columns-wT": backward_columns_wT}
